//! The real parsers of the picture languages, for the tests of `--format dot|mermaid`:
//! Graphviz's `dot` (Debian `graphviz`) and Mermaid's own parser, run by node from
//! `target/ci/mermaid`, which `.ci/mermaid/install` fills (`.ci/run` calls it). A missing parser
//! fails the test and says how to install it: never a skip.
//!
//! Shared by the integration tests and the unit tests of `src/output/graph` (through `#[path]`),
//! so both hold pictures to the same parsers.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The crate root.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The SVG `dot -Tsvg` makes of `text`; panics, with Graphviz's message, when it refuses it,
/// and with how to install Graphviz when `dot` is missing.
pub fn dot_svg(text: &str) -> String {
    let child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = child.unwrap_or_else(|e| {
        panic!("cannot run Graphviz's `dot` ({e}); install it: `apt-get install graphviz` (`.ci/run` does)")
    });
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(text.as_bytes())
        .expect("dot reads its input");
    let output = child.wait_with_output().expect("dot runs");
    let svg = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success() && svg.contains("<svg"),
        "dot -Tsvg refused the graph ({}):\n{}\n--- input:\n{text}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    // Graphviz reports some syntax problems as warnings and still draws something.
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("syntax error"),
        "dot -Tsvg: {}\n--- input:\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    svg
}

/// One vertex as Mermaid parsed it: id, label text as written (entity codes kept), classes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vertex {
    pub id: String,
    pub text: String,
    pub classes: Vec<String>,
}

/// One edge as Mermaid parsed it: its ends and label text as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MermaidEdge {
    pub start: String,
    pub end: String,
    pub text: String,
}

/// What Mermaid parsed of one diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub vertices: Vec<Vertex>,
    pub edges: Vec<MermaidEdge>,
}

/// Parses each of `diagrams` with the real Mermaid parser (one node process for all of them:
/// starting Mermaid takes a second); panics, with Mermaid's message and the diagram, when one
/// does not parse or exceeds Mermaid's default text or edge limits.
pub fn mermaid_parse(diagrams: &[&str]) -> Vec<Parsed> {
    let modules = root().join("target/ci/mermaid/node_modules");
    assert!(
        modules.join("mermaid").is_dir(),
        "the Mermaid parser is not installed in `target/ci/mermaid`; run `.ci/mermaid/install` (needs node and npm; `.ci/run` does it)"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let files: Vec<PathBuf> = (diagrams.iter().enumerate())
        .map(|(i, text)| {
            let path = dir.path().join(format!("{i}.mmd"));
            std::fs::write(&path, text).expect("write diagram");
            path
        })
        .collect();
    let output = Command::new("node")
        .arg(root().join(".ci/mermaid/check.mjs"))
        .arg(&modules)
        .args(&files)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `node` ({e}); install it: `apt-get install nodejs npm`")
        });
    let stdout = String::from_utf8_lossy(&output.stdout);
    let results: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("check.mjs prints JSON lines"))
        .collect();
    assert_eq!(
        results.len(),
        diagrams.len(),
        "check.mjs answered {} of {} diagrams ({}):\n{stdout}\n{}",
        results.len(),
        diagrams.len(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let text = |v: &serde_json::Value, key: &str| v[key].as_str().unwrap_or_default().to_owned();
    results
        .iter()
        .zip(diagrams)
        .map(|(result, diagram)| {
            assert!(
                result.get("error").is_none(),
                "Mermaid refused the diagram: {}\n--- input:\n{diagram}",
                text(result, "error")
            );
            let list = |key: &str| result[key].as_array().cloned().unwrap_or_default();
            Parsed {
                vertices: list("vertices")
                    .iter()
                    .map(|v| Vertex {
                        id: text(v, "id"),
                        text: text(v, "text"),
                        classes: (v["classes"].as_array().into_iter().flatten())
                            .filter_map(|c| c.as_str().map(str::to_owned))
                            .collect(),
                    })
                    .collect(),
                edges: list("edges")
                    .iter()
                    .map(|e| MermaidEdge {
                        start: text(e, "start"),
                        end: text(e, "end"),
                        text: text(e, "text"),
                    })
                    .collect(),
            }
        })
        .collect()
}
