//! `condition-key-unsupported`: a service condition key that none of the statement's actions
//! supports, so the condition is never met.

use std::collections::HashSet;

use super::clause_path;
use crate::lint::catalog::{catalog, Action};
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::matching::{has_wildcard, wildcard_match_ignore_case};
use crate::policy::Statement;

/// `condition-key-unsupported`
pub(crate) const RULE: Rule = Rule {
    id: "condition-key-unsupported",
    severity: Severity::Warning,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "a service condition key that the statement's actions do not support, so the condition is never met",
    doc: r#"
## What it does
Reports a condition on an ECS or VPC key (`ecs:...`, `vpc:...`) in a statement whose actions
are all ECS actions of the catalogue (named, or matched by a wildcard) and none of which lists
the key among its condition keys. Global `acs:` keys are never reported; a statement with any
action of another service, a `NotAction`, or an action whose authorization details are not
published is not checked. Tag keys (`ecs:tag/<key>`, `vpc:tag/<key>`) are not reported either:
ECS evaluates them through tag-based authorization on every taggable resource, and the
published per-action lists of them are incomplete (Alibaba's own Image Builder service-linked
role conditions `ecs:RunCommand` on `ecs:tag/imagepipelineid`).

## Why is this bad?
A request for an action that does not support a key carries no value for it, so a positive
operator on the key is never met (spec C5, C8): the Allow grants nothing. For example
`ecs:CancelImagePipelineExecution` has no service condition keys at all.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
  "Resource": "acs:ecs:cn-hangzhou:*:imagepipeline/*",
  "Condition": {"StringEquals": {"ecs:InstanceType": "ecs.g7.large"}}}]}
```

## Use instead
Condition on a global key, which every request carries:
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
  "Resource": "acs:ecs:cn-hangzhou:*:imagepipeline/*",
  "Condition": {"IpAddress": {"acs:SourceIp": "192.168.0.0/16"}}}]}
```

## References
- Spec C5, C8
- ECS API reference, "RAM authorization"
"#,
};

/// The catalogue actions a statement's `Action` can name, or `None` when it can name anything
/// outside the catalogue (another service, `NotAction`, an unknown name).
fn statement_actions(statement: &Statement) -> Option<Vec<&'static Action>> {
    let list = statement.action();
    if list.is_negated() {
        return None;
    }
    let catalog = catalog();
    // Each action once, however many patterns name it: every condition key of the statement
    // is tested against each.
    let mut named: HashSet<*const Action> = HashSet::new();
    let mut name = |action: &'static Action| named.insert(action);
    let mut patterns: HashSet<&str> = HashSet::new();
    let mut actions = Vec::new();
    for p in list.patterns() {
        let pattern = p.value();
        if !catalog.covers(pattern) {
            return None;
        }
        if !patterns.insert(pattern) {
            continue;
        }
        if has_wildcard(pattern) {
            let matched: Vec<&Action> = catalog
                .actions()
                .iter()
                .filter(|a| wildcard_match_ignore_case(pattern, &a.name))
                .collect();
            if matched.is_empty() {
                return None;
            }
            actions.extend(matched.into_iter().filter(|a| name(a)));
        } else {
            let action = catalog.action(pattern)?;
            if name(action) {
                actions.push(action);
            }
        }
    }
    Some(actions)
}

/// The most action names a finding lists: a statement can name thousands.
const LISTED: usize = 10;

/// "`ecs:A`, `ecs:B` do": the statement's actions as the subject of the finding's sentence.
fn subject(statement: &Statement) -> String {
    let patterns = statement.action().patterns();
    let mut names: Vec<String> = patterns
        .iter()
        .take(LISTED)
        .map(|p| format!("`{}`", p.value()))
        .collect();
    if patterns.len() > LISTED {
        names.push(format!("{} more actions", patterns.len() - LISTED));
    }
    let verb = if patterns.len() == 1 { "does" } else { "do" };
    format!("{} {verb}", names.join(", "))
}

fn is_service_key(key: &str) -> bool {
    key.split_once(':').is_some_and(|(svc, name)| {
        (svc.eq_ignore_ascii_case("ecs") || svc.eq_ignore_ascii_case("vpc"))
            && !name
                .get(..4)
                .is_some_and(|t| t.eq_ignore_ascii_case("tag/"))
    })
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    for statement in policy.statements() {
        let clauses = statement
            .condition()
            .map(|c| c.clauses())
            .unwrap_or_default();
        if !clauses.iter().any(|c| is_service_key(c.key())) {
            continue;
        }
        let Some(actions) = statement_actions(statement) else {
            continue;
        };
        let mut subject_text = None;
        for clause in clauses {
            if !is_service_key(clause.key())
                || actions.iter().any(|a| a.supports_key(clause.key()))
                || ctx.drops(&RULE, clause.key_span())
            {
                continue;
            }
            let subject = subject_text.get_or_insert_with(|| subject(statement));
            ctx.report(
                &RULE,
                clause.key_span(),
                clause_path(policy, statement, clause),
                format!(
                    "{subject} not support the condition key `{}`, so the condition is never met",
                    clause.key()
                ),
                Some("condition on a global key such as `acs:SourceIp`, or on a key the action lists in the API reference".into()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fires;

    #[test]
    fn c8_cancel_has_no_service_keys() {
        assert!(fires(
            "condition-key-unsupported",
            r#"{"Effect":"Allow","Action":"ecs:CancelImagePipelineExecution","Resource":"*","Condition":{"StringEquals":{"ecs:InstanceType":"x"}}}"#
        ));
    }
    #[test]
    fn a_long_action_list_is_named_in_part() {
        let actions = ["\"ecs:CancelImagePipelineExecution\""; 12].join(",");
        let doc = format!(
            r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":[{actions}],"Resource":"*","Condition":{{"StringEquals":{{"ecs:InstanceType":"x"}}}}}}]}}"#
        );
        let findings = crate::lint::lint_document(doc.as_bytes(), None);
        let finding = findings
            .iter()
            .find(|f| f.rule == "condition-key-unsupported")
            .expect("fires");
        let ten = ["`ecs:CancelImagePipelineExecution`"; 10].join(", ");
        assert_eq!(
            finding.message,
            format!("{ten}, 2 more actions do not support the condition key `ecs:InstanceType`, so the condition is never met")
        );
    }
    #[test]
    fn global_wildcard_other_service_and_supported_pass() {
        for s in [
            r#"{"Effect":"Allow","Action":"ecs:CancelImagePipelineExecution","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}"#,
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"StringEquals":{"ecs:tag/team":"dev"}}}"#,
            r#"{"Effect":"Allow","Action":["ecs:CancelImagePipelineExecution","vpc:CreateVpc"],"Resource":"*","Condition":{"StringEquals":{"vpc:VPC":"x"}}}"#,
            r#"{"Effect":"Allow","Action":"ecs:AddTags","Resource":"*","Condition":{"StringEquals":{"ecs:InstanceType":"x"}}}"#,
        ] {
            assert!(!fires("condition-key-unsupported", s), "{s}");
        }
    }
}
