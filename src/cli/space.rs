//! What `who-can` over a space and `diff` share: the question from the flags, and the
//! failures of an analysis.

use ramcheck::analysis::{AnalysisError, Question};
use ramcheck::decision::{Request, RequestError};
use ramcheck::lint::request::{check_request, RequestWarning};
use ramcheck::matching::has_wildcard;

use super::check::{assume_failure, context_of};
use super::Failure;

/// A question of the space, with a concrete request standing for it to judge the flags by.
pub(crate) struct SpaceQuestion {
    pub(crate) question: Question,
    /// A request of the space (wildcards read as `x`): what the catalogue judges, so that a
    /// typo in the action, the resource type or a context key is a warning, not a vacuous
    /// answer.
    pub(crate) sample: Request,
    pub(crate) warnings: Vec<RequestWarning>,
}

/// The question `--action`, `--resource` (a pattern, an ARN, or none: every image pipeline
/// of the accounts) and `--context` ask, at most `max_cases` classes per principal.
pub(crate) fn question(
    action: &str,
    resource: Option<&str>,
    pairs: &[String],
    max_cases: usize,
) -> Result<SpaceQuestion, Failure> {
    let context = context_of(pairs)?;
    let sample = resource
        .unwrap_or("acs:ecs:x:x:imagepipeline/x")
        .replace(['*', '?'], "x");
    let sample = Request::new(action, &sample)
        .map_err(|e| match e {
            RequestError::InvalidAction { .. } => Failure::new(format!("--action: {e}")),
            _ if resource.is_some_and(has_wildcard) => Failure::new(format!(
                "--resource: `{}` is not a pattern of resource ARNs: {e}",
                resource.unwrap_or_default()
            ))
            .with_help("write the pattern with its five fields, e.g. `acs:ecs:cn-*:1234567890123456:imagepipeline/prod-*`"),
            _ => Failure::new(format!("--resource: {e}")),
        })?
        .with_context(context.clone());
    let warnings = check_request(&sample);
    let mut question = Question::new(action)
        .with_context(context)
        .with_max_cases(max_cases);
    if let Some(resource) = resource {
        question = question.with_resource(resource);
    }
    Ok(SpaceQuestion {
        question,
        sample,
        warnings,
    })
}

/// An analysis that could not be completed: status 2, never a partial answer (A2).
pub(crate) fn analysis_failure(e: AnalysisError) -> Failure {
    match e {
        AnalysisError::Decide(e) => assume_failure(e),
        AnalysisError::Pattern { .. } => Failure::new(format!("--resource: {e}")),
        other => Failure::new(other.to_string()),
    }
}

/// `--max-cases`: at least one.
pub(crate) fn parse_max_cases(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("expected at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("expected a number of cases, found `{text}`")),
    }
}

pub(crate) use ramcheck::analysis::literal_account;
