//! Command-line interface: flag definitions and wiring. The work happens in the library; this
//! module reads files, calls it, renders the result and picks the exit status.

mod check;
mod completions;
mod diagnostic;
mod diff;
mod help;
mod lint;
mod options;
mod rules;
#[cfg(feature = "serve")]
mod serve;
mod snapshot;
mod space;
mod who_can;

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Mutex, PoisonError};

use clap::{Args, Parser, Subcommand, ValueEnum};
use options::{options, GlobalArgs, Options};
use ramcheck::account::AccountError;
use ramcheck::read::{read_file, read_to_limit, ReadError, DEFAULT_MAX_FILE_SIZE};
use ramcheck::source::{self, Input, LoadError, PlanSide, SourceOptions};

/// Exit status: what a pipeline gates on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Allowed (check), no blocking finding (lint).
    Ok = 0,
    /// Denied (check), a finding at or above `--fail-on` (lint), someone outside
    /// `--allow-only` reaches the action (who-can), a change per `--fail-on` (diff).
    Denied = 1,
    /// Invalid input or usage.
    Invalid = 2,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

/// A failure that ends the command with status 2: what is wrong, and how to fix it.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) message: String,
    /// Lines that list what the message counts (one per warning under `--strict`).
    pub(crate) details: Vec<String>,
    pub(crate) help: Option<String>,
}

impl Failure {
    pub(crate) fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            details: Vec::new(),
            help: None,
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Failure {
        self.help = Some(help.into());
        self
    }
}

impl From<ramcheck::policy::PolicyError> for Failure {
    fn from(e: ramcheck::policy::PolicyError) -> Failure {
        let help = e.help().map(str::to_owned);
        let mut location = String::new();
        if let Some(file) = e.file() {
            location.push_str(file);
            location.push(':');
        }
        location.push_str(&e.position().to_string());
        let path = if e.path().is_empty() {
            String::new()
        } else {
            format!(" (at {})", e.path())
        };
        Failure {
            message: format!("{location}: {}{path}", e.message()),
            details: Vec::new(),
            help,
        }
    }
}

/// Output format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// For people.
    Text,
    /// One JSON object.
    Json,
}

/// Output format of `who-can` and `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SpaceFormat {
    /// For people.
    Text,
    /// One JSON object.
    Json,
    /// A SARIF 2.1.0 log, for code scanning.
    Sarif,
    /// A summary table, for a pull-request comment.
    Markdown,
    /// A Mermaid flowchart.
    Mermaid,
    /// A Graphviz graph.
    Dot,
}

#[derive(Debug, Parser)]
#[command(
    name = "ramcheck",
    version,
    about = "Reads Alibaba Cloud RAM policies and decides, as RAM would, whether a principal may cancel an image pipeline execution, and says why",
    propagate_version = true,
    after_help = help::RAMCHECK
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decide one request against policies, and explain the decision.
    Check(check::CheckArgs),
    /// Lint policy documents (plain, Terraform plans, GetPolicy output) before they reach RAM.
    Lint(lint::LintArgs),
    /// List the lint rules with their level and description, or print their documentation.
    Rules(rules::RulesArgs),
    /// List every principal of the accounts with how much of a space of requests it reaches,
    /// directly or through roles; with `--allow-only`, a gate.
    WhoCan(who_can::WhoCanArgs),
    /// Who gains or loses access between two versions of the accounts (a Terraform plan's
    /// prior state and planned values, two snapshots, two policy documents).
    Diff(diff::DiffArgs),
    /// Print the account snapshot read from an account source (snapshot, Terraform, ROS).
    Snapshot(snapshot::SnapshotArgs),
    /// Serve the ECS API, Envoy `ext_authz` (HTTP and gRPC) and nginx `auth_request`, verifying
    /// Alibaba Cloud request signatures and deciding with the compiled authorizer.
    #[cfg(feature = "serve")]
    Serve(serve::ServeArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff), or write one page per command with `--dir`.
    Man(completions::ManArgs),
}

/// Runs the command line and returns the exit status.
pub(crate) fn run() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            options::set(Options::prescan(&args));
            return diagnostic::clap_error(&e).into();
        }
    };
    options::set(Options::new(cli.global));
    let result = check_output().and_then(|()| match cli.command {
        Command::Check(args) => check::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Rules(args) => rules::run(args),
        Command::WhoCan(args) => who_can::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Snapshot(args) => snapshot::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => refuse_output("serve").and_then(|()| serve::run(args)),
        Command::Completions(args) => completions::run_completions(args),
        Command::Man(args) => completions::run_man(args),
    });
    // `-o FILE` is written only now, when the command is over: on exit status 2 it is left
    // as it was (or not created), as standard output is left empty.
    let result = result.and_then(|status| match status {
        Status::Invalid => Ok(status),
        Status::Ok | Status::Denied => commit_output().map(|()| status),
    });
    match result {
        Ok(status) => status.into(),
        Err(failure) => {
            diagnostic::error(&failure);
            Status::Invalid.into()
        }
    }
}

/// The limit on every input, shared by the commands that read files.
#[derive(Debug, Clone, Copy, Args)]
pub(crate) struct Limits {
    /// The most bytes ramcheck reads from one input (a file named or walked, standard input,
    /// a policy file an account names).
    #[arg(long = "max-file-size", value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_SIZE)]
    pub(crate) max_file_size: u64,
}

impl From<ReadError> for Failure {
    fn from(e: ReadError) -> Failure {
        let failure = Failure::new(e.to_string());
        match e {
            ReadError::TooLarge { .. } => {
                failure.with_help("raise the limit with `--max-file-size BYTES`")
            }
            ReadError::NotRegular { .. } => {
                failure.with_help("name a regular file; `-` reads standard input")
            }
            _ => failure,
        }
    }
}

/// Reads a file, or standard input for `-`, refusing more than `limit` bytes and any path that
/// is not a regular file.
pub(crate) fn read_input(path: &str, limit: u64) -> Result<Vec<u8>, Failure> {
    if path == "-" {
        return Ok(read_to_limit(io::stdin().lock(), "-", limit)?);
    }
    Ok(read_file(Path::new(path), limit)?)
}

/// What `-q` leaves out of a command's text output: the lines that are neither findings nor
/// decisions. The renderers do not know about `-q`; the command says where its summary is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Chatter {
    /// Nothing: the output is all essential (JSON, SARIF, a snapshot, a rule's page).
    None,
    /// The first line (`who-can`'s count of principals).
    FirstLine,
    /// The last line (`diff`'s count of changes).
    LastLine,
    /// This text at the end, when the output ends with it (lint's summary line).
    Suffix(String),
    /// Every indented or empty line: what explains a decision, under the verdict line.
    Indented,
}

impl Chatter {
    /// `text` without the chatter.
    fn strip(&self, mut text: Vec<u8>) -> Vec<u8> {
        let line_ends = |text: &[u8]| -> Vec<usize> {
            text.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1)
                .collect()
        };
        match self {
            Chatter::None => text,
            Chatter::FirstLine => {
                let end = line_ends(&text).first().copied().unwrap_or(text.len());
                text.split_off(end)
            }
            Chatter::LastLine => {
                let ends = line_ends(&text);
                // The last line ends the text (with its line break, or without one).
                let start = match ends.as_slice() {
                    [.., before, last] if *last == text.len() => *before,
                    [.., last] if *last < text.len() => *last,
                    _ => 0,
                };
                text.truncate(start);
                text
            }
            Chatter::Suffix(suffix) => {
                if text.ends_with(suffix.as_bytes()) {
                    text.truncate(text.len() - suffix.len());
                }
                text
            }
            Chatter::Indented => text
                .split_inclusive(|b| *b == b'\n')
                .filter(|line| !matches!(line.first(), None | Some(b' ' | b'\t' | b'\n' | b'\r')))
                .flatten()
                .copied()
                .collect(),
        }
    }
}

/// What `-o FILE` will hold, gathered until the command is over.
static OUTPUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Writes a command's output: to standard output, or kept for `-o FILE`. A closed pipe
/// (`| head`) is not an error worth reporting.
pub(crate) fn write_stdout(
    render: impl FnOnce(&mut Vec<u8>) -> io::Result<()>,
) -> Result<(), Failure> {
    write_stdout_without(&Chatter::None, render)
}

/// [`write_stdout`], leaving out `chatter` under `-q`.
pub(crate) fn write_stdout_without(
    chatter: &Chatter,
    render: impl FnOnce(&mut Vec<u8>) -> io::Result<()>,
) -> Result<(), Failure> {
    let mut text = Vec::new();
    render(&mut text).map_err(|e| Failure::new(format!("cannot write output: {e}")))?;
    if options().quiet() {
        text = chatter.strip(text);
    }
    if options().output().is_some() {
        OUTPUT
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(&text);
        return Ok(());
    }
    let mut out = io::stdout().lock();
    match out.write_all(&text).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::new(format!("cannot write output: {e}"))),
    }
}

/// Refuses `-o FILE` that could not be written, before any work: a directory, or a file in
/// a folder that does not exist.
fn check_output() -> Result<(), Failure> {
    let Some(path) = options().output() else {
        return Ok(());
    };
    let shown = path.to_string_lossy();
    if path.is_dir() || path.file_name().is_none() {
        return Err(Failure::new(format!("-o: `{shown}` is a directory"))
            .with_help("name the file to write, e.g. `-o ramcheck.sarif`"));
    }
    let folder = output_folder(path);
    if !folder.is_dir() {
        return Err(
            Failure::new(format!("-o: the folder of `{shown}` does not exist"))
                .with_help(format!("create `{}` first", folder.to_string_lossy())),
        );
    }
    Ok(())
}

/// Refuses `-o` for `serve`, whose standard output is the decision log (`--decision-log -`),
/// written as it goes, not once at the end.
#[cfg(feature = "serve")]
fn refuse_output(command: &str) -> Result<(), Failure> {
    match options().output() {
        None => Ok(()),
        Some(_) => Err(Failure::new(format!(
            "`-o` is not for `{command}`: its standard output is the decision log, written as it goes"
        ))
        .with_help("drop `-o`; write the decision log to a file with `--decision-log FILE`")),
    }
}

/// Writes what the command gave to `-o FILE`, atomically: a file beside it, renamed over it,
/// so that a reader never sees half of it and a failed write leaves the old file.
fn commit_output() -> Result<(), Failure> {
    let Some(path) = options().output() else {
        return Ok(());
    };
    let text = std::mem::take(&mut *OUTPUT.lock().unwrap_or_else(PoisonError::into_inner));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary =
        output_folder(path).join(format!(".{name}.{}.ramcheck-tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| {
            let result = file
                .write_all(&text)
                .and_then(|()| file.sync_all())
                .and_then(|()| std::fs::rename(&temporary, path));
            if result.is_err() {
                let _ = std::fs::remove_file(&temporary);
            }
            result
        });
    written.map_err(|e| {
        Failure::new(format!(
            "-o: cannot write `{}`: {e}",
            path.to_string_lossy()
        ))
    })
}

/// The folder `-o FILE` is written in.
fn output_folder(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The flags of an account source (`--account`, `snapshot`'s input) that its file may not
/// say, as typed.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct SourceArgs {
    /// The account a Terraform plan or state, or a ROS template, describes, when the file does
    /// not say (ROS's `ALIYUN::AccountId`).
    #[arg(long = "account-id", value_name = "ID")]
    account_id: Option<String>,
    /// The side of a Terraform plan to read: `after` (the planned values, the default) or
    /// `before` (the prior state).
    #[arg(long = "plan-side", value_enum, value_name = "SIDE")]
    plan_side: Option<PlanSideArg>,
    /// A ROS template parameter (repeatable), over the template's default.
    #[arg(long = "parameter", value_name = "KEY=VALUE")]
    parameters: Vec<String>,
}

/// `--plan-side`, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PlanSideArg {
    /// The prior state.
    Before,
    /// The planned values.
    After,
}

impl SourceArgs {
    /// The options the flags give, checked.
    fn options(&self, limits: Limits) -> Result<SourceOptions, Failure> {
        let mut options = SourceOptions::default().with_max_file_size(limits.max_file_size);
        if let Some(id) = &self.account_id {
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Failure::new(format!(
                    "--account-id: expected the numeric account ID, found `{id}`"
                ))
                .with_help("give the account ID as digits, e.g. `--account-id 1234567890123456`"));
            }
            options = options.with_account_id(id.as_str());
        }
        if let Some(side) = self.plan_side {
            options = options.with_plan_side(match side {
                PlanSideArg::Before => PlanSide::Before,
                PlanSideArg::After => PlanSide::After,
            });
        }
        for pair in &self.parameters {
            let Some((key, value)) = pair.split_once('=').filter(|(k, _)| !k.is_empty()) else {
                return Err(Failure::new(format!(
                    "--parameter: expected `KEY=VALUE`, found `{pair}`"
                ))
                .with_help("name the template parameter, e.g. `--parameter Env=prod`"));
            };
            if options.parameters.contains_key(key) {
                return Err(Failure::new(format!("--parameter: `{key}` is given twice"))
                    .with_help("give each template parameter once"));
            }
            options = options.with_parameter(key, value);
        }
        Ok(options)
    }

    /// The flags given that the input's format does not use: each is a warning, not silence.
    fn unused(&self, format: source::Format) -> Vec<String> {
        let (snapshot, terraform, ros) = (
            format == source::Format::Snapshot,
            format == source::Format::Terraform,
            format == source::Format::Ros,
        );
        let mut out = Vec::new();
        if self.account_id.is_some() && snapshot {
            out.push("`--account-id` is for Terraform and ROS inputs; an account snapshot names its account in `account_id`".to_owned());
        }
        if self.plan_side.is_some() && !terraform {
            out.push("`--plan-side` is for Terraform plans".to_owned());
        }
        if !self.parameters.is_empty() && !ros {
            out.push("`--parameter` is for ROS templates".to_owned());
        }
        out
    }
}

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Failure {
        match e {
            LoadError::Account(AccountError::Policy(p)) => Failure::from(p),
            other => {
                let help = other.help().map(str::to_owned);
                let mut failure = Failure::new(other.to_string());
                failure.help = help;
                failure
            }
        }
    }
}

/// Reads an account source (`-`: standard input) with its options, warning on standard
/// error about each source flag its format does not use.
pub(crate) fn read_source(
    file: &str,
    flags: &SourceArgs,
    limits: Limits,
) -> Result<(Input, SourceOptions), Failure> {
    let options = flags.options(limits)?;
    let input = if file == "-" {
        Input::from_bytes(read_input(file, limits.max_file_size)?, Some(file), None)
    } else {
        Input::read(file, &options)?
    };
    warn_unused(file, &input, flags);
    Ok((input, options))
}

/// Warns on standard error about each source flag the input's format does not use.
pub(crate) fn warn_unused(file: &str, input: &Input, flags: &SourceArgs) {
    let format = match input.format() {
        source::Format::Snapshot => "an account snapshot",
        source::Format::Terraform => "a Terraform plan or state",
        source::Format::Ros => "a ROS template",
        _ => "an account source",
    };
    for unused in flags.unused(input.format()) {
        diagnostic::warning(
            "unused-source-flag",
            &format!("{unused}; `{file}` is {format}, so it is ignored"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::Chatter;

    fn strip(chatter: &Chatter, text: &str) -> String {
        String::from_utf8(chatter.strip(text.as_bytes().to_vec())).expect("UTF-8")
    }

    #[test]
    fn quiet_strips_the_first_or_last_line_with_or_without_a_final_break() {
        assert_eq!(strip(&Chatter::FirstLine, "count\na\nb\n"), "a\nb\n");
        assert_eq!(strip(&Chatter::FirstLine, "count"), "");
        assert_eq!(strip(&Chatter::LastLine, "a\n\ncount\n"), "a\n\n");
        assert_eq!(strip(&Chatter::LastLine, "a\ncount"), "a\n");
        assert_eq!(strip(&Chatter::LastLine, "count\n"), "");
        assert_eq!(strip(&Chatter::None, "a\nb\n"), "a\nb\n");
    }

    #[test]
    fn quiet_strips_a_suffix_only_where_it_is() {
        let summary = Chatter::Suffix("2 findings\n".to_owned());
        assert_eq!(strip(&summary, "x\n\n2 findings\n"), "x\n\n");
        assert_eq!(strip(&summary, "x\n3 findings\n"), "x\n3 findings\n");
    }

    #[test]
    fn quiet_keeps_the_unindented_lines_of_an_explanation() {
        let text =
            "ALLOW: a on r\n  decided at stage S\n  f:1:1: allows it\n\nDENY: b on r\n  why\n";
        assert_eq!(
            strip(&Chatter::Indented, text),
            "ALLOW: a on r\nDENY: b on r\n"
        );
    }
}
