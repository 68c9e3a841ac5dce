//! `ramcheck who-can`: every principal of the accounts, and how much of a space of requests
//! it reaches, directly or through roles (A1–A3, T5); with `--allow-only`, a gate.

use clap::Args;
use ramcheck::account::Principal;
use ramcheck::analysis::{self, gate::gate, DEFAULT_MAX_CASES};
use ramcheck::assume::Accounts;
use ramcheck::lint::request::{account_warning, unlisted_warning};
use ramcheck::output::{self, analysis as render, graph};
use ramcheck::suggest::did_you_mean;

use super::check::{assume_failure, load_accounts, print_warnings, RequestArgs};
use super::space::{analysis_failure, literal_account, parse_max_cases, question};
use super::{write_stdout_without, Chatter, Failure, Limits, SourceArgs, SpaceFormat, Status};

/// Flags of `who-can`, as typed. `--resource` is shared with `check`, which takes one ARN;
/// here it takes a pattern as well, and its help says so.
#[derive(Debug, Args)]
#[command(after_help = super::help::WHO_CAN)]
#[command(mut_arg("resource", |arg| arg
    .value_name("PATTERN")
    .help("The resources asked about: a pattern, e.g. `acs:ecs:cn-*:1234567890123456:imagepipeline/prod-*`, or one resource ARN")
    .long_help(None)))]
pub(crate) struct WhoCanArgs {
    /// An account source (snapshot, Terraform plan or state, ROS template), repeatable, one
    /// per account: the principals of every account given are listed.
    #[arg(long, value_name = "FILE", required = true)]
    account: Vec<String>,
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    request: RequestArgs,
    /// The principals allowed to reach the action (one or more values, repeatable): full ARNs,
    /// or `root`, `user/NAME`, `role/NAME` of the resources' account. Exit 1 when anyone else
    /// reaches it on some resource of the space, directly or through roles; the owner of the
    /// account that holds a resource is exempt.
    #[arg(long = "allow-only", value_name = "PRINCIPAL", num_args = 1..)]
    allow_only: Vec<String>,
    /// The most classes one principal's question may split into; more is an error (exit 2),
    /// never a partial answer.
    #[arg(long = "max-cases", value_name = "N", default_value_t = DEFAULT_MAX_CASES, value_parser = parse_max_cases)]
    max_cases: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SpaceFormat::Text)]
    format: SpaceFormat,
    #[command(flatten)]
    limits: Limits,
}

pub(crate) fn run(args: WhoCanArgs) -> Result<Status, Failure> {
    if is_assume_role_action(&args.request.action) {
        return run_assume_role(args);
    }
    let asked = question(
        &args.request.action,
        Some(&args.request.resource),
        &args.request.context,
        args.max_cases,
    )?;
    let mut warnings = asked.warnings;
    args.request.enforce(&warnings)?;
    let accounts = load_accounts(&args.account, &args.source, args.limits)?;
    let home = literal_account(&args.request.resource);
    if let Some(home) = home {
        if accounts.get(home).is_none() {
            let first = accounts.iter().next().map_or("", |a| a.id());
            warnings.extend(account_warning(&asked.sample, first));
        }
    }
    args.request.enforce(&warnings)?;
    let allowed = if args.allow_only.is_empty() {
        None
    } else {
        Some(resolve_allowed(&args.allow_only, &accounts, home)?)
    };
    let answer = analysis::who_can(&accounts, &asked.question).map_err(analysis_failure)?;
    // Not subject to `--strict`: they are about trust policies, not the question, and are
    // never dropped (T6).
    warnings.extend(answer.unlisted.iter().map(unlisted_warning));
    let verdict = match &allowed {
        None => None,
        Some(allowed) => {
            Some(gate(&accounts, &asked.question, &answer, allowed).map_err(analysis_failure)?)
        }
    };
    let mut report = render::SpaceReport::new(&answer, &warnings);
    if let Some(verdict) = &verdict {
        report = report.with_gate(verdict);
    }
    if args.format != SpaceFormat::Json {
        print_warnings(&warnings);
    }
    let chatter = match args.format {
        SpaceFormat::Text => Chatter::FirstLine,
        _ => Chatter::None,
    };
    write_stdout_without(&chatter, |out| match args.format {
        SpaceFormat::Text => render::text::write_space(out, &report),
        SpaceFormat::Json => render::json::write_space(out, &report),
        SpaceFormat::Sarif => render::sarif::write(out, &render::sarif::space_log(&report)),
        SpaceFormat::Markdown => render::markdown::write_space(out, &report),
        SpaceFormat::Mermaid => graph::write_who_can_mermaid(out, &answer, &accounts),
        SpaceFormat::Dot => graph::write_who_can_dot(out, &answer, &accounts),
    })?;
    Ok(match verdict {
        Some(verdict) if !verdict.passed() => Status::Denied,
        _ => Status::Ok,
    })
}

fn is_assume_role_action(action: &str) -> bool {
    action.eq_ignore_ascii_case(ramcheck::assume::ASSUME_ROLE)
}

/// The ARNs `--allow-only` names, each checked against the snapshots: an unknown principal
/// is an error with a did-you-mean, never an allow list that allows nobody.
fn resolve_allowed(
    values: &[String],
    accounts: &Accounts,
    home: Option<&str>,
) -> Result<Vec<String>, Failure> {
    let mut out = Vec::with_capacity(values.len());
    for value in values {
        let account_id = match value.strip_prefix("acs:") {
            Some(rest) => rest.split(':').nth(2).unwrap_or_default().to_owned(),
            None => match (home, accounts.iter().count()) {
                (Some(home), _) => home.to_owned(),
                (None, 1) => accounts.iter().next().map(|a| a.id().to_owned()).unwrap_or_default(),
                (None, _) => {
                    return Err(Failure::new(format!(
                        "--allow-only: `{value}` names no account, and the resource pattern spans several"
                    ))
                    .with_help(format!("give the full ARN, e.g. `acs:ram::<account-id>:{value}`")))
                }
            },
        };
        let Some(account) = accounts.get(&account_id) else {
            // A trust policy's `root` names every principal of its account (T2): allowing it
            // is how an account without a snapshot is allowed.
            let root = format!("acs:ram::{account_id}:root");
            if *value == root {
                out.push(root);
                continue;
            }
            return Err(Failure::new(format!(
                "--allow-only: `{value}` is of account `{account_id}`, which has no snapshot"
            ))
            .with_help(format!(
                "give the account with `--account`, or allow all its principals with `{root}`"
            )));
        };
        let principal = Principal::parse(value, account.id())
            .map_err(|e| Failure::new(format!("--allow-only: {e}")))?;
        let known = match &principal {
            Principal::Root => true,
            Principal::User(name) => account.users().any(|u| u == name),
            Principal::Role(name) => account.has_role(name),
            _ => {
                return Err(Failure::new(format!(
                    "--allow-only: `{value}` is a role session; allow its role"
                ))
                .with_help("give `role/NAME`: a role reaches what its sessions reach"))
            }
        };
        if !known {
            let names: Vec<String> = std::iter::once("root".to_owned())
                .chain(account.users().map(|u| format!("user/{u}")))
                .chain(account.roles().map(|r| format!("role/{r}")))
                .collect();
            let short = principal.arn(account.id());
            let short = short.rsplit_once(':').map_or(short.as_str(), |(_, s)| s);
            let help = match did_you_mean(short, names.iter().map(String::as_str)) {
                Some(name) => format!("did you mean `{name}`?"),
                None => format!("name a principal of account `{}`", account.id()),
            };
            return Err(Failure::new(format!(
                "--allow-only: account `{}` has no principal `{short}`",
                account.id()
            ))
            .with_help(help));
        }
        out.push(principal.arn(account.id()));
    }
    Ok(out)
}

/// `--action sts:AssumeRole` on a role: each principal's decision on both sides (T3), as
/// before the analysis; the space analysis is over image pipelines.
fn run_assume_role(args: WhoCanArgs) -> Result<Status, Failure> {
    let format = match args.format {
        SpaceFormat::Text => super::Format::Text,
        SpaceFormat::Json => super::Format::Json,
        other => {
            return Err(Failure::new(format!(
                "--format: `sts:AssumeRole` writes `text` or `json`, found `{}`",
                format!("{other:?}").to_lowercase()
            ))
            .with_help("the other formats are for image pipeline spaces"))
        }
    };
    if !args.allow_only.is_empty() {
        return Err(Failure::new("`--allow-only` is for image pipeline spaces, not `sts:AssumeRole`")
            .with_help("ask who can reach the pipelines the role can: `--resource acs:ecs:*:<account-id>:imagepipeline/*`"));
    }
    let (request, mut warnings) = args.request.build()?;
    let accounts = load_accounts(&args.account, &args.source, args.limits)?;
    args.request.enforce(&warnings)?;
    warnings.extend(
        accounts
            .unlisted_of(&request)
            .map_err(assume_failure)?
            .iter()
            .map(unlisted_warning),
    );
    let decisions = accounts.who_can(&request).map_err(assume_failure)?;
    if format == super::Format::Text {
        print_warnings(&warnings);
    }
    let chatter = match format {
        super::Format::Text => Chatter::FirstLine,
        super::Format::Json => Chatter::None,
    };
    write_stdout_without(&chatter, |out| match format {
        super::Format::Text => output::text::write_who_can(out, &request, &decisions),
        super::Format::Json => output::json::write_who_can(out, &request, &decisions, &warnings),
    })?;
    Ok(Status::Ok)
}
