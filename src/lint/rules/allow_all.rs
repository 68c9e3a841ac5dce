//! `allow-all`: an Allow of every action on every resource.

use super::{grants, statement_path};
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};

/// `allow-all`
pub(crate) const RULE: Rule = Rule {
    id: "allow-all",
    severity: Severity::Security,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "Allow of `*` actions on `*` resources",
    doc: r#"
## What it does
Reports an `Allow` statement of an identity or session policy whose `Action` includes `*` (or
`*:*`) and whose `Resource` includes `*` (or `acs:*:*:*:*`), with or without a condition. Control
policies are not checked: they grant nothing, and `FullAliyunAccess` (Allow `*` on `*`) is their
default.

## Why is this bad?
It is administrator access: every action of every service, including ones not yet invented, on
every resource. It includes cancelling every image build and deleting every instance.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["ecs:Describe*", "ecs:StartImagePipelineExecution"],
  "Resource": "acs:ecs:cn-hangzhou:*:imagepipeline/*"}]}
```

## References
- Spec §6 (`AdministratorAccess`)
- Alibaba Cloud RAM documentation, "Policy elements"
"#,
};

pub(crate) fn is_all_actions(pattern: &str) -> bool {
    pattern == "*" || pattern == "*:*"
}

pub(crate) fn is_all_resources(pattern: &str) -> bool {
    pattern == "*"
        || pattern.split(':').all(|f| f == "*" || f == "acs") && pattern.starts_with("acs:")
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    if !grants(policy.kind()) {
        return;
    }
    for statement in policy.statements() {
        if statement.effect() != crate::policy::Effect::Allow || statement.action().is_negated() {
            continue;
        }
        let Some(resource) = statement.resource().filter(|r| !r.is_negated()) else {
            continue;
        };
        let all_actions = statement
            .action()
            .patterns()
            .iter()
            .any(|p| is_all_actions(p.value()));
        let all_resources = resource
            .patterns()
            .iter()
            .any(|p| is_all_resources(p.value()));
        if all_actions && all_resources {
            let conditional = if super::is_unconditional(statement) {
                ""
            } else {
                " (only a condition limits it)"
            };
            ctx.report(
                &RULE,
                statement.span(),
                statement_path(policy, statement),
                format!("the statement allows every action on every resource{conditional}"),
                Some("list the actions and resources the principal needs".into()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fires;

    #[test]
    fn star_on_star_fires() {
        assert!(fires(
            "allow-all",
            r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#
        ));
        assert!(fires(
            "allow-all",
            r#"{"Effect":"Allow","Action":["ecs:*","*:*"],"Resource":"acs:*:*:*:*"}"#
        ));
    }
    #[test]
    fn scoped_or_deny_passes() {
        assert!(!fires(
            "allow-all",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*"}"#
        ));
        assert!(!fires(
            "allow-all",
            r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#
        ));
        assert!(!fires(
            "allow-all",
            r#"{"Effect":"Allow","Action":"*","Resource":"acs:ecs:*:*:*"}"#
        ));
    }
}
