//! The `String…` family (C3): text compared exactly, ignoring case, or against a wildcard
//! pattern, as [`StringTest`] says.

use crate::matching::wildcard_match;

/// What a string operator tests, before its negation (C3, C4): the table in
/// [`crate::vocabulary`] gives each string operator one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum StringTest {
    /// `StringEquals`, `StringNotEquals`: the same text, case-sensitive.
    Equals,
    /// `StringEqualsIgnoreCase`, `StringNotEqualsIgnoreCase`: the same text ignoring case
    /// (Unicode lower-case folding).
    EqualsIgnoreCase,
    /// `StringLike`, `StringNotLike`: the listed value is a `*`/`?` pattern (M1) the request
    /// value matches, case-sensitive.
    Like,
}

impl StringTest {
    /// Whether the request value passes the test against one listed value. Never allocates.
    #[inline]
    pub(crate) fn holds(self, request: &str, listed: &str) -> bool {
        match self {
            StringTest::Equals => request == listed,
            StringTest::EqualsIgnoreCase => eq_ignore_case(listed, request),
            StringTest::Like => wildcard_match(listed, request),
        }
    }
}

/// Case-insensitive equality without allocating (Unicode lower-case folding).
fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
        || (!(a.is_ascii() && b.is_ascii())
            && a.chars()
                .flat_map(char::to_lowercase)
                .eq(b.chars().flat_map(char::to_lowercase)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One line per rule case (spec rule C3); kept on one line each on purpose.
    #[rustfmt::skip]
    mod cases {
        use super::*;

        #[test] fn c3_string_equals_holds_for_the_same_text() { assert!(StringTest::Equals.holds("prod", "prod")); }
        #[test] fn c3_string_equals_is_case_sensitive() { assert!(!StringTest::Equals.holds("Prod", "prod")); }
        #[test] fn c3_string_equals_does_not_read_wildcards() { assert!(!StringTest::Equals.holds("prod", "p*")); }
        #[test] fn c3_string_equals_ignore_case_folds_ascii() { assert!(StringTest::EqualsIgnoreCase.holds("pROD", "Prod")); }
        #[test] fn c3_string_equals_ignore_case_folds_unicode() { assert!(StringTest::EqualsIgnoreCase.holds("ärger", "ÄRGER")); }
        #[test] fn c3_string_equals_ignore_case_needs_the_same_text() { assert!(!StringTest::EqualsIgnoreCase.holds("prods", "prod")); }
        #[test] fn c3_string_equals_ignore_case_does_not_read_wildcards() { assert!(!StringTest::EqualsIgnoreCase.holds("prod", "P*")); }
        #[test] fn c3_string_like_reads_the_listed_value_as_a_pattern() { assert!(StringTest::Like.holds("prod-1", "prod-?") && StringTest::Like.holds("prod-12", "prod-*")); }
        #[test] fn c3_string_like_does_not_read_the_request_value_as_a_pattern() { assert!(!StringTest::Like.holds("prod-*", "prod-1")); }
        #[test] fn c3_string_like_is_case_sensitive() { assert!(!StringTest::Like.holds("PROD-1", "prod-*")); }
        #[test] fn eq_ignore_case_folds_unicode() { assert!(eq_ignore_case("ÄRGER", "ärger") && eq_ignore_case("Prod", "pROD") && !eq_ignore_case("prod", "prods")); }
    }
}
