//! Lint findings for people, in the style of compiler diagnostics: `file:line:column:
//! severity[rule]: message`, the source line with carets under the spot, a `help:` line where
//! there is a fix, and a summary line at the end. Colour is the caller's decision.

use std::io::{self, Write};

use super::escape_controls;
use crate::lint::{sorted_findings, LintedFile, Severity, Tally};
use crate::policy::{Position, Source};

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

/// Writes every finding of `files` (sorted by file, line, column) and a summary line, which
/// also says what `tally` counted.
///
/// ```
/// use ramcheck::lint::{lint_file, LintedFile, Tally};
/// use ramcheck::output::lint_text;
///
/// let text = br#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
/// let files = vec![LintedFile::new("admin.json", lint_file(text, "admin", None))];
/// let mut out = Vec::new();
/// lint_text::write_findings(&mut out, &files, &Tally::default(), false)?;
/// let out = String::from_utf8(out)?;
/// assert!(out.starts_with("admin.json:1:32: security[allow-all]: "));
/// assert!(out.ends_with("2 findings (2 security) in 1 file, 1 document\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_findings(
    out: &mut impl Write,
    files: &[LintedFile],
    tally: &Tally,
    color: bool,
) -> io::Result<()> {
    let paint = |code: &'static str| if color { code } else { "" };
    let reset = paint(RESET);
    let findings = sorted_findings(files);
    for (file, doc, finding) in &findings {
        let pos = finding.position;
        let in_doc = if doc.embedded {
            format!(" (in `{}`)", escape_controls(&doc.name))
        } else {
            String::new()
        };
        writeln!(
            out,
            "{}{}:{}:{}:{reset} {}{}[{}]{reset}{}: {}{in_doc}{reset}",
            paint(BOLD),
            escape_controls(&file.path),
            pos.line,
            pos.column,
            paint(colour(finding.severity)),
            finding.severity,
            finding.rule,
            paint(BOLD),
            escape_controls(&finding.message),
        )?;
        let snippet = Snippet::new(&doc.source, pos, finding.end);
        let number = pos.line.to_string();
        let gutter = " ".repeat(number.len());
        writeln!(out, "{}{number} |{reset} {}", paint(BLUE), snippet.text)?;
        writeln!(
            out,
            "{}{gutter} |{reset} {}{}{}{reset}",
            paint(BLUE),
            " ".repeat(snippet.caret_start),
            paint(colour(finding.severity)),
            "^".repeat(snippet.caret_width),
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
        let fixable = if finding.fix.is_some() {
            " (fixable with `--fix`)"
        } else {
            ""
        };
        let help = finding
            .help
            .as_deref()
            .or(finding.fix.as_ref().map(|f| f.description.as_str()));
        if let Some(help) = help {
            writeln!(
                out,
                "{}{gutter} = help:{reset} {}{fixable}",
                paint(GREEN),
                escape_controls(help)
            )?;
        }
        writeln!(out)?;
    }
    write_stale(out, tally, paint)?;
    writeln!(out, "{}", summary(files, tally))
}

/// A note for each baseline entry that matched no finding, so that the baseline can shrink as
/// findings are fixed.
fn write_stale(
    out: &mut impl Write,
    tally: &Tally,
    paint: impl Fn(&'static str) -> &'static str,
) -> io::Result<()> {
    if tally.stale_baseline.is_empty() {
        return Ok(());
    }
    for entry in &tally.stale_baseline {
        writeln!(
            out,
            "{}note:{} baseline entry matches no finding: {}: {} in `{}` ({})",
            paint(BOLD),
            paint(RESET),
            escape_controls(&entry.file),
            escape_controls(&entry.rule),
            escape_controls(&entry.document),
            escape_controls(&entry.fingerprint),
        )?;
    }
    writeln!(
        out,
        "{} = help:{} fixed or moved; remove the entries, or write the baseline again with \
         `--write-baseline FILE`\n",
        paint(GREEN),
        paint(RESET)
    )
}

/// The most characters of a source line a snippet shows: a longer line is cut to a window
/// around the finding, marked `...` where it was cut, as rustc does. So each finding prints a
/// bounded amount, however long its line: a one-line document of 99 KB with 5,000 findings
/// printed the whole line 5,000 times.
const WINDOW: usize = 120;

/// How much of a cut line before the finding a snippet keeps at least.
const CONTEXT: usize = 40;

/// Marks where a snippet's line was cut.
const CUT: &str = "...";

/// The source line of a finding as shown, with where its carets go.
#[derive(Debug, PartialEq, Eq)]
struct Snippet {
    /// The line, cut to a window around the finding, tabs as spaces, control characters
    /// escaped.
    text: String,
    /// Characters of `text` before the first caret.
    caret_start: usize,
    /// Carets: the span's characters in the window (at least one).
    caret_width: usize,
}

impl Snippet {
    /// The snippet of the span from `position` to `end` of `source` (to the end of the line
    /// for a span of several lines). Positions, not the span's bytes: for a document embedded
    /// in the file as a JSON string, the file's text of a span is longer than the document's,
    /// by its escapes. It costs the window and a lookup in the line index, not the length of
    /// the line.
    fn new(source: &Source, position: Position, end: Position) -> Snippet {
        let text = source.text();
        // A position the text does not have (it cannot happen for a finding of this document)
        // shows an empty line with the caret at the column.
        let Some(offset) = source.offset(position) else {
            return Snippet {
                text: String::new(),
                caret_start: position.column.saturating_sub(1),
                caret_width: 1,
            };
        };
        let len = if end.line == position.line {
            source
                .offset(end)
                .map_or(0, |end| end.saturating_sub(offset))
        } else {
            usize::MAX
        };
        let line_start = source.line_start(offset);
        let head = text.get(line_start..offset).unwrap_or_default();
        let tail = text.get(offset..).unwrap_or_default();
        // Up to a window of characters each way, stopping at the line's ends, and one more, to
        // know whether the line goes on.
        let before: Vec<char> = head.chars().rev().take(WINDOW + 1).collect();
        let after: Vec<(usize, char)> = tail
            .char_indices()
            .take_while(|(_, c)| *c != '\n' && *c != '\r')
            .take(WINDOW + 1)
            .collect();
        let (keep_before, keep_after) = if before.len() + after.len() <= WINDOW {
            (before.len(), after.len())
        } else {
            let keep_before = before
                .len()
                .min(CONTEXT.max(WINDOW.saturating_sub(after.len())));
            (keep_before, after.len().min(WINDOW - keep_before))
        };
        let (cut_before, cut_after) = (keep_before < before.len(), keep_after < after.len());
        let after = after.get(..keep_after).unwrap_or_default();
        let in_span = after.iter().take_while(|(i, _)| *i < len).count();
        let (span, rest) = after.split_at(in_span.min(after.len()));
        let shown_before: String = before.iter().take(keep_before).rev().collect();
        let span: String = span.iter().map(|&(_, c)| c).collect();
        let rest: String = rest.iter().map(|&(_, c)| c).collect();
        let (shown_before, span, rest) = (shown(&shown_before), shown(&span), shown(&rest));
        let marker = |cut: bool| if cut { CUT } else { "" };
        let caret_start = marker(cut_before).len() + shown_before.chars().count();
        Snippet {
            caret_start,
            caret_width: span.chars().count().max(1),
            text: format!(
                "{}{shown_before}{span}{rest}{}",
                marker(cut_before),
                marker(cut_after)
            ),
        }
    }
}

/// Text of a source line as printed: a tab is one space, so that carets line up under it, and
/// control characters are escaped ([`escape_controls`]) so that a document cannot drive the
/// terminal.
fn shown(text: &str) -> String {
    escape_controls(&text.replace('\t', " ")).into_owned()
}

/// The summary line: `3 findings (1 error, 2 warnings) in 2 files, 4 documents`, with the files
/// that hold no document: `no findings in 1 file, 0 documents (`plan.json` holds no RAM policy
/// document)`; how many of them `--fix` can fix: `; 2 fixable with `--fix``; then what `tally`
/// counted: `; skipped 3 files that are not RAM documents; 2 findings suppressed, 1 in the
/// baseline; 1 stale baseline entry; fixed 3 findings in 2 files`.
pub fn summary(files: &[LintedFile], tally: &Tally) -> String {
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
    let line = if findings.is_empty() {
        format!("no findings {where_}")
    } else {
        format!(
            "{} {} ({}) {where_}",
            findings.len(),
            plural(findings.len(), "finding"),
            counts.join(", ")
        )
    };
    let fixable = findings.iter().filter(|f| f.fix.is_some()).count();
    let fixable = if fixable > 0 {
        format!("; {fixable} fixable with `--fix`")
    } else {
        String::new()
    };
    line + &fixable + &tally_summary(tally)
}

/// `; skipped 3 files that are not RAM documents; 2 findings suppressed, 1 in the baseline; 1
/// stale baseline entry; fixed 3 findings in 2 files`, or nothing when the tally is empty: what
/// the run did not report, so a gate never passes on less than it seems to.
fn tally_summary(tally: &Tally) -> String {
    let mut out = String::new();
    let skipped = tally.not_ram_documents.len();
    if skipped > 0 {
        out.push_str(&if skipped == 1 {
            "; skipped 1 file that is not a RAM document".to_owned()
        } else {
            format!("; skipped {skipped} files that are not RAM documents")
        });
    }
    let mut hidden = Vec::new();
    if tally.suppressed > 0 {
        hidden.push(format!(
            "{} {} suppressed",
            tally.suppressed,
            plural(tally.suppressed, "finding")
        ));
    }
    if tally.baselined > 0 {
        let what = if hidden.is_empty() {
            format!(
                "{} {} ",
                tally.baselined,
                plural(tally.baselined, "finding")
            )
        } else {
            format!("{} ", tally.baselined)
        };
        hidden.push(format!("{what}in the baseline"));
    }
    if !hidden.is_empty() {
        out.push_str("; ");
        out.push_str(&hidden.join(", "));
    }
    let stale = tally.stale_baseline.len();
    if stale > 0 {
        let entries = if stale == 1 { "entry" } else { "entries" };
        out.push_str(&format!("; {stale} stale baseline {entries}"));
    }
    if tally.fixed > 0 {
        out.push_str(&format!(
            "; fixed {} {} in {} {}",
            tally.fixed,
            plural(tally.fixed, "finding"),
            tally.fixed_files,
            plural(tally.fixed_files, "file")
        ));
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_says_what_was_skipped_suppressed_and_baselined() {
        let files = [LintedFile::new("p.json", Vec::new())];
        let mut tally = Tally::default();
        assert_eq!(
            summary(&files, &tally),
            "no findings in 1 file, 0 documents (`p.json` holds no RAM policy document)"
        );
        tally.not_ram_documents = vec!["package.json".into(), "tsconfig.json".into()];
        tally.suppressed = 1;
        tally.baselined = 3;
        assert!(
            summary(&files, &tally).ends_with(
                "; skipped 2 files that are not RAM documents; 1 finding suppressed, 3 in the baseline"
            ),
            "{}",
            summary(&files, &tally)
        );
        tally.suppressed = 0;
        tally.not_ram_documents.truncate(1);
        assert!(summary(&files, &tally)
            .ends_with("; skipped 1 file that is not a RAM document; 3 findings in the baseline"));
        let entry = |fingerprint: &str| crate::lint::baseline::Entry {
            file: "p.json".into(),
            document: "p".into(),
            rule: "allow-all".into(),
            fingerprint: fingerprint.into(),
            message: String::new(),
        };
        tally.stale_baseline = vec![entry("a:1")];
        assert!(
            summary(&files, &tally).ends_with("3 findings in the baseline; 1 stale baseline entry")
        );
        tally.stale_baseline.push(entry("b:1"));
        assert!(summary(&files, &tally).ends_with("; 2 stale baseline entries"));
    }

    /// The snippet of the first occurrence of `needle` in `text`, and the text its carets are
    /// under.
    fn snippet(text: &str, needle: &str) -> (Snippet, String) {
        let source = Source::new(text);
        let offset = text.find(needle).expect("needle in text");
        let end = source.position(offset + needle.len());
        let snippet = Snippet::new(&source, source.position(offset), end);
        let marked = snippet
            .text
            .chars()
            .skip(snippet.caret_start)
            .take(snippet.caret_width)
            .collect();
        (snippet, marked)
    }

    #[test]
    fn a_short_line_is_shown_whole() {
        let (s, marked) = snippet("{\n  \"Effect\": \"allow\"}\n", "\"allow\"");
        assert_eq!(s.text, "  \"Effect\": \"allow\"}");
        assert_eq!(marked, "\"allow\"");
    }

    #[test]
    fn a_long_line_is_cut_to_a_window_around_the_span() {
        let entries = vec!["\"ecs:DescribeInstances\""; 4000].join(", ");
        let text = format!("{{\"Action\": [{entries}, \"ecs:Target\", {entries}]}}");
        let (s, marked) = snippet(&text, "\"ecs:Target\"");
        assert_eq!(marked, "\"ecs:Target\"");
        assert!(
            s.text.starts_with(CUT) && s.text.ends_with(CUT),
            "{}",
            s.text
        );
        assert!(
            s.text.chars().count() <= WINDOW + 2 * CUT.len(),
            "{}",
            s.text
        );
        assert!(s.caret_start >= CONTEXT, "{}", s.caret_start);
    }

    #[test]
    fn a_long_line_is_cut_on_one_side_only_near_its_ends() {
        let entries = vec!["\"ecs:DescribeInstances\""; 4000].join(", ");
        let text = format!("{{\"Action\": [{entries}]}}");
        let (start, marked) = snippet(&text, "{\"Action\"");
        assert_eq!(marked, "{\"Action\"");
        assert_eq!(start.caret_start, 0);
        assert!(!start.text.starts_with(CUT) && start.text.ends_with(CUT));
        let (end, marked) = snippet(&text, "]}");
        assert_eq!(marked, "]}");
        assert!(end.text.starts_with(CUT) && end.text.ends_with("]}"));
    }

    #[test]
    fn a_span_longer_than_the_window_gets_carets_to_the_cut() {
        let long = format!("\"{}\"", "a".repeat(1000));
        let text = format!("{{\"Sid\": {long}}}");
        let (s, marked) = snippet(&text, &long);
        assert!(s.text.ends_with(CUT));
        assert_eq!(s.caret_width, WINDOW - "{\"Sid\": ".len());
        assert!(long.starts_with(&marked));
    }

    #[test]
    fn control_characters_are_escaped_and_the_carets_follow_them() {
        // A bidi override is valid inside a JSON string; ESC and BEL appear in broken files.
        let (s, marked) = snippet(
            "{\"Sid\": \"\u{202e}x\", \u{1b}]0;PWNED\u{7}\t\"Effect\": 1}",
            "\"Effect\"",
        );
        assert_eq!(
            s.text,
            "{\"Sid\": \"\\u{202e}x\", \\u{1b}]0;PWNED\\u{7} \"Effect\": 1}"
        );
        assert_eq!(marked, "\"Effect\"");
    }

    #[test]
    fn non_ascii_columns_line_up() {
        let (s, marked) = snippet("{\"Sid\": \"允许允许\", \"Effect\": 1}", "\"Effect\"");
        assert_eq!(s.caret_start, 16);
        assert_eq!(marked, "\"Effect\"");
    }

    #[test]
    fn cr_only_lines_are_lines() {
        let (s, marked) = snippet("{\r  \"Version\": \"1\",\r  \"Effect\": 1}", "\"Effect\"");
        assert_eq!(s.text, "  \"Effect\": 1}");
        assert_eq!(marked, "\"Effect\"");
    }
}
