//! The linter: findings about policy documents before they reach RAM, from "RAM would reject
//! this" to "this lets anyone cancel every image build".
//!
//! This module owns [`Finding`], [`Severity`] and the entry points [`lint_document`] (one
//! document) and [`lint_file`] (a file in any input format, see [`input`]). Each rule lives in
//! its own file under `lint/rules/` and is listed, with its stable id, default severity and
//! documentation, in the [`registry`]. Grammar faults come from the parser
//! ([`Policy::parse_with_errors`]) and are mapped to rules by
//! [`PolicyErrorKind::rule_id`](crate::policy::PolicyErrorKind::rule_id); every other rule works
//! on the parsed model. Rendering findings is [`crate::output`]'s job; choosing files, ignores
//! and exit status is the CLI's.
//!
//! ```
//! use ramcheck::lint::{lint_document, Severity};
//!
//! let findings = lint_document(br#"{"Version": "1", "Statement": [
//!   {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecutions",
//!    "Resource": "acs:ecs:cn-hangzhou:*:imagepipeline/*"}]}"#, None);
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].rule, "unknown-action");
//! assert_eq!(findings[0].severity, Severity::Warning);
//! assert_eq!((findings[0].position.line, findings[0].position.column), (2, 33));
//! assert_eq!(findings[0].help.as_deref(), Some("did you mean `ecs:CancelImagePipelineExecution`?"));
//! ```

pub mod baseline;
pub mod catalog;
pub mod config;
pub mod fix;
mod frame;
pub mod input;
pub mod registry;
pub mod request;
mod rules;
mod snapshot;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::cap::{dropped_help, Cap};
use crate::policy::{Policy, PolicyKind, Position, Source, Span};
use crate::read::DEFAULT_MAX_FILE_SIZE;

pub use registry::Rule;

/// How bad a finding is, from most to least severe. The order of the variants is that order:
/// `Severity::Error < Severity::Suggestion` reads "comes before".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Severity {
    /// RAM would reject the document, or it cannot work as written.
    Error,
    /// It grants more than is safe.
    Security,
    /// Probably not what the author meant.
    Warning,
    /// Style; no effect on access.
    Suggestion,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 4] = [
        Severity::Error,
        Severity::Security,
        Severity::Warning,
        Severity::Suggestion,
    ];

    /// The level's name as the CLI and the JSON output spell it.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Security => "security",
            Severity::Warning => "warning",
            Severity::Suggestion => "suggestion",
        }
    }

    /// Whether this severity is `level` or more severe.
    pub fn is_at_least(self, level: Severity) -> bool {
        self <= level
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The text is not a severity name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown level `{0}`; the levels are `error`, `security`, `warning` and `suggestion`")]
#[non_exhaustive]
pub struct UnknownSeverity(pub String);

impl FromStr for Severity {
    type Err = UnknownSeverity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|l| l.name() == s)
            .ok_or_else(|| UnknownSeverity(s.to_owned()))
    }
}

/// One thing a rule found in a document: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// The rule's stable id (`unknown-key`).
    pub rule: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// Byte span in the document's text.
    pub span: Span,
    /// Line and column of the span's start, both from 1 (columns in characters), in the
    /// file: for a document embedded in another format, where the span's text stands in it.
    pub position: Position,
    /// Line and column just past the span's end, in the same frame as `position`; equal to
    /// it for a span of no bytes.
    pub end: Position,
    /// JSON path of the element (`Statement[0].Action[1]`); empty for the document itself.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is a suggestion.
    pub help: Option<String>,
    /// A second place involved (the first of two duplicates), when there is one.
    pub related: Option<Position>,
    /// How `--fix` repairs it, for the mechanical rules ([`fix`]); its spans are in the
    /// document's text, like `span`.
    pub fix: Option<fix::Fix>,
}

/// One document that was linted, with its text (for rendering source lines) and findings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LintedDocument {
    /// The document's name: the Terraform address, the RAM policy name, or for a plain
    /// document its file name without the extension.
    pub name: String,
    /// The kind it was checked as.
    pub kind: PolicyKind,
    /// Whether it was embedded in another format (a Terraform plan, GetPolicy output): then its
    /// positions point into the decoded document, not into the file.
    pub embedded: bool,
    /// The document's own text (for an embedded document: the decoded string), which the
    /// findings' positions point into.
    pub source: Source,
    /// The findings, in document order.
    pub findings: Vec<Finding>,
    /// How the findings' spans map onto the file's bytes.
    frame: frame::Frame,
}

impl LintedDocument {
    /// The span of the file's bytes that `span` of the document's text (a finding's span)
    /// came from: the same span for a plain document, shifted for a document inline in an
    /// account snapshot or a JSON template. `None` where the document's text is not a copy
    /// of the file's bytes: a document of a YAML template, linted as its JSON rendering, or
    /// a document decoded from a JSON string.
    ///
    /// ```
    /// use ramcheck::lint::lint_file;
    ///
    /// let account = br#"{"account_id": "1234567890123456",
    ///   "policies": {"p": {"Version": "1", "Statement": [
    ///     {"Effect": "Allow", "Action": "ecs:cancelimagepipelineexecution", "Resource": "*"}]}}}"#;
    /// let documents = lint_file(account, "account", None);
    /// let (doc, finding) = documents
    ///     .iter()
    ///     .find_map(|d| Some((d, d.findings.iter().find(|f| f.rule == "action-case")?)))
    ///     .unwrap();
    /// let span = doc.file_span(finding.span).unwrap();
    /// assert_eq!(&account[span.start..span.end], b"\"ecs:cancelimagepipelineexecution\"");
    /// ```
    pub fn file_span(&self, span: Span) -> Option<Span> {
        self.frame.file_span(span)
    }
}

/// The documents of one input file, linted.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LintedFile {
    /// The file's path as shown to people (`-` for standard input).
    pub path: String,
    /// The documents found in it (none for a Terraform plan without RAM resources).
    pub documents: Vec<LintedDocument>,
}

impl LintedFile {
    /// The linted `documents` of the file shown as `path`.
    ///
    /// ```
    /// use ramcheck::lint::{lint_file, LintedFile};
    ///
    /// let text = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
    /// let file = LintedFile::new("admin.json", lint_file(text.as_bytes(), "admin.json", None));
    /// assert_eq!(file.documents.len(), 1);
    /// ```
    pub fn new(path: impl Into<String>, documents: Vec<LintedDocument>) -> LintedFile {
        LintedFile {
            path: path.into(),
            documents,
        }
    }
}

/// What a lint run counted besides its findings, for the summary: the files a walk passed
/// over and the findings it did not report.
///
/// ```
/// use ramcheck::lint::Tally;
///
/// let mut tally = Tally::default();
/// tally.not_ram_documents.push("package.json".to_owned());
/// tally.suppressed += 2;
/// assert_eq!((tally.not_ram_documents.len(), tally.suppressed, tally.baselined), (1, 2, 0));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tally {
    /// Files a directory walk met that are none of the known kinds (policy, trust policy,
    /// account snapshot, Terraform plan or state, GetPolicy output, ROS template): skipped,
    /// as shown to people.
    pub not_ram_documents: Vec<String>,
    /// Findings not reported because `--ignore` or the sidecar suppresses them.
    pub suppressed: usize,
    /// Findings not reported because the baseline holds them.
    pub baselined: usize,
    /// Entries of the baseline that matched no finding: fixed since, or moved to another file.
    pub stale_baseline: Vec<baseline::Entry>,
    /// Findings `--fix` fixed (the files were rewritten, and the findings listed are those of
    /// the fixed files).
    pub fixed: usize,
    /// Files `--fix` rewrote.
    pub fixed_files: usize,
}

/// Every finding of `files` with its file and document, sorted by file, line and column (then
/// rule), as all renderers list them.
pub fn sorted_findings(files: &[LintedFile]) -> Vec<(&LintedFile, &LintedDocument, &Finding)> {
    let mut all: Vec<(&LintedFile, &LintedDocument, &Finding)> = files
        .iter()
        .flat_map(|file| {
            file.documents
                .iter()
                .flat_map(move |doc| doc.findings.iter().map(move |f| (file, doc, f)))
        })
        .collect();
    all.sort_by(|a, b| {
        (a.0.path.as_str(), a.2.position, a.1.name.as_str(), a.2.rule).cmp(&(
            b.0.path.as_str(),
            b.2.position,
            b.1.name.as_str(),
            b.2.rule,
        ))
    });
    all
}

/// Lints one policy document. `kind` is the kind to check it as; `None` tells trust policies
/// from identity policies by their statements ([`input::guess_kind`]).
///
/// Never fails: a document that is not JSON gives an `invalid-json` finding.
pub fn lint_document(bytes: &[u8], kind: Option<PolicyKind>) -> Vec<Finding> {
    lint_with_kind(bytes, kind, Position::START).1
}

/// Lints a file in any of the supported input formats (a policy document, `terraform show
/// -json` output, `aliyun ram GetPolicy`/`GetPolicyVersion` output, an account snapshot), one
/// entry per document found in it. `name` names a plain document; `kind` overrides the kind of
/// plain and GetPolicy documents (Terraform documents take theirs from the resource type).
///
/// The policy files an account snapshot names are found from the current directory; for a
/// file read from disk, [`lint_file_at`] finds them from the file's folder.
pub fn lint_file(bytes: &[u8], name: &str, kind: Option<PolicyKind>) -> Vec<LintedDocument> {
    lint_file_at(bytes, None, name, kind, DEFAULT_MAX_FILE_SIZE)
}

/// [`lint_file`] for a file read from `path` (`None`: standard input). An account snapshot is
/// checked as `check --account` loads it, each fault a finding of `invalid-account` in a
/// document named after the file: the policy files it names are found from its folder and
/// read up to `max_file_size` bytes each. A Terraform resource without a readable document is
/// a finding too (`invalid-embedded-document`, `document-unknown-until-apply`), in a document
/// named by its address. Both are positioned in the file.
///
/// ```
/// use ramcheck::lint::lint_file_at;
///
/// let account = br#"{"account_id": "1234567890123456",
///  "users": {"alice": {"group": ["ops"], "policies": ["NoSuchPolicy"]}}}"#;
/// let documents = lint_file_at(account, None, "account", None, 1 << 20);
/// let findings: Vec<(&str, usize, usize)> = documents
///     .iter()
///     .flat_map(|d| &d.findings)
///     .map(|f| (f.rule, f.position.line, f.position.column))
///     .collect();
/// assert_eq!(findings, [("invalid-account", 2, 22), ("invalid-account", 2, 53)]);
/// ```
pub fn lint_file_at(
    bytes: &[u8],
    path: Option<&Path>,
    name: &str,
    kind: Option<PolicyKind>,
    max_file_size: u64,
) -> Vec<LintedDocument> {
    // The file's own text, for the documents positioned in it: an account snapshot comes with
    // the line index `detect_indexed` built for their origins, so the file is indexed once.
    let input::Detected {
        format,
        documents,
        source: file_source,
        faults,
    } = input::detect_indexed(bytes, name, kind);
    let mut linted: Vec<LintedDocument> = documents
        .into_iter()
        .map(|doc| match (doc.origin, &file_source) {
            // An inline policy of an account file or a template: positions and source lines are
            // the file's.
            (Some(origin), Some(source)) => {
                let (kind, findings) = match &doc.placement {
                    // A document of a YAML template, linted as its JSON rendering: the
                    // findings are placed back in the template.
                    Some(placement) => {
                        let (kind, mut findings) =
                            lint_with_kind(&doc.bytes, doc.kind, Position::START);
                        placement.place(&String::from_utf8_lossy(&doc.bytes), &mut findings);
                        (kind, findings)
                    }
                    None => lint_with_kind(&doc.bytes, doc.kind, origin),
                };
                LintedDocument {
                    name: doc.name,
                    kind,
                    embedded: false,
                    source: source.clone(),
                    findings,
                    frame: doc.frame,
                }
            }
            _ => {
                let mut linted = lint_bytes(&doc.bytes, &doc.name, doc.kind);
                linted.embedded = format != input::Format::Policy;
                // A document decoded from a JSON string of the file: linted as its own text,
                // its findings placed where that text is written in the file.
                if let (frame::Frame::Escaped(_), Some(file)) = (&doc.frame, &file_source) {
                    doc.frame.place(&linted.source, file, &mut linted.findings);
                    linted.source = file.clone();
                }
                linted.frame = doc.frame;
                linted
            }
        })
        .collect();
    if let Some(source) = &file_source {
        for fault in faults {
            let finding = Finding {
                rule: fault.rule.id,
                severity: fault.rule.severity,
                span: fault.span,
                position: source.position(fault.span.start),
                end: source.position(fault.span.end),
                path: fault.path,
                message: fault.message,
                help: fault.help,
                related: None,
                fix: None,
            };
            linted.push(LintedDocument {
                name: fault.document,
                kind: fault.kind,
                embedded: false,
                source: source.clone(),
                findings: vec![finding],
                frame: frame::Frame::File,
            });
        }
        if format == input::Format::Account {
            let mut findings = snapshot::findings(bytes, source, path, max_file_size);
            // A fault of an inline document (a malformed trust policy) that its own rules
            // already report as an error at the same place is said once, by that rule.
            let said: Vec<Position> = linted
                .iter()
                .flat_map(|d| &d.findings)
                .filter(|f| f.severity == Severity::Error)
                .map(|f| f.position)
                .collect();
            findings.retain(|f| !said.contains(&f.position));
            if !findings.is_empty() {
                linted.push(LintedDocument {
                    name: name.to_owned(),
                    // The file is not a policy; no rule of a kind ran on it.
                    kind: PolicyKind::Identity,
                    embedded: false,
                    source: source.clone(),
                    findings,
                    frame: frame::Frame::File,
                });
            }
        }
    }
    // Only fixes that `--fix` can make in this file's bytes are offered.
    fix::settle(bytes, &mut linted);
    linted
}

/// Lints a document from raw bytes that may not be UTF-8; the source is read lossily.
pub fn lint_bytes(bytes: &[u8], name: &str, kind: Option<PolicyKind>) -> LintedDocument {
    let (kind, findings, policy) = lint_policy(bytes, kind, Position::START);
    LintedDocument {
        name: name.to_owned(),
        kind,
        embedded: false,
        // The parsed document's own text, not another copy of it.
        source: match policy {
            Some(policy) => policy.source().clone(),
            None => Source::new(&String::from_utf8_lossy(bytes)),
        },
        findings,
        frame: frame::Frame::File,
    }
}

fn lint_with_kind(
    bytes: &[u8],
    kind: Option<PolicyKind>,
    origin: Position,
) -> (PolicyKind, Vec<Finding>) {
    let (kind, findings, _) = lint_policy(bytes, kind, origin);
    (kind, findings)
}

/// [`lint_with_kind`], with the document read when it was of the right overall shape.
fn lint_policy(
    bytes: &[u8],
    kind: Option<PolicyKind>,
    origin: Position,
) -> (PolicyKind, Vec<Finding>, Option<Policy>) {
    let kind = kind.unwrap_or_else(|| input::guess_kind(bytes));
    let (policy, errors) = Policy::parse_with_errors_at(bytes, kind, origin);
    // The text the errors' spans are in, for their ends: the parsed document's, else read
    // here, once, only when there is an error to place.
    let read;
    let source = match &policy {
        Some(policy) => policy.source(),
        None => {
            read = Source::with_origin(&String::from_utf8_lossy(bytes), origin);
            &read
        }
    };
    let mut findings: Vec<Finding> = errors
        .iter()
        .map(|e| (e, registry::rule_for_kind(e.kind())))
        .map(|(e, rule)| Finding {
            rule: rule.id,
            severity: rule.severity,
            span: e.span(),
            position: e.position(),
            end: end_position(source, e.span(), e.position()),
            path: e.path().to_owned(),
            message: e.message().to_owned(),
            help: e.help().map(str::to_owned),
            related: e.related().map(|(_, p)| p),
            fix: fix::trailing_comma(bytes, e),
        })
        .collect();
    if let Some(policy) = &policy {
        rules::check_all(policy, &mut findings);
    }
    findings
        .sort_by(|a, b| (a.position, a.rule, &a.message).cmp(&(b.position, b.rule, &b.message)));
    // A rule that marks a span several elements share can say the same thing twice there:
    // `condition-never-met` marks the operator, so `acs:CurrentTime` and `acs:currenttime`
    // under one `DateLessThan` give two findings that differ only in their path.
    findings.dedup_by(|a, b| a.rule == b.rule && a.span == b.span && a.message == b.message);
    (kind, findings, policy)
}

/// Where `span` of `source` ends, never before `position`, where it starts: a text that is not
/// UTF-8 is read lossily, which can move the offsets after a fault.
fn end_position(source: &Source, span: Span, position: Position) -> Position {
    source.position(span.end).max(position)
}

/// What a rule sees: the parsed document. Rules push findings through [`Ctx::report`].
pub(crate) struct Ctx<'a> {
    pub(crate) policy: &'a Policy,
    findings: &'a mut Vec<Finding>,
    /// Which findings are kept: a hostile document can give one per two bytes.
    cap: Cap<(&'static str, Severity)>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(policy: &'a Policy, findings: &'a mut Vec<Finding>) -> Ctx<'a> {
        Ctx {
            policy,
            findings,
            cap: Cap::default(),
        }
    }

    /// Records a finding of `rule` at `span`, unless the rule has too many in this document
    /// already ([`crate::cap`]); returns whether it was kept.
    pub(crate) fn report(
        &mut self,
        rule: &Rule,
        span: Span,
        path: String,
        message: String,
        help: Option<String>,
    ) -> bool {
        if !self.cap.keep((rule.id, rule.severity), span) {
            return false;
        }
        self.findings.push(Finding {
            rule: rule.id,
            severity: rule.severity,
            span,
            position: self.policy.position(span),
            end: self.policy.source().position(span.end),
            path,
            message,
            help,
            related: None,
            fix: None,
        });
        true
    }

    /// Whether a finding of `rule` at `span` would not be kept: then it is counted as not
    /// kept, and the rule can skip building its text, which for a hostile document is most of
    /// the work. A rule that reports per entry calls it before [`Ctx::report`].
    pub(crate) fn drops(&mut self, rule: &Rule, span: Span) -> bool {
        let kind = (rule.id, rule.severity);
        self.cap.is_full(kind) && !self.cap.keep(kind, span)
    }

    /// Like [`Ctx::report`], with a second place involved.
    pub(crate) fn report_related(
        &mut self,
        rule: &Rule,
        span: Span,
        path: String,
        message: String,
        help: Option<String>,
        related: Span,
    ) -> bool {
        if self.report(rule, span, path, message, help) {
            let position = self.policy.position(related);
            if let Some(last) = self.findings.last_mut() {
                last.related = Some(position);
            }
            return true;
        }
        false
    }

    /// Gives the finding just reported (when [`Ctx::report`] kept it) its fix.
    pub(crate) fn fix_last(&mut self, fix: Option<fix::Fix>) {
        if let Some(last) = self.findings.last_mut() {
            last.fix = fix;
        }
    }

    /// Adds, for each rule that had findings not kept, one that counts them.
    pub(crate) fn finish(self) {
        for ((rule, severity), count, span) in self.cap.dropped() {
            self.findings.push(Finding {
                rule,
                severity,
                span,
                position: self.policy.position(span),
                end: self.policy.source().position(span.end),
                path: String::new(),
                message: match count {
                    1 => format!("1 more finding of `{rule}` in this document is not listed"),
                    n => format!("{n} more findings of `{rule}` in this document are not listed"),
                },
                help: Some(dropped_help()),
                related: None,
                fix: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_ends_just_past_its_span_and_a_plain_file_maps_to_itself() {
        let text = "{\"Version\": \"1\", \"Statement\": [\n  {\"Effect\": \"Allow\", \
                    \"Action\": \"ecs:cancelimagepipelineexecution\", \"Resource\": \"*\"}]}";
        let documents = lint_file(text.as_bytes(), "p", None);
        let doc = &documents[0];
        let finding = doc
            .findings
            .iter()
            .find(|f| f.rule == "action-case")
            .expect("an action-case finding");
        let quoted = "\"ecs:cancelimagepipelineexecution\"";
        let start = text.find(quoted).expect("the action in the text");
        assert_eq!(finding.span, Span::new(start, start + quoted.len()));
        assert_eq!(finding.position, doc.source.position(start));
        assert_eq!(
            finding.end,
            Position::new(
                finding.position.line,
                finding.position.column + quoted.len()
            )
        );
        assert_eq!(doc.file_span(finding.span), Some(finding.span));
    }

    /// G5, G6: a misspelt `Effect` is one finding, the unknown key, whose help names `Effect`;
    /// a missing `Effect` is still `invalid-effect`.
    #[test]
    fn a_misspelt_effect_is_one_finding_at_the_key() {
        let text = "{\"Version\": \"1\", \"Statement\": [{\"Efect\": \"Allow\", \
                    \"Action\": \"ecs:*\", \"Resource\": \"*\"}]}";
        let findings = lint_document(text.as_bytes(), None);
        let rules: Vec<&str> = findings.iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["unknown-key"], "{findings:#?}");
        assert_eq!(
            findings[0].help.as_deref(),
            Some("did you mean `Effect`? keys are case-sensitive")
        );
        let missing = text.replace("\"Efect\": \"Allow\", ", "");
        let rules: Vec<&'static str> = lint_document(missing.as_bytes(), None)
            .iter()
            .map(|f| f.rule)
            .collect();
        assert_eq!(rules, ["invalid-effect"]);
    }

    #[test]
    fn a_parse_error_has_an_end_too() {
        let text = "{\"Version\": \"1\", \"Statement\": [{\"Efect\": \"Allow\"}]}";
        for finding in lint_document(text.as_bytes(), None) {
            let source = Source::new(text);
            assert_eq!(
                finding.end,
                source.position(finding.span.end),
                "{finding:?}"
            );
            assert!(finding.end >= finding.position, "{finding:?}");
        }
    }

    #[test]
    fn a_finding_repeated_at_one_span_is_reported_once() {
        let findings = lint_document(
            br#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"DateLessThan": {"acs:CurrentTime": "2019-08-12T17:00:00Z",
                                 "acs:currenttime": "2019-08-12T17:00:00Z"}}}]}"#,
            Some(PolicyKind::Identity),
        );
        let never_met: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.rule == "condition-never-met")
            .collect();
        assert_eq!(never_met.len(), 1, "{findings:#?}");
        assert_eq!(
            (never_met[0].position.line, never_met[0].position.column),
            (2, 17)
        );
    }
}
