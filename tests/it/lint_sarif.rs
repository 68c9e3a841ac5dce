//! `ramcheck lint` for code scanning and adoption (issue 23, items 3 and 4's baseline), through
//! the real binary: SARIF regions, `helpUri`, `partialFingerprints`, `invocations` and URIs
//! relative to the repository root, held to Microsoft's SARIF multitool (installed in
//! `target/ci/sarif` by `.ci/sarif/install`; a missing tool fails the test, never a skip);
//! fingerprints that survive unrelated edits; `--stdin-filename`; `--baseline` and
//! `--write-baseline`, stale entries and broken baselines.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::{root, run_in, write_file, Run};

/// A policy with a security finding (`allow-all`) on line 3 and two equal `action-case`
/// suggestions.
const ADMIN: &str = r#"{
  "Version": "1",
  "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Allow", "Action": "ecs:cancelimagepipelineexecution", "Resource": "acs:ecs:*:*:imagepipeline/*"},
    {"Effect": "Allow", "Action": "ecs:cancelimagepipelineexecution", "Resource": "acs:ecs:*:*:imagepipeline/*"}
  ]
}
"#;

/// A clean policy.
const CLEAN: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow",
  "Action": "ecs:CancelImagePipelineExecution", "Resource": "acs:ecs:*:*:imagepipeline/ip-1"}]}
"#;

/// A repository as a user has it: a `.git`, policies, a Terraform plan, a ROS template.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join(".git")).expect(".git");
    write_file(dir.path(), "policies/admin.json", ADMIN);
    write_file(dir.path(), "policies/clean.json", CLEAN);
    let plan =
        std::fs::read_to_string(root().join("tests/fixtures/lint-inputs/terraform-plan.json"))
            .expect("plan fixture");
    write_file(dir.path(), "infra/plan.json", &plan);
    let template =
        std::fs::read_to_string(root().join("policies/examples/ros-template.yaml")).expect("ros");
    write_file(dir.path(), "infra/ros-template.yaml", &template);
    dir
}

fn lint(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    run_in(dir, &all, None)
}

fn lint_stdin(dir: &Path, args: &[&str], stdin: &str) -> Run {
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    run_in(dir, &all, Some(stdin))
}

fn sarif(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}){run:?}"))
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results")
}

/// The problems Microsoft's SARIF multitool (`validate`, with its SARIF and GitHub rules) finds
/// at level error or warning in `log`, as `RULE: message` lines.
pub fn multitool_problems(log: &str) -> Vec<String> {
    let modules = root().join("target/ci/sarif/node_modules/@microsoft");
    let tool = modules.join(format!(
        "sarif-multitool-{}/Sarif.Multitool",
        std::env::consts::OS
    ));
    assert!(
        tool.is_file(),
        "Microsoft's SARIF multitool is not installed in `target/ci/sarif`; run \
         `.ci/sarif/install` (needs npm; `.ci/run` does it)"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("ramcheck.sarif");
    let output = dir.path().join("validation.sarif");
    std::fs::write(&input, log).expect("write log");
    let run = Command::new(&tool)
        .arg("validate")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .args(["--log", "ForceOverwrite", "--rule-kind", "Sarif;Gh"])
        .args(["--level", "Error;Warning"])
        // Self-contained .NET: no ICU needed then.
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run the SARIF multitool ({e})"));
    assert!(
        run.status.success(),
        "the SARIF multitool failed ({}):\n{}{}",
        run.status,
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&output).expect("validation log"))
            .expect("the validation log is JSON");
    let found = report["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    found
        .iter()
        .filter(|r| matches!(r["level"].as_str(), Some("error" | "warning") | None))
        .map(|r| format!("{}: {}", r["ruleId"], r["message"]))
        .collect()
}

#[test]
fn sarif_of_a_repository_passes_the_sarif_multitool_with_regions_and_relative_uris() {
    let dir = repository();
    let run = lint(
        dir.path(),
        &[".", "infra/ros-template.yaml", "--format", "sarif"],
    );
    assert_eq!(run.status, Some(1), "{run:?}");
    let problems = multitool_problems(&run.stdout);
    assert!(problems.is_empty(), "{problems:#?}\n{}", run.stdout);
    let log = sarif(&run);
    let found = results(&log);
    assert!(found.len() >= 4, "{run:?}");
    let root_uri = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("%SRCROOT%");
    let real = dir.path().canonicalize().expect("real path");
    assert!(
        root_uri.starts_with("file:///") && root_uri.ends_with('/'),
        "{root_uri}"
    );
    assert!(
        root_uri
            .trim_end_matches('/')
            .ends_with(&*real.file_name().expect("name").to_string_lossy()),
        "{root_uri}"
    );
    for result in found {
        let location = &result["locations"][0]["physicalLocation"];
        let artifact = &location["artifactLocation"];
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%", "{result}");
        let uri = artifact["uri"].as_str().expect("uri");
        assert!(
            uri.starts_with("policies/") || uri.starts_with("infra/"),
            "{uri}"
        );
        let index = artifact["index"].as_u64().expect("index") as usize;
        assert_eq!(log["runs"][0]["artifacts"][index]["location"]["uri"], uri);
        let region = &location["region"];
        let start = (region["startLine"].as_u64(), region["startColumn"].as_u64());
        let end = (region["endLine"].as_u64(), region["endColumn"].as_u64());
        assert!(end.0.is_some() && end.1.is_some(), "{result}");
        // A document of a YAML template marks its start only, for now.
        if uri.ends_with(".yaml") {
            assert!(end >= start, "a reversed region: {result}");
        } else {
            assert!(end > start, "an empty or reversed region: {result}");
        }
        let print = result["partialFingerprints"]["ramcheck/v1"]
            .as_str()
            .expect("fingerprint");
        assert!(print.contains(':'), "{print}");
    }
    // The region of `"*"` in `"Action": "*"` on line 4 of the policy: the token, quotes and all.
    let all = found
        .iter()
        .find(|r| {
            r["ruleId"] == "allow-all"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    == "policies/admin.json"
        })
        .expect("allow-all");
    let region = &all["locations"][0]["physicalLocation"]["region"];
    let line = ADMIN.lines().nth(3).expect("line 4");
    let text: String = line
        .chars()
        .skip(region["startColumn"].as_u64().expect("start") as usize - 1)
        .take(
            (region["endColumn"].as_u64().expect("end")
                - region["startColumn"].as_u64().expect("start")) as usize,
        )
        .collect();
    assert_eq!(
        (region["startLine"].as_u64(), region["endLine"].as_u64()),
        (Some(4), Some(4))
    );
    assert!(
        text.starts_with('{') || text.starts_with('"'),
        "{text:?} of {line:?}"
    );
    // Every rule has an absolute page; the run says how it ended.
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    for rule in rules {
        let id = rule["id"].as_str().expect("id");
        assert_eq!(
            rule["helpUri"],
            format!("https://github.com/ramcheck/ramcheck/blob/main/docs/rules/{id}.md")
        );
        assert!(root().join(format!("docs/rules/{id}.md")).is_file(), "{id}");
    }
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    assert_eq!(invocation["exitCode"].as_i64(), run.status.map(i64::from));
}

#[test]
fn sarif_says_exit_status_0_and_the_help_base_given() {
    let dir = repository();
    let run = lint(
        dir.path(),
        &[
            "policies/clean.json",
            "--format",
            "sarif",
            "--sarif-help-uri",
            "https://git.example.com/sec/ramcheck/-/blob/v1/",
        ],
    );
    assert_eq!(run.status, Some(0), "{run:?}");
    let log = sarif(&run);
    assert_eq!(log["runs"][0]["invocations"][0]["exitCode"], 0);
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"],
        format!(
            "https://git.example.com/sec/ramcheck/-/blob/v1/docs/rules/{}.md",
            log["runs"][0]["tool"]["driver"]["rules"][0]["id"]
                .as_str()
                .expect("id")
        )
    );
    for base in ["docs/rules", "", "https://exa mple.com"] {
        lint(dir.path(), &["--sarif-help-uri", base]).assert_invalid(&["not an absolute URL"]);
    }
}

#[test]
fn a_file_outside_the_root_has_an_absolute_uri() {
    let dir = repository();
    let outside = tempfile::tempdir().expect("temp dir");
    let policy = write_file(outside.path(), "loose.json", ADMIN);
    let run = lint(
        dir.path(),
        &[
            &policy.to_string_lossy(),
            "policies/admin.json",
            "--format",
            "sarif",
        ],
    );
    let log = sarif(&run);
    let uris: Vec<(String, Value)> = log["runs"][0]["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| {
            let l = &a["location"];
            (
                l["uri"].as_str().unwrap_or_default().to_owned(),
                l["uriBaseId"].clone(),
            )
        })
        .collect();
    assert!(
        uris.iter().any(|(u, base)| u.starts_with("file:///")
            && u.ends_with("/loose.json")
            && base.is_null()),
        "{uris:?}"
    );
    assert!(
        uris.contains(&("policies/admin.json".to_owned(), Value::from("%SRCROOT%"))),
        "{uris:?}"
    );
    assert!(multitool_problems(&run.stdout).is_empty());
}

/// The (rule, fingerprint) pairs of a lint JSON report, sorted.
fn rule_prints(report: &Value) -> Vec<(String, String)> {
    let text = |f: &Value, key: &str| f[key].as_str().unwrap_or_default().to_owned();
    let mut prints: Vec<(String, String)> = (report["findings"].as_array().into_iter().flatten())
        .map(|f| (text(f, "rule"), text(f, "fingerprint")))
        .collect();
    prints.sort();
    prints
}

/// The fingerprints of the findings of `policies/admin.json`, by rule, and their lines.
fn fingerprints(dir: &Path) -> (Vec<(String, String)>, Vec<u64>) {
    let run = lint(
        dir,
        &[
            "policies/admin.json",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
    );
    let v = run.json();
    let findings = v["findings"].as_array().expect("findings");
    let prints = rule_prints(&v);
    (
        prints,
        findings.iter().filter_map(|f| f["line"].as_u64()).collect(),
    )
}

#[test]
fn fingerprints_are_unchanged_when_unrelated_lines_are_added_above() {
    let dir = repository();
    let (before, lines_before) = fingerprints(dir.path());
    assert!(before.len() >= 3, "{before:?}");
    let edited = ADMIN.replacen(
        "  \"Statement\": [\n",
        "  \"Statement\": [\n\n    {\"Sid\": \"new\", \"Effect\": \"Deny\", \"Action\": \"ecs:DeleteImage\",\n     \"Resource\": \"acs:ecs:*:*:image/*\"},\n",
        1,
    );
    write_file(dir.path(), "policies/admin.json", &edited);
    let (after, lines_after) = fingerprints(dir.path());
    assert_ne!(lines_before, lines_after, "the findings moved down");
    assert_eq!(before, after);
    // Not a constant: the finding's own text counts.
    write_file(
        dir.path(),
        "policies/admin.json",
        &edited.replace("ecs:cancelimage", "ecs:CANCELimage"),
    );
    let (changed, _) = fingerprints(dir.path());
    assert_ne!(before, changed);
}

#[test]
fn json_findings_have_end_positions_just_past_the_span() {
    let dir = repository();
    let run = lint(dir.path(), &["policies/admin.json", "--format", "json"]);
    let v = run.json();
    let case = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "action-case")
        .expect("action-case");
    let line = ADMIN
        .lines()
        .nth(case["line"].as_u64().expect("line") as usize - 1)
        .expect("line");
    let (start, end) = (
        case["column"].as_u64().expect("column") as usize,
        case["end_column"].as_u64().expect("end") as usize,
    );
    assert_eq!(case["end_line"], case["line"]);
    let marked: String = line.chars().skip(start - 1).take(end - start).collect();
    assert_eq!(marked, "\"ecs:cancelimagepipelineexecution\"");
    assert_eq!(v["stale_baseline"], Value::Array(Vec::new()));
}

#[test]
fn stdin_filename_names_standard_input_everywhere() {
    let dir = repository();
    let named = ["--stdin-filename", "policies/admin.json"];
    let text = lint_stdin(dir.path(), &named, ADMIN);
    assert_eq!(text.status, Some(1), "{text:?}");
    assert!(
        text.stdout.starts_with("policies/admin.json:4:"),
        "{text:?}"
    );
    let json = lint_stdin(
        dir.path(),
        &["-", "--format", "json", named[0], named[1]],
        ADMIN,
    )
    .json();
    assert_eq!(json["findings"][0]["file"], "policies/admin.json");
    assert_eq!(json["findings"][0]["document"], "admin");
    // The same fingerprints as the file on disk: a baseline written from one serves the other.
    let (from_disk, _) = fingerprints(dir.path());
    let from_stdin = rule_prints(&json);
    assert_eq!(from_disk, from_stdin);
    let log = sarif(&lint_stdin(
        dir.path(),
        &["--format", "sarif", named[0], named[1]],
        ADMIN,
    ));
    let artifact = &results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(
        (artifact["uri"].as_str(), artifact["uriBaseId"].as_str()),
        (Some("policies/admin.json"), Some("%SRCROOT%"))
    );
    // Ignores by path apply to it.
    let ignored = lint_stdin(
        dir.path(),
        &[
            "--format",
            "json",
            "--ignore",
            "allow-all:policies/*.json",
            named[0],
            named[1],
        ],
        ADMIN,
    )
    .json();
    assert!(
        ignored["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["rule"] != "allow-all"),
        "{ignored}"
    );
    assert!(ignored["suppressed"].as_u64() >= Some(1), "{ignored}");
    lint_stdin(dir.path(), &["policies", named[0], named[1]], ADMIN)
        .assert_invalid(&["no `-` is among the paths"]);
}

fn baseline_path(dir: &Path) -> PathBuf {
    dir.join("ramcheck-baseline.json")
}

#[test]
fn a_baseline_hides_what_it_holds_and_reports_the_rest_and_the_stale() {
    let dir = repository();
    let baseline = baseline_path(dir.path());
    let b = baseline.to_string_lossy().into_owned();
    let written = lint(dir.path(), &["--write-baseline", &b]);
    assert_eq!(written.status, Some(0), "{written:?}");
    assert!(written.stderr.contains("to the baseline"), "{written:?}");
    assert!(written.stdout.contains(" in the baseline"), "{written:?}");
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).expect("written")).expect("JSON");
    assert_eq!(file["version"], 1);
    let entries = file["findings"].as_array().expect("findings");
    let keys: Vec<(String, String, String, String)> = entries
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (s("file"), s("document"), s("rule"), s("fingerprint"))
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "the baseline is sorted");
    assert!(
        keys.iter()
            .any(|k| k.0 == "policies/admin.json" && k.2 == "allow-all"),
        "{keys:?}"
    );
    // Two identical findings are two entries.
    assert_eq!(
        keys.iter()
            .filter(|k| k.0 == "policies/admin.json" && k.2 == "action-case")
            .count(),
        2
    );

    // Everything is known: exit 0, and the count says so.
    let quiet = lint(dir.path(), &["--baseline", &b, "--format", "json"]);
    assert_eq!(quiet.status, Some(0), "{quiet:?}");
    let v = quiet.json();
    assert_eq!(v["findings"], Value::Array(Vec::new()));
    assert_eq!(v["baselined"].as_u64(), Some(entries.len() as u64));
    // The baseline file in the walk is not linted as a policy.
    assert!(
        !quiet
            .stdout
            .contains("ramcheck-baseline.json\",\"document\""),
        "{quiet:?}"
    );

    // A new finding fails the run, alone; a fixed one leaves a stale entry, which does not.
    let edited = ADMIN.replace(
        "{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}",
        "{\"Effect\": \"Allow\", \"NotAction\": \"ecs:DeleteImage\", \"Resource\": \"*\"}",
    );
    write_file(dir.path(), "policies/admin.json", &edited);
    let run = lint(dir.path(), &["--baseline", &b, "--format", "json"]);
    let v = run.json();
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(!rules.contains(&"action-case"), "{rules:?}");
    assert!(rules.contains(&"allow-notaction"), "{rules:?}");
    let stale = v["stale_baseline"].as_array().expect("stale");
    assert!(
        stale
            .iter()
            .any(|e| e["rule"] == "allow-all" && e["file"] == "policies/admin.json"),
        "{v}"
    );
    assert_eq!(
        run.status,
        Some(1),
        "allow-notaction is a security finding{run:?}"
    );

    let text = lint(dir.path(), &["--baseline", &b, "--fail-on", "never"]);
    assert_eq!(text.status, Some(0));
    assert!(
        text.stdout.contains(
            "note: baseline entry matches no finding: policies/admin.json: allow-all in `admin`"
        ),
        "{text:?}"
    );
    assert!(text.stdout.contains(" stale baseline entr"), "{text:?}");
    let log = lint(dir.path(), &["--baseline", &b, "--format", "sarif"]);
    let notes = log_notifications(&sarif(&log));
    assert!(
        notes
            .iter()
            .any(|n| n["descriptor"]["id"] == "stale-baseline-entry"
                && n["properties"]["rule"] == "allow-all"),
        "{notes:?}"
    );
    assert!(multitool_problems(&log.stdout).is_empty());
}

#[test]
fn entries_of_files_not_linted_or_rules_suppressed_are_not_stale() {
    let dir = repository();
    let baseline = baseline_path(dir.path());
    let b = baseline.to_string_lossy().into_owned();
    assert_eq!(lint(dir.path(), &["--write-baseline", &b]).status, Some(0));
    let stale = |args: &[&str]| {
        let mut all = vec!["--baseline", b.as_str(), "--format", "json"];
        all.extend_from_slice(args);
        let run = lint(dir.path(), &all);
        assert_ne!(run.status, Some(2), "{run:?}");
        let v = run.json();
        v["stale_baseline"]
            .as_array()
            .expect("stale")
            .iter()
            .map(|e| format!("{}:{}", e["file"].as_str().unwrap_or(""), e["rule"]))
            .collect::<Vec<String>>()
    };
    // A pre-commit hook lints the files a commit changed: the other files' entries stand.
    assert_eq!(stale(&["policies/clean.json"]), Vec::<String>::new());
    // A suppressed rule's entries are not stale: the run did not look for those findings.
    assert_eq!(stale(&["--ignore", "action-case"]), Vec::<String>::new());
    // Fixed in a file the run linted: stale.
    write_file(dir.path(), "policies/admin.json", CLEAN);
    let found = stale(&["policies/admin.json"]);
    assert!(!found.is_empty(), "{found:?}");
    assert!(
        found.iter().all(|e| e.starts_with("policies/admin.json:")),
        "{found:?}"
    );
}

fn log_notifications(log: &Value) -> Vec<Value> {
    log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn one_entry_covers_one_of_two_identical_findings() {
    let dir = repository();
    let baseline = baseline_path(dir.path());
    let b = baseline.to_string_lossy().into_owned();
    let run = lint(dir.path(), &["policies/admin.json", "--write-baseline", &b]);
    assert_eq!(run.status, Some(0), "{run:?}");
    let text = std::fs::read_to_string(&baseline).expect("baseline");
    let mut file: Value = serde_json::from_str(&text).expect("JSON");
    let entries = file["findings"].as_array_mut().expect("entries");
    let second = entries
        .iter()
        .position(|e| {
            e["rule"] == "action-case"
                && e["fingerprint"].as_str().is_some_and(|f| f.ends_with(":2"))
        })
        .expect("the second of two equal findings");
    entries.remove(second);
    std::fs::write(
        &baseline,
        serde_json::to_string_pretty(&file).expect("json"),
    )
    .expect("write");
    let v = lint(
        dir.path(),
        &["policies/admin.json", "--baseline", &b, "--format", "json"],
    )
    .json();
    let left: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(left, ["action-case"], "{v}");
    assert_eq!(v["findings"][0]["line"], 6);
}

#[test]
fn a_missing_or_broken_baseline_is_exit_2_with_its_place() {
    let dir = repository();
    lint(dir.path(), &["--baseline", "nope.json"]).assert_invalid(&[
        "the baseline `nope.json` does not exist",
        "--write-baseline nope.json",
    ]);
    write_file(
        dir.path(),
        "b.json",
        "{\"version\": 1,\n \"findings\": [{\"file\": \"a.json\"}]}",
    );
    lint(dir.path(), &["--baseline", "b.json"])
        .assert_invalid(&["b.json:2:15: a baseline entry has no `document`", "help: "]);
    write_file(dir.path(), "b.json", "{\"version\": 1, \"findings\": [],}");
    lint(dir.path(), &["--baseline", "b.json"]).assert_invalid(&["b.json:1:30: "]);
    let run = lint(dir.path(), &["--write-baseline", "no/such/dir/b.json"]);
    run.assert_invalid(&["cannot write the baseline `no/such/dir/b.json`"]);
}
