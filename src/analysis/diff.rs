//! What a change grants and takes away (A4).

use super::{AnalysisError, DiffAnswer, Question};
use crate::assume::Accounts;

/// The requests of `question`'s space that each principal gains or loses from `before` to
/// `after`.
///
/// # Errors
///
/// As [`who_can`](super::who_can), on either side.
pub fn diff(
    before: &Accounts,
    after: &Accounts,
    question: &Question,
) -> Result<DiffAnswer, AnalysisError> {
    let _ = (before, after, question);
    Err(AnalysisError::Pattern {
        pattern: String::new(),
        reason: "not built yet".into(),
    })
}
