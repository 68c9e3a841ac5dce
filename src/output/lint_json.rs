//! Lint findings as one JSON object:
//! `{"files": N, "documents": N, "files_without_documents": [PATH], "findings": [{"rule",
//! "severity", "file", "document", "line", "column", "end_line", "end_column", "path",
//! "message", "help", "fingerprint", "fixable"}]}`, findings sorted by file, line and column;
//! `end_line`/`end_column` are just past the finding's span, `fingerprint` its
//! [baseline fingerprint](crate::lint::baseline), `fixable` whether `--fix` can fix it;
//! `files_without_documents` lists the files read that hold no RAM policy document (a
//! Terraform plan without RAM resources). It also says what the run did not report:
//! `"skipped_not_ram_documents": [PATH]` (files a walk passed over), `"suppressed": N`,
//! `"baselined": N`, and `"stale_baseline": [{"file", "document", "rule", "fingerprint",
//! "message"}]` (baseline entries that matched no finding); `"fixed": N` and `"fixed_files": N`
//! count what `--fix` fixed. The field names are a contract.

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::lint::baseline::{fingerprinted, Fingerprints};
use crate::lint::{LintedFile, Tally};

/// The report as a JSON value. `fingerprints` are those of `files` ([`Fingerprints::new`]).
pub fn findings_value(files: &[LintedFile], tally: &Tally, fingerprints: &Fingerprints) -> Value {
    let documents: usize = files.iter().map(|f| f.documents.len()).sum();
    let findings: Vec<Value> = fingerprinted(files, fingerprints)
        .into_iter()
        .map(|item| {
            let (f, end) = (item.finding, item.finding.end);
            json!({
                "rule": f.rule,
                "severity": f.severity.name(),
                "file": item.file.path,
                "document": item.document.name,
                "line": f.position.line,
                "column": f.position.column,
                "end_line": end.line,
                "end_column": end.column,
                "path": f.path,
                "message": f.message,
                "help": f.help,
                "fingerprint": item.fingerprint,
                "fixable": f.fix.is_some(),
            })
        })
        .collect();
    let without: Vec<&str> = files
        .iter()
        .filter(|f| f.documents.is_empty())
        .map(|f| f.path.as_str())
        .collect();
    json!({
        "files": files.len(),
        "documents": documents,
        "files_without_documents": without,
        "findings": findings,
        "skipped_not_ram_documents": tally.not_ram_documents,
        "suppressed": tally.suppressed,
        "baselined": tally.baselined,
        "stale_baseline": tally.stale_baseline,
        "fixed": tally.fixed,
        "fixed_files": tally.fixed_files,
    })
}

/// Writes the report as one JSON object and a newline.
///
/// ```
/// use ramcheck::lint::baseline::Fingerprints;
/// use ramcheck::lint::{lint_file, LintedFile, Tally};
/// use ramcheck::output::lint_json;
///
/// let files = vec![LintedFile::new("p.json", lint_file(b"{}", "p", None))];
/// let fingerprints = Fingerprints::new(&files, None);
/// let mut out = Vec::new();
/// lint_json::write_findings(&mut out, &files, &Tally::default(), &fingerprints)?;
/// let value: serde_json::Value = serde_json::from_slice(&out)?;
/// assert_eq!(value["files"], 1);
/// assert_eq!(value["findings"][0]["rule"], "invalid-version");
/// assert_eq!(value["findings"][0]["fingerprint"], fingerprints.get(0, 0, 0).unwrap());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_findings(
    out: &mut impl Write,
    files: &[LintedFile],
    tally: &Tally,
    fingerprints: &Fingerprints,
) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &findings_value(files, tally, fingerprints))?;
    writeln!(out)
}
