//! `empty-statement`: `"Statement": []`, which grants and denies nothing (G3).

use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};

/// `empty-statement`
pub(crate) const RULE: Rule = Rule {
    id: "empty-statement",
    severity: Severity::Warning,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "`Statement` is an empty array: the policy grants and denies nothing (G3)",
    doc: r#"
## What it does
Reports a document whose `Statement` is an empty array (spec G3).

## Why is this bad?
The document is valid but does nothing; it is usually an editor's default left unfilled, or a
template whose statements were lost.

## Example
```json
{"Version": "1", "Statement": []}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}]}
```

## References
- Spec G3
"#,
};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    let span = policy.statement_span();
    let text = policy
        .source()
        .text()
        .get(span.start..span.end)
        .unwrap_or("");
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .map(str::trim);
    if policy.statement_is_array() && inner == Some("") {
        ctx.report(
            &RULE,
            span,
            "Statement".into(),
            "`Statement` is empty: the policy grants and denies nothing".into(),
            Some("add the statements the policy is for, or delete the policy".into()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::lines;

    #[test]
    fn g3_empty_array_fires() {
        assert_eq!(
            lines(
                "empty-statement",
                r#"{"Version":"1","Statement":[ ]}"#,
                None
            ),
            vec![1]
        );
        assert!(lines(
            "empty-statement",
            r#"{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#,
            None
        )
        .is_empty());
    }
}
