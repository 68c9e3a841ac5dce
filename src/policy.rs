//! The policy language: a typed model of a RAM policy document, read strictly (spec §2, rules
//! G1–G11) with the source position of every statement, entry and condition value.
//!
//! This module owns reading text into a [`Policy`] and the errors that reading can raise
//! ([`PolicyError`]). Matching patterns is [`crate::matching`]'s job; the condition operators
//! and the typed values a condition lists come from the crate's vocabulary module; testing
//! conditions and deciding requests belong to the `condition` and `decision` modules, which
//! build on this one.

mod error;
pub(crate) mod json;
mod parser;
mod source;
pub mod system;
mod trust;

pub use error::{PolicyError, PolicyErrorKind};
pub(crate) use source::locate;
pub use source::Source;

use crate::vocabulary::Operator;
pub use crate::vocabulary::TypedValue;

/// A byte range `start..end` in a policy's source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
#[non_exhaustive]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset just past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` up to `end`.
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

/// A line and column, both from 1. Columns count characters (Unicode scalar values), so a
/// position in a line with Chinese text lands where an editor shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct Position {
    /// Line number, from 1.
    pub line: usize,
    /// Column number, from 1, in characters.
    pub column: usize,
}

impl Position {
    /// Line 1, column 1: where a file starts.
    pub const START: Position = Position { line: 1, column: 1 };

    /// Line `line`, column `column` (both from 1).
    ///
    /// ```
    /// use ramcheck::policy::Position;
    ///
    /// assert_eq!(Position::new(1, 1), Position::START);
    /// assert_eq!(Position::new(3, 14).to_string(), "3:14");
    /// ```
    pub const fn new(line: usize, column: usize) -> Position {
        Position { line, column }
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// What a document is for: it decides which keys a statement needs (G4) and its size limit (G10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum PolicyKind {
    /// Attached to a user, group or role (custom or system policy).
    #[default]
    Identity,
    /// Passed as AssumeRole's `Policy` parameter to narrow a role session.
    Session,
    /// A Resource Directory control policy.
    Control,
    /// A role's trust policy: who may assume it (statements with `Principal`, no `Resource`).
    Trust,
}

impl PolicyKind {
    /// The longest document RAM accepts for this kind, in characters (G10).
    pub fn max_length(self) -> usize {
        match self {
            PolicyKind::Identity | PolicyKind::Trust => 6144,
            PolicyKind::Session => 2048,
            PolicyKind::Control => 4096,
        }
    }

    /// The kind's name in lower case, as the CLI spells it.
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Session => "session",
            PolicyKind::Control => "control",
            PolicyKind::Trust => "trust",
        }
    }
}

/// A parsed RAM policy document. Immutable, cheap to share (`Send + Sync`).
///
/// ```
/// use ramcheck::policy::{Effect, Policy};
///
/// let policy = Policy::parse(r#"{
///   "Version": "1",
///   "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}]
/// }"#)?;
/// assert_eq!(policy.statements().len(), 1);
/// assert_eq!(policy.statements()[0].effect(), Effect::Allow);
/// assert_eq!(policy.position(policy.statements()[0].span()).to_string(), "3:17");
/// # Ok::<(), ramcheck::policy::PolicyError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub(crate) source: Source,
    pub(crate) kind: PolicyKind,
    pub(crate) span: Span,
    pub(crate) version_span: Span,
    pub(crate) statement_span: Span,
    pub(crate) statement_is_array: bool,
    pub(crate) statements: Vec<Statement>,
}

impl Policy {
    /// Parses an identity policy from text (G1–G11); the first error in document order fails it.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse_as(text, PolicyKind::Identity)
    }

    /// Parses a document of the given kind from text.
    pub fn parse_as(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        Policy::from_bytes(text.as_bytes(), kind)
    }

    /// Parses a document of the given kind from raw bytes, which must be UTF-8 (G11).
    pub fn from_bytes(bytes: &[u8], kind: PolicyKind) -> Result<Policy, PolicyError> {
        strict(parser::parse(bytes, kind))
    }

    /// Parses a document embedded in a larger file at `origin`, so that every position is the
    /// file's (inline policies of an account file).
    pub(crate) fn parse_at(
        text: &str,
        kind: PolicyKind,
        origin: Position,
    ) -> Result<Policy, PolicyError> {
        strict(parser::parse_at(text.as_bytes(), kind, origin))
    }

    /// [`Policy::parse_with_errors`] for a document embedded at `origin` of a larger file.
    pub(crate) fn parse_with_errors_at(
        bytes: &[u8],
        kind: PolicyKind,
        origin: Position,
    ) -> (Option<Policy>, Vec<PolicyError>) {
        parser::parse_at(bytes, kind, origin)
    }

    /// Parses leniently, for the linter: every error found (not just the first), and the
    /// policy when the document was JSON of the right overall shape, even if a statement was
    /// wrong (wrong statements are left out of it).
    pub fn parse_with_errors(bytes: &[u8], kind: PolicyKind) -> (Option<Policy>, Vec<PolicyError>) {
        parser::parse(bytes, kind)
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// The kind it was read as.
    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// The source text and its line index.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The line and column where a span of this document starts.
    pub fn position(&self, span: Span) -> Position {
        self.source.position(span.start)
    }

    /// Whether `Statement` was written as an array (the documented form) rather than a single
    /// object (accepted, G3).
    pub fn statement_is_array(&self) -> bool {
        self.statement_is_array
    }

    /// Span of the `Statement` value.
    pub fn statement_span(&self) -> Span {
        self.statement_span
    }

    /// Span of the `Version` value.
    pub fn version_span(&self) -> Span {
        self.version_span
    }

    /// Span of the whole document object.
    pub fn span(&self) -> Span {
        self.span
    }
}

/// The policy of a lenient parse when it found no error, else the error to report.
/// A trust policy read strictly obeys T1 too ([`trust`]).
fn strict((policy, errors): (Option<Policy>, Vec<PolicyError>)) -> Result<Policy, PolicyError> {
    match policy {
        Some(policy) if errors.is_empty() => match policy.kind {
            PolicyKind::Trust => trust::first_fault(&policy).map_or(Ok(policy), Err),
            _ => Ok(policy),
        },
        _ => Err(first_error(errors)),
    }
}

/// The error to report when only one is wanted: the first in document order, except that a
/// statement-level "missing `Resource`" gives way to a fault inside the same statement that
/// explains it (a misspelt `Resources`, a stray `Principal`), which is the one to fix.
fn first_error(mut errors: Vec<PolicyError>) -> PolicyError {
    errors.sort_by_key(|e| e.span().start);
    let mut chosen = 0;
    if let Some(first) = errors.first() {
        let missing = matches!(
            first.kind(),
            PolicyErrorKind::MissingAction
                | PolicyErrorKind::MissingResource
                | PolicyErrorKind::MissingPrincipal
                | PolicyErrorKind::InvalidEffect
        );
        let statement = first.span();
        if missing && statement.end > statement.start {
            if let Some(i) = errors.iter().position(|e| {
                matches!(
                    e.kind(),
                    PolicyErrorKind::UnknownKey | PolicyErrorKind::PrincipalNotAllowed
                ) && e.span().start > statement.start
                    && e.span().start < statement.end
            }) {
                chosen = i;
            }
        }
    }
    if chosen < errors.len() {
        errors.swap_remove(chosen)
    } else {
        PolicyError::internal("the document could not be read")
    }
}

/// `Allow` or `Deny` (G6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Effect {
    /// Grants, unless something denies.
    Allow,
    /// Denies, whatever else allows.
    Deny,
}

impl Effect {
    /// The effect as written in a policy.
    pub fn name(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A string with the span of its JSON value in the source.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    pub(crate) value: T,
    pub(crate) span: Span,
}

impl<T> Spanned<T> {
    /// The value.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// Where it is in the source.
    pub fn span(&self) -> Span {
        self.span
    }
}

/// The patterns of an `Action`/`NotAction` or `Resource`/`NotResource` element (G7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternList {
    pub(crate) negated: bool,
    pub(crate) key_span: Span,
    pub(crate) span: Span,
    pub(crate) is_array: bool,
    pub(crate) patterns: Vec<Spanned<String>>,
}

impl PatternList {
    /// Whether it is the `Not` form (M5).
    pub fn is_negated(&self) -> bool {
        self.negated
    }

    /// The patterns, in document order.
    pub fn patterns(&self) -> &[Spanned<String>] {
        &self.patterns
    }

    /// Span of the element's key (`"Action"`).
    pub fn key_span(&self) -> Span {
        self.key_span
    }

    /// Span of the element's value.
    pub fn span(&self) -> Span {
        self.span
    }

    /// Whether the value was written as an array.
    pub fn is_array(&self) -> bool {
        self.is_array
    }
}

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub(crate) index: usize,
    pub(crate) span: Span,
    pub(crate) sid: Option<Spanned<String>>,
    pub(crate) effect: Effect,
    pub(crate) effect_span: Span,
    pub(crate) action: PatternList,
    pub(crate) resource: Option<PatternList>,
    pub(crate) principal: Option<Principal>,
    pub(crate) condition: Option<Condition>,
}

impl Statement {
    /// Its index in the policy's `Statement` array, from 0.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Span of the statement object, from its opening `{`.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The `Sid`, if any.
    pub fn sid(&self) -> Option<&Spanned<String>> {
        self.sid.as_ref()
    }

    /// The effect.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Span of the `Effect` value.
    pub fn effect_span(&self) -> Span {
        self.effect_span
    }

    /// `Action` or `NotAction`.
    pub fn action(&self) -> &PatternList {
        &self.action
    }

    /// `Resource` or `NotResource`; absent only in trust policies.
    pub fn resource(&self) -> Option<&PatternList> {
        self.resource.as_ref()
    }

    /// `Principal` (trust policies only).
    pub fn principal(&self) -> Option<&Principal> {
        self.principal.as_ref()
    }

    /// `Condition`, if any.
    pub fn condition(&self) -> Option<&Condition> {
        self.condition.as_ref()
    }
}

/// The `Principal` element of a trust policy: `"*"`, or principal types (`RAM`, `Service`,
/// `Federated`) with their values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub(crate) span: Span,
    pub(crate) entries: Vec<(Spanned<String>, Vec<Spanned<String>>)>,
    pub(crate) is_wildcard: bool,
}

impl Principal {
    /// Span of the value.
    pub fn span(&self) -> Span {
        self.span
    }

    /// `(type, values)` pairs such as `("RAM", ["acs:ram::123:root"])`.
    pub fn entries(&self) -> &[(Spanned<String>, Vec<Spanned<String>>)] {
        &self.entries
    }

    /// Whether it was the bare string `"*"`.
    pub fn is_wildcard(&self) -> bool {
        self.is_wildcard
    }
}

/// A `Condition` block: clauses AND-ed together (C1, C2).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub(crate) span: Span,
    pub(crate) clauses: Vec<Clause>,
}

impl Condition {
    /// Span of the `Condition` value.
    pub fn span(&self) -> Span {
        self.span
    }

    /// One clause per (operator, key) pair, in document order.
    pub fn clauses(&self) -> &[Clause] {
        &self.clauses
    }
}

/// One `operator: {key: values}` test.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub(crate) operator: Operator,
    pub(crate) operator_span: Span,
    pub(crate) key: String,
    pub(crate) key_span: Span,
    pub(crate) values: Vec<ConditionValue>,
}

impl Clause {
    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// Span of the operator's name.
    pub fn operator_span(&self) -> Span {
        self.operator_span
    }

    /// The condition key as written (compared case-insensitively, C6).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Span of the key's name.
    pub fn key_span(&self) -> Span {
        self.key_span
    }

    /// The listed values, OR-ed (C2).
    pub fn values(&self) -> &[ConditionValue] {
        &self.values
    }
}

/// One listed condition value, typed for its operator when the policy was read (C3).
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionValue {
    /// Empty for a string operator's value, whose text is the typed form: a policy with many
    /// values keeps each once.
    pub(crate) text: String,
    pub(crate) span: Span,
    pub(crate) typed: TypedValue,
    pub(crate) was_string: bool,
}

impl ConditionValue {
    /// The value's text (a JSON number or boolean reads as its text, G9).
    pub fn text(&self) -> &str {
        match &self.typed {
            TypedValue::String(text) => text,
            _ => &self.text,
        }
    }

    /// Where it is.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The typed form.
    pub fn typed(&self) -> &TypedValue {
        &self.typed
    }

    /// Whether it was written as a JSON string (the documented form); false for a bare number
    /// or boolean (G9).
    pub fn was_string(&self) -> bool {
        self.was_string
    }
}

#[cfg(test)]
mod tests;
