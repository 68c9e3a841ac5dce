//! `duplicate-sid`: two statements with the same `Sid`.

use super::statement_path;
use crate::lint::registry::{Rule, Status};
use crate::lint::{Ctx, Severity};

/// `duplicate-sid`
pub(crate) const RULE: Rule = Rule {
    id: "duplicate-sid",
    severity: Severity::Suggestion,
    status: Status::Stable,
    since: "0.1.0",
    summary: "two statements with the same `Sid`",
    doc: r#"
## What it does
Reports a statement whose `Sid` is the same as an earlier statement's.

## Why is this bad?
`Sid` does not affect evaluation, but it is how people and tools (ramcheck's explanations
included) name statements; two with one name make a decision ambiguous to read. A duplicate is
often a copied statement that was meant to be edited.

## Example
```json
{"Version": "1", "Statement": [
  {"Sid": "Describe", "Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"},
  {"Sid": "Describe", "Effect": "Allow", "Action": "vpc:Describe*", "Resource": "*"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [
  {"Sid": "DescribeEcs", "Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"},
  {"Sid": "DescribeVpc", "Effect": "Allow", "Action": "vpc:Describe*", "Resource": "*"}]}
```

## References
- Spec G4, E5
"#,
};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    let mut seen: Vec<(&str, crate::policy::Span)> = Vec::new();
    for statement in policy.statements() {
        let Some(sid) = statement.sid() else { continue };
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == sid.value().as_str()) {
            let first = *first;
            let line = policy.position(first).line;
            ctx.report_related(
                &RULE,
                sid.span(),
                format!("{}.Sid", statement_path(policy, statement)),
                format!("`Sid` `{}` is already used at line {line}", sid.value()),
                Some("give each statement its own `Sid`".into()),
                first,
            );
        } else {
            seen.push((sid.value(), sid.span()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::lines;

    #[test]
    fn second_sid_fires() {
        let doc = "{\"Version\":\"1\",\"Statement\":[\n{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":\"ecs:Describe*\",\"Resource\":\"*\"},\n{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":\"vpc:Describe*\",\"Resource\":\"*\"},\n{\"Sid\":\"B\",\"Effect\":\"Allow\",\"Action\":\"slb:Describe*\",\"Resource\":\"*\"}]}";
        assert_eq!(lines("duplicate-sid", doc, None), vec![3]);
    }
}
