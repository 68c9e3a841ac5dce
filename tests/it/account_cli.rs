//! `check --account` and `who-can` through the real binary: each stage, the JSON contract, and
//! invalid input (exit 2, empty stdout, stderr naming the place).

use serde_json::Value;

use crate::util::ramcheck;

const ACCOUNT: &str = "policies/example-account.json";
const SESSION: &str = "policies/examples/session-dev-only.json";

fn pipeline(region: &str, id: &str) -> String {
    format!("acs:ecs:{region}:1234567890123456:imagepipeline/{id}")
}

/// Runs `check --account` with JSON output; returns (exit code, parsed stdout).
fn check_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--account", ACCOUNT, "--format", "json"];
    all.extend_from_slice(args);
    let run = ramcheck(&all);
    (run.status.expect("exit code"), run.json())
}

fn assert_fails(args: &[&str], stderr_needle: &str) {
    ramcheck(args).assert_invalid(&[stderr_needle]);
}

#[test]
fn e2_account_owner_stage() {
    let (code, v) = check_json(&[
        "--principal",
        "root",
        "--resource",
        &pipeline("cn-hangzhou", "ip-1"),
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["stage"], "AccountOwner");
    assert_eq!(v["principal"], "acs:ram::1234567890123456:root");
    assert_eq!(v["decision"], "allow");
}

#[test]
fn e2_user_allowed_through_group() {
    let (code, v) = check_json(&[
        "--principal",
        "user/alice",
        "--resource",
        &pipeline("cn-hangzhou", "ip-1"),
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["reason"], "allowed");
    assert_eq!(v["stage"], "AccountLevelIdentityBasedPolicy");
    assert_eq!(v["statements"][0]["policy"], "CancelHangzhou");
    assert_eq!(
        v["statements"][0]["file"],
        "policies/examples/cancel-hangzhou.json"
    );
    assert_eq!(v["statements"][0]["line"], 4);
    assert_eq!(v["statements"][0]["column"], 5);
}

#[test]
fn e1_user_denied_by_explicit_deny_names_inline_statement() {
    let (code, v) = check_json(&[
        "--principal",
        "user/bob",
        "--resource",
        &pipeline("cn-hangzhou", "ip-prod-7"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["reason"], "explicit_deny");
    assert_eq!(v["statements"][0]["policy"], "DenyCancelProd");
    assert_eq!(v["statements"][0]["sid"], "NoCancellingProductionBuilds");
    // An inline policy is positioned in the account file itself.
    assert_eq!(v["statements"][0]["file"], ACCOUNT);
    assert_eq!(v["statements"][0]["line"], 8);
}

#[test]
fn e3_cross_account_stage() {
    let (code, v) = check_json(&[
        "--principal",
        "user/alice",
        "--resource",
        "acs:ecs:cn-hangzhou:999999:imagepipeline/ip-1",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        (v["reason"].as_str(), v["stage"].as_str()),
        (Some("implicit_deny"), Some("CrossAccount"))
    );
}

#[test]
fn e4_control_policy_stage() {
    let (code, v) = check_json(&[
        "--principal",
        "user/alice",
        "--resource",
        &pipeline("ap-southeast-1", "ip-1"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["stage"], "ControlPolicy");
    assert_eq!(v["reason"], "explicit_deny");
    assert_eq!(v["statements"][0]["policy"], "DenyOutsideChina");
}

#[test]
fn e4_service_linked_role_is_not_bound_by_control_policies() {
    let (code, v) = check_json(&[
        "--principal",
        "role/AliyunServiceRoleForECSImageBuilder",
        "--resource",
        &pipeline("ap-southeast-1", "ip-1"),
    ]);
    assert_eq!(code, 0, "{v}");
}

#[test]
fn e4_session_policy_stage() {
    let (code, v) = check_json(&[
        "--principal",
        "assumed-role/deployer/ci-42",
        "--session-policy",
        SESSION,
        "--resource",
        &pipeline("cn-hangzhou", "ip-1"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["stage"], "SessionPolicy");
    assert_eq!(
        v["principal"],
        "acs:ram::1234567890123456:assumed-role/deployer/ci-42"
    );
    let (code, _) = check_json(&[
        "--principal",
        "acs:sts::1234567890123456:assumed-role/deployer/ci-42",
        "--session-policy",
        SESSION,
        "--resource",
        &pipeline("cn-hangzhou", "ip-dev-1"),
    ]);
    assert_eq!(code, 0);
}

#[test]
fn e4_resource_group_stage() {
    let (code, v) = check_json(&[
        "--principal",
        "user/carol",
        "--resource",
        &pipeline("cn-hangzhou", "ip-dev-1"),
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["stage"], "ResourceGroupLevelIdentityBasedPolicy");
    let (code, v) = check_json(&[
        "--principal",
        "user/carol",
        "--resource",
        &pipeline("cn-hangzhou", "ip-1"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["stage"], "AccountLevelIdentityBasedPolicy");
}

#[test]
fn check_account_text_names_principal_and_stage() {
    let resource = pipeline("cn-hangzhou", "ip-dev-1");
    let run = ramcheck(&[
        "check",
        "--account",
        ACCOUNT,
        "--principal",
        "user/carol",
        "--resource",
        &resource,
    ]);
    let stdout = &run.stdout;
    let first = stdout.lines().next().unwrap_or_default();
    assert!(first.starts_with("ALLOW"), "{stdout}");
    assert!(
        first.contains("acs:ram::1234567890123456:user/carol"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ResourceGroupLevelIdentityBasedPolicy"),
        "{stdout}"
    );
}

#[test]
fn who_can_json_lists_allowed_first() {
    let resource = pipeline("cn-hangzhou", "ip-prod-1");
    let run = ramcheck(&[
        "who-can",
        "--account",
        ACCOUNT,
        "--format",
        "json",
        "--resource",
        &resource,
    ]);
    assert_eq!(run.status, Some(0), "{run:?}");
    let v = run.json();
    assert_eq!(v["action"], "ecs:CancelImagePipelineExecution");
    let principals = v["principals"].as_array().expect("array");
    let rows: Vec<(String, String)> = principals
        .iter()
        .map(|p| {
            (
                p["principal"].as_str().unwrap_or("").to_owned(),
                p["decision"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let id = "acs:ram::1234567890123456";
    let expected: Vec<(String, String)> = [
        ("root", "allow"),
        ("user/alice", "allow"),
        ("role/AliyunServiceRoleForECSImageBuilder", "allow"),
        ("role/deployer", "allow"),
        ("user/bob", "deny"),
        ("user/carol", "deny"),
    ]
    .iter()
    .map(|(p, d)| (format!("{id}:{p}"), (*d).to_owned()))
    .collect();
    assert_eq!(rows, expected);
    for p in principals {
        assert!(p["reason"].is_string() && p["stage"].is_string(), "{p}");
    }
    assert_eq!(principals[4]["reason"], "explicit_deny");
}

#[test]
fn who_can_text_exits_zero() {
    let resource = pipeline("cn-hangzhou", "ip-1");
    let run = ramcheck(&["who-can", "--account", ACCOUNT, "--resource", &resource]);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(run.stdout.contains("user/alice"), "{run:?}");
}

#[test]
fn policy_and_account_cannot_be_combined() {
    assert_fails(
        &[
            "check",
            "--account",
            ACCOUNT,
            "--principal",
            "root",
            "--policy",
            "AdministratorAccess",
            "--resource",
            &pipeline("cn-hangzhou", "ip-1"),
        ],
        "`--policy` cannot be combined with `--account`",
    );
}

#[test]
fn session_policy_needs_an_assumed_role() {
    assert_fails(
        &[
            "check",
            "--account",
            ACCOUNT,
            "--principal",
            "role/deployer",
            "--session-policy",
            SESSION,
            "--resource",
            &pipeline("cn-hangzhou", "ip-1"),
        ],
        "only valid with an `assumed-role` principal",
    );
}

#[test]
fn unknown_principal_is_invalid_input() {
    assert_fails(
        &[
            "check",
            "--account",
            ACCOUNT,
            "--principal",
            "user/alcie",
            "--resource",
            &pipeline("cn-hangzhou", "ip-1"),
        ],
        "did you mean `alice`",
    );
}

#[test]
fn principal_of_another_account_is_invalid_input() {
    assert_fails(
        &[
            "check",
            "--account",
            ACCOUNT,
            "--principal",
            "acs:ram::999:user/alice",
            "--resource",
            &pipeline("cn-hangzhou", "ip-1"),
        ],
        "names account `999`",
    );
}

#[test]
fn invalid_account_file_names_file_line_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.json");
    std::fs::write(&path, "{\"account_id\": \"1\",\n  \"userz\": {}}").expect("write");
    let path = path.to_string_lossy().into_owned();
    assert_fails(
        &[
            "check",
            "--account",
            &path,
            "--principal",
            "root",
            "--resource",
            &pipeline("cn-hangzhou", "ip-1"),
        ],
        &format!("{path}:2:3: unknown key `userz`"),
    );
    assert_fails(
        &[
            "who-can",
            "--account",
            &path,
            "--resource",
            &pipeline("cn-hangzhou", "ip-1"),
        ],
        "did you mean `users`",
    );
}

#[test]
fn account_policy_file_error_names_the_policy_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("bad.json"), "{\"Version\": \"1\",\n \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\", \"Conditon\": {}}]}").expect("write");
    let account = dir.path().join("account.json");
    std::fs::write(
        &account,
        "{\"account_id\": \"1\", \"policies\": {\"Bad\": \"bad.json\"}}",
    )
    .expect("write");
    assert_fails(
        &[
            "check",
            "--account",
            &account.to_string_lossy(),
            "--principal",
            "root",
            "--resource",
            "acs:ecs:cn-hangzhou:1:imagepipeline/ip-1",
        ],
        "bad.json:2:",
    );
}

#[test]
fn missing_principal_is_usage_error() {
    assert_fails(
        &[
            "check",
            "--account",
            ACCOUNT,
            "--resource",
            &pipeline("cn-hangzhou", "ip-1"),
        ],
        "--principal",
    );
}

#[test]
fn e4_resource_claimed_by_two_groups_names_the_second_claim() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("groups.json");
    std::fs::write(
        &path,
        "{\"account_id\": \"1234567890123456\", \"users\": {\"u\": {}},\n \"resource_groups\": {\"rg-all\": [\"acs:ecs:*:1234567890123456:imagepipeline/*\"],\n  \"rg-one\": [\"acs:ecs:*:1234567890123456:instance/*\", \"acs:ecs:*:1234567890123456:imagepipeline/ip-1\"]}}",
    )
    .expect("write");
    let path = path.to_string_lossy().into_owned();
    let resource = pipeline("cn-hangzhou", "ip-1");
    let needle = format!(
        "{path}:3:55: the resource `{resource}` is claimed by two resource groups, `rg-all` and `rg-one`"
    );
    assert_fails(
        &[
            "check",
            "--account",
            &path,
            "--principal",
            "user/u",
            "--resource",
            &resource,
        ],
        &needle,
    );
    assert_fails(
        &["who-can", "--account", &path, "--resource", &resource],
        &needle,
    );
}
