//! `malformed-resource`: a resource that is not `*` and not a 5-field `acs:` ARN pattern.

use super::entry_path;
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::matching::ResourceArn;

/// `malformed-resource`
pub(crate) const RULE: Rule = Rule {
    id: "malformed-resource",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "not `*` and not a 5-field `acs:` ARN pattern",
    doc: r#"
## What it does
Reports a resource (in `Resource` or `NotResource`) that is neither `*` nor an ARN pattern
`acs:<ram-code>:<region>:<account-id>:<relative-id>` with a service and a relative id (spec M4):
an AWS `arn:aws:...`, too few fields (`acs:ecs:*:instance/*`), or whitespace.

## Why is this bad?
RAM rejects it, or it matches no resource and the statement silently does nothing.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "acs:ecs:instance/*"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "acs:ecs:*:*:instance/*"}]}
```

## References
- Spec M4
- Alibaba Cloud RAM documentation, "Policy elements" (Resource)
"#,
};

/// Why `resource` is not a well-formed pattern, or `None` when it is.
pub(crate) fn fault(resource: &str) -> Option<(String, String)> {
    if resource == "*" {
        return None;
    }
    if resource.chars().any(char::is_whitespace) {
        return Some((
            format!("resource `{resource}` contains whitespace"),
            "remove the spaces, and replace any placeholder with a real value".to_owned(),
        ));
    }
    if resource.starts_with("arn:") {
        return Some((
            format!("resource `{resource}` is an AWS ARN"),
            "RAM resources look like `acs:<ram-code>:<region>:<account-id>:<relative-id>`"
                .to_owned(),
        ));
    }
    // A request ARN's shape (M4); a pattern may of course hold wildcards.
    ResourceArn::shape(resource).is_err().then(|| {
        (
            format!(
                "resource `{resource}` is not `*` or an ARN `acs:<ram-code>:<region>:<account-id>:<relative-id>`"
            ),
            "write all five fields, with `*` for any region or account, e.g. `acs:ecs:*:*:instance/*`"
                .to_owned(),
        )
    })
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    for statement in policy.statements() {
        let Some(list) = statement.resource() else {
            continue;
        };
        for (i, p) in list.patterns().iter().enumerate() {
            if p.value().trim().is_empty() || ctx.drops(&RULE, p.span()) {
                continue;
            }
            if let Some((message, help)) = fault(p.value()) {
                ctx.report(
                    &RULE,
                    p.span(),
                    entry_path(policy, statement, list, "Resource", i),
                    message,
                    Some(help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fault;

    #[test]
    fn m4_five_fields() {
        assert!(fault("*").is_none());
        assert!(fault("acs:ecs:*:*:*").is_none());
        assert!(fault("acs:ram::1234:role/a:b").is_none());
        assert!(fault("acs:ecs:*:instance/*").is_some());
        assert!(fault("arn:aws:s3:::bucket").is_some());
        assert!(fault("acs::*:*:x").is_some());
        assert!(fault("acs:ecs:*:*:").is_some());
        assert!(fault("[ECS RAM Action Resource]").is_some());
    }
}
