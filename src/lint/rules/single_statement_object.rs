//! `single-statement-object`: `Statement` is an object, not an array (G3).

use crate::lint::fix::{Edit, Fix};
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::policy::Span;

/// `single-statement-object`
pub(crate) const RULE: Rule = Rule {
    id: "single-statement-object",
    severity: Severity::Warning,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::Always,
    summary: "`Statement` is an object, not an array (G3)",
    doc: r#"
## What it does
Reports a `Statement` written as a single statement object instead of an array of statements
(spec G3). ramcheck evaluates it as a one-statement array, as AWS does.

## Why is this bad?
RAM documents only the array form; another tool, or RAM itself, may reject the document.

## Example
```json
{"Version": "1", "Statement": {"Effect": "Deny", "Action": "ecs:*", "Resource": "*"}}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "ecs:*", "Resource": "*"}]}
```

## Fix
`ramcheck lint --fix` inserts `[` before the statement object and `]` after it; the document
decides as before (G3).

## References
- Spec G3
"#,
};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    if !policy.statement_is_array() {
        let span = policy.statement_span();
        let kept = ctx.report(
            &RULE,
            span,
            "Statement".into(),
            "`Statement` is a single object, not an array of statements".into(),
            Some("wrap it in brackets: `\"Statement\": [ {...} ]`".into()),
        );
        if kept {
            let text = policy.source().text();
            ctx.fix_last(Fix::new(
                "wrap the statement in brackets",
                vec![
                    Edit::new(text, Span::new(span.start, span.start), "["),
                    Edit::new(text, Span::new(span.end, span.end), "]"),
                ],
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::lines;

    #[test]
    fn g3_object_fires_array_passes() {
        let object =
            r#"{"Version":"1","Statement":{"Effect":"Deny","Action":"ecs:*","Resource":"*"}}"#;
        assert_eq!(lines("single-statement-object", object, None), vec![1]);
        let array =
            r#"{"Version":"1","Statement":[{"Effect":"Deny","Action":"ecs:*","Resource":"*"}]}"#;
        assert!(lines("single-statement-object", array, None).is_empty());
    }
}
