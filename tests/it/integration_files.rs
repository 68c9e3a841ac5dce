//! The files that put ramcheck into other tools, each exercised by the tool itself where it can
//! run here: the pre-commit hooks (`.pre-commit-hooks.yaml`) through the real `pre-commit
//! try-repo` (from `target/ci/venv`, which `.ci/e2e/install` fills), the GitHub Action's lint
//! step (`action.yml`) run by bash as a runner would, the shell completions parsed and driven
//! by bash (zsh and fish too where installed), the manual pages rendered by groff; and the
//! links of the README and `docs/`, which must resolve in a fresh clone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

use super::util::{ramcheck, root, run_in, write_file, Invocation};

const BROKEN_POLICY: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution", "Resource": "*", "Conditon": {}}]}
"#;
const CLEAN_POLICY: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:DescribeImagePipelines", "Resource": "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/*"}]}
"#;
/// What an npm or TypeScript project has beside its policies: not RAM documents, so the hooks
/// must not pass them to lint (which would fail on them).
const NOT_RAM: [(&str, &str); 4] = [
    ("package.json", r#"{"name": "infra", "version": "1.0.0"}"#),
    ("tsconfig.json", r#"{"compilerOptions": {"strict": true}}"#),
    (".ramcheck.json", r#"{"ignore": [{"rule": "action-case"}]}"#),
    (
        ".github/workflows/ci.yml",
        "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
    ),
];

const HOW_TO_INSTALL: &str =
    "run `.ci/e2e/install` (it installs pre-commit from PyPI into `target/ci/venv`; `.ci/run` does it)";

fn pre_commit() -> PathBuf {
    let path = root().join("target/ci/venv/bin/pre-commit");
    assert!(
        path.is_file(),
        "pre-commit is not installed in `target/ci/venv`; {HOW_TO_INSTALL}"
    );
    path
}

/// The folder of the `ramcheck` under test, to put first on PATH.
fn binary_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_ramcheck"))
        .parent()
        .expect("the binary has a folder")
        .to_path_buf()
}

fn path_with_binary() -> std::ffi::OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(binary_dir()).chain(std::env::split_paths(&path)))
        .expect("PATH joins")
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `git ARGS` in `dir`, with an identity of its own so that the machine's configuration (or
/// its absence) does not matter.
fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=ramcheck tests",
            "-c",
            "user.email=tests@ramcheck.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {}", text(&output));
}

/// A git repository holding `files`, all added to the index (what `--all-files` runs on).
fn repository(dir: &Path, files: &[(&str, &str)]) {
    std::fs::create_dir_all(dir).expect("dir");
    git(dir, &["init", "-q"]);
    for (name, content) in files {
        write_file(dir, name, content);
    }
    git(dir, &["add", "-A"]);
}

/// The hook repository for `language: system` hooks: this repository's
/// `.pre-commit-hooks.yaml` alone, committed (cloning the whole project for a hook that runs
/// the `ramcheck` on PATH would only cost time).
fn hook_repository(dir: &Path) -> PathBuf {
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).expect("hooks");
    let repo = dir.join("hooks");
    repository(&repo, &[(".pre-commit-hooks.yaml", &hooks)]);
    git(&repo, &["commit", "-q", "-m", "hooks"]);
    repo
}

/// `pre-commit try-repo HOOKS HOOK --all-files` in `project`, with a pre-commit home of its
/// own and the `ramcheck` under test first on PATH.
fn try_repo(home: &Path, hooks: &Path, hook: &str, project: &Path) -> Output {
    Command::new(pre_commit())
        .current_dir(project)
        .env("PRE_COMMIT_HOME", home)
        .env("PATH", path_with_binary())
        .env("NO_COLOR", "1")
        .args(["try-repo", "--all-files", "--color", "never"])
        .arg(hooks)
        .arg(hook)
        .output()
        .expect("pre-commit runs")
}

#[test]
fn pre_commit_hook_fails_on_a_broken_policy_and_passes_a_clean_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let hooks = hook_repository(tmp.path());
    let home = tmp.path().join("pre-commit-home");

    let mut broken = NOT_RAM.to_vec();
    broken.extend([
        ("policies/broken.json", BROKEN_POLICY),
        ("policies/ok.json", CLEAN_POLICY),
    ]);
    let project = tmp.path().join("broken");
    repository(&project, &broken);
    let output = try_repo(&home, &hooks, "ramcheck-lint-system", &project);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    // The finding itself, as lint prints it, at its place (G5: a misspelt key is an error).
    let expected = run_in(&project, &["lint", "policies/broken.json"], None);
    assert_eq!(expected.status, Some(1), "{expected:?}");
    let finding = expected.first_line().replace("policies/broken.json", "");
    assert!(
        all.contains(&format!("policies/broken.json{finding}")),
        "no `{finding}` in the hook's output: {all}"
    );
    assert!(all.contains("unknown-key"), "{all}");
    // Only the policies were passed: nothing about the npm, TypeScript or sidecar files.
    for (name, _) in NOT_RAM {
        assert!(!all.contains(name), "`{name}` was linted: {all}");
    }

    let mut clean = NOT_RAM.to_vec();
    clean.push(("policies/ok.json", CLEAN_POLICY));
    let project = tmp.path().join("clean");
    repository(&project, &clean);
    let output = try_repo(&home, &hooks, "ramcheck-lint-system", &project);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("Passed"),
        "{}",
        text(&output)
    );
}

/// The commit `dir`'s repository is at.
fn head(dir: &Path) -> String {
    let output = Command::new("git")
        .current_dir(dir)
        .args(["rev-parse", "HEAD"])
        .output()
        .expect("git runs");
    assert!(output.status.success(), "{}", text(&output));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// The who-can gate as a user configures it (`try-repo` takes no arguments, so through a
/// `.pre-commit-config.yaml` and `pre-commit run`): a principal outside `--allow-only` that
/// reaches the action through a role fails the commit (T5), and passes once it is allowed.
#[test]
fn pre_commit_who_can_hook_gates_on_allow_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let hooks = hook_repository(tmp.path());
    let plan = std::fs::read_to_string(root().join("policies/examples/terraform-plan.json"))
        .expect("plan");
    let resource = "acs:ecs:cn-*:1234567890123456:imagepipeline/*";
    let gate = |name: &str, allowed: &[&str]| -> Output {
        let config = format!(
            "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: ramcheck-who-can-system\n        args: {}\n",
            hooks.display(),
            head(&hooks),
            serde_json::json!(["--account", "plan.json", "--resource", resource, "--allow-only"]
                .iter()
                .chain(allowed)
                .collect::<Vec<_>>())
        );
        let project = tmp.path().join(name);
        repository(
            &project,
            &[("plan.json", &plan), (".pre-commit-config.yaml", &config)],
        );
        Command::new(pre_commit())
            .current_dir(&project)
            .env("PRE_COMMIT_HOME", tmp.path().join("home"))
            .env("PATH", path_with_binary())
            .args(["run", "--all-files", "--verbose", "--color", "never"])
            .output()
            .expect("pre-commit runs")
    };
    let output = gate("strict", &["role/deployer"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("violation: user/ci-runner: not in `--allow-only`"),
        "{all}"
    );
    let output = gate("allowed", &["role/deployer", "user/ci-runner"]);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(0), "{all}");
    assert!(all.contains("gate: pass"), "{all}");
}

/// The `language: rust` hook, as a user's pre-commit runs it: `cargo install --path .` of this
/// repository (a release build of the whole crate, minutes on a cold cache, so not in every
/// run: `cargo test -- --ignored pre_commit_rust_hook`). The build goes to `target/` with
/// the release profile lowered to what a test needs.
#[test]
#[ignore = "builds ramcheck with `cargo install` (minutes); run with `--ignored`"]
fn pre_commit_rust_hook_builds_ramcheck_and_lints() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    let mut files = NOT_RAM.to_vec();
    files.push(("broken.json", BROKEN_POLICY));
    repository(&project, &files);
    let output = Command::new(pre_commit())
        .current_dir(&project)
        .env("PRE_COMMIT_HOME", tmp.path().join("home"))
        .env("CARGO_TARGET_DIR", root().join("target"))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
        .args(["try-repo", "--all-files", "--color", "never"])
        .arg(root())
        .arg("ramcheck-lint")
        .output()
        .expect("pre-commit runs");
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(all.contains("broken.json:1:"), "{all}");
    assert!(!all.contains("package.json"), "{all}");
}

/// Every hook the README promises, with the fields pre-commit needs, and every hook of the file
/// named in the README.
#[test]
fn pre_commit_hooks_file_declares_the_documented_hooks() {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).expect("hooks");
    let docs = YamlLoader::load_from_str(&text).expect("valid YAML");
    let hooks = docs[0].as_vec().expect("a list of hooks");
    let ids: BTreeSet<&str> = hooks
        .iter()
        .map(|h| h["id"].as_str().expect("id"))
        .collect();
    for id in [
        "ramcheck-lint",
        "ramcheck-lint-system",
        "ramcheck-who-can",
        "ramcheck-who-can-system",
    ] {
        assert!(ids.contains(id), "no hook `{id}`");
    }
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    for hook in hooks {
        let id = hook["id"].as_str().expect("id");
        for key in ["name", "entry", "language"] {
            assert!(hook[key].as_str().is_some(), "`{id}` has no `{key}`");
        }
        assert!(
            hook["entry"]
                .as_str()
                .is_some_and(|e| e.starts_with("ramcheck ")),
            "`{id}` does not run ramcheck"
        );
        assert!(
            readme.contains(&format!("`{id}`")),
            "README does not name `{id}`"
        );
    }
}

/// The step of `action.yml` with this `id`.
fn action_step<'a>(action: &'a Yaml, id: &str) -> &'a Yaml {
    action["runs"]["steps"]
        .as_vec()
        .expect("steps")
        .iter()
        .find(|s| s["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("no step `{id}`"))
}

fn action() -> Yaml {
    let text = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    YamlLoader::load_from_str(&text)
        .expect("valid YAML")
        .remove(0)
}

/// The inputs `action.yml` declares, with their defaults.
fn action_inputs(action: &Yaml) -> BTreeMap<String, String> {
    action["inputs"]
        .as_hash()
        .expect("inputs")
        .iter()
        .map(|(k, v)| {
            let name = k.as_str().expect("input name").to_owned();
            assert!(
                v["description"].as_str().is_some_and(|d| !d.is_empty()),
                "input `{name}` has no description"
            );
            (name, v["default"].as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

#[test]
fn action_is_composite_and_uses_only_the_inputs_it_declares_and_documents() {
    let text = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    let action = action();
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let inputs = action_inputs(&action);
    let used: BTreeSet<String> = regex::Regex::new(r"inputs\.([A-Za-z0-9_-]+)")
        .expect("regex")
        .captures_iter(&text)
        .map(|c| c[1].to_owned())
        .collect();
    for name in &used {
        assert!(inputs.contains_key(name), "`inputs.{name}` is not declared");
    }
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    for name in inputs.keys() {
        assert!(
            used.contains(name),
            "input `{name}` is declared but not used"
        );
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "README's table of the action's inputs lacks `{name}`"
        );
    }
    let uploads = action["runs"]["steps"]
        .as_vec()
        .expect("steps")
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .any(|u| u.starts_with("github/codeql-action/upload-sarif@"));
    assert!(uploads, "the action does not upload SARIF");
}

/// Runs the action's lint step with bash, as a runner would: its `env` with the inputs
/// substituted (defaults unless overridden), `GITHUB_OUTPUT` a file, in `dir`.
fn run_lint_step(dir: &Path, overrides: &[(&str, &str)]) -> (Output, BTreeMap<String, String>) {
    let action = action();
    let mut inputs = action_inputs(&action);
    for (k, v) in overrides {
        inputs.insert((*k).to_owned(), (*v).to_owned());
    }
    let step = action_step(&action, "lint");
    let script = step["run"].as_str().expect("run");
    let outputs = dir.join("github-output");
    std::fs::write(&outputs, "").expect("output file");
    let mut command = Command::new("bash");
    command
        .current_dir(dir)
        .env("PATH", path_with_binary())
        .env("GITHUB_OUTPUT", &outputs)
        // As GitHub runs a `shell: bash` step.
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script]);
    let pattern = regex::Regex::new(r"^\$\{\{ inputs\.([a-z-]+) \}\}$").expect("regex");
    for (key, value) in step["env"].as_hash().expect("env") {
        let value = value.as_str().expect("env value");
        let name = &pattern.captures(value).expect("an input expression")[1];
        command.env(key.as_str().expect("env key"), &inputs[name]);
    }
    let output = command.output().expect("bash runs");
    let values = std::fs::read_to_string(&outputs)
        .expect("outputs")
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    (output, values)
}

#[test]
fn action_lint_step_writes_sarif_and_reports_the_exit_status() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write_file(tmp.path(), "policies/broken.json", BROKEN_POLICY);
    write_file(tmp.path(), "policies/ok.json", CLEAN_POLICY);
    // ramcheck expands the glob (the step's shell is told not to).
    let (output, values) = run_lint_step(tmp.path(), &[("paths", "policies/*.json")]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(values["exit-code"], "1", "{}", text(&output));
    let sarif: Value = serde_json::from_slice(
        &std::fs::read(tmp.path().join(&values["sarif-file"])).expect("SARIF written"),
    )
    .expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(
        results.iter().any(|r| r["ruleId"] == "unknown-key"),
        "{sarif}"
    );
    // The findings are in the job's log too.
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("error[unknown-key]"),
        "{}",
        text(&output)
    );

    let (output, values) = run_lint_step(
        tmp.path(),
        &[("paths", "policies/ok.json"), ("sarif-file", "clean.sarif")],
    );
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(values["exit-code"], "0", "{}", text(&output));
    assert!(tmp.path().join("clean.sarif").is_file());

    // Invalid input: the step fails with 2 and leaves no SARIF file to upload.
    let (output, values) = run_lint_step(
        tmp.path(),
        &[("paths", "missing"), ("sarif-file", "missing.sarif")],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert_eq!(values["exit-code"], "2");
    assert!(!tmp.path().join("missing.sarif").exists());

    // `args` cannot carry the flags the action sets: said plainly, not clap's "used multiple
    // times".
    let (output, values) = run_lint_step(
        tmp.path(),
        &[("paths", "policies/ok.json"), ("args", "--fail-on warning")],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert_eq!(values["exit-code"], "2");
    assert!(
        text(&output).contains("use the `fail-on` input"),
        "{}",
        text(&output)
    );

    // An input is data, never a command: what a shell would run stays a path to lint.
    let (output, _) = run_lint_step(
        tmp.path(),
        &[(
            "paths",
            "policies/ok.json $(touch${IFS}pwned) `touch pwned`",
        )],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(!tmp.path().join("pwned").exists(), "an input ran a command");
}

/// The subcommands `ramcheck --help` lists, computed from the binary rather than written here.
fn subcommands() -> Vec<String> {
    let help = ramcheck(&["--help"]);
    assert_eq!(help.status, Some(0), "{help:?}");
    let list = help
        .stdout
        .split_once("Commands:\n")
        .expect("a command list")
        .1;
    let names: Vec<String> = list
        .lines()
        .map_while(|l| l.strip_prefix("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_owned)
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    names
}

#[test]
fn completions_parse_and_complete_subcommands_and_flags() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = ramcheck(&["completions", shell]);
        assert_eq!(run.status, Some(0), "{shell}: {run:?}");
        assert!(run.stderr.is_empty(), "{shell}: {run:?}");
        for name in subcommands() {
            assert!(run.stdout.contains(&name), "{shell} lacks `{name}`");
        }
        assert!(run.stdout.contains("fail-on"), "{shell} lacks `--fail-on`");
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let script = write_file(
        tmp.path(),
        "ramcheck.bash",
        &ramcheck(&["completions", "bash"]).stdout,
    );
    let parsed = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash runs");
    assert!(parsed.status.success(), "{}", text(&parsed));

    // Driven as bash drives it on <TAB>: `ramcheck li` completes to `lint`, and
    // `ramcheck lint --fail` to `--fail-on`.
    let complete = |words: &str| -> String {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             COMP_LINE=\"${{COMP_WORDS[*]}}\"; COMP_POINT=${{#COMP_LINE}}; \
             _ramcheck ramcheck \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let output = Command::new("bash")
            .args(["--noprofile", "--norc", "-c", &program])
            .output()
            .expect("bash runs");
        assert!(output.status.success(), "{}", text(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let lines = complete("ramcheck li");
    assert_eq!(
        lines.split_whitespace().collect::<Vec<_>>(),
        ["lint"],
        "{lines}"
    );
    let lines = complete("ramcheck lint --fail");
    assert_eq!(
        lines.split_whitespace().collect::<Vec<_>>(),
        ["--fail-on"],
        "{lines}"
    );

    for (shell, check) in [("zsh", ["-n"]), ("fish", ["--no-execute"])] {
        if Command::new(shell).arg("--version").output().is_err() {
            // Not on this machine: the structural checks above still hold for it.
            continue;
        }
        let script = write_file(tmp.path(), shell, &ramcheck(&["completions", shell]).stdout);
        let parsed = Command::new(shell)
            .args(check)
            .arg(&script)
            .output()
            .expect("runs");
        assert!(parsed.status.success(), "{shell}: {}", text(&parsed));
    }
}

#[test]
fn completions_of_an_unknown_shell_are_a_usage_error() {
    let run = ramcheck(&["completions", "tcsh"]);
    assert_eq!(run.status, Some(2), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(run.stderr.contains("tcsh"), "{run:?}");
}

/// Renders a roff page with groff, warnings on: what `man` shows.
fn render(page: &Path) -> String {
    let output = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(page)
        .output();
    let Ok(output) = output else {
        // No groff here: fall back to what the page must hold in roff.
        return std::fs::read_to_string(page).expect("page");
    };
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        output.stderr.is_empty(),
        "groff warns on {}: {}",
        page.display(),
        text(&output)
    );
    let output = Command::new("groff")
        .args(["-man", "-Tutf8"])
        .arg(page)
        .env("GROFF_NO_SGR", "1")
        .output()
        .expect("groff runs");
    // Bold and underline are overstrikes in plain groff output.
    regex::Regex::new(".\x08")
        .expect("regex")
        .replace_all(&String::from_utf8_lossy(&output.stdout), "")
        .into_owned()
}

#[test]
fn man_pages_render_one_per_command() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let top = ramcheck(&["man"]);
    assert_eq!(top.status, Some(0), "{top:?}");
    assert!(top.stdout.starts_with(".ie") || top.stdout.contains(".TH ramcheck 1"));
    let page = write_file(tmp.path(), "stdout.1", &top.stdout);
    let shown = render(&page);
    assert!(shown.contains("NAME"), "{shown}");
    assert!(shown.contains("ramcheck-lint(1)"), "{shown}");

    let dir = tmp.path().join("man/man1");
    let run = ramcheck(&["man", "--dir", dir.to_str().expect("UTF-8")]);
    assert_eq!(run.status, Some(0), "{run:?}");
    let written: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("pages")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    // It lists what it wrote, one path per line.
    let listed: BTreeSet<String> = run
        .stdout
        .lines()
        .map(|line| {
            let path = std::path::Path::new(line);
            assert_eq!(path.parent(), Some(dir.as_path()), "{line}");
            path.file_name()
                .expect("a file")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(listed, written);
    let mut expected: BTreeSet<String> = subcommands()
        .iter()
        .map(|c| format!("ramcheck-{c}.1"))
        .collect();
    expected.insert("ramcheck.1".to_owned());
    assert_eq!(written, expected);
    assert_eq!(
        std::fs::read_to_string(dir.join("ramcheck.1")).expect("page"),
        top.stdout,
        "`man` and `man --dir` disagree on the top page"
    );
    let lint = render(&dir.join("ramcheck-lint.1"));
    assert!(lint.contains("--fail-on"), "{lint}");
    assert!(lint.contains("sarif"), "{lint}");
}

#[test]
fn man_dir_that_cannot_be_written_is_exit_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = write_file(tmp.path(), "file", "not a directory");
    let run = Invocation::new(&["man", "--dir", file.to_str().expect("UTF-8")]).run();
    assert_eq!(run.status, Some(2), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        run.stderr.contains("cannot write the manual pages"),
        "{run:?}"
    );
}

/// GitHub's anchor for a heading: lower case, punctuation dropped but `-` and `_`, spaces as
/// `-`; a repeated heading gets `-1`, `-2`, ...
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a Markdown file: its headings' slugs and its explicit `id`s.
fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let ids = regex::Regex::new(r#"<a (?:id|name)="([^"]+)""#).expect("regex");
    for line in without_code_blocks(markdown) {
        if let Some(heading) = line.trim_start_matches('#').strip_prefix(' ') {
            if line.starts_with('#') {
                let base = slug(heading);
                let n = seen.entry(base.clone()).or_default();
                out.insert(if *n == 0 {
                    base.clone()
                } else {
                    format!("{base}-{n}")
                });
                *n += 1;
            }
        }
        out.extend(ids.captures_iter(line).map(|c| c[1].to_owned()));
    }
    out
}

/// The lines of a Markdown file outside fenced code blocks.
fn without_code_blocks(markdown: &str) -> Vec<&str> {
    let mut fenced = false;
    markdown
        .lines()
        .filter(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return false;
            }
            !fenced
        })
        .collect()
}

/// The Markdown files whose links must resolve: the README and every page under `docs/`.
fn markdown_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut dirs = vec![root().join("docs")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("docs") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_relative_link_in_readme_and_docs_resolves_inside_the_repository() {
    let link = regex::Regex::new(r"\]\(([^)\s]+)\)").expect("regex");
    let code = regex::Regex::new("`[^`]*`").expect("regex");
    let repository = root().canonicalize().expect("root");
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in markdown_files() {
        let markdown = std::fs::read_to_string(&file).expect("markdown");
        let name = file
            .strip_prefix(root())
            .expect("inside")
            .display()
            .to_string();
        for line in without_code_blocks(&markdown) {
            // Inline code spans may show link syntax without being links.
            let line = code.replace_all(line, "");
            for target in link.captures_iter(&line).map(|c| c[1].to_owned()) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                checked += 1;
                let (path, fragment) = match target.split_once('#') {
                    Some((path, fragment)) => (path, Some(fragment)),
                    None => (target.as_str(), None),
                };
                let resolved = if path.is_empty() {
                    file.clone()
                } else {
                    file.parent().expect("folder").join(path)
                };
                let Ok(resolved) = resolved.canonicalize() else {
                    broken.push(format!("{name}: `{target}` does not exist"));
                    continue;
                };
                if !resolved.starts_with(&repository) {
                    broken.push(format!("{name}: `{target}` points outside the repository"));
                    continue;
                }
                if let Some(fragment) = fragment {
                    let text = std::fs::read_to_string(&resolved).unwrap_or_default();
                    if !anchors(&text).contains(fragment) {
                        broken.push(format!("{name}: `{target}`: no anchor `{fragment}`"));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(
        checked > 20,
        "only {checked} links found: is the pattern right?"
    );
}

#[test]
fn slugs_follow_github() {
    assert_eq!(
        slug("`ramcheck check --account`: a principal of an account"),
        "ramcheck-check---account-a-principal-of-an-account"
    );
    assert_eq!(slug("In CI: GitHub Action"), "in-ci-github-action");
    let anchors = anchors("# A\n## A\n```\n# not a heading\n```\n<a id=\"g1\"></a>\n");
    assert_eq!(anchors.into_iter().collect::<Vec<_>>(), ["a", "a-1", "g1"]);
}
