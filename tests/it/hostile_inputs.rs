//! Hostile inputs through the real binary (issue 18, "Linear time" and output hygiene): the
//! checks that were quadratic give the answers they gave before, positions count LF, CR and
//! CRLF line ends and characters, and lint's text output is bounded per finding and escapes
//! what came from the input. Sizes are moderate, so the tests stay fast; how the costs grow
//! is measured in `bench/benches/hostile.rs`, not asserted here.

use std::path::Path;

use serde_json::Value;

use crate::util::{locate, run_in, write_file as write, Run};

const RESOURCE: &str = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1";

fn check_policy(dir: &Path, file: &str) -> Run {
    run_in(
        dir,
        &["check", "--policy", file, "--resource", RESOURCE],
        None,
    )
}

fn lint(dir: &Path, args: &[&str]) -> Run {
    run_in(dir, &[&["lint", "--fail-on", "never"], args].concat(), None)
}

fn lint_findings(dir: &Path, file: &str) -> Vec<Value> {
    let run = lint(dir, &[file, "--format", "json"]);
    run.json()["findings"]
        .as_array()
        .cloned()
        .expect("findings")
}

#[test]
fn lf_cr_and_crlf_each_end_a_line_in_positions_and_snippets() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The statement (missing its `Resource`) starts on line 3, column 5, after a Sid in
    // Chinese on line 2 that columns count in characters.
    for (name, ends) in [
        ("lf", ["\n", "\n"]),
        ("cr", ["\r", "\r"]),
        ("crlf", ["\r\n", "\r\n"]),
        ("mixed", ["\r", "\r\n"]),
    ] {
        let text = format!(
            "{{\"Version\": \"1\",{}  \"Statement\": [{{\"Sid\": \"允许\", \"Effect\": \"Allow\", \"Action\": \"ecs:DescribeInstances\", \"Resource\": \"*\"}},{}    {{\"Effect\": \"Allow\", \"Action\": \"ecs:*\"}}]}}",
            ends[0], ends[1]
        );
        let file = format!("{name}.json");
        write(dir.path(), &file, &text);
        let run = check_policy(dir.path(), &file);
        run.assert_invalid(&[&format!("{file}:3:5: the statement has neither `Resource`")]);
        let run = lint(dir.path(), &[&file]);
        assert!(
            run.stdout
                .starts_with(&format!("{file}:3:5: error[missing-resource]")),
            "{name}{run:?}"
        );
        assert!(
            run.stdout
                .contains("3 |     {\"Effect\": \"Allow\", \"Action\": \"ecs:*\"}]}\n  |     ^"),
            "{name}{run:?}"
        );
        // The trailing comma's position, where the error points, counts the same way.
        let broken = text.replace("\"ecs:*\"}]}", "\"ecs:*\",}]}");
        write(dir.path(), &file, &broken);
        let (line, column) = locate(&broken, ",}");
        check_policy(dir.path(), &file).assert_invalid(&[&format!(
            "{file}:{line}:{column}: trailing comma before the closing `}}` (at {line}:{})",
            column + 1
        )]);
    }
}

#[test]
fn a_repeated_key_among_20000_condition_keys_is_reported_at_its_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let keys: Vec<String> = (0..20_000).map(|i| format!("\"k{i}\": \"v\"")).collect();
    let text = format!(
        "{{\"Version\": \"1\", \"Statement\": [{{\"Effect\": \"Allow\", \"Action\": \"ecs:*\", \"Resource\": \"*\",\n\"Condition\": {{\"StringEquals\": {{\n{},\n\"k7\": \"w\"}}}}}}]}}",
        keys.join(",\n")
    );
    write(dir.path(), "keys.json", &text);
    let (first, _) = locate(&text, "\"k7\"");
    let (line, column) = locate(&text, "\"k7\": \"w\"");
    check_policy(dir.path(), "keys.json").assert_invalid(&[&format!(
        "keys.json:{line}:{column}: duplicate key `k7` (first at line {first})"
    )]);
}

#[test]
fn a_long_line_with_many_findings_prints_a_window_per_finding() {
    let dir = tempfile::tempdir().expect("temp dir");
    // One line of about 60 KB: 2,500 copies of an unknown action give 2,500 unknown-action
    // findings, 2,499 duplicate-entry ones and policy-too-large. Printing the line with each
    // took 300 MB.
    let actions = vec!["\"ecs:DescribeInstancez\""; 2_500].join(", ");
    let text = format!(
        "{{\"Version\": \"1\", \"Statement\": [{{\"Effect\": \"Allow\", \"Resource\": \"*\", \"Action\": [{actions}]}}]}}"
    );
    write(dir.path(), "long.json", &text);
    let run = lint(dir.path(), &["long.json"]);
    assert!(
        run.stdout.ends_with(
            "5000 findings (1 error, 2500 warnings, 2499 suggestions) in 1 file, 1 document; \
             2499 fixable with `--fix`\n"
        ),
        "{}",
        &run.stdout[run.stdout.len().saturating_sub(300)..]
    );
    assert!(
        run.stdout.len() < 5_000 * 600,
        "{} bytes of output for 5,000 findings",
        run.stdout.len()
    );
    // Each snippet is a window of the line, with the carets under the finding.
    let lines: Vec<&str> = run.stdout.lines().collect();
    for pair in lines.windows(2) {
        if let (Some(snippet), Some(carets)) =
            (pair[0].strip_prefix("1 | "), pair[1].strip_prefix("  | "))
        {
            assert!(snippet.chars().count() <= 126, "{snippet}");
            let start = carets.find('^').expect("carets");
            let marked: String = snippet
                .chars()
                .skip(start)
                .take(carets.len() - start)
                .collect();
            assert!(
                marked == "\"ecs:DescribeInstancez\"" || snippet.starts_with('{'),
                "{snippet}\n{carets}"
            );
        }
    }
}

#[test]
fn one_line_account_places_every_inline_policy_by_characters() {
    let dir = tempfile::tempdir().expect("temp dir");
    // 2,000 inline policies on one line (about 300 KB), with Chinese in each Sid; the last
    // has a misspelt effect.
    let policies: Vec<String> = (0..2_000)
        .map(|i| {
            let effect = if i == 1_999 { "allow" } else { "Allow" };
            format!("\"p{i}\": {{\"Version\": \"1\", \"Statement\": [{{\"Sid\": \"允许{i}\", \"Effect\": \"{effect}\", \"Action\": \"ecs:DescribeInstances\", \"Resource\": \"*\"}}]}}")
        })
        .collect();
    let text = format!(
        "{{\"account_id\": \"1234567890123456\", \"policies\": {{{}}}, \"users\": {{\"alice\": {{\"policies\": [\"p0\"]}}}}}}",
        policies.join(", ")
    );
    write(dir.path(), "account.json", &text);
    let (line, column) = locate(&text, "\"allow\"");
    assert_eq!(line, 1);
    let run = run_in(
        dir.path(),
        &[
            "check",
            "--account",
            "account.json",
            "--principal",
            "user/alice",
            "--resource",
            RESOURCE,
        ],
        None,
    );
    run.assert_invalid(&[&format!("account.json:1:{column}: `Effect` must be")]);
    let findings = lint_findings(dir.path(), "account.json");
    let effect = findings
        .iter()
        .find(|f| f["rule"] == "invalid-effect")
        .expect("invalid-effect");
    assert_eq!(
        (&effect["line"], &effect["column"]),
        (&1.into(), &column.into())
    );
}

#[test]
fn unknown_actions_each_get_the_did_you_mean_of_their_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    // 4,000 distinct names, one to four edits from `ecs:CancelImagePipelineExecution` (a
    // suggestion is offered up to three), then one name 1,000 times.
    let mut actions: Vec<String> = (0..4_000)
        .map(|i| format!("\"ecs:CancelImagePipelineExecution{i}\""))
        .collect();
    actions.extend(std::iter::repeat_n(
        "\"ecs:DescribeInstancez\"".to_owned(),
        1_000,
    ));
    let text = format!(
        "{{\"Version\": \"1\", \"Statement\": [{{\"Effect\": \"Allow\", \"Resource\": \"*\", \"Action\": [\n{}]}}]}}",
        actions.join(",\n")
    );
    write(dir.path(), "unknown.json", &text);
    let findings = lint_findings(dir.path(), "unknown.json");
    let helps = |help: &str| {
        findings
            .iter()
            .filter(|f| f["rule"] == "unknown-action" && f["help"] == help)
            .count()
    };
    assert_eq!(
        helps("did you mean `ecs:CancelImagePipelineExecution`?"),
        1_000
    );
    assert_eq!(
        helps("check the spelling; the ECS API reference lists the actions"),
        3_000
    );
    assert_eq!(helps("did you mean `ecs:DescribeInstances`?"), 1_000);
}

#[test]
fn lint_text_escapes_control_characters_from_paths_messages_and_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A file name and a Sid that retitle the terminal, a bidi override in a Sid, and a raw
    // escape sequence in a broken document.
    let sid = "\\u001b]0;PWNED\\u0007\u{202e}";
    let text = format!(
        "{{\"Version\": \"1\", \"Statement\": [{{\"Sid\": \"{sid}\", \"Effect\": \"Allow\", \"Action\": \"ecs:DescribeInstances\", \"Resource\": \"*\"}}, {{\"Sid\": \"{sid}\", \"Effect\": \"Allow\", \"Action\": \"ecs:DescribeInstances\", \"Resource\": \"*\"}}]}}"
    );
    write(dir.path(), "evil\u{1b}]0;PWNED\u{7}.json", &text);
    write(
        dir.path(),
        "broken.json",
        "{\"Version\": \"1\", \u{1b}]0;PWNED\u{7} \"Statement\": []}",
    );
    let run = lint(dir.path(), &["."]);
    for raw in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(!run.stdout.contains(raw), "raw {raw:?} in output{run:?}");
    }
    assert!(
        run.stdout.contains("evil\\u{1b}]0;PWNED\\u{7}.json:1:"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("`Sid` `\\u{1b}]0;PWNED\\u{7}\\u{202e}` is already used"),
        "{run:?}"
    );
    // The caret stays under the escaped character it points at.
    let lines: Vec<&str> = run.stdout.lines().collect();
    let snippet = lines
        .iter()
        .position(|l| l.starts_with("1 | {\"Version\": \"1\", \\u{1b}"))
        .expect("the broken line, escaped");
    let carets = lines[snippet + 1];
    assert_eq!(
        carets.find('^'),
        lines[snippet].find("\\u{1b}"),
        "{}\n{carets}",
        lines[snippet]
    );
}

/// A policy whose one condition key lists `n` numbers.
fn dense_policy(n: usize) -> String {
    let zeros = vec!["0"; n].join(",");
    format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{{"NumericEquals":{{"k":[{zeros}]}}}}}}]}}"#
    )
}

#[test]
fn a_policy_denser_than_any_ram_takes_is_refused_not_read_into_memory() {
    // 600,000 values in 1.2 MB: read whole, such a document cost some 200 bytes of model per
    // two bytes of input (a 9 MB one peaked at 865 MB).
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "dense.json", &dense_policy(600_000));
    check_policy(dir.path(), "dense.json").assert_invalid(&[
        "dense.json:1:",
        "the document holds more than 500,000 values",
    ]);
    let findings = lint_findings(dir.path(), "dense.json");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule"], "policy-too-large");
    assert_eq!(findings[0]["severity"], "error");
}

#[test]
fn a_terraform_plan_with_more_values_than_a_policy_is_still_read_as_a_plan() {
    // Many small resources: over the policy ceiling in all, each document tiny.
    let resource = |i: usize| {
        format!(
            r#"{{"address":"alicloud_ram_policy.p{i}","type":"alicloud_ram_policy","name":"p{i}","values":{{"policy_name":"p{i}","description":"d","tags":[1,2,3,4,5,6,7,8],"policy_document":"{{\"Version\":\"1\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"ecs:Describe*\",\"Resource\":\"*\"}}]}}"}}}}"#
        )
    };
    let resources: Vec<String> = (0..40_000).map(resource).collect();
    let plan = format!(
        r#"{{"format_version":"1.2","terraform_version":"1.6.0","planned_values":{{"root_module":{{"resources":[{}]}}}}}}"#,
        resources.join(",")
    );
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "plan.json", &plan);
    let run = lint(dir.path(), &["plan.json", "--format", "json"]);
    let report = run.json();
    assert_eq!(report["documents"], 40_000, "{run:?}");
    assert_eq!(report["findings"], serde_json::json!([]), "{run:?}");
}
