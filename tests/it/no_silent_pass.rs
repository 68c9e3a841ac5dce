//! Issue 18 for `check` and `who-can`, through the real binary: no flag ignored, no vacuous
//! answer without a warning, no special or oversized file read, no control byte echoed.

use std::time::Duration;

use serde_json::{json, Value};

#[cfg(unix)]
use crate::util::mkfifo;
use crate::util::{ramcheck, ramcheck_stdin, write_file, Invocation, Run};

const PIPELINE: &str = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1";
const ACCOUNT: &str = "policies/example-account.json";
const CANCEL_HANGZHOU: &str = "policies/examples/cancel-hangzhou.json";
const SESSION: &str = "policies/examples/session-dev-only.json";

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    write_file(dir.path(), name, text)
        .to_string_lossy()
        .into_owned()
}

/// A policy that allows Cancel everywhere but denies it to `user/bad` by `acs:PrincipalARN`.
const DENY_BAD: &str = r#"{"Version": "1", "Statement": [
  {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution", "Resource": "*"},
  {"Effect": "Deny", "Action": "ecs:CancelImagePipelineExecution", "Resource": "*",
   "Condition": {"StringEquals": {"acs:PrincipalARN": "acs:ram::1234567890123456:user/bad"}}}]}"#;

#[test]
fn principal_with_policy_is_refused_not_ignored() {
    // The attack of issue 18: `--principal` beside `--policy` was accepted and ignored, so
    // the Deny on acs:PrincipalARN did not apply and the answer was ALLOW, exit 0.
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = write(&dir, "p.json", DENY_BAD);
    let run = ramcheck(&[
        "check",
        "--policy",
        &policy,
        "--principal",
        "user/bad",
        "--resource",
        PIPELINE,
    ]);
    run.assert_invalid(&["`--principal` is only valid with `--account`"]);
}

/// Every combination of the four flags that choose `check`'s mode: exit 2 naming the flag at
/// fault, unless the combination is one of the two modes.
#[test]
fn every_combination_of_mode_flags_is_a_mode_or_a_named_error() {
    let flags: [(&str, &str); 4] = [
        ("--policy", CANCEL_HANGZHOU),
        ("--account", ACCOUNT),
        ("--principal", "assumed-role/deployer/ci-42"),
        ("--session-policy", SESSION),
    ];
    for mask in 0u8..16 {
        let given = |i: u8| mask & (1 << i) != 0;
        let mut args = vec!["check", "--resource", PIPELINE];
        for (i, (flag, value)) in flags.iter().enumerate() {
            if given(i as u8) {
                args.extend([*flag, *value]);
            }
        }
        let (policy, account, principal, session) = (given(0), given(1), given(2), given(3));
        let run = ramcheck(&args);
        let expected_fault = match () {
            _ if policy && account => Some("`--policy` cannot be combined with `--account`"),
            _ if !policy && !account => Some("`check` needs `--policy FILE`"),
            _ if policy && principal => Some("`--principal` is only valid with `--account`"),
            _ if policy && session => Some("`--session-policy` is only valid with `--account`"),
            _ if account && !principal => Some("`--account` needs `--principal`"),
            _ => None,
        };
        match expected_fault {
            Some(needle) => run.assert_invalid(&[needle]),
            None => assert!(
                matches!(run.status, Some(0 | 1)),
                "flags {args:?} are a valid mode{run:?}"
            ),
        }
    }
}

#[test]
fn who_can_has_no_principal_or_policy_flag() {
    for flag in ["--principal", "--policy", "--session-policy"] {
        let run = ramcheck(&[
            "who-can",
            "--account",
            ACCOUNT,
            flag,
            "x",
            "--resource",
            PIPELINE,
        ]);
        run.assert_invalid(&[flag]);
    }
}

fn who_can(extra: &[&str]) -> Run {
    let mut args = vec!["who-can", "--account", ACCOUNT];
    args.extend(extra);
    ramcheck(&args)
}

fn warning_codes(report: &Value) -> Vec<&str> {
    report["warnings"]
        .as_array()
        .expect("a warnings array")
        .iter()
        .map(|w| w["code"].as_str().expect("a code"))
        .collect()
}

#[test]
fn a_typo_in_the_resource_type_is_a_warning_not_a_quiet_answer() {
    let typo = "acs:ecs:cn-hangzhou:1234567890123456:imagepipelines/ip-prod-1";
    let text = who_can(&["--resource", typo]);
    assert_eq!(text.status, Some(0), "{text:?}");
    assert!(
        text.stderr
            .contains("warning[unknown-resource-type]: the resource type `imagepipelines`"),
        "{text:?}"
    );
    assert!(
        text.stderr.contains("did you mean `imagepipeline`?"),
        "{text:?}"
    );
    let json = who_can(&["--resource", typo, "--format", "json"]);
    assert_eq!(warning_codes(&json.json()), ["unknown-resource-type"]);
    assert_eq!(json.stderr, "", "JSON carries its warnings{json:?}");
}

#[test]
fn strict_refuses_a_request_that_draws_warnings() {
    let run = who_can(&[
        "--strict",
        "--resource",
        PIPELINE,
        "--action",
        "ecs:CancelImagePipelineExecutions",
    ]);
    run.assert_invalid(&[
        "`--strict`: the request draws 1 warning",
        "warning[unknown-action]",
        "did you mean `ecs:CancelImagePipelineExecution`?",
    ]);
    let run = ramcheck(&[
        "check",
        "--strict",
        "--policy",
        CANCEL_HANGZHOU,
        "--resource",
        PIPELINE,
        "--context",
        "acs:SecureTransprt=true",
        "--format",
        "json",
    ]);
    run.assert_invalid(&[
        "warning[unknown-context-key]",
        "did you mean `acs:SecureTransport`?",
    ]);
}

#[test]
fn strict_decides_a_clean_request() {
    let run = ramcheck(&[
        "check",
        "--strict",
        "--policy",
        CANCEL_HANGZHOU,
        "--resource",
        PIPELINE,
        "--format",
        "json",
    ]);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(run.json()["warnings"], json!([]));
}

#[test]
fn check_warns_of_every_kind_in_json() {
    let run = ramcheck(&[
        "check",
        "--policy",
        CANCEL_HANGZHOU,
        "--action",
        "ecs:CancelImagePipelineExecutions",
        "--resource",
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipelineexecution/exec-1",
        "--context",
        "acs:SecureTransprt=true",
        "--format",
        "json",
    ]);
    assert_eq!(run.status, Some(1), "{run:?}");
    let report = run.json();
    assert_eq!(
        warning_codes(&report),
        ["unknown-action", "unknown-context-key"],
        "an unknown action is authorized on nothing, so no type mismatch besides"
    );
    let run = ramcheck(&[
        "check",
        "--policy",
        CANCEL_HANGZHOU,
        "--resource",
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipelineexecution/exec-1",
        "--format",
        "json",
    ]);
    let report = run.json();
    assert_eq!(warning_codes(&report), ["resource-type-mismatch"]);
    let message = report["warnings"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("ImagePipeline"), "{message}");
}

#[test]
fn implicit_deny_on_an_absent_key_says_so() {
    let run = ramcheck(&[
        "check",
        "--policy",
        "policies/examples/https-only.json",
        "--resource",
        PIPELINE,
    ]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert!(
        run.stdout.contains("key absent from the request"),
        "{run:?}"
    );
    let given = ramcheck(&[
        "check",
        "--policy",
        "policies/examples/https-only.json",
        "--resource",
        PIPELINE,
        "--context",
        "acs:SecureTransport=false",
    ]);
    assert_eq!(given.status, Some(1), "{given:?}");
    assert!(!given.stdout.contains("key absent"), "{given:?}");
}

// Bounded, regular inputs only.

#[cfg(unix)]
#[test]
fn a_character_device_is_refused_by_name_not_read() {
    // /dev/zero never ends: read whole, it filled memory until the machine gave out.
    let run = Invocation::new(&["check", "--policy", "/dev/zero", "--resource", PIPELINE])
        .timeout(Duration::from_secs(20))
        .run();
    run.assert_invalid(&["`/dev/zero` is a character device"]);
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("policy.json");
    mkfifo(&fifo);
    let fifo = fifo.to_string_lossy().into_owned();
    for args in [
        vec!["check", "--policy", &fifo, "--resource", PIPELINE],
        vec![
            "check",
            "--account",
            &fifo,
            "--principal",
            "root",
            "--resource",
            PIPELINE,
        ],
        vec!["who-can", "--account", &fifo, "--resource", PIPELINE],
    ] {
        let run = Invocation::new(&args)
            .timeout(Duration::from_secs(20))
            .run();
        run.assert_invalid(&["is a FIFO (named pipe)"]);
    }
}

#[test]
fn a_directory_is_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_string_lossy().into_owned();
    ramcheck(&["check", "--policy", &path, "--resource", PIPELINE])
        .assert_invalid(&["is a directory"]);
    ramcheck(&["who-can", "--account", &path, "--resource", PIPELINE])
        .assert_invalid(&["is a directory"]);
}

#[test]
fn max_file_size_bounds_files_stdin_and_referenced_policies() {
    let too_small = ["--max-file-size", "100"];
    let mut args = vec!["check", "--policy", CANCEL_HANGZHOU, "--resource", PIPELINE];
    args.extend(too_small);
    ramcheck(&args).assert_invalid(&["is larger than the limit of 100 bytes", "--max-file-size"]);
    let mut args = vec!["check", "--policy", "-", "--resource", PIPELINE];
    args.extend(too_small);
    ramcheck_stdin(&args, &" ".repeat(101))
        .assert_invalid(&["`-` is larger than the limit of 100 bytes"]);
    // Exactly at the limit is read.
    let mut args = vec!["check", "--policy", "-", "--resource", PIPELINE];
    args.extend(too_small);
    let policy =
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}"#;
    let padded = format!("{policy:<100}");
    assert_eq!(ramcheck_stdin(&args, &padded).status, Some(0));

    // A policy file the account names is bounded too, and the error points at its name.
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir, "big.json", &format!("{policy}{}", " ".repeat(5000)));
    let account = write(
        &dir,
        "account.json",
        r#"{"account_id": "1234567890123456",
  "policies": {"Big": "big.json"},
  "users": {"u": {"policies": ["Big"]}}}"#,
    );
    ramcheck(&[
        "who-can",
        "--account",
        &account,
        "--resource",
        PIPELINE,
        "--max-file-size",
        "1000",
    ])
    .assert_invalid(&[
        "account.json:2:23: cannot read policy `Big`",
        "larger than the limit of 1000 bytes",
        "--max-file-size",
    ]);
}

// Output hygiene.

#[test]
fn control_bytes_from_arguments_are_escaped_on_stdout_and_stderr() {
    let hostile = format!("{PIPELINE}\u{1b}]0;PWNED\u{7}");
    let run = ramcheck(&["check", "--policy", CANCEL_HANGZHOU, "--resource", &hostile]);
    assert!(!run.stdout.contains('\u{1b}'), "{run:?}");
    assert!(run.stdout.contains("\\u{1b}]0;PWNED\\u{7}"), "{run:?}");
    let missing = "no-such-\u{1b}[2J.json";
    let run = ramcheck(&["check", "--policy", missing, "--resource", PIPELINE]);
    assert_eq!(run.status, Some(2), "{run:?}");
    assert!(!run.stderr.contains('\u{1b}'), "{run:?}");
    assert!(run.stderr.contains("no-such-\\u{1b}[2J.json"), "{run:?}");
}

#[test]
fn a_line_break_in_a_sid_cannot_forge_a_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = write(
        &dir,
        "p.json",
        r#"{"Version": "1", "Statement": [{"Sid": "x\nALLOW: everything", "Effect": "Allow",
            "Action": "ecs:CancelImagePipelineExecution", "Resource": "*"}]}"#,
    );
    let run = ramcheck(&["check", "--policy", &policy, "--resource", PIPELINE]);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(run.stdout.lines().count(), 3, "{run:?}");
    assert!(
        !run.stdout
            .lines()
            .any(|l| l.starts_with("ALLOW: everything")),
        "{run:?}"
    );
}

#[test]
fn a_resource_of_another_account_is_a_warning_for_who_can_and_check_account() {
    let other = "acs:ecs:cn-hangzhou:1234567890123457:imagepipeline/ip-1";
    let run = who_can(&["--resource", other, "--format", "json"]);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(warning_codes(&run.json()), ["resource-of-another-account"]);
    who_can(&["--resource", other, "--strict"])
        .assert_invalid(&["warning[resource-of-another-account]"]);
    let run = ramcheck(&[
        "check",
        "--account",
        ACCOUNT,
        "--principal",
        "user/alice",
        "--resource",
        other,
    ]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert!(
        run.stderr
            .contains("warning[resource-of-another-account]: the resource belongs to account `1234567890123457`"),
        "{run:?}"
    );
}

#[cfg(unix)]
#[test]
fn special_files_an_account_names_are_refused_at_their_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    mkfifo(&dir.path().join("fifo.json"));
    let account = write(
        &dir,
        "account.json",
        r#"{"account_id": "1234567890123456",
 "policies": {"Zero": "/dev/zero", "Fifo": "fifo.json"},
 "users": {"alice": {"policies": ["Zero", "Fifo"]}}}"#,
    );
    let check = |args: &[&str]| Invocation::new(args).timeout(Duration::from_secs(20)).run();
    check(&[
        "check",
        "--account",
        &account,
        "--principal",
        "user/alice",
        "--resource",
        PIPELINE,
    ])
    .assert_invalid(&[
        "account.json:2:23: cannot read policy `Zero`: `/dev/zero` is a character device",
        "name a regular file",
    ]);
    // The linter reports both, each where the account names it.
    let lint = check(&["lint", &account]);
    assert_eq!(lint.status, Some(1), "{lint:?}");
    assert!(
        lint.stdout
            .contains("account.json:2:23: error[invalid-account]"),
        "{lint:?}"
    );
    assert!(lint.stdout.contains("is a FIFO (named pipe)"), "{lint:?}");
}
