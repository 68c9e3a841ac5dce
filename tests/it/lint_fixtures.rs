//! `ramcheck lint` (issue 4): the rule fixtures, the real-world corpus and the SARIF schema
//! (the CLI through the real binary is in `lint_cli`).
//!
//! - `fixtures/lint/<rule-id>.json` must give exactly the (rule, line) pairs listed for it in
//!   `fixtures/lint/EXPECTED.tsv`; `<rule-id>.ok.json` must give no finding at all.
//! - Every document of `../shared/corpus/real/` is linted without a crash, and each one that is
//!   not strict JSON gets `invalid-json` at the line and column of the fault.
//! - Their SARIF log is valid by the SARIF 2.1.0 schema and by Microsoft's SARIF multitool.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ramcheck::lint::registry::rules;
use ramcheck::lint::{lint_file, LintedFile};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint")
}

fn lint_path(path: &Path) -> LintedFile {
    let bytes = std::fs::read(path).expect("fixture is readable");
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    LintedFile::new(
        path.file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        lint_file(&bytes, &stem, None),
    )
}

#[test]
fn every_fixture_gives_exactly_its_expected_findings() {
    let expected_text =
        std::fs::read_to_string(fixtures().join("EXPECTED.tsv")).expect("EXPECTED.tsv");
    let mut expected: BTreeSet<(String, String, usize)> = BTreeSet::new();
    for line in expected_text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 3, "bad line in EXPECTED.tsv: {line}");
        expected.insert((
            fields[0].into(),
            fields[1].into(),
            fields[2].parse().expect("line"),
        ));
    }
    let mut found = BTreeSet::new();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(fixtures()).expect("fixtures dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let file = lint_path(&path);
            for doc in &file.documents {
                for f in &doc.findings {
                    found.insert((file.path.clone(), f.rule.to_owned(), f.position.line));
                }
            }
            names.push(file.path);
        }
    }
    let missing: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nunexpected: {extra:#?}"
    );
    for rule in rules() {
        if rule.id != "internal-error" {
            assert!(
                names.contains(&format!("{}.json", rule.id)),
                "no fixture fires `{}`",
                rule.id
            );
            assert!(
                expected
                    .iter()
                    .any(|(file, r, _)| *file == format!("{}.json", rule.id) && r == rule.id),
                "`{}.json` does not fire `{}`",
                rule.id,
                rule.id
            );
        }
        assert!(
            names.contains(&format!("{}.ok.json", rule.id)),
            "no passing fixture for `{}`",
            rule.id
        );
    }
}

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real");
    if dir.is_dir() {
        Some(dir)
    } else {
        super::util::skip(&format!(
            "no corpus at `{}` (the `shared` folder beside the repository)",
            dir.display()
        ));
        None
    }
}

/// The documents that are not strict JSON (SOURCES.md, "NOT strict JSON"), with the line and
/// column of their fault. Where a trailing comma is the fault, it is the comma (a strict
/// reader such as Python's points at the bracket after it instead).
const NOT_STRICT_JSON: [(&str, usize, usize); 14] = [
    ("022-ram-vpc-nbsp-whitespace.json", 2, 5),
    ("023-ram-vpc-empty-condition-nbsp.json", 2, 5),
    ("027-ram-passrole-line-comment.json", 6, 64),
    ("030-ram-sts-session-md-escaped.json", 1, 15),
    ("050-ecs-slr-create-account-placeholder.json", 2, 1),
    ("077-mod-ecs-reboot-templated.json", 12, 19),
    ("096-csi-nas-trailing-comma.json", 30, 10),
    ("098-csi-trust-shell-vars.json", 7, 24),
    ("100-ack-rrsa-trust-stray-brace.json", 12, 8),
    ("113-sls-fullwidth-comma.json", 8, 12),
    ("114-sls-trailing-comma-md-escape.json", 8, 30),
    ("115-sls-hash-comment.json", 7, 44),
    ("120-equiv-invalid-truncated.json", 5, 3),
    ("131-user-two-policies-shell-comments.json", 1, 1),
];

#[test]
fn g11_corpus_lints_and_non_strict_json_is_located() {
    let Some(dir) = corpus() else { return };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 136, "corpus has {} documents", paths.len());
    for path in &paths {
        let file = lint_path(path);
        assert_eq!(file.documents.len(), 1, "{}", file.path);
        let invalid: Vec<(usize, usize)> = file.documents[0]
            .findings
            .iter()
            .filter(|f| f.rule == "invalid-json")
            .map(|f| (f.position.line, f.position.column))
            .collect();
        match NOT_STRICT_JSON
            .iter()
            .find(|(name, _, _)| *name == file.path)
        {
            Some((_, line, column)) => assert_eq!(invalid, vec![(*line, *column)], "{}", file.path),
            None => assert!(invalid.is_empty(), "{}: {invalid:?}", file.path),
        }
    }
}

#[test]
fn sarif_log_of_corpus_and_fixtures_is_valid_sarif_2_1_0_and_passes_the_multitool() {
    let schema_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-schema-2.1.0.json"),
    )
    .expect("vendored schema");
    let schema: serde_json::Value = serde_json::from_str(&schema_text).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let mut dirs = vec![fixtures()];
    dirs.extend(corpus());
    let mut files = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(dir).expect("dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(lint_path(&path));
            }
        }
    }
    let fingerprints = ramcheck::lint::baseline::Fingerprints::new(&files, None);
    let log = ramcheck::output::sarif::log_value(
        &files,
        &ramcheck::lint::Tally::default(),
        &fingerprints,
        &ramcheck::output::sarif::Settings::new(1),
    );
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path))
        .take(10)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let problems = crate::lint_sarif::multitool_problems(&log.to_string());
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(log["runs"][0]["results"]
        .as_array()
        .is_some_and(|r| !r.is_empty()));
}
