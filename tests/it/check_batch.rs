//! `ramcheck check` in batches, through the real binary: repeated `--action` and `--resource`
//! (their cross product), `--requests FILE` (JSON lines or one array), the JSON-lines and
//! `json-array` outputs, exit statuses, positioned errors with nothing on stdout; and
//! `check --policy` on the wrapped inputs lint reads (GetPolicy output, Terraform plans).

use serde_json::Value;

use crate::util::{ramcheck, ramcheck_stdin, write_file, Run};

const CANCEL_HANGZHOU: &str = "policies/examples/cancel-hangzhou.json";
const ACCOUNT: &str = "policies/example-account.json";
const HANGZHOU_1: &str = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1";
const BEIJING_2: &str = "acs:ecs:cn-beijing:1234567890123456:imagepipeline/ip-2";
const PROD: &str = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-prod-1";
const DESCRIBE: &str = "ecs:DescribeImagePipelines";
const CANCEL: &str = "ecs:CancelImagePipelineExecution";

/// Every line of stdout as a JSON object.
fn json_lines(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line: {e}: {line}{run:?}"))
        })
        .collect()
}

/// The single-request `check --format json` object of `action` on `resource`, with the
/// batch's `request` index added: what each line of a batch must be.
fn single(policy_args: &[&str], action: &str, resource: &str, index: usize) -> Value {
    let mut args = vec!["check"];
    args.extend(policy_args);
    args.extend([
        "--action",
        action,
        "--resource",
        resource,
        "--format",
        "json",
    ]);
    let mut value = ramcheck(&args).json();
    value["request"] = Value::from(index);
    value
}

#[test]
fn the_cross_product_is_decided_actions_outer_resources_inner() {
    let policy = ["--policy", CANCEL_HANGZHOU];
    let run = ramcheck(&[
        "check",
        "--policy",
        CANCEL_HANGZHOU,
        "--action",
        CANCEL,
        "--action",
        DESCRIBE,
        "--resource",
        HANGZHOU_1,
        "--resource",
        BEIJING_2,
        "--format",
        "json",
    ]);
    // One denial (Cancel in Beijing) makes the batch exit 1.
    assert_eq!(run.status, Some(1), "{run:?}");
    let expected: Vec<Value> = [
        (CANCEL, HANGZHOU_1),
        (CANCEL, BEIJING_2),
        (DESCRIBE, HANGZHOU_1),
        (DESCRIBE, BEIJING_2),
    ]
    .iter()
    .enumerate()
    .map(|(i, (action, resource))| single(&policy, action, resource, i))
    .collect();
    assert_eq!(json_lines(&run), expected);
}

#[test]
fn a_batch_where_everything_is_allowed_exits_0() {
    let run = ramcheck(&[
        "check",
        "--policy",
        CANCEL_HANGZHOU,
        "--action",
        DESCRIBE,
        "--resource",
        HANGZHOU_1,
        "--resource",
        BEIJING_2,
    ]);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(run.stdout.starts_with("request 0:\nALLOW: "), "{run:?}");
    assert!(run.stdout.contains("\n\nrequest 1:\nALLOW: "), "{run:?}");
    assert!(
        run.stdout.ends_with("\n2 requests: 2 allowed, 0 denied\n"),
        "{run:?}"
    );
}

#[test]
fn one_request_keeps_the_single_output_and_a_batch_wraps_it() {
    // `--action` and `--resource` once each: the single request's output, no index; the same
    // request as a batch of one is that output under `request 0:`, and a count.
    let flags = [
        "check",
        "--policy",
        CANCEL_HANGZHOU,
        "--resource",
        BEIJING_2,
    ];
    let single = ramcheck(&flags);
    assert_eq!(single.status, Some(1), "{single:?}");
    assert!(
        single.stdout.starts_with("DENY (implicit deny): "),
        "{single:?}"
    );
    let wrapped = batch("text", &format!("{{\"resource\": \"{BEIJING_2}\"}}"));
    assert_eq!(wrapped.status, Some(1), "{wrapped:?}");
    assert_eq!(
        wrapped.stdout,
        format!(
            "request 0:\n{}\n1 request: 0 allowed, 1 denied\n",
            single.stdout
        )
    );
    let mut json = flags.to_vec();
    json.extend(["--format", "json"]);
    assert!(ramcheck(&json).json().get("request").is_none());
}

/// `check --policy CANCEL_HANGZHOU --requests - --format FORMAT` with `input` on standard input.
fn batch(format: &str, input: &str) -> Run {
    ramcheck_stdin(
        &[
            "check",
            "--policy",
            CANCEL_HANGZHOU,
            "--requests",
            "-",
            "--format",
            format,
        ],
        input,
    )
}

/// `check --policy CANCEL_HANGZHOU --resource HANGZHOU_1 --resource BEIJING_2 --format FORMAT`.
fn two_resources(format: &str) -> Run {
    ramcheck(&[
        "check",
        "--policy",
        CANCEL_HANGZHOU,
        "--resource",
        HANGZHOU_1,
        "--resource",
        BEIJING_2,
        "--format",
        format,
    ])
}

#[test]
fn json_array_is_one_array_of_the_same_objects() {
    let lines = two_resources("json");
    let array = two_resources("json-array");
    assert_eq!(array.status, lines.status);
    assert_eq!(array.stdout.matches('\n').count(), 1, "{array:?}");
    let value: Value = serde_json::from_str(&array.stdout).expect("one JSON array");
    assert_eq!(value, Value::Array(json_lines(&lines)));
    // A single request is an array of one.
    let one = ramcheck(&[
        "check",
        "--policy",
        CANCEL_HANGZHOU,
        "--resource",
        HANGZHOU_1,
        "--format",
        "json-array",
    ]);
    let value: Value = serde_json::from_str(&one.stdout).expect("one JSON array");
    assert_eq!(value[0]["request"], 0);
    assert_eq!(value.as_array().map(Vec::len), Some(1));
}

#[test]
fn requests_as_json_lines_decide_each_principal_of_the_account() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_file(
        dir.path(),
        "requests.jsonl",
        &format!(
            "{{\"resource\": \"{HANGZHOU_1}\", \"principal\": \"user/alice\"}}\n\
             {{\"resource\": \"{PROD}\", \"principal\": \"user/bob\"}}\n\
             \n\
             {{\"action\": \"{DESCRIBE}\", \"resource\": \"{HANGZHOU_1}\", \"principal\": \"user/carol\",\n  \"context\": {{\"acs:SourceIp\": [\"10.0.0.1\"]}}}}\n"
        ),
    );
    let file = file.display().to_string();
    let run = ramcheck(&[
        "check",
        "--account",
        ACCOUNT,
        "--requests",
        &file,
        "--format",
        "json",
    ]);
    assert_eq!(run.status, Some(1), "{run:?}");
    let lines = json_lines(&run);
    let account = ["--account", ACCOUNT, "--principal"];
    let expected = [
        ("user/alice", CANCEL, HANGZHOU_1, &[][..]),
        ("user/bob", CANCEL, PROD, &[][..]),
        (
            "user/carol",
            DESCRIBE,
            HANGZHOU_1,
            &["--context", "acs:SourceIp=10.0.0.1"][..],
        ),
    ];
    assert_eq!(lines.len(), expected.len(), "{run:?}");
    for (i, (principal, action, resource, extra)) in expected.iter().enumerate() {
        let mut args = account.to_vec();
        args.push(principal);
        args.extend(*extra);
        let want = single(&args, action, resource, i);
        assert_eq!(lines[i], want, "request {i}");
    }
    assert_eq!(lines[1]["reason"], "explicit_deny");
}

#[test]
fn requests_as_an_array_from_standard_input() {
    let input = format!(
        "[\n  {{\"resource\": \"{HANGZHOU_1}\"}},\n  {{\"resource\": \"{BEIJING_2}\", \"action\": \"{DESCRIBE}\"}}\n]"
    );
    let run = batch("json-array", &input);
    assert_eq!(run.status, Some(0), "{run:?}");
    let value: Value = serde_json::from_str(&run.stdout).expect("array");
    let policy = ["--policy", CANCEL_HANGZHOU];
    assert_eq!(
        value,
        Value::Array(vec![
            single(&policy, CANCEL, HANGZHOU_1, 0),
            single(&policy, DESCRIBE, BEIJING_2, 1),
        ])
    );
}

#[test]
fn a_requests_file_of_one_request_is_still_a_batch() {
    let run = batch("json", &format!("{{\"resource\": \"{HANGZHOU_1}\"}}"));
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(run.json()["request"], 0);
}

#[test]
fn requests_take_the_principal_flag_when_they_name_none() {
    let run = ramcheck_stdin(
        &[
            "check", "--account", ACCOUNT, "--principal", "user/bob", "--requests", "-",
            "--format", "json",
        ],
        &format!(
            "{{\"resource\": \"{PROD}\"}}\n{{\"resource\": \"{PROD}\", \"principal\": \"user/alice\"}}"
        ),
    );
    let lines = json_lines(&run);
    assert_eq!(lines[0]["principal"], "acs:ram::1234567890123456:user/bob");
    assert_eq!(lines[0]["reason"], "explicit_deny");
    assert_eq!(
        lines[1]["principal"],
        "acs:ram::1234567890123456:user/alice"
    );
}

#[test]
fn any_invalid_request_fails_the_batch_with_its_place_and_prints_nothing() {
    let good = format!("{{\"resource\": \"{HANGZHOU_1}\"}}");
    for (input, needles) in [
        (
            format!("{good}\n  {{\"resource\": \"acs:ecs\"}}"),
            &["-:2:3: request 1", "`resource`"][..],
        ),
        (
            format!("{good}\n{{\"resource\": \"{HANGZHOU_1}\", \"actoin\": \"x\"}}"),
            &["-:2:", "unknown field `actoin`", "help:"][..],
        ),
        (
            format!("[{good},\n {{\"resource\": \"{HANGZHOU_1}\", \"context\": {{\"acs:SourceIp\": \"abc\"}}}}]"),
            &["-:2:2: request 1", "`context`", "abc"][..],
        ),
        (format!("[{good},]"), &["-:1:", "trailing comma"][..]),
        (String::new(), &["holds no request"][..]),
        (
            format!("{{\"resource\": \"{HANGZHOU_1}\", \"principal\": \"user/alice\"}}"),
            &["request 0", "`principal` is only valid with `--account`"][..],
        ),
    ] {
        ramcheck_stdin(&["check", "--policy", CANCEL_HANGZHOU, "--requests", "-"], &input)
            .assert_invalid(needles);
    }
}

#[test]
fn an_evaluation_error_in_any_request_prints_nothing() {
    // The second request compares `big` with a number (E6): no answer is printed, not even
    // the first one's.
    let input = format!(
        "{{\"resource\": \"{HANGZHOU_1}\"}}\n{{\"resource\": \"{HANGZHOU_1}\", \"context\": {{\"ecs:tag/size\": \"big\"}}}}"
    );
    ramcheck_stdin(
        &[
            "check",
            "--policy",
            "tests/fixtures/check/size-limit.json",
            "--requests",
            "-",
        ],
        &input,
    )
    .assert_invalid(&["-:2:1: request 1", "size-limit.json:4:5"]);
}

/// Cancel and a misspelt Cancel (`unknown-action`) on one resource, with `extra` flags.
fn with_a_typo(extra: &[&str]) -> Run {
    let mut args = vec![
        "check",
        "--policy",
        CANCEL_HANGZHOU,
        "--resource",
        HANGZHOU_1,
    ];
    args.extend([
        "--action",
        CANCEL,
        "--action",
        "ecs:CancelImagePipelineExecutions",
    ]);
    args.extend(extra);
    ramcheck(&args)
}

#[test]
fn strict_refuses_the_batch_naming_the_request_that_draws_a_warning() {
    with_a_typo(&["--strict"]).assert_invalid(&[
        "request 1 (`ecs:CancelImagePipelineExecutions` on",
        "unknown-action",
    ]);
}

#[test]
fn warnings_of_a_text_batch_name_their_request() {
    let run = with_a_typo(&[]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert!(
        run.stderr.contains("warning[unknown-action]: request 1: "),
        "{run:?}"
    );
    assert!(!run.stderr.contains("request 0:"), "{run:?}");
}

#[test]
fn requests_exclude_the_request_flags() {
    for flag in [
        ["--resource", HANGZHOU_1],
        ["--action", CANCEL],
        ["--context", "a=b"],
    ] {
        let mut args = vec!["check", "--policy", CANCEL_HANGZHOU, "--requests", "-"];
        args.extend(flag);
        ramcheck_stdin(&args, "")
            .assert_invalid(&[flag[0], "cannot be combined with `--requests`"]);
    }
    ramcheck_stdin(&["check", "--policy", "-", "--requests", "-"], "")
        .assert_invalid(&["standard input"]);
}

#[test]
fn a_request_without_a_principal_needs_the_flag() {
    ramcheck_stdin(
        &["check", "--account", ACCOUNT, "--requests", "-"],
        &format!("{{\"resource\": \"{HANGZHOU_1}\", \"principal\": \"user/alice\"}}\n{{\"resource\": \"{HANGZHOU_1}\"}}"),
    )
    .assert_invalid(&["-:2:1: request 1", "names no `principal`"]);
}

#[test]
fn a_too_large_cross_product_is_refused() {
    let resources: Vec<String> = (0..400)
        .map(|i| format!("acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-{i}"))
        .collect();
    let actions: Vec<String> = (0..300).map(|i| format!("ecs:Action{i}")).collect();
    let mut args = vec!["check", "--policy", CANCEL_HANGZHOU];
    for r in &resources {
        args.extend(["--resource", r]);
    }
    for a in &actions {
        args.extend(["--action", a]);
    }
    ramcheck(&args).assert_invalid(&["120000 requests", "100000"]);
}

// `check --policy` on wrapped inputs.

#[test]
fn get_policy_output_is_decided_as_its_document() {
    let run = ramcheck(&[
        "check",
        "--policy",
        "tests/fixtures/lint-inputs/get-policy.json",
        "--resource",
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipelineexecution/exec-1",
        "--format",
        "json",
    ]);
    assert_eq!(run.status, Some(0), "{run:?}");
    let report = run.json();
    assert_eq!(report["statements"][0]["policy"], "cancel-builds@v2");
    assert_eq!(
        report["statements"][0]["file"],
        "tests/fixtures/lint-inputs/get-policy.json (cancel-builds@v2)"
    );
    // The statement's place in the decoded document.
    assert_eq!(
        (
            report["statements"][0]["line"].as_u64(),
            report["statements"][0]["column"].as_u64()
        ),
        (Some(4), Some(5))
    );
}

/// A Terraform plan with these `(type, name, document)` resources.
fn plan(resources: &[(&str, &str, Option<&str>)]) -> String {
    let resources: Vec<Value> = resources
        .iter()
        .map(|(kind, name, document)| {
            let key = if *kind == "alicloud_ram_role" {
                "assume_role_policy_document"
            } else {
                "policy_document"
            };
            serde_json::json!({
                "address": format!("{kind}.{name}"), "mode": "managed", "type": kind,
                "name": name, "values": {key: document},
            })
        })
        .collect();
    serde_json::json!({
        "format_version": "1.2", "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": resources}},
    })
    .to_string()
}

const CANCEL_DOC: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution", "Resource": "acs:ecs:cn-hangzhou:*:imagepipeline/*"}]}"#;
const TRUST_DOC: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": ["acs:ram::1234567890123456:root"]}}]}"#;

#[test]
fn a_plan_with_one_policy_is_decided_as_that_policy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_file(
        dir.path(),
        "plan.json",
        &plan(&[("alicloud_ram_policy", "cancel", Some(CANCEL_DOC))]),
    );
    let file = file.display().to_string();
    let run = ramcheck(&[
        "check",
        "--policy",
        &file,
        "--resource",
        HANGZHOU_1,
        "--format",
        "json",
    ]);
    assert_eq!(run.status, Some(0), "{run:?}");
    let report = run.json();
    assert_eq!(
        report["statements"][0]["policy"],
        "alicloud_ram_policy.cancel"
    );
    // The same decision as the document given plainly.
    let plain = write_file(dir.path(), "cancel.json", CANCEL_DOC)
        .display()
        .to_string();
    let direct = ramcheck(&[
        "check",
        "--policy",
        &plain,
        "--resource",
        HANGZHOU_1,
        "--format",
        "json",
    ])
    .json();
    assert_eq!(
        report["statements"][0]["line"],
        direct["statements"][0]["line"]
    );
    assert_eq!(
        report["statements"][0]["column"],
        direct["statements"][0]["column"]
    );
    assert_eq!(report["decision"], direct["decision"]);
}

#[test]
fn a_plan_that_holds_not_exactly_one_identity_policy_is_refused_saying_what_to_use() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, resources, needles) in [
        (
            "two.json",
            vec![
                ("alicloud_ram_policy", "a", Some(CANCEL_DOC)),
                ("alicloud_ram_policy", "b", Some(CANCEL_DOC)),
            ],
            &["2 policy documents", "`alicloud_ram_policy.a`", "--account"][..],
        ),
        (
            "trust.json",
            vec![("alicloud_ram_role", "deployer", Some(TRUST_DOC))],
            &["trust policy", "sts:AssumeRole"][..],
        ),
        (
            "control.json",
            vec![(
                "alicloud_resource_manager_control_policy",
                "c",
                Some(CANCEL_DOC),
            )],
            &["control policy", "--account"][..],
        ),
        ("none.json", vec![], &["without a RAM policy document"][..]),
        (
            "null.json",
            vec![
                ("alicloud_ram_policy", "a", Some(CANCEL_DOC)),
                ("alicloud_ram_policy", "b", None),
            ],
            &["null.json:", "alicloud_ram_policy.b"][..],
        ),
    ] {
        let file = write_file(dir.path(), name, &plan(&resources))
            .display()
            .to_string();
        ramcheck(&["check", "--policy", &file, "--resource", HANGZHOU_1]).assert_invalid(needles);
    }
}

#[test]
fn an_account_snapshot_or_template_as_policy_points_to_account() {
    for file in [ACCOUNT, "policies/examples/ros-template.yaml"] {
        ramcheck(&["check", "--policy", file, "--resource", HANGZHOU_1])
            .assert_invalid(&["not a policy document", &format!("--account {file}")]);
    }
}
