//! JSON renderings. Field names are a contract: add fields freely, never rename them.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::CheckReport;
use crate::decision::{ClauseCheck, Decision, Matched, MissReason, Route, StatementRef, Via};
use crate::lint::request::RequestWarning;

/// Writes the report as one JSON object and a newline.
///
/// ```
/// use std::sync::Arc;
/// use ramcheck::decision::{NamedPolicy, PolicySet, Request};
/// use ramcheck::output::{json, CheckReport};
/// use ramcheck::policy::system;
///
/// let policy = system::find("AliyunECSReadOnlyAccess").expect("bundled").parse()?;
/// let set = PolicySet::new(vec![NamedPolicy::new("AliyunECSReadOnlyAccess", None, Arc::new(policy))]);
/// let request = Request::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// let outcome = set.decide(&request)?;
/// let mut out = Vec::new();
/// json::write_check(&mut out, &CheckReport::new(&request, None, &outcome, &[]))?;
/// let value: serde_json::Value = serde_json::from_slice(&out)?;
/// assert_eq!(value["reason"], "implicit_deny");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_check(out: &mut impl Write, report: &CheckReport<'_>) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &check_value(report))?;
    writeln!(out)
}

/// The report as a JSON value.
pub fn check_value(report: &CheckReport<'_>) -> Value {
    let outcome = report.outcome;
    let mut value = json!({
        "action": report.request.action(),
        "resource": report.request.resource().as_str(),
        "near_misses": outcome.near_misses().iter().map(|m| {
            let mut v = statement_value(m.statement());
            if let Value::Object(map) = &mut v {
                match m.reason() {
                    MissReason::Resource { patterns, negated } => {
                        map.insert("missed".into(), json!("resource"));
                        map.insert(
                            if *negated { "not_resource" } else { "resource_patterns" }.into(),
                            json!(patterns),
                        );
                    }
                    MissReason::Condition { operator, key, absent } => {
                        map.insert("missed".into(), json!("condition"));
                        let mut condition = json!({"operator": operator.name(), "key": key, "key_absent": absent});
                        // The failing clause's values, when the explanation has them.
                        let failed = m.statement().condition_checks().iter().find(|c| {
                            !c.is_met() && c.operator() == *operator && c.key() == key
                        });
                        if let (Some(check), Value::Object(fields)) = (failed, &mut condition) {
                            fields.insert("policy_values".into(), json!(check.policy_values()));
                            fields.insert("request_values".into(), json!(check.request_values().unwrap_or_default()));
                        }
                        map.insert("condition".into(), condition);
                    }
                }
            }
            v
        }).collect::<Vec<_>>(),
    });
    if let Value::Object(map) = &mut value {
        map.extend(outcome_fields(outcome));
        if let Some(principal) = report.principal {
            map.insert("principal".into(), json!(principal));
        }
        map.insert("warnings".into(), warnings_value(report.warnings));
    }
    value
}

/// `[{"code", "message"}]`: what `check` and `who-can` warn of.
pub(crate) fn warnings_value(warnings: &[RequestWarning]) -> Value {
    warnings
        .iter()
        .map(|w| json!({"code": w.code.code(), "message": w.message}))
        .collect()
}

/// What `check` and `who-can` both say of an outcome: decision, reason, stage and the
/// deciding statements.
pub(crate) fn outcome_fields(outcome: &crate::decision::Outcome) -> serde_json::Map<String, Value> {
    let mut map = serde_json::Map::new();
    let decision = if outcome.decision() == Decision::Allow {
        "allow"
    } else {
        "deny"
    };
    map.insert("decision".into(), json!(decision));
    map.insert("reason".into(), json!(outcome.decision().reason()));
    map.insert("stage".into(), json!(outcome.stage().name()));
    let statements: Vec<Value> = outcome.deciding().iter().map(statement_value).collect();
    map.insert("statements".into(), json!(statements));
    map
}

fn matched(m: &Matched) -> Value {
    match m {
        Matched::Pattern(p) => json!(p),
        Matched::NotListed => json!({"not_listed": true}),
        Matched::None => Value::Null,
    }
}

/// One deciding statement: policy, index, sid, effect, file, line, column, and what matched;
/// for a policy translated from Terraform or ROS its `origin`, and for an AssumeRole its `side`.
pub fn statement_value(s: &StatementRef) -> Value {
    let mut value = json!({
        "policy": s.policy(),
        "index": s.index(),
        "sid": s.sid(),
        "effect": s.effect().name(),
        "file": s.file(),
        "line": s.position().line,
        "column": s.position().column,
        "matched_action": matched(s.action()),
        "matched_resource": matched(s.resource()),
        "conditions": s.conditions().iter().map(|(op, key)| json!({"operator": op.name(), "key": key})).collect::<Vec<_>>(),
    });
    if let (Some(origin), Value::Object(map)) = (s.origin(), &mut value) {
        map.insert(
            "origin".into(),
            json!({
                "file": origin.file(),
                "address": origin.address(),
                "line": origin.line(),
                "column": origin.column(),
            }),
        );
    }
    // Only an AssumeRole's statements have a side (T3a): `caller` or `trust`.
    if let (Some(side), Value::Object(map)) = (s.side(), &mut value) {
        map.insert("side".into(), json!(side.name()));
    }
    // Only the reference evaluator explains a statement: how its policy reached the principal
    // and what each condition clause compared.
    if let (Some(via), Value::Object(map)) = (s.via(), &mut value) {
        map.insert("via".into(), via_value(via));
        let checks: Vec<Value> = s.condition_checks().iter().map(check_value_of).collect();
        map.insert("condition_values".into(), json!(checks));
    }
    value
}

/// `{"kind", "name", "level", "resource_group", "system_policy"}`: how a policy reached the
/// principal. `name` is the user, group or role, or the directory level's name; `level`
/// (`root`, `folder`, `account`) only for a control policy.
fn via_value(via: &Via) -> Value {
    let mut value = json!({
        "kind": via.route().kind(),
        "name": via.route().name(),
        "resource_group": via.resource_group(),
        "system_policy": via.is_system_policy(),
    });
    if let (Route::ControlPolicy(level), Value::Object(map)) = (via.route(), &mut value) {
        map.insert("level".into(), json!(level.kind()));
    }
    value
}

/// `{"operator", "key", "policy_values", "request_values", "key_absent", "met"}`: one condition
/// clause as tested (`request_values` is `[]` when the key was absent).
fn check_value_of(check: &ClauseCheck) -> Value {
    json!({
        "operator": check.operator().name(),
        "key": check.key(),
        "policy_values": check.policy_values(),
        "request_values": check.request_values().unwrap_or_default(),
        "key_absent": check.request_values().is_none(),
        "met": check.is_met(),
    })
}

/// Writes `who-can`'s answer: `{"action", "resource", "principals": [{"principal",
/// "decision", "reason", "stage"}], "warnings": [{"code", "message"}]}`.
pub fn write_who_can(
    out: &mut impl Write,
    request: &crate::decision::Request,
    decisions: &[crate::account::PrincipalDecision],
    warnings: &[RequestWarning],
) -> io::Result<()> {
    let value = json!({
        "action": request.action(),
        "resource": request.resource().as_str(),
        "warnings": warnings_value(warnings),
        "principals": decisions.iter().map(|d| {
            let mut map = outcome_fields(&d.outcome);
            map.insert("principal".into(), json!(d.principal));
            Value::Object(map)
        }).collect::<Vec<_>>(),
    });
    serde_json::to_writer(&mut *out, &value)?;
    writeln!(out)
}
