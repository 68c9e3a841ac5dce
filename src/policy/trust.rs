//! The rules a role's trust policy obeys beyond the grammar of every document (T1): no
//! `Resource`/`NotResource`, and a `Principal` that is an object of `RAM`, `Service` and
//! `Federated` only.
//!
//! The parser reads a trust policy leniently (a `Resource`, `"Principal": "*"`), so that the
//! linter can report each shape with its own rule (`trust-policy-shape`,
//! `trust-any-principal`); a strict read ([`Policy::parse_as`] and kin) adds these checks, so
//! that a trust policy that decides an AssumeRole has exactly the shape T1 allows.

use super::{Policy, PolicyError, PolicyErrorKind, Statement};

/// The keys `Principal` may have (T1), as RAM spells them.
pub(crate) const PRINCIPAL_KEYS: [&str; 3] = ["RAM", "Service", "Federated"];

/// The first T1 fault of a trust policy that parsed, in document order.
pub(super) fn first_fault(policy: &Policy) -> Option<PolicyError> {
    policy
        .statements()
        .iter()
        .find_map(|statement| statement_fault(policy, statement))
}

fn statement_fault(policy: &Policy, statement: &Statement) -> Option<PolicyError> {
    let path = if policy.statement_is_array() {
        format!("Statement[{}]", statement.index())
    } else {
        "Statement".to_owned()
    };
    let error = |kind, span: super::Span, path: String, message: String, help: &str| {
        Some(PolicyError {
            kind,
            span,
            position: policy.position(span),
            path,
            message,
            help: Some(help.to_owned()),
            related: None,
            file: None,
        })
    };
    if let Some(resource) = statement.resource() {
        let key = if resource.is_negated() {
            "NotResource"
        } else {
            "Resource"
        };
        return error(
            PolicyErrorKind::ResourceInTrustPolicy,
            resource.key_span(),
            format!("{path}.{key}"),
            format!("a trust policy statement has `{key}`"),
            "remove it; a trust policy names who may assume the role, not resources",
        );
    }
    let principal = statement.principal()?;
    let path = format!("{path}.Principal");
    if principal.is_wildcard() {
        return error(
            PolicyErrorKind::InvalidType,
            principal.span(),
            path,
            "`Principal` must be an object of `RAM`, `Service` or `Federated`, found \"*\"".into(),
            "name the trusted account: `{\"RAM\": [\"acs:ram::<account-id>:root\"]}`",
        );
    }
    if principal.entries().is_empty() {
        return error(
            PolicyErrorKind::EmptyValue,
            principal.span(),
            path,
            "`Principal` names no principal".into(),
            "give `RAM`, `Service` or `Federated`, e.g. `{\"RAM\": [\"acs:ram::<account-id>:root\"]}`",
        );
    }
    principal.entries().iter().find_map(|(key, _)| {
        if PRINCIPAL_KEYS.contains(&key.value().as_str()) {
            return None;
        }
        let help = match crate::suggest::did_you_mean(key.value(), PRINCIPAL_KEYS) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "the keys allowed are `RAM`, `Service` and `Federated`".to_owned(),
        };
        error(
            PolicyErrorKind::UnknownKey,
            key.span(),
            format!("{path}.{}", key.value()),
            format!("unknown key `{}` in `Principal`", key.value()),
            &help,
        )
    })
}
