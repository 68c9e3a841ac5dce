//! `ramcheck check`: decide one request and explain it.

use std::path::Path;
use std::sync::Arc;

use clap::Args;
use ramcheck::decision::{
    Context, NamedPolicy, PolicySet, Request, CANCEL_IMAGE_PIPELINE_EXECUTION,
};
use ramcheck::output::{self, CheckReport};
use ramcheck::policy::{system, Policy, PolicyKind};
use ramcheck::suggest::did_you_mean;

use super::{read_input, write_stdout, Failure, Format, Status};

/// Flags of `check`, as typed.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// A policy document attached to the principal (repeatable); `-` reads standard input; the
    /// name of a bundled system policy (e.g. `AliyunECSFullAccess`) means that policy.
    #[arg(long = "policy", value_name = "FILE", required = true)]
    policies: Vec<String>,
    /// The action to decide.
    #[arg(long, value_name = "ACTION", default_value = CANCEL_IMAGE_PIPELINE_EXECUTION)]
    action: String,
    /// The resource ARN, e.g. `acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1`.
    #[arg(long, value_name = "ARN")]
    resource: String,
    /// A request context value (repeatable); a key given several times has several values.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// `check` with its files read and its request built.
struct CheckJob {
    set: PolicySet,
    request: Request,
    format: Format,
}

pub(crate) fn run(args: CheckArgs) -> Result<Status, Failure> {
    let job = resolve(args)?;
    let outcome = job.set.decide(&job.request).map_err(|e| {
        Failure::new(e.to_string())
            .with_help("give a context value of the type the operator compares")
    })?;
    let report = CheckReport {
        request: &job.request,
        principal: None,
        outcome: &outcome,
    };
    write_stdout(|out| match job.format {
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
    if args.policies.iter().filter(|p| *p == "-").count() > 1 {
        return Err(Failure::new("`--policy -` is given more than once")
            .with_help("standard input can be read only once"));
    }
    let request = build_request(&args.action, &args.resource, &args.context)?;
    let mut policies = Vec::with_capacity(args.policies.len());
    for given in &args.policies {
        policies.push(load_policy(given, PolicyKind::Identity)?);
    }
    Ok(CheckJob {
        set: PolicySet::new(policies),
        request,
        format: args.format,
    })
}

/// Builds the request from the flags (M4, C7).
pub(crate) fn build_request(
    action: &str,
    resource: &str,
    pairs: &[String],
) -> Result<Request, Failure> {
    let mut context = Context::new();
    for pair in pairs {
        context
            .insert_pair(pair)
            .map_err(|e| Failure::new(format!("--context: {e}")))?;
    }
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
pub(crate) fn load_policy(given: &str, kind: PolicyKind) -> Result<NamedPolicy, Failure> {
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
    let bytes = read_input(given)?;
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
