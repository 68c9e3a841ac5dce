//! `not-resource`: `NotResource`, which RAM may not accept (G4).

use super::statement_path;
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};

/// `not-resource`
pub(crate) const RULE: Rule = Rule {
    id: "not-resource",
    severity: Severity::Warning,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "`NotResource`, which RAM may not accept (G4)",
    doc: r#"
## What it does
Reports a statement that uses `NotResource` (spec G4). ramcheck evaluates it (M5), but RAM's
English grammar does not list it.

## Why is this bad?
RAM may reject the document. Where it is accepted, `Allow` + `NotResource` grants the actions on
every other resource, including resources created later.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*",
  "NotResource": "acs:ecs:*:*:instance/i-prod"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [
  {"Effect": "Allow", "Action": "ecs:*", "Resource": "*"},
  {"Effect": "Deny", "Action": "ecs:*", "Resource": "acs:ecs:*:*:instance/i-prod"}]}
```

## References
- Spec G4, M5
"#,
};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    for statement in policy.statements() {
        if let Some(resource) = statement.resource().filter(|r| r.is_negated()) {
            ctx.report(
                &RULE,
                resource.key_span(),
                format!("{}.NotResource", statement_path(policy, statement)),
                "`NotResource` is not in RAM's documented grammar and may be rejected".into(),
                Some("use `Resource`, and a `Deny` statement for what must stay out".into()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fires;

    #[test]
    fn g4_not_resource_fires() {
        assert!(fires(
            "not-resource",
            r#"{"Effect":"Deny","Action":"ecs:*","NotResource":"acs:ecs:*:*:instance/i-1"}"#
        ));
        assert!(!fires(
            "not-resource",
            r#"{"Effect":"Deny","Action":"ecs:*","Resource":"acs:ecs:*:*:instance/i-1"}"#
        ));
    }
}
