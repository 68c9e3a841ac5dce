//! `ramcheck completions SHELL` and `ramcheck man`: shell completion scripts and roff manual
//! pages, generated from the clap definitions of the binary itself (`clap_complete`,
//! `clap_mangen`), so they list exactly the commands and flags this build has. Installing them
//! is left to the user (the README says where each shell looks).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{write_stdout, Cli, Failure, Status};

/// Flags of `ramcheck completions`.
#[derive(Debug, Args)]
#[command(after_help = super::help::COMPLETIONS)]
pub(crate) struct CompletionsArgs {
    /// The shell to write a completion script for.
    #[arg(value_enum, value_name = "SHELL")]
    shell: Shell,
}

/// Flags of `ramcheck man`.
#[derive(Debug, Args)]
#[command(after_help = super::help::MAN)]
pub(crate) struct ManArgs {
    /// Write one page per command into DIR (`ramcheck.1`, `ramcheck-lint.1`, ...; DIR is
    /// created if missing), listing their paths, instead of printing the page of `ramcheck` to
    /// standard output.
    #[arg(long = "dir", value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Prints the completion script for one shell.
pub(crate) fn run_completions(args: CompletionsArgs) -> Result<Status, Failure> {
    let mut command = Cli::command();
    // Rendered into a buffer first: clap_complete writes as it goes, and a failure halfway
    // must leave stdout empty, as every exit 2 does.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "ramcheck", &mut script);
    write_stdout(|out| out.write_all(&script))?;
    Ok(Status::Ok)
}

/// Prints the manual page of `ramcheck`, or writes every command's page into a directory.
pub(crate) fn run_man(args: ManArgs) -> Result<Status, Failure> {
    // `ramcheck help` repeats `--help`: no page of its own, and none listed.
    let command = Cli::command().disable_help_subcommand(true);
    match args.dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .map_err(|e| Failure::new(format!("cannot render the manual page: {e}")))?;
            write_stdout(|out| out.write_all(&page))?;
        }
        Some(dir) => {
            let written = write_pages(command, &dir).map_err(|e| {
                Failure::new(format!(
                    "cannot write the manual pages into `{}`: {e}",
                    dir.display()
                ))
                .with_help("name a directory you can write to, e.g. `--dir target/man`")
            })?;
            // The pages written, one path per line: what to install, or to check in a script.
            write_stdout(|out| {
                written
                    .iter()
                    .try_for_each(|page| writeln!(out, "{}", page.display()))
            })?;
        }
    }
    Ok(Status::Ok)
}

/// Writes `ramcheck.1` and one page per subcommand its `SUBCOMMANDS` section lists, and returns
/// their paths, sorted
/// (`ramcheck-lint.1` and so on). `clap_mangen::generate_to` is not used: its top page lists a
/// `ramcheck-help(1)` that it never writes, and differs from the page `ramcheck man` prints.
fn write_pages(mut command: clap::Command, dir: &Path) -> io::Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)?;
    // Built as `Man::new` builds it, so that the subcommands are those the top page lists,
    // each named `ramcheck-NAME`.
    command.build();
    let mut written = Vec::new();
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        written.push(clap_mangen::Man::new(sub.clone()).generate_to(dir)?);
    }
    written.push(clap_mangen::Man::new(command).generate_to(dir)?);
    written.sort();
    Ok(written)
}
