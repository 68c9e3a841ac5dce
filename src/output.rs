//! Renderers: turn outcomes and errors into text for people or JSON for tools.
//!
//! Renderers know nothing of how a decision was reached; they take what the library returns
//! and a `&mut impl Write`. Whether to colour is decided by the caller. JSON field names are a
//! contract with other tools: add fields, never rename them.

pub mod json;
pub mod lint_json;
pub mod lint_text;
pub mod sarif;
pub mod text;

use crate::decision::{Outcome, Request};

/// What a `check` reports: the request, who asked (when known) and the outcome.
#[derive(Debug, Clone, Copy)]
pub struct CheckReport<'a> {
    /// The request decided.
    pub request: &'a Request,
    /// The principal's canonical ARN, when the decision was for a principal of an account.
    pub principal: Option<&'a str>,
    /// The outcome.
    pub outcome: &'a Outcome,
}
