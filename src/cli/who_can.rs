//! `ramcheck who-can`: every principal of an account, and whether it may make the request.

use clap::Args;
use ramcheck::authorizer::Authorizer;
use ramcheck::decision::CANCEL_IMAGE_PIPELINE_EXECUTION;
use ramcheck::output;

use super::check::{build_request, decide_failure, load_account};
use super::{write_stdout, Failure, Format, Status};

/// Flags of `who-can`, as typed.
#[derive(Debug, Args)]
pub(crate) struct WhoCanArgs {
    /// The account snapshot file.
    #[arg(long, value_name = "FILE")]
    account: String,
    /// The action to decide.
    #[arg(long, value_name = "ACTION", default_value = CANCEL_IMAGE_PIPELINE_EXECUTION)]
    action: String,
    /// The resource ARN.
    #[arg(long, value_name = "ARN")]
    resource: String,
    /// A request context value (repeatable).
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub(crate) fn run(args: WhoCanArgs) -> Result<Status, Failure> {
    let request = build_request(&args.action, &args.resource, &args.context)?;
    let account = load_account(&args.account)?;
    let decisions = Authorizer::compile(&account)
        .map_err(|e| Failure::new(e.to_string()))?
        .who_can_request(&account, &request)
        .map_err(decide_failure)?;
    write_stdout(|out| match args.format {
        Format::Text => output::text::write_who_can(out, &request, &decisions),
        Format::Json => output::json::write_who_can(out, &request, &decisions),
    })?;
    Ok(Status::Ok)
}
