//! Lint findings as one JSON object:
//! `{"files": N, "documents": N, "files_without_documents": [PATH], "findings": [{"rule",
//! "severity", "file", "document", "line", "column", "path", "message", "help"}]}`, findings
//! sorted by file, line and column; `files_without_documents` lists the files read that hold no
//! RAM policy document (a Terraform plan without RAM resources). It also says what the run
//! did not report: `"skipped_not_ram_documents": [PATH]` (files a walk passed over),
//! `"suppressed": N` and `"baselined": N`; each finding says whether `--fix` can fix it
//! (`"fixable": bool`), and `"fixed": N` and `"fixed_files": N` count what `--fix` fixed. The
//! field names are a contract.

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::lint::{sorted_findings, LintedFile, Tally};

/// The report as a JSON value.
pub fn findings_value(files: &[LintedFile], tally: &Tally) -> Value {
    let documents: usize = files.iter().map(|f| f.documents.len()).sum();
    let findings: Vec<Value> = sorted_findings(files)
        .into_iter()
        .map(|(file, doc, f)| {
            json!({
                "rule": f.rule,
                "severity": f.severity.name(),
                "file": file.path,
                "document": doc.name,
                "line": f.position.line,
                "column": f.position.column,
                "path": f.path,
                "message": f.message,
                "help": f.help,
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
        "fixed": tally.fixed,
        "fixed_files": tally.fixed_files,
    })
}

/// Writes the report as one JSON object and a newline.
///
/// ```
/// use ramcheck::lint::{lint_file, LintedFile, Tally};
/// use ramcheck::output::lint_json;
///
/// let files = vec![LintedFile::new("p.json", lint_file(b"{}", "p", None))];
/// let mut out = Vec::new();
/// lint_json::write_findings(&mut out, &files, &Tally::default())?;
/// let value: serde_json::Value = serde_json::from_slice(&out)?;
/// assert_eq!(value["files"], 1);
/// assert_eq!(value["findings"][0]["rule"], "invalid-version");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_findings(out: &mut impl Write, files: &[LintedFile], tally: &Tally) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &findings_value(files, tally))?;
    writeln!(out)
}
