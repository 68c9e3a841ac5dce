//! `unreachable-statement`: an Allow that an unconditional Deny in the same document always
//! overrides.

use std::collections::{HashMap, HashSet};

use super::{is_unconditional, statement_path, subsumes};
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::policy::{Effect, PatternList, PolicyKind, Statement};

/// `unreachable-statement`
pub(crate) const RULE: Rule = Rule {
    id: "unreachable-statement",
    severity: Severity::Warning,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "an Allow that a Deny in the same document always overrides",
    doc: r#"
## What it does
Reports an `Allow` statement every action and resource of which is covered by a `Deny` statement
of the same document that has no condition: for every pair of the Allow's action and resource
patterns, one such Deny's patterns match everything they match. Statements with `NotAction` or
`NotResource` are not checked, and an Allow is reported only when that is sure.

## Why is this bad?
A Deny always wins (spec E1): the Allow never grants anything. The author probably meant the
Deny to be narrower, or the Allow is left over.

## Example
```json
{"Version": "1", "Statement": [
  {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution", "Resource": "acs:ecs:cn-hangzhou:*:imagepipeline/*"},
  {"Effect": "Deny", "Action": "ecs:*", "Resource": "*"}]}
```

## Use instead
Narrow the Deny, or give it the condition it was meant to have:
```json
{"Version": "1", "Statement": [
  {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution", "Resource": "acs:ecs:cn-hangzhou:*:imagepipeline/*"},
  {"Effect": "Deny", "Action": "ecs:*", "Resource": "*", "Condition": {"NotIpAddress": {"acs:SourceIp": "192.168.0.0/16"}}}]}
```

## References
- Spec E1, M1–M3
"#,
};

/// The action and resource patterns of a statement, which decide what a Deny covers.
fn patterns(statement: &Statement) -> (Vec<&str>, Vec<&str>) {
    (texts(Some(statement.action())), texts(statement.resource()))
}

fn texts(list: Option<&PatternList>) -> Vec<&str> {
    list.map(|l| l.patterns().iter().map(|p| p.value().as_str()).collect())
        .unwrap_or_default()
}

fn covers(deny: &Statement, action: &str, resource: &str) -> bool {
    let Some(deny_resource) = deny.resource() else {
        return false;
    };
    deny.action()
        .patterns()
        .iter()
        .any(|d| subsumes(d.value(), action, true))
        && deny_resource
            .patterns()
            .iter()
            .any(|d| subsumes(d.value(), resource, false))
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    if policy.kind() == PolicyKind::Trust {
        return;
    }
    let denies: Vec<&Statement> = policy
        .statements()
        .iter()
        .filter(|s| {
            s.effect() == Effect::Deny
                && is_unconditional(s)
                && !s.action().is_negated()
                && s.resource().is_some_and(|r| !r.is_negated())
        })
        .collect();
    if denies.is_empty() {
        return;
    }
    // Denies that list the same patterns as an earlier one cover the same, and which Deny
    // covers an (action, resource) pair does not depend on the Allow it is in: so each
    // distinct Deny and each distinct pair is looked at once, however often a document
    // repeats them.
    let mut distinct = HashSet::new();
    let denies: Vec<&Statement> = denies
        .into_iter()
        .filter(|d| distinct.insert(patterns(d)))
        .collect();
    let mut covering: HashMap<(&str, &str), Option<&Statement>> = HashMap::new();
    for allow in policy.statements() {
        if allow.effect() != Effect::Allow || allow.action().is_negated() {
            continue;
        }
        let Some(resource) = allow.resource().filter(|r| !r.is_negated()) else {
            continue;
        };
        let mut by = None;
        let all_covered = allow.action().patterns().iter().all(|a| {
            resource.patterns().iter().all(|r| {
                let deny = *covering
                    .entry((a.value().as_str(), r.value().as_str()))
                    .or_insert_with(|| {
                        denies
                            .iter()
                            .copied()
                            .find(|d| covers(d, a.value(), r.value()))
                    });
                match deny {
                    Some(d) => {
                        by.get_or_insert(d);
                        true
                    }
                    None => false,
                }
            })
        });
        if let (true, Some(deny)) = (all_covered, by) {
            let deny_line = policy.position(deny.span()).line;
            ctx.report_related(
                &RULE,
                allow.span(),
                statement_path(policy, allow),
                format!(
                    "this Allow never applies: the Deny at line {deny_line} ({}) always overrides it",
                    statement_path(policy, deny)
                ),
                Some("narrow the Deny or give it a condition, or remove this Allow".into()),
                deny.span(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::lines;

    #[test]
    fn e1_covered_allow_fires() {
        let doc = "{\"Version\":\"1\",\"Statement\":[\n{\"Effect\":\"Allow\",\"Action\":\"ecs:Describe*\",\"Resource\":\"acs:ecs:*:*:instance/*\"},\n{\"Effect\":\"Deny\",\"Action\":\"ECS:*\",\"Resource\":\"*\"}]}";
        assert_eq!(lines("unreachable-statement", doc, None), vec![2]);
    }
    #[test]
    fn conditional_or_narrower_deny_passes() {
        for deny in [
            r#"{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"false"}}}"#,
            r#"{"Effect":"Deny","Action":"ecs:DescribeInstances","Resource":"*"}"#,
            r#"{"Effect":"Deny","Action":"ecs:*","Resource":"acs:ecs:cn-hangzhou:*:instance/*"}"#,
        ] {
            let doc = format!("{{\"Version\":\"1\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"ecs:Describe*\",\"Resource\":\"acs:ecs:*:*:instance/*\"}},{deny}]}}");
            assert!(
                lines("unreachable-statement", &doc, None).is_empty(),
                "{deny}"
            );
        }
    }
}
