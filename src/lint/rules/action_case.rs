//! `action-case`: an action spelled with other case than its catalogue name.

use super::entry_path;
use crate::lint::catalog::catalog;
use crate::lint::fix::{Edit, Fix};
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::policy::Span;

/// `action-case`
pub(crate) const RULE: Rule = Rule {
    id: "action-case",
    severity: Severity::Suggestion,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::Always,
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

## Fix
`ramcheck lint --fix` rewrites the letters whose case differs, and nothing else: the action
matches the same requests before and after (M2).

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
                    let kept = ctx.report(
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
                    if kept {
                        ctx.fix_last(fix(policy.source().text(), p.span(), &known.name));
                    }
                }
            }
        }
    }
}

/// The fix of an action written `span` of `text` (a JSON string) to `name`, which differs from
/// it in case only: the letters that differ, and nothing around them. Written with escapes
/// (`"ecs:\u0041ddTags"`), the string's inside is rewritten whole.
fn fix(text: &str, span: Span, name: &str) -> Option<Fix> {
    let inside = Span::new(span.start + 1, span.end.checked_sub(1)?);
    let raw = text.get(inside.start..inside.end)?;
    let description = format!("write `{name}`");
    if raw.contains('\\') || raw.len() != name.len() {
        return Fix::new(description, vec![Edit::new(text, inside, name)]);
    }
    let differs = |(a, b): &(u8, u8)| a != b;
    let pairs = || raw.bytes().zip(name.bytes());
    let first = pairs().position(|p| differs(&p))?;
    let last = raw.len() - pairs().rev().position(|p| differs(&p))?;
    Fix::new(
        description,
        vec![Edit::new(
            text,
            Span::new(inside.start + first, inside.start + last),
            name.get(first..last)?,
        )],
    )
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
