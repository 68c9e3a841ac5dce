//! `ramcheck check`: decide one request and explain it.

use std::path::Path;
use std::sync::Arc;

use clap::Args;
use ramcheck::account::{Account, DecideError, Principal};
use ramcheck::assume::{is_assume_role, Accounts, AssumeError};
use ramcheck::authorizer::Authorizer;
use ramcheck::decision::{
    Context, EvaluationError, NamedPolicy, PolicySet, Request, CANCEL_IMAGE_PIPELINE_EXECUTION,
};
use ramcheck::lint::request::{account_warning, check_request, unlisted_warning, RequestWarning};
use ramcheck::output::{self, CheckReport};
use ramcheck::policy::{system, Policy, PolicyKind};
use ramcheck::suggest::did_you_mean;

use super::{
    read_input, read_source, write_stdout_without, Chatter, Failure, Format, Limits, SourceArgs,
    Status,
};

/// Flags of `check`, as typed.
#[derive(Debug, Args)]
#[command(after_help = super::help::CHECK)]
pub(crate) struct CheckArgs {
    // Which flags go together is checked in `mode`, not with clap's `requires` and
    // `conflicts_with`: clap skips `requires` when a conflicting flag is present, which let
    // `--policy p.json --principal user/bad` decide while ignoring the principal.
    /// A policy document attached to the principal (repeatable); `-` reads standard input; the
    /// name of a bundled system policy (e.g. `AliyunECSFullAccess`) means that policy.
    #[arg(long = "policy", value_name = "FILE")]
    policies: Vec<String>,
    /// An account snapshot file: decide for `--principal` of that account, through every stage
    /// of RAM's procedure. Repeatable, one per account: `sts:AssumeRole` on another account's
    /// role needs that account's snapshot too.
    #[arg(long, value_name = "FILE")]
    account: Vec<String>,
    /// The principal, with `--account`: `root`, `user/NAME`, `role/NAME`,
    /// `assumed-role/ROLE/SESSION`, or the full `acs:ram::ACCOUNT:...` ARN (required with
    /// several accounts: its account picks the snapshot).
    #[arg(long, value_name = "PRINCIPAL")]
    principal: Option<String>,
    /// The session policy (AssumeRole's `Policy`) of an `assumed-role` principal, with
    /// `--account`.
    #[arg(long = "session-policy", value_name = "FILE")]
    session_policy: Option<String>,
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    request: RequestArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    limits: Limits,
}

/// The request flags that `check` and `who-can` share.
#[derive(Debug, Args)]
pub(crate) struct RequestArgs {
    /// The action to decide.
    #[arg(long, value_name = "ACTION", default_value = CANCEL_IMAGE_PIPELINE_EXECUTION)]
    pub(crate) action: String,
    /// The resource ARN, e.g. `acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1`.
    // `who-can` renames its value and gives it its own help: it takes a pattern as well.
    #[arg(long, value_name = "ARN")]
    pub(crate) resource: String,
    /// A request context value (repeatable); a key given several times has several values.
    /// For `who-can`, the keys not given range over every value (and absence).
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub(crate) context: Vec<String>,
    /// Refuse (exit 2) a request that draws a warning (an unknown action, resource type or
    /// context key) instead of deciding it: recommended in CI, where a typo would otherwise
    /// pass a gate vacuously.
    #[arg(long)]
    pub(crate) strict: bool,
}

impl RequestArgs {
    /// Builds the request from the flags (M4, C7) and judges it against the catalogue.
    pub(crate) fn build(&self) -> Result<(Request, Vec<RequestWarning>), Failure> {
        let request = build_request(&self.action, &self.resource, &self.context)?;
        let warnings = check_request(&request);
        self.enforce(&warnings)?;
        Ok((request, warnings))
    }

    /// With `--strict`, any warning is a failure; called again whenever warnings are added.
    pub(crate) fn enforce(&self, warnings: &[RequestWarning]) -> Result<(), Failure> {
        enforce_strict(self.strict, warnings, "request")
    }
}

/// With `strict`, any warning about the `what` (`request`, `question`) is a failure.
pub(crate) fn enforce_strict(
    strict: bool,
    warnings: &[RequestWarning],
    what: &str,
) -> Result<(), Failure> {
    if strict && !warnings.is_empty() {
        let mut failure = Failure::new(format!(
            "`--strict`: the {what} draws {} warning{}",
            warnings.len(),
            if warnings.len() == 1 { "" } else { "s" },
        ))
        .with_help(format!(
            "fix the {what}, or drop `--strict` to answer it anyway"
        ));
        failure.details = warnings
            .iter()
            .map(|w| format!("warning[{}]: {}", w.code, w.message))
            .collect();
        return Err(failure);
    }
    Ok(())
}

/// Prints warnings on standard error (text output; JSON output carries them in the object).
pub(crate) fn print_warnings(warnings: &[RequestWarning]) {
    for w in warnings {
        super::diagnostic::warning(&w.code.to_string(), &w.message);
    }
}

/// Whom `check` decides for: the principal of a bare pool of policies, or a principal of an
/// account.
enum Subject {
    Pool(PolicySet),
    Account {
        accounts: Box<Accounts>,
        /// The principal's account.
        account: String,
        principal: Principal,
        session_policy: Option<NamedPolicy>,
    },
}

/// `check` with its files read and its request built.
struct CheckJob {
    subject: Subject,
    request: Request,
    warnings: Vec<RequestWarning>,
    format: Format,
}

/// Which question `check` answers, from the flags given; each flag is checked against the
/// mode that takes it.
enum Mode<'a> {
    /// `--policy FILE...`: a RAM user with exactly these policies.
    Pool,
    /// `--account FILE... --principal P [--session-policy FILE]`.
    Account {
        files: &'a [String],
        principal: &'a str,
    },
}

fn mode(args: &CheckArgs) -> Result<Mode<'_>, Failure> {
    match (args.account.as_slice(), args.policies.is_empty()) {
        ([_, ..], false) => Err(Failure::new(
            "`--policy` cannot be combined with `--account`: an account's principals have the policies the snapshot attaches",
        )
        .with_help("attach the policy in the account snapshot, or drop `--account`")),
        ([], true) => Err(Failure::new(
            "`check` needs `--policy FILE` (a RAM user with exactly those policies) or `--account FILE --principal PRINCIPAL` (a principal of an account snapshot)",
        )),
        ([], false) => {
            let account_only = [
                ("--principal", args.principal.is_some()),
                ("--session-policy", args.session_policy.is_some()),
            ];
            match account_only.iter().find(|(_, given)| *given) {
                Some((flag, _)) => Err(Failure::new(format!(
                    "`{flag}` is only valid with `--account` (a principal of an account snapshot), not with `--policy`"
                ))
                .with_help(format!(
                    "with `--policy`, the principal is a RAM user with exactly those policies: drop `{flag}`, or give `--account FILE --principal PRINCIPAL` instead of `--policy`"
                ))),
                None => Ok(Mode::Pool),
            }
        }
        (files, true) => match &args.principal {
            Some(principal) => Ok(Mode::Account { files, principal }),
            None => Err(Failure::new(
                "`--account` needs `--principal`: the principal of the account to decide for",
            )
            .with_help("give `--principal root`, `user/NAME`, `role/NAME` or `assumed-role/ROLE/SESSION`")),
        },
    }
}

pub(crate) fn run(args: CheckArgs) -> Result<Status, Failure> {
    let job = resolve(args)?;
    let mut warnings = job.warnings;
    let (outcome, principal) = match &job.subject {
        Subject::Pool(set) => (set.decide(&job.request).map_err(evaluation_failure)?, None),
        Subject::Account {
            accounts,
            account,
            principal,
            session_policy,
        } => {
            let account = accounts
                .get(account)
                .ok_or_else(|| Failure::new("the principal's account has no snapshot"))?;
            let outcome = if is_assume_role(&job.request) {
                // Both sides (T3), by the reference evaluator: the compiled authorizer decides
                // one account's requests, and an AssumeRole is decided once.
                let decision = accounts
                    .decide_assume_role(account, principal, session_policy.as_ref(), &job.request)
                    .map_err(assume_failure)?;
                // Not subject to `--strict`: they are about the role's trust policy, not the
                // request, and are never dropped (T6).
                warnings.extend(decision.unlisted().iter().map(unlisted_warning));
                decision.outcome().clone()
            } else {
                // The compiled authorizer decides (compiled for this principal alone: one
                // decision does not pay for compiling every user and role); the reference
                // evaluator only adds the near misses of an implicit deny to the explanation.
                Authorizer::compile_for(account, principal)
                    .map_err(|e| Failure::new(e.to_string()))?
                    .explain(account, principal, session_policy.as_ref(), &job.request)
                    .map_err(decide_failure)?
            };
            (outcome, Some(principal.arn(account.id())))
        }
    };
    let report = CheckReport::new(&job.request, principal.as_deref(), &outcome, &warnings);
    if job.format == Format::Text {
        print_warnings(&warnings);
    }
    let chatter = match job.format {
        Format::Text => Chatter::Indented,
        Format::Json => Chatter::None,
    };
    write_stdout_without(&chatter, |out| match job.format {
        Format::Text => output::text::write_check(out, &report),
        Format::Json => output::json::write_check(out, &report),
    })?;
    Ok(if outcome.decision().is_allowed() {
        Status::Ok
    } else {
        Status::Denied
    })
}

fn resolve(args: CheckArgs) -> Result<CheckJob, Failure> {
    let mode = mode(&args)?;
    if args.policies.iter().filter(|p| *p == "-").count() > 1 {
        return Err(Failure::new("`--policy -` is given more than once")
            .with_help("standard input can be read only once"));
    }
    let (request, mut warnings) = args.request.build()?;
    let subject = match mode {
        Mode::Account { files, principal } => {
            let accounts = load_accounts(files, &args.source, args.limits)?;
            let (account, principal) = accounts
                .principal(principal)
                .map_err(|e| Failure::new(format!("--principal: {e}")))?;
            let account = account.id().to_owned();
            // An AssumeRole of another account's role is no typo: the role's account must
            // have its own snapshot instead (T3a).
            if !is_assume_role(&request) {
                warnings.extend(account_warning(&request, &account));
            }
            args.request.enforce(&warnings)?;
            let session_policy = match &args.session_policy {
                None => None,
                Some(_) if !matches!(principal, Principal::RoleSession { .. }) => {
                    return Err(Failure::new(format!(
                        "--session-policy is only valid with an `assumed-role` principal, not `{principal}`"
                    ))
                    .with_help("give the principal as `assumed-role/ROLE/SESSION`"));
                }
                Some(file) => Some(load_policy(file, PolicyKind::Session, args.limits)?),
            };
            Subject::Account {
                accounts: Box::new(accounts),
                account,
                principal,
                session_policy,
            }
        }
        Mode::Pool => {
            let mut policies = Vec::with_capacity(args.policies.len());
            for given in &args.policies {
                policies.push(load_policy(given, PolicyKind::Identity, args.limits)?);
            }
            Subject::Pool(PolicySet::new(policies))
        }
    };
    Ok(CheckJob {
        subject,
        request,
        warnings,
        format: args.format,
    })
}

/// Loads every `--account`, one snapshot per account (T6).
pub(crate) fn load_accounts(
    files: &[String],
    source: &SourceArgs,
    limits: Limits,
) -> Result<Accounts, Failure> {
    let mut accounts = Vec::with_capacity(files.len());
    for file in files {
        accounts.push(load_account(file, source, limits)?);
    }
    Accounts::new(accounts).map_err(|e| {
        Failure::new(format!("--account: {e}"))
            .with_help("give each account's snapshot once, and each file once")
    })
}

pub(crate) fn assume_failure(e: AssumeError) -> Failure {
    match e {
        AssumeError::Decide(e) => decide_failure(e),
        other => Failure::new(other.to_string()),
    }
}

/// Loads an account from a file of any source format (snapshot, Terraform, ROS).
pub(crate) fn load_account(
    file: &str,
    source: &SourceArgs,
    limits: Limits,
) -> Result<Account, Failure> {
    let (input, options) = read_source(file, source, limits)?;
    Ok(input.account(&options)?)
}

pub(crate) fn evaluation_failure(e: EvaluationError) -> Failure {
    Failure::new(e.to_string()).with_help("give a context value of the type the operator compares")
}

pub(crate) fn decide_failure(e: DecideError) -> Failure {
    match e {
        DecideError::Evaluation(e) => evaluation_failure(e),
        other => Failure::new(other.to_string()),
    }
}

/// The context `--context KEY=VALUE...` gives (C7).
pub(crate) fn context_of(pairs: &[String]) -> Result<Context, Failure> {
    let mut context = Context::new();
    for pair in pairs {
        context
            .insert_pair(pair)
            .map_err(|e| Failure::new(format!("--context: {e}")))?;
    }
    Ok(context)
}

pub(crate) fn build_request(
    action: &str,
    resource: &str,
    pairs: &[String],
) -> Result<Request, Failure> {
    let context = context_of(pairs)?;
    let request = Request::new(action, resource).map_err(|e| {
        let flag = if matches!(e, ramcheck::decision::RequestError::InvalidAction { .. }) {
            "--action"
        } else {
            "--resource"
        };
        Failure::new(format!("{flag}: {e}"))
    })?;
    Ok(request.with_context(context))
}

/// Loads `--policy FILE`: a file, `-`, or the name of a bundled system policy.
pub(crate) fn load_policy(
    given: &str,
    kind: PolicyKind,
    limits: Limits,
) -> Result<NamedPolicy, Failure> {
    let path = Path::new(given);
    if given != "-" && !path.is_file() {
        if let Some(bundled) = system::find(given) {
            let policy = bundled.parse()?;
            return Ok(NamedPolicy::new(bundled.name, None, Arc::new(policy)));
        }
        if !path.exists() {
            let names = system::SYSTEM_POLICIES.map(|p| p.name);
            let help = match did_you_mean(given, names) {
                Some(name) => format!("did you mean the bundled policy `{name}`?"),
                None => format!(
                    "give a policy file, `-` for standard input, or a bundled policy: {}",
                    names.join(", ")
                ),
            };
            return Err(Failure::new(format!("cannot read policy `{given}`: no such file, and no bundled system policy of that name")).with_help(help));
        }
    }
    let bytes = read_input(given, limits.max_file_size)?;
    let policy = Policy::from_bytes(&bytes, kind).map_err(|e| Failure::from(e.with_file(given)))?;
    let name = if given == "-" {
        "-".to_owned()
    } else {
        path.file_stem()
            .map_or_else(|| given.to_owned(), |s| s.to_string_lossy().into_owned())
    };
    Ok(NamedPolicy::new(
        name,
        Some(given.to_owned()),
        Arc::new(policy),
    ))
}
