//! Explanations that say where access comes from (issue 23, item 7), through the real binary:
//! each deciding or closest statement names how its policy reached the principal (E2, E4:
//! attached to the user, via a group, at a resource group's scope, the role's, the session
//! policy, a control policy of a directory level, the trust policy, `--policy`), in text and in
//! JSON, and each of its condition clauses shows the policy's and the request's values with the
//! outcome (C2–C5). Every `check` example of the README with its output is the binary's.

use serde_json::{json, Value};

use crate::util::{ramcheck, root, write_file, Run};

const ACCOUNT: &str = "policies/example-account.json";
const ID: &str = "1234567890123456";

fn pipeline(region: &str, id: &str) -> String {
    format!("acs:ecs:{region}:{ID}:imagepipeline/{id}")
}

/// `check --account ACCOUNT --principal P --resource R EXTRA...`
fn check_account(account: &str, principal: &str, resource: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "check",
        "--account",
        account,
        "--principal",
        principal,
        "--resource",
        resource,
    ];
    args.extend(extra);
    ramcheck(&args)
}

/// The text and the JSON report of `check --account` for `principal` on `resource`, which
/// exits with `status`.
fn explained(principal: &str, resource: &str, extra: &[&str], status: i32) -> (String, Value) {
    let run = check_account(ACCOUNT, principal, resource, extra);
    assert_eq!(run.status, Some(status), "{run:?}");
    let mut json_args = extra.to_vec();
    json_args.extend(["--format", "json"]);
    let json = check_account(ACCOUNT, principal, resource, &json_args).json();
    (run.stdout, json)
}

/// The `via` of the `i`-th deciding statement of a JSON report.
fn via(report: &Value, i: usize) -> &Value {
    &report["statements"][i]["via"]
}

// The README: each `cargo run -- check` example followed by its output is the binary's.

#[test]
fn every_readme_check_example_with_output_is_true() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let mut checked = 0;
    for (i, block) in readme.split("```sh\n").enumerate().skip(1) {
        let Some((commands, rest)) = block.split_once("```") else {
            continue;
        };
        let lines: Vec<&str> = commands.lines().collect();
        let [command] = lines.as_slice() else {
            continue;
        };
        let Some(output) = rest
            .strip_prefix("\n\n```text\n")
            .and_then(|r| r.split_once("```"))
            .map(|(text, _)| text)
        else {
            continue;
        };
        let Some(args) = command.strip_prefix("cargo run -- ") else {
            continue;
        };
        if !args.starts_with("check ") {
            continue;
        }
        let args: Vec<&str> = args.split_whitespace().collect();
        let run = ramcheck(&args);
        assert_eq!(run.stdout, output, "README sh block {i}: {run:?}");
        checked += 1;
    }
    // The first example, the explanation and `--account` sections each show one.
    assert!(checked >= 3, "only {checked} README check examples found");
}

// Routes (E2, E4), text and JSON.

#[test]
fn e2_a_policy_given_with_policy_says_so() {
    let run = ramcheck(&[
        "check",
        "--policy",
        "policies/examples/cancel-hangzhou.json",
        "--resource",
        &pipeline("cn-hangzhou", "ip-1"),
        "--format",
        "json",
    ]);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(
        via(&run.json(), 0),
        &json!({"kind": "given", "name": null, "resource_group": null, "system_policy": false})
    );
}

#[test]
fn e2_a_bundled_system_policy_given_by_name_is_a_system_policy() {
    let args = [
        "check",
        "--policy",
        "AliyunECSFullAccess",
        "--resource",
        &pipeline("cn-hangzhou", "ip-1"),
    ];
    let run = ramcheck(&args);
    assert!(
        run.stdout.contains(
            "<AliyunECSFullAccess>:4:5: statement 0 of system policy `AliyunECSFullAccess` attached directly allows it"
        ),
        "{run:?}"
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    assert_eq!(via(&ramcheck(&json_args).json(), 0)["system_policy"], true);
}

#[test]
fn e2_a_policy_of_the_users_group_is_via_the_group() {
    let (text, json) = explained("user/alice", &pipeline("cn-hangzhou", "ip-1"), &[], 0);
    assert!(
        text.contains(
            "statement 0 of `CancelHangzhou` (Sid `CancelHangzhouBuilds`) via group `builders` allows it"
        ),
        "{text}"
    );
    assert_eq!(
        via(&json, 0),
        &json!({"kind": "group", "name": "builders", "resource_group": null, "system_policy": false})
    );
}

#[test]
fn e2_a_policy_attached_to_the_user_says_so() {
    let (text, json) = explained("user/bob", &pipeline("cn-hangzhou", "ip-prod-1"), &[], 1);
    assert!(
        text.contains("statement 0 of `DenyCancelProd` (Sid `NoCancellingProductionBuilds`) attached to user `bob` denies it"),
        "{text}"
    );
    assert_eq!(via(&json, 0)["kind"], "user");
    assert_eq!(via(&json, 0)["name"], "bob");
}

#[test]
fn e4_3_a_grant_at_resource_group_scope_names_the_group() {
    let (_, json) = explained("user/carol", &pipeline("cn-hangzhou", "ip-dev-1"), &[], 0);
    assert_eq!(json["stage"], "ResourceGroupLevelIdentityBasedPolicy");
    assert_eq!(
        via(&json, 0),
        &json!({"kind": "group", "name": "readers", "resource_group": "rg-dev", "system_policy": true})
    );
}

#[test]
fn e2_a_role_sessions_policy_is_the_roles() {
    let session = "assumed-role/deployer/ci-42";
    let (text, json) = explained(session, &pipeline("cn-hangzhou", "ip-1"), &[], 0);
    assert!(
        text.contains(
            "statement 0 of system policy `AliyunECSFullAccess` attached to role `deployer` allows it"
        ),
        "{text}"
    );
    assert_eq!(via(&json, 0)["name"], "deployer");
}

#[test]
fn e4_2_the_closest_statement_of_a_session_policy_says_so() {
    let extra = [
        "--session-policy",
        "policies/examples/session-dev-only.json",
    ];
    let session = "assumed-role/deployer/ci-42";
    let (text, json) = explained(session, &pipeline("cn-hangzhou", "ip-1"), &extra, 1);
    assert!(
        text.contains(
            "statement 0 of `session-dev-only` (Sid `ThisSessionTouchesDevPipelinesOnly`) as the session policy\n"
        ),
        "{text}"
    );
    assert_eq!(json["near_misses"][0]["via"]["kind"], "session_policy");
}

/// An account whose Root folder denies `ap-*` regions and whose own level denies `eu-*`.
fn directory_account(dir: &std::path::Path) -> String {
    let deny = |sid: &str, region: &str| {
        format!(
            r#"{{"Version": "1", "Statement": [{{"Sid": "{sid}", "Effect": "Deny", "Action": "*", "Resource": "acs:*:{region}:*:*"}}]}}"#
        )
    };
    let text = format!(
        r#"{{
  "account_id": "{ID}",
  "policies": {{"NoAsia": {}, "NoEurope": {}}},
  "users": {{"alice": {{"policies": ["AliyunECSFullAccess"]}}}},
  "resource_directory": {{"path": [
    {{"name": "Root", "control_policies": ["FullAliyunAccess", "NoAsia"]}},
    {{"name": "fd-prod", "control_policies": ["FullAliyunAccess"]}},
    {{"name": "{ID}", "control_policies": ["FullAliyunAccess", "NoEurope"]}}
  ]}}
}}"#,
        deny("NoAsia", "ap-*"),
        deny("NoEurope", "eu-*")
    );
    let path = write_file(dir, "directory.json", &text);
    path.to_str().expect("UTF-8 path").to_owned()
}

#[test]
fn e4_1_control_policies_name_their_level() {
    let dir = tempfile::tempdir().expect("temp dir");
    let account = directory_account(dir.path());
    for (region, text, level, name) in [
        (
            "ap-southeast-1",
            "statement 0 of `NoAsia` (Sid `NoAsia`) as a control policy at the Root folder `Root` denies it",
            "root",
            "Root",
        ),
        (
            "eu-central-1",
            "statement 0 of `NoEurope` (Sid `NoEurope`) as a control policy at account `1234567890123456` denies it",
            "account",
            ID,
        ),
    ] {
        let resource = pipeline(region, "ip-1");
        let run = check_account(&account, "user/alice", &resource, &[]);
        assert_eq!(run.status, Some(1), "{run:?}");
        assert!(run.stdout.contains(text), "{run:?}");
        let json = check_account(&account, "user/alice", &resource, &["--format", "json"]).json();
        assert_eq!(
            via(&json, 0),
            &json!({"kind": "control_policy", "name": name, "level": level,
                    "resource_group": null, "system_policy": false})
        );
    }
    // A folder between them (the shipped account's `fd-prod`).
    let (_, json) = explained("user/alice", &pipeline("ap-southeast-1", "ip-1"), &[], 1);
    assert_eq!(via(&json, 0)["level"], "folder");
    assert_eq!(via(&json, 0)["name"], "fd-prod");
}

#[test]
fn t3a_assume_role_names_the_callers_route_and_the_trust_policy() {
    let run = ramcheck(&[
        "check",
        "--account",
        "tests/fixtures/assume/a.json",
        "--account",
        "tests/fixtures/assume/b.json",
        "--principal",
        "acs:ram::1111111111111111:user/ci",
        "--action",
        "sts:AssumeRole",
        "--resource",
        "acs:ram::2222222222222222:role/deployer",
        "--context",
        "acs:SourceIp=192.168.1.7",
        "--format",
        "json",
    ]);
    assert_eq!(run.status, Some(0), "{run:?}");
    let json = run.json();
    assert_eq!(json["statements"][0]["side"], "caller");
    assert_eq!(via(&json, 0)["kind"], "user");
    assert_eq!(json["statements"][1]["side"], "trust");
    assert_eq!(via(&json, 1)["kind"], "trust_policy");
}

#[test]
fn who_can_and_diff_statements_carry_the_route() {
    let run = ramcheck(&[
        "who-can",
        "--account",
        ACCOUNT,
        "--resource",
        &pipeline("cn-hangzhou", "ip-1"),
        "--format",
        "json",
    ]);
    let json = run.json();
    let alice = json["principals"]
        .as_array()
        .and_then(|ps| {
            ps.iter()
                .find(|p| p["principal"] == "acs:ram::1234567890123456:user/alice")
        })
        .unwrap_or_else(|| panic!("alice in who-can: {run:?}"));
    assert_eq!(alice["statements"][0]["via"]["name"], "builders", "{run:?}");
    let run = ramcheck(&[
        "diff",
        "--before",
        "policies/examples/terraform-plan.json",
        "--after",
        "policies/examples/terraform-plan-after.json",
    ]);
    assert!(
        run.stdout
            .contains("attached to user `release-bot` allows it"),
        "{run:?}"
    );
}

// Conditions: the policy's values, the request's, the outcome (C2–C5).

const OFFICE: &str = r#"{"Version": "1", "Statement": [{"Sid": "FromTheOffice", "Effect": "Allow",
  "Action": "ecs:CancelImagePipelineExecution", "Resource": "*",
  "Condition": {"StringEquals": {"acs:ResourceTag/env": ["dev", "test"]},
                "IpAddress": {"acs:SourceIp": ["192.168.0.0/16", "10.1.0.0/16"]}}}]}"#;

fn check_office(context: &[&str], format: &str) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = write_file(dir.path(), "office.json", OFFICE);
    let mut args = vec![
        "check".to_owned(),
        "--policy".to_owned(),
        policy.to_str().expect("UTF-8 path").to_owned(),
        "--resource".to_owned(),
        pipeline("cn-hangzhou", "ip-1"),
        "--format".to_owned(),
        format.to_owned(),
    ];
    for pair in context {
        args.extend(["--context".to_owned(), (*pair).to_owned()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ramcheck(&args)
}

#[test]
fn c2_every_clause_of_a_deciding_statement_shows_both_sides() {
    let context = [
        "acs:ResourceTag/env=test",
        "acs:SourceIp=10.1.2.3",
        "acs:SourceIp=172.16.0.1",
    ];
    let run = check_office(&context, "text");
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(
        run.stdout.ends_with(
            "allows it: Allow Action `ecs:CancelImagePipelineExecution` on Resource `*`\n    condition `StringEquals acs:ResourceTag/env`: policy [`dev`, `test`], request [`test`] \u{2192} met\n    condition `IpAddress acs:SourceIp`: policy [`192.168.0.0/16`, `10.1.0.0/16`], request [`10.1.2.3`, `172.16.0.1`] \u{2192} met\n"
        ),
        "{run:?}"
    );
    let json = check_office(&context, "json").json();
    assert_eq!(
        json["statements"][0]["condition_values"],
        json!([
            {"operator": "StringEquals", "key": "acs:ResourceTag/env", "policy_values": ["dev", "test"],
             "request_values": ["test"], "key_absent": false, "met": true},
            {"operator": "IpAddress", "key": "acs:SourceIp", "policy_values": ["192.168.0.0/16", "10.1.0.0/16"],
             "request_values": ["10.1.2.3", "172.16.0.1"], "key_absent": false, "met": true},
        ])
    );
}

#[test]
fn c5_a_near_miss_shows_each_clause_with_its_outcome_and_an_absent_key() {
    let run = check_office(&["acs:ResourceTag/env=prod"], "text");
    assert_eq!(run.status, Some(1), "{run:?}");
    assert!(
        run.stdout.contains(
            "    condition `StringEquals acs:ResourceTag/env`: policy [`dev`, `test`], request [`prod`] \u{2192} not met\n    condition `IpAddress acs:SourceIp`: policy [`192.168.0.0/16`, `10.1.0.0/16`], request absent \u{2192} not met\n"
        ),
        "{run:?}"
    );
    let json = check_office(&["acs:ResourceTag/env=prod"], "json").json();
    let miss = &json["near_misses"][0];
    assert_eq!(
        miss["condition"],
        json!({"operator": "StringEquals", "key": "acs:ResourceTag/env", "key_absent": false,
               "policy_values": ["dev", "test"], "request_values": ["prod"]})
    );
    assert_eq!(miss["condition_values"][1]["key_absent"], true);
    assert_eq!(miss["condition_values"][1]["request_values"], json!([]));
    assert_eq!(miss["condition_values"][1]["met"], false);
}

#[test]
fn c4_a_met_negated_clause_shows_the_request_value_outside_the_list() {
    let run = ramcheck(&[
        "check",
        "--policy",
        "policies/examples/deny-outside-office.json",
        "--resource",
        &pipeline("cn-hangzhou", "ip-1"),
        "--context",
        "acs:SourceIp=10.3.4.5",
        "--format",
        "json",
    ]);
    assert_eq!(run.status, Some(1), "{run:?}");
    let check = &run.json()["statements"][0]["condition_values"][0];
    assert_eq!(check["operator"], "NotIpAddress");
    assert_eq!(check["request_values"], json!(["10.3.4.5"]));
    assert_eq!(check["met"], true);
}

#[test]
fn piped_text_output_has_no_colour() {
    let run = ramcheck(&[
        "check",
        "--policy",
        "AliyunECSFullAccess",
        "--resource",
        &pipeline("cn-hangzhou", "ip-1"),
    ]);
    assert!(!run.stdout.contains('\u{1b}'), "{run:?}");
}
