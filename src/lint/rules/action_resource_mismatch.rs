//! `action-resource-mismatch`: an action whose resource patterns cannot match the resource type
//! it is authorized on.

use std::collections::HashMap;

use super::{arn_intersects, entry_path};
use crate::lint::catalog::{catalog, Action};
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::matching::has_wildcard;

/// `action-resource-mismatch`
pub(crate) const RULE: Rule = Rule {
    id: "action-resource-mismatch",
    severity: Severity::Warning,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "an action whose resource patterns cannot match the resource type it needs: above all Cancel granted on `imagepipelineexecution/*` or `instance/*`",
    doc: r#"
## What it does
For each action of the catalogue named without wildcards in `Action`, reports when none of the
statement's `Resource` patterns can match any ARN of the resource types the action is authorized
on. Above all: `ecs:CancelImagePipelineExecution` is authorized on the *pipeline*
(`acs:ecs:<region>:<account>:imagepipeline/<id>`), not on the execution the API names, so a
grant on `imagepipelineexecution/*` or `instance/*` grants nothing. Wildcard actions,
`NotAction`, `NotResource` and actions whose authorization details are not published are not
checked.

## Why is this bad?
The statement does not do what it says: an Allow grants nothing for that action, a Deny denies
nothing.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
  "Resource": "acs:ecs:*:*:imagepipelineexecution/*"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
  "Resource": "acs:ecs:cn-hangzhou:*:imagepipeline/*"}]}
```

## References
- Spec §1 (the target operation)
- ECS API reference, "RAM authorization"
"#,
};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    for statement in policy.statements() {
        let list = statement.action();
        let Some(resource) = statement.resource().filter(|r| !r.is_negated()) else {
            continue;
        };
        // A resource that is empty or malformed is reported by its own rule; what it was
        // meant to name is unknown, so no mismatch is claimed.
        if list.is_negated()
            || resource.patterns().iter().any(|r| {
                r.value().trim().is_empty() || super::malformed_resource::fault(r.value()).is_some()
            })
        {
            continue;
        }
        // Whether an action fits the statement's resources depends on the action only: a
        // statement that names one action many times tests its resources once.
        let mut fits: HashMap<*const Action, bool> = HashMap::new();
        for (i, p) in list.patterns().iter().enumerate() {
            if has_wildcard(p.value()) {
                continue;
            }
            let Some(action) = catalog().action(p.value()) else {
                continue;
            };
            if !action.documented || action.resource_types.is_empty() {
                continue;
            }
            let fits = *fits.entry(action).or_insert_with(|| {
                let types: Vec<String> =
                    action.resource_types.iter().map(|t| t.pattern()).collect();
                resource
                    .patterns()
                    .iter()
                    .any(|r| types.iter().any(|t| arn_intersects(r.value(), t)))
            });
            if fits || ctx.drops(&RULE, p.span()) {
                continue;
            }
            let needed: Vec<String> = action
                .resource_types
                .iter()
                .filter(|t| t.required)
                .map(|t| format!("`{}`", t.template))
                .collect();
            let needed = if needed.is_empty() {
                action
                    .resource_types
                    .iter()
                    .map(|t| format!("`{}`", t.template))
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                needed.join(", ")
            };
            let example = action
                .resource_types
                .iter()
                .find(|t| t.required)
                .or(action.resource_types.first())
                .map(|t| t.pattern())
                .unwrap_or_default();
            ctx.report(
                &RULE,
                p.span(),
                entry_path(policy, statement, list, "Action", i),
                format!(
                    "`{}` is authorized on {needed}, which no `Resource` of the statement can match",
                    action.name
                ),
                Some(format!("grant it on the resource type it needs, e.g. `{example}` narrowed to your region and ids")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fires;

    #[test]
    fn cancel_on_execution_or_instance_fires() {
        for r in [
            "acs:ecs:*:*:imagepipelineexecution/*",
            "acs:ecs:*:*:instance/*",
            "acs:oss:*:*:*",
        ] {
            assert!(
                fires(
                    "action-resource-mismatch",
                    &format!(
                        r#"{{"Effect":"Allow","Action":"ecs:CancelImagePipelineExecution","Resource":"{r}"}}"#
                    )
                ),
                "{r}"
            );
        }
    }
    #[test]
    fn cancel_on_pipeline_passes() {
        for r in [
            "acs:ecs:cn-hangzhou:*:imagepipeline/*",
            "*",
            "acs:ecs:*:*:*",
            "acs:ecs:*:123:imagepipeline/ip-1",
        ] {
            assert!(
                !fires(
                    "action-resource-mismatch",
                    &format!(
                        r#"{{"Effect":"Allow","Action":"ecs:CancelImagePipelineExecution","Resource":"{r}"}}"#
                    )
                ),
                "{r}"
            );
        }
        assert!(!fires(
            "action-resource-mismatch",
            r#"{"Effect":"Allow","Action":"ecs:AddTags","Resource":"acs:ecs:*:*:nothing/*"}"#
        ));
        assert!(!fires(
            "action-resource-mismatch",
            r#"{"Effect":"Allow","Action":"ecs:Cancel*","Resource":"acs:ecs:*:*:instance/*"}"#
        ));
    }
}
