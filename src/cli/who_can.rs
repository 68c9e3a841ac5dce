//! `ramcheck who-can`: every principal of an account, and whether it may make the request.

use clap::Args;
use ramcheck::assume::is_assume_role;
use ramcheck::authorizer::Authorizer;
use ramcheck::lint::request::{account_warning, unlisted_warning};
use ramcheck::output;

use super::check::{assume_failure, decide_failure, load_accounts, print_warnings, RequestArgs};
use super::{write_stdout, Failure, Format, Limits, SourceArgs, Status};

/// Flags of `who-can`, as typed.
#[derive(Debug, Args)]
pub(crate) struct WhoCanArgs {
    /// An account snapshot file (repeatable, one per account): the principals of every
    /// account given are listed.
    #[arg(long, value_name = "FILE", required = true)]
    account: Vec<String>,
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    request: RequestArgs,
    #[command(flatten)]
    limits: Limits,
}

pub(crate) fn run(args: WhoCanArgs) -> Result<Status, Failure> {
    let (request, mut warnings) = args.request.build()?;
    let accounts = load_accounts(&args.account, &args.source, args.limits)?;
    let resource_account = request.resource().account();
    // An AssumeRole names a role of some account given (else it is an input error, T3a); any
    // other request draws the warning only when no account given owns the resource.
    if !is_assume_role(&request) && accounts.get(resource_account).is_none() {
        let first = accounts.iter().next().map_or("", |a| a.id());
        warnings.extend(account_warning(&request, first));
    }
    args.request.enforce(&warnings)?;
    let decisions = if is_assume_role(&request) {
        warnings.extend(
            accounts
                .unlisted_of(&request)
                .map_err(assume_failure)?
                .iter()
                .map(unlisted_warning),
        );
        accounts.who_can(&request).map_err(assume_failure)?
    } else {
        // The compiled authorizer decides each account's own principals; E3 denies the others
        // (T6), in the order `Accounts::who_can` gives.
        let mut all = Vec::new();
        for account in accounts.iter() {
            all.extend(
                Authorizer::compile(account)
                    .map_err(|e| Failure::new(e.to_string()))?
                    .who_can_request(account, &request)
                    .map_err(decide_failure)?,
            );
        }
        all.sort_by_key(|d| !d.outcome.decision().is_allowed());
        all
    };
    if args.request.format == Format::Text {
        print_warnings(&warnings);
    }
    write_stdout(|out| match args.request.format {
        Format::Text => output::text::write_who_can(out, &request, &decisions),
        Format::Json => output::json::write_who_can(out, &request, &decisions, &warnings),
    })?;
    Ok(Status::Ok)
}
