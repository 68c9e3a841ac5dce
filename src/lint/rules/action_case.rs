//! `action-case`: an action spelled with other case than its catalogue name.

use super::entry_path;
use crate::lint::catalog::catalog;
use crate::lint::registry::{Rule, Status};
use crate::lint::{Ctx, Severity};

/// `action-case`
pub(crate) const RULE: Rule = Rule {
    id: "action-case",
    severity: Severity::Suggestion,
    status: Status::Stable,
    since: "0.1.0",
    summary: "an action spelled with other case than its catalogue name",
    doc: r#"
## What it does
Reports an action of a catalogued service (ECS) written with other letter case than the API
reference uses (`ecs:Addtags`, `ECS:DescribeInstances`).

## Why is this bad?
It works, since actions match case-insensitively (spec M2), but it is harder to search for and
review, and other tools may compare actions case-sensitively.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:describeinstances", "Resource": "*"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:DescribeInstances", "Resource": "*"}]}
```

## References
- Spec M2
"#,
};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    for statement in policy.statements() {
        let list = statement.action();
        for (i, p) in list.patterns().iter().enumerate() {
            if let Some(known) = catalog().action(p.value()) {
                if known.name != *p.value() && !ctx.drops(&RULE, p.span()) {
                    ctx.report(
                        &RULE,
                        p.span(),
                        entry_path(policy, statement, list, "Action", i),
                        format!(
                            "`{}` is spelled `{}` in the API reference",
                            p.value(),
                            known.name
                        ),
                        Some(format!("write `{}`", known.name)),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fires;

    #[test]
    fn m2_other_case_fires() {
        assert!(fires(
            "action-case",
            r#"{"Effect":"Allow","Action":"ecs:Addtags","Resource":"*"}"#
        ));
    }
    #[test]
    fn documented_case_passes() {
        assert!(!fires(
            "action-case",
            r#"{"Effect":"Allow","Action":"ecs:AddTags","Resource":"*"}"#
        ));
    }
}
