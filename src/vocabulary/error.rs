//! Why a condition value did not parse: [`ValueError`], with the [`ValueKind`] that was expected.
//!
//! Every family's parser reports through it, so that a policy value (C3) and a request value
//! (C7) that do not parse are described the same way: the offending text, what was expected,
//! and the fix.

use std::borrow::Cow;

/// Which type a value was expected to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueKind {
    /// A decimal number, as the `Numeric…` operators read it ([`Decimal`](super::Decimal)).
    Decimal,
    /// An RFC 3339 date-time with a zone, as the `Date…` operators read it ([`Instant`](super::Instant)).
    Instant,
    /// `true` or `false`, as the `Bool` operator reads it ([`parse_bool`](super::parse_bool)).
    Bool,
    /// A single IP address, as a request carries it ([`parse_ip`](super::parse_ip)).
    IpAddress,
    /// An IP address or CIDR block, as a policy lists it for `IpAddress`/`NotIpAddress` ([`IpBlock`](super::IpBlock)).
    IpBlock,
}

impl ValueKind {
    /// The noun used in error messages: "`x` is not *a number*".
    fn noun(self) -> &'static str {
        match self {
            ValueKind::Decimal => "a number",
            ValueKind::Instant => "an instant",
            ValueKind::Bool => "a boolean",
            ValueKind::IpAddress => "an IP address",
            ValueKind::IpBlock => "an IP address or CIDR block",
        }
    }
}

/// Why a value did not parse.
///
/// Its message names the offending text, what was expected, and how to fix it:
///
/// ```
/// use ramcheck::condition::value::{Decimal, ValueKind};
///
/// let error = Decimal::parse("ten").unwrap_err();
/// assert_eq!(error.kind(), ValueKind::Decimal);
/// assert_eq!(error.text(), "ten");
/// assert_eq!(
///     error.to_string(),
///     "`ten` is not a number: expected optional `-`, digits, optional `.` and digits, e.g. `10` or `-2.5`"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not {noun}: {reason}", noun = .kind.noun())]
pub struct ValueError {
    kind: ValueKind,
    text: String,
    reason: Cow<'static, str>,
}

impl ValueError {
    #[cold]
    #[inline(never)]
    pub(super) fn new(
        kind: ValueKind,
        text: &str,
        reason: impl Into<Cow<'static, str>>,
    ) -> ValueError {
        ValueError {
            kind,
            text: text.to_owned(),
            reason: reason.into(),
        }
    }

    /// Which type the value was expected to be.
    #[must_use]
    pub fn kind(&self) -> ValueKind {
        self.kind
    }

    /// The text that did not parse, exactly as given.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The explanation alone (what was expected, and the fix), without the text and the kind.
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.reason
    }
}
