//! `check` and `who-can` on `sts:AssumeRole` through the real binary (spec T1-T6): both sides
//! decided, the stage of T3a, each deciding statement's side, and invalid input (exit 2).

use serde_json::Value;

use crate::util::{ramcheck, write_file, Run};

const A: &str = "tests/fixtures/assume/a.json";
const B: &str = "tests/fixtures/assume/b.json";
const CI: &str = "acs:ram::1111111111111111:user/ci";
const DEPLOYER: &str = "acs:ram::2222222222222222:role/deployer";

fn assume(principal: &str, role: &str, extra: &[&str]) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(extra);
    let run = check_assume(&[A, B], principal, role, &all);
    (run.status.expect("exit code"), run.json())
}

/// `check --account ACCOUNT... --principal PRINCIPAL --action sts:AssumeRole --resource ROLE
/// EXTRA...`.
fn check_assume(accounts: &[&str], principal: &str, role: &str, extra: &[&str]) -> Run {
    let mut args = vec!["check"];
    for account in accounts {
        args.extend(["--account", account]);
    }
    args.extend([
        "--principal",
        principal,
        "--action",
        "sts:AssumeRole",
        "--resource",
        role,
    ]);
    args.extend_from_slice(extra);
    ramcheck(&args)
}

/// `who-can --account A --account B --format json ARGS...`, which must exit 0.
fn who_can_both(args: &[&str]) -> Value {
    let mut all = vec![
        "who-can",
        "--account",
        A,
        "--account",
        B,
        "--format",
        "json",
    ];
    all.extend_from_slice(args);
    let run = ramcheck(&all);
    assert_eq!(run.status, Some(0), "{run:?}");
    run.json()
}

fn sides(v: &Value) -> Vec<(String, String)> {
    v["statements"]
        .as_array()
        .expect("statements")
        .iter()
        .map(|s| {
            (
                s["side"].as_str().unwrap_or("-").to_owned(),
                s["sid"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

#[test]
fn t3_cross_account_allow_lists_both_sides() {
    let (code, v) = assume(CI, DEPLOYER, &["--context", "acs:SourceIp=192.168.1.7"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["stage"], "AssumeRolePolicy");
    assert_eq!(v["principal"], CI);
    assert_eq!(
        sides(&v),
        [
            ("caller".to_owned(), "AssumeRoles".to_owned()),
            ("trust".to_owned(), "TrustCiFromOffice".to_owned())
        ]
    );
    // The trust statement is inline in the account file: its position is the file's.
    let trust = &v["statements"][1];
    assert_eq!(
        (trust["file"].as_str(), trust["line"].as_u64()),
        (Some(B), Some(9))
    );
}

#[test]
fn t3_text_output_names_each_side() {
    let run = check_assume(
        &[A, B],
        CI,
        DEPLOYER,
        &["--context", "acs:SourceIp=192.168.1.7"],
    );
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(
        run.stdout.contains("decided at stage AssumeRolePolicy"),
        "{run:?}"
    );
    assert!(run.stdout.contains("  caller side: tests/fixtures/assume/a.json:7:9: statement 0 of `AssumeAnyRole` (Sid `AssumeRoles`) attached to user `ci` allows it"), "{run:?}");
    assert!(
        run.stdout.contains(&format!("  trust side: {B}:9:11: statement 0 of `role/deployer trust policy` (Sid `TrustCiFromOffice`) as the role's trust policy allows it: Allow Action `sts:AssumeRole` for Principal `{CI}`\n    condition `IpAddress acs:SourceIp`: policy [`192.168.0.0/16`], request [`192.168.1.7`] \u{2192} met\n")),
        "{run:?}"
    );
}

#[test]
fn t2_trust_condition_not_met_is_implicit_deny_at_assume_role_policy() {
    let (code, v) = assume(CI, DEPLOYER, &["--context", "acs:SourceIp=10.0.0.1"]);
    assert_eq!(code, 1);
    assert_eq!(
        (v["stage"].as_str(), v["reason"].as_str()),
        (Some("AssumeRolePolicy"), Some("implicit_deny"))
    );
}

#[test]
fn t3a_caller_side_denial_is_reported_at_the_callers_stage() {
    let (code, v) = assume(
        "acs:ram::1111111111111111:user/intern",
        DEPLOYER,
        &["--context", "acs:SourceIp=192.168.1.7"],
    );
    assert_eq!(code, 1);
    assert_eq!(v["stage"], "AccountLevelIdentityBasedPolicy");
}

#[test]
fn t2_trust_deny_names_the_statement_on_the_trust_side() {
    // Role chaining: a session of `builder` is named by `role/builder`.
    let (code, v) = assume(
        "acs:ram::1111111111111111:assumed-role/builder/nightly",
        DEPLOYER,
        &[
            "--context",
            "acs:SourceIp=192.168.1.7",
            "--context",
            "acs:MFAPresent=false",
        ],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        (v["stage"].as_str(), v["reason"].as_str()),
        (Some("AssumeRolePolicy"), Some("explicit_deny"))
    );
    assert_eq!(
        sides(&v),
        [("trust".to_owned(), "NeverTheBuilderAtNight".to_owned())]
    );
    let (code, _) = assume(
        "acs:ram::1111111111111111:assumed-role/builder/nightly",
        DEPLOYER,
        &[
            "--context",
            "acs:SourceIp=192.168.1.7",
            "--context",
            "acs:MFAPresent=true",
        ],
    );
    assert_eq!(code, 0);
}

#[test]
fn t3_service_linked_role_is_denied_even_to_the_owner() {
    for who in ["acs:ram::1111111111111111:root", CI] {
        let (code, v) = assume(
            who,
            "acs:ram::2222222222222222:role/AliyunServiceRoleForECSImageBuilder",
            &[],
        );
        assert_eq!(code, 1, "{who}");
        assert_eq!(
            (
                v["stage"].as_str(),
                v["statements"].as_array().map(Vec::len)
            ),
            (Some("AssumeRolePolicy"), Some(0))
        );
    }
}

#[test]
fn t3a_role_without_trust_policy_is_implicit_deny() {
    let (code, v) = assume(CI, "acs:ram::2222222222222222:role/untrusted", &[]);
    assert_eq!(code, 1);
    assert_eq!(v["stage"], "AssumeRolePolicy");
}

#[test]
fn t6_unlisted_principals_are_a_warning_in_json_and_on_stderr() {
    let (_, v) = assume(CI, DEPLOYER, &["--context", "acs:SourceIp=192.168.1.7"]);
    let warnings = v["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{v}");
    assert_eq!(warnings[0]["code"], "unlisted-principals");
    assert!(warnings[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("statement 1 of the trust policy of role `deployer` names unlisted principals of account `3333333333333333`"));
    let run = check_assume(&[A, B], CI, DEPLOYER, &[]);
    assert!(
        run.stderr.contains("warning[unlisted-principals]:"),
        "{run:?}"
    );
}

#[test]
fn t6_several_accounts_need_full_principal_arns() {
    check_assume(&[A, B], "user/ci", DEPLOYER, &[]).assert_invalid(&["give the full ARN"]);
}

#[test]
fn t6_two_snapshots_of_one_account_are_invalid() {
    check_assume(&[A, A], CI, DEPLOYER, &[])
        .assert_invalid(&["two snapshots of account `1111111111111111`"]);
}

#[test]
fn t3a_role_of_an_account_without_snapshot_is_invalid() {
    check_assume(&[A], "user/ci", DEPLOYER, &[])
        .assert_invalid(&["account `2222222222222222`, which has no snapshot"]);
}

#[test]
fn t3a_role_missing_from_its_snapshot_is_invalid() {
    check_assume(&[A, B], CI, "acs:ram::2222222222222222:role/deployr", &[])
        .assert_invalid(&["has no role `deployr`; did you mean `deployer`?"]);
}

#[test]
fn t1_malformed_trust_policies_make_the_account_invalid() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (principal, needle) in [
        (r#""*""#, "found \"*\""),
        (r#"{"RAM": []}"#, "`RAM` is an empty array"),
        (r#"{"AWS": "x"}"#, "unknown key `AWS` in `Principal`"),
    ] {
        let text = format!(
            r#"{{"account_id": "2222222222222222", "roles": {{"r": {{"trust_policy": {{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {principal}}}]}}}}}}}}"#
        );
        let file = write_file(dir.path(), "b.json", &text);
        let file = file.to_string_lossy();
        check_assume(&[A, &file], CI, "acs:ram::2222222222222222:role/r", &[])
            .assert_invalid(&[needle, "b.json:1:"]);
    }
    let text = r#"{"account_id": "2222222222222222", "roles": {"r": {"trust_policy": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*", "Principal": {"RAM": "acs:ram::1:root"}}]}}}}"#;
    let file = write_file(dir.path(), "r.json", text);
    check_assume(
        &[&file.to_string_lossy()],
        "root",
        "acs:ram::2222222222222222:role/r",
        &[],
    )
    .assert_invalid(&["a trust policy statement has `Resource`"]);
}

#[test]
fn t3_same_account_with_the_example_snapshot() {
    let run = check_assume(
        &["policies/example-account.json"],
        "root",
        "acs:ram::1234567890123456:role/deployer",
        &[],
    );
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(
        run.stdout
            .contains("(Sid `TrustOwnAccount`) as the role's trust policy allows it"),
        "{run:?}"
    );
}

#[test]
fn t6_who_can_lists_the_principals_of_every_account() {
    let v = who_can_both(&[
        "--action",
        "sts:AssumeRole",
        "--resource",
        DEPLOYER,
        "--context",
        "acs:SourceIp=192.168.1.7",
    ]);
    let principals: Vec<(&str, &str)> = v["principals"]
        .as_array()
        .expect("principals")
        .iter()
        .map(|p| {
            (
                p["principal"].as_str().unwrap_or(""),
                p["decision"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        principals,
        [
            (CI, "allow"),
            ("acs:ram::1111111111111111:role/builder", "allow"),
            ("acs:ram::1111111111111111:root", "deny"),
            ("acs:ram::1111111111111111:user/intern", "deny"),
            ("acs:ram::2222222222222222:root", "deny"),
            (
                "acs:ram::2222222222222222:role/AliyunServiceRoleForECSImageBuilder",
                "deny"
            ),
            ("acs:ram::2222222222222222:role/deployer", "deny"),
            ("acs:ram::2222222222222222:role/untrusted", "deny"),
        ]
    );
    assert_eq!(v["warnings"][0]["code"], "unlisted-principals");
}

#[test]
fn t6_who_can_on_a_pipeline_of_another_account_is_cross_account() {
    let v = who_can_both(&[
        "--resource",
        "acs:ecs:cn-hangzhou:2222222222222222:imagepipeline/ip-1",
    ]);
    let listed = |arn: &str| {
        v["principals"]
            .as_array()
            .and_then(|all| all.iter().find(|p| p["principal"] == arn))
            .cloned()
            .unwrap_or_else(|| panic!("{arn} is not listed: {v}"))
    };
    // E3 denies ci directly (T6), but it reaches the pipeline through the deployer role, whose
    // trust policy lets it in from the office only (T5, A1: the source IP ranges).
    let ci = listed(CI);
    assert_eq!(ci["access"], "some", "{ci}");
    assert_eq!(ci["via"][0]["assume"], DEPLOYER, "{ci}");
    assert_eq!(ci["decision"], "allow", "{ci}");
    let ip = ci["witness"]["context"]["acs:SourceIp"][0]
        .as_str()
        .expect("the witness fixes the source IP");
    assert!(ip.starts_with("192.168."), "{ci}");
    let deployer = listed(DEPLOYER);
    assert_eq!(deployer["decision"], "allow");
    assert_eq!(deployer["access"], "all");
}
