//! Lint findings as a SARIF 2.1.0 log (Static Analysis Results Interchange Format), for GitHub
//! code scanning and other tools: one run, the tool's rules with their documentation and
//! default level, and one result per finding with its physical location.
//!
//! Levels map as `error` → `error`, `security` → `error` (with a `security-severity` property,
//! which GitHub uses to rank alerts), `warning` → `warning`, `suggestion` → `note`. Columns
//! count Unicode code points (`columnKind`), as ramcheck's positions do.

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::lint::registry::{rules, Rule};
use crate::lint::{sorted_findings, LintedFile, Severity};

/// The SARIF schema this log follows.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error | Severity::Security => "error",
        Severity::Warning => "warning",
        Severity::Suggestion => "note",
    }
}

fn rule_value(rule: &Rule) -> Value {
    let mut properties =
        json!({"tags": [rule.severity.name()], "ramcheckLevel": rule.severity.name()});
    if rule.severity == Severity::Security {
        properties["security-severity"] = json!("8.0");
        properties["tags"] = json!(["security"]);
    }
    json!({
        "id": rule.id,
        "name": pascal_case(rule.id),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.summary},
        "help": {"text": rule.doc.trim(), "markdown": rule.markdown()},
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": properties,
    })
}

/// `unknown-action` → `UnknownAction`: SARIF wants a readable `name` that differs from the id.
pub(crate) fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// A path as a relative URI reference: forward slashes, `./` dropped, reserved characters
/// percent-encoded.
pub fn path_to_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

/// The run's `tool`: ramcheck, its version and the rules its results refer to.
pub(crate) fn tool(rules: Vec<Value>) -> Value {
    json!({"driver": {
        "name": "ramcheck",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "informationUri": "https://docs.rs/ramcheck",
        "rules": rules,
    }})
}

/// The log as a JSON value.
pub fn log_value(files: &[LintedFile]) -> Value {
    let all = rules();
    let results: Vec<Value> = sorted_findings(files)
        .into_iter()
        .map(|(file, doc, f)| {
            let index = all.iter().position(|r| r.id == f.rule);
            let mut message = f.message.clone();
            if doc.embedded {
                message.push_str(&format!(" (in `{}`)", doc.name));
            }
            if let Some(help) = &f.help {
                message.push_str(&format!("; help: {help}"));
            }
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": path_to_uri(&file.path)},
                        "region": {"startLine": f.position.line, "startColumn": f.position.column},
                    },
                    "logicalLocations": [{"fullyQualifiedName": doc.name, "kind": "module"}],
                }],
                "properties": {"severity": f.severity.name(), "document": doc.name, "jsonPath": f.path},
            });
            if let Some(index) = index {
                result["ruleIndex"] = json!(index);
            }
            result
        })
        .collect();
    let artifacts: Vec<Value> = files
        .iter()
        .map(|f| json!({"location": {"uri": path_to_uri(&f.path)}}))
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": tool(all.iter().map(|r| rule_value(r)).collect()),
            "columnKind": "unicodeCodePoints",
            "artifacts": artifacts,
            "results": results,
        }],
    })
}

/// Writes the log as JSON and a newline.
///
/// ```
/// use ramcheck::lint::{lint_file, LintedFile};
/// use ramcheck::output::sarif;
///
/// let files = vec![LintedFile::new("dir/p.json", lint_file(b"{}", "p", None))];
/// let mut out = Vec::new();
/// sarif::write_log(&mut out, &files)?;
/// let log: serde_json::Value = serde_json::from_slice(&out)?;
/// assert_eq!(log["version"], "2.1.0");
/// let result = &log["runs"][0]["results"][0];
/// assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "dir/p.json");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_log(out: &mut impl Write, files: &[LintedFile]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log_value(files))?;
    writeln!(out)
}
