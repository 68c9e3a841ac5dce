//! Command-line interface: flag definitions and wiring. The work happens in the library; this
//! module reads files, calls it, renders the result and picks the exit status.

mod check;
mod lint;
mod rules;
mod who_can;

use std::io::{self, Read, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

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
    pub(crate) help: Option<String>,
}

impl Failure {
    pub(crate) fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
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
            let mut err = io::stderr().lock();
            let _ = writeln!(err, "error: {}", failure.message);
            if let Some(help) = failure.help {
                let _ = writeln!(err, "  help: {help}");
            }
            Status::Invalid.into()
        }
    }
}

/// Reads a file, or standard input for `-`.
pub(crate) fn read_input(path: &str) -> Result<Vec<u8>, Failure> {
    if path == "-" {
        let mut bytes = Vec::new();
        io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::new(format!("cannot read standard input: {e}")))?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(|e| Failure::new(format!("cannot read `{path}`: {e}")))
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
