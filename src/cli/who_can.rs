//! `ramcheck who-can`: every principal of an account, and whether it may make the request.

use clap::Args;
use ramcheck::authorizer::Authorizer;
use ramcheck::lint::request::account_warning;
use ramcheck::output;

use super::check::{decide_failure, load_account, print_warnings, RequestArgs};
use super::{write_stdout, Failure, Format, Limits, SourceArgs, Status};

/// Flags of `who-can`, as typed.
#[derive(Debug, Args)]
pub(crate) struct WhoCanArgs {
    /// The account snapshot file.
    #[arg(long, value_name = "FILE")]
    account: String,
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    request: RequestArgs,
    #[command(flatten)]
    limits: Limits,
}

pub(crate) fn run(args: WhoCanArgs) -> Result<Status, Failure> {
    let (request, mut warnings) = args.request.build()?;
    let account = load_account(&args.account, &args.source, args.limits)?;
    warnings.extend(account_warning(&request, account.id()));
    args.request.enforce(&warnings)?;
    let decisions = Authorizer::compile(&account)
        .map_err(|e| Failure::new(e.to_string()))?
        .who_can_request(&account, &request)
        .map_err(decide_failure)?;
    if args.request.format == Format::Text {
        print_warnings(&warnings);
    }
    write_stdout(|out| match args.request.format {
        Format::Text => output::text::write_who_can(out, &request, &decisions),
        Format::Json => output::json::write_who_can(out, &request, &decisions, &warnings),
    })?;
    Ok(Status::Ok)
}
