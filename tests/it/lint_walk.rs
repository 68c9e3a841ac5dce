//! What `ramcheck lint` lints in a repository (issue 23): a walk of a repository-like tree
//! lints its policies, Terraform plans and ROS templates (YAML and JSON) and skips, and counts,
//! `package.json`, `tsconfig.json`, CI YAML, `node_modules/` and gitignored output; nested
//! ignore files, `--exclude` and the sidecar's `exclude`; `--ignore RULE:DIR`; what
//! `--skip-non-ram` and `--force-exclude` do to named files, as a pre-commit hook names them.
//!
//! Expected findings are not written out by hand: a walk must give exactly what linting its RAM
//! documents by name gives.

use std::path::Path;

use serde_json::Value;

use crate::lint_inputs::{files_of, lint, lint_json};
use crate::util::{root, write_file, Invocation};

/// The findings of a JSON report as `(file, rule, line, column)`, in order.
fn findings(v: &Value) -> Vec<(String, String, u64, u64)> {
    v["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|f| {
                    (
                        f["file"].as_str().unwrap_or_default().to_owned(),
                        f["rule"].as_str().unwrap_or_default().to_owned(),
                        f["line"].as_u64().unwrap_or(0),
                        f["column"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn skipped_of(v: &Value) -> Vec<String> {
    v["skipped_not_ram_documents"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn copy(dir: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(root().join(from)).expect("read fixture");
    write_file(dir, to, &text);
}

const ADMIN: &str =
    r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

const PACKAGE: &str = r#"{
  "name": "web",
  "version": "1.4.0",
  "private": true,
  "scripts": {"build": "tsc -p .", "test": "vitest"},
  "dependencies": {"react": "^18.2.0"},
  "devDependencies": {"typescript": "^5.4.0"}
}
"#;

/// TypeScript's configuration allows comments and trailing commas.
const TSCONFIG: &str = r#"{
  // Strict, no emit: the bundler builds.
  "compilerOptions": {
    "target": "ES2022",
    "strict": true, /* always */
    "noEmit": true,
  },
  "include": ["src/**/*.ts"],
}
"#;

const WORKFLOW: &str = "name: ci\non: [push]\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    \
                        steps:\n      - run: ramcheck lint\n";

/// A repository as a new user has it: an application with its dependencies installed and its
/// build output, and the RAM documents of its infrastructure.
fn repository(dir: &Path, with_git: bool) {
    if with_git {
        std::fs::create_dir_all(dir.join(".git")).expect(".git");
    }
    write_file(dir, ".gitignore", "node_modules/\n/dist\n*.tfplan.json\n");
    write_file(dir, "package.json", PACKAGE);
    write_file(
        dir,
        "package-lock.json",
        r#"{"name": "web", "lockfileVersion": 3}"#,
    );
    write_file(dir, "tsconfig.json", TSCONFIG);
    write_file(dir, ".github/workflows/ci.yml", WORKFLOW);
    write_file(dir, "deploy/pipeline.yml", WORKFLOW);
    write_file(dir, "node_modules/left-pad/package.json", PACKAGE);
    write_file(dir, "node_modules/json5/test/broken.json", "{broken");
    write_file(dir, "dist/policy.json", "{not built yet");
    write_file(dir, "infra/local.tfplan.json", "{half written");
    copy(
        dir,
        "policies/examples/terraform-plan.json",
        "infra/plan.json",
    );
    copy(
        dir,
        "policies/examples/ros-template.yaml",
        "infra/ros/template.yaml",
    );
    copy(
        dir,
        "tests/fixtures/ros/ci-deployer.json",
        "infra/ros/ci-deployer.json",
    );
    write_file(dir, "policies/admin.json", ADMIN);
}

/// The RAM documents of [`repository`], as a walk lists them.
const RAM_FILES: [&str; 4] = [
    "infra/plan.json",
    "infra/ros/ci-deployer.json",
    "infra/ros/template.yaml",
    "policies/admin.json",
];

#[test]
fn a_repository_root_lints_its_ram_documents_and_skips_the_rest() {
    for with_git in [true, false] {
        let dir = tempfile::tempdir().expect("temp dir");
        repository(dir.path(), with_git);
        let (run, walked) = lint_json(dir.path(), &["--fail-on", "never"]);
        assert_eq!(run.status, Some(0), "{run:?}");
        // The same findings as naming the RAM documents, and nothing else.
        let (_, named) = lint_json(
            dir.path(),
            &[&RAM_FILES[..], &["--fail-on", "never"]].concat(),
        );
        assert!(!findings(&named).is_empty());
        assert_eq!(findings(&walked), findings(&named), "with .git: {with_git}");
        assert_eq!(walked["files"], RAM_FILES.len(), "{run:?}");
        assert_eq!(
            skipped_of(&walked),
            [
                "deploy/pipeline.yml",
                "package-lock.json",
                "package.json",
                "tsconfig.json"
            ],
            "with .git: {with_git}"
        );
        let text = lint(dir.path(), &["--fail-on", "never"]);
        assert!(
            text.stdout
                .contains("; skipped 4 files that are not RAM documents"),
            "{text:?}"
        );
        // No note per file unless asked.
        assert!(!text.stderr.contains("package.json"), "{text:?}");
    }
}

#[test]
fn show_skipped_says_why_each_file_is_skipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    repository(dir.path(), true);
    write_file(dir.path(), "data/list.json", "[1, 2]");
    let run = lint(
        dir.path(),
        &["--show-skipped", "--exclude", "infra", "--fail-on", "never"],
    );
    for note in [
        "note: skipped `package.json`: not a RAM document: a JSON object without the keys",
        "note: skipped `deploy/pipeline.yml`: not a RAM document: YAML without a top-level \
         `ROSTemplateFormatVersion`",
        "note: skipped `data/list.json`: not a RAM document: JSON that is an array, not an object",
        "note: skipped `infra`: excluded by `--exclude` or the sidecar's `exclude`",
    ] {
        assert!(run.stderr.contains(note), "lacks {note}{run:?}");
    }
    // Hidden, ignored and dependency directories are not walked, so not noted.
    for quiet in ["node_modules", "dist", ".github", "local.tfplan"] {
        assert!(!run.stderr.contains(quiet), "{quiet}{run:?}");
    }
}

#[test]
fn nested_ignore_files_and_node_modules_are_honoured_and_named_paths_are_linted() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(dir.path(), "a/.gitignore", "generated.json\n");
    write_file(dir.path(), "a/generated.json", "{broken");
    write_file(dir.path(), "a/b/generated.json", "{broken");
    write_file(dir.path(), "a/b/.ignore", "*.json\n!keep.json\n");
    write_file(dir.path(), "a/b/keep.json", ADMIN);
    write_file(dir.path(), "a/b/drop.json", ADMIN);
    // A nested `.gitignore` covers its own directory, not a sibling.
    write_file(dir.path(), "c/generated.json", ADMIN);
    // Not in any ignore file: skipped all the same, as a dependency directory.
    write_file(dir.path(), "c/node_modules/dep/policy.json", "{broken");
    let (run, v) = lint_json(dir.path(), &[]);
    assert_eq!(
        files_of(&v),
        ["a/b/keep.json", "c/generated.json"],
        "{run:?}"
    );
    // Named, or walked from, a dependency directory is linted.
    let (run, v) = lint_json(dir.path(), &["c/node_modules"]);
    assert_eq!(files_of(&v), ["c/node_modules/dep/policy.json"], "{run:?}");
    let (_, v) = lint_json(dir.path(), &["a/generated.json"]);
    assert_eq!(files_of(&v), ["a/generated.json"]);
}

#[test]
fn a_broken_policy_is_linted_in_a_walk_whatever_it_looks_like() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(
        dir.path(),
        "misspelt.json",
        r#"{"Version": "1", "Statment": []}"#,
    );
    write_file(
        dir.path(),
        "flat.json",
        r#"{"Version": "1", "Effect": "Allow", "Action": "*"}"#,
    );
    write_file(
        dir.path(),
        "trailing.json",
        "{\"Version\": \"1\", \"Statement\": [],}",
    );
    write_file(dir.path(), "text.json", "Version: 1\n");
    write_file(dir.path(), "package.json", PACKAGE);
    let (run, v) = lint_json(dir.path(), &[]);
    assert_eq!(run.status, Some(1), "{run:?}");
    assert_eq!(
        files_of(&v),
        ["flat.json", "misspelt.json", "text.json", "trailing.json"],
        "{run:?}"
    );
    assert_eq!(skipped_of(&v), ["package.json"]);
}

#[test]
fn a_walk_of_only_other_files_is_exit_2_saying_what_it_skipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(dir.path(), "web/package.json", PACKAGE);
    write_file(dir.path(), "web/tsconfig.json", TSCONFIG);
    write_file(dir.path(), "web/a.json", "{}");
    write_file(dir.path(), "web/b.yaml", WORKFLOW);
    lint(dir.path(), &["web"]).assert_invalid(&[
        "no policy documents found in `web`: skipped 4 files that are not RAM documents \
         (`web/a.json`, `web/b.yaml`, `web/package.json`, 1 more)",
        "--show-skipped",
    ]);
    lint(dir.path(), &["web/*.json"]).assert_invalid(&[
        "no policy documents found among the files `web/*.json` matches: skipped 3 files",
    ]);
    // A glob match of another extension is taken as before.
    write_file(dir.path(), "web/policy.txt", ADMIN);
    let (run, v) = lint_json(dir.path(), &["web/*.txt"]);
    assert_eq!(files_of(&v), ["web/policy.txt"], "{run:?}");
}

/// A tree where every file has findings, so the files of a report are those linted.
fn admin_tree(dir: &Path) {
    std::fs::create_dir_all(dir.join(".git")).expect(".git");
    for file in [
        "infra/plan.json",
        "infra/ros/template.json",
        "policies/admin.json",
        "policies/nested/admin.json",
    ] {
        write_file(dir, file, ADMIN);
    }
}

#[test]
fn exclude_prunes_files_and_directories_relative_to_the_current_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    admin_tree(dir.path());
    let files = |args: &[&str]| {
        let (run, v) = lint_json(dir.path(), args);
        assert_eq!(run.status, Some(1), "{run:?}");
        files_of(&v)
    };
    assert_eq!(files(&[]).len(), 4);
    for excluded in ["infra", "infra/", "./infra", "inf*", "infra/**"] {
        assert_eq!(
            files(&["--exclude", excluded]),
            ["policies/admin.json", "policies/nested/admin.json"],
            "--exclude {excluded}"
        );
    }
    assert_eq!(
        files(&["--exclude", "infra/ros/template.json"]),
        [
            "infra/plan.json",
            "policies/admin.json",
            "policies/nested/admin.json"
        ]
    );
    // `*` stays within a directory, `**` crosses them.
    assert_eq!(
        files(&["--exclude", "infra", "--exclude", "policies/*.json"]),
        ["policies/nested/admin.json"]
    );
    assert_eq!(
        files(&["--exclude", "policies/**/*.json"]),
        ["infra/plan.json", "infra/ros/template.json"]
    );
    // Walking from elsewhere: the patterns stay relative to the current directory.
    let absolute = dir.path().join("policies").to_string_lossy().into_owned();
    let (run, v) = lint_json(dir.path(), &[&absolute, "--exclude", "policies/nested"]);
    assert_eq!(files_of(&v).len(), 1, "{run:?}");
    assert!(files_of(&v)[0].ends_with("policies/admin.json"), "{run:?}");
    // A named file is linted unless `--force-exclude`.
    assert_eq!(
        files(&["infra/plan.json", "--exclude", "infra"]),
        ["infra/plan.json"]
    );
    assert_eq!(
        files(&[
            "infra/plan.json",
            "policies/admin.json",
            "--exclude",
            "infra",
            "--force-exclude"
        ]),
        ["policies/admin.json"]
    );
    lint(dir.path(), &["--exclude", "infra/[a"])
        .assert_invalid(&["invalid glob `infra/[a` in `--exclude`", "help:"]);
    // Everything excluded is nothing found.
    lint(dir.path(), &["--exclude", "infra", "--exclude", "policies"])
        .assert_invalid(&["no policy documents found in `.`"]);
}

#[test]
fn the_sidecar_excludes_relative_to_the_root_from_any_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    admin_tree(dir.path());
    write_file(
        dir.path(),
        ".ramcheck.json",
        r#"{"exclude": ["infra/ros", "policies/admin.json"]}"#,
    );
    let (run, v) = lint_json(dir.path(), &[]);
    assert_eq!(
        files_of(&v),
        ["infra/plan.json", "policies/nested/admin.json"],
        "{run:?}"
    );
    let (run, v) = lint_json(&dir.path().join("infra"), &[]);
    assert_eq!(files_of(&v), ["plan.json"], "{run:?}");
    // Named, an excluded file is linted; with `--force-exclude` it is not.
    let (_, v) = lint_json(dir.path(), &["policies/admin.json"]);
    assert_eq!(files_of(&v), ["policies/admin.json"]);
    let (run, v) = lint_json(
        &dir.path().join("policies"),
        &["admin.json", "--force-exclude"],
    );
    assert_eq!(run.status, Some(0), "{run:?}");
    assert_eq!(v["files"], 0, "{run:?}");
    // Strict as the rest of the sidecar.
    write_file(dir.path(), ".ramcheck.json", r#"{"exclud": ["infra"]}"#);
    lint(dir.path(), &[]).assert_invalid(&["unknown key `exclud`", "did you mean `exclude`?"]);
    write_file(dir.path(), ".ramcheck.json", r#"{"exclude": "infra"}"#);
    lint(dir.path(), &[])
        .assert_invalid(&["1:13: `exclude` must be an array of globs, found a string"]);
}

#[test]
fn ignore_rule_dir_covers_everything_under_the_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_file(dir.path(), "policies/admin.json", ADMIN);
    write_file(dir.path(), "policies/deep/er/admin.json", ADMIN);
    write_file(dir.path(), "policies-old/admin.json", ADMIN);
    let allow_all = |args: &[&str]| {
        let (run, v) = lint_json(dir.path(), args);
        assert!(run.status.is_some_and(|s| s < 2), "{run:?}");
        findings(&v)
            .into_iter()
            .filter(|f| f.1 == "allow-all")
            .map(|f| f.0)
            .collect::<Vec<_>>()
    };
    assert_eq!(allow_all(&[]).len(), 3);
    for ignore in [
        "allow-all:policies",
        "allow-all:policies/",
        "allow-all:./policies",
    ] {
        assert_eq!(
            allow_all(&["--ignore", ignore]),
            ["policies-old/admin.json"],
            "{ignore}"
        );
    }
    assert_eq!(
        allow_all(&["--ignore", "allow-all:policies/deep"]),
        ["policies-old/admin.json", "policies/admin.json"]
    );
    let absolute = format!("allow-all:{}", dir.path().join("policies").display());
    assert_eq!(
        allow_all(&["--ignore", &absolute]),
        ["policies-old/admin.json"]
    );
    std::fs::create_dir(dir.path().join(".git")).expect(".git");
    write_file(
        dir.path(),
        ".ramcheck.json",
        r#"{"ignore": [{"rule": "allow-all", "path": "policies/deep/"}]}"#,
    );
    assert_eq!(
        allow_all(&[]),
        ["policies-old/admin.json", "policies/admin.json"]
    );
}

#[test]
fn skip_non_ram_skips_named_files_as_a_walk_does_for_pre_commit() {
    let dir = tempfile::tempdir().expect("temp dir");
    repository(dir.path(), true);
    write_file(
        dir.path(),
        "broken.json",
        r#"{"Version": "1", "Statment": []}"#,
    );
    // A hook that got only `package.json` and `tsconfig.json` passes, saying it skipped them.
    let run = lint(
        dir.path(),
        &["--skip-non-ram", "package.json", "tsconfig.json"],
    );
    assert_eq!(run.status, Some(0), "{run:?}");
    assert!(
        run.stdout
            .contains("skipped 2 files that are not RAM documents"),
        "{run:?}"
    );
    // Without the flag, a named file is linted whatever it holds.
    let run = lint(dir.path(), &["package.json"]);
    assert_eq!(run.status, Some(1), "{run:?}");
    // RAM documents and broken policies among them are linted.
    let (run, v) = lint_json(
        dir.path(),
        &[
            "--skip-non-ram",
            "package.json",
            "broken.json",
            "infra/ros/template.yaml",
            "deploy/pipeline.yml",
        ],
    );
    assert_eq!(run.status, Some(1), "{run:?}");
    assert_eq!(
        files_of(&v),
        ["broken.json", "infra/ros/template.yaml"],
        "{run:?}"
    );
    // In the order named.
    assert_eq!(skipped_of(&v), ["package.json", "deploy/pipeline.yml"]);
    // Standard input is always linted.
    let run = Invocation::new(&["lint", "--skip-non-ram", "-"])
        .dir(dir.path())
        .stdin(PACKAGE)
        .run();
    assert_eq!(run.status, Some(1), "{run:?}");
}
