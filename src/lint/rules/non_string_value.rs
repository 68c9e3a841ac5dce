//! `non-string-value`: a JSON number or boolean where RAM expects a quoted string (G9).

use super::value_path;
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};

/// `non-string-value`
pub(crate) const RULE: Rule = Rule {
    id: "non-string-value",
    severity: Severity::Warning,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "JSON number or boolean where RAM expects a quoted string (G9)",
    doc: r#"
## What it does
Reports a condition value written as a bare JSON number or boolean (`true`, `10`) (spec G9).
ramcheck reads it as its text; RAM documents every value as a quoted string.

## Why is this bad?
RAM may reject the document or read the value differently; quoting it removes the doubt.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"Bool": {"acs:SecureTransport": true}}}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"Bool": {"acs:SecureTransport": "true"}}}]}
```

## References
- Spec G9
"#,
};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    for statement in policy.statements() {
        for clause in statement
            .condition()
            .map(|c| c.clauses())
            .unwrap_or_default()
        {
            for (i, v) in clause.values().iter().enumerate() {
                if !v.was_string() && !ctx.drops(&RULE, v.span()) {
                    ctx.report(
                        &RULE,
                        v.span(),
                        value_path(policy, statement, clause, i),
                        format!("condition value `{}` is not a string", v.text()),
                        Some(format!("quote it: `\"{}\"`", v.text())),
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
    fn g9_bare_bool_fires() {
        assert!(fires(
            "non-string-value",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":true}}}"#
        ));
    }
    #[test]
    fn g9_quoted_passes() {
        assert!(!fires(
            "non-string-value",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"true"}}}"#
        ));
    }
}
