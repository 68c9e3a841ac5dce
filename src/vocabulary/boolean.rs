//! The `Bool` family (C3): [`parse_bool`], and [`BoolTest`], what `Bool` tests.

use super::{ValueError, ValueKind};

/// Parses a boolean the way RAM's `Bool` operator reads it: `true` or `false`, in any ASCII case
/// (`TRUE`, `False`); anything else is an error.
///
/// ```
/// use ramcheck::condition::value::parse_bool;
///
/// assert!(parse_bool("TRUE")?);
/// assert!(!parse_bool("false")?);
/// assert!(parse_bool("yes").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// A [`ValueError`] of kind [`ValueKind::Bool`] for anything but `true` or `false`.
pub fn parse_bool(text: &str) -> Result<bool, ValueError> {
    if text.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if text.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(ValueError::new(
            ValueKind::Bool,
            text,
            "expected `true` or `false`",
        ))
    }
}

/// What `Bool` tests (C3): there is one test, so a new boolean operator would say here what it
/// tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum BoolTest {
    /// `Bool`: the request value is the listed one.
    Equals,
}

impl BoolTest {
    /// Whether the request value passes the test against one listed value.
    #[inline]
    pub(crate) fn holds(self, request: bool, listed: bool) -> bool {
        match self {
            BoolTest::Equals => request == listed,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail by panicking")]
mod tests {
    use super::*;

    /// One line per rule case (spec rules C3 and C7); kept on one line each on purpose.
    #[rustfmt::skip]
    mod cases {
        use super::*;

        // C3 Bool.
        #[test] fn c3_bool_holds_for_the_same_value() { assert!(BoolTest::Equals.holds(true, true) && BoolTest::Equals.holds(false, false)); }
        #[test] fn c3_bool_fails_for_the_other_value() { assert!(!BoolTest::Equals.holds(true, false) && !BoolTest::Equals.holds(false, true)); }
        #[test] fn c3_bool_case_insensitive() { assert!(parse_bool("TRUE").unwrap() && parse_bool("True").unwrap() && !parse_bool("fAlSe").unwrap()); }
        #[test] fn c3_bool_rejects_yes() { assert_eq!(parse_bool("yes").unwrap_err().to_string(), "`yes` is not a boolean: expected `true` or `false`"); }
        #[test] fn c3_bool_rejects_1() { assert!(parse_bool("1").is_err()); }
        #[test] fn c3_bool_rejects_spaces() { assert!(parse_bool(" true").is_err()); }
        #[test] fn c3_bool_rejects_non_ascii_case_fold() { assert!(parse_bool("truE\u{307}").is_err()); }

        // C7: request values of typed global keys parse with the same rules.
        #[test] fn c7_secure_transport_rejects_yes() { assert_eq!(parse_bool("yes").unwrap_err().kind(), ValueKind::Bool); }
    }
}
