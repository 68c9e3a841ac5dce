//! The flags every command takes, through the real binary: `-q` (before or after the command),
//! `-o FILE` (written only when the run does not fail, atomically), `--color` with `NO_COLOR` and
//! `CLICOLOR_FORCE` (on a real terminal too, through `script`), `--error-format json` (clap's
//! usage errors included); `rules RULE` and `rules --format json`; and every command's `--help`,
//! whose examples are run and held to the exit status they name.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{ramcheck, root, Invocation, Run};

const ALLOWED: [&str; 5] = [
    "check",
    "--policy",
    "policies/examples/cancel-hangzhou.json",
    "--resource",
    "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
];
const LINT_WARNINGS: [&str; 2] = ["lint", "tests/fixtures/lint/unknown-action.json"];
const BROKEN: &str = "tests/fixtures/check/broken-effect.json";
/// `check` of a policy that does not parse: exit 2.
const BROKEN_CHECK: [&str; 5] = [
    "check",
    "--policy",
    BROKEN,
    "--resource",
    "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
];
const ESC: char = '\u{1b}';

/// `ramcheck ARGS` with no colour variable from the test's environment.
fn plain<S: AsRef<str>>(args: &[S]) -> Invocation {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    Invocation::new(&args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
}

/// `args` then `more`.
fn with<S: AsRef<str>>(args: &[S], more: &[&str]) -> Vec<String> {
    args.iter()
        .map(|s| s.as_ref().to_owned())
        .chain(more.iter().map(|s| (*s).to_owned()))
        .collect()
}

/// `ramcheck ARGS` in the crate root.
fn run<S: AsRef<str>>(args: &[S]) -> Run {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    ramcheck(&args)
}

/// The JSON objects of stderr, one per line: every line must be one.
fn json_lines(run: &Run) -> Vec<Value> {
    run.stderr
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line: {l:?}: {e}{run:?}"))
        })
        .collect()
}

// --- -q ------------------------------------------------------------------------------------

#[test]
fn quiet_lint_prints_the_findings_without_the_summary_before_or_after_the_command() {
    let full = ramcheck(&LINT_WARNINGS);
    let summary = full
        .stdout
        .lines()
        .last()
        .expect("a summary line")
        .to_owned();
    assert!(summary.starts_with("2 findings"), "{full:?}");
    for args in [
        with(&["-q"], &LINT_WARNINGS),
        with(&LINT_WARNINGS, &["--quiet"]),
    ] {
        let quiet = run(&args);
        assert_eq!(quiet.status, full.status, "{quiet:?}");
        assert_eq!(
            quiet.stdout,
            full.stdout
                .strip_suffix(&format!("{summary}\n"))
                .expect("ends with it"),
            "{args:?}"
        );
        assert!(
            quiet.stdout.contains("warning[unknown-action]"),
            "{quiet:?}"
        );
    }
    // Nothing found: nothing printed.
    let clean = ramcheck(&["lint", "-q", "tests/fixtures/lint/unknown-action.ok.json"]);
    assert_eq!(
        (clean.status, clean.stdout.as_str()),
        (Some(0), ""),
        "{clean:?}"
    );
    // Machine formats are whole.
    let json = run(&with(&LINT_WARNINGS, &["-q", "--format", "json"]));
    assert_eq!(json.json()["findings"].as_array().map(Vec::len), Some(2));
}

/// A folder with a clean policy and a file over 1000 bytes, which a walk with
/// `--max-file-size 1000` skips with a note.
fn walked_with_a_big_file() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("big.json"), " ".repeat(2000)).expect("write");
    std::fs::copy(
        root().join("tests/fixtures/lint/unknown-action.ok.json"),
        dir.path().join("ok.json"),
    )
    .expect("copy");
    dir
}

#[test]
fn quiet_drops_notes_but_keeps_warnings() {
    let dir = walked_with_a_big_file();
    let path = dir.path().to_string_lossy().into_owned();
    let args = ["lint", path.as_str(), "--max-file-size", "1000"];
    let loud = ramcheck(&args);
    assert!(loud.stderr.contains("note: skipped"), "{loud:?}");
    let quiet = run(&with(&args, &["-q"]));
    assert_eq!(
        (quiet.status, quiet.stderr.as_str()),
        (Some(0), ""),
        "{quiet:?}"
    );

    let typo = with(
        &ALLOWED,
        &["--action", "ecs:CancelImagePipelineExecutions", "-q"],
    );
    let warned = run(&typo);
    assert!(
        warned.stderr.contains("warning[unknown-action]"),
        "{warned:?}"
    );
}

#[test]
fn quiet_check_prints_only_the_verdict_line() {
    let full = ramcheck(&ALLOWED);
    let quiet = run(&with(&["--quiet"], &ALLOWED));
    assert_eq!(quiet.status, Some(0));
    assert_eq!(quiet.stdout, format!("{}\n", full.first_line()));
    assert!(quiet.stdout.starts_with("ALLOW: "), "{quiet:?}");
    assert!(full.stdout.lines().count() > 1, "{full:?}");
    let json = run(&with(&ALLOWED, &["-q", "--format", "json"]));
    assert_eq!(json.json()["decision"], "allow");
}

/// `ramcheck ARGS` and `ramcheck ARGS -q`.
fn loud_and_quiet(args: &[&str]) -> (Run, Run) {
    (ramcheck(args), run(&with(args, &["-q"])))
}

#[test]
fn quiet_who_can_and_diff_leave_out_their_count_line() {
    let (full, quiet) = loud_and_quiet(&[
        "who-can",
        "--account",
        "policies/example-account.json",
        "--resource",
        "acs:ecs:*:1234567890123456:imagepipeline/ip-prod-*",
    ]);
    let (first, rest) = full.stdout.split_once('\n').expect("lines");
    assert!(first.contains("principals can"), "{full:?}");
    assert_eq!(quiet.stdout, rest);

    let (full, quiet) = loud_and_quiet(&[
        "diff",
        "--before",
        "policies/examples/terraform-plan.json",
        "--after",
        "policies/examples/terraform-plan-after.json",
    ]);
    assert_eq!((full.status, quiet.status), (Some(1), Some(1)));
    let last = full.stdout.lines().last().expect("a count line");
    assert!(last.starts_with("1 gained, 0 lost"), "{full:?}");
    assert_eq!(
        quiet.stdout,
        full.stdout
            .strip_suffix(&format!("{last}\n"))
            .expect("ends")
    );
    assert!(
        quiet.stdout.starts_with("NEW: user/release-bot"),
        "{quiet:?}"
    );
}

// --- -o ------------------------------------------------------------------------------------

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn output_file_gets_what_stdout_would_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("lint.sarif");
    let target = file.to_string_lossy().into_owned();
    let args = ["lint", "policies/system", "--format", "sarif"];
    let direct = ramcheck(&args);
    // Findings (exit 1) are an answer, so the file is written.
    for flag in ["-o", "--output"] {
        let written = run(&with(&[flag, &target], &args));
        assert_eq!(
            (written.status, written.stdout.as_str()),
            (Some(1), ""),
            "{written:?}"
        );
        assert_eq!(
            std::fs::read_to_string(&file).expect("written"),
            direct.stdout
        );
    }
    // After the command too, and over an older file; nothing else is left in the folder.
    std::fs::write(&file, "old").expect("write");
    let written = run(&with(&ALLOWED, &["-o", &target]));
    assert_eq!((written.status, written.stdout.as_str()), (Some(0), ""));
    assert_eq!(
        std::fs::read_to_string(&file).expect("written"),
        ramcheck(&ALLOWED).stdout
    );
    assert_eq!(names(dir.path()), ["lint.sarif"]);
    // `-o -` is standard output.
    let dash = run(&with(&ALLOWED, &["-o", "-"]));
    assert_eq!(dash.stdout, ramcheck(&ALLOWED).stdout);
}

#[test]
fn output_file_is_neither_created_nor_overwritten_on_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fresh = dir.path().join("fresh.json");
    let kept = dir.path().join("kept.json");
    std::fs::write(&kept, "before").expect("write");
    let broken = BROKEN_CHECK;
    for path in [&fresh, &kept] {
        let target = path.to_string_lossy().into_owned();
        let failed = run(&with(&broken, &["-o", &target, "--format", "json"]));
        failed.assert_invalid(&["Effect"]);
        // A usage error clap finds is refused before anything is written as well.
        let usage = run(&with(&["lint", "--fail-on", "sometimes"], &["-o", &target]));
        usage.assert_invalid(&["--fail-on"]);
    }
    assert!(!fresh.exists());
    assert_eq!(std::fs::read_to_string(&kept).expect("kept"), "before");
    assert_eq!(
        names(dir.path()),
        ["kept.json"],
        "no temporary file left behind"
    );
}

#[test]
fn output_that_cannot_be_written_is_refused_before_the_command_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().to_string_lossy().into_owned();
    run(&with(&ALLOWED, &["-o", &folder])).assert_invalid(&["is a directory", "help:"]);
    let missing = dir
        .path()
        .join("no/such/out.txt")
        .to_string_lossy()
        .into_owned();
    run(&with(&ALLOWED, &["-o", &missing])).assert_invalid(&["does not exist"]);
    assert!(names(dir.path()).is_empty());
}

#[cfg(feature = "serve")]
#[test]
fn serve_refuses_output_its_stdout_is_the_decision_log() {
    let run = ramcheck(&[
        "serve",
        "-o",
        "log.jsonl",
        "--account",
        "policies/example-account.json",
        "--credentials",
        "policies/serve/credentials.json",
        "--executions",
        "policies/serve/executions.json",
    ]);
    run.assert_invalid(&["`-o` is not for `serve`", "--decision-log FILE"]);
    assert!(!root().join("log.jsonl").exists());
}

// --- --color -------------------------------------------------------------------------------

/// Whether stdout and stderr hold escape codes.
fn colours(run: &Run) -> (bool, bool) {
    (run.stdout.contains(ESC), run.stderr.contains(ESC))
}

/// Flags, environment variables, and whether colour is expected.
type ColourCase = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    bool,
);

#[test]
fn color_follows_the_flag_then_no_color_then_clicolor_force_off_a_terminal() {
    // Each with findings on stdout and an error (or warning) on stderr.
    let cases: [ColourCase; 9] = [
        (&[], &[], false),
        (&["--color", "auto"], &[], false),
        (&[], &[("CLICOLOR_FORCE", "1")], true),
        (&[], &[("CLICOLOR_FORCE", "0")], false),
        (&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], false),
        (&["--color", "always"], &[("NO_COLOR", "1")], true),
        (&["--color=always"], &[], true),
        (&["--color", "never"], &[("CLICOLOR_FORCE", "1")], false),
        // An empty NO_COLOR is no NO_COLOR.
        (&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")], true),
    ];
    for (flags, env, expected) in cases {
        let mut lint = plain(&with(&LINT_WARNINGS, flags));
        let mut broken = plain(&with(&BROKEN_CHECK, flags));
        let typo_args = with(&ALLOWED, &["--action", "ecs:CancelImagePipelineExecutions"]);
        let mut typo = plain(&with(&typo_args, flags));
        for (key, value) in env {
            lint = lint.env(key, value);
            broken = broken.env(key, value);
            typo = typo.env(key, value);
        }
        let (lint, broken, typo) = (lint.run(), broken.run(), typo.run());
        let context = format!("{flags:?} {env:?}");
        assert_eq!(colours(&lint), (expected, false), "{context}{lint:?}");
        assert_eq!(colours(&broken), (false, expected), "{context}{broken:?}");
        assert_eq!(colours(&typo).1, expected, "{context}{typo:?}");
        if expected {
            assert!(
                broken.stderr.contains("\u{1b}[1;31merror:\u{1b}[0m"),
                "{broken:?}"
            );
            assert!(
                broken.stderr.contains("\u{1b}[1;32mhelp:\u{1b}[0m"),
                "{broken:?}"
            );
            assert!(
                typo.stderr.contains("\u{1b}[1;33mwarning[unknown-action]:"),
                "{typo:?}"
            );
        }
        // Without colour the text is exactly the plain one.
        if !expected {
            assert_eq!(lint.stdout, ramcheck(&LINT_WARNINGS).stdout, "{context}");
        }
    }
}

#[test]
fn clap_usage_errors_are_coloured_only_when_asked() {
    let coloured = plain(&["lint", "--fail-on", "sometimes", "--color", "always"]).run();
    assert_eq!(coloured.status, Some(2));
    assert!(coloured.stderr.contains(ESC), "{coloured:?}");
    let plain_run = plain(&["lint", "--fail-on", "sometimes"])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .run();
    assert!(!plain_run.stderr.contains(ESC), "{plain_run:?}");
    assert!(
        plain_run
            .stderr
            .starts_with("error: invalid value 'sometimes'"),
        "{plain_run:?}"
    );
}

/// Runs `ramcheck ARGS` on a terminal (util-linux `script` gives it a pseudo-terminal for
/// stdin, stdout and stderr), with `env` set and both colour variables otherwise unset, and
/// returns what the terminal showed.
fn on_terminal<S: AsRef<str>>(args: &[S], env: &[(&str, &str)]) -> String {
    let binary = env!("CARGO_BIN_EXE_ramcheck");
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let line: Vec<String> = std::iter::once(binary)
        .chain(args.iter().map(AsRef::as_ref))
        .map(quote)
        .collect();
    let mut command = Command::new("script");
    command
        .args(["-qec", &line.join(" "), "/dev/null"])
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap_or_else(|e| {
        panic!("cannot run util-linux `script` ({e}), which gives the test a terminal: install it (`apt-get install bsdutils`)")
    });
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn auto_colours_a_terminal_unless_no_color_or_the_output_is_a_file() {
    let shown = on_terminal(&LINT_WARNINGS, &[]);
    assert!(
        shown.contains("\u{1b}[1;33mwarning[unknown-action]"),
        "{shown:?}"
    );
    let shown = on_terminal(&LINT_WARNINGS, &[("NO_COLOR", "1")]);
    assert!(
        shown.contains("warning[unknown-action]") && !shown.contains(ESC),
        "{shown:?}"
    );
    let shown = on_terminal(&with(&LINT_WARNINGS, &["--color", "never"]), &[]);
    assert!(
        shown.contains("warning[unknown-action]") && !shown.contains(ESC),
        "{shown:?}"
    );
    // The error on the terminal's stderr is coloured.
    let shown = on_terminal(&["rules", "allow-al"], &[]);
    assert!(shown.contains("\u{1b}[1;31merror:"), "{shown:?}");

    // `-o FILE` is no terminal, though the command runs on one.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("findings.txt");
    let target = file.to_string_lossy().into_owned();
    on_terminal(&with(&LINT_WARNINGS, &["-o", &target]), &[]);
    let text = std::fs::read_to_string(&file).expect("written");
    assert!(
        text.contains("warning[unknown-action]") && !text.contains(ESC),
        "{text:?}"
    );
}

// --- --error-format json -------------------------------------------------------------------

#[test]
fn json_errors_are_one_object_with_the_place_split_out_and_stdout_empty() {
    let broken = BROKEN_CHECK;
    let failed = run(&with(&broken, &["--error-format", "json"]));
    failed.assert_invalid(&[]);
    let lines = json_lines(&failed);
    assert_eq!(lines.len(), 1, "{failed:?}");
    let error = &lines[0]["error"];
    // The same failure in text: `error: FILE:LINE:COLUMN: MESSAGE` and `help: HELP`.
    let text = ramcheck(&broken);
    let first = text.stderr.lines().next().expect("an error line");
    let expected = format!(
        "error: {}:{}:{}: {}",
        error["file"].as_str().expect("file"),
        error["line"],
        error["column"],
        error["message"].as_str().expect("message")
    );
    assert_eq!(first, expected);
    assert_eq!(error["file"], BROKEN);
    let help = error["help"].as_str().expect("a help");
    assert!(text.stderr.contains(&format!("help: {help}")), "{text:?}");
    assert_eq!(error["details"], serde_json::json!([]));

    // No place: nulls, with the help and the details.
    let unknown = ramcheck(&["rules", "allow-al", "--error-format=json"]);
    unknown.assert_invalid(&[]);
    let error = &json_lines(&unknown)[0]["error"];
    assert_eq!(error["message"], "unknown rule `allow-al`");
    assert_eq!(
        (&error["file"], &error["line"], &error["column"]),
        (&Value::Null, &Value::Null, &Value::Null)
    );
    assert!(error["help"]
        .as_str()
        .expect("help")
        .contains("did you mean `allow-all`?"));
    let strict = run(&with(
        &ALLOWED,
        &[
            "--action",
            "ecs:CancelImagePipelineExecutions",
            "--strict",
            "--error-format",
            "json",
        ],
    ));
    strict.assert_invalid(&[]);
    let details = json_lines(&strict)[0]["error"]["details"].clone();
    assert!(
        details[0]
            .as_str()
            .expect("a detail")
            .starts_with("warning[unknown-action]"),
        "{strict:?}"
    );
}

#[test]
fn json_errors_cover_clap_usage_errors_warnings_and_notes() {
    for args in [
        vec!["--error-format", "json", "lint", "--frobnicate"],
        vec!["lint", "--fail-on", "sometimes", "--error-format=json"],
        vec!["--error-format", "json"],
        vec!["--error-format", "json", "check", "--resource"],
    ] {
        let usage = ramcheck(&args);
        usage.assert_invalid(&[]);
        let lines = json_lines(&usage);
        assert_eq!(lines.len(), 1, "{usage:?}");
        let error = &lines[0]["error"];
        let message = error["message"].as_str().expect("message");
        assert!(
            !message.is_empty() && !message.starts_with("error:"),
            "{usage:?}"
        );
        assert!(
            error["details"].is_array() && error.get("help").is_some(),
            "{usage:?}"
        );
    }
    let unknown = ramcheck(&["--error-format", "json", "lint", "--frobnicate"]);
    let error = &json_lines(&unknown)[0]["error"];
    assert_eq!(error["message"], "unexpected argument '--frobnicate' found");

    // A warning, and the decision on stdout as usual.
    let typo = run(&with(
        &ALLOWED,
        &[
            "--action",
            "ecs:CancelImagePipelineExecutions",
            "--error-format",
            "json",
        ],
    ));
    assert_eq!(typo.status, Some(1), "{typo:?}");
    assert!(typo.stdout.starts_with("DENY"), "{typo:?}");
    let warnings = json_lines(&typo);
    assert_eq!(warnings[0]["warning"]["code"], "unknown-action", "{typo:?}");
    assert!(warnings[0]["warning"]["message"]
        .as_str()
        .expect("message")
        .contains("ecs:CancelImagePipelineExecution"));

    // A note.
    let dir = walked_with_a_big_file();
    let path = dir.path().to_string_lossy().into_owned();
    let noted = ramcheck(&[
        "lint",
        &path,
        "--max-file-size",
        "1000",
        "--error-format",
        "json",
    ]);
    let notes = json_lines(&noted);
    assert!(
        notes.iter().any(|n| n["note"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("big.json"))),
        "{noted:?}"
    );
}

// --- rules ---------------------------------------------------------------------------------

#[test]
fn rules_rule_prints_its_whole_page_and_a_typo_gets_the_nearest_id() {
    for id in ["allow-all", "unknown-action", "invalid-json"] {
        let page = ramcheck(&["rules", id]);
        assert_eq!(page.status, Some(0));
        let file =
            std::fs::read_to_string(root().join(format!("docs/rules/{id}.md"))).expect("page");
        assert_eq!(page.stdout.trim_end(), file.trim_end(), "{id}");
        assert!(page.stdout.contains("## Use instead"), "{page:?}");
    }
    let typo = ramcheck(&["rules", "unknown-actoin"]);
    typo.assert_invalid(&[
        "unknown rule `unknown-actoin`",
        "did you mean `unknown-action`?",
    ]);
    let far = ramcheck(&["rules", "zzzz"]);
    far.assert_invalid(&["unknown rule `zzzz`", "`ramcheck rules` lists the rules"]);
    assert!(!far.stderr.contains("did you mean"), "{far:?}");
}

#[test]
fn rules_json_has_every_rule_with_its_page_and_help_uri() {
    let listed = ramcheck(&["rules"]);
    let run = ramcheck(&["rules", "--format", "json"]);
    assert_eq!(run.status, Some(0));
    let rules = run.json()["rules"].as_array().expect("rules").clone();
    assert_eq!(rules.len(), listed.stdout.lines().count());
    for (rule, line) in rules.iter().zip(listed.stdout.lines()) {
        let id = rule["id"].as_str().expect("id");
        let level = rule["level"].as_str().expect("level");
        let summary = rule["summary"].as_str().expect("summary");
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words.get(..2), Some(&[id, level][..]), "{line}");
        assert!(line.ends_with(summary), "{line}");
        let file =
            std::fs::read_to_string(root().join(format!("docs/rules/{id}.md"))).expect("page");
        assert_eq!(
            rule["doc"].as_str().map(str::trim_end),
            Some(file.trim_end()),
            "{id}"
        );
        let uri = rule["help_uri"].as_str().expect("help_uri");
        assert!(
            uri.starts_with("https://") && uri.ends_with(&format!("/docs/rules/{id}.md")),
            "{uri}"
        );
        assert!(
            matches!(rule["status"].as_str(), Some("stable" | "preview")),
            "{rule}"
        );
        assert!(rule["since"].is_string(), "{rule}");
    }
    let one = ramcheck(&["rules", "allow-all", "--format", "json"]).json();
    assert_eq!(one["rules"].as_array().map(Vec::len), Some(1));
    assert_eq!(one["rules"][0]["id"], "allow-all");
}

// --- --help --------------------------------------------------------------------------------

/// The commands `ramcheck --help` lists (but `help`).
fn commands() -> Vec<String> {
    let help = ramcheck(&["--help"]).stdout;
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

/// One example of a `--help`: the status its comment names, and its words after `ramcheck`.
struct Example {
    status: i32,
    words: Vec<String>,
}

/// The exit statuses and examples at the end of `ramcheck ARGS --help`.
fn epilogue(args: &[&str]) -> (String, Vec<Example>) {
    let help = run(&with(args, &["--help"]));
    assert_eq!(help.status, Some(0), "{help:?}");
    let text = help.stdout;
    let statuses = text
        .split_once("\nExit status:\n")
        .and_then(|(_, rest)| rest.split_once("\n\nExamples:\n"))
        .map(|(statuses, _)| statuses.to_owned())
        .unwrap_or_else(|| panic!("`{args:?} --help` has no exit statuses then examples:\n{text}"));
    let (_, examples) = text.split_once("\n\nExamples:\n").expect("examples");
    let lines: Vec<&str> = examples
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    // Comment lines, then the command they are about.
    let mut examples = Vec::new();
    let mut comment = String::new();
    for line in lines {
        if let Some(text) = line.strip_prefix("# ") {
            comment.push_str(text);
            comment.push(' ');
            continue;
        }
        let status = comment
            .split_once("(exit ")
            .and_then(|(_, rest)| rest.get(..1))
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("no `# ... (exit N` comment before `{line}`"));
        let mut words = line.split(' ').map(str::to_owned);
        assert_eq!(words.next().as_deref(), Some("ramcheck"), "{line}");
        examples.push(Example {
            status,
            words: words.collect(),
        });
        comment.clear();
    }
    assert!(
        comment.is_empty(),
        "a comment without its command: {comment}"
    );
    assert_eq!(examples.len(), 2, "two examples for {args:?}");
    (statuses, examples)
}

#[test]
fn every_help_ends_with_exit_statuses_and_two_examples_that_run_as_said() {
    let commands = commands();
    assert!(
        commands.len() >= 6 && commands.contains(&"lint".to_owned()),
        "{commands:?}"
    );
    let mut tops: Vec<Vec<&str>> = vec![vec![]];
    tops.extend(commands.iter().map(|c| vec![c.as_str()]));
    for args in tops {
        let (statuses, examples) = epilogue(&args);
        for status in ["0", "2"] {
            assert!(
                statuses
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{status}  "))),
                "{args:?} --help does not say what exit status {status} means:\n{statuses}"
            );
        }
        for example in examples {
            if example.words.first().map(String::as_str) == Some("serve") {
                run_serve_example(&example);
                continue;
            }
            let run = run(&example.words);
            assert_eq!(
                run.status,
                Some(example.status),
                "`ramcheck {}`{run:?}",
                example.words.join(" ")
            );
            assert!(
                !run.stdout.is_empty(),
                "`ramcheck {}` printed nothing{run:?}",
                example.words.join(" ")
            );
            let status = example.status;
            assert!(
                statuses
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{status}  "))),
                "{args:?}: an example exits {status}, which the statuses do not list"
            );
        }
    }
}

/// Starts a `serve` example (with the secrets its credentials file names), waits until it
/// answers `/readyz` with 200, stops it with SIGTERM and holds it to its status.
fn run_serve_example(example: &Example) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ramcheck"))
        .args(&example.words)
        .current_dir(root())
        .env("RAMCHECK_SECRET_ALICE", "alice-example-secret")
        .env("RAMCHECK_SECRET_BOB", "bob-example-secret")
        .env("RAMCHECK_SECRET_DEPLOYER", "deployer-example-secret")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ramcheck serve starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    let mut addr = None;
    while stderr.read_line(&mut line).is_ok_and(|n| n > 0) {
        if let Some(a) = line
            .trim()
            .strip_prefix("ramcheck serve: listening on http://")
        {
            addr = Some(a.to_owned());
            break;
        }
        line.clear();
    }
    let addr = addr.unwrap_or_else(|| {
        let _ = child.kill();
        panic!(
            "`ramcheck {}` printed no address: {line}",
            example.words.join(" ")
        )
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ready = TcpStream::connect(&addr).ok().and_then(|mut s| {
            s.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .ok()?;
            let mut answer = String::new();
            s.read_to_string(&mut answer).ok()?;
            Some(answer.starts_with("HTTP/1.1 200"))
        });
        if ready == Some(true) {
            break;
        }
        if Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
            let _ = child.kill();
            let mut rest = String::new();
            let _ = stderr.read_to_string(&mut rest);
            panic!(
                "`ramcheck {}` never got ready: {rest}",
                example.words.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = child.wait().expect("it stops");
    assert_eq!(
        status.code(),
        Some(example.status),
        "`ramcheck {}`",
        example.words.join(" ")
    );
}
