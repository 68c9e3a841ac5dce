//! `cancel-any-pipeline`: an unconditional Allow that lets `ecs:CancelImagePipelineExecution`
//! through on every image pipeline of every region and account.

use super::{
    arn_intersects, entry_path, grants, is_unconditional, lets_action_through, statement_path,
    subsumes,
};
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::policy::Effect;

/// `cancel-any-pipeline`
pub(crate) const RULE: Rule = Rule {
    id: "cancel-any-pipeline",
    severity: Severity::Security,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "Allow that lets `ecs:CancelImagePipelineExecution` through on every pipeline of every region or account (`*`, `acs:ecs:*:*:*`, `acs:ecs:*:*:imagepipeline/*`) without a condition",
    doc: r#"
## What it does
Reports an `Allow` statement of an identity or session policy, without a condition, whose
action part lets `ecs:CancelImagePipelineExecution` through (`ecs:Cancel*`, `ecs:*`, `*`, or a
`NotAction` that does not list it) and whose resource part covers every image pipeline in every
region and account: a pattern that matches every `acs:ecs:<region>:<account>:imagepipeline/<id>`
(`*`, `acs:ecs:*:*:*`, `acs:ecs:*:*:imagepipeline/*`, `acs:*:*:*:imagepipeline/*`), or a
`NotResource` that excludes no pipeline.

## Why is this bad?
Whoever holds the policy can stop every image build in the account, in every region, from
anywhere: a release pipeline outage with one API call.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
  "Resource": "acs:ecs:*:*:imagepipeline/*"}]}
```

## Use instead
Name the region (and pipelines), and add a condition:
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
  "Resource": "acs:ecs:cn-hangzhou:*:imagepipeline/*",
  "Condition": {"IpAddress": {"acs:SourceIp": "192.168.0.0/16"}}}]}
```

## References
- Spec §1 (the target operation), M1, M5
- ECS API reference, `CancelImagePipelineExecution`
"#,
};

const CANCEL: &str = "ecs:CancelImagePipelineExecution";
/// Every image pipeline, as a pattern whose `*` fields stand for any region, account and id.
const EVERY_PIPELINE: &str = "acs:ecs:*:*:imagepipeline/*";

/// Whether `pattern` matches the ARN of every image pipeline of every region and account.
pub(crate) fn covers_every_pipeline(pattern: &str) -> bool {
    subsumes(pattern, EVERY_PIPELINE, false)
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    if !grants(policy.kind()) {
        return;
    }
    for statement in policy.statements() {
        if statement.effect() != Effect::Allow
            || !is_unconditional(statement)
            || !lets_action_through(statement.action(), CANCEL)
        {
            continue;
        }
        let Some(resource) = statement.resource() else {
            continue;
        };
        if resource.is_negated() {
            if !resource
                .patterns()
                .iter()
                .any(|p| arn_intersects(p.value(), EVERY_PIPELINE))
            {
                ctx.report(
                    &RULE,
                    resource.key_span(),
                    format!("{}.NotResource", statement_path(policy, statement)),
                    format!("the statement allows `{CANCEL}` on every image pipeline of every region and account, without a condition"),
                    Some("name the pipelines in `Resource` (`acs:ecs:<region>:<account-id>:imagepipeline/<id>`), or add a `Condition`".into()),
                );
            }
            continue;
        }
        if let Some((i, p)) = resource
            .patterns()
            .iter()
            .enumerate()
            .find(|(_, p)| covers_every_pipeline(p.value()))
        {
            ctx.report(
                &RULE,
                p.span(),
                entry_path(policy, statement, resource, "Resource", i),
                format!(
                    "`{}` lets `{CANCEL}` through on every image pipeline of every region and account, without a condition",
                    p.value()
                ),
                Some("name the region and pipelines (`acs:ecs:cn-hangzhou:<account-id>:imagepipeline/ip-...`), or add a `Condition` such as `acs:SourceIp`".into()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fires;
    use super::covers_every_pipeline;

    #[test]
    fn every_pipeline_patterns() {
        for p in [
            "*",
            "acs:ecs:*:*:*",
            "acs:ecs:*:*:imagepipeline/*",
            "acs:*:*:*:*",
            "acs:ecs:*",
            "acs:*:*:*:imagepipeline/*",
        ] {
            assert!(covers_every_pipeline(p), "{p}");
        }
        for p in [
            "acs:ecs:cn-hangzhou:*:imagepipeline/*",
            "acs:ecs:*:123:imagepipeline/*",
            "acs:ecs:*:*:imagepipeline/ip-*",
            "acs:ecs:*:*:imagepipelineexecution/*",
            "acs:ecs:?*:*:imagepipeline/*",
            "acs:ecs:*:*:ImagePipeline/*",
        ] {
            assert!(!covers_every_pipeline(p), "{p}");
        }
    }
    #[test]
    fn wildcard_action_on_every_pipeline_fires() {
        assert!(fires(
            "cancel-any-pipeline",
            r#"{"Effect":"Allow","Action":"ecs:Cancel*","Resource":"acs:ecs:*:*:*"}"#
        ));
        assert!(fires(
            "cancel-any-pipeline",
            r#"{"Effect":"Allow","NotAction":"ecs:Delete*","Resource":"*"}"#
        ));
        assert!(fires(
            "cancel-any-pipeline",
            r#"{"Effect":"Allow","Action":"ecs:*","NotResource":"acs:ecs:*:*:instance/*"}"#
        ));
    }
    #[test]
    fn conditional_scoped_or_excluded_passes() {
        assert!(!fires(
            "cancel-any-pipeline",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"Bool":{"acs:MFAPresent":"true"}}}"#
        ));
        assert!(!fires(
            "cancel-any-pipeline",
            r#"{"Effect":"Allow","Action":"ecs:CancelImagePipelineExecution","Resource":"acs:ecs:cn-hangzhou:*:imagepipeline/*"}"#
        ));
        assert!(!fires(
            "cancel-any-pipeline",
            r#"{"Effect":"Allow","NotAction":"ecs:Cancel*","Resource":"*"}"#
        ));
        assert!(!fires(
            "cancel-any-pipeline",
            r#"{"Effect":"Allow","Action":"ecs:Describe*","Resource":"*"}"#
        ));
    }
}
