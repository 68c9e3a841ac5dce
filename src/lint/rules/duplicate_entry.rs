//! `duplicate-entry`: the same action, resource or condition value listed twice.

use super::{entry_path, value_path};
use crate::lint::registry::{Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::policy::Span;

/// `duplicate-entry`
pub(crate) const RULE: Rule = Rule {
    id: "duplicate-entry",
    severity: Severity::Suggestion,
    status: Status::Stable,
    since: "0.1.0",
    summary: "the same action, resource or value listed twice",
    doc: r#"
## What it does
Reports an action listed twice in one `Action`/`NotAction` (compared case-insensitively, as
actions match), a resource listed twice in one `Resource`/`NotResource`, or a value listed twice
for one condition key.

## Why is this bad?
It has no effect on access, but it makes the policy longer (the size limit counts it) and often
hides a copy-paste slip: the second entry was probably meant to be something else.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow",
  "Action": ["ecs:CreateSnapshot", "ecs:DescribeSnapshots", "ecs:CreateSnapshot"], "Resource": "*"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow",
  "Action": ["ecs:CreateSnapshot", "ecs:DescribeSnapshots"], "Resource": "*"}]}
```

## References
- Spec M2, C2
"#,
};

/// The index of each entry that repeats an earlier one, with the earlier one's span.
fn repeats<'a>(items: impl Iterator<Item = (String, Span)> + 'a) -> Vec<(usize, Span, String)> {
    let mut seen: Vec<(String, Span)> = Vec::new();
    let mut out = Vec::new();
    for (i, (key, span)) in items.enumerate() {
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            out.push((i, *first, key));
        } else {
            seen.push((key, span));
        }
    }
    out
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    for statement in policy.statements() {
        let lists = [
            ("Action", Some(statement.action()), true),
            ("Resource", statement.resource(), false),
        ];
        for (key, list, fold) in lists {
            let Some(list) = list else { continue };
            let items = list.patterns().iter().map(|p| {
                let text = if fold {
                    p.value().to_ascii_lowercase()
                } else {
                    p.value().clone()
                };
                (text, p.span())
            });
            for (i, first, _) in repeats(items) {
                let Some(entry) = list.patterns().get(i) else {
                    continue;
                };
                let line = policy.position(first).line;
                ctx.report_related(
                    &RULE,
                    entry.span(),
                    entry_path(policy, statement, list, key, i),
                    format!("`{}` is listed twice (first at line {line})", entry.value()),
                    Some("remove the repeat".into()),
                    first,
                );
            }
        }
        for clause in statement
            .condition()
            .map(|c| c.clauses())
            .unwrap_or_default()
        {
            let items = clause
                .values()
                .iter()
                .map(|v| (v.text().to_owned(), v.span()));
            for (i, first, text) in repeats(items) {
                let Some(value) = clause.values().get(i) else {
                    continue;
                };
                let line = policy.position(first).line;
                ctx.report_related(
                    &RULE,
                    value.span(),
                    value_path(policy, statement, clause, i),
                    format!(
                        "value `{text}` of `{}` is listed twice (first at line {line})",
                        clause.key()
                    ),
                    Some("remove the repeat".into()),
                    first,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fires;

    #[test]
    fn repeated_action_resource_value_fire() {
        assert!(fires(
            "duplicate-entry",
            r#"{"Effect":"Allow","Action":["ecs:CreateSnapshot","ecs:createsnapshot"],"Resource":"*"}"#
        ));
        assert!(fires(
            "duplicate-entry",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":["acs:ecs:*:*:a/1","acs:ecs:*:*:a/1"]}"#
        ));
        assert!(fires(
            "duplicate-entry",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"StringEquals":{"ecs:tag/a":["x","x"]}}}"#
        ));
    }
    #[test]
    fn distinct_entries_pass() {
        assert!(!fires(
            "duplicate-entry",
            r#"{"Effect":"Allow","Action":["ecs:CreateSnapshot","ecs:DeleteSnapshot"],"Resource":["acs:ecs:*:*:a/1","acs:ecs:*:*:A/1"]}"#
        ));
    }
}
