//! Numbers, instants, addresses and booleans split by the values conditions compare them with.

use crate::vocabulary::{Decimal, Instant, IpBlock};

/// A witness of each class of decimal numbers that `values` split the line into (each value,
/// and one number strictly inside each open interval they leave, both unbounded ones
/// included), as text that parses as a Numeric value.
pub(crate) fn numeric(values: &[Decimal]) -> Vec<String> {
    let _ = values;
    Vec::new()
}

/// As [`numeric`], for instants, as RFC 3339 text with `Z`.
pub(crate) fn date(values: &[Instant]) -> Vec<String> {
    let _ = values;
    Vec::new()
}

/// A witness of each class of IPv4 and IPv6 addresses that `blocks` split the address spaces
/// into (at least one address of each family).
pub(crate) fn ip(blocks: &[IpBlock]) -> Vec<String> {
    let _ = blocks;
    Vec::new()
}

/// `true` and `false`.
pub(crate) fn boolean() -> Vec<String> {
    vec!["true".to_owned(), "false".to_owned()]
}
