//! `empty-value`: an empty array or empty string as action, resource or condition value. Empty
//! arrays (and operators without keys) are reported by the parser; empty strings here.

use super::{entry_path, value_path};
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};

/// `empty-value`
pub(crate) const RULE: Rule = Rule {
    id: "empty-value",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "empty array or empty string as action, resource or condition value",
    doc: r#"
## What it does
Reports an empty array (`"Action": []`), an empty string (`"Resource": ""`) as an action,
resource or condition value, and an operator with no keys (`"IpAddress": {}`) (spec G7, G9).

## Why is this bad?
RAM rejects an empty `Action` or `Resource`. An empty condition value or operator is almost
always a template that was never filled in; an operator without keys would make a conditional
statement unconditional.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "",
  "Condition": {"IpAddress": {}}}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "acs:ecs:*:*:instance/*",
  "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}]}
```

## References
- Spec G7, G9
"#,
};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    for statement in policy.statements() {
        let lists = [
            ("Action", Some(statement.action())),
            ("Resource", statement.resource()),
        ];
        for (key, list) in lists {
            let Some(list) = list else { continue };
            for (i, p) in list.patterns().iter().enumerate() {
                if p.value().trim().is_empty() && !ctx.drops(&RULE, p.span()) {
                    let name = if list.is_negated() {
                        format!("Not{key}")
                    } else {
                        key.to_owned()
                    };
                    ctx.report(
                        &RULE,
                        p.span(),
                        entry_path(policy, statement, list, key, i),
                        format!("empty string in `{name}`"),
                        Some(format!(
                            "remove it, or write the {} it should name",
                            key.to_lowercase()
                        )),
                    );
                }
            }
        }
        for clause in statement
            .condition()
            .map(|c| c.clauses())
            .unwrap_or_default()
        {
            for (i, v) in clause.values().iter().enumerate() {
                if v.text().is_empty() && !ctx.drops(&RULE, v.span()) {
                    ctx.report(
                        &RULE,
                        v.span(),
                        value_path(policy, statement, clause, i),
                        format!(
                            "empty string as a value of `{}` `{}`",
                            clause.operator(),
                            clause.key()
                        ),
                        Some("give the value the condition should compare, or remove it".into()),
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
    fn g7_empty_resource_string() {
        assert!(fires(
            "empty-value",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":""}"#
        ));
    }
    #[test]
    fn g7_empty_action_array() {
        assert!(fires(
            "empty-value",
            r#"{"Effect":"Allow","Action":[],"Resource":"*"}"#
        ));
    }
    #[test]
    fn g9_empty_condition_value() {
        assert!(fires(
            "empty-value",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"StringEquals":{"ecs:tag/a":""}}}"#
        ));
    }
    #[test]
    fn filled_values_pass() {
        assert!(!fires(
            "empty-value",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*"}"#
        ));
    }
}
