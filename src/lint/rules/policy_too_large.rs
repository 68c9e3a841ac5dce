//! `policy-too-large`: a document longer than RAM accepts for its kind (G10).

use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};

/// `policy-too-large`
pub(crate) const RULE: Rule = Rule {
    id: "policy-too-large",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "longer than the limit for its kind (G10)",
    doc: r#"
## What it does
Reports a document longer than RAM's limit for its kind, counted in characters of the document
text as written (whitespace included): 6,144 for identity (custom) and trust policies, 4,096
for control policies, 2,048 for session policies (spec G10). A document of more than 500,000
JSON values is reported too, at the value that passes the ceiling, and not read further: no
document RAM accepts comes near it, and reading one whole would cost memory out of all
proportion to its size.

## Why is this bad?
RAM rejects the document when it is created or updated.

## Example
A custom policy listing hundreds of single-action statements.

## Use instead
Merge statements that share `Effect`, `Resource` and `Condition` into one statement with a list
of actions, use wildcards such as `ecs:Describe*`, remove indentation, or split the document
into several policies.

## References
- Spec G10
- Alibaba Cloud RAM documentation, "Limits"
"#,
};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    let length = policy.source().text().chars().count();
    let limit = policy.kind().max_length();
    if length > limit {
        ctx.report(
            &RULE,
            policy.span(),
            String::new(),
            format!(
                "the document is {length} characters long; {} policies may have at most {limit}",
                policy.kind().name()
            ),
            Some("merge statements, use wildcards such as `ecs:Describe*`, remove indentation, or split it into several policies".into()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::lines;
    use crate::policy::PolicyKind;

    fn document(statements: usize) -> String {
        let statement = r#"{"Effect":"Allow","Action":"ecs:DescribeInstances","Resource":"*"}"#;
        format!(
            "{{\"Version\":\"1\",\"Statement\":[{}]}}",
            vec![statement; statements].join(",")
        )
    }

    #[test]
    fn g10_identity_limit() {
        assert_eq!(
            lines(
                "policy-too-large",
                &document(100),
                Some(PolicyKind::Identity)
            ),
            vec![1]
        );
        assert!(lines(
            "policy-too-large",
            &document(10),
            Some(PolicyKind::Identity)
        )
        .is_empty());
    }
    #[test]
    fn g10_session_limit_is_smaller() {
        assert_eq!(
            lines("policy-too-large", &document(40), Some(PolicyKind::Session)),
            vec![1]
        );
        assert!(lines(
            "policy-too-large",
            &document(40),
            Some(PolicyKind::Identity)
        )
        .is_empty());
    }
}
