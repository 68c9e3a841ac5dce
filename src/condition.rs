//! Condition operators and their evaluation (spec rules C1–C8).
//!
//! This module owns the 21 operators RAM documents, the typed values they compare
//! ([`value`]), and the test of one condition block against a request context. Reading the
//! `Condition` element out of JSON is [`crate::policy`]'s job; the request context and its
//! validation (C7) live in [`crate::decision`].

pub mod value;

use std::fmt;
use std::net::IpAddr;

use crate::decision::Context;
use crate::matching::wildcard_match;
use crate::policy::{Clause, Condition, TypedValue};
use value::{parse_bool, parse_ip, Decimal, Instant, ValueError};

/// The family an operator belongs to, which fixes how values are typed and compared (C3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

macro_rules! operators {
    ($($variant:ident => $family:ident, $negated:expr;)*) => {
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

            /// The family that types its values.
            pub fn family(self) -> Family {
                match self { $(Operator::$variant => Family::$family,)* }
            }

            /// Whether it is a negated operator (C4, C5).
            pub fn is_negated(self) -> bool {
                match self { $(Operator::$variant => $negated,)* }
            }
        }
    };
}

operators! {
    StringEquals => String, false;
    StringNotEquals => String, true;
    StringEqualsIgnoreCase => String, false;
    StringNotEqualsIgnoreCase => String, true;
    StringLike => String, false;
    StringNotLike => String, true;
    NumericEquals => Numeric, false;
    NumericNotEquals => Numeric, true;
    NumericLessThan => Numeric, false;
    NumericLessThanEquals => Numeric, false;
    NumericGreaterThan => Numeric, false;
    NumericGreaterThanEquals => Numeric, false;
    DateEquals => Date, false;
    DateNotEquals => Date, true;
    DateLessThan => Date, false;
    DateLessThanEquals => Date, false;
    DateGreaterThan => Date, false;
    DateGreaterThanEquals => Date, false;
    Bool => Bool, false;
    IpAddress => Ip, false;
    NotIpAddress => Ip, true;
}

impl Operator {
    /// The operator of this exact name, if RAM has one.
    pub fn from_name(name: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|op| op.name() == name)
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

/// Checks that a request value parses as the given family's type (C7).
pub(crate) fn validate_request_value(family: Family, text: &str) -> Result<(), ValueError> {
    match family {
        Family::String => Ok(()),
        Family::Numeric => Decimal::parse(text).map(drop),
        Family::Date => Instant::parse(text).map(drop),
        Family::Bool => parse_bool(text).map(drop),
        Family::Ip => parse_ip(text).map(drop),
    }
}

/// The outcome of testing a condition block: met, or the first clause (in document order)
/// that was not met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConditionResult {
    Met,
    NotMet { clause: usize },
}

/// A request value that does not parse for the operator comparing it (C7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ComparisonError {
    pub(crate) clause: usize,
    pub(crate) value: String,
    pub(crate) cause: ValueError,
}

/// Tests a whole condition block (C1, C2). Every clause is evaluated, even after one is not
/// met, so that a malformed request value is reported whatever the clause order (C7, E6).
pub(crate) fn evaluate(
    condition: &Condition,
    context: &Context,
    now: Instant,
) -> Result<ConditionResult, ComparisonError> {
    let mut result = ConditionResult::Met;
    for (index, clause) in condition.clauses().iter().enumerate() {
        let met = clause_met(clause, context, now).map_err(|(value, cause)| ComparisonError {
            clause: index,
            value,
            cause,
        })?;
        if !met && result == ConditionResult::Met {
            result = ConditionResult::NotMet { clause: index };
        }
    }
    Ok(result)
}

/// Tests one `operator: {key: values}` clause (C2–C5).
fn clause_met(
    clause: &Clause,
    context: &Context,
    now: Instant,
) -> Result<bool, (String, ValueError)> {
    let op = clause.operator();
    let now_text;
    let request: Vec<&str> = match context.values(clause.key()) {
        Some(values) => values.iter().map(String::as_str).collect(),
        None if clause.key().eq_ignore_ascii_case("acs:CurrentTime") => {
            now_text = now.to_string();
            vec![now_text.as_str()]
        }
        // C5: a missing key meets a negated operator and fails a positive one.
        None => return Ok(op.is_negated()),
    };
    let mut any = false;
    for text in request {
        // Every request value is typed, so a bad one is an error even if another matched (C7).
        if value_matches(op, text, clause.values().iter().map(|v| v.typed()))
            .map_err(|e| (text.to_owned(), e))?
        {
            any = true;
        }
    }
    // C4: a negated operator is met exactly when no request value matches any listed value.
    Ok(any != op.is_negated())
}

/// Whether one request value matches any listed value under the operator's positive form.
fn value_matches<'a>(
    op: Operator,
    text: &str,
    listed: impl Iterator<Item = &'a TypedValue>,
) -> Result<bool, ValueError> {
    use Operator::*;
    Ok(match op.family() {
        Family::String => {
            let mut hit = false;
            for v in listed {
                let TypedValue::String(p) = v else { continue };
                hit |= match op {
                    StringEquals | StringNotEquals => p == text,
                    StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => eq_ignore_case(p, text),
                    _ => wildcard_match(p, text),
                };
            }
            hit
        }
        Family::Numeric => {
            let x = Decimal::parse(text)?;
            listed.filter_map(TypedValue::as_decimal).any(|p| match op {
                NumericLessThan => x < *p,
                NumericLessThanEquals => x <= *p,
                NumericGreaterThan => x > *p,
                NumericGreaterThanEquals => x >= *p,
                _ => x == *p,
            })
        }
        Family::Date => {
            let x = Instant::parse(text)?;
            listed.filter_map(TypedValue::as_instant).any(|p| match op {
                DateLessThan => x < *p,
                DateLessThanEquals => x <= *p,
                DateGreaterThan => x > *p,
                DateGreaterThanEquals => x >= *p,
                _ => x == *p,
            })
        }
        Family::Bool => {
            let x = parse_bool(text)?;
            listed.filter_map(TypedValue::as_bool).any(|p| x == p)
        }
        Family::Ip => {
            let x: IpAddr = parse_ip(text)?;
            listed
                .filter_map(TypedValue::as_ip_block)
                .any(|b| b.contains(x))
        }
    })
}

/// Case-insensitive equality without allocating (Unicode lower-case folding).
pub(crate) fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
        || (!(a.is_ascii() && b.is_ascii())
            && a.chars()
                .flat_map(char::to_lowercase)
                .eq(b.chars().flat_map(char::to_lowercase)))
}

#[cfg(test)]
mod tests;
