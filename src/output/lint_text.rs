//! Lint findings for people, in the style of compiler diagnostics: `file:line:column:
//! severity[rule]: message`, the source line with carets under the spot, a `help:` line where
//! there is a fix, and a summary line at the end. Colour is the caller's decision.

use std::io::{self, Write};

use crate::lint::{sorted_findings, LintedFile, Severity};

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const BLUE: &str = "\x1b[1;34m";
const GREEN: &str = "\x1b[1;32m";

fn colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "\x1b[1;31m",
        Severity::Security => "\x1b[1;35m",
        Severity::Warning => "\x1b[1;33m",
        Severity::Suggestion => "\x1b[1;36m",
    }
}

/// Writes every finding of `files` (sorted by file, line, column) and a summary line.
///
/// ```
/// use ramcheck::lint::{lint_file, LintedFile};
/// use ramcheck::output::lint_text;
///
/// let text = br#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
/// let files = vec![LintedFile { path: "admin.json".into(), documents: lint_file(text, "admin", None) }];
/// let mut out = Vec::new();
/// lint_text::write_findings(&mut out, &files, false)?;
/// let out = String::from_utf8(out)?;
/// assert!(out.starts_with("admin.json:1:32: security[allow-all]: "));
/// assert!(out.ends_with("2 findings (2 security) in 1 file, 1 document\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_findings(out: &mut impl Write, files: &[LintedFile], color: bool) -> io::Result<()> {
    let paint = |code: &'static str| if color { code } else { "" };
    let reset = paint(RESET);
    let findings = sorted_findings(files);
    for (file, doc, finding) in &findings {
        let pos = finding.position;
        let in_doc = if doc.embedded {
            format!(" (in `{}`)", doc.name)
        } else {
            String::new()
        };
        writeln!(
            out,
            "{}{}:{}:{}:{reset} {}{}[{}]{reset}{}: {}{in_doc}{reset}",
            paint(BOLD),
            file.path,
            pos.line,
            pos.column,
            paint(colour(finding.severity)),
            finding.severity,
            finding.rule,
            paint(BOLD),
            finding.message,
        )?;
        let line = doc.source.line_text(pos.line);
        let number = pos.line.to_string();
        let gutter = " ".repeat(number.len());
        let shown: String = line
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect();
        writeln!(out, "{}{number} |{reset} {shown}", paint(BLUE))?;
        let before = pos.column.saturating_sub(1);
        let rest = shown.chars().count().saturating_sub(before);
        let span_chars = doc
            .source
            .text()
            .get(finding.span.start..finding.span.end)
            .map_or(1, |s| s.chars().take_while(|c| *c != '\n').count());
        let width = span_chars.clamp(1, rest.max(1));
        writeln!(
            out,
            "{}{gutter} |{reset} {}{}{}{reset}",
            paint(BLUE),
            " ".repeat(before),
            paint(colour(finding.severity)),
            "^".repeat(width),
        )?;
        if let Some(related) = finding.related {
            writeln!(
                out,
                "{}{gutter} = {reset}note: see also line {}, column {}",
                paint(BLUE),
                related.line,
                related.column
            )?;
        }
        if let Some(help) = &finding.help {
            writeln!(out, "{}{gutter} = help:{reset} {help}", paint(GREEN))?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{}", summary(files))
}

/// The summary line: `3 findings (1 error, 2 warnings) in 2 files, 4 documents`, with the files
/// that hold no document: `no findings in 1 file, 0 documents (`plan.json` holds no RAM policy
/// document)`.
pub fn summary(files: &[LintedFile]) -> String {
    // Counted, so in any order.
    let findings: Vec<&crate::lint::Finding> = files
        .iter()
        .flat_map(|file| file.documents.iter())
        .flat_map(|doc| doc.findings.iter())
        .collect();
    let documents: usize = files.iter().map(|f| f.documents.len()).sum();
    let counts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|&level| {
            let n = findings.iter().filter(|f| f.severity == level).count();
            (n > 0).then(|| match (level, n) {
                (Severity::Security, n) => format!("{n} security"),
                (level, 1) => format!("1 {level}"),
                (level, n) => format!("{n} {level}s"),
            })
        })
        .collect();
    let where_ = format!(
        "in {} {}, {} {}",
        files.len(),
        plural(files.len(), "file"),
        documents,
        plural(documents, "document")
    );
    // A file read without a document in it (a Terraform plan without RAM resources) is no
    // fault, but a gate passing on it should say so.
    let empty: Vec<&str> = files
        .iter()
        .filter(|f| f.documents.is_empty())
        .map(|f| f.path.as_str())
        .collect();
    let where_ = match empty.as_slice() {
        [] => where_,
        [one] => format!(
            "{where_} (`{}` holds no RAM policy document)",
            crate::output::escape_controls(one)
        ),
        many => format!(
            "{where_} ({} files hold no RAM policy document)",
            many.len()
        ),
    };
    if findings.is_empty() {
        format!("no findings {where_}")
    } else {
        format!(
            "{} {} ({}) {where_}",
            findings.len(),
            plural(findings.len(), "finding"),
            counts.join(", ")
        )
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}
