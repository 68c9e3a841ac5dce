//! `who-can` and `diff` pictures through the real binary (issue 21 item 5): `--format dot`
//! renders with Graphviz (`dot -Tsvg`) and `--format mermaid` parses with Mermaid's own
//! parser ([`crate::real_parsers`]), and each picture draws every principal the JSON answer of
//! the same question lists with access (who-can, T5) or as a gained access (diff, A4), gained
//! ones highlighted. What the picture must hold is read from the JSON answer, not written here.

use std::path::Path;

use serde_json::Value;

use crate::real_parsers::{dot_svg, mermaid_parse};
use crate::util::{ramcheck, write_file, Run};

const A: &str = "tests/fixtures/assume/a.json";
const B: &str = "tests/fixtures/assume/b.json";
const SPACE: &str = "acs:ecs:*:*:imagepipeline/*";
/// Text that would end a label, inject HTML or reorder what a reader sees, if not escaped.
const HOSTILE: &str = "p\"\\]];#quot;<script>x</script> --> |y| `z` &amp; \n\u{202e}中";

/// `who-can --account A --account B --resource SPACE --format FORMAT`, which must exit 0.
fn who_can(format: &str) -> Run {
    let run = ramcheck(&[
        "who-can",
        "--account",
        A,
        "--account",
        B,
        "--resource",
        SPACE,
        "--format",
        format,
    ]);
    assert_eq!(run.status, Some(0), "{run:?}");
    run
}

/// The principals the JSON answer lists with access.
fn with_access(answer: &Value) -> Vec<String> {
    let principals = answer["principals"].as_array().expect("principals");
    let listed: Vec<String> = principals
        .iter()
        .filter(|p| p["access"].as_str().is_some_and(|a| a != "none"))
        .filter_map(|p| p["principal"].as_str().map(str::to_owned))
        .collect();
    assert!(!listed.is_empty(), "someone has access: {answer}");
    listed
}

#[test]
fn t5_who_can_dot_renders_and_draws_everyone_with_access() {
    let answer = who_can("json").json();
    let dot = who_can("dot").stdout;
    let svg = dot_svg(&dot);
    for principal in with_access(&answer) {
        assert!(
            dot.contains(&format!("label=\"{principal} ")),
            "{principal}\n{dot}"
        );
        assert!(svg.contains(&principal), "{principal}");
    }
    // ci reaches through role/deployer of the other account.
    assert!(
        dot.contains("acs:ram::2222222222222222:role/deployer"),
        "{dot}"
    );
    assert!(dot.contains("assumes"), "{dot}");
}

#[test]
fn t5_who_can_mermaid_parses_and_draws_everyone_with_access() {
    let answer = who_can("json").json();
    let mermaid = who_can("mermaid").stdout;
    let parsed = mermaid_parse(&[&mermaid]).remove(0);
    for principal in with_access(&answer) {
        assert!(
            parsed
                .vertices
                .iter()
                .any(|v| v.text.starts_with(&format!("{principal} "))),
            "{principal}\n{mermaid}"
        );
    }
    assert!(
        parsed.edges.iter().any(|e| e.text.starts_with("assumes")),
        "{mermaid}"
    );
}

/// A before and an after account in `dir`: after, `alice` gains a hostile policy file (its
/// name and Sid hostile) through group `ops`, and `bob` loses his.
fn before_after(dir: &Path) -> (String, String) {
    let policy = serde_json::json!({"Version": "1", "Statement": [{"Sid": HOSTILE,
        "Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
        "Resource": "acs:ecs:*:*:imagepipeline/prod-*"}]});
    write_file(dir, "p\"]];#<b>.json", &policy.to_string());
    let account = |alice_groups: Value, bob_policies: Value| {
        serde_json::json!({
            "account_id": "1234567890123456",
            "policies": {"grant-prod": "p\"]];#<b>.json"},
            "users": {"alice": {"groups": alice_groups}, "bob": {"policies": bob_policies}},
            "groups": {"ops": {"policies": ["grant-prod"]}},
        })
        .to_string()
    };
    let before = account(serde_json::json!([]), serde_json::json!(["grant-prod"]));
    let after = account(serde_json::json!(["ops"]), serde_json::json!([]));
    let before = write_file(dir, "before.json", &before);
    let after = write_file(dir, "after.json", &after);
    (before.display().to_string(), after.display().to_string())
}

/// `diff --before B --after A --format FORMAT`: exit 1, since access is gained.
fn diff(before: &str, after: &str, format: &str) -> Run {
    let run = ramcheck(&[
        "diff", "--before", before, "--after", after, "--format", format,
    ]);
    assert_eq!(run.status, Some(1), "{run:?}");
    run
}

fn gained(answer: &Value) -> Vec<String> {
    let gained: Vec<String> = (answer["gained"].as_array().into_iter().flatten())
        .filter_map(|c| c["principal"].as_str().map(str::to_owned))
        .collect();
    assert!(!gained.is_empty(), "something is gained: {answer}");
    gained
}

#[test]
fn a4_diff_mermaid_parses_and_highlights_what_is_gained() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (before, after) = before_after(dir.path());
    let answer = diff(&before, &after, "json").json();
    let mermaid = diff(&before, &after, "mermaid").stdout;
    let parsed = mermaid_parse(&[&mermaid]).remove(0);
    for principal in gained(&answer) {
        let vertex = (parsed.vertices.iter())
            .find(|v| v.text.starts_with(&format!("{principal} ")))
            .unwrap_or_else(|| panic!("{principal} is drawn\n{mermaid}"));
        assert_eq!(vertex.classes, ["gained"], "{mermaid}");
    }
    assert!(
        !mermaid.contains("<script") && !mermaid.contains('\u{202e}'),
        "{mermaid}"
    );
}

#[test]
fn a4_diff_dot_renders_and_draws_gained_access_red() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (before, after) = before_after(dir.path());
    let answer = diff(&before, &after, "json").json();
    let dot = diff(&before, &after, "dot").stdout;
    dot_svg(&dot);
    for principal in gained(&answer) {
        let line = (dot.lines())
            .find(|l| l.contains(&format!("label=\"{principal} ")))
            .unwrap_or_else(|| panic!("{principal} is drawn\n{dot}"));
        assert!(line.contains("color=red, penwidth=2"), "{line}");
    }
    assert!(
        dot.contains("style=dashed"),
        "bob's lost access is drawn\n{dot}"
    );
}

/// `.ci/check-node` with a `node` that prints `version` (or fails, for `None`) first on the
/// path.
#[cfg(unix)]
fn check_node(version: Option<&str>) -> Run {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("temp dir");
    let body = match version {
        Some(v) => format!("#!/bin/sh\necho {v}\n"),
        None => "#!/bin/sh\nexit 127\n".to_owned(),
    };
    let node = write_file(dir.path(), "node", &body);
    std::fs::set_permissions(&node, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = std::process::Command::new(crate::util::root().join(".ci/check-node"))
        .env("PATH", path)
        .output()
        .expect("runs .ci/check-node");
    Run {
        status: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The Mermaid lock needs Node 20: CI refuses an older node, saying how to get Node 20,
/// rather than failing later in npm or the parser.
#[cfg(unix)]
#[test]
fn ci_refuses_a_node_older_than_20_and_says_how_to_get_it() {
    for version in [Some("v18.19.1"), Some("v9.11.2"), None] {
        let run = check_node(version);
        assert_eq!(run.status, Some(1), "{version:?}{run:?}");
        assert!(run.stderr.contains("Node.js 20 or later"), "{run:?}");
        assert!(run.stderr.contains("help: install Node 20"), "{run:?}");
    }
    for version in ["v20.0.0", "v22.11.0", "v100.1.2"] {
        let run = check_node(Some(version));
        assert_eq!(run.status, Some(0), "{version}{run:?}");
    }
    // The apt step must never wait for an answer.
    let run = std::fs::read_to_string(crate::util::root().join(".ci/run")).expect(".ci/run");
    let apt: Vec<&str> = run.lines().filter(|l| l.contains("apt-get ")).collect();
    assert_eq!(apt.len(), 2, "{apt:?}");
    for line in apt {
        assert!(
            line.contains("DEBIAN_FRONTEND=noninteractive apt-get"),
            "{line}"
        );
    }
    assert!(
        run.contains("\n.ci/check-node\n.ci/mermaid/install\n"),
        "{run}"
    );
}
