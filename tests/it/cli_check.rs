//! `ramcheck check` through the real binary: verdicts and exit statuses, the JSON contract of
//! issue 2, text explanations, standard input, bundled policies, and exit status 2 with an
//! empty stdout and an informative stderr for every kind of invalid input.

use serde_json::{json, Value};

use crate::util::{fixture, ramcheck, ramcheck_stdin, run_in, Run};

const PIPELINE: &str = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1";
const CANCEL_HANGZHOU: &str = "policies/examples/cancel-hangzhou.json";
const DENY_OUTSIDE_OFFICE: &str = "policies/examples/deny-outside-office.json";
const HTTPS_ONLY: &str = "policies/examples/https-only.json";
const READONLY_OPERATOR: &str = "policies/examples/readonly-operator.json";

/// `ramcheck check --policy P... --resource PIPELINE EXTRA...`
fn check(policies: &[&str], extra: &[&str]) -> Run {
    ramcheck(&args(policies, extra))
}

fn args<'a>(policies: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["check"];
    for p in policies {
        args.extend(["--policy", p]);
    }
    args.extend(["--resource", PIPELINE]);
    args.extend(extra);
    args
}

/// The one deciding statement of a JSON report, with only the fields issue 2 fixes.
fn statement_contract(report: &Value, i: usize) -> Value {
    let s = &report["statements"][i];
    json!({
        "policy": s["policy"], "index": s["index"], "sid": s["sid"], "effect": s["effect"],
        "file": s["file"], "line": s["line"], "column": s["column"],
    })
}

// Verdicts and exit statuses: 0 allowed, 1 denied (either kind).

#[test]
fn allow_exits_0() {
    let run = check(&[CANCEL_HANGZHOU], &[]);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
}

#[test]
fn explicit_deny_exits_1() {
    let run = check(
        &[CANCEL_HANGZHOU, DENY_OUTSIDE_OFFICE],
        &["--context", "acs:SourceIp=10.0.0.1"],
    );
    assert_eq!(run.status, Some(1), "{run:?}");
    assert!(
        run.first_line().starts_with("DENY (explicit deny)"),
        "{run:?}"
    );
}

#[test]
fn implicit_deny_exits_1() {
    let run = check(&["AliyunECSReadOnlyAccess"], &[]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert!(
        run.first_line().starts_with("DENY (implicit deny)"),
        "{run:?}"
    );
}

#[test]
fn deny_in_the_same_policy_exits_1() {
    let run = check(&[READONLY_OPERATOR], &[]);
    assert_eq!(run.status, Some(1), "{run:?}");
}

// The JSON contract of issue 2.

#[test]
fn json_allow_has_the_contract_fields() {
    let run = check(&[CANCEL_HANGZHOU], &["--format", "json"]);
    assert_eq!(run.status, Some(0), "{run:?}");
    let report = run.json();
    assert_eq!(report["decision"], "allow");
    assert_eq!(report["reason"], "allowed");
    assert_eq!(report["action"], "ecs:CancelImagePipelineExecution");
    assert_eq!(report["resource"], PIPELINE);
    assert_eq!(report["statements"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        statement_contract(&report, 0),
        json!({"policy": "cancel-hangzhou", "index": 0, "sid": "CancelHangzhouBuilds",
               "effect": "Allow", "file": CANCEL_HANGZHOU, "line": 4, "column": 5})
    );
}

#[test]
fn json_explicit_deny_lists_only_the_deny_statements() {
    let run = check(
        &[CANCEL_HANGZHOU, DENY_OUTSIDE_OFFICE],
        &["--context", "acs:SourceIp=10.0.0.1", "--format", "json"],
    );
    assert_eq!(run.status, Some(1), "{run:?}");
    let report = run.json();
    assert_eq!(
        (&report["decision"], &report["reason"]),
        (&json!("deny"), &json!("explicit_deny"))
    );
    assert_eq!(report["statements"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        statement_contract(&report, 0),
        json!({"policy": "deny-outside-office", "index": 0, "sid": "DenyOutsideOffice",
               "effect": "Deny", "file": DENY_OUTSIDE_OFFICE, "line": 4, "column": 5})
    );
}

#[test]
fn json_explicit_deny_in_second_statement() {
    let run = check(&[READONLY_OPERATOR], &["--format", "json"]);
    let report = run.json();
    assert_eq!(report["reason"], "explicit_deny", "{run:?}");
    assert_eq!(
        statement_contract(&report, 0),
        json!({"policy": "readonly-operator", "index": 1, "sid": "NeverCancelBuilds",
               "effect": "Deny", "file": READONLY_OPERATOR, "line": 13, "column": 5})
    );
}

#[test]
fn json_implicit_deny_has_no_statements() {
    let run = check(&[HTTPS_ONLY], &["--format", "json"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    let report = run.json();
    assert_eq!(
        (&report["decision"], &report["reason"]),
        (&json!("deny"), &json!("implicit_deny"))
    );
    assert_eq!(report["statements"], json!([]));
    // What came closest: the HTTPS-only Allow, whose condition was not met.
    assert_eq!(report["near_misses"][0]["policy"], "https-only");
    assert_eq!(report["near_misses"][0]["missed"], "condition");
    assert_eq!(
        report["near_misses"][0]["condition"],
        json!({"operator": "Bool", "key": "acs:SecureTransport", "key_absent": true,
               "policy_values": ["true"], "request_values": []})
    );
}

#[test]
fn json_null_sid_when_the_statement_has_none() {
    let run = check(&[&fixture("cancel-own.json")], &["--format", "json"]);
    assert_eq!(run.json()["statements"][0]["sid"], Value::Null, "{run:?}");
}

#[test]
fn json_matches_the_readme_example() {
    let readme = std::fs::read_to_string(crate::util::root().join("README.md")).expect("README");
    let block = readme
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a json block in the README");
    let documented: Value = serde_json::from_str(block).expect("the README's JSON parses");
    let run = check(
        &[CANCEL_HANGZHOU, DENY_OUTSIDE_OFFICE],
        &["--context", "acs:SourceIp=192.168.3.4", "--format", "json"],
    );
    assert_eq!(run.json(), documented, "{run:?}");
}

#[test]
fn file_is_null_for_a_bundled_policy() {
    let run = check(&["AliyunECSFullAccess"], &["--format", "json"]);
    assert_eq!(run.status, Some(0), "{run:?}");
    let report = run.json();
    assert_eq!(report["statements"][0]["file"], Value::Null);
    assert_eq!(report["statements"][0]["policy"], "AliyunECSFullAccess");
}

#[test]
fn administrator_access_is_bundled() {
    assert_eq!(check(&["AdministratorAccess"], &[]).status, Some(0));
}

#[test]
fn a_file_wins_over_a_bundled_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("AliyunECSFullAccess"),
        r#"{"Version": "1", "Statement": []}"#,
    )
    .expect("write");
    let run = run_in(
        dir.path(),
        &args(&["AliyunECSFullAccess"], &["--format", "json"]),
        None,
    );
    assert_eq!(run.status, Some(1), "{run:?}");
}

#[test]
fn stdin_policy_is_named_and_filed_as_dash() {
    let text = std::fs::read_to_string(crate::util::root().join(CANCEL_HANGZHOU)).expect("read");
    let run = ramcheck_stdin(&args(&["-"], &["--format", "json"]), &text);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(
        statement_contract(&run.json(), 0),
        json!({"policy": "-", "index": 0, "sid": "CancelHangzhouBuilds",
               "effect": "Allow", "file": "-", "line": 4, "column": 5})
    );
}

#[test]
fn stdin_and_files_combine() {
    let deny = r#"{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "ecs:Cancel*", "Resource": "*"}]}"#;
    let run = ramcheck_stdin(&args(&[CANCEL_HANGZHOU, "-"], &["--format", "json"]), deny);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert_eq!(run.json()["statements"][0]["file"], "-");
}

#[test]
fn policy_name_is_the_file_stem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("team.cancel-builds.json");
    std::fs::copy(crate::util::root().join(CANCEL_HANGZHOU), &path).expect("copy");
    let given = path.to_str().expect("UTF-8 path");
    let run = check(&[given], &["--format", "json"]);
    let report = run.json();
    assert_eq!(
        report["statements"][0]["policy"], "team.cancel-builds",
        "{run:?}"
    );
    assert_eq!(
        report["statements"][0]["file"], given,
        "the file is the path as given"
    );
}

#[test]
fn default_action_is_cancel_image_pipeline_execution() {
    let report = check(&[CANCEL_HANGZHOU], &["--format", "json"]).json();
    assert_eq!(report["action"], "ecs:CancelImagePipelineExecution");
}

#[test]
fn action_flag_overrides_the_default() {
    let run = check(
        &[CANCEL_HANGZHOU],
        &["--action", "ecs:DescribeImagePipelines", "--format", "json"],
    );
    assert_eq!(run.status, Some(0), "{run:?}");
    let report = run.json();
    assert_eq!(report["action"], "ecs:DescribeImagePipelines");
    assert_eq!(report["statements"][0]["sid"], "SeeBuilds");
}

#[test]
fn repeated_context_key_gives_several_values() {
    // C2: the values of a key are OR-ed, so one `prod` among them meets StringEquals.
    let tag = fixture("tag-env-prod.json");
    let run = check(
        &[&tag],
        &[
            "--context",
            "ecs:tag/env=dev",
            "--context",
            "ecs:tag/env=prod",
        ],
    );
    assert_eq!(run.status, Some(0), "{run:?}");
    let run = check(
        &[&tag],
        &[
            "--context",
            "ecs:tag/env=dev",
            "--context",
            "ecs:tag/env=test",
        ],
    );
    assert_eq!(run.status, Some(1), "{run:?}");
}

#[test]
fn repeated_context_key_does_not_meet_a_negated_operator() {
    // C4: `prod` and `dev` together do not meet `StringNotEquals ecs:tag/env "prod"`.
    let policies = ["AliyunECSFullAccess", &fixture("deny-unless-prod.json")];
    let both = check(
        &policies,
        &[
            "--context",
            "ecs:tag/env=prod",
            "--context",
            "ecs:tag/env=dev",
        ],
    );
    assert_eq!(both.status, Some(0), "{both:?}");
    let dev = check(&policies, &["--context", "ecs:tag/env=dev"]);
    assert_eq!(dev.status, Some(1), "{dev:?}");
    assert!(
        dev.first_line().starts_with("DENY (explicit deny)"),
        "{dev:?}"
    );
}

#[test]
fn current_time_can_be_given() {
    let policy = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
        "Condition": {"DateLessThan": {"acs:CurrentTime": "2019-08-12T17:00:00+08:00"}}}]}"#;
    let run = ramcheck_stdin(
        &args(
            &["-"],
            &["--context", "acs:CurrentTime=2019-08-12T08:00:00Z"],
        ),
        policy,
    );
    assert_eq!(run.status, Some(0), "{run:?}");
    // By default it is now, long after 2019.
    let run = ramcheck_stdin(&args(&["-"], &[]), policy);
    assert_eq!(run.status, Some(1), "{run:?}");
}

// Text output: the verdict first, then the deciding statements with file:line:column.

#[test]
fn text_matches_the_readme_example() {
    let readme = std::fs::read_to_string(crate::util::root().join("README.md")).expect("README");
    let command = readme
        .lines()
        .find(|l| l.starts_with("cargo run -- check"))
        .expect("the README's check command");
    let expected = readme
        .split("```text\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a text block after the command");
    let args: Vec<&str> = command.split_whitespace().skip(3).collect();
    let run = ramcheck(&args);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(run.stdout, expected, "{run:?}");
}

#[test]
fn text_allow_first_line_is_the_verdict() {
    let run = check(&[CANCEL_HANGZHOU], &[]);
    assert_eq!(
        run.first_line(),
        format!("ALLOW: ecs:CancelImagePipelineExecution on {PIPELINE}"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains(
            "policies/examples/cancel-hangzhou.json:4:5: statement 0 of `cancel-hangzhou` (Sid `CancelHangzhouBuilds`) attached directly allows it"
        ),
        "{run:?}"
    );
}

#[test]
fn text_explicit_deny_names_the_deny_statement() {
    let run = check(&[READONLY_OPERATOR], &[]);
    assert_eq!(
        run.first_line(),
        format!("DENY (explicit deny): ecs:CancelImagePipelineExecution on {PIPELINE}"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("policies/examples/readonly-operator.json:13:5: statement 1 of `readonly-operator` (Sid `NeverCancelBuilds`) attached directly denies it"),
        "{run:?}"
    );
}

#[test]
fn text_allow_quotes_the_condition_that_held() {
    let run = check(
        &[&fixture("source-ip-allow.json")],
        &["--context", "acs:SourceIp=2001:db8::7"],
    );
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(
        run.stdout
            .contains("tests/fixtures/check/source-ip-allow.json:4:5"),
        "{run:?}"
    );
    assert!(run.stdout.contains("`IpAddress acs:SourceIp`"), "{run:?}");
}

#[test]
fn text_implicit_deny_names_the_condition_not_met() {
    let run = check(
        &[&fixture("source-ip-allow.json")],
        &["--context", "acs:SourceIp=10.0.0.1"],
    );
    assert_eq!(run.status, Some(1), "{run:?}");
    assert_eq!(
        run.first_line(),
        format!("DENY (implicit deny): ecs:CancelImagePipelineExecution on {PIPELINE}"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("1 statement allows this action"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("`IpAddress acs:SourceIp` was not met"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("tests/fixtures/check/source-ip-allow.json:4:5"),
        "{run:?}"
    );
}

#[test]
fn text_implicit_deny_names_the_resource_not_matched() {
    let run = ramcheck(&[
        "check",
        "--policy",
        CANCEL_HANGZHOU,
        "--resource",
        "acs:ecs:cn-beijing:1234567890123456:imagepipeline/ip-1",
    ]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert!(
        run.stdout
            .contains("`acs:ecs:cn-hangzhou:*:imagepipeline/*`"),
        "{run:?}"
    );
}

#[test]
fn text_implicit_deny_without_any_matching_action() {
    let run = check(&["AliyunECSReadOnlyAccess"], &[]);
    assert!(
        run.stdout
            .contains("no statement allows `ecs:CancelImagePipelineExecution`"),
        "{run:?}"
    );
}

// Exit status 2: empty stdout, and stderr says what is wrong and where.

#[test]
fn broken_policy_names_file_line_and_column() {
    let run = check(&[&fixture("broken-effect.json")], &[]);
    run.assert_invalid(&[
        "tests/fixtures/check/broken-effect.json:5:17:",
        "`Effect`",
        "did you mean `Allow`?",
    ]);
}

#[test]
fn broken_policy_in_json_mode_still_prints_nothing_on_stdout() {
    let run = check(&[&fixture("broken-effect.json")], &["--format", "json"]);
    run.assert_invalid(&["tests/fixtures/check/broken-effect.json:5:17:"]);
}

#[test]
fn misspelt_condition_key_is_invalid() {
    check(&[&fixture("conditon-typo.json")], &[]).assert_invalid(&[
        "conditon-typo.json:8:7:",
        "`Conditon`",
        "did you mean `Condition`?",
    ]);
}

#[test]
fn unknown_operator_is_invalid() {
    check(&[&fixture("unknown-operator.json")], &[]).assert_invalid(&[
        "unknown-operator.json:9:9:",
        "`StringEqual`",
        "did you mean `StringEquals`?",
    ]);
}

#[test]
fn column_counts_characters_after_chinese_text() {
    check(&[&fixture("chinese-sid.json")], &[]).assert_invalid(&["chinese-sid.json:1:58:"]);
}

#[test]
fn broken_policy_after_a_good_one_is_still_invalid() {
    check(
        &["AliyunECSFullAccess", &fixture("broken-effect.json")],
        &[],
    )
    .assert_invalid(&["broken-effect.json:5:17:"]);
}

#[test]
fn broken_stdin_policy_names_dash() {
    ramcheck_stdin(
        &args(&["-"], &[]),
        "{\"Version\": \"1\",\n \"Statement\": [,]}",
    )
    .assert_invalid(&["-:2:16:"]);
}

#[test]
fn empty_stdin_is_invalid() {
    ramcheck_stdin(&args(&["-"], &[]), "").assert_invalid(&["-:1:1:", "empty"]);
}

#[test]
fn non_utf8_policy_is_invalid() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("latin1.json");
    std::fs::write(
        &path,
        b"{\"Version\": \"1\", \"Statement\": [{\"Sid\": \"caf\xe9\"}]}",
    )
    .expect("write");
    check(&[path.to_str().expect("UTF-8 path")], &[]).assert_invalid(&["latin1.json:1:", "UTF-8"]);
}

#[test]
fn missing_file_is_invalid() {
    check(&["tests/fixtures/check/no-such-policy.json"], &[])
        .assert_invalid(&["no-such-policy.json"]);
}

#[test]
fn misspelt_bundled_name_suggests_the_bundled_policy() {
    check(&["AliyunEcsFullAccess"], &[]).assert_invalid(&[
        "AliyunEcsFullAccess",
        "did you mean the bundled policy `AliyunECSFullAccess`?",
    ]);
}

#[test]
fn directory_as_policy_is_invalid() {
    check(&["tests/fixtures/check"], &[]).assert_invalid(&["tests/fixtures/check"]);
}

#[test]
fn malformed_arn_is_invalid() {
    ramcheck(&[
        "check",
        "--policy",
        CANCEL_HANGZHOU,
        "--resource",
        "imagepipeline/ip-1",
    ])
    .assert_invalid(&["--resource", "imagepipeline/ip-1", "acs:"]);
}

#[test]
fn arn_with_too_few_fields_is_invalid() {
    ramcheck(&[
        "check",
        "--policy",
        CANCEL_HANGZHOU,
        "--resource",
        "acs:ecs:cn-hangzhou:imagepipeline/ip-1",
    ])
    .assert_invalid(&["--resource"]);
}

#[test]
fn wildcard_arn_is_invalid() {
    ramcheck(&[
        "check",
        "--policy",
        CANCEL_HANGZHOU,
        "--resource",
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/*",
    ])
    .assert_invalid(&["--resource"]);
}

#[test]
fn bad_action_is_invalid() {
    check(&[CANCEL_HANGZHOU], &["--action", "ecs:Cancel*"])
        .assert_invalid(&["--action", "ecs:Cancel*"]);
}

#[test]
fn source_ip_abc_is_invalid() {
    check(&[CANCEL_HANGZHOU], &["--context", "acs:SourceIp=abc"])
        .assert_invalid(&["acs:SourceIp", "`abc`"]);
}

#[test]
fn secure_transport_yes_is_invalid() {
    check(&[HTTPS_ONLY], &["--context", "acs:SecureTransport=yes"])
        .assert_invalid(&["acs:SecureTransport", "`yes`"]);
}

#[test]
fn context_without_equals_is_invalid() {
    check(&[CANCEL_HANGZHOU], &["--context", "acs:SourceIp"]).assert_invalid(&["KEY=VALUE"]);
}

#[test]
fn uncomparable_context_value_is_invalid_and_names_the_statement() {
    check(
        &[&fixture("size-limit.json")],
        &["--context", "ecs:tag/size=big"],
    )
    .assert_invalid(&[
        "size-limit.json:4:5:",
        "NumericLessThan ecs:tag/size",
        "`big`",
    ]);
}

#[test]
fn uncomparable_value_is_invalid_even_when_another_policy_allows() {
    check(
        &["AdministratorAccess", &fixture("size-limit.json")],
        &["--context", "ecs:tag/size=big"],
    )
    .assert_invalid(&["size-limit.json:4:5:"]);
}

#[test]
fn uncomparable_value_of_a_statement_that_does_not_match_is_ignored() {
    let run = check(
        &[&fixture("size-limit.json")],
        &[
            "--action",
            "ecs:DescribeImages",
            "--context",
            "ecs:tag/size=big",
        ],
    );
    assert_eq!(run.status, Some(1), "{run:?}");
}

#[test]
fn missing_resource_is_bad_usage() {
    ramcheck(&["check", "--policy", CANCEL_HANGZHOU]).assert_invalid(&["--resource"]);
}

#[test]
fn missing_policy_is_bad_usage() {
    ramcheck(&["check", "--resource", PIPELINE]).assert_invalid(&["--policy"]);
}

#[test]
fn unknown_format_is_bad_usage() {
    check(&[CANCEL_HANGZHOU], &["--format", "yaml"]).assert_invalid(&["yaml"]);
}

#[test]
fn unknown_flag_is_bad_usage() {
    check(&[CANCEL_HANGZHOU], &["--no-such-flag"]).assert_invalid(&["--no-such-flag"]);
}

#[test]
fn no_command_is_bad_usage() {
    let run = ramcheck(&[]);
    assert_eq!(run.status, Some(2), "{run:?}");
    assert_eq!(run.stdout, "", "{run:?}");
}

#[test]
fn stdin_twice_is_bad_usage() {
    ramcheck_stdin(&args(&["-", "-"], &[]), "{}").assert_invalid(&["`--policy -`"]);
}

#[test]
fn help_is_not_an_error() {
    let run = ramcheck(&["check", "--help"]);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(run.stdout.contains("--resource"), "{run:?}");
}
