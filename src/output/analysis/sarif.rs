//! SARIF 2.1.0 logs of `who-can` over a space and of `diff`, for code scanning: one result
//! per principal with access (an error when it violates `--allow-only`), or per gained
//! access (an error when gained access blocks), located at the statement that grants it:
//! its file, line and column, or for a policy translated from Terraform or ROS the place
//! of the resource in that file, with the resource address or logical id as a logical
//! location.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::{
    context_text, granted, granting, literal_account, short, verb, DiffReport, SpaceReport,
};
use crate::analysis::{Access, Reached, Witness};
use crate::decision::StatementRef;
use crate::output::sarif::{path_to_uri, tool, SCHEMA};

/// The rules of these logs: `principal-has-access`, `allow-only-violation`,
/// `access-gained`, `access-lost`.
const RULES: [(&str, &str, &str); 4] = [
    (
        "principal-has-access",
        "A principal can make the request on some resource of the space",
        "warning",
    ),
    (
        "allow-only-violation",
        "A principal outside `--allow-only` can make the request",
        "error",
    ),
    (
        "access-gained",
        "A principal can make a request it could not make before",
        "error",
    ),
    (
        "access-lost",
        "A principal can no longer make a request it could make before",
        "note",
    ),
];

fn rule_values() -> Vec<Value> {
    RULES
        .iter()
        .map(|(id, summary, level)| {
            json!({
                "id": id,
                "name": crate::output::sarif::pascal_case(id),
                "shortDescription": {"text": summary},
                "fullDescription": {"text": summary},
                "defaultConfiguration": {"level": level},
            })
        })
        .collect()
}

/// The location of a statement: physical when a file is known (the origin's place for a
/// translated policy), and the policy, or the resource address, as a logical location.
fn location_value(s: &StatementRef) -> Value {
    let mut location = serde_json::Map::new();
    let origin = s.origin();
    let physical = match origin.and_then(|o| o.file().map(|f| (f, o))) {
        Some((file, o)) => Some((
            file,
            o.line().unwrap_or(1).max(1),
            o.column().unwrap_or(1).max(1),
        )),
        None => s
            .file()
            .map(|f| (f, s.position().line.max(1), s.position().column.max(1))),
    };
    if let Some((file, line, column)) = physical {
        location.insert(
            "physicalLocation".into(),
            json!({
                "artifactLocation": {"uri": path_to_uri(file)},
                "region": {"startLine": line, "startColumn": column},
            }),
        );
    }
    let logical = match origin.and_then(|o| o.address()) {
        Some(address) => json!({"fullyQualifiedName": address, "kind": "resource"}),
        None => json!({"fullyQualifiedName": s.policy(), "kind": "module"}),
    };
    location.insert("logicalLocations".into(), json!([logical]));
    Value::Object(location)
}

fn request_text(witness: &Witness) -> String {
    let context = context_text(witness);
    if context.is_empty() {
        format!("`{}`", witness.resource)
    } else {
        format!("`{}` with `{context}`", witness.resource)
    }
}

fn path_text(reached: &Reached, home: Option<&str>) -> String {
    match &reached.via {
        None => String::new(),
        Some(hops) => format!(
            " by assuming {}",
            hops.iter()
                .map(|h| format!("`{}`", short(&h.role, home)))
                .collect::<Vec<_>>()
                .join(" then ")
        ),
    }
}

fn result_value(rule: &str, level: &str, message: String, reached: &Reached) -> Value {
    let index = RULES.iter().position(|(id, _, _)| *id == rule);
    let locations: Vec<Value> = granting(reached).map(location_value).into_iter().collect();
    let mut result = json!({
        "ruleId": rule,
        "level": level,
        "message": {"text": message},
        "locations": locations,
    });
    if let Some(index) = index {
        result["ruleIndex"] = json!(index);
    }
    result
}

fn log(results: Vec<Value>) -> Value {
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": tool(rule_values()),
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// The log of `who-can` over a space: one result per principal with access, located at the
/// statement that grants its witness; `warning`, or `error` for a violator of the gate.
pub fn space_log(report: &SpaceReport<'_>) -> Value {
    let answer = report.answer;
    let home = literal_account(&answer.resource);
    let verb = verb(&answer.action);
    let mut results = Vec::new();
    for p in &answer.principals {
        let Some((witness, reached)) = &p.witness else {
            continue;
        };
        if p.access == Access::None {
            continue;
        }
        let violation = report
            .gate
            .and_then(|g| g.violations.iter().find(|v| v.principal == p.principal));
        let mut message = format!(
            "`{}` can {verb} {} of `{}`, e.g. {}{}",
            short(&p.principal, home),
            p.access.name(),
            answer.resource,
            request_text(witness),
            path_text(reached, home)
        );
        let (rule, level) = match violation {
            Some(v) => {
                message.push_str(&format!(": {}", v.why));
                ("allow-only-violation", "error")
            }
            None => ("principal-has-access", "warning"),
        };
        results.push(result_value(rule, level, message, reached));
    }
    // Unlisted principals that violate the gate have no witness: the result is at the trust
    // statement that names them.
    let unlisted = report
        .gate
        .into_iter()
        .flat_map(|g| &g.violations)
        .filter_map(|v| v.unlisted.as_ref().map(|u| (v, u)));
    for (v, u) in unlisted {
        let mut location =
            json!({"logicalLocations": [{"fullyQualifiedName": u.policy, "kind": "module"}]});
        if let Some(file) = &u.file {
            location["physicalLocation"] = json!({
                "artifactLocation": {"uri": path_to_uri(file)},
                "region": {"startLine": u.position.line.max(1), "startColumn": u.position.column.max(1)},
            });
        }
        results.push(json!({
            "ruleId": "allow-only-violation",
            "ruleIndex": 1,
            "level": "error",
            "message": {"text": format!("`{}`: {}", v.principal, v.why)},
            "locations": [location],
        }));
    }
    log(results)
}

/// The log of `diff`: one result per gained access at the statement that grants it, and
/// per lost access at the statement that granted it; `error` when that kind of change
/// blocks, else `warning` (gained) or `note` (lost).
pub fn diff_log(report: &DiffReport<'_>) -> Value {
    let answer = report.answer;
    let verb = verb(&answer.action);
    let mut results = Vec::new();
    let kinds = [
        (&answer.gained, true, report.gained_blocks),
        (&answer.lost, false, report.lost_blocks),
    ];
    for (changes, gained, blocks) in kinds {
        for change in changes {
            let home = literal_account(&change.witness.resource);
            let Some(reached) = granted(change, gained) else {
                continue;
            };
            let (rule, level, can) = match (gained, blocks) {
                (true, true) => ("access-gained", "error", "can now"),
                (true, false) => ("access-gained", "warning", "can now"),
                (false, true) => ("access-lost", "error", "can no longer"),
                (false, false) => ("access-lost", "note", "can no longer"),
            };
            let message = format!(
                "`{}` {can} {verb} {}{}",
                short(&change.principal, home),
                request_text(&change.witness),
                path_text(reached, home)
            );
            results.push(result_value(rule, level, message, reached));
        }
    }
    log(results)
}

/// Writes a log value (from [`space_log`] or [`diff_log`]) as JSON and a newline.
///
/// ```
/// use ramcheck::analysis::SpaceAnswer;
/// use ramcheck::output::analysis::{sarif, SpaceReport};
/// # fn demo(answer: &SpaceAnswer) -> std::io::Result<()> {
/// let log = sarif::space_log(&SpaceReport::new(answer, &[]));
/// sarif::write(&mut std::io::stdout(), &log)?;
/// # Ok(()) }
/// ```
pub fn write(out: &mut impl Write, log: &Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::analysis::gate::{Gate, Violation};

    fn assert_valid(log: &Value) {
        let schema: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/sarif-schema-2.1.0.json"
        ))
        .expect("schema");
        let validator = jsonschema::validator_for(&schema).expect("schema compiles");
        let errors: Vec<String> = validator.iter_errors(log).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }

    #[test]
    fn space_results_are_at_the_granting_statement_and_validate() {
        let answer = space();
        let gate = Gate {
            allowed: Vec::new(),
            violations: vec![Violation {
                principal: format!("acs:ram::{ACCOUNT}:user/ci-runner"),
                why: "not allowed".into(),
                witness: None,
                unlisted: None,
            }],
        };
        let log = space_log(&SpaceReport::new(&answer, &[]).with_gate(&gate));
        assert_valid(&log);
        let results = log["runs"][0]["results"].as_array().expect("results");
        assert_eq!(results.len(), 2, "one per principal with access");
        // T6: unlisted violators are errors at the trust statement.
        let mut with_unlisted = gate.clone();
        with_unlisted.violations.push(Violation {
            principal: "acs:ram::9999999999999999:*".into(),
            why: "fail closed".into(),
            witness: None,
            unlisted: Some(unlisted()),
        });
        let log = space_log(&SpaceReport::new(&answer, &[]).with_gate(&with_unlisted));
        assert_valid(&log);
        let last = &log["runs"][0]["results"][2];
        assert_eq!(last["level"], "error");
        assert_eq!(
            last["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "trust.json"
        );
        assert_eq!(
            last["locations"][0]["physicalLocation"]["region"]["startLine"],
            3
        );
        assert_eq!(results[0]["level"], "warning");
        assert_eq!(results[1]["level"], "error");
        assert_eq!(results[1]["ruleId"], "allow-only-violation");
        let physical = &results[0]["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], "grants/prod.json");
        assert_eq!(physical["region"]["startLine"], 1);
        assert_eq!(physical["region"]["startColumn"], 32);
    }

    #[test]
    fn diff_results_validate_and_follow_fail_on() {
        let answer = diff();
        let log = diff_log(&DiffReport::new(&answer, &[]));
        assert_valid(&log);
        let results = log["runs"][0]["results"].as_array().expect("results");
        assert_eq!(results.len(), 2);
        assert_eq!(results[0]["ruleId"], "access-gained");
        assert_eq!(results[0]["level"], "error");
        assert_eq!(results[1]["level"], "note");
        let never = diff_log(&DiffReport::new(&answer, &[]).with_blocking(false, false));
        assert_eq!(never["runs"][0]["results"][0]["level"], "warning");
    }

    #[test]
    fn a_translated_policy_is_located_at_its_origin_with_its_address() {
        let mut answer = diff();
        let reached = answer.gained[0].after.as_mut().expect("after");
        let s = reached.outcome.deciding.first_mut().expect("statement");
        s.origin = Some(std::sync::Arc::new(
            crate::decision::Origin::default()
                .with_file("plan.json")
                .with_address("alicloud_ram_policy.cancel")
                .with_line(40)
                .with_column(7),
        ));
        let log = diff_log(&DiffReport::new(&answer, &[]));
        assert_valid(&log);
        let location = &log["runs"][0]["results"][0]["locations"][0];
        assert_eq!(
            location["physicalLocation"]["artifactLocation"]["uri"],
            "plan.json"
        );
        assert_eq!(location["physicalLocation"]["region"]["startLine"], 40);
        assert_eq!(
            location["logicalLocations"][0]["fullyQualifiedName"],
            "alicloud_ram_policy.cancel"
        );
    }
}
