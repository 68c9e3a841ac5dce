//! Errors in policy documents.
//!
//! # Design
//!
//! One error type, [`PolicyError`], for everything wrong in a document, from broken JSON to an
//! unknown operator. It carries a [`PolicyErrorKind`] (stable, matched on by callers and named
//! after the lint rule that reports it), the byte span and its line and column, the JSON path
//! of the faulty element (`Statement[0].Action[1]`), a message saying what is wrong, and a help
//! text saying how to fix it. The file name is added by whoever read the file
//! ([`PolicyError::with_file`]); the message never repeats it, so context composes outward.

use std::fmt;

use super::{Position, Span};

/// What kind of fault a [`PolicyError`] is. Each maps to a lint rule id ([`PolicyErrorKind::rule_id`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PolicyErrorKind {
    /// Not strict JSON (G1, G11).
    InvalidJson,
    /// `Version` missing or not `"1"` (G2).
    InvalidVersion,
    /// No `Statement` (G1).
    MissingStatement,
    /// A key RAM does not know (G5).
    UnknownKey,
    /// A key repeated in one object (G8).
    DuplicateKey,
    /// `Effect` missing or not exactly `Allow`/`Deny` (G6).
    InvalidEffect,
    /// Neither or both of `Action`/`NotAction` (G4).
    MissingAction,
    /// Neither or both of `Resource`/`NotResource` where required (G4).
    MissingResource,
    /// An empty array where values are required, or an operator without keys (G7, G9).
    EmptyValue,
    /// A JSON value of the wrong type (G3, G7, G9).
    InvalidType,
    /// An operator RAM does not have (C3).
    UnknownOperator,
    /// A condition value that does not parse for its operator (C3).
    InvalidConditionValue,
    /// `Principal` in an identity, session or control policy (G4).
    PrincipalNotAllowed,
    /// A trust policy statement without `Principal` (G4).
    MissingPrincipal,
    /// `Resource` or `NotResource` in a trust policy (T1).
    ResourceInTrustPolicy,
    /// More values than ramcheck reads in one document (far beyond G10's limits); the
    /// document is not read further. DEPARTS(G10): RAM's limit does not stop evaluation, but
    /// a document this large is refused so that memory stays bounded.
    TooManyValues,
    /// Something went wrong inside ramcheck itself; never expected.
    Internal,
}

impl PolicyErrorKind {
    /// The id of the lint rule that reports this fault.
    pub fn rule_id(self) -> &'static str {
        match self {
            PolicyErrorKind::InvalidJson => "invalid-json",
            PolicyErrorKind::InvalidVersion => "invalid-version",
            PolicyErrorKind::MissingStatement => "missing-statement",
            PolicyErrorKind::UnknownKey => "unknown-key",
            PolicyErrorKind::DuplicateKey => "duplicate-key",
            PolicyErrorKind::InvalidEffect => "invalid-effect",
            PolicyErrorKind::MissingAction => "missing-action",
            PolicyErrorKind::MissingResource => "missing-resource",
            PolicyErrorKind::EmptyValue => "empty-value",
            PolicyErrorKind::InvalidType => "invalid-type",
            PolicyErrorKind::UnknownOperator => "unknown-operator",
            PolicyErrorKind::InvalidConditionValue => "invalid-condition-value",
            PolicyErrorKind::PrincipalNotAllowed => "principal-not-allowed",
            PolicyErrorKind::MissingPrincipal | PolicyErrorKind::ResourceInTrustPolicy => {
                "trust-policy-shape"
            }
            PolicyErrorKind::TooManyValues => "policy-too-large",
            PolicyErrorKind::Internal => "internal-error",
        }
    }
}

/// A fault in a policy document, with where it is and how to fix it.
///
/// ```
/// use ramcheck::policy::{Policy, PolicyErrorKind};
///
/// let err = Policy::parse(r#"{"Version": "1", "Statement": [
///   {"Effect": "allow", "Action": "ecs:*", "Resource": "*"}]}"#).unwrap_err();
/// assert_eq!(err.kind(), PolicyErrorKind::InvalidEffect);
/// assert_eq!((err.position().line, err.position().column), (2, 14));
/// assert_eq!(err.help(), Some("did you mean `Allow`? `Effect` is case-sensitive"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub(crate) kind: PolicyErrorKind,
    pub(crate) span: Span,
    pub(crate) position: Position,
    pub(crate) path: String,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
    pub(crate) related: Option<(Span, Position)>,
    pub(crate) file: Option<String>,
}

impl PolicyError {
    #[cold]
    pub(crate) fn internal(message: &str) -> PolicyError {
        PolicyError {
            kind: PolicyErrorKind::Internal,
            span: Span::default(),
            position: Position::START,
            path: String::new(),
            message: message.to_owned(),
            help: None,
            related: None,
            file: None,
        }
    }

    /// The kind of fault.
    pub fn kind(&self) -> PolicyErrorKind {
        self.kind
    }

    /// The byte span of the faulty element.
    pub fn span(&self) -> Span {
        self.span
    }

    /// Its line and column.
    pub fn position(&self) -> Position {
        self.position
    }

    /// The JSON path of the faulty element, e.g. `Statement[0].Condition.StringEqual`; empty
    /// for the document itself.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong, without location.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How to fix it, when there is a suggestion.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// A second place involved (the first occurrence of a duplicate key).
    pub fn related(&self) -> Option<(Span, Position)> {
        self.related
    }

    /// The file the document came from, when the reader named it.
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    /// The same error, naming the file it is in.
    pub fn with_file(mut self, file: impl Into<String>) -> PolicyError {
        self.file = Some(file.into());
        self
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}:")?;
        }
        write!(f, "{}: {}", self.position, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "; {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyError {}
