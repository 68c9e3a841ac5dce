//! Lint findings as a SARIF 2.1.0 log (Static Analysis Results Interchange Format), for GitHub
//! code scanning and other tools: one run, the tool's rules with their documentation and
//! default level, and one result per finding with its physical location.
//!
//! Levels map as `error` → `error`, `security` → `error` (with a `security-severity` property,
//! which GitHub uses to rank alerts), `warning` → `warning`, `suggestion` → `note`. Columns
//! count Unicode code points (`columnKind`), as ramcheck's positions do.
//!
//! What code scanning needs of a log is there: each result's `region` from the finding's start
//! to its end (`endColumn` just past the span, as SARIF counts), each rule's absolute
//! `helpUri` ([`Settings::with_help_base`]), `partialFingerprints` that do not change when
//! unrelated lines are added (see [`crate::lint::baseline`]), one `invocation` with the run's
//! exit status, and artifact URIs relative to the repository root (`uriBaseId` `%SRCROOT%`,
//! which `originalUriBaseIds` gives as a `file://` URI; a file outside the root has an
//! absolute `file://` URI). Baseline entries that matched nothing are the invocation's
//! `toolExecutionNotifications`.

use std::io::{self, Write};
use std::path::Path;

use serde_json::{json, Value};

use crate::lint::baseline::{Entry, Fingerprints, Root, FINGERPRINT_KEY};
use crate::lint::registry::{rules, Rule, DOCS_BASE};
use crate::lint::{LintedFile, Severity, Tally};

/// The `uriBaseId` of paths relative to the repository root.
pub const SRCROOT: &str = "%SRCROOT%";

/// The id of the notification that says a baseline entry matched no finding.
const STALE: &str = "stale-baseline-entry";

/// The SARIF schema this log follows.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error | Severity::Security => "error",
        Severity::Warning => "warning",
        Severity::Suggestion => "note",
    }
}

fn rule_value(rule: &Rule, help_base: &str) -> Value {
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
        "helpUri": rule.help_uri(help_base),
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

/// What a log says besides the findings: where the repository root is, where the rule pages
/// are, and how the run ended.
///
/// ```
/// use ramcheck::lint::baseline::Root;
/// use ramcheck::output::sarif::Settings;
///
/// let settings = Settings::new(1)
///     .with_root(Root::new("/repo", "/repo"))
///     .with_help_base("https://docs.example.com/ramcheck");
/// assert_eq!(settings.exit_code(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    root: Option<Root>,
    help_base: String,
    exit_code: i32,
}

impl Settings {
    /// A log of a run that exits with `exit_code`, paths as shown, rule pages at
    /// [`DOCS_BASE`].
    pub fn new(exit_code: i32) -> Settings {
        Settings {
            root: None,
            help_base: DOCS_BASE.to_owned(),
            exit_code,
        }
    }

    /// Paths relative to `root` (`%SRCROOT%`).
    pub fn with_root(mut self, root: Root) -> Settings {
        self.root = Some(root);
        self
    }

    /// Rule pages under `base` (an absolute URL): `BASE/docs/rules/<id>.md`.
    pub fn with_help_base(mut self, base: impl Into<String>) -> Settings {
        self.help_base = base.into();
        self
    }

    /// The run's exit status.
    pub fn exit_code(&self) -> i32 {
        self.exit_code
    }

    /// The artifact location of a file shown as `shown` (or of a baseline entry's file, when
    /// `key` says it is already relative to the root).
    fn location(&self, shown: &str, key: bool) -> Value {
        let Some(root) = &self.root else {
            return json!({"uri": path_to_uri(shown)});
        };
        let relative = if key && shown != "-" && !Path::new(shown).is_absolute() {
            Some(shown.replace('\\', "/"))
        } else {
            root.relative(shown)
        };
        match relative {
            Some(relative) => json!({"uri": path_to_uri(&relative), "uriBaseId": SRCROOT}),
            None if shown == "-" => json!({"uri": "-"}),
            None => json!({"uri": path_to_uri(&root.absolute(shown).to_string_lossy())}),
        }
    }
}

/// The log as a JSON value. `fingerprints` are those of `files` ([`Fingerprints::new`]).
pub fn log_value(
    files: &[LintedFile],
    tally: &Tally,
    fingerprints: &Fingerprints,
    settings: &Settings,
) -> Value {
    let all = rules();
    let results: Vec<Value> = crate::lint::baseline::fingerprinted(files, fingerprints)
        .into_iter()
        .map(|item| {
            let (doc, f) = (item.document, item.finding);
            let index = all.iter().position(|r| r.id == f.rule);
            let mut message = f.message.clone();
            if doc.embedded {
                message.push_str(&format!(" (in `{}`)", doc.name));
            }
            if let Some(help) = &f.help {
                message.push_str(&format!("; help: {help}"));
            }
            let end = f.end;
            let mut location = settings.location(&item.file.path, false);
            location["index"] = json!(item.file_index);
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": location,
                        "region": {
                            "startLine": f.position.line,
                            "startColumn": f.position.column,
                            "endLine": end.line,
                            "endColumn": end.column,
                        },
                    },
                    "logicalLocations": [{"fullyQualifiedName": doc.name, "kind": "module"}],
                }],
                "partialFingerprints": {FINGERPRINT_KEY: item.fingerprint},
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
        .map(
            |f| json!({"location": settings.location(&f.path, false), "roles": ["analysisTarget"]}),
        )
        .collect();
    let mut tool = tool(
        all.iter()
            .map(|r| rule_value(r, &settings.help_base))
            .collect(),
    );
    // GitHub wants of a notification's descriptor what it wants of a rule's.
    let stale_help = "The baseline (`--baseline FILE`) holds a finding this run did not find: it \
                      was fixed, or its file, document or text changed. Remove the entry, or \
                      write the baseline again with `--write-baseline FILE`.";
    tool["driver"]["notifications"] = json!([{
        "id": STALE,
        "shortDescription": {"text": "a baseline entry matched no finding"},
        "fullDescription": {"text": stale_help},
        "help": {"text": stale_help},
    }]);
    let stale: Vec<Value> = tally
        .stale_baseline
        .iter()
        .map(|entry| stale_notification(entry, settings))
        .collect();
    let mut run = json!({
        "tool": tool,
        "invocations": [{
            "executionSuccessful": true,
            "exitCode": settings.exit_code,
            "exitCodeDescription": match settings.exit_code {
                0 => "no finding at or above the `--fail-on` level",
                _ => "findings at or above the `--fail-on` level",
            },
            "toolExecutionNotifications": stale,
        }],
        "columnKind": "unicodeCodePoints",
        "artifacts": artifacts,
        "results": results,
    });
    if let Some(root) = &settings.root {
        let mut uri = path_to_uri(&root.dir().to_string_lossy());
        if !uri.ends_with('/') {
            uri.push('/');
        }
        run["originalUriBaseIds"] = json!({SRCROOT: {
            "uri": uri,
            "description": {"text": "the repository root: the first directory upwards holding `.git` or `.ramcheck.json`"},
        }});
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    })
}

fn stale_notification(entry: &Entry, settings: &Settings) -> Value {
    json!({
        "descriptor": {"id": STALE},
        "level": "note",
        "message": {"text": format!(
            "baseline entry `{}` of `{}` in `{}` ({}) matched no finding; remove it, or write \
             the baseline again with `--write-baseline`",
            entry.rule, entry.document, entry.file, entry.fingerprint
        )},
        "locations": [{"physicalLocation": {"artifactLocation": settings.location(&entry.file, true)}}],
        "properties": {"fingerprint": entry.fingerprint, "rule": entry.rule, "document": entry.document},
    })
}

/// Writes the log as JSON and a newline.
///
/// ```
/// use ramcheck::lint::baseline::Fingerprints;
/// use ramcheck::lint::{lint_file, LintedFile, Tally};
/// use ramcheck::output::sarif::{self, Settings};
///
/// let files = vec![LintedFile::new("dir/p.json", lint_file(b"{}", "p", None))];
/// let fingerprints = Fingerprints::new(&files, None);
/// let mut out = Vec::new();
/// sarif::write_log(&mut out, &files, &Tally::default(), &fingerprints, &Settings::new(1))?;
/// let log: serde_json::Value = serde_json::from_slice(&out)?;
/// assert_eq!(log["version"], "2.1.0");
/// let run = &log["runs"][0];
/// assert_eq!(run["invocations"][0]["exitCode"], 1);
/// let location = &run["results"][0]["locations"][0]["physicalLocation"];
/// assert_eq!(location["artifactLocation"]["uri"], "dir/p.json");
/// assert_eq!(location["region"]["startLine"], 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_log(
    out: &mut impl Write,
    files: &[LintedFile],
    tally: &Tally,
    fingerprints: &Fingerprints,
    settings: &Settings,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log_value(files, tally, fingerprints, settings))?;
    writeln!(out)
}
