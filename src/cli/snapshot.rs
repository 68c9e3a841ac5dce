//! `ramcheck snapshot`: the account snapshot ramcheck reads from an account source, printed
//! canonically, so a user sees exactly what it understood.

use std::io::Write;

use clap::Args;
use ramcheck::source::canonical;

use super::{read_source, write_stdout, Failure, Limits, SourceArgs, Status};

/// Flags of `snapshot`, as typed.
#[derive(Debug, Args)]
#[command(after_help = super::help::SNAPSHOT)]
pub(crate) struct SnapshotArgs {
    /// The account source: an account snapshot, a `terraform show -json` output or a ROS
    /// template; `-` reads standard input.
    #[arg(value_name = "INPUT")]
    input: String,
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    limits: Limits,
}

pub(crate) fn run(args: SnapshotArgs) -> Result<Status, Failure> {
    let (input, options) = read_source(&args.input, &args.source, args.limits)?;
    let text = canonical(&input.snapshot(&options)?);
    write_stdout(|out| out.write_all(text.as_bytes()))?;
    Ok(Status::Ok)
}
