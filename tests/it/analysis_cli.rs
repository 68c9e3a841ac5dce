//! Access analysis through the real binary (spec §8, A1–A4, T5, T6): `who-can` over a resource
//! pattern, its `--allow-only` gate, and `diff` of snapshots, policy documents, Terraform plans
//! and ROS templates. Every witness reported is replayed through `check` (A3), and the access of
//! the principals without a path through roles is held to what `check` decides over a sample of
//! the space.

use serde_json::Value;

use crate::util::{ramcheck, Run};

const OWNER: &str = "tests/fixtures/analysis/owner.json";
const OWNER_AFTER: &str = "tests/fixtures/analysis/owner-after.json";
const PARTNER: &str = "tests/fixtures/analysis/partner.json";
const CANCEL_PROD: &str = "tests/fixtures/analysis/cancel-prod.json";
const CANCEL_ALL: &str = "tests/fixtures/analysis/cancel-all.json";
const ROS_BEFORE: &str = "policies/examples/ros-template.yaml";
const ROS_AFTER: &str = "tests/fixtures/analysis/ros-after.yaml";
const PLAN: &str = "policies/examples/terraform-plan.json";
const PLAN_AFTER: &str = "policies/examples/terraform-plan-after.json";
const A: &str = "1234567890123456";
const B: &str = "2222222222222222";
const PROD: &str = "acs:ecs:*:1234567890123456:imagepipeline/prod-*";
const CANCEL: &str = "ecs:CancelImagePipelineExecution";

fn arn(account: &str, name: &str) -> String {
    format!("acs:ram::{account}:{name}")
}

/// `who-can --account ACCOUNT... --resource PATTERN EXTRA...`.
fn who_can(accounts: &[&str], pattern: &str, extra: &[&str]) -> Run {
    let mut args = vec!["who-can"];
    for account in accounts {
        args.extend(["--account", account]);
    }
    args.extend(["--resource", pattern]);
    args.extend_from_slice(extra);
    ramcheck(&args)
}

/// `who-can ... --format json`, which must exit `status`.
fn who_can_json(accounts: &[&str], pattern: &str, extra: &[&str], status: i32) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(extra);
    let run = who_can(accounts, pattern, &all);
    assert_eq!(run.status, Some(status), "{run:?}");
    run.json()
}

fn entry<'v>(answer: &'v Value, principal: &str) -> &'v Value {
    answer["principals"]
        .as_array()
        .and_then(|all| all.iter().find(|p| p["principal"] == principal))
        .unwrap_or_else(|| panic!("{principal} is not listed: {answer}"))
}

/// `--context KEY=VALUE` for each value of a witness's context.
fn context_args(witness: &Value) -> Vec<String> {
    let mut args = Vec::new();
    if let Some(context) = witness["context"].as_object() {
        for (key, values) in context {
            for value in values.as_array().into_iter().flatten() {
                args.push("--context".to_owned());
                args.push(format!("{key}={}", value.as_str().unwrap_or_default()));
            }
        }
    }
    args
}

/// `check SIDE [--principal P] --action ACTION --resource R CONTEXT... --format json`; exit 0
/// or 1 with the decision.
fn check(side: &[&str], principal: Option<&str>, action: &str, witness: &Value) -> Value {
    let mut args: Vec<String> = std::iter::once("check".to_owned())
        .chain(side.iter().map(|s| (*s).to_owned()))
        .collect();
    if let Some(principal) = principal {
        args.extend(["--principal".to_owned(), principal.to_owned()]);
    }
    args.extend([
        "--action".to_owned(),
        action.to_owned(),
        "--resource".to_owned(),
        witness["resource"]
            .as_str()
            .expect("a witness resource")
            .to_owned(),
    ]);
    args.extend(context_args(witness));
    args.extend(["--format".to_owned(), "json".to_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = ramcheck(&args);
    assert!(matches!(run.status, Some(0 | 1)), "{run:?}");
    run.json()
}

fn sids(statements: &Value) -> Vec<Value> {
    statements
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s["sid"].clone())
        .collect()
}

/// Replays the path `via` of `principal` to a witness (T5): each hop's AssumeRole, with the
/// witness's context, is allowed; returns the last caller's `check` of the witness.
fn replay_path(side: &[&str], principal: &str, witness: &Value, via: &Value) -> (String, Value) {
    let mut caller = principal.to_owned();
    for hop in via.as_array().into_iter().flatten() {
        let role = hop["assume"].as_str().expect("a role");
        let assume = serde_json::json!({"resource": role, "context": witness["context"]});
        let v = check(side, Some(&caller), "sts:AssumeRole", &assume);
        assert_eq!(v["decision"], "allow", "{caller} assumes {role}: {v}");
        caller = role.to_owned();
    }
    let v = check(side, Some(&caller), CANCEL, witness);
    (caller, v)
}

/// Replays an allowed witness reached by `principal` (A3, T5): each hop's AssumeRole, with the
/// witness's context, is allowed, and the final request, made by the last role, gives the
/// decision, stage and statements reported in `decided`.
fn replay_allowed(side: &[&str], principal: &str, witness: &Value, via: &Value, decided: &Value) {
    let (caller, v) = replay_path(side, principal, witness, via);
    assert_eq!(v["decision"], decided["decision"], "{caller}: {v}");
    assert_eq!(v["stage"], decided["stage"], "{caller}: {v}");
    assert_eq!(
        sids(&v["statements"]),
        sids(&decided["statements"]),
        "{caller}: {v}"
    );
}

/// Replays every witness of a `who-can` answer over `accounts` through `check` (A3): an allowed
/// witness with its path gives the reported decision; a denied witness is denied to the
/// principal itself and to every role it may assume, and for access none gives the reported
/// reason and stage.
fn replay_space(accounts: &[&str], answer: &Value) {
    let side: Vec<&str> = accounts.iter().flat_map(|a| ["--account", a]).collect();
    let principals = answer["principals"].as_array().expect("principals");
    assert!(!principals.is_empty(), "{answer}");
    let roles: Vec<&str> = principals
        .iter()
        .filter_map(|p| p["principal"].as_str())
        .filter(|p| p.contains(":role/"))
        .collect();
    assert!(!roles.is_empty(), "{answer}");
    for p in principals {
        let principal = p["principal"].as_str().expect("a principal");
        match p["access"].as_str() {
            Some("all" | "some") => {
                replay_allowed(&side, principal, &p["witness"], &p["via"], p);
            }
            Some("none") => assert_eq!(p["witness"], Value::Null, "{p}"),
            other => panic!("access {other:?}: {p}"),
        }
        if p["access"] != "all" {
            let denied = &p["denied_witness"];
            let v = check(&side, Some(principal), CANCEL, denied);
            assert_eq!(v["decision"], "deny", "{principal}: {v}");
            if p["access"] == "none" {
                assert_eq!(v["reason"], p["reason"], "{principal}: {v}");
                assert_eq!(v["stage"], p["stage"], "{principal}: {v}");
            }
            // Nor does any path reach it (T5): no role the principal may assume, with the
            // witness's context, directly or through other roles, is allowed the request.
            for role in assumable_roles(&side, &roles, principal, denied) {
                let v = check(&side, Some(&role), CANCEL, denied);
                assert_eq!(v["decision"], "deny", "{principal} through {role}: {v}");
            }
        }
    }
}

/// The roles `principal` may assume with the context of `witness`, directly or through
/// other roles (T5), as `who-can --action sts:AssumeRole` decides each role of `roles`.
fn assumable_roles(side: &[&str], roles: &[&str], principal: &str, witness: &Value) -> Vec<String> {
    let context = context_args(witness);
    let assumers: Vec<(&str, Vec<String>)> = roles
        .iter()
        .map(|role| {
            let mut args: Vec<&str> = vec!["who-can"];
            args.extend_from_slice(side);
            args.extend(["--action", "sts:AssumeRole", "--resource", role]);
            args.extend(context.iter().map(String::as_str));
            args.extend(["--format", "json"]);
            let run = ramcheck(&args);
            assert_eq!(run.status, Some(0), "{run:?}");
            let v = run.json();
            let allowed = v["principals"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|q| q["decision"] == "allow")
                .filter_map(|q| q["principal"].as_str().map(str::to_owned))
                .collect();
            (*role, allowed)
        })
        .collect();
    let mut reached: Vec<String> = Vec::new();
    let mut callers = vec![principal.to_owned()];
    while let Some(caller) = callers.pop() {
        for (role, allowed) in &assumers {
            if allowed.contains(&caller) && *role != principal && !reached.iter().any(|r| r == role)
            {
                reached.push((*role).to_owned());
                callers.push((*role).to_owned());
            }
        }
    }
    reached
}

/// Whether `check` allows and denies `principal` directly some request of a sample of the
/// space `PROD` (two regions, three source IP contexts).
fn direct_sample(accounts: &[&str], principal: &str) -> (bool, bool) {
    let side: Vec<&str> = accounts.iter().flat_map(|a| ["--account", a]).collect();
    let (mut allowed, mut denied) = (false, false);
    for region in ["cn-hangzhou", "us-west-1"] {
        for ip in [None, Some("10.1.2.3"), Some("192.168.1.1")] {
            let context = match ip {
                Some(ip) => serde_json::json!({"acs:SourceIp": [ip]}),
                None => serde_json::json!({}),
            };
            let witness = serde_json::json!({
                "resource": format!("acs:ecs:{region}:{A}:imagepipeline/prod-1"),
                "context": context,
            });
            match check(&side, Some(principal), CANCEL, &witness)["decision"].as_str() {
                Some("allow") => allowed = true,
                _ => denied = true,
            }
        }
    }
    (allowed, denied)
}

#[test]
fn a1_who_can_over_a_pattern_tells_all_some_and_none_apart() {
    let v = who_can_json(&[OWNER], PROD, &[], 0);
    assert_eq!(v["action"], CANCEL);
    assert_eq!(v["resource"], PROD);
    let access = |name: &str| entry(&v, &arn(A, name))["access"].clone();
    assert_eq!(access("root"), "all");
    assert_eq!(access("user/alice"), "all");
    assert_eq!(access("user/bob"), "some", "only in cn-* regions");
    assert_eq!(access("user/carol"), "none");
    assert_eq!(access("role/deployer"), "some", "only from 10.0.0.0/8 (A1)");
    assert!(v["classes"].as_u64().is_some_and(|n| n > 0), "{v}");
    // Principals without access come last (the answer's order).
    let order: Vec<&str> = v["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .map(|p| p["access"].as_str().unwrap_or_default())
        .collect();
    let first_none = order
        .iter()
        .position(|a| *a == "none")
        .unwrap_or(order.len());
    assert!(
        order[first_none..].iter().all(|a| *a == "none"),
        "{order:?}"
    );
}

#[test]
fn t5_dave_reaches_through_the_deployer_role_with_its_context() {
    let v = who_can_json(&[OWNER], PROD, &[], 0);
    let dave = entry(&v, &arn(A, "user/dave"));
    assert_eq!(dave["access"], "some", "{dave}");
    assert_eq!(dave["via"][0]["assume"], arn(A, "role/deployer"), "{dave}");
    assert_eq!(
        dave["via"][0]["trust_statements"][0]["sid"], "TrustDave",
        "{dave}"
    );
    assert_eq!(
        dave["via"][0]["caller_statements"][0]["sid"], "AssumeDeployer",
        "{dave}"
    );
    assert_eq!(dave["statements"][0]["sid"], "ProdFromOffice", "{dave}");
    let ip = dave["witness"]["context"]["acs:SourceIp"][0]
        .as_str()
        .expect("the witness fixes the source IP");
    assert!(ip.starts_with("10."), "{dave}");
    // Direct access is preferred: alice's witness is her own.
    assert_eq!(entry(&v, &arn(A, "user/alice"))["via"], Value::Null);
}

#[test]
fn a3_every_witness_of_a_space_replays_through_check() {
    let v = who_can_json(&[OWNER], PROD, &[], 0);
    replay_space(&[OWNER], &v);
    let both = who_can_json(&[OWNER, PARTNER], "acs:ecs:*:*:imagepipeline/*", &[], 0);
    replay_space(&[OWNER, PARTNER], &both);
}

#[test]
fn a2_access_agrees_with_check_over_a_sample_of_the_space() {
    // These principals have no path through roles: their access is their own decisions'.
    let v = who_can_json(&[OWNER], PROD, &[], 0);
    for name in ["root", "user/alice", "user/bob", "user/carol"] {
        let principal = arn(A, name);
        let access = entry(&v, &principal)["access"].clone();
        let (allowed, denied) = direct_sample(&[OWNER], &principal);
        if allowed {
            assert_ne!(
                access, "none",
                "{principal} is allowed a request of the space"
            );
        }
        if denied {
            assert_ne!(
                access, "all",
                "{principal} is denied a request of the space"
            );
        }
    }
}

#[test]
fn a1_a_fixed_context_key_is_not_ranged_over() {
    let v = who_can_json(
        &[OWNER],
        PROD,
        &["--context", "acs:SourceIp=192.168.1.1"],
        0,
    );
    assert_eq!(entry(&v, &arn(A, "role/deployer"))["access"], "none", "{v}");
    assert_eq!(entry(&v, &arn(A, "user/dave"))["access"], "none", "{v}");
    replay_space(&[OWNER], &v);
}

#[test]
fn a_concrete_arn_is_a_space_of_one_resource() {
    let resource = format!("acs:ecs:us-west-1:{A}:imagepipeline/prod-1");
    let v = who_can_json(&[OWNER], &resource, &[], 0);
    assert_eq!(entry(&v, &arn(A, "user/bob"))["access"], "none", "{v}");
    assert_eq!(entry(&v, &arn(A, "user/alice"))["access"], "all", "{v}");
    for p in v["principals"].as_array().expect("principals") {
        for w in [&p["witness"], &p["denied_witness"]] {
            if !w.is_null() {
                assert_eq!(w["resource"], resource, "{p}");
            }
        }
    }
    replay_space(&[OWNER], &v);
}

#[test]
fn t6_unlisted_principals_are_listed_and_warned_of() {
    let v = who_can_json(&[OWNER], PROD, &[], 0);
    let accounts: Vec<&str> = v["unlisted"]
        .as_array()
        .expect("unlisted")
        .iter()
        .map(|u| u["account"].as_str().unwrap_or_default())
        .collect();
    assert!(accounts.contains(&"3333333333333333"), "{v}");
    assert!(
        accounts.contains(&B),
        "no snapshot of the partner is given: {v}"
    );
    let text = who_can(&[OWNER], PROD, &[]);
    assert_eq!(text.status, Some(0), "{text:?}");
    assert!(
        text.stderr.contains("warning[unlisted-principals]"),
        "{text:?}"
    );
}

// The gate.

/// The allow list under which nobody else reaches `PROD` in `owner.json` alone.
const EVERYONE: [&str; 7] = [
    "user/alice",
    "user/bob",
    "user/dave",
    "role/deployer",
    "role/partner-ops",
    "acs:ram::2222222222222222:root",
    "acs:ram::3333333333333333:root",
];

fn gate_args(allowed: &[&str]) -> Vec<String> {
    let mut args = vec!["--allow-only".to_owned()];
    args.extend(allowed.iter().map(|s| (*s).to_owned()));
    args
}

#[test]
fn the_gate_passes_when_only_allowed_principals_and_the_owner_reach() {
    // The flag repeats, and takes several values each time.
    let (first, second) = EVERYONE.split_at(3);
    let mut args = gate_args(first);
    args.extend(gate_args(second));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let v = who_can_json(&[OWNER], PROD, &args, 0);
    assert_eq!(v["gate"], "pass", "{v}");
    assert_eq!(v["violations"], serde_json::json!([]));
    // The owner reaches everything and is exempt.
    assert_eq!(entry(&v, &arn(A, "root"))["access"], "all");
    let text = who_can(&[OWNER], PROD, &args);
    assert_eq!(text.status, Some(0), "{text:?}");
    assert!(text.stdout.contains("gate: pass"), "{text:?}");
}

#[test]
fn the_gate_fails_with_each_violator_and_its_witness() {
    let allowed = gate_args(
        &EVERYONE
            .iter()
            .copied()
            .filter(|p| *p != "user/bob" && *p != "role/deployer")
            .collect::<Vec<_>>(),
    );
    let args: Vec<&str> = allowed.iter().map(String::as_str).collect();
    let v = who_can_json(&[OWNER], PROD, &args, 1);
    assert_eq!(v["gate"], "fail", "{v}");
    let mut violations: Vec<&str> = v["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|p| p.as_str().unwrap_or_default())
        .collect();
    violations.sort_unstable();
    assert_eq!(
        violations,
        [arn(A, "role/deployer"), arn(A, "user/bob")],
        "{v}"
    );
    let text = who_can(&[OWNER], PROD, &args);
    assert_eq!(text.status, Some(1), "{text:?}");
    assert!(text.stdout.contains("violation: user/bob: "), "{text:?}");
    assert!(
        text.stdout.contains("violation: role/deployer: "),
        "{text:?}"
    );
}

#[test]
fn t6_unlisted_principals_violate_the_gate_unless_their_account_is_allowed() {
    let allowed = gate_args(&EVERYONE[..6]);
    let args: Vec<&str> = allowed.iter().map(String::as_str).collect();
    let v = who_can_json(&[OWNER], PROD, &args, 1);
    assert_eq!(
        v["violations"],
        serde_json::json!(["acs:ram::3333333333333333:*"]),
        "{v}"
    );
    // Their side is unknown: no witness, path or statements to show.
    let reason = &v["violation_reasons"][0];
    assert_eq!(reason["witness"], Value::Null, "{reason}");
    assert_eq!(reason["via"], Value::Null, "{reason}");
    assert_eq!(reason["statements"], serde_json::json!([]), "{reason}");
    let text = who_can(&[OWNER], PROD, &args);
    assert!(text.stdout.contains("fail closed"), "{text:?}");
}

#[test]
fn another_accounts_owner_reaching_through_a_role_is_a_violator() {
    // With the partner's snapshot, its owner and eve reach the pipelines through
    // `partner-ops`; frank cancels only his own account's pipelines, out of this space.
    let allowed = gate_args(&[
        "user/alice",
        "user/bob",
        "user/dave",
        "role/deployer",
        "role/partner-ops",
        "acs:ram::3333333333333333:root",
    ]);
    let args: Vec<&str> = allowed.iter().map(String::as_str).collect();
    let v = who_can_json(&[OWNER, PARTNER], PROD, &args, 1);
    let mut violations: Vec<&str> = v["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|p| p.as_str().unwrap_or_default())
        .collect();
    violations.sort_unstable();
    assert_eq!(violations, [arn(B, "root"), arn(B, "user/eve")], "{v}");
    assert_eq!(
        entry(&v, &arn(B, "root"))["via"][0]["assume"],
        arn(A, "role/partner-ops")
    );
    assert_eq!(entry(&v, &arn(B, "user/frank"))["access"], "none");
    replay_space(&[OWNER, PARTNER], &v);
}

#[test]
fn over_every_account_each_owner_is_exempt_for_its_own_pipelines_only() {
    let allowed = gate_args(&[
        &arn(A, "user/alice"),
        &arn(A, "user/bob"),
        &arn(A, "user/dave"),
        &arn(A, "role/deployer"),
        &arn(A, "role/partner-ops"),
        &arn(B, "user/eve"),
        &arn(B, "user/frank"),
        "acs:ram::3333333333333333:root",
    ]);
    let args: Vec<&str> = allowed.iter().map(String::as_str).collect();
    let v = who_can_json(&[OWNER, PARTNER], "acs:ecs:*:*:imagepipeline/*", &args, 1);
    // A's owner reaches only A's pipelines; B's owner reaches A's through partner-ops.
    assert_eq!(v["violations"], serde_json::json!([arn(B, "root")]), "{v}");
    // The reason carries the violating reach (T5), not the owner's exempt one on its own
    // account: a resource of A, through partner-ops, which replays as allowed.
    let reason = &v["violation_reasons"][0];
    assert_eq!(reason["principal"], arn(B, "root"), "{v}");
    let resource = reason["witness"]["resource"].as_str().unwrap_or_default();
    assert_eq!(resource.split(':').nth(3), Some(A), "{reason}");
    assert_eq!(reason["via"][0]["assume"], arn(A, "role/partner-ops"));
    let (caller, decided) = replay_path(
        &["--account", OWNER, "--account", PARTNER],
        &arn(B, "root"),
        &reason["witness"],
        &reason["via"],
    );
    assert_eq!(decided["decision"], "allow", "{caller}: {decided}");
    assert_eq!(sids(&decided["statements"]), sids(&reason["statements"]));
    assert!(!sids(&reason["statements"]).is_empty(), "{reason}");
}

#[test]
fn a1_who_can_help_says_its_resource_is_a_pattern_and_check_s_an_arn() {
    for flag in ["-h", "--help"] {
        let help = ramcheck(&["who-can", flag]);
        assert_eq!(help.status, Some(0), "{help:?}");
        assert!(help.stdout.contains("--resource <PATTERN>"), "{help:?}");
        assert!(!help.stdout.contains("<ARN>"), "{help:?}");
        assert!(help.stdout.contains("a pattern"), "{help:?}");
        let help = ramcheck(&["check", flag]);
        assert!(help.stdout.contains("--resource <ARN>"), "{help:?}");
        assert!(!help.stdout.contains("pattern"), "{help:?}");
    }
}

#[test]
fn an_unknown_allowed_principal_is_invalid_with_a_suggestion() {
    who_can(&[OWNER], PROD, &["--allow-only", "user/alcie"]).assert_invalid(&[
        "--allow-only",
        "user/alcie",
        "did you mean `user/alice`?",
    ]);
    who_can(
        &[OWNER],
        PROD,
        &["--allow-only", "acs:ram::4444444444444444:user/x"],
    )
    .assert_invalid(&["has no snapshot", "acs:ram::4444444444444444:root"]);
}

#[test]
fn without_allow_only_who_can_exits_zero_whoever_has_access() {
    let v = who_can_json(&[OWNER], PROD, &[], 0);
    assert!(v.get("gate").is_none(), "{v}");
}

#[test]
fn a2_more_cases_than_max_cases_is_invalid_input() {
    who_can(&[OWNER], PROD, &["--max-cases", "1"])
        .assert_invalid(&["--max-cases", "into more than 1 case;"]);
    who_can(&[OWNER], PROD, &["--max-cases", "2"])
        .assert_invalid(&["--max-cases", "into more than 2 cases;"]);
    diff(&[
        "--before",
        OWNER,
        "--after",
        OWNER_AFTER,
        "--max-cases",
        "1",
    ])
    .assert_invalid(&["--max-cases"]);
}

#[test]
fn who_can_sarif_is_valid_with_a_result_per_principal_with_access() {
    let run = who_can(
        &[OWNER],
        PROD,
        &["--format", "sarif", "--allow-only", "user/alice"],
    );
    assert_eq!(run.status, Some(1), "{run:?}");
    let log: Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&log);
    let v = who_can_json(&[OWNER], PROD, &[], 0);
    let with_access = v["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .filter(|p| p["access"] != "none")
        .count();
    // T6: each unlisted principal of a role with access is a violator of its own.
    let unlisted = v["unlisted"].as_array().expect("unlisted").len();
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), with_access + unlisted, "{log}");
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap_or_default())
        .collect();
    assert!(
        levels.contains(&"error") && levels.contains(&"warning"),
        "{levels:?}"
    );
    // The owner's access is granted by no statement; everyone else's by one of the account
    // file, where the result is, as is the trust statement naming unlisted principals.
    let located: Vec<&Value> = results
        .iter()
        .filter(|r| r["locations"].as_array().is_some_and(|l| !l.is_empty()))
        .collect();
    assert_eq!(located.len(), with_access - 1 + unlisted, "{log}");
    for r in located {
        let uri = &r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert_eq!(uri, OWNER, "{log}");
    }
}

#[test]
fn who_can_markdown_is_a_table_with_a_row_per_principal_with_access() {
    let run = who_can(&[OWNER], PROD, &["--format", "markdown"]);
    assert_eq!(run.status, Some(0), "{run:?}");
    let rows: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(
        rows[0],
        "| principal | access | via | witness resource | granting statement |"
    );
    assert_eq!(rows[1], "|---|---|---|---|---|");
    let v = who_can_json(&[OWNER], PROD, &[], 0);
    let with_access = v["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .filter(|p| p["access"] != "none")
        .count();
    assert_eq!(rows.len() - 2, with_access, "{run:?}");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("| `user/dave` | some | `role/deployer` |")),
        "{run:?}"
    );
}

#[test]
fn who_can_text_has_a_line_per_principal_and_the_witness() {
    let run = who_can(&[OWNER], PROD, &[]);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(run.stdout.contains("  ALLOW all   user/alice"), "{run:?}");
    assert!(run.stdout.contains("  deny  none  user/carol"), "{run:?}");
    assert!(run.stdout.contains("via role/deployer"), "{run:?}");
    assert!(
        run.stdout
            .contains("(Sid `ProdFromOffice`) attached to role `deployer` allows it"),
        "{run:?}"
    );
}

// `diff`.

fn diff(args: &[&str]) -> Run {
    ramcheck(&[&["diff"][..], args].concat())
}

fn diff_json(args: &[&str], status: i32) -> Value {
    let run = diff(&[args, &["--format", "json"][..]].concat());
    assert_eq!(run.status, Some(status), "{run:?}");
    run.json()
}

fn principals(changes: &Value) -> Vec<String> {
    let mut all: Vec<String> = changes
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["principal"].as_str().unwrap_or_default().to_owned())
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// Replays each change of a `diff` answer on both sides (A3, A4): with `check SIDE
/// [--principal P]`, the side that has the access allows the witness (through the path
/// reported), the other denies it, or lacks the principal.
fn replay_diff(before: &[&str], after: &[&str], answer: &Value, principal_flag: bool) {
    for (kind, has, lacks, has_side, lacks_side) in [
        ("gained", after, before, "after", "before"),
        ("lost", before, after, "before", "after"),
    ] {
        for change in answer[kind].as_array().expect("changes") {
            let principal = change["principal"].as_str().expect("principal");
            let decided = &change[has_side];
            if principal_flag {
                replay_allowed(has, principal, &change["witness"], &decided["via"], decided);
            } else {
                let v = check(has, None, CANCEL, &change["witness"]);
                assert_eq!(v["decision"], "allow", "{change}");
            }
            let other = &change[lacks_side];
            if other["reason"] == "no_such_principal" {
                continue;
            }
            let v = check(
                lacks,
                principal_flag.then_some(principal),
                CANCEL,
                &change["witness"],
            );
            assert_eq!(v["decision"], "deny", "{change}: {v}");
            if other["via"].is_null() {
                assert_eq!(v["reason"], other["reason"], "{change}: {v}");
            }
        }
    }
}

#[test]
fn a4_diff_of_two_snapshots_finds_carol_s_new_access() {
    let v = diff_json(&["--before", OWNER, "--after", OWNER_AFTER], 1);
    assert_eq!(principals(&v["gained"]), [arn(A, "user/carol")], "{v}");
    assert_eq!(v["lost"], serde_json::json!([]));
    let carol = &v["gained"][0];
    assert_eq!(carol["after"]["decision"], "allow");
    assert_eq!(carol["after"]["statements"][0]["sid"], "ProdInChina");
    assert_eq!(carol["before"]["decision"], "deny");
    replay_diff(&["--account", OWNER], &["--account", OWNER_AFTER], &v, true);
    let text = diff(&["--before", OWNER, "--after", OWNER_AFTER]);
    assert_eq!(text.status, Some(1), "{text:?}");
    assert!(
        text.stdout
            .starts_with("NEW: user/carol can cancel acs:ecs:cn-"),
        "{text:?}"
    );
    assert!(
        text.stdout.contains(&format!(
            "(and every pipeline matching `acs:ecs:cn-*:{A}:imagepipeline/prod-*`)"
        )),
        "{text:?}"
    );
}

#[test]
fn a4_the_reverse_change_is_lost_and_fail_on_picks_what_blocks() {
    let args = ["--before", OWNER_AFTER, "--after", OWNER];
    let v = diff_json(&args, 0);
    assert_eq!(principals(&v["lost"]), [arn(A, "user/carol")], "{v}");
    assert_eq!(v["gained"], serde_json::json!([]));
    replay_diff(&["--account", OWNER_AFTER], &["--account", OWNER], &v, true);
    let status =
        |fail_on: &str, args: &[&str]| diff(&[args, &["--fail-on", fail_on][..]].concat()).status;
    assert_eq!(status("changed", &args), Some(1));
    assert_eq!(status("gained", &args), Some(0));
    assert_eq!(status("never", &args), Some(0));
    let forward = ["--before", OWNER, "--after", OWNER_AFTER];
    assert_eq!(status("never", &forward), Some(0));
    assert_eq!(status("changed", &forward), Some(1));
    let text = diff(&args);
    assert!(
        text.stdout
            .starts_with("LOST: user/carol can no longer cancel "),
        "{text:?}"
    );
}

#[test]
fn a4_a_snapshot_against_itself_changes_nothing() {
    let v = diff_json(
        &["--before", OWNER, "--after", OWNER, "--fail-on", "changed"],
        0,
    );
    assert_eq!(v["gained"], serde_json::json!([]));
    assert_eq!(v["lost"], serde_json::json!([]));
}

#[test]
fn a4_diff_of_policy_documents_is_one_user_of_the_resources_account() {
    let args = [
        "--account-id",
        A,
        "--before",
        CANCEL_PROD,
        "--after",
        CANCEL_ALL,
    ];
    let v = diff_json(&args, 1);
    assert_eq!(
        principals(&v["gained"]),
        [arn(A, "user/policy-holder")],
        "{v}"
    );
    assert_eq!(v["gained"][0]["after"]["statements"][0]["file"], CANCEL_ALL);
    replay_diff(
        &["--policy", CANCEL_PROD],
        &["--policy", CANCEL_ALL],
        &v,
        false,
    );
    // The account may come from the resource pattern instead.
    let v = diff_json(
        &[
            "--before",
            CANCEL_PROD,
            "--after",
            CANCEL_ALL,
            "--resource",
            "acs:ecs:*:1234567890123456:imagepipeline/*",
        ],
        1,
    );
    assert_eq!(
        principals(&v["gained"]),
        [arn(A, "user/policy-holder")],
        "{v}"
    );
}

#[test]
fn policy_documents_without_an_account_are_invalid() {
    diff(&["--before", CANCEL_PROD, "--after", CANCEL_ALL]).assert_invalid(&["--account-id"]);
    diff(&["--before", CANCEL_PROD, "--after", OWNER]).assert_invalid(&[
        "policy documents (`tests/fixtures/analysis/cancel-prod.json`)",
        "account sources (`tests/fixtures/analysis/owner.json`) cannot be compared",
    ]);
}

#[test]
fn a_broken_policy_document_in_diff_says_what_is_wrong_with_it() {
    // A document that does not parse is not told from an account source by its content; its
    // own error, with its position, comes before the complaint that the kinds disagree, on
    // the other side and in a side of its own.
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        ("cut.json", "{\"Statement\": [", "cut.json:1:16:"),
        (
            "bare.json",
            "{\"Version\":\"1\"}",
            "bare.json:1:1: the policy has no `Statement`",
        ),
        ("empty.json", "", "empty.json:1:1: the document is empty"),
    ];
    for (name, text, error) in cases {
        let path = crate::util::write_file(dir.path(), name, text);
        let path = path.to_str().expect("a UTF-8 path");
        let resource = "acs:ecs:*:1234567890123456:imagepipeline/*";
        diff(&[
            "--before",
            CANCEL_PROD,
            "--after",
            path,
            "--resource",
            resource,
        ])
        .assert_invalid(&[error, "help:"]);
        diff(&[
            "--before",
            CANCEL_PROD,
            path,
            "--after",
            CANCEL_ALL,
            "--resource",
            resource,
        ])
        .assert_invalid(&[error, "help:"]);
    }
}

#[test]
fn a4_diff_of_a_plan_compares_its_prior_state_with_its_planned_values() {
    let v = diff_json(&["--plan", PLAN_AFTER], 1);
    assert_eq!(
        principals(&v["gained"]),
        [arn(A, "user/release-bot")],
        "{v}"
    );
    replay_diff(
        &["--account", PLAN_AFTER, "--plan-side", "before"],
        &["--account", PLAN_AFTER],
        &v,
        true,
    );
    let statement = &v["gained"][0]["after"]["statements"][0];
    assert_eq!(
        statement["origin"]["address"],
        "alicloud_ram_policy.cancel_prod"
    );
    // The same change between the two plans' planned values.
    let v = diff_json(&["--before", PLAN, "--after", PLAN_AFTER], 1);
    assert_eq!(
        principals(&v["gained"]),
        [arn(A, "user/release-bot")],
        "{v}"
    );
    // The first plan creates ci-runner and deployer: both gain.
    let v = diff_json(&["--plan", PLAN], 1);
    assert_eq!(
        principals(&v["gained"]),
        [arn(A, "role/deployer"), arn(A, "user/ci-runner")],
        "{v}"
    );
}

#[test]
fn plan_cannot_be_combined_with_before_or_after() {
    diff(&["--plan", PLAN, "--before", OWNER]).assert_invalid(&["`--plan` cannot be combined"]);
    diff(&["--plan", PLAN, "--plan-side", "before"]).assert_invalid(&["--plan-side"]);
    diff(&["--plan", OWNER]).assert_invalid(&["is not `terraform show -json` output"]);
    diff(&["--before", OWNER]).assert_invalid(&["--after"]);
}

#[test]
fn a4_diff_of_ros_templates() {
    let args = [
        "--account-id",
        A,
        "--before",
        ROS_BEFORE,
        "--after",
        ROS_AFTER,
    ];
    let v = diff_json(&args, 1);
    assert_eq!(
        principals(&v["gained"]),
        [arn(A, "user/release-bot")],
        "{v}"
    );
    replay_diff(
        &["--account", ROS_BEFORE, "--account-id", A],
        &["--account", ROS_AFTER, "--account-id", A],
        &v,
        true,
    );
    let origin = &v["gained"][0]["after"]["statements"][0]["origin"];
    assert_eq!(origin["address"], "CancelProdBuilds", "{v}");
}

#[test]
fn diff_sarif_is_valid_with_a_result_per_gained_access_at_its_statement() {
    let run = diff(&["--plan", PLAN_AFTER, "--format", "sarif"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    let log: Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&log);
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(!results.is_empty(), "{log}");
    for r in results {
        assert_eq!(r["ruleId"], "access-gained");
        assert_eq!(r["level"], "error");
        let location = &r["locations"][0];
        assert_eq!(
            location["physicalLocation"]["artifactLocation"]["uri"],
            PLAN_AFTER
        );
        assert_eq!(
            location["logicalLocations"][0]["fullyQualifiedName"],
            "alicloud_ram_policy.cancel_prod"
        );
    }
}

#[test]
fn diff_markdown_is_a_table_of_changes() {
    let run = diff(&[
        "--before",
        OWNER,
        "--after",
        OWNER_AFTER,
        "--format",
        "markdown",
    ]);
    assert_eq!(run.status, Some(1), "{run:?}");
    let rows: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(
        rows[0],
        "| change | principal | resource | via | granting statement |"
    );
    assert!(rows[2].starts_with("| **new** | `user/carol` |"), "{run:?}");
}

#[test]
fn the_readme_diff_shows_the_new_access() {
    let readme = std::fs::read_to_string(crate::util::root().join("README.md")).expect("README");
    let command = readme
        .lines()
        .find(|l| l.starts_with("cargo run -- diff"))
        .expect("the README's diff command");
    assert!(command.contains(PLAN), "{command}");
    let args: Vec<&str> = command.split_whitespace().skip(3).collect();
    let run = ramcheck(&args);
    assert_eq!(run.status, Some(1), "{run:?}");
    // The README prints the output in the `text` block that follows the command, exactly.
    let (_, after) = readme.split_once(command).expect("the command");
    let (_, block) = after
        .split_once("```text\n")
        .expect("a `text` block after it");
    let (printed, _) = block.split_once("```").expect("the block's end");
    assert_eq!(
        run.stdout.strip_suffix('\n').unwrap_or(&run.stdout),
        printed.strip_suffix('\n').unwrap_or(printed),
        "the README's diff output is not the binary's{run:?}"
    );
}

fn assert_valid_sarif(log: &Value) {
    let schema_text =
        std::fs::read_to_string(crate::util::root().join("tests/fixtures/sarif-schema-2.1.0.json"))
            .expect("vendored schema");
    let schema: Value = serde_json::from_str(&schema_text).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
