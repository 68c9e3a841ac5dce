//! `duplicate-sid`: two statements with the same `Sid`.

use super::statement_path;
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::policy::{Spanned, Statement};
use crate::repeats::repeats;

/// `duplicate-sid`
pub(crate) const RULE: Rule = Rule {
    id: "duplicate-sid",
    severity: Severity::Suggestion,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
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
    let with_sid: Vec<(&Statement, &Spanned<String>)> = policy
        .statements()
        .iter()
        .filter_map(|s| Some((s, s.sid()?)))
        .collect();
    let sids: Vec<&str> = with_sid
        .iter()
        .map(|(_, sid)| sid.value().as_str())
        .collect();
    for (i, first) in repeats(&sids) {
        let (Some((statement, sid)), Some((_, first))) = (with_sid.get(i), with_sid.get(first))
        else {
            continue;
        };
        let line = policy.position(first.span()).line;
        ctx.report_related(
            &RULE,
            sid.span(),
            format!("{}.Sid", statement_path(policy, statement)),
            format!("`Sid` `{}` is already used at line {line}", sid.value()),
            Some("give each statement its own `Sid`".into()),
            first.span(),
        );
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
