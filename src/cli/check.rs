//! `ramcheck check`: decide one request and explain it.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use clap::Args;
use ramcheck::account::{Account, DecideError, Principal};
use ramcheck::assume::{is_assume_role, Accounts, AssumeError};
use ramcheck::authorizer::Authorizer;
use ramcheck::decision::{
    Context, EvaluationError, NamedPolicy, Outcome, PolicySet, Request, RequestError,
    CANCEL_IMAGE_PIPELINE_EXECUTION,
};
use ramcheck::lint::input::{self, Document};
use ramcheck::lint::request::{account_warning, check_request, unlisted_warning, RequestWarning};
use ramcheck::output::batch::{self, BatchEntry};
use ramcheck::output::{self, escape_controls, CheckReport};
use ramcheck::policy::{system, Policy, PolicyKind};
use ramcheck::suggest::did_you_mean;

use super::options::options;
use super::{
    read_input, read_source, write_stdout_without, Chatter, Failure, Limits, SourceArgs, Status,
};

mod requests;

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
    request: CheckRequestArgs,
    /// Output format: `text`; `json`, one object (for a batch, one object per request and
    /// line, each with its `request` index); `json-array`, one array of those objects.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    limits: Limits,
}

/// Output format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// For people.
    Text,
    /// One JSON object; for a batch, JSON lines (one object per request).
    Json,
    /// One JSON array of the objects, also for a single request.
    JsonArray,
}

/// The request flags of `check`: those of [`RequestArgs`], with `--action` and `--resource`
/// repeatable (their cross product is decided) and a batch read from `--requests`.
#[derive(Debug, Args)]
pub(crate) struct CheckRequestArgs {
    /// The action to decide (default `ecs:CancelImagePipelineExecution`); repeatable: every
    /// action is decided on every `--resource`, actions outer, resources inner.
    #[arg(long = "action", value_name = "ACTION")]
    actions: Vec<String>,
    /// The resource ARN, e.g. `acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1`;
    /// repeatable.
    #[arg(long = "resource", value_name = "ARN")]
    resources: Vec<String>,
    /// A request context value (repeatable), for every request; a key given several times has
    /// several values.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
    /// A batch of requests: JSON lines, or one JSON array, of `{"action", "resource",
    /// "context": {KEY: VALUE or [VALUES]}, "principal"}` objects (only `resource` is
    /// required); `-` reads standard input. Decided with one load of the policies.
    #[arg(long, value_name = "FILE")]
    requests: Option<String>,
    /// Refuse (exit 2) a request that draws a warning (an unknown action, resource type or
    /// context key) instead of deciding it: recommended in CI, where a typo would otherwise
    /// pass a gate vacuously.
    #[arg(long)]
    strict: bool,
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

/// Whom `check` decides for: the principal of a bare pool of policies, or principals of
/// accounts.
enum Subject {
    Pool(PolicySet),
    Account {
        accounts: Box<Accounts>,
        session_policy: Option<NamedPolicy>,
    },
}

/// One request to decide, built and judged against the catalogue.
struct Item {
    request: Request,
    warnings: Vec<RequestWarning>,
    /// The principal a `--requests` entry names (`--account` only).
    principal_text: Option<String>,
    /// With `--account`: the principal's account and the principal.
    principal: Option<(String, Principal)>,
    /// How errors about it begin in a batch: `FILE:LINE:COLUMN: request N` or `request N`
    /// (with its action and resource); `None` for a single request, whose errors are as
    /// they always were.
    place: Option<String>,
}

impl Item {
    /// `failure`, prefixed with where the request is, in a batch.
    fn at(&self, failure: Failure) -> Failure {
        at(self.place.as_deref(), failure)
    }
}

/// `failure` prefixed with `place`, when there is one.
fn at(place: Option<&str>, mut failure: Failure) -> Failure {
    if let Some(place) = place {
        failure.message = format!("{place}: {}", failure.message);
    }
    failure
}

/// What one request was answered.
struct Answer {
    outcome: Outcome,
    /// The principal's canonical ARN (`--account`).
    principal: Option<String>,
    warnings: Vec<RequestWarning>,
}

/// Which question `check` answers, from the flags given; each flag is checked against the
/// mode that takes it.
enum Mode<'a> {
    /// `--policy FILE...`: a RAM user with exactly these policies.
    Pool,
    /// `--account FILE... --principal P [--session-policy FILE]`; with `--requests`, the
    /// principal may come from each request instead.
    Account {
        files: &'a [String],
        principal: Option<&'a str>,
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
        (files, true) => match (&args.principal, &args.request.requests) {
            (Some(principal), _) => Ok(Mode::Account {
                files,
                principal: Some(principal),
            }),
            // Each request of the file may name its principal; one that does not is an error
            // at its place.
            (None, Some(_)) => Ok(Mode::Account {
                files,
                principal: None,
            }),
            (None, None) => Err(Failure::new(
                "`--account` needs `--principal`: the principal of the account to decide for",
            )
            .with_help("give `--principal root`, `user/NAME`, `role/NAME` or `assumed-role/ROLE/SESSION`")),
        },
    }
}

pub(crate) fn run(args: CheckArgs) -> Result<Status, Failure> {
    let format = args.format;
    let (subject, items, is_batch) = resolve(args)?;
    if items.is_empty() {
        // `items` refuses an empty batch; an answer about nothing must never pass a gate.
        return Err(Failure::new("no request to decide"));
    }
    // Every request is decided before anything is written: an invalid one (a context value
    // the operator cannot compare, E6) leaves stdout empty, as for a single request.
    let mut authorizers = HashMap::new();
    let mut answers = Vec::with_capacity(items.len());
    for item in &items {
        answers.push(decide(&subject, item, &mut authorizers).map_err(|f| item.at(f))?);
    }
    let denied = answers.iter().any(|a| !a.outcome.decision().is_allowed());
    let reports: Vec<CheckReport<'_>> = items
        .iter()
        .zip(&answers)
        .map(|(item, answer)| {
            CheckReport::new(
                &item.request,
                answer.principal.as_deref(),
                &answer.outcome,
                &answer.warnings,
            )
        })
        .collect();
    let color = format == Format::Text && options().color_stdout();
    match (&reports[..], is_batch, format) {
        ([report], false, Format::Text | Format::Json) => {
            if format == Format::Text {
                print_warnings(report.warnings);
            }
            let chatter = match format {
                Format::Text => Chatter::Indented,
                _ => Chatter::None,
            };
            write_stdout_without(&chatter, |out| match format {
                Format::Json => output::json::write_check(out, report),
                _ => output::text::write_check(out, report, color),
            })?;
        }
        _ => {
            let entries: Vec<BatchEntry<'_>> = reports
                .iter()
                .enumerate()
                .map(|(index, report)| BatchEntry::new(index, *report))
                .collect();
            if format == Format::Text {
                for entry in &entries {
                    for w in entry.report.warnings {
                        super::diagnostic::warning(
                            &w.code.to_string(),
                            &format!("request {}: {}", entry.index, w.message),
                        );
                    }
                }
            }
            // Under `-q`, a batch in text keeps each request's heading and verdict.
            let chatter = match format {
                Format::Text => Chatter::Indented,
                _ => Chatter::None,
            };
            write_stdout_without(&chatter, |out| match format {
                Format::Text => batch::write_text(out, &entries, color),
                Format::Json => batch::write_json_lines(out, &entries),
                Format::JsonArray => batch::write_json_array(out, &entries),
            })?;
        }
    }
    Ok(if denied { Status::Denied } else { Status::Ok })
}

/// Decides one request for its subject; the authorizers compiled for a principal are kept
/// for the next request of the same principal.
fn decide(
    subject: &Subject,
    item: &Item,
    authorizers: &mut HashMap<String, Authorizer>,
) -> Result<Answer, Failure> {
    let mut warnings = item.warnings.clone();
    let (outcome, principal) = match (subject, &item.principal) {
        (Subject::Pool(set), _) => (set.decide(&item.request).map_err(evaluation_failure)?, None),
        (
            Subject::Account {
                accounts,
                session_policy,
            },
            Some((account, principal)),
        ) => {
            let account = accounts
                .get(account)
                .ok_or_else(|| Failure::new("the principal's account has no snapshot"))?;
            let arn = principal.arn(account.id());
            let outcome = if is_assume_role(&item.request) {
                // Both sides (T3), by the reference evaluator: the compiled authorizer decides
                // one account's requests, and an AssumeRole is decided once.
                let decision = accounts
                    .decide_assume_role(account, principal, session_policy.as_ref(), &item.request)
                    .map_err(assume_failure)?;
                // Not subject to `--strict`: they are about the role's trust policy, not the
                // request, and are never dropped (T6).
                warnings.extend(decision.unlisted().iter().map(unlisted_warning));
                decision.outcome().clone()
            } else {
                // The compiled authorizer decides (compiled for this principal alone: one
                // decision does not pay for compiling every user and role; a batch compiles
                // each principal once); the reference evaluator only adds the near misses of
                // an implicit deny to the explanation.
                let authorizer = match authorizers.entry(arn.clone()) {
                    Entry::Occupied(entry) => entry.into_mut(),
                    Entry::Vacant(entry) => entry.insert(
                        Authorizer::compile_for(account, principal)
                            .map_err(|e| Failure::new(e.to_string()))?,
                    ),
                };
                authorizer
                    .explain(account, principal, session_policy.as_ref(), &item.request)
                    .map_err(decide_failure)?
            };
            (outcome, Some(arn))
        }
        (Subject::Account { .. }, None) => {
            return Err(Failure::new("the request has no principal to decide for"))
        }
    };
    Ok(Answer {
        outcome,
        principal,
        warnings,
    })
}

/// Reads the files, builds every request, and says whether the requests are a batch.
fn resolve(args: CheckArgs) -> Result<(Subject, Vec<Item>, bool), Failure> {
    let mode = mode(&args)?;
    if args.policies.iter().filter(|p| *p == "-").count() > 1 {
        return Err(Failure::new("`--policy -` is given more than once")
            .with_help("standard input can be read only once"));
    }
    if args.request.requests.as_deref() == Some("-") {
        let other = args
            .policies
            .iter()
            .chain(&args.account)
            .chain(&args.session_policy)
            .any(|f| f == "-");
        if other {
            return Err(Failure::new(
                "`--requests -` and another `-` both read standard input",
            )
            .with_help("standard input can be read only once: give the requests or the policy as a file"));
        }
    }
    let (mut items, is_batch) = items(&args.request, args.limits)?;
    let subject = match mode {
        Mode::Account { files, principal } => {
            let accounts = load_accounts(files, &args.source, args.limits)?;
            let given = match principal {
                Some(text) => {
                    let (account, principal) = accounts
                        .principal(text)
                        .map_err(|e| Failure::new(format!("--principal: {e}")))?;
                    Some((account.id().to_owned(), principal))
                }
                None => None,
            };
            for item in &mut items {
                let (account, principal) = match (&item.principal_text, &given) {
                    (Some(text), _) => {
                        if args.session_policy.is_some() {
                            return Err(item.at(Failure::new(format!(
                                "the request names its own principal `{text}`, and `--session-policy` goes with `--principal`"
                            ))
                            .with_help("leave `principal` out of the request to decide for `--principal` with its session policy, or drop `--session-policy`")));
                        }
                        let (account, principal) = accounts
                            .principal(text)
                            .map_err(|e| item.at(Failure::new(format!("`principal`: {e}"))))?;
                        (account.id().to_owned(), principal)
                    }
                    (None, Some(given)) => given.clone(),
                    (None, None) => {
                        return Err(item.at(Failure::new(
                            "the request names no `principal`, and `--principal` is not given",
                        )
                        .with_help("add `\"principal\": \"user/NAME\"` to the request, or give `--principal` for every request that names none")));
                    }
                };
                // An AssumeRole of another account's role is no typo: the role's account
                // must have its own snapshot instead (T3a).
                if !is_assume_role(&item.request) {
                    item.warnings
                        .extend(account_warning(&item.request, &account));
                }
                enforce_strict(args.request.strict, &item.warnings, "request")
                    .map_err(|f| item.at(f))?;
                item.principal = Some((account, principal));
            }
            let session_policy = match (&args.session_policy, &given) {
                (None, _) => None,
                (Some(_), None) => {
                    return Err(Failure::new(
                        "--session-policy goes with `--principal`, which is not given",
                    )
                    .with_help("give the principal as `--principal assumed-role/ROLE/SESSION`"))
                }
                (Some(_), Some((_, principal)))
                    if !matches!(principal, Principal::RoleSession { .. }) =>
                {
                    return Err(Failure::new(format!(
                        "--session-policy is only valid with an `assumed-role` principal, not `{principal}`"
                    ))
                    .with_help("give the principal as `assumed-role/ROLE/SESSION`"));
                }
                (Some(file), Some(_)) => Some(load_policy(file, PolicyKind::Session, args.limits)?),
            };
            Subject::Account {
                accounts: Box::new(accounts),
                session_policy,
            }
        }
        Mode::Pool => {
            if let Some(item) = items.iter().find(|i| i.principal_text.is_some()) {
                return Err(item.at(Failure::new(
                    "`principal` is only valid with `--account` (a principal of an account snapshot), not with `--policy`",
                )
                .with_help("with `--policy`, the principal is a RAM user with exactly those policies: leave `principal` out, or give `--account FILE`")));
            }
            let mut policies = Vec::with_capacity(args.policies.len());
            for given in &args.policies {
                policies.push(load_policy(given, PolicyKind::Identity, args.limits)?);
            }
            Subject::Pool(PolicySet::new(policies))
        }
    };
    Ok((subject, items, is_batch))
}

/// The requests the flags give, each built and judged (with `--strict`, refused on a
/// warning); and whether they are a batch (`--requests`, or more than one request).
fn items(args: &CheckRequestArgs, limits: Limits) -> Result<(Vec<Item>, bool), Failure> {
    if let Some(file) = &args.requests {
        let given = [
            ("--action", !args.actions.is_empty()),
            ("--resource", !args.resources.is_empty()),
            ("--context", !args.context.is_empty()),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, given)| *given) {
            return Err(Failure::new(format!(
                "`{flag}` cannot be combined with `--requests`: each request of the file gives its own"
            ))
            .with_help(format!(
                "move `{flag}` into the requests of the file, or drop `--requests`"
            )));
        }
        let bytes = read_input(file, limits.max_file_size)?;
        let raws = requests::parse(&bytes, file)?;
        let mut items = Vec::with_capacity(raws.len());
        for (index, raw) in raws.into_iter().enumerate() {
            let place = format!(
                "{}:{}:{}: request {index}",
                escape_controls(file),
                raw.line,
                raw.column
            );
            let mut context = Context::new();
            for (key, value) in &raw.context {
                context
                    .insert(key, value)
                    .map_err(|e| Failure::new(format!("{place}: `context`: {e}")))?;
            }
            let action = raw
                .action
                .as_deref()
                .unwrap_or(CANCEL_IMAGE_PIPELINE_EXECUTION);
            let request = Request::new(action, &raw.resource).map_err(|e| {
                let field = if matches!(e, RequestError::InvalidAction { .. }) {
                    "action"
                } else {
                    "resource"
                };
                Failure::new(format!("{place}: `{field}`: {e}"))
            })?;
            items.push(judged(
                request.with_context(context),
                raw.principal,
                Some(place),
                args.strict,
            )?);
        }
        return Ok((items, true));
    }
    if args.resources.is_empty() {
        return Err(Failure::new(
            "`check` needs `--resource ARN` (repeatable), or `--requests FILE` for a batch",
        )
        .with_help("give the ARN of the resource to decide on, e.g. `--resource acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1`"));
    }
    let default = [CANCEL_IMAGE_PIPELINE_EXECUTION.to_owned()];
    let actions = if args.actions.is_empty() {
        &default[..]
    } else {
        &args.actions[..]
    };
    let count = actions.len().saturating_mul(args.resources.len());
    if count > requests::MAX_REQUESTS {
        return Err(Failure::new(format!(
            "{} actions on {} resources make {count} requests, more than the {} one `check` decides",
            actions.len(),
            args.resources.len(),
            requests::MAX_REQUESTS
        ))
        .with_help("split the batch over several runs"));
    }
    let is_batch = count > 1;
    let context = context_of(&args.context)?;
    let mut items = Vec::with_capacity(count);
    for action in actions {
        for resource in &args.resources {
            let index = items.len();
            let place = is_batch.then(|| {
                format!(
                    "request {index} (`{}` on `{}`)",
                    escape_controls(action),
                    escape_controls(resource)
                )
            });
            let request = request_of(action, resource)
                .map_err(|f| at(place.as_deref(), f))?
                .with_context(context.clone());
            items.push(judged(request, None, place, args.strict)?);
        }
    }
    Ok((items, is_batch))
}

/// The request with its warnings; with `strict`, refused when it draws any.
fn judged(
    request: Request,
    principal_text: Option<String>,
    place: Option<String>,
    strict: bool,
) -> Result<Item, Failure> {
    let warnings = check_request(&request);
    enforce_strict(strict, &warnings, "request").map_err(|f| at(place.as_deref(), f))?;
    Ok(Item {
        request,
        warnings,
        principal_text,
        principal: None,
        place,
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
    Ok(request_of(action, resource)?.with_context(context))
}

/// The request of `--action` and `--resource`, without context (M4).
fn request_of(action: &str, resource: &str) -> Result<Request, Failure> {
    Request::new(action, resource).map_err(|e| {
        let flag = if matches!(e, RequestError::InvalidAction { .. }) {
            "--action"
        } else {
            "--resource"
        };
        Failure::new(format!("{flag}: {e}"))
    })
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
    if let Some(document) = wrapped(given, &bytes, kind)? {
        // Positions are the embedded document's own: the file is shown with the document's
        // name, as `check --account` shows a translated snapshot's (`FILE (snapshot)`).
        let file = format!("{given} ({})", document.name);
        let policy = Policy::from_bytes(&document.bytes, kind)
            .map_err(|e| Failure::from(e.with_file(&file)))?;
        return Ok(NamedPolicy::new(
            document.name,
            Some(file),
            Arc::new(policy),
        ));
    }
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

/// The one policy document that a wrapped input (GetPolicy output, a Terraform plan or state)
/// holds, as `lint` finds it; `None` for a plain policy document. Anything that does not hold
/// exactly one policy of the kind `--policy` takes is refused, saying what to use instead.
fn wrapped(given: &str, bytes: &[u8], kind: PolicyKind) -> Result<Option<Document>, Failure> {
    let (format, mut documents) = input::detect(bytes, given, Some(kind));
    let shown = escape_controls(given);
    let what = match format {
        input::Format::Policy => return Ok(None),
        input::Format::GetPolicy => "GetPolicy output",
        input::Format::Terraform => "a Terraform plan or state",
        input::Format::Account | input::Format::Ros => {
            let what = if format == input::Format::Ros {
                "a ROS template"
            } else {
                "an account snapshot"
            };
            return Err(Failure::new(format!(
                "`{shown}` is {what}, not a policy document: `--policy` takes the policies of one principal"
            ))
            .with_help(format!(
                "decide for a principal of it with `--account {shown} --principal PRINCIPAL`"
            )));
        }
        _ => {
            return Err(Failure::new(format!(
                "`{shown}` is not a policy document `--policy` can read"
            ))
            .with_help("give the policy document itself"))
        }
    };
    if format == input::Format::Terraform {
        // A resource whose document is missing or known only after apply is a policy this
        // decision would leave out: refused, where the plan has it.
        let faults = ramcheck::lint::lint_file(bytes, given, Some(kind));
        let fault = faults
            .iter()
            .filter(|linted| documents.iter().all(|d| d.name != linted.name))
            .find_map(|linted| linted.findings.first());
        if let Some(fault) = fault {
            return Err(
                Failure::new(format!("{shown}:{}: {}", fault.position, fault.message)).with_help(
                    fault.help.clone().unwrap_or_else(|| {
                        "give the plan once the document is known, or the policy document itself"
                            .to_owned()
                    }),
                ),
            );
        }
    }
    let help = format!(
        "decide for a principal it describes with `--account {shown} --principal PRINCIPAL`, which attaches each policy as the file does"
    );
    if documents.len() > 1 {
        let names: Vec<String> = documents
            .iter()
            .map(|d| format!("`{}`", escape_controls(&d.name)))
            .collect();
        return Err(Failure::new(format!(
            "`{shown}` is {what} with {} policy documents ({}), and `--policy` takes a file with exactly one",
            documents.len(),
            names.join(", ")
        ))
        .with_help(help));
    }
    let Some(document) = documents.pop() else {
        return Err(
            Failure::new(format!("`{shown}` is {what} without a RAM policy document")).with_help(
                "give the policy document itself, or a plan or state with an `alicloud_ram_policy`",
            ),
        );
    };
    match document.kind {
        Some(PolicyKind::Trust) => Err(Failure::new(format!(
            "`{}` in `{shown}` is a role's trust policy: it says who may assume the role, not what a principal may do",
            escape_controls(&document.name)
        ))
        .with_help(format!(
            "decide the AssumeRole with `--account {shown} --principal PRINCIPAL --action sts:AssumeRole --resource ROLE-ARN`"
        ))),
        Some(PolicyKind::Control) => Err(Failure::new(format!(
            "`{}` in `{shown}` is a control policy: it bounds what a resource directory's accounts may do, and applies only through one",
            escape_controls(&document.name)
        ))
        .with_help("attach it to a folder of an account snapshot's resource directory, and decide with `--account FILE --principal PRINCIPAL`")),
        _ => Ok(Some(document)),
    }
}
