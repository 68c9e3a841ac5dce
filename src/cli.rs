//! Command-line interface: flag definitions and wiring. The work happens in the library; this
//! module reads files, calls it, renders the result and picks the exit status.

mod check;
mod lint;
mod rules;
mod who_can;

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ramcheck::output::escape_controls;
use ramcheck::read::{read_file, read_to_limit, ReadError, DEFAULT_MAX_FILE_SIZE};

/// Exit status: what a pipeline gates on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Allowed (check), no blocking finding (lint).
    Ok = 0,
    /// Denied (check), a finding at or above `--fail-on` (lint).
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

#[derive(Debug, Parser)]
#[command(
    name = "ramcheck",
    version,
    about = "Reads Alibaba Cloud RAM policies and decides, as RAM would, whether a principal may cancel an image pipeline execution, and says why",
    propagate_version = true
)]
struct Cli {
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
    /// List every principal of an account with whether it may make the request.
    WhoCan(who_can::WhoCanArgs),
}

/// Runs the command line and returns the exit status.
pub(crate) fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Status::Invalid
            } else {
                Status::Ok
            }
            .into();
        }
    };
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Rules(args) => rules::run(args),
        Command::WhoCan(args) => who_can::run(args),
    };
    match result {
        Ok(status) => status.into(),
        Err(failure) => {
            // Messages quote inputs (paths, flag values, file contents): escaped, so that a
            // quoted value cannot forge a line or drive the terminal.
            let mut err = io::stderr().lock();
            let _ = writeln!(err, "error: {}", escape_controls(&failure.message));
            for detail in &failure.details {
                let _ = writeln!(err, "  {}", escape_controls(detail));
            }
            if let Some(help) = failure.help {
                let _ = writeln!(err, "  help: {}", escape_controls(&help));
            }
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

/// Writes to stdout; a closed pipe (`| head`) is not an error worth reporting.
pub(crate) fn write_stdout(
    render: impl FnOnce(&mut io::StdoutLock<'_>) -> io::Result<()>,
) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match render(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::new(format!("cannot write output: {e}"))),
    }
}
