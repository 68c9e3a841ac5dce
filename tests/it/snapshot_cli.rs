//! `ramcheck snapshot` through the real binary: the canonical snapshot of any account source,
//! idempotent byte for byte and deciding as its input does; the source flags of `snapshot`,
//! `check` and `who-can` (a flag the input's format does not use is a warning); policies
//! given with their `origin`, printed beside the statement; trust policies linted wherever
//! they are found (item 6 of issue 20).

use std::path::Path;

use serde_json::Value;

use crate::util::{ramcheck, write_file};

const ACCOUNT: &str = "policies/example-account.json";
const TERRAFORM: &str = "policies/examples/terraform-plan.json";
const ROS: &str = "policies/examples/ros-template.yaml";

fn pipeline(id: &str) -> String {
    format!("acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/{id}")
}

/// `ramcheck snapshot INPUT` that succeeds: its stdout.
fn snapshot(input: &str) -> String {
    snapshot_with(input, &[])
}

/// `ramcheck snapshot INPUT FLAGS...` that succeeds: its stdout.
fn snapshot_with(input: &str, flags: &[&str]) -> String {
    let mut args = vec!["snapshot", input];
    args.extend_from_slice(flags);
    let run = ramcheck(&args);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(run.stderr, "", "{run:?}");
    run.stdout
}

/// The decision, reason and stage of `check --account FILE` for a principal and resource.
fn decide(account: &str, principal: &str, resource: &str) -> (Value, Value, Value) {
    let run = ramcheck(&[
        "check",
        "--account",
        account,
        "--principal",
        principal,
        "--resource",
        resource,
        "--format",
        "json",
    ]);
    let v = run.json();
    (
        v["decision"].clone(),
        v["reason"].clone(),
        v["stage"].clone(),
    )
}

#[test]
fn snapshot_of_the_example_is_canonical_and_stands_alone() {
    let text = snapshot(ACCOUNT);
    let value: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        ramcheck::source::canonical(&value),
        text,
        "keys sorted, two spaces"
    );
    assert!(text.ends_with("}\n") && text.starts_with("{\n  \"account_id\""));
    // The path `examples/cancel-hangzhou.json` is now its document.
    let inlined = &value["policies"]["CancelHangzhou"];
    assert_eq!(
        inlined["Statement"][0]["Sid"], "CancelHangzhouBuilds",
        "{inlined}"
    );
}

#[test]
fn snapshot_of_its_own_output_is_the_same_bytes_and_decides_the_same() {
    let first = snapshot(ACCOUNT);
    let dir = tempfile::tempdir().expect("temp dir");
    // Elsewhere than the original's folder: the output names no file of its own.
    let copy = write_file(dir.path(), "copy/account.json", &first);
    let copy = copy.to_str().expect("UTF-8 path");
    assert_eq!(snapshot(copy), first);
    for (principal, id) in [
        ("user/alice", "ip-1"),
        ("user/bob", "ip-prod-1"),
        ("user/carol", "ip-dev-1"),
        ("user/carol", "ip-1"),
        ("role/deployer", "ip-1"),
        ("root", "ip-1"),
    ] {
        let resource = pipeline(id);
        assert_eq!(
            decide(ACCOUNT, principal, &resource),
            decide(copy, principal, &resource),
            "{principal} on {id}"
        );
    }
}

#[test]
fn snapshot_reads_standard_input() {
    let first = snapshot(ACCOUNT);
    let run = crate::util::ramcheck_stdin(&["snapshot", "-"], &first);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(run.stdout, first);
}

#[test]
fn snapshot_of_bad_input_exits_2_with_the_place() {
    ramcheck(&["snapshot", "no/such/account.json"]).assert_invalid(&["no/such/account.json"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = write_file(
        dir.path(),
        "bad.json",
        "{\"account_id\": \"1234567890123456\",\n \"user\": {}}\n",
    );
    ramcheck(&["snapshot", bad.to_str().expect("path")]).assert_invalid(&[
        "bad.json:2:2",
        "unknown key `user`",
        "did you mean `users`?",
    ]);
    ramcheck(&["snapshot", ACCOUNT, "--max-file-size", "100"])
        .assert_invalid(&["larger than the limit of 100 bytes", "--max-file-size"]);
}

#[test]
fn bad_source_flags_exit_2() {
    ramcheck(&["snapshot", ACCOUNT, "--account-id", "prod"])
        .assert_invalid(&["--account-id", "`prod`"]);
    ramcheck(&["snapshot", ACCOUNT, "--parameter", "Env"]).assert_invalid(&[
        "--parameter",
        "KEY=VALUE",
        "`Env`",
    ]);
    ramcheck(&[
        "snapshot",
        ACCOUNT,
        "--parameter",
        "A=1",
        "--parameter",
        "A=2",
    ])
    .assert_invalid(&["`A` is given twice"]);
    ramcheck(&["snapshot", ACCOUNT, "--plan-side", "middle"]).assert_invalid(&["middle"]);
}

#[test]
fn a_source_flag_the_format_does_not_use_is_a_warning() {
    let run = ramcheck(&[
        "snapshot",
        ACCOUNT,
        "--plan-side",
        "before",
        "--parameter",
        "Env=prod",
        "--account-id",
        "1234567890123456",
    ]);
    assert_eq!(run.status, Some(0), "{run:?}");
    for needle in ["`--plan-side`", "`--parameter`", "`--account-id`"] {
        assert!(
            run.stderr
                .contains(&format!("warning[unused-source-flag]: {needle}")),
            "{needle}{run:?}"
        );
    }
    assert_eq!(
        run.stdout,
        snapshot(ACCOUNT),
        "the warning changes nothing else"
    );
    // `check` and `who-can` take the same flags and warn the same way.
    let alice = ["--principal", "user/alice"];
    let check = [
        &["check", "--account", ACCOUNT, "--plan-side", "after"][..],
        &alice,
    ]
    .concat();
    warns(&check, "`--plan-side` is for Terraform plans");
    warns(
        &["who-can", "--account", ACCOUNT, "--parameter", "Env=prod"],
        "`--parameter` is for ROS templates",
    );
}

/// Runs `ARGS --resource <a pipeline>`, which succeeds with `warning` on stderr.
fn warns(args: &[&str], warning: &str) {
    let resource = pipeline("ip-1");
    let run = ramcheck(&[args, &["--resource", &resource][..]].concat());
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(run.stderr.contains(warning), "{run:?}");
}

/// An account whose policy carries the origin a Terraform translation gives it.
fn account_with_origin(dir: &Path, origin: &str) -> String {
    let text = format!(
        r#"{{
  "account_id": "1234567890123456",
  "policies": {{
    "CancelProd": {{
      "document": {{"Version": "1", "Statement": [{{"Effect": "Allow",
        "Action": "ecs:CancelImagePipelineExecution", "Resource": "*"}}]}},
      "origin": {origin}
    }}
  }},
  "users": {{"ci": {{"policies": ["CancelProd"]}}}}
}}
"#
    );
    let path = write_file(dir, "origin.json", &text);
    path.to_str().expect("UTF-8 path").to_owned()
}

const ORIGIN: &str = r#"{"file": "plan.json", "address": "module.iam.alicloud_ram_policy.cancel[\"prod\"]", "line": 40, "column": 7}"#;

#[test]
fn an_origin_is_printed_beside_the_statement() {
    let dir = tempfile::tempdir().expect("temp dir");
    let account = account_with_origin(dir.path(), ORIGIN);
    let args = [
        "check",
        "--account",
        &account,
        "--principal",
        "user/ci",
        "--resource",
        &pipeline("ip-1"),
    ];
    let run = ramcheck(&args);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(
        run.stdout.contains(
            r#"origin.json:5:50 (from `module.iam.alicloud_ram_policy.cancel["prod"]` at plan.json:40:7): statement 0 of `CancelProd` attached to user `ci` allows it"#
        ),
        "{run:?}"
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let v = ramcheck(&json_args).json();
    let statement = &v["statements"][0];
    assert_eq!(statement["line"], 5);
    assert_eq!(
        statement["origin"],
        serde_json::json!({"file": "plan.json", "address": "module.iam.alicloud_ram_policy.cancel[\"prod\"]", "line": 40, "column": 7})
    );
    // Without an origin, no `origin` key: the field is additive.
    let v = ramcheck(&[
        "check",
        "--account",
        ACCOUNT,
        "--principal",
        "user/alice",
        "--resource",
        &pipeline("ip-1"),
        "--format",
        "json",
    ])
    .json();
    assert!(v["statements"][0].get("origin").is_none(), "{v}");
    // `snapshot` keeps the origin.
    let text = snapshot(&account);
    let value: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(value["policies"]["CancelProd"]["origin"]["line"], 40);
}

#[test]
fn an_origin_may_give_only_some_members() {
    let dir = tempfile::tempdir().expect("temp dir");
    let account = account_with_origin(dir.path(), r#"{"address": "Deployer"}"#);
    let run = ramcheck(&[
        "who-can",
        "--account",
        &account,
        "--resource",
        &pipeline("ip-1"),
    ]);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(
        run.stdout.contains("origin.json:5:50 (from `Deployer`)"),
        "{run:?}"
    );
}

#[test]
fn a_bad_origin_is_invalid_input_at_its_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            r#"{"adress": "x"}"#,
            vec![
                "origin.json:7:18",
                "unknown key `adress` in `origin`",
                "did you mean `address`?",
            ],
        ),
        (
            r#"{"line": 0}"#,
            vec![
                "origin.json:7:26",
                "`origin.line` must be a whole number from 1, found `0`",
            ],
        ),
        (
            r#"{"column": "7"}"#,
            vec!["`origin.column` must be a whole number from 1, found a string"],
        ),
        (r#"{"file": 3}"#, vec!["`origin.file` must be a string"]),
        (r#"[]"#, vec!["`origin` must be an object, found an array"]),
    ];
    for (origin, needles) in cases {
        let account = account_with_origin(dir.path(), origin);
        ramcheck(&["snapshot", &account]).assert_invalid(&needles);
    }
    // A wrapper key misspelt, and a wrapper without its document.
    let text = r#"{"account_id": "1234567890123456", "policies": {
  "P": {"document": {"Version": "1", "Statement": []}, "orign": {}},
  "Q": {"origin": {"address": "x"}}}}"#;
    let path = write_file(dir.path(), "wrapper.json", text);
    let path = path.to_str().expect("path");
    ramcheck(&["snapshot", path]).assert_invalid(&[
        "wrapper.json:2:56",
        "unknown key `orign` in policy `P`",
        "did you mean `origin`?",
    ]);
    let text = text.replace("\"orign\"", "\"origin\"");
    let path = write_file(dir.path(), "wrapper.json", &text);
    ramcheck(&["snapshot", path.to_str().expect("path")]).assert_invalid(&[
        "wrapper.json:3:8",
        "policy `Q` has an `origin` but no `document`",
    ]);
}

#[test]
fn a_document_given_with_its_origin_may_be_a_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(
        dir.path(),
        "docs/cancel.json",
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution", "Resource": "*"}]}"#,
    );
    let account = write_file(
        dir.path(),
        "account.json",
        r#"{"account_id": "1234567890123456",
 "policies": {"Cancel": {"document": "docs/cancel.json", "origin": {"address": "CancelPolicy"}}},
 "users": {"ci": {"policies": ["Cancel"]}}}"#,
    );
    let account = account.to_str().expect("path");
    let run = ramcheck(&[
        "check",
        "--account",
        account,
        "--principal",
        "user/ci",
        "--resource",
        &pipeline("ip-1"),
    ]);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(
        run.stdout
            .contains("cancel.json:1:32 (from `CancelPolicy`)"),
        "{run:?}"
    );
    // The snapshot inlines it and keeps the origin.
    let value: Value = serde_json::from_str(&snapshot(account)).expect("JSON");
    let entry = &value["policies"]["Cancel"];
    assert_eq!(
        entry["document"]["Statement"][0]["Effect"], "Allow",
        "{entry}"
    );
    assert_eq!(entry["origin"]["address"], "CancelPolicy");
}

#[test]
fn lint_checks_trust_policies_of_an_account_snapshot_where_they_stand() {
    let dir = tempfile::tempdir().expect("temp dir");
    let account = write_file(
        dir.path(),
        "account.json",
        r#"{"account_id": "1234567890123456",
 "roles": {"deployer": {"policies": [],
   "trust_policy": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": "*"}]}}}}
"#,
    );
    let run = ramcheck(&["lint", account.to_str().expect("path"), "--format", "json"]);
    let v = run.json();
    let finding = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "trust-any-principal")
        .unwrap_or_else(|| panic!("no trust-any-principal{run:?}"));
    assert_eq!(
        (finding["line"].clone(), finding["column"].clone()),
        (3.into(), 112.into()),
        "{finding}"
    );
}

#[test]
fn lint_checks_the_assume_role_policy_document_of_a_ros_template() {
    let dir = tempfile::tempdir().expect("temp dir");
    let template = write_file(
        dir.path(),
        "template.json",
        r#"{"ROSTemplateFormatVersion": "2015-09-01",
 "Resources": {
  "Deployer": {"Type": "ALIYUN::RAM::Role", "Properties": {"RoleName": "deployer",
   "AssumeRolePolicyDocument": {"Version": "1", "Statement": [
     {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": ["acs:ram::*:root"]}}]}}}}}
"#,
    );
    let run = ramcheck(&["lint", template.to_str().expect("path"), "--format", "json"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    let v = run.json();
    let finding = &v["findings"][0];
    assert_eq!(finding["rule"], "trust-any-principal", "{run:?}");
    assert_eq!(
        (finding["line"].clone(), finding["column"].clone()),
        (5.into(), 76.into()),
        "{finding}"
    );
}

/// The README's examples: one setup as a Terraform plan and as a ROS template, answering the
/// same questions.
#[test]
fn the_terraform_and_ros_examples_snapshot_and_decide_alike() {
    // A ROS template does not say which account it describes; a plan does.
    for (input, flags) in [
        (TERRAFORM, &[][..]),
        (ROS, &["--account-id", "1234567890123456"][..]),
    ] {
        let first = snapshot_with(input, flags);
        let dir = tempfile::tempdir().expect("temp dir");
        let copy = write_file(dir.path(), "snapshot.json", &first);
        let copy = copy.to_str().expect("path");
        assert_eq!(snapshot(copy), first, "{input}");
        for (principal, action, resource) in [
            (
                "user/ci-runner",
                "sts:AssumeRole",
                "acs:ram::1234567890123456:role/deployer".to_owned(),
            ),
            (
                "user/ci-runner",
                "ecs:CancelImagePipelineExecution",
                pipeline("ip-prod-app"),
            ),
            (
                "assumed-role/deployer/ci-42",
                "ecs:CancelImagePipelineExecution",
                pipeline("ip-prod-app"),
            ),
        ] {
            let run = |account: &str, flags: &[&str]| {
                let mut args = vec![
                    "check",
                    "--account",
                    account,
                    "--principal",
                    principal,
                    "--action",
                    action,
                    "--resource",
                    &resource,
                    "--format",
                    "json",
                ];
                args.extend_from_slice(flags);
                let v = ramcheck(&args).json();
                (v["decision"].clone(), v["stage"].clone())
            };
            assert_eq!(
                run(input, flags),
                run(copy, &[]),
                "{input}: {principal} {action}"
            );
        }
    }
}

/// Every README command on the Terraform and ROS examples runs (decides, or prints the
/// snapshot), never an input error.
#[test]
fn the_readme_commands_on_the_examples_run() {
    let readme = std::fs::read_to_string(crate::util::root().join("README.md")).expect("README");
    let commands: Vec<&str> = readme
        .lines()
        .filter(|l| l.starts_with("cargo run -- ") && (l.contains(TERRAFORM) || l.contains(ROS)))
        .collect();
    assert_eq!(commands.len(), 8, "{commands:?}");
    for command in commands {
        // A pattern is quoted for the shell.
        let args: Vec<&str> = command
            .split_whitespace()
            .skip(3)
            .map(|a| a.trim_matches('\''))
            .collect();
        let run = ramcheck(&args);
        // The replays of a witness must allow; the other commands decide either way.
        if replay_section(&readme).contains(command) {
            assert_eq!(run.status, Some(0), "{command}{run:?}");
        } else {
            assert!(matches!(run.status, Some(0 | 1)), "{command}{run:?}");
        }
    }
}

/// The README's paragraph "Every witness replays", up to the next section.
fn replay_section(readme: &str) -> &str {
    let (_, section) = readme
        .split_once("**Every witness replays**")
        .expect("the README's replay paragraph");
    section.split_once("\n### ").map_or(section, |(s, _)| s)
}

/// The README's witness of the shipped plan (A3, T5): `who-can` still reports the quoted
/// resource for `user/ci-runner` through `role/deployer`, and the README's `check` commands
/// replaying it, the hop's AssumeRole and the last role's request, both allow (exit 0).
#[test]
fn a3_the_readme_witness_of_the_plan_is_reported_and_replays_as_allowed() {
    let readme = std::fs::read_to_string(crate::util::root().join("README.md")).expect("README");
    let section = replay_section(&readme);
    let (_, quoted) = section
        .split_once("{\"resource\":")
        .expect("a quoted witness");
    let quoted = quoted
        .trim_start()
        .strip_prefix('"')
        .and_then(|q| q.split('"').next())
        .expect("a quoted resource");
    let v = ramcheck(&[
        "who-can",
        "--account",
        TERRAFORM,
        "--resource",
        "acs:ecs:cn-*:1234567890123456:imagepipeline/*",
        "--format",
        "json",
    ])
    .json();
    let runner = v["principals"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|p| p["principal"] == "acs:ram::1234567890123456:user/ci-runner")
        })
        .unwrap_or_else(|| panic!("no user/ci-runner: {v}"));
    assert_eq!(runner["witness"]["resource"], quoted, "{runner}");
    assert_eq!(
        runner["witness"]["context"],
        serde_json::json!({}),
        "{runner}"
    );
    assert_eq!(
        runner["via"][0]["assume"], "acs:ram::1234567890123456:role/deployer",
        "{runner}"
    );
    assert_eq!(runner["via"].as_array().map(Vec::len), Some(1), "{runner}");
    let commands: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("cargo run -- check "))
        .collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert!(
        commands[0].contains("--principal user/ci-runner --action sts:AssumeRole --resource acs:ram::1234567890123456:role/deployer"),
        "{commands:?}"
    );
    assert!(
        commands[1].contains(&format!("--principal role/deployer --resource {quoted}")),
        "{commands:?}"
    );
    for command in commands {
        let args: Vec<&str> = command.split_whitespace().skip(3).collect();
        let run = ramcheck(&args);
        assert_eq!(run.status, Some(0), "{command}{run:?}");
    }
}

/// A Terraform value known only after apply that no reference of the plan resolves: exit 2,
/// naming the resource address and attribute at its place in the plan, never guessed.
#[test]
fn terraform_value_unknown_until_apply_is_exit_2_naming_the_address() {
    let plan = r#"{"format_version": "1.2", "terraform_version": "1.6.0",
 "planned_values": {"root_module": {"resources": [
   {"address": "alicloud_ram_policy.cancel", "mode": "managed", "type": "alicloud_ram_policy",
    "name": "cancel", "values": {"policy_name": "Cancel"}}]}},
 "resource_changes": [
   {"address": "alicloud_ram_policy.cancel", "mode": "managed", "type": "alicloud_ram_policy",
    "name": "cancel", "change": {"actions": ["create"], "before": null,
    "after": {"policy_name": "Cancel"}, "after_unknown": {"policy_document": true}}}],
 "configuration": {"root_module": {"resources": [
   {"address": "alicloud_ram_policy.cancel", "mode": "managed", "type": "alicloud_ram_policy",
    "name": "cancel", "expressions": {"policy_name": {"constant_value": "Cancel"},
    "policy_document": {"references": ["var.document"]}}}]}}}"#;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_file(dir.path(), "plan.json", plan);
    let path = path.to_str().expect("path");
    for args in [
        vec!["snapshot", path, "--account-id", "1234567890123456"],
        vec![
            "check",
            "--account",
            path,
            "--account-id",
            "1234567890123456",
            "--principal",
            "user/ci",
            "--resource",
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
        ],
    ] {
        let run = ramcheck(&args);
        assert_eq!(run.status, Some(2), "{run:?}");
        assert!(
            run.stderr.contains("plan.json:8:78:")
                && run
                    .stderr
                    .contains("`alicloud_ram_policy.cancel` attribute `policy_document`")
                && run.stderr.contains("var.document"),
            "{run:?}"
        );
    }
}

/// A ROS intrinsic ramcheck does not evaluate, in a place that matters (a role's name): exit 2,
/// naming the logical id and property at the template's line and column.
#[test]
fn ros_function_not_evaluated_is_exit_2_naming_the_logical_id() {
    let template = "ROSTemplateFormatVersion: '2015-09-01'
Resources:
  Deployer:
    Type: ALIYUN::RAM::Role
    Properties:
      RoleName:
        Fn::Select: [0, [deployer, other]]
      AssumeRolePolicyDocument:
        Version: '1'
        Statement:
          - Effect: Allow
            Action: sts:AssumeRole
            Principal:
              RAM: ['acs:ram::1234567890123456:root']
";
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_file(dir.path(), "template.yaml", template);
    let run = ramcheck(&[
        "snapshot",
        path.to_str().expect("path"),
        "--account-id",
        "1234567890123456",
    ]);
    assert_eq!(run.status, Some(2), "{run:?}");
    assert!(
        run.stderr.contains("template.yaml:7:9:")
            && run.stderr.contains("`Deployer` property `RoleName`")
            && run.stderr.contains("Fn::Select"),
        "{run:?}"
    );
}
