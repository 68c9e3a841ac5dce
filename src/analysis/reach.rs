//! Who reaches the action over the space, directly or through roles (A1–A3, T5).

use super::{AnalysisError, Question, SpaceAnswer};
use crate::assume::Accounts;

/// Every principal of `accounts`, with how much of the space of `question` it reaches.
///
/// # Errors
///
/// More classes than `question.max_cases` for some principal, an invalid pattern, or a
/// witness that cannot be decided.
pub fn who_can(accounts: &Accounts, question: &Question) -> Result<SpaceAnswer, AnalysisError> {
    let _ = (accounts, question);
    Err(AnalysisError::Pattern {
        pattern: String::new(),
        reason: "not built yet".into(),
    })
}
