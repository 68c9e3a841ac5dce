//! The `Numeric…` family (C3): [`Decimal`], the exact decimal numbers it compares. Its tests
//! are the orderings of [`OrderTest`](super::OrderTest), which it shares with the date family.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use super::{ValueError, ValueKind};

/// How many significant digits a [`Decimal`] keeps inline before it moves them to the heap.
const INLINE_DIGITS: usize = 38;

/// The normalized ASCII digits of a [`Decimal`]: integer digits without leading zeros followed by
/// fraction digits without trailing zeros. Inline when they fit, which is always the case for
/// numbers written in real policies.
#[derive(Clone)]
enum Digits {
    Inline { len: u8, buf: [u8; INLINE_DIGITS] },
    Heap(Box<[u8]>),
}

impl Digits {
    fn new(integer: &[u8], fraction: &[u8]) -> Digits {
        let len = integer.len().saturating_add(fraction.len());
        match u8::try_from(len) {
            Ok(short) if len <= INLINE_DIGITS => {
                let mut buf = [0u8; INLINE_DIGITS];
                for (dst, src) in buf.iter_mut().zip(integer.iter().chain(fraction)) {
                    *dst = *src;
                }
                Digits::Inline { len: short, buf }
            }
            _ => Digits::Heap(integer.iter().chain(fraction).copied().collect()),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Digits::Inline { len, buf } => buf.get(..usize::from(*len)).unwrap_or(&[]),
            Digits::Heap(digits) => digits,
        }
    }
}

/// A decimal number as RAM's `Numeric…` operators read it: optional `-`, digits, optional `.` and
/// digits; nothing else.
///
/// There is no `+`, no exponent, no `NaN` or `Infinity`, no `_`, no spaces, and a `.` needs digits
/// on both sides (`1.` and `.5` are errors). Numbers are compared exactly as decimals, at any
/// length and without floating-point rounding: `10`, `10.0` and `010` are equal, `-0` equals `0`,
/// and `0.1` is exactly one tenth. `Ord`, `Eq` and `Hash` all follow the numeric value; `Display`
/// writes the normalized form (`010.50` displays as `10.5`).
///
/// Comparisons never allocate. Parsing allocates only for numbers of more than 38 significant
/// digits.
///
/// ```
/// use ramcheck::condition::value::Decimal;
///
/// let ten = Decimal::parse("10")?;
/// assert_eq!(ten, Decimal::parse("10.0")?);
/// assert_eq!(ten, Decimal::parse("010")?);
/// assert!(Decimal::parse("-2.5")? < Decimal::parse("-2.25")?);
/// assert!(Decimal::parse("123456789012345678901234567890")? < Decimal::parse("123456789012345678901234567891")?);
/// assert_eq!(Decimal::parse("-007.50")?.to_string(), "-7.5");
/// assert!(Decimal::parse("1e3").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Decimal {
    /// Whether the number is below zero; never set for zero.
    negative: bool,
    /// How many of `digits` are integer digits; the rest are fraction digits.
    integer_len: usize,
    digits: Digits,
}

const DECIMAL_SYNTAX: &str =
    "expected optional `-`, digits, optional `.` and digits, e.g. `10` or `-2.5`";

impl Decimal {
    /// Parses a number the way RAM's `Numeric…` operators read it (see [`Decimal`]).
    ///
    /// # Errors
    ///
    /// A [`ValueError`] of kind [`ValueKind::Decimal`] when the text is not optional `-`, digits,
    /// optional `.` and digits.
    pub fn parse(text: &str) -> Result<Decimal, ValueError> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (integer, fraction) = match unsigned.split_once('.') {
            Some((integer, fraction)) => (integer, Some(fraction)),
            None => (unsigned, None),
        };
        let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(integer) || !fraction.is_none_or(all_digits) {
            return Err(decimal_error(text));
        }
        let integer = integer.trim_start_matches('0').as_bytes();
        let fraction = fraction.unwrap_or("").trim_end_matches('0').as_bytes();
        let is_zero = integer.is_empty() && fraction.is_empty();
        Ok(Decimal {
            negative: negative && !is_zero,
            integer_len: integer.len(),
            digits: Digits::new(integer, fraction),
        })
    }

    /// Compares absolute values.
    fn cmp_magnitude(&self, other: &Decimal) -> Ordering {
        // Same number of integer digits (none leading with 0): the digit strings compare
        // lexicographically, and a strict prefix is smaller because the longer one's extra
        // fraction digits end in a non-zero digit.
        self.integer_len
            .cmp(&other.integer_len)
            .then_with(|| self.digits.as_bytes().cmp(other.digits.as_bytes()))
    }
}

#[cold]
#[inline(never)]
fn decimal_error(text: &str) -> ValueError {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let reason: &'static str = if text.is_empty() {
        "expected optional `-`, digits, optional `.` and digits, found nothing, e.g. `10` or `-2.5`"
    } else if text.starts_with('+') {
        "a leading `+` is not allowed; write the number without it, e.g. `10` instead of `+10`"
    } else if unsigned.starts_with('.') && unsigned.len() > 1 {
        "expected a digit before `.`; write a leading zero, e.g. `0.5` instead of `.5`"
    } else if unsigned.ends_with('.') && unsigned.len() > 1 {
        "expected a digit after `.`; add a zero or drop the `.`, e.g. `1.0` or `1` instead of `1.`"
    } else if unsigned
        .strip_prefix(|c: char| c.is_ascii_digit())
        .is_some_and(|rest| rest.contains(['e', 'E']))
        && unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        "an exponent is not allowed; write all the digits, e.g. `1500` instead of `1.5e3`"
    } else if text.contains('_') {
        "a `_` is not allowed; write the digits together, e.g. `1000000` instead of `1_000_000`"
    } else if text.trim() != text {
        "spaces are not allowed; remove them, e.g. `10` instead of ` 10 `"
    } else {
        DECIMAL_SYNTAX
    };
    ValueError::new(ValueKind::Decimal, text, reason)
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        self.negative == other.negative
            && self.integer_len == other.integer_len
            && self.digits.as_bytes() == other.digits.as_bytes()
    }
}

impl Eq for Decimal {}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Hash for Decimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.negative.hash(state);
        self.integer_len.hash(state);
        self.digits.as_bytes().hash(state);
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.digits.as_bytes();
        let (integer, fraction) = digits
            .split_at_checked(self.integer_len)
            .unwrap_or((digits, &[]));
        if self.negative {
            f.write_str("-")?;
        }
        f.write_str(if integer.is_empty() {
            "0"
        } else {
            ascii(integer)?
        })?;
        if !fraction.is_empty() {
            f.write_str(".")?;
            f.write_str(ascii(fraction)?)?;
        }
        Ok(())
    }
}

/// The digits of a [`Decimal`] as text (they are always ASCII).
fn ascii(bytes: &[u8]) -> Result<&str, fmt::Error> {
    std::str::from_utf8(bytes).map_err(|_| fmt::Error)
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal({self})")
    }
}

impl FromStr for Decimal {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Decimal, ValueError> {
        Decimal::parse(text)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail by panicking")]
mod tests {
    use super::*;
    use crate::vocabulary::{hash_of, OrderTest};
    use proptest::prelude::*;

    fn dec(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }
    fn dec_err(text: &str) -> String {
        Decimal::parse(text).unwrap_err().to_string()
    }

    /// One line per rule case (spec rule C3); kept on one line each on purpose.
    #[rustfmt::skip]
    mod cases {
        use super::*;

        // C3 Numeric: syntax and exact decimal comparison.
        #[test] fn c3_numeric_equals_compares_as_decimals() { assert!(OrderTest::Equals.holds(&dec("10"), &dec("10.0")) && !OrderTest::Equals.holds(&dec("10"), &dec("10.01"))); }
        #[test] fn c3_numeric_less_than_is_strict() { assert!(OrderTest::LessThan.holds(&dec("9.99"), &dec("10")) && !OrderTest::LessThan.holds(&dec("10"), &dec("10.0"))); }
        #[test] fn c3_numeric_less_than_equals_takes_equal() { assert!(OrderTest::LessThanEquals.holds(&dec("10"), &dec("10.0")) && !OrderTest::LessThanEquals.holds(&dec("10.01"), &dec("10"))); }
        #[test] fn c3_numeric_greater_than_is_strict() { assert!(OrderTest::GreaterThan.holds(&dec("-1"), &dec("-2")) && !OrderTest::GreaterThan.holds(&dec("-2"), &dec("-2.0"))); }
        #[test] fn c3_numeric_greater_than_equals_takes_equal() { assert!(OrderTest::GreaterThanEquals.holds(&dec("-2"), &dec("-2.0")) && !OrderTest::GreaterThanEquals.holds(&dec("-2.5"), &dec("-2"))); }
        #[test] fn c3_numeric_request_value_is_on_the_left() { assert!(OrderTest::LessThan.holds(&dec("5"), &dec("10")) && !OrderTest::LessThan.holds(&dec("10"), &dec("5"))); }
        #[test] fn c3_decimal_10_equals_10_0() { assert_eq!(dec("10"), dec("10.0")); }
        #[test] fn c3_decimal_leading_zeros_equal() { assert_eq!(dec("010"), dec("10.000")); }
        #[test] fn c3_decimal_negative_zero_equals_zero() { assert_eq!(dec("-0.00"), dec("0")); }
        #[test] fn c3_decimal_equal_values_hash_equal() { assert_eq!(hash_of(&dec("-0")), hash_of(&dec("00.0"))); }
        #[test] fn c3_decimal_displays_normalized() { assert_eq!(dec("-007.50").to_string(), "-7.5"); }
        #[test] fn c3_decimal_displays_small_fraction() { assert_eq!(dec("0000.0500").to_string(), "0.05"); }
        #[test] fn c3_decimal_displays_zero() { assert_eq!(dec("-000.000").to_string(), "0"); }
        #[test] fn c3_decimal_rejects_exponent() { assert!(dec_err("1.5e3").contains("an exponent is not allowed")); }
        #[test] fn c3_decimal_rejects_capital_exponent() { assert!(Decimal::parse("1E3").is_err()); }
        #[test] fn c3_decimal_rejects_nan() { assert!(Decimal::parse("NaN").is_err()); }
        #[test] fn c3_decimal_rejects_infinity() { assert!(Decimal::parse("-Infinity").is_err()); }
        #[test] fn c3_decimal_rejects_plus() { assert!(dec_err("+10").contains("leading `+`")); }
        #[test] fn c3_decimal_rejects_trailing_dot() { assert!(dec_err("1.").contains("`1.0` or `1`")); }
        #[test] fn c3_decimal_rejects_leading_dot() { assert!(dec_err(".5").contains("`0.5`")); }
        #[test] fn c3_decimal_rejects_negative_leading_dot() { assert!(Decimal::parse("-.5").is_err()); }
        #[test] fn c3_decimal_rejects_underscore() { assert!(dec_err("1_000").contains("`_`")); }
        #[test] fn c3_decimal_rejects_spaces() { assert!(dec_err(" 10").contains("spaces")); }
        #[test] fn c3_decimal_rejects_empty() { assert!(dec_err("").contains("found nothing")); }
        #[test] fn c3_decimal_rejects_lone_minus() { assert!(Decimal::parse("-").is_err()); }
        #[test] fn c3_decimal_rejects_lone_dot() { assert!(Decimal::parse(".").is_err()); }
        #[test] fn c3_decimal_rejects_two_dots() { assert!(Decimal::parse("1.2.3").is_err()); }
        #[test] fn c3_decimal_rejects_double_minus() { assert!(Decimal::parse("--1").is_err()); }
        #[test] fn c3_decimal_rejects_hex() { assert!(Decimal::parse("0x10").is_err()); }
        #[test] fn c3_decimal_rejects_unicode_digits() { assert!(Decimal::parse("١٢").is_err()); }
        #[test] fn c3_decimal_error_message() { assert_eq!(dec_err("ten"), "`ten` is not a number: expected optional `-`, digits, optional `.` and digits, e.g. `10` or `-2.5`"); }
        #[test] fn c3_decimal_error_kind_and_text() { let e = Decimal::parse("x").unwrap_err(); assert_eq!((e.kind(), e.text()), (ValueKind::Decimal, "x")); }
        #[test] fn c3_decimal_orders_negatives() { assert!(dec("-10") < dec("-9.5") && dec("-9.5") < dec("-0.1") && dec("-0.1") < dec("0")); }
        #[test] fn c3_decimal_orders_fractions() { assert!(dec("0.05") < dec("0.5") && dec("0.5") < dec("0.51") && dec("0.51") < dec("1")); }
        #[test] fn c3_decimal_orders_by_integer_length() { assert!(dec("99.99") < dec("100")); }
        #[test] fn c3_decimal_long_numbers_compare_exactly() { assert!(dec("123456789012345678901234567890") < dec("123456789012345678901234567891")); }
        #[test] fn c3_decimal_long_fractions_compare_exactly() { assert!(dec("0.100000000000000000000000000001") > dec("0.1")); }
        #[test] fn c3_decimal_point_one_is_exact() { assert_ne!(dec("0.1"), dec("0.1000000000000000055511151231257827")); }
        #[test] fn c3_decimal_heap_digits_round_trip() { let t = "-1234567890123456789012345678901234567890.0987654321"; assert_eq!(dec(t).to_string(), t); }
        #[test] fn c3_decimal_heap_equals_heap() { assert_eq!(dec(&"1".repeat(60)), dec(&format!("000{}.000", "1".repeat(60)))); }
        #[test] fn c3_decimal_heap_orders_against_inline() { assert!(dec(&"9".repeat(30)) < dec(&"1".repeat(60)) && dec(&format!("-{}", "1".repeat(60))) < dec("-1")); }
        #[test] fn c3_decimal_from_str() { assert_eq!("2.50".parse::<Decimal>().unwrap(), dec("2.5")); }

    }

    /// `value` with `dot` decimal places, `zeros` leading zeros and `trailing` extra zeros.
    fn render(value: i64, dot: usize, zeros: usize, trailing: usize) -> String {
        let digits = format!("{:0width$}", value.unsigned_abs(), width = dot + 1);
        let (integer, fraction) = digits.split_at(digits.len() - dot);
        let sign = if value < 0 { "-" } else { "" };
        let fraction = format!("{fraction}{}", "0".repeat(trailing));
        let point = if fraction.is_empty() { "" } else { "." };
        format!("{sign}{}{integer}{point}{fraction}", "0".repeat(zeros))
    }

    proptest! {
        #[test]
        fn c3_decimal_orders_like_i64(a: i64, b: i64, za in 0usize..4, zb in 0usize..4, ta in 0usize..4, tb in 0usize..4) {
            let (x, y) = (dec(&render(a, 0, za, ta)), dec(&render(b, 0, zb, tb)));
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            prop_assert_eq!(x == y, a == b);
            if a == b { prop_assert_eq!(hash_of(&x), hash_of(&y)); }
            prop_assert_eq!(x.to_string(), a.to_string());
        }

        #[test]
        fn c3_decimal_orders_scaled_values(a: i64, b: i64, da in 0usize..8, db in 0usize..8, za in 0usize..3, ta in 0usize..3) {
            let (x, y) = (dec(&render(a, da, za, ta)), dec(&render(b, db, 0, 0)));
            let (left, right) = (i128::from(a) * 10i128.pow(db as u32), i128::from(b) * 10i128.pow(da as u32));
            prop_assert_eq!(x.cmp(&y), left.cmp(&right));
            prop_assert_eq!(dec(&x.to_string()), x);
        }

        #[test]
        fn c3_decimal_parse_never_panics(text in ".{0,64}") { let _ = Decimal::parse(&text); }

        #[test]
        fn c3_decimal_parse_never_panics_near_miss(text in "[-+0-9.eE_ ]{0,80}") {
            if let Ok(value) = Decimal::parse(&text) { prop_assert_eq!(dec(&value.to_string()), value); }
        }
    }
}
