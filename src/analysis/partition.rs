//! Splitting a space of values into classes (A2): the values that every pattern or condition
//! value of the input judges alike, with one witness per class.
//!
//! Strings (resource ARNs and String-family context values) are split by the patterns that
//! test them ([`strings`]); numbers, instants, addresses and booleans by the values that
//! conditions compare them with ([`values`]). Nothing here decides a request.

pub(crate) mod strings;
pub(crate) mod values;

/// More classes than the limit: the analysis says so and stops (A2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exceeded;
