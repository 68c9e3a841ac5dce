//! Renderers: turn outcomes and errors into text for people or JSON for tools.
//!
//! Renderers know nothing of how a decision was reached; they take what the library returns
//! and a `&mut impl Write`. Whether to colour is decided by the caller. JSON field names are a
//! contract with other tools: add fields, never rename them.

pub mod analysis;
pub mod batch;
pub mod graph;
pub mod json;
pub mod lint_json;
pub mod lint_text;
pub mod sarif;
pub mod text;

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::decision::{Outcome, Request};
use crate::lint::request::RequestWarning;

/// `text` made safe to print on a terminal or into a log: control characters (C0, DEL, C1)
/// and the bidirectional-override characters that reorder what a reader sees ("Trojan
/// Source") are written as `\u{..}` escapes; tab stays. Borrowed when nothing needs escaping.
///
/// Every text renderer passes text that came from an input (a file's line, a path, a flag's
/// value) through here, so that a policy cannot retitle a terminal or forge a log line.
///
/// ```
/// use ramcheck::output::escape_controls;
///
/// assert_eq!(escape_controls("ip-1"), "ip-1");
/// assert_eq!(escape_controls("\x1b]0;PWNED\x07"), "\\u{1b}]0;PWNED\\u{7}");
/// assert_eq!(escape_controls("a\nb"), "a\\u{a}b");
/// ```
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// What a `check` reports: the request, who asked (when known) and the outcome.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CheckReport<'a> {
    /// The request decided.
    pub request: &'a Request,
    /// The principal's canonical ARN, when the decision was for a principal of an account.
    pub principal: Option<&'a str>,
    /// The outcome.
    pub outcome: &'a Outcome,
    /// Why the request may not be the one its author meant (JSON carries them; text leaves
    /// them to the caller, for standard error).
    pub warnings: &'a [RequestWarning],
}

impl<'a> CheckReport<'a> {
    /// The report of `outcome`, the decision of `request` (for `principal`, given by its
    /// canonical ARN when the decision was for a principal of an account), with the request's
    /// `warnings`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ramcheck::decision::{NamedPolicy, PolicySet, Request};
    /// use ramcheck::output::CheckReport;
    /// use ramcheck::policy::Policy;
    ///
    /// let policy = Policy::parse(r#"{"Version": "1", "Statement": [
    ///     {"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]}"#)?;
    /// let set = PolicySet::new(vec![NamedPolicy::new("p", None, Arc::new(policy))]);
    /// let request = Request::new("ecs:CancelImagePipelineExecution",
    ///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
    /// let outcome = set.decide(&request)?;
    /// let report = CheckReport::new(&request, None, &outcome, &[]);
    /// assert!(report.outcome.decision().is_allowed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        request: &'a Request,
        principal: Option<&'a str>,
        outcome: &'a Outcome,
        warnings: &'a [RequestWarning],
    ) -> CheckReport<'a> {
        CheckReport {
            request,
            principal,
            outcome,
            warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_title_sequence() {
        assert_eq!(
            escape_controls("\u{1b}]0;PWNED\u{7}"),
            "\\u{1b}]0;PWNED\\u{7}"
        );
    }
    #[test]
    fn escapes_carriage_return_and_c1() {
        assert_eq!(escape_controls("a\rb\u{9b}c"), "a\\u{d}b\\u{9b}c");
    }
    #[test]
    fn escapes_bidi_overrides() {
        assert_eq!(
            escape_controls("a\u{202e}b\u{2066}"),
            "a\\u{202e}b\\u{2066}"
        );
    }
    #[test]
    fn keeps_tab_and_non_ascii_text() {
        assert!(matches!(escape_controls("a\tb é 中"), Cow::Borrowed(_)));
    }
}
