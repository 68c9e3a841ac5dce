//! Fixes: the edits that repair a finding of a mechanical rule (`action-case`,
//! `single-statement-object`, `duplicate-entry`, a trailing comma of `invalid-json`), and
//! applying them to a file.
//!
//! A rule attaches a [`Fix`] to its [`Finding`]: edits in the document's bytes that change
//! only the bytes at fault (the letters of an action, two brackets, one repeated entry with
//! one comma, one comma) and never what the document decides. This module maps the edits into
//! the file's bytes (the document may be an inline document of an account snapshot or a
//! template, or a JSON string in a Terraform plan, whose replacements are then escaped as the
//! string requires), drops those that cannot be mapped (a document rendered from a YAML
//! template), applies the ones that do not overlap, and lints again until nothing is left to
//! fix ([`fix_file`]). Choosing the files, writing them and reporting is the CLI's job.
//!
//! ```
//! use ramcheck::lint::fix::{apply, fixes};
//! use ramcheck::lint::lint_document;
//!
//! let text = br#"{"Version": "1", "Statement": {"Effect": "Allow",
//!  "Action": ["ecs:describeinstances", "ecs:DescribeInstances"], "Resource": "*"}}"#;
//! let findings = lint_document(text, None);
//! let (fixed, applied) = apply(text, fixes(&findings));
//! assert_eq!(applied, 3);
//! assert_eq!(
//!     String::from_utf8(fixed)?,
//!     r#"{"Version": "1", "Statement": [{"Effect": "Allow",
//!  "Action": ["ecs:DescribeInstances"], "Resource": "*"}]}"#
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeSet;
use std::path::Path;

use super::{lint_file_at, Finding, LintedDocument};
use crate::policy::{PolicyError, PolicyKind, Span};

/// How many times [`fix_file`] lints and fixes a file at most. A fix that overlaps another
/// waits for the next round, and the parser stops at the first trailing comma, so a document
/// with many trailing commas takes a round for each; the bound keeps a hostile file from
/// taking a lint per comma without end. What is left is reported as still fixable.
pub const MAX_ROUNDS: usize = 64;

/// One change to a text: the bytes of `span` replaced by `replacement` (an empty span inserts,
/// an empty replacement deletes).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Edit {
    /// The bytes replaced, in the document's text.
    pub span: Span,
    /// What replaces them.
    pub replacement: String,
    /// The span with a character more on each side where the text has one, and the text
    /// there: a span mapped into a file must cover the same text there, so that an edit
    /// cannot land elsewhere, not even an insertion, which replaces nothing.
    check: Span,
    original: String,
}

impl Edit {
    /// The edit replacing `span` of `text` with `replacement`; `None` when `text` has no such
    /// span.
    pub(crate) fn new(text: &str, span: Span, replacement: impl Into<String>) -> Option<Edit> {
        text.get(span.start..span.end)?;
        let start = text
            .get(..span.start)?
            .char_indices()
            .next_back()
            .map_or(span.start, |(i, _)| i);
        let end = text
            .get(span.end..)?
            .chars()
            .next()
            .map_or(span.end, |c| span.end + c.len_utf8());
        Some(Edit {
            span,
            replacement: replacement.into(),
            check: Span::new(start, end),
            original: text.get(start..end)?.to_owned(),
        })
    }
}

/// How to repair one finding: edits that are applied together or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fix {
    /// What the fix does, for people (`write \`ecs:AddTags\``).
    pub description: String,
    /// The edits, in document order, none overlapping another.
    pub edits: Vec<Edit>,
}

impl Fix {
    /// A fix of `edits`; `None` when there is none (a span the text does not have).
    pub(crate) fn new(description: impl Into<String>, edits: Vec<Option<Edit>>) -> Option<Fix> {
        let edits: Option<Vec<Edit>> = edits.into_iter().collect();
        let edits = edits.filter(|e| !e.is_empty())?;
        Some(Fix {
            description: description.into(),
            edits,
        })
    }
}

/// The fixes of `findings`, in their order.
pub fn fixes(findings: &[Finding]) -> impl Iterator<Item = &Fix> {
    findings.iter().filter_map(|f| f.fix.as_ref())
}

/// Applies the fixes that do not overlap one taken before them, in order of where they start,
/// to `text`, whose bytes their spans are in; returns the new text and how many fixes were
/// applied. A fix that overlaps one taken is left for another round: after the text is linted
/// again, it may no longer be needed, or its spans have moved.
pub fn apply<'f>(text: &[u8], fixes: impl IntoIterator<Item = &'f Fix>) -> (Vec<u8>, usize) {
    let mut fixes: Vec<&[Edit]> = fixes.into_iter().map(|f| f.edits.as_slice()).collect();
    apply_edits(text, &mut fixes)
}

/// [`apply`] for fixes given as their edits.
fn apply_edits(text: &[u8], fixes: &mut [&[Edit]]) -> (Vec<u8>, usize) {
    fixes.sort_by_key(|edits| edits.iter().map(|e| (e.span.start, e.span.end)).min());
    let mut taken: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut kept: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    for edits in fixes.iter() {
        let fits = edits.iter().enumerate().all(|(i, edit)| {
            edit.span.start <= edit.span.end
                && edit.span.end <= text.len()
                && !overlaps(&taken, edit.span)
                // Nor one edit of the fix another.
                && edits.iter().take(i).all(|other| {
                    let mut one = BTreeSet::new();
                    one.insert((other.span.start, other.span.end));
                    !overlaps(&one, edit.span)
                })
        });
        if !fits {
            continue;
        }
        for edit in edits.iter() {
            taken.insert((edit.span.start, edit.span.end));
            kept.push(edit);
        }
        applied += 1;
    }
    // An insertion before a replacement that starts at the same byte.
    kept.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    for edit in kept {
        out.extend_from_slice(text.get(at..edit.span.start).unwrap_or_default());
        out.extend_from_slice(edit.replacement.as_bytes());
        at = edit.span.end;
    }
    out.extend_from_slice(text.get(at..).unwrap_or_default());
    (out, applied)
}

/// Whether `span` overlaps one of the disjoint `taken` spans. Two insertions at one byte
/// overlap (their order would be a guess); an insertion at either end of a replacement does
/// not.
fn overlaps(taken: &BTreeSet<(usize, usize)>, span: Span) -> bool {
    let Span { start, end } = span;
    if start == end && taken.contains(&(start, end)) {
        return true;
    }
    // The taken span that starts last before `end`: earlier ones end before it starts.
    taken
        .range(..(end, 0))
        .next_back()
        .is_some_and(|&(_, taken_end)| taken_end > start)
}

/// The fix of a trailing comma the parser reported: the comma removed, nothing else. The error
/// points at the comma or at the bracket after it; either way the comma is the one before the
/// bracket, past JSON whitespace only.
pub(crate) fn trailing_comma(text: &[u8], error: &PolicyError) -> Option<Fix> {
    if !error.message().starts_with("trailing comma") {
        return None;
    }
    let at = error.span().start;
    let comma = match text.get(at) {
        Some(b',') => at,
        Some(b']' | b'}') => {
            let before = text.get(..at)?;
            let last = before
                .iter()
                .rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))?;
            (before.get(last) == Some(&b',')).then_some(last)?
        }
        _ => return None,
    };
    let text = std::str::from_utf8(text).ok()?;
    Fix::new(
        "remove the trailing comma",
        vec![Edit::new(text, Span::new(comma, comma + 1), "")],
    )
}

/// The edits of a fix of a finding of `doc`, in the bytes of `file`: `None` when a span cannot
/// be mapped there (a document rendered from a YAML template) or no longer covers the bytes
/// the fix was made for.
fn file_edits(doc: &LintedDocument, fix: &Fix, file: &[u8]) -> Option<Vec<Edit>> {
    fix.edits
        .iter()
        .map(|edit| {
            let span = doc.file_span(edit.span)?;
            let check = doc.file_span(edit.check)?;
            file.get(span.start..span.end)?;
            let found = file.get(check.start..check.end)?;
            let replacement = if found == edit.original.as_bytes() {
                // The bytes are the document's as they are: nothing to escape, unless the
                // replacement needs it inside a string, which no fix's does.
                if doc.embedded && needs_escape(&edit.replacement) {
                    return None;
                }
                edit.replacement.clone()
            } else if unescape(found).as_deref() == Some(edit.original.as_str()) {
                // The document is a JSON string of the file: the replacement goes in escaped.
                escape(&edit.replacement)?
            } else {
                return None;
            };
            Some(Edit {
                span,
                replacement,
                check,
                original: String::from_utf8_lossy(found).into_owned(),
            })
        })
        .collect()
}

/// Whether a text changes when written inside a JSON string.
fn needs_escape(text: &str) -> bool {
    text.chars().any(|c| c == '"' || c == '\\' || c < ' ')
}

/// A text as the inside of a JSON string literal.
fn escape(text: &str) -> Option<String> {
    let quoted = serde_json::to_string(text).ok()?;
    Some(quoted.get(1..quoted.len().checked_sub(1)?)?.to_owned())
}

/// The text the inside of a JSON string literal stands for, when it is one.
fn unescape(inside: &[u8]) -> Option<String> {
    let mut quoted = Vec::with_capacity(inside.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(inside);
    quoted.push(b'"');
    serde_json::from_slice(&quoted).ok()
}

/// Drops the fixes of `documents`' findings that cannot be applied to `file` (the bytes they
/// were linted from): so a finding is marked fixable only when `--fix` would fix it. A
/// dropped fix is said in the finding's help.
pub(crate) fn settle(file: &[u8], documents: &mut [LintedDocument]) {
    for doc in documents.iter_mut() {
        let mut findings = std::mem::take(&mut doc.findings);
        for finding in &mut findings {
            let Some(fix) = &finding.fix else { continue };
            if file_edits(doc, fix, file).is_none() {
                finding.fix = None;
                let why = "not fixable with `--fix` here: the document is not in the file as \
                           written (a YAML template's document); edit it by hand";
                finding.help = Some(match finding.help.take() {
                    Some(help) => format!("{help} ({why})"),
                    None => why.to_owned(),
                });
            }
        }
        doc.findings = findings;
    }
}

/// A file after [`fix_file`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FixedFile {
    /// The fixed text (the input when nothing was fixed).
    pub bytes: Vec<u8>,
    /// How many fixes were applied.
    pub fixed: usize,
    /// The documents of the fixed text, linted.
    pub documents: Vec<LintedDocument>,
    /// Whether fixes were still left after [`MAX_ROUNDS`] rounds.
    pub unfinished: bool,
}

/// Lints a file as [`lint_file_at`] does and applies the fixes of the findings `wanted`
/// accepts (the CLI leaves out those its suppressions hide), linting again after each round
/// until no fix is left, or overlapping ones after [`MAX_ROUNDS`] rounds.
///
/// ```
/// use ramcheck::lint::fix::fix_file;
///
/// let text = br#"{"Version": "1", "Statement": [{"Effect": "Allow",
///   "Action": ["ecs:DescribeInstances",], "Resource": "*",},]}"#;
/// let fixed = fix_file(text, None, "p", None, 1 << 20, |_, _| true);
/// assert_eq!(fixed.fixed, 3);
/// assert!(fixed.documents[0].findings.is_empty());
/// assert_eq!(fixed.bytes, br#"{"Version": "1", "Statement": [{"Effect": "Allow",
///   "Action": ["ecs:DescribeInstances"], "Resource": "*"}]}"#);
/// ```
pub fn fix_file(
    bytes: &[u8],
    path: Option<&Path>,
    name: &str,
    kind: Option<PolicyKind>,
    max_file_size: u64,
    wanted: impl Fn(&LintedDocument, &Finding) -> bool,
) -> FixedFile {
    let mut text = bytes.to_vec();
    let mut fixed = 0;
    for _ in 0..MAX_ROUNDS {
        let documents = lint_file_at(&text, path, name, kind, max_file_size);
        let edits: Vec<Vec<Edit>> = documents
            .iter()
            .flat_map(|doc| doc.findings.iter().map(move |f| (doc, f)))
            .filter(|(doc, f)| wanted(doc, f))
            .filter_map(|(doc, f)| file_edits(doc, f.fix.as_ref()?, &text))
            .collect();
        let mut slices: Vec<&[Edit]> = edits.iter().map(Vec::as_slice).collect();
        let (next, applied) = apply_edits(&text, &mut slices);
        if applied == 0 {
            return FixedFile {
                bytes: text,
                fixed,
                documents,
                unfinished: false,
            };
        }
        fixed += applied;
        text = next;
    }
    let documents = lint_file_at(&text, path, name, kind, max_file_size);
    let unfinished = documents
        .iter()
        .flat_map(|doc| doc.findings.iter().map(move |f| (doc, f)))
        .any(|(doc, f)| f.fix.is_some() && wanted(doc, f));
    FixedFile {
        bytes: text,
        fixed,
        documents,
        unfinished,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::lint_document;

    fn edit(start: usize, end: usize, with: &str) -> Edit {
        Edit {
            span: Span::new(start, end),
            replacement: with.to_owned(),
            check: Span::new(start, end),
            original: String::new(),
        }
    }

    fn fix(edits: Vec<Edit>) -> Fix {
        Fix {
            description: String::new(),
            edits,
        }
    }

    /// The text `text` becomes with the fixes of its findings, applied once.
    fn fixed_once(text: &str) -> String {
        let findings = lint_document(text.as_bytes(), None);
        String::from_utf8(apply(text.as_bytes(), fixes(&findings)).0).expect("UTF-8")
    }

    #[test]
    fn overlapping_fixes_keep_the_first() {
        let fixes = [fix(vec![edit(1, 3, "X")]), fix(vec![edit(2, 4, "Y")])];
        assert_eq!(apply(b"abcdef", &fixes), (b"aXdef".to_vec(), 1));
    }

    #[test]
    fn a_fix_is_applied_whole_or_not_at_all() {
        // The second fix's insertion at 1 falls inside the first's replacement: its insertion
        // at 3 is not made either.
        let fixes = [
            fix(vec![edit(1, 1, "<"), edit(3, 3, ">")]),
            fix(vec![edit(0, 2, "X")]),
        ];
        assert_eq!(apply(b"abcd", &fixes), (b"Xcd".to_vec(), 1));
        // An insertion at the start of a deletion does not overlap it: both apply.
        let fixes = [
            fix(vec![edit(2, 3, "")]),
            fix(vec![edit(0, 0, "["), edit(2, 2, "]")]),
            fix(vec![edit(2, 2, "!")]),
        ];
        // Two insertions at one byte: the later is left for another round.
        assert_eq!(apply(b"abc", &fixes), (b"[ab]".to_vec(), 2));
    }

    #[test]
    fn an_insertion_inside_a_replacement_overlaps_it() {
        let fixes = [fix(vec![edit(1, 4, "")]), fix(vec![edit(2, 2, "!")])];
        assert_eq!(apply(b"abcde", &fixes), (b"ae".to_vec(), 1));
    }

    #[test]
    fn g3_a_statement_object_gets_its_brackets() {
        assert_eq!(
            fixed_once(
                r#"{"Version":"1","Statement":{"Effect":"Deny","Action":"ecs:*","Resource":"*"}}"#
            ),
            r#"{"Version":"1","Statement":[{"Effect":"Deny","Action":"ecs:*","Resource":"*"}]}"#
        );
    }

    #[test]
    fn m2_an_action_gets_the_catalogue_case_and_nothing_else_changes() {
        assert_eq!(
            fixed_once(
                "{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\",\n \"Action\":[ \"ECS:addtags\" ],\"Resource\":\"*\"}]}"
            ),
            "{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\",\n \"Action\":[ \"ecs:AddTags\" ],\"Resource\":\"*\"}]}"
        );
    }

    #[test]
    fn a_repeated_entry_goes_with_one_comma_and_its_whitespace() {
        let text = "{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\", \"Resource\": \"*\",\n  \"Action\": [\n    \"ecs:AddTags\",\n    \"ecs:RemoveTags\",\n    \"ecs:AddTags\"\n  ],\n  \"Condition\": {\"StringEquals\": {\"ecs:tag/a\": [\"x\" , \"y\", \"x\"]}}}]}";
        assert_eq!(
            fixed_once(text),
            "{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\", \"Resource\": \"*\",\n  \"Action\": [\n    \"ecs:AddTags\",\n    \"ecs:RemoveTags\"\n  ],\n  \"Condition\": {\"StringEquals\": {\"ecs:tag/a\": [\"x\" , \"y\"]}}}]}"
        );
    }

    #[test]
    fn g11_a_trailing_comma_is_removed_alone() {
        assert_eq!(
            fixed_once("{\"Version\": \"1\", \"Statement\": [\n  {\"Effect\": \"Allow\", \"Action\": \"ecs:*\", \"Resource\": \"*\"},\n]}"),
            "{\"Version\": \"1\", \"Statement\": [\n  {\"Effect\": \"Allow\", \"Action\": \"ecs:*\", \"Resource\": \"*\"}\n]}"
        );
    }

    #[test]
    fn other_invalid_json_has_no_fix() {
        let findings = lint_document(br#"{"Version": "1", "Statement": [1,,]}"#, None);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].rule, "invalid-json");
        assert!(findings[0].fix.is_none());
    }

    #[test]
    fn fixing_a_file_loops_until_nothing_is_left() {
        // Three trailing commas, each found only once the one before it is gone, and a case
        // fix that overlaps a repeat's removal.
        let text = br#"{"Version": "1", "Statement": [{"Effect": "Allow",
  "Action": ["ecs:addtags", "ecs:ADDTAGS",], "Resource": ["*",],},]}"#;
        let fixed = fix_file(text, None, "p", None, 1 << 20, |_, _| true);
        assert_eq!(
            String::from_utf8_lossy(&fixed.bytes),
            r#"{"Version": "1", "Statement": [{"Effect": "Allow",
  "Action": ["ecs:AddTags"], "Resource": ["*"]}]}"#
        );
        assert_eq!(fixed.fixed, 6);
        assert!(!fixed.unfinished);
    }

    #[test]
    fn unwanted_findings_are_not_fixed() {
        let text = br#"{"Version": "1", "Statement": {"Effect": "Allow", "Action": "ecs:addtags", "Resource": "*"}}"#;
        let fixed = fix_file(text, None, "p", None, 1 << 20, |_, f| {
            f.rule != "single-statement-object"
        });
        assert_eq!(
            fixed.bytes,
            br#"{"Version": "1", "Statement": {"Effect": "Allow", "Action": "ecs:AddTags", "Resource": "*"}}"#
        );
        assert_eq!(fixed.fixed, 1);
    }

    #[test]
    fn an_inline_document_of_an_account_snapshot_is_fixed_in_place() {
        let text = "{\"account_id\": \"1234567890123456\",\n \"policies\": {\"p\": {\"Version\": \"1\", \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"ecs:addtags\", \"Resource\": \"*\"}}},\n \"users\": {\"alice\": {\"policies\": [\"p\"]}}}";
        let fixed = fix_file(text.as_bytes(), None, "account", None, 1 << 20, |_, _| true);
        assert_eq!(
            String::from_utf8_lossy(&fixed.bytes),
            text.replace("{\"Effect\"", "[{\"Effect\"")
                .replace("\"*\"}}}", "\"*\"}]}}")
                .replace("addtags", "AddTags")
        );
        assert_eq!(fixed.fixed, 2);
    }

    #[test]
    fn escapes_round_trip() {
        assert_eq!(escape("a\"b\\c\n").as_deref(), Some("a\\\"b\\\\c\\n"));
        assert_eq!(unescape(b"a\\\"b\\u0041\\n").as_deref(), Some("a\"bA\n"));
        assert_eq!(unescape(b"a\\"), None);
    }
}
