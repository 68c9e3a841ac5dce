//! Warnings about a request that names nothing real: an action, a resource type or a context
//! key that the catalogue does not know.
//!
//! A decision about such a request is exact but vacuous: `ecs:CancelImagePipelineExecutions`
//! (one letter too many) is denied by every policy that grants the real action, so a gate
//! "nobody may cancel builds" passes while proving nothing. `check` and `who-can` print these
//! warnings beside their answer, and `--strict` turns them into a refusal.
//!
//! Only what the catalogue covers completely is judged: actions and resource types of the
//! services in [`Catalog::services`](super::catalog::Catalog::services), the global `acs:` keys
//! of spec C8, and the service condition keys the catalogue lists. A name of another service is
//! never reported, since nothing here could tell a typo from a real name.

use std::fmt;

use super::catalog::{catalog, GLOBAL_KEYS, GLOBAL_KEY_PREFIXES};
use crate::decision::Request;
use crate::matching::wildcard_match;
use crate::suggest::did_you_mean;

/// What a warning is about; its [`code`](WarningCode::code) is the stable id tools match on.
///
/// ```
/// use ramcheck::lint::request::WarningCode;
///
/// assert_eq!(WarningCode::UnknownAction.code(), "unknown-action");
/// assert_eq!(WarningCode::ResourceTypeMismatch.to_string(), "resource-type-mismatch");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningCode {
    /// The action is not in the catalogue of its service.
    UnknownAction,
    /// The resource ARN's type is not a type of its service.
    UnknownResourceType,
    /// The resource is not of a type the action is authorized on.
    ResourceTypeMismatch,
    /// The context key is neither a global `acs:` key nor a key the catalogue lists.
    UnknownContextKey,
    /// The resource belongs to another account than the account snapshot's, so every
    /// principal of the snapshot is denied at stage `CrossAccount` (a typo in an account id
    /// reads as "nobody can").
    ResourceOfAnotherAccount,
    /// A trust statement of the role being assumed names principals of an account without a
    /// snapshot, who may assume it unlisted (T6).
    UnlistedPrincipals,
}

impl WarningCode {
    /// The stable id: `unknown-action`, `unknown-resource-type`, `resource-type-mismatch`,
    /// `unknown-context-key`, `resource-of-another-account`, `unlisted-principals`.
    pub fn code(self) -> &'static str {
        match self {
            WarningCode::UnknownAction => "unknown-action",
            WarningCode::UnknownResourceType => "unknown-resource-type",
            WarningCode::ResourceTypeMismatch => "resource-type-mismatch",
            WarningCode::UnknownContextKey => "unknown-context-key",
            WarningCode::ResourceOfAnotherAccount => "resource-of-another-account",
            WarningCode::UnlistedPrincipals => "unlisted-principals",
        }
    }
}

impl fmt::Display for WarningCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One reason to doubt that a request is the one its author meant.
///
/// ```
/// use ramcheck::decision::Request;
/// use ramcheck::lint::request::{check_request, WarningCode};
///
/// let request = Request::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipelineexecution/exec-1")?;
/// let warning = &check_request(&request)[0];
/// assert_eq!(warning.code, WarningCode::ResourceTypeMismatch);
/// assert!(warning.message.contains("imagepipeline"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestWarning {
    /// What it is about.
    pub code: WarningCode,
    /// What is wrong, with the nearest real name when there is one.
    pub message: String,
}

/// The warnings a request deserves, in the order action, resource, context keys.
///
/// ```
/// use ramcheck::decision::{Context, Request};
/// use ramcheck::lint::request::{check_request, WarningCode};
///
/// let mut context = Context::new();
/// context.insert("acs:SecureTransprt", "true")?;
/// let request = Request::new(
///     "ecs:CancelImagePipelineExecutions",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipelines/ip-1",
/// )?
/// .with_context(context);
/// let codes: Vec<WarningCode> = check_request(&request).iter().map(|w| w.code).collect();
/// assert_eq!(
///     codes,
///     [WarningCode::UnknownAction, WarningCode::UnknownResourceType, WarningCode::UnknownContextKey]
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_request(request: &Request) -> Vec<RequestWarning> {
    let mut warnings = Vec::new();
    action_warning(request, &mut warnings);
    resource_warning(request, &mut warnings);
    for (key, _) in request.context().entries() {
        if let Some(warning) = context_key_warning(key) {
            warnings.push(warning);
        }
    }
    warnings
}

/// The warning a request deserves when it is decided for the principals of account
/// `account_id`: a resource of another account is denied to all of them at `CrossAccount`.
///
/// ```
/// use ramcheck::decision::Request;
/// use ramcheck::lint::request::{account_warning, WarningCode};
///
/// let request = Request::new(
///     "ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123457:imagepipeline/ip-1",
/// )?;
/// let warning = account_warning(&request, "1234567890123456").expect("another account");
/// assert_eq!(warning.code, WarningCode::ResourceOfAnotherAccount);
/// assert!(account_warning(&request, "1234567890123457").is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn account_warning(request: &Request, account_id: &str) -> Option<RequestWarning> {
    let owner = request.resource().account();
    (owner != account_id).then(|| RequestWarning {
        code: WarningCode::ResourceOfAnotherAccount,
        message: format!(
            "the resource belongs to account `{owner}`, not to the snapshot's account `{account_id}`: every principal of the snapshot is denied it at stage CrossAccount"
        ),
    })
}

/// The warning that a trust statement of the role being assumed names principals of an
/// account without a snapshot (T6): they are reported, never dropped.
pub fn unlisted_warning(unlisted: &crate::assume::UnlistedPrincipals) -> RequestWarning {
    RequestWarning {
        code: WarningCode::UnlistedPrincipals,
        message: unlisted.to_string(),
    }
}

fn suggestion(found: Option<&str>) -> String {
    found.map_or_else(String::new, |s| format!("; did you mean `{s}`?"))
}

fn action_warning(request: &Request, warnings: &mut Vec<RequestWarning>) {
    let action = request.action();
    let catalog = catalog();
    if !catalog.covers(action) || catalog.action(action).is_some() {
        return;
    }
    let nearest = did_you_mean(action, catalog.actions().iter().map(|a| a.name.as_str()));
    warnings.push(RequestWarning {
        code: WarningCode::UnknownAction,
        message: format!(
            "the action `{action}` is not in the catalogue of its service, so no policy can grant it{}",
            suggestion(nearest)
        ),
    });
}

fn resource_warning(request: &Request, warnings: &mut Vec<RequestWarning>) {
    let arn = request.resource();
    let resource_type = arn.resource_type();
    let mut known = catalog().resource_types(arn.service()).peekable();
    if known.peek().is_some()
        && !catalog()
            .resource_types(arn.service())
            .any(|t| t == resource_type)
    {
        let nearest = did_you_mean(resource_type, known);
        warnings.push(RequestWarning {
            code: WarningCode::UnknownResourceType,
            message: format!(
                "the resource type `{resource_type}` of `{arn}` is not a resource type of `{}`{}",
                arn.service(),
                suggestion(nearest)
            ),
        });
        // The type is unknown, so no action is authorized on it: saying so again adds nothing.
        return;
    }
    let Some(action) = catalog().action(request.action()) else {
        return;
    };
    if !action.documented || action.resource_types.is_empty() {
        return;
    }
    let patterns: Vec<String> = action.resource_types.iter().map(|t| t.pattern()).collect();
    if patterns.iter().any(|p| wildcard_match(p, arn.as_str())) {
        return;
    }
    let expected: Vec<String> = action
        .resource_types
        .iter()
        .zip(&patterns)
        .map(|(t, p)| format!("{} (`{p}`)", t.name))
        .collect();
    warnings.push(RequestWarning {
        code: WarningCode::ResourceTypeMismatch,
        message: format!(
            "`{}` is authorized on {}, not on `{arn}`: RAM never checks it against this resource",
            action.name,
            expected.join(", ")
        ),
    });
}

fn context_key_warning(key: &str) -> Option<RequestWarning> {
    let catalog = catalog();
    // No real key has white space or an empty tag name (`ecs:tag/`); such a key is a slip of
    // the shell or the pen, whatever its service.
    let malformed = key.chars().any(char::is_whitespace) || key.ends_with('/');
    let is_global = GLOBAL_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
        || GLOBAL_KEY_PREFIXES
            .iter()
            .any(|p| has_prefix_ignore_case(key, p));
    let is_service_key = catalog
        .condition_keys()
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case(key))
        || catalog
            .actions()
            .iter()
            .any(|a| a.documented && a.supports_key(key));
    if (is_global || is_service_key) && !malformed {
        return None;
    }
    // A key of a service the catalogue does not cover may be real.
    let service = key.split_once(':').map(|(service, _)| service);
    let judged = match service {
        None => true,
        Some(service) => {
            service.eq_ignore_ascii_case("acs")
                || catalog
                    .services()
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(service))
        }
    };
    if !judged && !malformed {
        return None;
    }
    let candidates = GLOBAL_KEYS
        .iter()
        .copied()
        .chain(catalog.condition_keys().iter().map(|(k, _)| k.as_str()));
    let trimmed = key.trim();
    let nearest = match candidates.clone().find(|k| k.eq_ignore_ascii_case(trimmed)) {
        Some(exact) => Some(exact),
        None => did_you_mean(trimmed, candidates),
    };
    Some(RequestWarning {
        code: WarningCode::UnknownContextKey,
        message: format!(
            "the context key `{key}` is neither a global `acs:` key nor a condition key of the catalogue, so no condition reads it{}",
            suggestion(nearest)
        ),
    })
}

fn has_prefix_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() > prefix.len()
        && text
            .as_bytes()
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::Context;

    const PIPELINE: &str = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1";
    const CANCEL: &str = "ecs:CancelImagePipelineExecution";

    fn warnings(action: &str, resource: &str, keys: &[&str]) -> Vec<(WarningCode, String)> {
        let mut context = Context::new();
        for key in keys {
            context.insert(key, "x").unwrap();
        }
        let request = Request::new(action, resource)
            .unwrap()
            .with_context(context);
        check_request(&request)
            .into_iter()
            .map(|w| (w.code, w.message))
            .collect()
    }

    fn codes(action: &str, resource: &str, keys: &[&str]) -> Vec<WarningCode> {
        warnings(action, resource, keys)
            .into_iter()
            .map(|(c, _)| c)
            .collect()
    }

    #[test]
    fn the_real_request_has_no_warning() {
        let keys = [
            "acs:SourceVpc",
            "acs:sourcevpc",
            "acs:ResourceTag/team",
            "ecs:tag/env",
            "ecs:InstanceType",
        ];
        assert!(codes(CANCEL, PIPELINE, &keys).is_empty());
    }

    #[test]
    fn action_case_is_not_a_typo() {
        // M2: actions compare case-insensitively.
        assert!(codes("ECS:cancelimagepipelineexecution", PIPELINE, &[]).is_empty());
    }

    #[test]
    fn unknown_action_suggests_the_real_one() {
        let found = warnings("ecs:CancelImagePipelineExecutions", PIPELINE, &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, WarningCode::UnknownAction);
        assert!(
            found[0]
                .1
                .ends_with("did you mean `ecs:CancelImagePipelineExecution`?"),
            "{}",
            found[0].1
        );
    }

    #[test]
    fn actions_of_uncovered_services_are_not_judged() {
        assert!(codes(
            "oss:GetObjectt",
            "acs:oss:cn-hangzhou:1234567890123456:bucket/o",
            &[]
        )
        .is_empty());
    }

    #[test]
    fn unknown_resource_type_suggests_the_real_one_and_no_mismatch_besides() {
        let found = warnings(
            CANCEL,
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipelines/ip-prod-1",
            &[],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, WarningCode::UnknownResourceType);
        assert!(
            found[0].1.ends_with("did you mean `imagepipeline`?"),
            "{}",
            found[0].1
        );
    }

    #[test]
    fn an_execution_arn_is_the_wrong_type_for_cancel() {
        let found = warnings(
            CANCEL,
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipelineexecution/exec-1",
            &[],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, WarningCode::ResourceTypeMismatch);
        assert!(
            found[0]
                .1
                .contains("ImagePipeline (`acs:ecs:*:*:imagepipeline/*`)"),
            "{}",
            found[0].1
        );
    }

    #[test]
    fn a_resource_of_another_service_is_a_mismatch_for_an_ecs_action() {
        assert_eq!(
            codes(CANCEL, "acs:oss:cn-hangzhou:1234567890123456:bucket/o", &[]),
            [WarningCode::ResourceTypeMismatch]
        );
    }

    #[test]
    fn an_action_on_all_resources_takes_any_type() {
        assert!(codes(
            "ecs:AcceptInquiredSystemEvent",
            "acs:ecs:cn-hangzhou:1234567890123456:instance/i-1",
            &[]
        )
        .is_empty());
    }

    #[test]
    fn unknown_context_keys_are_named_with_the_nearest_key() {
        let found = warnings(CANCEL, PIPELINE, &["acs:SecureTransprt", "ecs:InstanceTyp"]);
        let codes: Vec<WarningCode> = found.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, [WarningCode::UnknownContextKey; 2]);
        assert!(found[0].1.ends_with("did you mean `acs:SecureTransport`?"));
        assert!(found[1].1.ends_with("did you mean `ecs:InstanceType`?"));
    }

    #[test]
    fn a_key_without_a_service_or_a_bare_tag_prefix_is_unknown() {
        assert_eq!(
            codes(CANCEL, PIPELINE, &["SourceIp", "acs:ResourceTag/"]),
            [WarningCode::UnknownContextKey; 2]
        );
    }

    #[test]
    fn a_key_with_white_space_or_an_empty_tag_name_is_unknown_whatever_its_service() {
        let found = warnings(
            CANCEL,
            PIPELINE,
            &[" acs:SourceVpc", "ecs:tag/", "oss:Prefix "],
        );
        let codes: Vec<WarningCode> = found.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, [WarningCode::UnknownContextKey; 3]);
        assert!(
            found[0].1.ends_with("did you mean `acs:SourceVpc`?"),
            "{}",
            found[0].1
        );
    }

    #[test]
    fn keys_of_uncovered_services_are_not_judged() {
        assert!(codes(CANCEL, PIPELINE, &["oss:Prefix", "vpc:tag/x"]).is_empty());
    }
}
