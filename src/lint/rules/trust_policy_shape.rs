//! `trust-policy-shape`: a trust policy statement without `Principal` (reported by the parser),
//! or with `Resource`, or an action other than `sts:AssumeRole`.

use super::{entry_path, statement_path};
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::policy::PolicyKind;

/// `trust-policy-shape`
pub(crate) const RULE: Rule = Rule {
    id: "trust-policy-shape",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "a trust policy statement without `Principal`, or with `Resource`, or an action other than `sts:AssumeRole`",
    doc: r#"
## What it does
In a role's trust policy, reports a statement without `Principal`, with `Resource` or
`NotResource`, with `NotAction`, or with an action other than `sts:AssumeRole` (spec G4).

## Why is this bad?
A trust policy says who may assume the role, and nothing else: RAM rejects other shapes.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*",
  "Principal": {"Service": ["ecs.aliyuncs.com"]}}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
  "Principal": {"Service": ["ecs.aliyuncs.com"]}}]}
```

## References
- Spec G4
- Alibaba Cloud RAM documentation, "Edit the trust policy of a RAM role"
"#,
};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    if policy.kind() != PolicyKind::Trust {
        return;
    }
    for statement in policy.statements() {
        if let Some(resource) = statement.resource() {
            let key = if resource.is_negated() {
                "NotResource"
            } else {
                "Resource"
            };
            ctx.report(
                &RULE,
                resource.key_span(),
                format!("{}.{key}", statement_path(policy, statement)),
                format!("a trust policy statement has `{key}`"),
                Some(format!(
                    "remove `{key}`; a trust policy names who may assume the role, not resources"
                )),
            );
        }
        let action = statement.action();
        if action.is_negated() {
            ctx.report(
                &RULE,
                action.key_span(),
                format!("{}.NotAction", statement_path(policy, statement)),
                "a trust policy statement has `NotAction`".into(),
                Some("write `\"Action\": \"sts:AssumeRole\"`".into()),
            );
            continue;
        }
        for (i, p) in action.patterns().iter().enumerate() {
            if !p.value().eq_ignore_ascii_case("sts:AssumeRole") {
                ctx.report(
                    &RULE,
                    p.span(),
                    entry_path(policy, statement, action, "Action", i),
                    format!(
                        "a trust policy allows only `sts:AssumeRole`, found `{}`",
                        p.value()
                    ),
                    Some("write `\"Action\": \"sts:AssumeRole\"`".into()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::lines;
    use crate::policy::PolicyKind;

    #[test]
    fn g4_trust_with_resource_and_other_action() {
        let doc = "{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\",\n\"Action\":\"sts:*\",\n\"Resource\":\"*\",\"Principal\":{\"RAM\":\"acs:ram::1:root\"}}]}";
        assert_eq!(
            lines("trust-policy-shape", doc, Some(PolicyKind::Trust)),
            vec![2, 3]
        );
    }
    #[test]
    fn g4_trust_without_principal() {
        let doc = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#;
        assert_eq!(
            lines("trust-policy-shape", doc, Some(PolicyKind::Trust)),
            vec![1]
        );
    }
    #[test]
    fn good_trust_passes() {
        let doc = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1:root"]}}]}"#;
        assert!(lines("trust-policy-shape", doc, None).is_empty());
    }
}
