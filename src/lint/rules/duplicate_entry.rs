//! `duplicate-entry`: the same action, resource or condition value listed twice.

use std::hash::{Hash, Hasher};

use super::{entry_path, value_path};
use crate::lint::fix::{Edit, Fix};
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::policy::{Policy, Span};
use crate::repeats::repeats;

/// `duplicate-entry`
pub(crate) const RULE: Rule = Rule {
    id: "duplicate-entry",
    severity: Severity::Suggestion,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::Always,
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

## Fix
`ramcheck lint --fix` removes the repeat with the comma before it and the whitespace around
that comma; the first occurrence stays where it is. A list matches the same requests with or
without a repeat.

## References
- Spec M2, C2
"#,
};

/// An entry of a list as entries of its list compare: actions ignoring ASCII case (M2),
/// without a lower-cased copy, and resources exactly.
#[derive(Clone, Copy)]
struct Listed<'a> {
    text: &'a str,
    fold: bool,
}

impl PartialEq for Listed<'_> {
    fn eq(&self, other: &Self) -> bool {
        if self.fold {
            self.text.eq_ignore_ascii_case(other.text)
        } else {
            self.text == other.text
        }
    }
}

impl Eq for Listed<'_> {}

impl Hash for Listed<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.text.bytes() {
            state.write_u8(if self.fold { b.to_ascii_lowercase() } else { b });
        }
        // Ends the text, as `str`'s own hash does, so that `ab`+`c` and `a`+`bc` differ in a
        // composite key.
        state.write_u8(0xff);
    }
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
            let patterns = list.patterns();
            let listed: Vec<Listed<'_>> = patterns
                .iter()
                .map(|p| Listed {
                    text: p.value(),
                    fold,
                })
                .collect();
            for (i, first) in repeats(&listed) {
                let (Some(entry), Some(first)) = (patterns.get(i), patterns.get(first)) else {
                    continue;
                };
                if ctx.drops(&RULE, entry.span()) {
                    continue;
                }
                let line = policy.position(first.span()).line;
                let kept = ctx.report_related(
                    &RULE,
                    entry.span(),
                    entry_path(policy, statement, list, key, i),
                    format!("`{}` is listed twice (first at line {line})", entry.value()),
                    Some("remove the repeat".into()),
                    first.span(),
                );
                if kept {
                    let before = i.checked_sub(1).and_then(|b| patterns.get(b));
                    ctx.fix_last(fix(policy, before.map(|p| p.span()), entry.span()));
                }
            }
        }
        for clause in statement
            .condition()
            .map(|c| c.clauses())
            .unwrap_or_default()
        {
            let values = clause.values();
            let texts: Vec<&str> = values.iter().map(|v| v.text()).collect();
            for (i, first) in repeats(&texts) {
                let (Some(value), Some(first)) = (values.get(i), values.get(first)) else {
                    continue;
                };
                if ctx.drops(&RULE, value.span()) {
                    continue;
                }
                let line = policy.position(first.span()).line;
                let kept = ctx.report_related(
                    &RULE,
                    value.span(),
                    value_path(policy, statement, clause, i),
                    format!(
                        "value `{}` of `{}` is listed twice (first at line {line})",
                        value.text(),
                        clause.key()
                    ),
                    Some("remove the repeat".into()),
                    first.span(),
                );
                if kept {
                    let before = i.checked_sub(1).and_then(|b| values.get(b));
                    ctx.fix_last(fix(policy, before.map(|v| v.span()), value.span()));
                }
            }
        }
    }
}

/// The fix of a repeated entry at `entry`, listed after the entry at `before`: the entry goes
/// with the comma before it and the whitespace around that comma, so the list keeps its
/// layout. A repeat is never first in its list, so there is always an entry before it; when
/// anything but whitespace and one comma stands between the two, there is no fix.
fn fix(policy: &Policy, before: Option<Span>, entry: Span) -> Option<Fix> {
    let text = policy.source().text();
    let between = text.get(before?.end..entry.start)?;
    let separator = between.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r'));
    if separator != "," {
        return None;
    }
    Fix::new(
        "remove the repeat",
        vec![Edit::new(text, Span::new(before?.end, entry.end), "")],
    )
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
    fn each_repeat_names_the_first_occurrence_in_a_long_list() {
        // 20,000 actions, every tenth a case variant of an earlier one, on lines of their own
        // from line 2 (of a service outside the catalogue, so that only this rule looks).
        let actions: Vec<String> = (0..20_000)
            .map(|i| match i % 10 {
                9 => format!("\"OSS:Action{}\"", i - 9),
                _ => format!("\"oss:Action{i}\""),
            })
            .collect();
        let doc = format!(
            "{{\"Version\":\"1\",\"Statement\":[{{\"Effect\":\"Allow\",\"Resource\":\"*\",\"Action\":[\n{}]}}]}}",
            actions.join(",\n")
        );
        let findings: Vec<_> = crate::lint::lint_document(doc.as_bytes(), None)
            .into_iter()
            .filter(|f| f.rule == "duplicate-entry")
            .collect();
        assert_eq!(findings.len(), 2_000);
        let last = findings.last().expect("found");
        assert_eq!(last.position.line, 20_001);
        assert_eq!(
            last.message,
            "`OSS:Action19990` is listed twice (first at line 19992)"
        );
        assert_eq!(last.related.map(|p| p.line), Some(19_992));
    }
    #[test]
    fn distinct_entries_pass() {
        assert!(!fires(
            "duplicate-entry",
            r#"{"Effect":"Allow","Action":["ecs:CreateSnapshot","ecs:DeleteSnapshot"],"Resource":["acs:ecs:*:*:a/1","acs:ecs:*:*:A/1"]}"#
        ));
    }
}
