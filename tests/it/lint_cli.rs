//! `ramcheck lint` and `ramcheck rules` through the real binary: exit status for each
//! `--fail-on`, the JSON and SARIF shapes, Terraform and GetPolicy inputs, ignores and the
//! sidecar, colour, standard input, directories and globs.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{locate, ramcheck, ramcheck_stdin, root, run_in, Invocation};

fn fixture(name: &str) -> String {
    format!("tests/fixtures/{name}")
}

/// The arguments of `ramcheck lint ARGS --format json`.
fn lint_json<'a>(args: &[&'a str]) -> Vec<&'a str> {
    [&["lint"], args, &["--format", "json"]].concat()
}

fn json_of(args: &[&str]) -> Value {
    ramcheck(&lint_json(args)).json()
}

fn status(args: &[&str]) -> i32 {
    ramcheck(&[&["lint"], args].concat()).status.unwrap_or(-1)
}

#[test]
fn fail_on_levels_pick_the_exit_status() {
    let security = fixture("lint/allow-all.json");
    let warning = fixture("lint/not-resource.json");
    let suggestion = fixture("lint/key-case.json");
    let clean = fixture("lint/allow-all.ok.json");
    assert_eq!(status(&[&security]), 1, "default is security");
    assert_eq!(status(&[&security, "--fail-on", "error"]), 0);
    assert_eq!(status(&[&security, "--fail-on", "never"]), 0);
    assert_eq!(status(&[&warning]), 0);
    assert_eq!(status(&[&warning, "--fail-on", "warning"]), 1);
    assert_eq!(status(&[&suggestion, "--fail-on", "warning"]), 0);
    assert_eq!(status(&[&suggestion, "--fail-on", "suggestion"]), 1);
    assert_eq!(status(&[&clean, "--fail-on", "suggestion"]), 0);
    assert_eq!(
        status(&[&fixture("lint/invalid-json.json"), "--fail-on", "error"]),
        1
    );
}

#[test]
fn usage_errors_and_unreadable_inputs_exit_2_with_empty_stdout() {
    for args in [
        vec!["no/such/file.json"],
        vec!["--fail-on", "sometimes"],
        vec!["--format", "xml"],
        vec!["--ignore", "allow-al"],
        vec!["tests/fixtures/lint/*.nothing"],
        vec!["-", "-"],
    ] {
        let run = ramcheck(&[&["lint"], &args[..]].concat());
        assert_eq!(run.status, Some(2), "{args:?}");
        assert!(run.stdout.is_empty(), "{args:?}");
        assert!(!run.stderr.is_empty(), "{args:?}");
    }
    let run = ramcheck(&["lint", "--ignore", "allow-al"]);
    assert!(run.stderr.contains("did you mean `allow-all`?"));
}

#[test]
fn a_file_that_is_not_json_is_a_finding_not_exit_2() {
    let run = ramcheck_stdin(&lint_json(&["-"]), "this is not json");
    assert_eq!(run.status, Some(1));
    let v = run.json();
    assert_eq!(v["findings"][0]["rule"], "invalid-json");
    assert_eq!(v["findings"][0]["file"], "-");
    assert_eq!(v["findings"][0]["document"], "-");
}

#[test]
fn json_has_exactly_the_contract_fields_sorted_by_file_line_column() {
    let v = json_of(&[
        &fixture("lint/unknown-action.json"),
        &fixture("lint/cancel-any-pipeline.json"),
    ]);
    let keys: Vec<&String> = v.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        [
            "baselined",
            "documents",
            "files",
            "files_without_documents",
            "findings",
            "fixed",
            "fixed_files",
            "skipped_not_ram_documents",
            "stale_baseline",
            "suppressed"
        ]
    );
    assert_eq!(v["files_without_documents"], serde_json::json!([]));
    assert_eq!(v["files"], 2);
    assert_eq!(v["documents"], 2);
    let findings = v["findings"].as_array().expect("array");
    assert_eq!(findings.len(), 5);
    for f in findings {
        let mut keys: Vec<&str> = f
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "column",
                "document",
                "end_column",
                "end_line",
                "file",
                "fingerprint",
                "fixable",
                "help",
                "line",
                "message",
                "path",
                "rule",
                "severity"
            ]
        );
    }
    let order: Vec<(String, u64, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or("").to_owned(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    let typo = findings
        .iter()
        .find(|f| f["rule"] == "unknown-action")
        .expect("typo found");
    assert_eq!(typo["severity"], "warning");
    assert_eq!(typo["path"], "Statement[0].Action[0]");
    assert_eq!(
        typo["help"],
        "did you mean `ecs:CancelImagePipelineExecution`?"
    );
    assert_eq!(typo["document"], "unknown-action");
    assert_eq!(
        (typo["line"].as_u64(), typo["column"].as_u64()),
        (Some(6), Some(18))
    );
}

#[test]
fn sarif_has_one_run_with_rules_and_located_results() {
    let run = ramcheck(&[
        "lint",
        "tests/fixtures/lint/cancel-any-pipeline.json",
        "--format",
        "sarif",
    ]);
    assert_eq!(run.status, Some(1));
    // The log is pretty-printed, so not the one line `Run::json` wants.
    let log: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().is_some_and(|s| s.contains("sarif")));
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "ramcheck");
    assert!(driver["informationUri"].as_str().is_some());
    let rules = driver["rules"].as_array().expect("rules");
    assert!(rules.iter().any(|r| r["id"] == "cancel-any-pipeline"
        && r["defaultConfiguration"]["level"] == "error"
        && r["shortDescription"]["text"].is_string()
        && r["help"]["text"].is_string()));
    assert!(rules
        .iter()
        .any(|r| r["id"] == "key-case" && r["defaultConfiguration"]["level"] == "note"));
    let results = runs[0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    for r in results {
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert_eq!(r["level"], "error");
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(
            loc["artifactLocation"]["uri"],
            "tests/fixtures/lint/cancel-any-pipeline.json"
        );
        assert!(loc["region"]["startLine"].as_u64() >= Some(1));
        assert!(loc["region"]["startColumn"].as_u64() >= Some(1));
    }
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        7
    );
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startColumn"],
        19
    );
}

#[test]
fn terraform_plan_documents_are_named_by_address_and_located_in_the_plan() {
    let plan = std::fs::read_to_string(fixture("lint-inputs/terraform-plan.json")).expect("plan");
    // Each finding is on the plan's line of the escaped text it is about.
    let line = |needle: &str| locate(&plan, needle).0 as u64;
    let v = json_of(&[
        &fixture("lint-inputs/terraform-plan.json"),
        "--fail-on",
        "never",
    ]);
    assert_eq!(v["files"], 1);
    assert_eq!(
        v["documents"], 4,
        "builders (deduped), deployer, no_delete, module.ci legacy"
    );
    let findings: Vec<(String, String, u64)> = v["findings"]
        .as_array()
        .expect("array")
        .iter()
        .map(|f| {
            (
                f["document"].as_str().unwrap_or("").to_owned(),
                f["rule"].as_str().unwrap_or("").to_owned(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        findings.contains(&(
            "alicloud_ram_policy.builders".into(),
            "cancel-any-pipeline".into(),
            line(r#"\"acs:ecs:*:*:imagepipeline/*\""#)
        )),
        "{findings:?}"
    );
    assert!(
        findings.contains(&(
            "alicloud_ram_role.deployer".into(),
            "trust-any-principal".into(),
            line(r#"\"acs:ram::*:root\""#)
        )),
        "{findings:?}"
    );
    assert!(
        findings.contains(&(
            "module.ci.alicloud_ram_policy.legacy".into(),
            "unknown-action".into(),
            line(r#"\"ecs:CancelImagePipelineExecutions\""#)
        )),
        "{findings:?}"
    );
    assert!(
        !findings.iter().any(|(d, _, _)| d.contains("no_delete")),
        "{findings:?}"
    );
    assert_eq!(
        findings
            .iter()
            .filter(|(_, r, _)| r == "cancel-any-pipeline")
            .count(),
        1,
        "deduped"
    );
    let run = ramcheck(&["lint", &fixture("lint-inputs/terraform-plan.json")]);
    let text = &run.stdout;
    let (line, column) = locate(&plan, r#"\"acs:ecs:*:*:imagepipeline/*\""#);
    assert!(
        text.contains(&format!(
            "tests/fixtures/lint-inputs/terraform-plan.json:{line}:{column}: \
             security[cancel-any-pipeline]: "
        )),
        "{text}"
    );
    assert!(
        text.contains("(in `alicloud_ram_policy.builders`)"),
        "{text}"
    );
}

#[test]
fn a_control_policy_from_terraform_is_checked_as_control() {
    let plan = serde_json::json!({
        "format_version": "1.2",
        "values": {"root_module": {"resources": [{
            "address": "alicloud_resource_manager_control_policy.p",
            "type": "alicloud_resource_manager_control_policy",
            "values": {"policy_document": "{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Principal\":\"*\"}]}"}
        }]}}
    });
    let v = ramcheck_stdin(&lint_json(&["-"]), &plan.to_string()).json();
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(rules, ["principal-not-allowed"]);
}

#[test]
fn get_policy_output_is_unwrapped_and_named_after_the_policy() {
    let file = fixture("lint-inputs/get-policy.json");
    let v = json_of(&[&file]);
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "action-resource-mismatch");
    assert_eq!(f["document"], "cancel-builds@v2");
    // Where the action is written in the file, escaped quotes and all.
    let text = std::fs::read_to_string(&file).expect("fixture");
    let (line, column) = locate(&text, r#"\"ecs:CancelImagePipelineExecution\""#);
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(line as u64), Some(column as u64))
    );
}

#[test]
fn ignore_suppresses_a_rule_everywhere_or_in_one_file() {
    let a = fixture("lint/allow-all.json");
    let b = fixture("lint/cancel-any-pipeline.json");
    let count = |v: &Value, rule: &str| {
        v["findings"]
            .as_array()
            .map_or(0, |f| f.iter().filter(|f| f["rule"] == rule).count())
    };
    let all = json_of(&[&a, &b]);
    assert_eq!(count(&all, "cancel-any-pipeline"), 4);
    let none = json_of(&[&a, &b, "--ignore", "cancel-any-pipeline"]);
    assert_eq!(count(&none, "cancel-any-pipeline"), 0);
    let one = json_of(&[&a, &b, "--ignore", &format!("cancel-any-pipeline:{b}")]);
    assert_eq!(count(&one, "cancel-any-pipeline"), 1);
    let glob = json_of(&[
        &a,
        &b,
        "--ignore",
        "cancel-any-pipeline:tests/fixtures/lint/allow-*.json",
    ]);
    assert_eq!(count(&glob, "cancel-any-pipeline"), 3);
    assert_eq!(
        status(&[
            &a,
            "--ignore",
            "allow-all",
            "--ignore",
            "cancel-any-pipeline"
        ]),
        0
    );
}

fn temp_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join(".git")).expect(".git");
    std::fs::create_dir_all(dir.path().join("policies/nested")).expect("dirs");
    let copy = |from: &str, to: &str| {
        std::fs::copy(root().join(fixture(from)), dir.path().join(to)).expect("copy");
    };
    copy("lint/allow-all.json", "policies/admin.json");
    copy("lint/key-case.json", "policies/nested/case.json");
    copy("lint/allow-all.ok.json", "policies/nested/ok.json");
    std::fs::write(dir.path().join("policies/notes.txt"), "not linted").expect("write");
    dir
}

/// Runs `ramcheck lint ARGS --format json` in `dir`: the exit status, and stdout's JSON
/// (`null` when there is none, as on status 2).
fn lint_in(dir: &Path, args: &[&str]) -> (i32, Value) {
    let run = run_in(dir, &lint_json(args), None);
    (
        run.status.unwrap_or(-1),
        serde_json::from_str(&run.stdout).unwrap_or(Value::Null),
    )
}

#[test]
fn sidecar_at_the_repository_root_suppresses_findings() {
    let repo = temp_repo();
    let (code, v) = lint_in(repo.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        v["files"], 3,
        "every *.json below the current directory, sidecar and .git skipped"
    );
    std::fs::write(
        repo.path().join(".ramcheck.json"),
        r#"{"ignore": [{"rule": "allow-all", "path": "policies/*.json"}, {"rule": "cancel-any-pipeline"}]}"#,
    )
    .expect("write sidecar");
    let (code, v) = lint_in(
        &repo.path().join("policies/nested"),
        &["../admin.json", "case.json"],
    );
    assert_eq!(code, 0, "{v}");
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(rules, ["key-case"]);
    std::fs::write(
        repo.path().join(".ramcheck.json"),
        r#"{"ignore": [{"rule": "no-such-rule"}]}"#,
    )
    .expect("write");
    let (code, _) = lint_in(repo.path(), &[]);
    assert_eq!(code, 2);
}

#[test]
fn ignore_globs_stop_at_a_directory_as_input_globs_do() {
    // `*` does not cross `/` in an ignore path either: `policies/*.json` suppressed a finding
    // in `policies/nested/...` too while ignores used another glob dialect than inputs.
    let repo = temp_repo();
    std::fs::copy(
        root().join(fixture("lint/allow-all.json")),
        repo.path().join("policies/nested/admin2.json"),
    )
    .expect("copy");
    let allow_all_files = |v: &Value| -> Vec<String> {
        v["findings"]
            .as_array()
            .expect("array")
            .iter()
            .filter(|f| f["rule"] == "allow-all")
            .filter_map(|f| f["file"].as_str().map(str::to_owned))
            .collect()
    };
    let (_, v) = lint_in(
        repo.path(),
        &["policies", "--ignore", "allow-all:policies/*.json"],
    );
    assert_eq!(allow_all_files(&v), ["policies/nested/admin2.json"], "{v}");
    let (_, v) = lint_in(
        repo.path(),
        &["policies", "--ignore", "allow-all:policies/**/*.json"],
    );
    assert_eq!(allow_all_files(&v), Vec::<String>::new(), "{v}");
    std::fs::write(
        repo.path().join(".ramcheck.json"),
        r#"{"ignore": [{"rule": "allow-all", "path": "policies/*.json"}]}"#,
    )
    .expect("write sidecar");
    let (_, v) = lint_in(repo.path(), &["policies"]);
    assert_eq!(allow_all_files(&v), ["policies/nested/admin2.json"], "{v}");
}

#[test]
fn directories_are_walked_recursively_in_order_and_globs_are_expanded() {
    let repo = temp_repo();
    let (_, v) = lint_in(repo.path(), &["policies", "--fail-on", "never"]);
    let files: Vec<&str> = v["findings"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert_eq!(files.first(), Some(&"policies/admin.json"));
    assert_eq!(files.last(), Some(&"policies/nested/case.json"));
    assert_eq!(v["files"], 3);
    let (_, v) = lint_in(repo.path(), &["policies/**/*.json", "--fail-on", "never"]);
    assert_eq!(v["files"], 3);
    let (_, v) = lint_in(repo.path(), &["policies/nested/*.json"]);
    assert_eq!(v["files"], 2);
}

#[test]
fn text_is_compiler_style_with_caret_help_and_summary_and_no_colour_off_a_terminal() {
    for no_color in [false, true] {
        let invocation = Invocation::new(&["lint", &fixture("lint/unknown-action.json")]);
        let run = if no_color {
            invocation.env("NO_COLOR", "1")
        } else {
            invocation.env_remove("NO_COLOR")
        }
        .run();
        let text = run.stdout;
        assert!(
            !text.contains('\u{1b}'),
            "no colour when stdout is not a terminal"
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "tests/fixtures/lint/unknown-action.json:6:18: warning[unknown-action]: unknown action `ecs:CancelImagePipelineExecutions`"
        );
        assert!(lines[1].starts_with("6 |       \"Action\": ["));
        assert_eq!(
            lines[2],
            format!("  | {}{}", " ".repeat(17), "^".repeat(35))
        );
        assert_eq!(
            lines[3],
            "  = help: did you mean `ecs:CancelImagePipelineExecution`?"
        );
        assert_eq!(
            lines.last(),
            Some(&"2 findings (2 warnings) in 1 file, 1 document")
        );
    }
}

#[test]
fn stdin_is_linted_with_kind() {
    let trust = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::*:root"}}]}"#;
    let run = ramcheck_stdin(&lint_json(&["-"]), trust);
    let v = run.json();
    assert_eq!(v["findings"][0]["rule"], "trust-any-principal");
    assert_eq!(run.status, Some(1));
    let v = ramcheck_stdin(
        &["lint", "-", "--format", "json", "--kind", "identity"],
        trust,
    )
    .json();
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(
        rules.contains(&"principal-not-allowed") && rules.contains(&"missing-resource"),
        "{rules:?}"
    );
}

#[test]
fn rules_lists_every_rule_and_prints_docs() {
    let run = ramcheck(&["rules"]);
    assert_eq!(run.status, Some(0));
    let text = run.stdout;
    for id in [
        "invalid-json",
        "cancel-any-pipeline",
        "deny-bypass-missing-key",
        "duplicate-sid",
        "invalid-type",
    ] {
        assert!(text.lines().any(|l| l.starts_with(id)), "{id}");
    }
    assert!(text
        .lines()
        .any(|l| l.starts_with("cancel-any-pipeline") && l.contains(" security ")));
    let text = ramcheck(&["rules", "unknown-action", "--format", "markdown"]).stdout;
    assert!(text.starts_with("# `unknown-action`"));
    assert!(text.contains("## Why is this bad?"));
    let docs: PathBuf = root().join("docs/rules/unknown-action.md");
    assert_eq!(
        std::fs::read_to_string(docs).expect("doc page"),
        text.trim_end().to_owned() + "\n"
    );
}

#[test]
fn account_snapshot_inline_policies_are_linted_at_account_file_positions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("account.json");
    std::fs::write(
        &path,
        "{\"account_id\": \"1\",\n \"policies\": {\"Broad\": {\"Version\": \"1\", \"Statement\": [\n   {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\", \"Conditon\": {}}]}}}",
    )
    .expect("write");
    let v = json_of(&[&path.to_string_lossy()]);
    assert_eq!(v["documents"], 1);
    let findings = v["findings"].as_array().expect("findings");
    let typo = findings
        .iter()
        .find(|f| f["rule"] == "unknown-key")
        .expect("the misspelt Condition is found");
    assert_eq!(
        (typo["line"].as_u64(), typo["column"].as_u64()),
        (Some(3), Some(56))
    );
    assert_eq!(typo["document"], "Broad");
    // The example account's own inline policies are clean.
    let example = json_of(&["policies/example-account.json"]);
    assert_eq!(example["documents"], 2);
    assert_eq!(example["findings"].as_array().map(Vec::len), Some(0));
}
