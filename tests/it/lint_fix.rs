//! `ramcheck lint --fix` through the real binary (files rewritten in place, only the bytes at
//! fault, what is left reported, standard input refused, suppressions respected, YAML left
//! alone), and the property that fixing the corpus and the lint fixtures never changes what a
//! document decides and changes only the bytes of the fixed spans.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ramcheck::decision::{NamedPolicy, PolicySet, Request};
use ramcheck::lint::fix::fix_file;
use ramcheck::lint::input::guess_kind;
use ramcheck::lint::{lint_file, LintedDocument};
use ramcheck::policy::Policy;

use crate::util::{ramcheck, ramcheck_stdin, run_in, write_file};

/// A policy with one finding of each fixable rule but `invalid-json`.
const BROKEN: &str = r#"{
  "Version": "1",
  "Statement": {
    "Effect": "Allow",
    "Action": ["ecs:describeinstances", "ecs:DescribeImages", "ECS:DescribeInstances"],
    "Resource": "*"
  }
}
"#;

/// [`BROKEN`] fixed.
const FIXED: &str = r#"{
  "Version": "1",
  "Statement": [{
    "Effect": "Allow",
    "Action": ["ecs:DescribeInstances", "ecs:DescribeImages"],
    "Resource": "*"
  }]
}
"#;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("readable")
}

#[test]
fn fix_rewrites_only_the_bytes_at_fault_and_reports_what_it_did() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_file(dir.path(), "p.json", BROKEN);
    let before = run_in(dir.path(), &["lint", "p.json", "--format", "json"], None);
    let fixable: Vec<(String, bool)> = before.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["fixable"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        fixable,
        [
            ("single-statement-object".to_owned(), true),
            ("action-case".to_owned(), true),
            ("action-case".to_owned(), true),
            ("duplicate-entry".to_owned(), true),
        ],
        "{before:?}"
    );
    assert_eq!(read(&path), BROKEN, "linting alone writes nothing");

    let run = run_in(dir.path(), &["lint", "--fix", "p.json"], None);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(read(&path), FIXED);
    assert_eq!(
        run.stdout,
        "no findings in 1 file, 1 document; fixed 3 findings in 1 file\n"
    );
    // The case fix of the repeat overlapped its removal, and was not needed after it. Nothing
    // is left: a second run fixes nothing and says so.
    let again = run_in(
        dir.path(),
        &["lint", "--fix", "p.json", "--format", "json"],
        None,
    );
    assert_eq!(again.json()["fixed"], 0, "{again:?}");
    assert_eq!(read(&path), FIXED);
}

#[test]
fn the_text_output_marks_fixable_findings_and_counts_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(dir.path(), "p.json", BROKEN);
    let run = run_in(dir.path(), &["lint", "p.json", "--fail-on", "never"], None);
    assert!(
        run.stdout
            .contains("= help: write `ecs:DescribeInstances` (fixable with `--fix`)\n"),
        "{run:?}"
    );
    assert!(
        run.stdout.ends_with("; 4 fixable with `--fix`\n"),
        "{run:?}"
    );
}

#[test]
fn g11_trailing_commas_are_removed_one_after_another() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "{\"Version\": \"1\",\n \"Statement\": [\n  {\"Effect\": \"Allow\", \"Action\": [\"ecs:*\",], \"Resource\": \"*\",},\n ],\n}\n";
    let path = write_file(dir.path(), "p.json", text);
    let run = run_in(
        dir.path(),
        &["lint", "--fix", "p.json", "--fail-on", "error"],
        None,
    );
    assert_eq!(
        read(&path),
        "{\"Version\": \"1\",\n \"Statement\": [\n  {\"Effect\": \"Allow\", \"Action\": [\"ecs:*\"], \"Resource\": \"*\"}\n ]\n}\n"
    );
    // What is left is reported as after any lint: `ecs:*` on everything is a finding.
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(run.stdout.contains("fixed 4 findings in 1 file"), "{run:?}");
}

#[test]
fn the_exit_status_is_that_of_what_is_left() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text =
        r#"{"Version": "1", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#;
    let path = write_file(dir.path(), "admin.json", text);
    let run = run_in(dir.path(), &["lint", "--fix", "admin.json"], None);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert!(run.stdout.contains("security[allow-all]"), "{run:?}");
    assert!(read(&path).contains("\"Statement\": [{"), "{}", read(&path));
}

#[test]
fn fix_refuses_standard_input() {
    let run = ramcheck_stdin(&["lint", "--fix", "-"], BROKEN);
    run.assert_invalid(&["`--fix`", "standard input"]);
}

#[test]
fn suppressed_findings_are_not_fixed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_file(dir.path(), "p.json", BROKEN);
    let run = run_in(
        dir.path(),
        &[
            "lint",
            "--fix",
            "p.json",
            "--ignore",
            "single-statement-object",
            "--format",
            "json",
        ],
        None,
    );
    let value = run.json();
    assert_eq!(
        (value["fixed"].as_u64(), value["suppressed"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(read(&path).contains("\"Statement\": {"), "{}", read(&path));
    assert!(
        !read(&path).contains("describeinstances"),
        "{}",
        read(&path)
    );
}

#[test]
fn an_inline_policy_of_an_account_snapshot_is_fixed_where_it_stands() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "{\"account_id\": \"1234567890123456\",\n \"policies\": {\"p\": {\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"ecs:AddTags\", \"ecs:addtags\"], \"Resource\": \"*\"}]}},\n \"users\": {\"alice\": {\"policies\": [\"p\"]}}}\n";
    let path = write_file(dir.path(), "account.json", text);
    let run = run_in(dir.path(), &["lint", "--fix", "account.json"], None);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(read(&path), text.replace(", \"ecs:addtags\"", ""));
}

#[test]
fn a_json_template_is_fixed_and_a_yaml_one_is_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = r#"{"ROSTemplateFormatVersion": "2015-09-01", "Resources": {"P": {"Type": "ALIYUN::RAM::ManagedPolicy", "Properties": {"PolicyName": "p", "PolicyDocument": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:addtags", "Resource": "*"}]}}}}}"#;
    let json_path = write_file(dir.path(), "template.json", json);
    let yaml = "ROSTemplateFormatVersion: '2015-09-01'\nResources:\n  P:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties:\n      PolicyName: p\n      PolicyDocument:\n        Version: '1'\n        Statement:\n          - Effect: Allow\n            Action: ecs:addtags\n            Resource: '*'\n";
    let yaml_path = write_file(dir.path(), "template.yaml", yaml);
    let run = run_in(
        dir.path(),
        &[
            "lint",
            "--fix",
            "template.json",
            "template.yaml",
            "--format",
            "json",
        ],
        None,
    );
    let value = run.json();
    assert_eq!(read(&json_path), json.replace("addtags", "AddTags"));
    assert_eq!(read(&yaml_path), yaml, "a YAML template is never rewritten");
    assert_eq!(
        (value["fixed"].as_u64(), value["fixed_files"].as_u64()),
        (Some(1), Some(1))
    );
    let left: Vec<&serde_json::Value> = value["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "action-case")
        .collect();
    assert_eq!(left.len(), 1, "{run:?}");
    assert_eq!(left[0]["file"], "template.yaml");
    assert_eq!(left[0]["fixable"], false);
    assert!(
        left[0]["help"]
            .as_str()
            .is_some_and(|h| h.contains("not fixable with `--fix` here")),
        "{run:?}"
    );
}

#[test]
fn a_document_in_a_terraform_string_is_fixed_with_its_escapes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let document = "{\n  \"Version\": \"1\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": [\"ecs:addtags\", \"ecs:AddTags\"], \"Resource\": \"*\"}\n}";
    let plan = |document: &str| {
        serde_json::json!({"format_version": "1.2", "planned_values": {"root_module": {"resources": [
            {"address": "alicloud_ram_policy.p", "type": "alicloud_ram_policy", "name": "p",
             "values": {"policy_name": "p", "policy_document": document}}]}}})
        .to_string()
    };
    let path = write_file(dir.path(), "plan.json", &plan(document));
    let run = run_in(dir.path(), &["lint", "--fix", "plan.json"], None);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(
        run.stdout.ends_with("fixed 3 findings in 1 file\n"),
        "{run:?}"
    );
    let fixed = document
        .replace("{\"Effect\"", "[{\"Effect\"")
        .replace("\"*\"}\n}", "\"*\"}]\n}")
        .replace("\"ecs:addtags\", \"ecs:AddTags\"", "\"ecs:AddTags\"");
    assert_eq!(read(&path), plan(&fixed));
}

#[cfg(unix)]
#[test]
fn a_linked_file_is_fixed_through_its_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = write_file(dir.path(), "real/p.json", BROKEN);
    let link = dir.path().join("p.json");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let run = run_in(dir.path(), &["lint", "--fix", "p.json"], None);
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(std::fs::symlink_metadata(&link)
        .expect("link")
        .file_type()
        .is_symlink());
    assert_eq!(read(&target), FIXED);
    let leftovers: Vec<PathBuf> = std::fs::read_dir(target.parent().expect("folder"))
        .expect("listing")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(leftovers, [target], "no temporary file is left");
}

#[test]
fn the_usage_says_fix() {
    let run = ramcheck(&["lint", "--help"]);
    assert!(run.stdout.contains("--fix"), "{run:?}");
}

#[test]
fn the_rules_say_which_are_fixable() {
    let value = ramcheck(&["rules", "--format", "json"]).json();
    let fixable: Vec<(&str, &str)> = value["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter(|r| r["fixable"] != "no")
        .map(|r| {
            (
                r["id"].as_str().unwrap_or_default(),
                r["fixable"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        fixable,
        [
            ("invalid-json", "sometimes"),
            ("single-statement-object", "always"),
            ("action-case", "always"),
            ("duplicate-entry", "always"),
        ]
    );
}

// The property over real documents.

/// What a document means, without where it says it: each statement's effect, its actions
/// (lower case, as they match, M2) and resources as sets, and its conditions as sets of values
/// per operator and key. The fixes may change spelling, layout and repeats, none of this.
fn meaning(policy: &Policy) -> Vec<String> {
    use std::collections::BTreeSet;
    policy
        .statements()
        .iter()
        .map(|s| {
            let actions: BTreeSet<String> = s
                .action()
                .patterns()
                .iter()
                .map(|p| p.value().to_ascii_lowercase())
                .collect();
            let resources: Option<(bool, BTreeSet<&String>)> = s.resource().map(|r| {
                (
                    r.is_negated(),
                    r.patterns().iter().map(|p| p.value()).collect(),
                )
            });
            let conditions: BTreeSet<(String, String, BTreeSet<&str>)> = s
                .condition()
                .map(|c| c.clauses())
                .unwrap_or_default()
                .iter()
                .map(|c| {
                    (
                        c.operator().to_string(),
                        c.key().to_owned(),
                        c.values().iter().map(|v| v.text()).collect(),
                    )
                })
                .collect();
            format!(
                "{:?} {} {actions:?} {resources:?} {conditions:?} {:?}",
                s.effect(),
                s.action().is_negated(),
                s.principal().map(|p| p.is_wildcard())
            )
        })
        .collect()
}

/// Requests made from a document's own actions and resources (wildcards filled in) and the
/// action this project is about.
fn samples(policy: &Policy) -> Vec<(String, String)> {
    let mut actions = vec!["ecs:CancelImagePipelineExecution".to_owned()];
    let mut resources = vec!["acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1".to_owned()];
    for s in policy.statements() {
        let filled = |p: &ramcheck::policy::Spanned<String>| p.value().replace(['*', '?'], "x");
        actions.extend(s.action().patterns().iter().map(filled));
        if let Some(r) = s.resource() {
            resources.extend(r.patterns().iter().map(filled));
        }
    }
    actions.truncate(20);
    resources.truncate(20);
    actions
        .iter()
        .flat_map(|a| resources.iter().map(move |r| (a.clone(), r.clone())))
        .collect()
}

/// The decisions of `policy` on `samples`, each as text (`Allow`, an error).
fn decisions(policy: &Policy, samples: &[(String, String)]) -> Vec<String> {
    let set = PolicySet::new(vec![NamedPolicy::new("p", None, Arc::new(policy.clone()))]);
    samples
        .iter()
        .map(|(action, resource)| match Request::new(action, resource) {
            Ok(request) => match set.decide(&request) {
                Ok(outcome) => format!("{:?}", outcome.decision()),
                Err(e) => format!("error {e}"),
            },
            Err(_) => "bad request".to_owned(),
        })
        .collect()
}

/// The documents the property runs on: the lint fixtures and, when it is there, the corpus.
fn documents() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("tests/fixtures/lint")];
    let corpus = root.join("../shared/corpus/real");
    if corpus.is_dir() {
        dirs.push(corpus);
    } else {
        // Written past the test harness's capture, so that the skip shows in every run.
        let _ = writeln!(
            std::io::stderr(),
            "lint_fix: SKIPPED the corpus part of the fix property: no corpus at {}",
            corpus.display()
        );
    }
    let mut docs = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(&dir).expect("listing") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "json") {
                let name = path.to_string_lossy().into_owned();
                docs.push((name, std::fs::read(&path).expect("readable")));
            }
        }
    }
    docs.sort();
    docs
}

/// Checks that every edit of one round of fixes of `documents` (linted from `bytes`) replaces
/// only what its rule may: the case of an action's letters, `[`/`]` inserted, one repeat with
/// its comma, one trailing comma.
fn check_edits(name: &str, bytes: &[u8], documents: &[LintedDocument]) {
    for doc in documents {
        for finding in &doc.findings {
            let Some(fix) = &finding.fix else { continue };
            for edit in &fix.edits {
                let span = doc
                    .file_span(edit.span)
                    .expect("a fix offered maps to the file");
                let was = String::from_utf8_lossy(&bytes[span.start..span.end]).into_owned();
                let now = edit.replacement.as_str();
                let fine = match finding.rule {
                    "action-case" => !was.is_empty() && was.eq_ignore_ascii_case(now) && was != now,
                    "single-statement-object" => was.is_empty() && (now == "[" || now == "]"),
                    "duplicate-entry" => {
                        now.is_empty()
                            && was.trim_start().strip_prefix(',').is_some_and(|rest| {
                                serde_json::from_str::<serde_json::Value>(rest)
                                    .is_ok_and(|v| !v.is_array() && !v.is_object())
                            })
                    }
                    "invalid-json" => was == "," && now.is_empty(),
                    other => panic!("{name}: `{other}` has a fix"),
                };
                assert!(fine, "{name}: {} replaces `{was}` by `{now}`", finding.rule);
            }
        }
    }
}

#[test]
fn fixing_never_changes_decisions_and_touches_only_the_fixed_spans() {
    let mut fixed_documents = 0;
    for (name, bytes) in documents() {
        let documents = lint_file(&bytes, "p", None);
        check_edits(&name, &bytes, &documents);
        let fixed = fix_file(&bytes, None, "p", None, 64 << 20, |_, _| true);
        assert!(!fixed.unfinished, "{name}: fixes left");
        // Nothing of a fixed rule is left to fix.
        for doc in &fixed.documents {
            for f in &doc.findings {
                assert!(f.fix.is_none(), "{name}: still fixable after --fix: {f:?}");
            }
        }
        if fixed.fixed == 0 {
            assert_eq!(fixed.bytes, bytes, "{name}: changed without a fix");
            continue;
        }
        fixed_documents += 1;
        let kind = guess_kind(&bytes);
        if let Ok(before) = Policy::from_bytes(&bytes, kind) {
            let after = Policy::from_bytes(&fixed.bytes, kind)
                .unwrap_or_else(|e| panic!("{name}: the fixed document does not parse: {e}"));
            assert_eq!(meaning(&before), meaning(&after), "{name}");
            let samples = samples(&before);
            assert_eq!(
                decisions(&before, &samples),
                decisions(&after, &samples),
                "{name}"
            );
        }
    }
    assert!(
        fixed_documents >= 4,
        "the fixtures have a fix of each fixable rule"
    );
}
