//! Baselines, for adopting the linter in a repository that already has findings: the findings
//! of today are written to a file (`lint --write-baseline`), and later runs (`lint --baseline`)
//! report only the findings that file does not hold, and the entries of the file that no longer
//! match anything (stale, so the file can shrink as findings are fixed).
//!
//! A finding is known by its *fingerprint*, which is what identifies it but not its line, so
//! that lines added above it, or a statement inserted before its statement, do not make it new:
//! the file's path relative to the repository root ([`Root`]), the document's name, the rule,
//! the shape of its JSON path (`Statement[].Action[]`: array indices left out) and the text at
//! its span (whitespace runs as one space). Findings that agree on all of these (the same
//! faulty action in two statements) are told apart by their order in the file: the value is
//! `HASH:N`, the `N`th such finding, as GitHub's own `primaryLocationLineHash` is. The same
//! value is the SARIF result's `partialFingerprints["ramcheck/v1"]` and the lint JSON's
//! `fingerprint`.
//!
//! The baseline file is JSON, written sorted and one field a line so that it diffs well in
//! review:
//!
//! ```json
//! {
//!   "version": 1,
//!   "findings": [
//!     {
//!       "file": "policies/admin.json",
//!       "document": "admin",
//!       "rule": "allow-all",
//!       "fingerprint": "5c0b3c1d9e0b4a3f8a6d2e1f0c9b8a7d:1",
//!       "message": "the statement allows every action on every resource"
//!     }
//!   ]
//! }
//! ```
//!
//! Only `fingerprint` decides what matches; the other fields are for people. An entry matches
//! one finding: two identical findings need two entries (they are counted, not collapsed). It
//! is read as strictly as the sidecar ([`super::config`]): a fault is a [`BaselineError`] with
//! its line and column. Reading and writing the file, and choosing the root, are the CLI's job.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::config::check_keys;
use super::{Finding, LintedDocument, LintedFile};
use crate::policy::json::{self, Member, Node, Value};
use crate::policy::{locate, Position, Source, Span};

/// The key of ramcheck's fingerprint in a SARIF result's `partialFingerprints`; a new
/// algorithm gets a new key.
pub const FINGERPRINT_KEY: &str = "ramcheck/v1";

/// The version of the baseline file format this ramcheck reads and writes.
pub const VERSION: u64 = 1;

/// How much of a finding's text its fingerprint reads: bounded, so that a finding whose span is
/// a whole large document costs no more than any other.
const MAX_HASHED_TEXT: usize = 4096;

/// The repository root that paths in fingerprints, baselines and SARIF logs are relative to,
/// and the directory that the paths shown to people (as typed, or as a walk found them) are
/// relative to.
///
/// ```
/// use ramcheck::lint::baseline::Root;
///
/// let root = Root::new("/repo", "/repo/infra");
/// assert_eq!(root.relative("policies/a.json").as_deref(), Some("infra/policies/a.json"));
/// assert_eq!(root.relative("../docs/./b.json").as_deref(), Some("docs/b.json"));
/// assert_eq!(root.relative("/elsewhere/c.json"), None);
/// assert_eq!(root.relative("-"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    dir: PathBuf,
    cwd: PathBuf,
}

impl Root {
    /// The root `dir`, for paths shown relative to `cwd` (both absolute).
    pub fn new(dir: impl Into<PathBuf>, cwd: impl Into<PathBuf>) -> Root {
        Root {
            dir: normalize(&dir.into()),
            cwd: normalize(&cwd.into()),
        }
    }

    /// The root directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The absolute path of a file shown as `shown`: resolved against the current directory,
    /// `.` and `..` taken away as written (symbolic links are not followed).
    pub fn absolute(&self, shown: &str) -> PathBuf {
        normalize(&self.cwd.join(shown))
    }

    /// The path of the file shown as `shown` relative to the root, with forward slashes;
    /// `None` for standard input (`-`) and for a file outside the root.
    pub fn relative(&self, shown: &str) -> Option<String> {
        if shown == "-" {
            return None;
        }
        let absolute = self.absolute(shown);
        let inside = |path: &Path| {
            path.strip_prefix(&self.dir)
                .ok()
                .map(|r| r.to_string_lossy().replace('\\', "/"))
        };
        inside(&absolute).or_else(|| {
            // A path written through a symbolic link to the root (`/tmp` for `/private/tmp`).
            let real = std::fs::canonicalize(&absolute).ok()?;
            let root = std::fs::canonicalize(&self.dir).ok()?;
            real.strip_prefix(root)
                .ok()
                .map(|r| r.to_string_lossy().replace('\\', "/"))
        })
    }
}

/// `path` with `.` left out and each `..` taking away the name before it, without asking the
/// file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The path a fingerprint and a baseline entry use for the file shown as `shown`: relative to
/// the root when it is inside it, else as shown (forward slashes, no leading `./`).
pub fn file_key(root: Option<&Root>, shown: &str) -> String {
    root.and_then(|r| r.relative(shown)).unwrap_or_else(|| {
        let shown = shown.replace('\\', "/");
        shown.strip_prefix("./").unwrap_or(&shown).to_owned()
    })
}

/// The fingerprints of a run's findings, in the order of the files, their documents and
/// their findings, with each file's key ([`file_key`]). Computed once, before findings are
/// filtered, and filtered with them ([`Baseline::apply`]): a finding's number among its equals
/// is counted among all of them.
///
/// ```
/// use ramcheck::lint::baseline::{Fingerprints, FINGERPRINT_KEY};
/// use ramcheck::lint::{lint_file, LintedFile};
///
/// let text = br#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
/// let files = vec![LintedFile::new("admin.json", lint_file(text, "admin", None))];
/// let fingerprints = Fingerprints::new(&files, None);
/// let first = fingerprints.get(0, 0, 0).unwrap();
/// assert!(first.ends_with(":1"), "{first}");
/// assert_eq!(fingerprints.key(0), Some("admin.json"));
/// # assert_eq!(FINGERPRINT_KEY, "ramcheck/v1");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fingerprints {
    keys: Vec<String>,
    files: Vec<Vec<Vec<String>>>,
}

impl Fingerprints {
    /// The fingerprint of every finding of `files`, paths relative to `root` (as shown when
    /// there is none). Costs a hash of at most a few kilobytes per finding.
    pub fn new(files: &[LintedFile], root: Option<&Root>) -> Fingerprints {
        let keys: Vec<String> = files.iter().map(|f| file_key(root, &f.path)).collect();
        let files = files
            .iter()
            .zip(&keys)
            .map(|(file, key)| of_file(key, file))
            .collect();
        Fingerprints { keys, files }
    }

    /// The fingerprint of the `finding`th finding of the `document`th document of the
    /// `file`th file.
    pub fn get(&self, file: usize, document: usize, finding: usize) -> Option<&str> {
        self.files
            .get(file)?
            .get(document)?
            .get(finding)
            .map(String::as_str)
    }

    /// The key of the `file`th file: its path relative to the root.
    pub fn key(&self, file: usize) -> Option<&str> {
        self.keys.get(file).map(String::as_str)
    }
}

/// A finding as the renderers list it: with its file (and the file's index), document and
/// fingerprint.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Fingerprinted<'a> {
    /// The file's index in the run's files.
    pub file_index: usize,
    /// The file.
    pub file: &'a LintedFile,
    /// The document the finding is in.
    pub document: &'a LintedDocument,
    /// The finding.
    pub finding: &'a Finding,
    /// Its fingerprint.
    pub fingerprint: &'a str,
}

/// Every finding of `files` with its fingerprint, in the order of
/// [`sorted_findings`](super::sorted_findings): by file, line and column, document and rule.
pub fn fingerprinted<'a>(
    files: &'a [LintedFile],
    fingerprints: &'a Fingerprints,
) -> Vec<Fingerprinted<'a>> {
    let mut all = Vec::new();
    for (i, file) in files.iter().enumerate() {
        for (d, document) in file.documents.iter().enumerate() {
            for (f, finding) in document.findings.iter().enumerate() {
                all.push(Fingerprinted {
                    file_index: i,
                    file,
                    document,
                    finding,
                    fingerprint: fingerprints.get(i, d, f).unwrap_or_default(),
                });
            }
        }
    }
    let key = |x: &Fingerprinted<'a>| {
        (
            x.file.path.as_str(),
            x.finding.position,
            x.document.name.as_str(),
            x.finding.rule,
        )
    };
    all.sort_by(|a, b| key(a).cmp(&key(b)));
    all
}

/// The fingerprints of one file's findings, numbered among equals in the order the renderers
/// list them (line, column, document, rule).
fn of_file(key: &str, file: &LintedFile) -> Vec<Vec<String>> {
    let mut order: Vec<(usize, usize)> = file
        .documents
        .iter()
        .enumerate()
        .flat_map(|(d, doc)| (0..doc.findings.len()).map(move |f| (d, f)))
        .collect();
    let finding = |&(d, f): &(usize, usize)| &file.documents[d].findings[f];
    order.sort_by(|a, b| {
        let (fa, fb) = (finding(a), finding(b));
        let (na, nb) = (&file.documents[a.0].name, &file.documents[b.0].name);
        (fa.position, na, fa.rule).cmp(&(fb.position, nb, fb.rule))
    });
    let mut out: Vec<Vec<String>> = file
        .documents
        .iter()
        .map(|doc| vec![String::new(); doc.findings.len()])
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (d, f) in order {
        let doc = &file.documents[d];
        let hash = digest(key, doc, &doc.findings[f]);
        let n = seen.entry(hash.clone()).or_insert(0);
        *n += 1;
        out[d][f] = format!("{hash}:{n}");
    }
    out
}

/// The hash of what identifies a finding but not its line: 128 bits of SHA-256, in hex.
fn digest(key: &str, doc: &LintedDocument, finding: &Finding) -> String {
    let mut hasher = Sha256::new();
    for part in [
        FINGERPRINT_KEY,
        key,
        &doc.name,
        finding.rule,
        &path_shape(&finding.path),
    ] {
        hasher.update(part.as_bytes());
        // No part holds a NUL byte that is not escaped, so the parts cannot run together.
        hasher.update([0]);
    }
    hasher.update(span_text(doc, finding).as_bytes());
    let hash = hasher.finalize();
    hash.iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

/// A JSON path without its array indices: `Statement[2].Action[0]` → `Statement[].Action[]`.
fn path_shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '[' {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
        }
    }
    out
}

/// The text at a finding's span, each run of whitespace as one space, at most
/// [`MAX_HASHED_TEXT`] bytes of it.
fn span_text(doc: &LintedDocument, finding: &Finding) -> String {
    let source: &Source = &doc.source;
    let text = source.text();
    let range = source
        .offset(finding.position)
        .zip(source.offset(finding.end));
    let Some(at) = range.and_then(|(start, end)| text.get(start..end.max(start))) else {
        return String::new();
    };
    let mut out = String::new();
    let mut space = false;
    for c in at.chars() {
        if out.len() >= MAX_HASHED_TEXT {
            break;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// One finding a baseline holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[non_exhaustive]
pub struct Entry {
    /// The file, relative to the repository root.
    pub file: String,
    /// The document's name in it.
    pub document: String,
    /// The rule's id.
    pub rule: String,
    /// The finding's fingerprint: this decides what the entry matches.
    pub fingerprint: String,
    /// The finding's message when it was written, for people.
    pub message: String,
}

/// A baseline: the findings a run does not report.
///
/// ```
/// use ramcheck::lint::baseline::{Baseline, Fingerprints};
/// use ramcheck::lint::{lint_file, LintedFile};
///
/// let text = br#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
/// let mut files = vec![LintedFile::new("admin.json", lint_file(text, "admin", None))];
/// let mut fingerprints = Fingerprints::new(&files, None);
/// let baseline = Baseline::from_findings(&files, &fingerprints);
/// let read = Baseline::parse(baseline.to_json().as_bytes(), Some("baseline.json"))?;
/// assert_eq!(read, baseline);
///
/// let applied = read.apply(&mut files, &mut fingerprints);
/// assert_eq!(applied.baselined, 2);
/// assert!(applied.stale.is_empty());
/// assert!(files[0].documents[0].findings.is_empty());
/// # Ok::<(), ramcheck::lint::baseline::BaselineError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    entries: Vec<Entry>,
}

/// What applying a baseline did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Applied {
    /// Findings taken out because the baseline holds them.
    pub baselined: usize,
    /// Entries that matched no finding, in the baseline's order.
    pub stale: Vec<Entry>,
}

impl Baseline {
    /// The baseline of every finding of `files`, sorted by file, document, rule and
    /// fingerprint.
    pub fn from_findings(files: &[LintedFile], fingerprints: &Fingerprints) -> Baseline {
        let mut entries = Vec::new();
        for (i, file) in files.iter().enumerate() {
            for (d, doc) in file.documents.iter().enumerate() {
                for (f, finding) in doc.findings.iter().enumerate() {
                    entries.push(Entry {
                        file: fingerprints
                            .key(i)
                            .map_or_else(|| file.path.clone(), str::to_owned),
                        document: doc.name.clone(),
                        rule: finding.rule.to_owned(),
                        fingerprint: fingerprints.get(i, d, f).unwrap_or_default().to_owned(),
                        message: finding.message.clone(),
                    });
                }
            }
        }
        entries.sort();
        Baseline { entries }
    }

    /// The entries, in the file's order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The file's text: pretty-printed JSON and a final newline.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct File<'a> {
            version: u64,
            findings: &'a [Entry],
        }
        let file = File {
            version: VERSION,
            findings: &self.entries,
        };
        // Serialising strings and numbers cannot fail.
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Takes out of `files` (and `fingerprints`, kept in step) each finding that an entry
    /// matches by fingerprint, one finding per entry; says how many, and which entries matched
    /// nothing.
    pub fn apply(&self, files: &mut [LintedFile], fingerprints: &mut Fingerprints) -> Applied {
        let mut left: HashMap<&str, usize> = HashMap::new();
        for entry in &self.entries {
            *left.entry(entry.fingerprint.as_str()).or_insert(0) += 1;
        }
        let mut baselined = 0;
        for (i, file) in files.iter_mut().enumerate() {
            for (d, doc) in file.documents.iter_mut().enumerate() {
                let Some(prints) = fingerprints.files.get_mut(i).and_then(|f| f.get_mut(d)) else {
                    continue;
                };
                let mut keep = Vec::with_capacity(doc.findings.len());
                for print in prints.iter() {
                    let matched = left.get_mut(print.as_str()).filter(|n| **n > 0);
                    keep.push(match matched {
                        Some(n) => {
                            *n -= 1;
                            baselined += 1;
                            false
                        }
                        None => true,
                    });
                }
                let mut kept = keep.iter();
                doc.findings
                    .retain(|_| kept.next().copied().unwrap_or(true));
                let mut kept = keep.iter();
                prints.retain(|_| kept.next().copied().unwrap_or(true));
            }
        }
        // The last entries of a fingerprint are the stale ones when fewer findings have it.
        let mut stale = Vec::new();
        for entry in self.entries.iter().rev() {
            if let Some(n) = left.get_mut(entry.fingerprint.as_str()).filter(|n| **n > 0) {
                *n -= 1;
                stale.push(entry.clone());
            }
        }
        stale.reverse();
        Applied { baselined, stale }
    }

    /// Reads a baseline file; `file` names it in errors.
    ///
    /// ```
    /// use ramcheck::lint::baseline::Baseline;
    ///
    /// let err = Baseline::parse(br#"{"version": 1, "findngs": []}"#, Some("b.json")).unwrap_err();
    /// assert_eq!(err.to_string(), "b.json:1:16: unknown key `findngs` in the baseline");
    /// assert_eq!(err.help(), Some("did you mean `findings`?"));
    /// ```
    pub fn parse(bytes: &[u8], file: Option<&str>) -> Result<Baseline, BaselineError> {
        let (text, root) = json::parse_bytes_any_size(bytes).map_err(|e| BaselineError {
            file: file.map(str::to_owned),
            position: locate(&String::from_utf8_lossy(bytes), e.offset, Position::START),
            message: e.message,
            help: e.help.or_else(|| Some(REGENERATE.to_owned())),
        })?;
        let reader = Reader {
            source: Source::new(text),
            text,
            file,
        };
        let top = reader.object(&root, "the baseline", &["version", "findings"])?;
        let Some(version) = json::member(top, "version") else {
            return Err(reader.error(root.span, "the baseline has no `version`".to_owned()));
        };
        let found = reader.slice(version.span);
        if !matches!(version.value, Value::Number) || found != VERSION.to_string() {
            return Err(reader.error(
                version.span,
                format!(
                    "unsupported baseline version `{found}`; this ramcheck reads version {VERSION}"
                ),
            ));
        }
        let Some(list) = json::member(top, "findings") else {
            return Err(reader.error(root.span, "the baseline has no `findings`".to_owned()));
        };
        let Value::Array(items) = &list.value else {
            return Err(reader.wrong_type(list, "`findings`", "an array"));
        };
        let entries = items
            .iter()
            .map(|item| reader.entry(item))
            .collect::<Result<Vec<Entry>, BaselineError>>()?;
        Ok(Baseline { entries })
    }
}

/// How to get a good baseline file, the help of most errors.
const REGENERATE: &str = "write it again with `ramcheck lint --write-baseline FILE`";

/// Why a baseline file was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{position}: {message}", file.as_deref().map(|f| format!("{f}:")).unwrap_or_default())]
pub struct BaselineError {
    file: Option<String>,
    position: Position,
    message: String,
    help: Option<String>,
}

impl BaselineError {
    /// Where (line and column, from 1).
    pub fn position(&self) -> Position {
        self.position
    }

    /// What is wrong, without the place.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How to fix it.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }
}

struct Reader<'a> {
    source: Source,
    text: &'a str,
    file: Option<&'a str>,
}

impl Reader<'_> {
    #[cold]
    fn error(&self, span: Span, message: String) -> BaselineError {
        self.error_with(span, message, REGENERATE.to_owned())
    }

    #[cold]
    fn error_with(&self, span: Span, message: String, help: String) -> BaselineError {
        BaselineError {
            file: self.file.map(str::to_owned),
            position: self.source.position(span.start),
            message,
            help: Some(help),
        }
    }

    #[cold]
    fn wrong_type(&self, node: &Node, what: &str, expected: &str) -> BaselineError {
        self.error(
            node.span,
            format!(
                "{what} must be {expected}, found {}",
                node.value.type_name()
            ),
        )
    }

    fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or_default()
    }

    /// The members of an object, refusing repeated keys and keys not in `known`.
    fn object<'n>(
        &self,
        node: &'n Node,
        what: &str,
        known: &[&str],
    ) -> Result<&'n [Member], BaselineError> {
        let Value::Object(members) = &node.value else {
            return Err(self.wrong_type(node, what, "an object"));
        };
        check_keys(members, what, known)
            .map_err(|(span, message, help)| self.error_with(span, message, help))?;
        Ok(members)
    }

    fn entry(&self, node: &Node) -> Result<Entry, BaselineError> {
        const KEYS: [&str; 5] = ["file", "document", "rule", "fingerprint", "message"];
        let members = self.object(node, "a baseline entry", &KEYS)?;
        let mut values = KEYS.iter().map(|key| {
            let Some(value) = json::member(members, key) else {
                return Err(self.error(node.span, format!("a baseline entry has no `{key}`")));
            };
            match &value.value {
                Value::String(s) => Ok((s.clone(), value.span)),
                _ => Err(self.wrong_type(value, &format!("`{key}`"), "a string")),
            }
        });
        let mut next = || values.next().unwrap_or(Ok((String::new(), node.span)));
        let (file, document, rule) = (next()?.0, next()?.0, next()?.0);
        let (fingerprint, at) = next()?;
        let message = next()?.0;
        if !is_fingerprint(&fingerprint) {
            return Err(self.error(
                at,
                format!(
                    "`{fingerprint}` is not a fingerprint ramcheck writes (32 hex digits, `:` \
                     and a number from 1)"
                ),
            ));
        }
        Ok(Entry {
            file,
            document,
            rule,
            fingerprint,
            message,
        })
    }
}

/// Whether `text` has the shape of a fingerprint: `HASH:N`.
fn is_fingerprint(text: &str) -> bool {
    let Some((hash, n)) = text.split_once(':') else {
        return false;
    };
    hash.len() == 32
        && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && !n.is_empty()
        && !n.starts_with('0')
        && n.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::lint_file;

    const ADMIN: &str = r#"{"Version": "1", "Statement": [
  {"Effect": "Allow", "Action": "ecs:cancelimagepipelineexecution", "Resource": "*"},
  {"Effect": "Allow", "Action": "ecs:cancelimagepipelineexecution", "Resource": "*"}]}"#;

    fn files(text: &str) -> Vec<LintedFile> {
        vec![LintedFile::new(
            "policies/admin.json",
            lint_file(text.as_bytes(), "admin", None),
        )]
    }

    /// (rule, line, fingerprint) of every finding.
    fn prints(files: &[LintedFile]) -> Vec<(&'static str, usize, String)> {
        let fingerprints = Fingerprints::new(files, None);
        let mut out = Vec::new();
        for (d, doc) in files[0].documents.iter().enumerate() {
            for (f, finding) in doc.findings.iter().enumerate() {
                let print = fingerprints.get(0, d, f).expect("fingerprint").to_owned();
                out.push((finding.rule, finding.position.line, print));
            }
        }
        out
    }

    #[test]
    fn fingerprints_survive_lines_and_statements_added_above() {
        let before = prints(&files(ADMIN));
        assert!(
            before.iter().any(|(rule, ..)| *rule == "action-case"),
            "{before:?}"
        );
        let moved = ADMIN.replacen(
            "\"Statement\": [\n",
            "\"Statement\": [\n\n\n  {\"Effect\": \"Deny\", \"Action\": \"ecs:DeleteImage\", \"Resource\": \"*\"},\n",
            1,
        );
        let after = prints(&files(&moved));
        let lines = |p: &[(&str, usize, String)]| p.iter().map(|x| x.1).collect::<Vec<_>>();
        assert_ne!(lines(&before), lines(&after), "the findings moved");
        let strip = |p: Vec<(&'static str, usize, String)>| {
            let mut v: Vec<(&str, String)> = p.into_iter().map(|(r, _, f)| (r, f)).collect();
            v.sort();
            v
        };
        assert_eq!(strip(before), strip(after));
    }

    #[test]
    fn equal_findings_are_numbered_in_file_order() {
        let found = prints(&files(ADMIN));
        let case: Vec<&String> = found
            .iter()
            .filter(|(rule, ..)| *rule == "action-case")
            .map(|(.., p)| p)
            .collect();
        assert_eq!(case.len(), 2, "{found:?}");
        let (a, b) = (case[0], case[1]);
        assert_eq!(
            a.split_once(':').map(|x| x.0),
            b.split_once(':').map(|x| x.0)
        );
        assert!(a.ends_with(":1") && b.ends_with(":2"), "{a} {b}");
        assert!(found.iter().all(|(.., p)| is_fingerprint(p)), "{found:?}");
    }

    #[test]
    fn the_file_document_rule_and_text_each_change_the_fingerprint() {
        let base = prints(&files(ADMIN));
        let elsewhere = vec![LintedFile::new(
            "other/admin.json",
            lint_file(ADMIN.as_bytes(), "admin", None),
        )];
        let renamed = vec![LintedFile::new(
            "policies/admin.json",
            lint_file(ADMIN.as_bytes(), "root", None),
        )];
        let retyped = files(&ADMIN.replace(
            "cancelimagepipelineexecution",
            "CANCELimagepipelineexecution",
        ));
        for other in [elsewhere, renamed, retyped] {
            let other = prints(&other);
            assert_eq!(other.len(), base.len());
            for (a, b) in base.iter().zip(&other) {
                if a.0 == "action-case" {
                    assert_ne!(a.2, b.2, "{a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn paths_are_relative_to_the_root() {
        let root = Root::new("/r", "/r/a");
        assert_eq!(file_key(Some(&root), "b/../c.json"), "a/c.json");
        assert_eq!(file_key(Some(&root), "/x/y.json"), "/x/y.json");
        assert_eq!(file_key(None, "./p.json"), "p.json");
        assert_eq!(file_key(Some(&root), "-"), "-");
        assert_eq!(
            path_shape("Statement[12].Condition.X[0]"),
            "Statement[].Condition.X[]"
        );
    }

    #[test]
    fn a_baseline_entry_matches_one_finding_and_the_rest_are_stale() {
        let mut found = files(ADMIN);
        let mut fingerprints = Fingerprints::new(&found, None);
        let mut baseline = Baseline::from_findings(&found, &fingerprints);
        let total = baseline.entries.len();
        assert!(total >= 3, "{baseline:?}");
        // A duplicated entry is one more than the findings it can match.
        let extra = baseline.entries[0].clone();
        baseline.entries.push(extra.clone());
        let mut gone = baseline.entries[1].clone();
        gone.fingerprint = format!("{}:1", "0".repeat(32));
        baseline.entries.push(gone.clone());
        let applied = baseline.apply(&mut found, &mut fingerprints);
        assert_eq!(applied.baselined, total);
        assert_eq!(applied.stale, [extra, gone]);
        assert!(found[0].documents.iter().all(|d| d.findings.is_empty()));
    }

    #[test]
    fn only_what_is_not_in_the_baseline_is_left() {
        let old = files(ADMIN);
        let baseline = Baseline::from_findings(&old, &Fingerprints::new(&old, None));
        let grown = ADMIN.replace(
            "]}",
            ",\n  {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}",
        );
        let mut new = files(&grown);
        let mut fingerprints = Fingerprints::new(&new, None);
        let applied = baseline.apply(&mut new, &mut fingerprints);
        assert!(applied.stale.is_empty(), "{applied:?}");
        let left: Vec<(&str, usize)> = new[0].documents[0]
            .findings
            .iter()
            .map(|f| (f.rule, f.position.line))
            .collect();
        assert!(
            !left.is_empty() && left.iter().all(|(_, line)| *line == 4),
            "{left:?}"
        );
        assert_eq!(
            fingerprints.files[0][0].len(),
            left.len(),
            "the fingerprints are filtered with the findings"
        );
    }

    fn fails(text: &str) -> String {
        match Baseline::parse(text.as_bytes(), Some("b.json")) {
            Ok(b) => panic!("accepted: {b:?}"),
            Err(e) => format!("{e}; {}", e.help().unwrap_or_default()),
        }
    }

    #[test]
    fn a_broken_baseline_is_refused_with_its_place() {
        let entry = r#"{"file": "a.json", "document": "a", "rule": "allow-all", "fingerprint": "0123456789abcdef0123456789abcdef:1", "message": "m"}"#;
        assert!(Baseline::parse(
            format!(r#"{{"version": 1, "findings": [{entry}]}}"#).as_bytes(),
            None
        )
        .is_ok());
        assert_eq!(
            fails("{\"version\": 2, \"findings\": []}"),
            "b.json:1:13: unsupported baseline version `2`; this ramcheck reads version 1; \
             write it again with `ramcheck lint --write-baseline FILE`"
        );
        assert!(fails("{\"version\": 1}").contains("1:1: the baseline has no `findings`"));
        assert!(fails("{\"findings\": []}").contains("has no `version`"));
        assert!(fails("{\"version\": 1, \"findings\": {}}")
            .contains("`findings` must be an array, found an object"));
        assert!(fails(&format!(
            "{{\"version\": 1, \"findings\": [\n{}]}}",
            entry.replace(":1\"", ":0\"")
        ))
        .starts_with("b.json:2:"));
        assert!(fails(&format!(
            "{{\"version\": 1, \"findings\": [{}]}}",
            entry.replace("\"rule\"", "\"rules\"")
        ))
        .contains("unknown key `rules` in a baseline entry; did you mean `rule`?"));
        assert!(fails(&format!(
            "{{\"version\": 1, \"findings\": [{}]}}",
            entry.replace("\"m\"", "1")
        ))
        .contains("`message` must be a string, found a number"));
        assert!(fails(&format!(
            "{{\"version\": 1, \"findings\": [{}]}}",
            entry.replace(", \"message\": \"m\"", "")
        ))
        .contains("a baseline entry has no `message`"));
        // At the trailing comma itself.
        assert!(fails("{\"version\": 1, \"findings\": [],}").contains("1:30: "));
        assert!(fails("").contains("b.json:1:1: "));
    }

    #[test]
    fn the_file_is_sorted_one_field_a_line() {
        let found = files(ADMIN);
        let baseline = Baseline::from_findings(&found, &Fingerprints::new(&found, None));
        let text = baseline.to_json();
        assert!(text.starts_with("{\n  \"version\": 1,\n  \"findings\": [\n    {\n      \"file\": \"policies/admin.json\",\n      \"document\": \"admin\",\n      \"rule\": "), "{text}");
        let mut sorted = baseline.entries.clone();
        sorted.sort();
        assert_eq!(baseline.entries, sorted);
        assert_eq!(
            Baseline::parse(text.as_bytes(), None).expect("reads"),
            baseline
        );
    }
}
