//! JSON of `who-can` over a space and of `diff`. Field names are a contract: add, never
//! rename. `who-can` keeps the fields of its single-request answer (`decision`, `reason`,
//! `stage`, `statements` per principal) and adds `access`, `witness`, `denied_witness` and
//! `via`.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::{DiffReport, SpaceReport};
use crate::analysis::gate::Violation;
use crate::analysis::{Change, Hop, PrincipalAccess, Reached, SideDecision, Witness};
use crate::assume::UnlistedPrincipals;
use crate::decision::Outcome;
use crate::output::json::{outcome_fields, statement_value, warnings_value};

/// `{"resource": ARN, "context": {KEY: [VALUE]}}`: what `check` replays.
pub fn witness_value(witness: &Witness) -> Value {
    let mut context = Map::new();
    for (key, value) in &witness.context {
        let values = context.entry(key.clone()).or_insert_with(|| json!([]));
        if let Value::Array(values) = values {
            values.push(json!(value));
        }
    }
    json!({"resource": witness.resource, "context": context})
}

/// `null` for direct access, else one `{"assume", "caller_statements", "trust_statements"}`
/// per role assumed.
pub fn via_value(via: Option<&[Hop]>) -> Value {
    match via {
        None => Value::Null,
        Some(hops) => hops
            .iter()
            .map(|hop| {
                json!({
                    "assume": hop.role,
                    "caller_statements": hop.caller_statements.iter().map(statement_value).collect::<Vec<_>>(),
                    "trust_statements": hop.trust_statements.iter().map(statement_value).collect::<Vec<_>>(),
                })
            })
            .collect(),
    }
}

/// One unlisted trust statement (T6): `{"account", "role", "policy", "file", "index",
/// "line", "column", "message"}`.
pub fn unlisted_value(u: &UnlistedPrincipals) -> Value {
    json!({
        "account": u.account,
        "role": u.role,
        "policy": u.policy,
        "file": u.file,
        "index": u.index,
        "line": u.position.line,
        "column": u.position.column,
        "message": u.to_string(),
    })
}

fn principal_value(p: &PrincipalAccess) -> Value {
    // The single-request fields come from the request that shows the access, else from the
    // one that shows its absence.
    let outcome: Option<&Outcome> = p
        .witness
        .as_ref()
        .map(|(_, r)| &r.outcome)
        .or(p.denied_witness.as_ref().map(|(_, o)| o));
    let mut map = match outcome {
        Some(outcome) => outcome_fields(outcome),
        None => {
            let mut map = Map::new();
            map.insert("decision".into(), json!("deny"));
            map.insert("reason".into(), Value::Null);
            map.insert("stage".into(), Value::Null);
            map.insert("statements".into(), json!([]));
            map
        }
    };
    map.insert("principal".into(), json!(p.principal));
    map.insert("account".into(), json!(p.account));
    map.insert("access".into(), json!(p.access.name()));
    map.insert(
        "witness".into(),
        p.witness
            .as_ref()
            .map_or(Value::Null, |(w, _)| witness_value(w)),
    );
    map.insert(
        "denied_witness".into(),
        p.denied_witness
            .as_ref()
            .map_or(Value::Null, |(w, _)| witness_value(w)),
    );
    map.insert(
        "via".into(),
        via_value(p.witness.as_ref().and_then(|(_, r)| r.via.as_deref())),
    );
    Value::Object(map)
}

/// The answer of `who-can` over a space as a JSON value: `{"action", "resource",
/// "warnings", "principals", "unlisted", "classes"}`, and with a gate `"gate": "pass" |
/// "fail"`, `"violations": [ARN]` and `"violation_reasons": [{"principal", "why",
/// "witness", "via", "statements"}]`.
pub fn space_value(report: &SpaceReport<'_>) -> Value {
    let answer = report.answer;
    let mut value = json!({
        "action": answer.action,
        "resource": answer.resource,
        "warnings": warnings_value(report.warnings),
        "principals": answer.principals.iter().map(principal_value).collect::<Vec<_>>(),
        "unlisted": answer.unlisted.iter().map(unlisted_value).collect::<Vec<_>>(),
        "classes": answer.classes,
    });
    if let (Some(gate), Value::Object(map)) = (report.gate, &mut value) {
        map.insert(
            "gate".into(),
            json!(if gate.passed() { "pass" } else { "fail" }),
        );
        map.insert("allow_only".into(), json!(gate.allowed));
        map.insert(
            "violations".into(),
            gate.violations.iter().map(|v| json!(v.principal)).collect(),
        );
        map.insert(
            "violation_reasons".into(),
            gate.violations.iter().map(violation_value).collect(),
        );
    }
    value
}

/// One violation of the gate: `{"principal", "why", "witness", "via", "statements"}`, the
/// witness and path being those of the violating reach (for another account's owner, the
/// reach into that account), the statements those deciding its request; `null`, `null` and
/// `[]` for unlisted principals, whose side nothing here decides.
fn violation_value(v: &Violation) -> Value {
    let (witness, via, statements) = match &v.witness {
        Some((witness, reached)) => (
            witness_value(witness),
            via_value(reached.via.as_deref()),
            reached
                .outcome
                .deciding()
                .iter()
                .map(statement_value)
                .collect(),
        ),
        None => (Value::Null, Value::Null, Vec::new()),
    };
    json!({
        "principal": v.principal,
        "why": v.why,
        "witness": witness,
        "via": via,
        "statements": statements,
    })
}

/// Writes the answer of `who-can` over a space as one JSON object and a newline.
///
/// ```
/// use ramcheck::analysis::SpaceAnswer;
/// use ramcheck::output::analysis::{json, SpaceReport};
/// # fn demo(answer: &SpaceAnswer) -> std::io::Result<()> {
/// let mut out = Vec::new();
/// json::write_space(&mut out, &SpaceReport::new(answer, &[]))?;
/// # Ok(()) }
/// ```
pub fn write_space(out: &mut impl Write, report: &SpaceReport<'_>) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &space_value(report))?;
    writeln!(out)
}

/// The `check` object of one side of a change: `decision`, `reason`, `stage`,
/// `statements`, `via`; a principal missing on that side is denied as `no_such_principal`.
pub fn side_value(side: &SideDecision) -> Value {
    match side {
        None => json!({
            "decision": "deny",
            "reason": "no_such_principal",
            "stage": null,
            "statements": [],
            "via": null,
        }),
        Some(Reached { outcome, via }) => {
            let mut map = outcome_fields(outcome);
            map.insert("via".into(), via_value(via.as_deref()));
            Value::Object(map)
        }
    }
}

fn change_value(change: &Change) -> Value {
    json!({
        "principal": change.principal,
        "witness": witness_value(&change.witness),
        "before": side_value(&change.before),
        "after": side_value(&change.after),
    })
}

/// The answer of `diff` as a JSON value: `{"action", "resource", "gained": [CHANGE],
/// "lost": [CHANGE], "unlisted", "warnings"}`, CHANGE being `{"principal", "witness",
/// "before", "after"}`.
pub fn diff_value(report: &DiffReport<'_>) -> Value {
    let answer = report.answer;
    json!({
        "action": answer.action,
        "resource": answer.resource,
        "gained": answer.gained.iter().map(change_value).collect::<Vec<_>>(),
        "lost": answer.lost.iter().map(change_value).collect::<Vec<_>>(),
        "unlisted": answer.unlisted.iter().map(unlisted_value).collect::<Vec<_>>(),
        "warnings": warnings_value(report.warnings),
    })
}

/// Writes the answer of `diff` as one JSON object and a newline.
///
/// ```
/// use ramcheck::analysis::DiffAnswer;
/// use ramcheck::output::analysis::{json, DiffReport};
/// # fn demo(answer: &DiffAnswer) -> std::io::Result<()> {
/// let mut out = Vec::new();
/// json::write_diff(&mut out, &DiffReport::new(answer, &[]))?;
/// # Ok(()) }
/// ```
pub fn write_diff(out: &mut impl Write, report: &DiffReport<'_>) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &diff_value(report))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::analysis::gate::{Gate, Violation};

    #[test]
    fn space_entries_keep_the_check_fields_and_add_access_witness_and_via() {
        let answer = space();
        let v = space_value(&SpaceReport::new(&answer, &[]));
        let alice = &v["principals"][0];
        assert_eq!(alice["access"], "some");
        assert_eq!(alice["decision"], "allow");
        assert_eq!(alice["stage"], "AccountLevelIdentityBasedPolicy");
        assert_eq!(alice["statements"][0]["sid"], "ProdFromOffice");
        assert_eq!(alice["witness"]["resource"], pipeline("prod-7"));
        assert_eq!(
            alice["witness"]["context"]["acs:SourceIp"],
            json!(["10.0.0.1"])
        );
        assert_eq!(alice["denied_witness"]["context"], json!({}));
        assert_eq!(alice["via"], Value::Null);
        let ci = &v["principals"][1];
        assert_eq!(
            ci["via"][0]["assume"],
            format!("acs:ram::{ACCOUNT}:role/deployer")
        );
        assert_eq!(ci["via"][0]["trust_statements"], json!([]));
        // Access none: the fields are the denied witness's.
        let bob = &v["principals"][2];
        assert_eq!(bob["access"], "none");
        assert_eq!(bob["witness"], Value::Null);
        assert_eq!(bob["decision"], "deny");
        assert_eq!(bob["reason"], "implicit_deny");
        assert_eq!(v["unlisted"][0]["account"], "9999999999999999");
        assert_eq!(v["classes"], 6);
        assert!(v.get("gate").is_none());
    }

    #[test]
    fn the_gate_lists_violations_by_arn() {
        let answer = space();
        let gate = Gate {
            allowed: vec![format!("acs:ram::{ACCOUNT}:user/alice")],
            violations: vec![Violation {
                principal: format!("acs:ram::{ACCOUNT}:user/ci-runner"),
                why: "through roles".into(),
                witness: None,
                unlisted: None,
            }],
        };
        let v = space_value(&SpaceReport::new(&answer, &[]).with_gate(&gate));
        assert_eq!(v["gate"], "fail");
        assert_eq!(
            v["violations"],
            json!([format!("acs:ram::{ACCOUNT}:user/ci-runner")])
        );
    }

    #[test]
    fn a4_a_side_without_the_principal_is_no_such_principal() {
        let answer = diff();
        let v = diff_value(&DiffReport::new(&answer, &[]));
        let gained = &v["gained"][0];
        assert_eq!(gained["before"]["decision"], "deny");
        assert_eq!(gained["before"]["via"], Value::Null);
        assert_eq!(gained["after"]["decision"], "allow");
        assert_eq!(
            gained["after"]["via"][0]["assume"],
            format!("acs:ram::{ACCOUNT}:role/deployer")
        );
        let lost = &v["lost"][0];
        assert_eq!(
            lost["after"],
            json!({"decision": "deny", "reason": "no_such_principal", "stage": null, "statements": [], "via": null})
        );
        assert_eq!(v["warnings"], json!([]));
    }
}
