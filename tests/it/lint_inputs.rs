//! `ramcheck lint`'s inputs through the real binary (issue 18): what a walk takes and skips
//! (hidden, ignored, special, too large, links and their loops), glob patterns matched against
//! walked paths, paths that yield no document, the sidecar read strictly, Terraform resources
//! without a readable document, account snapshots checked as `check --account` loads them, and
//! ROS templates in JSON and YAML linted at their own lines.
//!
//! A run that could hang (links to `.`, FIFOs) has a generous kill timeout, so a regression
//! fails the test instead of blocking the suite; nothing asserts on time.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

#[cfg(unix)]
use crate::util::mkfifo;
use crate::util::{write_file, Invocation, Run};

/// Far above any run here: only a hang reaches it.
const HANG: Duration = Duration::from_secs(60);

/// Runs `ramcheck lint ARGS` in `dir`.
pub(crate) fn lint(dir: &Path, args: &[&str]) -> Run {
    Invocation::new(&[&["lint"], args].concat())
        .dir(dir)
        .timeout(HANG)
        .run()
}

/// Runs `ramcheck lint ARGS --format json` in `dir`.
pub(crate) fn lint_json(dir: &Path, args: &[&str]) -> (Run, Value) {
    let run = lint(dir, &[args, &["--format", "json"]].concat());
    let value = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    (run, value)
}

/// The files of a JSON report's findings, in order, each once.
pub(crate) fn files_of(v: &Value) -> Vec<String> {
    let mut files: Vec<String> = v["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(|f| f["file"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    files.dedup();
    files
}

/// `(rule, line, column)` of every finding.
fn places(v: &Value) -> Vec<(String, u64, u64)> {
    v["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or_default().to_owned(),
                        f["line"].as_u64().unwrap_or(0),
                        f["column"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

const ADMIN: &str =
    r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

fn write(dir: &Path, name: &str, text: &str) {
    write_file(dir, name, text);
}

#[cfg(unix)]
fn symlink(target: &str, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

#[test]
fn a_directory_without_documents_is_exit_2_not_no_findings() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("empty")).expect("dir");
    write(dir.path(), "text/notes.txt", "not a policy");
    write(dir.path(), "hidden/.secret.json", ADMIN);
    for (arg, shown) in [("empty", "empty"), ("text", "text"), ("hidden", "hidden")] {
        lint(dir.path(), &[arg])
            .assert_invalid(&[&format!("no policy documents found in `{shown}`"), "help:"]);
    }
    // One argument that yields nothing fails the run, whatever the others give.
    write(dir.path(), "p.json", ADMIN);
    lint(dir.path(), &["p.json", "empty"]).assert_invalid(&["`empty`"]);
    // The current directory, when no path is given, is no exception.
    lint(&dir.path().join("empty"), &[]).assert_invalid(&["no policy documents found in `.`"]);
}

#[cfg(unix)]
#[test]
fn two_links_to_dot_end_and_give_each_file_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "a.json", ADMIN);
    write(dir.path(), "sub/b.json", ADMIN);
    symlink(".", &dir.path().join("l1"));
    symlink(".", &dir.path().join("l2"));
    symlink("sub", &dir.path().join("to-sub"));

    let (run, v) = lint_json(dir.path(), &[]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert_eq!(files_of(&v), ["a.json", "sub/b.json"], "{run:?}");
    assert!(
        run.stderr
            .contains("note: skipped `l1`: a symbolic link; `--follow` follows links"),
        "{run:?}"
    );

    let (run, v) = lint_json(dir.path(), &["--follow"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    // `to-sub/b.json` is `sub/b.json` again: taken once, under the name met first.
    assert_eq!(v["files"], 2, "{run:?}");
    assert_eq!(files_of(&v), ["a.json", "sub/b.json"], "{run:?}");
    assert!(
        run.stderr
            .contains("note: skipped `l1`: a symbolic link back to"),
        "{run:?}"
    );

    for follow in [false, true] {
        let args: &[&str] = if follow {
            &["**/*.nothing", "--follow"]
        } else {
            &["**/*.nothing"]
        };
        lint(dir.path(), args).assert_invalid(&["no file matches `**/*.nothing`"]);
    }
    let (run, v) = lint_json(dir.path(), &["**/*.json"]);
    assert_eq!(files_of(&v), ["a.json", "sub/b.json"], "{run:?}");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_skipped_with_a_note_in_a_walk_and_refused_when_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "a.json", ADMIN);
    mkfifo(&dir.path().join("pipe.json"));
    let (run, v) = lint_json(dir.path(), &["."]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert_eq!(files_of(&v), ["a.json"]);
    assert!(
        run.stderr
            .contains("note: skipped `pipe.json`: a FIFO (named pipe)"),
        "{run:?}"
    );
    lint(dir.path(), &["pipe.json"]).assert_invalid(&["`pipe.json` is a FIFO (named pipe)"]);
    // A glob names what it matches.
    lint(dir.path(), &["p*.json"]).assert_invalid(&["`pipe.json` is a FIFO (named pipe)"]);
    // A FIFO is all a directory holds: nothing to lint.
    std::fs::remove_file(dir.path().join("a.json")).expect("remove");
    lint(dir.path(), &["."]).assert_invalid(&["no policy documents found in `.`"]);
}

#[cfg(unix)]
#[test]
fn a_fifo_as_an_ignore_file_is_refused_before_the_walker_opens_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "sub/a.json", ADMIN);
    mkfifo(&dir.path().join("sub/.gitignore"));
    lint(dir.path(), &["."]).assert_invalid(&["`sub/.gitignore` is a FIFO (named pipe)"]);
}

#[test]
fn gitignored_and_ignored_files_are_not_walked_even_outside_git() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "keep.json", ADMIN);
    write(dir.path(), "generated/big.json", ADMIN);
    write(dir.path(), "scratch.json", ADMIN);
    write(dir.path(), ".gitignore", "generated/\n");
    write(dir.path(), ".ignore", "scratch.json\n");
    let (run, v) = lint_json(dir.path(), &[]);
    assert_eq!(files_of(&v), ["keep.json"], "{run:?}");
    // Named, an ignored file is linted.
    let (_, v) = lint_json(dir.path(), &["scratch.json"]);
    assert_eq!(files_of(&v), ["scratch.json"]);
}

#[test]
fn a_file_over_the_limit_is_skipped_in_a_walk_and_refused_when_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "small.json", ADMIN);
    write(
        dir.path(),
        "large.json",
        &format!("{ADMIN}{}", " ".repeat(200)),
    );
    let (run, v) = lint_json(dir.path(), &[".", "--max-file-size", "150"]);
    assert_eq!(files_of(&v), ["small.json"], "{run:?}");
    assert!(
        run.stderr.contains(
            "note: skipped `large.json`: larger than the limit of 150 bytes (--max-file-size)"
        ),
        "{run:?}"
    );
    lint(dir.path(), &["large.json", "--max-file-size", "150"]).assert_invalid(&[
        "`large.json` is larger than the limit of 150 bytes",
        "--max-file-size",
    ]);
}

#[test]
fn a_glob_is_matched_against_walked_paths() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "policies/a.json", ADMIN);
    write(dir.path(), "policies/deep/er/b.json", ADMIN);
    write(dir.path(), "policies/deep/c.txt", ADMIN);
    write(dir.path(), "other/d.json", ADMIN);
    let (_, v) = lint_json(dir.path(), &["policies/**/*.json"]);
    assert_eq!(files_of(&v), ["policies/a.json", "policies/deep/er/b.json"]);
    // `*` stays within a directory; a matched directory is walked.
    let (_, v) = lint_json(dir.path(), &["policies/*.json"]);
    assert_eq!(files_of(&v), ["policies/a.json"]);
    let (_, v) = lint_json(dir.path(), &["./oth*"]);
    assert_eq!(files_of(&v), ["other/d.json"]);
    // A file a glob matches is taken whatever its name.
    let (run, v) = lint_json(dir.path(), &["policies/deep/*.txt", "--fail-on", "never"]);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(v["files"], 1);
    lint(dir.path(), &["policies/[a"]).assert_invalid(&["invalid glob pattern `policies/[a`"]);
}

#[test]
fn the_sidecar_is_read_as_strictly_as_a_policy() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join(".git")).expect(".git");
    write(dir.path(), "p.json", ADMIN);
    let sidecar = dir.path().join(".ramcheck.json");
    // `pathh` used to be dropped, suppressing the rule everywhere: the gate passed.
    write(
        dir.path(),
        ".ramcheck.json",
        "{\"ignore\": [\n  {\"rule\": \"cancel-any-pipeline\", \"pathh\": \"x\"}]}",
    );
    lint(dir.path(), &["p.json"]).assert_invalid(&[
        ".ramcheck.json:2:35: unknown key `pathh` in an `ignore` entry",
        "did you mean `path`?",
    ]);
    for (text, needle) in [
        (
            r#"{"ignore": [{"rule": "allow-all", "path": null}]}"#,
            ".ramcheck.json:1:43: `path` must be a string, found null",
        ),
        (
            r#"{"ignore": [{"rule": "allow-all", "path": "a[b"}]}"#,
            ".ramcheck.json:1:43: invalid glob `a[b`",
        ),
        (
            r#"{"ignore": [{"rule": "allow-all", "rule": "allow-all"}]}"#,
            ".ramcheck.json:1:35: duplicate key `rule`",
        ),
        (r#"{"ignores": []}"#, "did you mean `ignore`?"),
        (
            r#"{"ignore": {"rule": "allow-all"}}"#,
            "`ignore` must be an array",
        ),
    ] {
        write(dir.path(), ".ramcheck.json", text);
        lint(dir.path(), &["p.json"]).assert_invalid(&[needle]);
    }
    std::fs::remove_file(&sidecar).expect("remove");
    std::fs::create_dir(&sidecar).expect("dir");
    lint(dir.path(), &["p.json"]).assert_invalid(&["is a directory, not a regular file"]);
    std::fs::remove_dir(&sidecar).expect("remove");
    #[cfg(unix)]
    {
        mkfifo(&sidecar);
        lint(dir.path(), &["p.json"]).assert_invalid(&["is a FIFO (named pipe)"]);
        std::fs::remove_file(&sidecar).expect("remove");
    }
    write(
        dir.path(),
        ".ramcheck.json",
        &format!("{{\"ignore\": []{}}}", " ".repeat(100)),
    );
    lint(dir.path(), &["p.json", "--max-file-size", "90"])
        .assert_invalid(&["larger than the limit of 90 bytes"]);
    // And `--ignore` globs are checked too.
    lint(dir.path(), &["p.json", "--ignore", "allow-all:a[b"]).assert_invalid(&["invalid glob"]);
}

/// A plan with the given `planned_values` resources.
fn plan(resources: &str) -> String {
    format!(
        "{{\"format_version\": \"1.2\", \"terraform_version\": \"1.9.0\",\n \"planned_values\": {{\"root_module\": {{\"resources\": [\n{resources}]}}}}}}"
    )
}

#[test]
fn a_terraform_resource_without_a_readable_document_is_a_finding() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "plan.json",
        &plan(
            r#"  {"address": "alicloud_ram_policy.ops", "type": "alicloud_ram_policy", "values": {"policy_document": null}}"#,
        ),
    );
    let (run, v) = lint_json(dir.path(), &["plan.json"]);
    assert_eq!(run.status, Some(1), "error findings fail by default{run:?}");
    assert_eq!(
        places(&v),
        [("invalid-embedded-document".to_owned(), 3, 103)]
    );
    let finding = &v["findings"][0];
    assert_eq!(finding["document"], "alicloud_ram_policy.ops");
    assert!(finding["message"]
        .as_str()
        .is_some_and(|m| m.contains("`alicloud_ram_policy.ops`") && m.contains("null")));
    assert_eq!(
        finding["path"],
        "planned_values.root_module.resources[0].values.policy_document"
    );

    // A document not known until apply is a warning: the default gate lets it through.
    write(
        dir.path(),
        "later.json",
        r#"{"format_version": "1.2", "resource_changes": [{"address": "alicloud_ram_role.r", "type": "alicloud_ram_role",
  "change": {"actions": ["create"], "after": {"name": "r"}, "after_unknown": {"assume_role_policy_document": true}}}]}"#,
    );
    let (run, v) = lint_json(dir.path(), &["later.json"]);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(v["findings"][0]["rule"], "document-unknown-until-apply");
    assert_eq!(v["findings"][0]["severity"], "warning");
    let run = lint(dir.path(), &["later.json", "--fail-on", "warning"]);
    assert_eq!(run.status, Some(1), "{run:?}");
}

#[test]
fn a_plan_without_ram_resources_is_fine_and_the_summary_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "plan.json",
        &plan(
            r#"  {"address": "alicloud_instance.web", "type": "alicloud_instance", "values": {}}"#,
        ),
    );
    let run = lint(dir.path(), &["plan.json"]);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(
        run.stdout.trim_end(),
        "no findings in 1 file, 0 documents (`plan.json` holds no RAM policy document)"
    );
    let (_, v) = lint_json(dir.path(), &["plan.json"]);
    assert_eq!(v["documents"], 0);
    assert_eq!(
        v["files_without_documents"],
        serde_json::json!(["plan.json"])
    );
}

/// A plan whose root module holds `module` inside `depth` levels of `child_modules`.
fn nested_plan(depth: usize, module: &str) -> String {
    format!(
        r#"{{"format_version": "1.2", "planned_values": {{"root_module": {}{module}{}}}}}"#,
        r#"{"child_modules": ["#.repeat(depth),
        "]}".repeat(depth)
    )
}

#[test]
fn a_plan_with_modules_nested_100_deep_is_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let document = serde_json::to_string(ADMIN).expect("string");
    let module = format!(
        r#"{{"resources": [{{"address": "module.m.alicloud_ram_policy.deep", "type": "alicloud_ram_policy", "values": {{"policy_document": {document}}}}}]}}"#
    );
    write(dir.path(), "deep.json", &nested_plan(100, &module));
    let (run, v) = lint_json(dir.path(), &["deep.json"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert_eq!(
        v["findings"][0]["document"],
        "module.m.alicloud_ram_policy.deep"
    );
    assert_eq!(v["findings"][0]["rule"], "allow-all");

    // Far deeper than any configuration: an error finding, not a crash.
    write(dir.path(), "deeper.json", &nested_plan(100_000, "{}"));
    let (run, v) = lint_json(dir.path(), &["deeper.json"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert_eq!(v["findings"][0]["rule"], "invalid-json", "{run:?}");
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nest more than")),
        "{run:?}"
    );
}

/// An account snapshot with a misspelt key and dangling references.
const BAD_ACCOUNT: &str = r#"{"account_id": "1234567890123456",
 "users": {"alice": {"group": ["ops"]},
           "bob": {"groups": ["opz"], "policies": ["AllowCancel", "NoSuchPolicy"]}},
 "groups": {"ops": {}},
 "roles": {"builder": {"policies": [{"policy": "AliyunECSFullAccess", "resource_group": "rg-nope"}]}},
 "policies": {"AllowCancel": "missing.json"}}"#;

#[test]
fn an_account_snapshot_gets_the_checks_of_check_account_as_findings() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "account.json", BAD_ACCOUNT);
    let (run, v) = lint_json(dir.path(), &["account.json"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    let found: Vec<(String, u64, u64)> = places(&v);
    let expected: Vec<(String, u64, u64)> = [(2, 22), (3, 31), (3, 67), (5, 89), (6, 30)]
        .into_iter()
        .map(|(l, c)| ("invalid-account".to_owned(), l, c))
        .collect();
    assert_eq!(found, expected, "{run:?}");
    let messages: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(messages[0].contains("unknown key `group`"), "{messages:?}");
    assert_eq!(v["findings"][0]["help"], "did you mean `groups`?");
    assert!(messages[1].contains("group `opz`, which does not exist"));
    assert!(messages[2].contains("unknown policy `NoSuchPolicy`"));
    assert!(messages[3].contains("resource group `rg-nope` does not exist"));
    assert!(messages[4].contains("cannot read policy `AllowCancel`"));

    // `check --account` refuses the same file, at its first fault.
    let run = Invocation::new(&[
        "check",
        "--account",
        "account.json",
        "--principal",
        "user/bob",
        "--action",
        "ecs:CancelImagePipelineExecution",
        "--resource",
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
    ])
    .dir(dir.path())
    .run();
    run.assert_invalid(&["account.json:"]);

    // The policy file, once there and valid, is no fault; once invalid, it is named.
    write(
        dir.path(),
        "missing.json",
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution", "Resourc": "*"}]}"#,
    );
    let (_, v) = lint_json(dir.path(), &["account.json"]);
    let last = v["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["line"] == 6))
        .expect("a finding at the policy's path");
    assert!(
        last["message"]
            .as_str()
            .is_some_and(|m| m.contains("policy `AllowCancel` is not a valid policy")
                && m.contains("missing.json:1:")),
        "{last}"
    );
}

#[test]
fn resource_groups_that_can_claim_one_resource_are_a_finding_at_the_second_claim() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "account.json",
        r#"{"account_id": "1234567890123456",
 "resource_groups": {"rg-all": ["acs:ecs:*:1234567890123456:imagepipeline/*"],
                     "rg-one": ["acs:ecs:*:1234567890123456:instance/*",
                                "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1"]}}"#,
    );
    let (run, v) = lint_json(dir.path(), &["account.json"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert_eq!(places(&v), [("invalid-account".to_owned(), 4, 33)]);
    let message = v["findings"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`rg-one`") && message.contains("`rg-all`"),
        "{message}"
    );
    // The text output points at the first claim too.
    let run = lint(dir.path(), &["account.json"]);
    assert!(
        run.stdout.contains("note: see also line 2, column 33"),
        "{run:?}"
    );
}

/// A ROS template in YAML: a role anyone may assume, an inline admin policy, a control policy
/// given as JSON text (lines 21 on), a managed policy whose `Resource` ROS computes.
const ROS_YAML: &str = r#"ROSTemplateFormatVersion: '2015-09-01'
Resources:
  OpenRole:
    Type: ALIYUN::RAM::Role
    Properties:
      RoleName: open-role
      AssumeRolePolicyDocument:
        Version: '1'
        Statement:
          - Effect: Allow
            Action: sts:AssumeRole
            Principal: "*"
      Policies:
        - PolicyName: Admin
          PolicyDocument:
            Version: '1'
            Statement:
              - Effect: Allow
                Action: '*'
                Resource: '*'
  Computed:
    Type: ALIYUN::RAM::ManagedPolicy
    Properties:
      PolicyName: Computed
      PolicyDocument:
        Version: '1'
        Statement:
          - Effect: Allow
            Action: ecs:CancelImagePipelineExecution
            Resource: !Sub 'acs:ecs:*:${ALIYUN::AccountId}:imagepipeline/*'
"#;

/// [`ROS_YAML`] in JSON, each value on the line it has there.
const ROS_JSON: &str = r#"{"ROSTemplateFormatVersion": "2015-09-01",
 "Resources": {
  "OpenRole": {
   "Type": "ALIYUN::RAM::Role",
   "Properties": {
    "RoleName": "open-role",
    "AssumeRolePolicyDocument": {
     "Version": "1",
     "Statement": [
      {"Effect": "Allow",
       "Action": "sts:AssumeRole",
       "Principal": "*"}]},
    "Policies": [
     {"PolicyName": "Admin",
      "PolicyDocument": {
       "Version": "1",
       "Statement": [
        {"Effect": "Allow",
         "Action": "*",
         "Resource": "*"}]}}]}},
  "Computed": {
   "Type": "ALIYUN::RAM::ManagedPolicy",
   "Properties": {
    "PolicyName": "Computed",
    "PolicyDocument": {
     "Version": "1",
     "Statement": [
      {"Effect": "Allow",
       "Action": "ecs:CancelImagePipelineExecution",
       "Resource": {"Fn::Sub": "acs:ecs:*:${ALIYUN::AccountId}:imagepipeline/*"}}]}}}}}
"#;

/// `(rule, line)` of every finding.
fn rule_lines(places: &[(String, u64, u64)]) -> Vec<(String, u64)> {
    places.iter().map(|(r, l, _)| (r.clone(), *l)).collect()
}

#[test]
fn a_yaml_ros_template_is_linted_at_its_yaml_lines_like_its_json_form() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "stack.yaml", ROS_YAML);
    write(dir.path(), "stack.json", ROS_JSON);
    let (run, yaml) = lint_json(dir.path(), &["stack.yaml"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    // The trust policy's `"*"` (T1), the inline policy's statement and resource, and the
    // managed policy's `!Sub`, each where it stands in the YAML; the function is reported
    // once, not as a `Resource` that is not a string.
    let expected = [
        ("trust-any-principal", 12, 24),
        ("allow-all", 18, 17),
        ("cancel-any-pipeline", 20, 27),
        ("document-unknown-until-apply", 30, 28),
    ]
    .map(|(r, l, c)| (r.to_owned(), l, c));
    assert_eq!(places(&yaml), expected, "{run:?}");
    let findings = yaml["findings"].as_array().expect("findings");
    assert_eq!(findings[0]["document"], "OpenRole", "{}", findings[0]);
    assert_eq!(
        findings[1]["document"], "OpenRole (Admin)",
        "{}",
        findings[1]
    );

    // The same template in JSON: the same rules on the same lines.
    let (run, json) = lint_json(dir.path(), &["stack.json"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert_eq!(rule_lines(&places(&json)), rule_lines(&places(&yaml)));

    // The text report shows the template's line under the finding.
    let run = lint(dir.path(), &["stack.yaml"]);
    assert!(
        run.stdout
            .contains("stack.yaml:12:24: security[trust-any-principal]")
            && run.stdout.contains("12 |             Principal: \"*\""),
        "{run:?}"
    );
}

#[test]
fn a_clean_yaml_ros_template_lints_clean() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A trust policy naming an account and a control policy given as JSON text, as ROS's
    // examples write them.
    let template = r#"ROSTemplateFormatVersion: '2015-09-01'
Resources:
  Deployer:
    Type: ALIYUN::RAM::Role
    Properties:
      RoleName: deployer
      AssumeRolePolicyDocument:
        Version: '1'
        Statement:
          - Effect: Allow
            Action: sts:AssumeRole
            Principal:
              RAM:
                - acs:ram::1234567890123456:root
  Guard:
    Type: ALIYUN::ResourceManager::ControlPolicy
    Properties:
      ControlPolicyName: Guard
      EffectScope: RAM
      PolicyDocument: |
        {"Version": "1", "Statement": [{"Effect": "Deny", "Action": "ram:DeleteRole", "Resource": "*"}]}
"#;
    write(dir.path(), "clean.yaml", template);
    let (run, v) = lint_json(dir.path(), &["clean.yaml"]);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(places(&v), []);
    assert!(run.stderr.is_empty(), "{run:?}");
    let run = lint(dir.path(), &["clean.yaml"]);
    assert!(run.stdout.contains("2 documents"), "{run:?}");
}

#[test]
fn yaml_that_is_not_a_ros_template_stays_not_a_policy() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The key nested, not at the top level: not a template.
    write(
        dir.path(),
        "ci.yaml",
        "name: ci\njobs:\n  ROSTemplateFormatVersion: x\n",
    );
    let (run, v) = lint_json(dir.path(), &["ci.yaml"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert_eq!(places(&v), [("invalid-json".to_owned(), 1, 1)]);
}

#[test]
fn a_yaml_ros_template_the_reader_refuses_is_a_finding_where_it_stopped() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "alias.yaml",
        "ROSTemplateFormatVersion: '2015-09-01'\nResources: &all\n  Again: *all\n",
    );
    let (run, v) = lint_json(dir.path(), &["alias.yaml"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert_eq!(places(&v), [("invalid-json".to_owned(), 3, 10)]);
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("ROS template cannot be read") && m.contains("aliases")),
        "{v}"
    );
}

#[test]
fn a_ros_document_that_is_not_a_mapping_is_a_finding_in_json_and_yaml() {
    let dir = tempfile::tempdir().expect("temp dir");
    let templates = [
        (
            "list.yaml",
            "ROSTemplateFormatVersion: '2015-09-01'\nResources:\n  P:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties:\n      PolicyName: p\n      PolicyDocument: [1]\n",
            (7, 23),
        ),
        (
            "list.json",
            "{\"ROSTemplateFormatVersion\": \"2015-09-01\",\n \"Resources\": {\"P\": {\"Type\": \"ALIYUN::RAM::ManagedPolicy\",\n  \"Properties\": {\"PolicyName\": \"p\",\n   \"PolicyDocument\": [1]}}}}\n",
            (4, 22),
        ),
    ];
    for (name, text, (line, column)) in templates {
        write(dir.path(), name, text);
        let (run, v) = lint_json(dir.path(), &[name]);
        assert_eq!(run.status, Some(1), "{run:?}");
        let expected = ("invalid-embedded-document".to_owned(), line, column);
        assert_eq!(places(&v), [expected], "{name}");
    }
}

/// T1: a malformed inline trust policy is reported once, by its own rule, where it is wrong;
/// a fault only the account check sees (`"Principal": "*"`, a security finding for the
/// document rules) stays an `invalid-account` error at its place.
#[test]
fn t1_a_malformed_inline_trust_policy_is_reported_once_at_its_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let role = |trust: &str| {
        format!(
            "{{\"account_id\": \"1234567890123456\",\n\"roles\": {{\"deployer\": {{\"policies\": [],\n\"trust_policy\": {trust}}}}}}}\n"
        )
    };
    write(
        dir.path(),
        "resource.json",
        &role(
            r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": ["acs:ram::1234567890123456:root"]}, "Resource": "*"}]}"#,
        ),
    );
    write(
        dir.path(),
        "star.json",
        &role(
            r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": "*"}]}"#,
        ),
    );
    let (run, v) = lint_json(dir.path(), &["resource.json"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert_eq!(
        places(&v),
        [("trust-policy-shape".to_owned(), 3, 154)],
        "{v}"
    );
    let (run, v) = lint_json(dir.path(), &["star.json"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    let found = places(&v);
    assert!(
        found.contains(&("invalid-account".to_owned(), 3, 109))
            && found.contains(&("trust-any-principal".to_owned(), 3, 109)),
        "{v}"
    );
}
