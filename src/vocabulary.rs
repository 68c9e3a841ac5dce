//! RAM's condition vocabulary: the 21 operators, the families that type their values, the typed
//! values themselves, and what each operator means (spec rules C3, C4, C7).
//!
//! This module is a leaf: of the crate it uses only [`crate::matching`] (the wildcards of
//! `StringLike`), and its docs link to nothing above it. Reading condition values out of a
//! document is the `policy` module's job, and testing a condition block against a request the
//! `condition` module's (the reference evaluator) and the `authorizer`'s (the compiled one).
//! Both engines compare a request value with a listed one only through the `holds` of a
//! family's test here, so an operator means the same thing in both by construction. Its public
//! items are re-exported where callers know them: `ramcheck::condition` (operators, families,
//! typed global keys), `ramcheck::condition::value` (the values and their errors) and
//! `ramcheck::policy::TypedValue`.
//!
//! # One table, one `holds` per test
//!
//! The `operators!` table below gives each operator its name, its family's positive test
//! ([`Test`]) and whether it negates that test (C4). Each family's file (`string`, `numeric`,
//! `date`, `boolean`, `ip`) holds its values, its parsers and an enum of its tests with one
//! `holds(self, request_value, listed_value)`, an exhaustive `match` without a catch-all arm;
//! numeric and date share the orderings of [`OrderTest`]. Negation is never a test's business:
//! an engine asks whether *any* request value passes against *any* listed value, and a negated
//! operator is met exactly when none does (C4), or when the request lacks the key (C5).
//!
//! Adding an operator to an existing family is one table entry, and one variant with its
//! `holds` arm when its test is new: the compiler then points at nothing else, because every
//! other place derives from the table. A new family touches this file ([`Family`], [`Test`],
//! [`TypedValue`], the table), a new file for its values and tests, the two engines' places
//! that hold listed values by type (`condition::value_matches`, `authorizer::condition`'s
//! `Listed`), the compiled request's pre-typing of fixed-type keys (`authorizer::request`), and
//! the differential test's sample values (`authorizer::tests`); each is a `match` on
//! [`Family`] or [`Test`] that stops compiling until it has the new arm.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod boolean;
mod date;
mod error;
mod ip;
mod numeric;
mod string;

use std::fmt;

pub use boolean::parse_bool;
pub(crate) use boolean::BoolTest;
pub use date::Instant;
pub use error::{ValueError, ValueKind};
pub(crate) use ip::IpTest;
pub use ip::{parse_ip, IpBlock};
pub use numeric::Decimal;
pub(crate) use string::StringTest;

/// The family an operator belongs to, which fixes how values are typed and compared (C3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Family {
    /// Compared as text.
    String,
    /// Compared as decimal numbers.
    Numeric,
    /// Compared as instants in time.
    Date,
    /// Compared as booleans.
    Bool,
    /// Addresses compared against address blocks.
    Ip,
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::String => "string",
            Family::Numeric => "number",
            Family::Date => "date-time",
            Family::Bool => "boolean",
            Family::Ip => "IP address",
        })
    }
}

#[cfg(test)]
impl Family {
    /// A value of the family, for tests that need any valid one.
    pub(crate) fn sample(self) -> &'static str {
        match self {
            Family::String => "x",
            Family::Numeric => "1",
            Family::Date => "2019-08-12T17:00:00+08:00",
            Family::Bool => "true",
            Family::Ip => "10.0.0.0/8",
        }
    }
}

/// What an operator tests, before its negation: its family and that family's test (C3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Test {
    /// A string test.
    String(StringTest),
    /// An ordering of decimal numbers.
    Numeric(OrderTest),
    /// An ordering of instants.
    Date(OrderTest),
    /// The boolean test.
    Bool(BoolTest),
    /// The address test.
    Ip(IpTest),
}

impl Test {
    /// The family whose values the test compares.
    pub(crate) fn family(self) -> Family {
        match self {
            Test::String(_) => Family::String,
            Test::Numeric(_) => Family::Numeric,
            Test::Date(_) => Family::Date,
            Test::Bool(_) => Family::Bool,
            Test::Ip(_) => Family::Ip,
        }
    }
}

/// What a numeric or date operator tests, before its negation (C3, C4): how the request value
/// orders against a listed one. Both families compare totally ordered values ([`Decimal`],
/// [`Instant`]) the same way, so they share these tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum OrderTest {
    /// `NumericEquals`, `NumericNotEquals`, `DateEquals`, `DateNotEquals`.
    Equals,
    /// `NumericLessThan`, `DateLessThan`.
    LessThan,
    /// `NumericLessThanEquals`, `DateLessThanEquals`.
    LessThanEquals,
    /// `NumericGreaterThan`, `DateGreaterThan`.
    GreaterThan,
    /// `NumericGreaterThanEquals`, `DateGreaterThanEquals`.
    GreaterThanEquals,
}

impl OrderTest {
    /// Whether the request value passes the test against one listed value: `request < listed`
    /// for [`OrderTest::LessThan`]. Never allocates.
    #[inline]
    pub(crate) fn holds<T: Ord>(self, request: &T, listed: &T) -> bool {
        match self {
            OrderTest::Equals => request == listed,
            OrderTest::LessThan => request < listed,
            OrderTest::LessThanEquals => request <= listed,
            OrderTest::GreaterThan => request > listed,
            OrderTest::GreaterThanEquals => request >= listed,
        }
    }
}

/// Whether a table entry negates its test.
macro_rules! negates {
    (positive) => {
        false
    };
    (negated) => {
        true
    };
}

macro_rules! operators {
    ($($variant:ident => $family:ident($test:expr), $sense:ident;)*) => {
        /// A RAM condition operator (C3). Names are case-sensitive; RAM has exactly these 21.
        ///
        /// ```
        /// use ramcheck::condition::Operator;
        ///
        /// let op: Operator = "StringNotEquals".parse()?;
        /// assert!(op.is_negated());
        /// assert_eq!(op.name(), "StringNotEquals");
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operator {
            $(
                #[doc = concat!("`", stringify!($variant), "`")]
                $variant,
            )*
        }

        impl Operator {
            /// Every operator, in the order of the spec's table.
            pub const ALL: [Operator; 21] = [$(Operator::$variant,)*];

            /// The operator's name as written in a policy.
            pub fn name(self) -> &'static str {
                match self { $(Operator::$variant => stringify!($variant),)* }
            }

            /// What it tests, before its negation (C3).
            #[inline]
            pub(crate) fn test(self) -> Test {
                match self { $(Operator::$variant => Test::$family($test),)* }
            }

            /// Whether it is a negated operator (C4, C5).
            pub fn is_negated(self) -> bool {
                match self { $(Operator::$variant => negates!($sense),)* }
            }
        }
    };
}

operators! {
    StringEquals => String(StringTest::Equals), positive;
    StringNotEquals => String(StringTest::Equals), negated;
    StringEqualsIgnoreCase => String(StringTest::EqualsIgnoreCase), positive;
    StringNotEqualsIgnoreCase => String(StringTest::EqualsIgnoreCase), negated;
    StringLike => String(StringTest::Like), positive;
    StringNotLike => String(StringTest::Like), negated;
    NumericEquals => Numeric(OrderTest::Equals), positive;
    NumericNotEquals => Numeric(OrderTest::Equals), negated;
    NumericLessThan => Numeric(OrderTest::LessThan), positive;
    NumericLessThanEquals => Numeric(OrderTest::LessThanEquals), positive;
    NumericGreaterThan => Numeric(OrderTest::GreaterThan), positive;
    NumericGreaterThanEquals => Numeric(OrderTest::GreaterThanEquals), positive;
    DateEquals => Date(OrderTest::Equals), positive;
    DateNotEquals => Date(OrderTest::Equals), negated;
    DateLessThan => Date(OrderTest::LessThan), positive;
    DateLessThanEquals => Date(OrderTest::LessThanEquals), positive;
    DateGreaterThan => Date(OrderTest::GreaterThan), positive;
    DateGreaterThanEquals => Date(OrderTest::GreaterThanEquals), positive;
    Bool => Bool(BoolTest::Equals), positive;
    IpAddress => Ip(IpTest::InBlock), positive;
    NotIpAddress => Ip(IpTest::InBlock), negated;
}

impl Operator {
    /// The operator of this exact name, if RAM has one.
    pub fn from_name(name: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|op| op.name() == name)
    }

    /// The family that types its values.
    pub fn family(self) -> Family {
        self.test().family()
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The text is not one of RAM's 21 operators.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown condition operator `{0}`")]
pub struct UnknownOperator(pub String);

impl std::str::FromStr for Operator {
    type Err = UnknownOperator;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Operator::from_name(s).ok_or_else(|| UnknownOperator(s.to_owned()))
    }
}

/// A condition value in the type its operator compares.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedValue {
    /// String operators.
    String(String),
    /// Numeric operators.
    Decimal(Decimal),
    /// Date operators.
    Instant(Instant),
    /// `Bool`.
    Bool(bool),
    /// `IpAddress` / `NotIpAddress`.
    IpBlock(IpBlock),
}

impl TypedValue {
    /// Types a policy's value for an operator of `family` (C3).
    pub(crate) fn parse(family: Family, text: &str) -> Result<TypedValue, ValueError> {
        Ok(match family {
            Family::String => TypedValue::String(text.to_owned()),
            Family::Numeric => TypedValue::Decimal(Decimal::parse(text)?),
            Family::Date => TypedValue::Instant(Instant::parse(text)?),
            Family::Bool => TypedValue::Bool(parse_bool(text)?),
            Family::Ip => TypedValue::IpBlock(IpBlock::parse(text)?),
        })
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            TypedValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_decimal(&self) -> Option<&Decimal> {
        match self {
            TypedValue::Decimal(d) => Some(d),
            _ => None,
        }
    }

    pub(crate) fn as_instant(&self) -> Option<&Instant> {
        match self {
            TypedValue::Instant(i) => Some(i),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            TypedValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub(crate) fn as_ip_block(&self) -> Option<&IpBlock> {
        match self {
            TypedValue::IpBlock(b) => Some(b),
            _ => None,
        }
    }
}

/// Global condition keys whose request values have a fixed type (C7, C8), validated whenever a
/// request carries them.
pub const TYPED_GLOBAL_KEYS: [(&str, Family); 4] = [
    ("acs:SourceIp", Family::Ip),
    ("acs:CurrentTime", Family::Date),
    ("acs:SecureTransport", Family::Bool),
    ("acs:MFAPresent", Family::Bool),
];

/// The fixed type of a global key, if it has one (key names compare case-insensitively, C6).
pub fn fixed_type_of(key: &str) -> Option<Family> {
    TYPED_GLOBAL_KEYS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
        .map(|(_, family)| *family)
}

/// Checks that a request value parses as the given family's type (C7): an IP request value
/// is one address ([`parse_ip`]), never a block.
pub(crate) fn validate_request_value(family: Family, text: &str) -> Result<(), ValueError> {
    match family {
        Family::String => Ok(()),
        Family::Numeric => Decimal::parse(text).map(drop),
        Family::Date => Instant::parse(text).map(drop),
        Family::Bool => parse_bool(text).map(drop),
        Family::Ip => parse_ip(text).map(drop),
    }
}

/// The hash of a value, for tests that equal values hash equal.
#[cfg(test)]
pub(crate) fn hash_of<T: std::hash::Hash>(value: &T) -> u64 {
    use std::hash::Hasher;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// C4: each negated operator tests what its positive operator tests, and RAM negates
    /// exactly six.
    #[test]
    fn c4_negated_operators_test_what_their_positive_ones_test() {
        let negated: Vec<Operator> = Operator::ALL
            .into_iter()
            .filter(|op| op.is_negated())
            .collect();
        use Operator::*;
        assert_eq!(
            negated,
            [
                StringNotEquals,
                StringNotEqualsIgnoreCase,
                StringNotLike,
                NumericNotEquals,
                DateNotEquals,
                NotIpAddress
            ]
        );
        for (negated, positive) in [
            (StringNotEquals, StringEquals),
            (StringNotEqualsIgnoreCase, StringEqualsIgnoreCase),
            (StringNotLike, StringLike),
            (NumericNotEquals, NumericEquals),
            (DateNotEquals, DateEquals),
            (NotIpAddress, IpAddress),
        ] {
            assert_eq!(negated.test(), positive.test(), "{negated}");
            assert!(!positive.is_negated(), "{positive}");
        }
    }

    /// C3: no two operators of the same sense share a test, so no operator is a synonym.
    #[test]
    fn c3_each_test_and_sense_is_one_operator() {
        for a in Operator::ALL {
            for b in Operator::ALL {
                if a != b {
                    assert!(
                        (a.test(), a.is_negated()) != (b.test(), b.is_negated()),
                        "{a} and {b}"
                    );
                }
            }
        }
    }
}
