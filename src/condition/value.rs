//! Typed values of RAM condition operators, parsed once from policy text and from request context.
//!
//! A policy lists its condition values as strings; the operator decides their type (spec rule C3):
//! `Numeric…` operators read [`Decimal`]s, `Date…` operators read [`Instant`]s, `Bool` reads
//! booleans ([`parse_bool`]) and `IpAddress`/`NotIpAddress` read [`IpBlock`]s, which a request
//! address ([`parse_ip`]) is tested against. Request values of typed keys are parsed with the same
//! functions (spec rule C7). Parsing is strict and reports a [`ValueError`] that names the offending
//! text, what was expected and how to fix it. Comparisons (`Ord` on [`Decimal`] and [`Instant`],
//! [`IpBlock::contains`]) never allocate, so they are cheap enough for a gateway's hot path.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Which type a value was expected to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// A decimal number, as the `Numeric…` operators read it ([`Decimal`]).
    Decimal,
    /// An RFC 3339 date-time with a zone, as the `Date…` operators read it ([`Instant`]).
    Instant,
    /// `true` or `false`, as the `Bool` operator reads it ([`parse_bool`]).
    Bool,
    /// A single IP address, as a request carries it ([`parse_ip`]).
    IpAddress,
    /// An IP address or CIDR block, as a policy lists it for `IpAddress`/`NotIpAddress` ([`IpBlock`]).
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
    fn new(kind: ValueKind, text: &str, reason: impl Into<Cow<'static, str>>) -> ValueError {
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

// ---------------------------------------------------------------------------------------------
// Decimal
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Instant
// ---------------------------------------------------------------------------------------------

const NANOS_PER_SECOND: u32 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// An instant: seconds since 1970-01-01T00:00:00Z plus nanoseconds, as the `Date…` operators
/// compare them.
///
/// It is parsed from an RFC 3339 date-time with `Z` (or `z`) or a `±hh:mm` offset, such as
/// `2019-08-12T17:00:00+08:00` or `2019-08-12T09:00:00Z`, with optional fractional seconds of 1 to
/// 9 digits (`2019-08-12T09:00:00.5Z`). The separator is `T` or `t`. A date alone, a time without
/// a zone, or a space between date and time is an error. Years run from 0000 to 9999; a second of
/// 60 (a leap second) is read as the second after :59. Instants written with different offsets
/// compare by the moment they denote. `Display` writes RFC 3339 in UTC with `Z`, with fractional
/// seconds only when they are not zero.
///
/// ```
/// use ramcheck::condition::value::Instant;
///
/// let beijing = Instant::parse("2019-08-12T17:00:00+08:00")?;
/// let utc = Instant::parse("2019-08-12T09:00:00Z")?;
/// assert_eq!(beijing, utc);
/// assert!(utc < Instant::parse("2019-08-12T09:00:00.5Z")?);
/// assert_eq!(beijing.to_string(), "2019-08-12T09:00:00Z");
/// assert_eq!(utc.unix_seconds(), 1_565_600_400);
/// assert!(Instant::parse("2019-08-12").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    seconds: i64,
    /// Always below one billion.
    nanos: u32,
}

impl Instant {
    /// Parses an RFC 3339 date-time with a zone (see [`Instant`]).
    ///
    /// # Errors
    ///
    /// A [`ValueError`] of kind [`ValueKind::Instant`] when the text is not such a date-time, or
    /// names a date or time that does not exist (`2019-02-30`, hour 24).
    pub fn parse(text: &str) -> Result<Instant, ValueError> {
        parse_instant(text).map_err(|reason| ValueError::new(ValueKind::Instant, text, reason))
    }

    /// The current time, from the system clock.
    #[must_use]
    pub fn now() -> Instant {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(after) => Instant::from_unix(
                i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
                after.subsec_nanos(),
            ),
            Err(before) => {
                let before = before.duration();
                let seconds = i64::try_from(before.as_secs()).map_or(i64::MIN, |s| -s);
                match before.subsec_nanos() {
                    0 => Instant::from_unix(seconds, 0),
                    nanos => {
                        Instant::from_unix(seconds.saturating_sub(1), NANOS_PER_SECOND - nanos)
                    }
                }
            }
        }
    }

    /// The instant `seconds` (negative before 1970) plus `nanos` nanoseconds after
    /// 1970-01-01T00:00:00Z. Nanoseconds of one billion or more carry into the seconds (which
    /// saturate at the ends of `i64`).
    #[must_use]
    pub const fn from_unix(seconds: i64, nanos: u32) -> Instant {
        // `as`: a `u32` always fits in an `i64` (`i64::from` is not `const`).
        Instant {
            seconds: seconds.saturating_add((nanos / NANOS_PER_SECOND) as i64),
            nanos: nanos % NANOS_PER_SECOND,
        }
    }

    /// Whole seconds since 1970-01-01T00:00:00Z, rounded down (negative before 1970).
    #[must_use]
    pub fn unix_seconds(&self) -> i64 {
        self.seconds
    }

    /// Nanoseconds past [`unix_seconds`](Instant::unix_seconds), below one billion.
    #[must_use]
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }
}

impl fmt::Display for Instant {
    /// RFC 3339 in UTC with `Z`, such as `2019-08-12T09:00:00Z` or `2019-08-12T09:00:00.5Z`.
    /// Years outside 0000 to 9999 (which no parsed instant has) are written with a sign.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = civil_from_days(self.seconds.div_euclid(SECONDS_PER_DAY));
        let second_of_day = self.seconds.rem_euclid(SECONDS_PER_DAY);
        let (hour, minute, second) = (
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60,
        );
        if (0..=9999).contains(&year) {
            write!(f, "{year:04}")?;
        } else {
            write!(f, "{year:+05}")?;
        }
        write!(f, "-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}")?;
        if self.nanos != 0 {
            let (mut nanos, mut width) = (self.nanos, 9);
            while nanos % 10 == 0 {
                nanos /= 10;
                width -= 1;
            }
            write!(f, ".{nanos:0width$}")?;
        }
        f.write_str("Z")
    }
}

impl FromStr for Instant {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Instant, ValueError> {
        Instant::parse(text)
    }
}

/// Reads ASCII fields off the front of a byte string.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl Cursor<'_> {
    /// Exactly `count` ASCII digits, as a number.
    fn digits(&mut self, count: usize) -> Option<u32> {
        let (head, tail) = self.rest.split_at_checked(count)?;
        if !head.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.rest = tail;
        Some(
            head.iter()
                .fold(0, |value, digit| value * 10 + u32::from(digit - b'0')),
        )
    }

    /// The next byte, consumed.
    fn byte(&mut self) -> Option<u8> {
        let (&first, tail) = self.rest.split_first()?;
        self.rest = tail;
        Some(first)
    }

    /// Consumes `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        match self.rest.split_first() {
            Some((&first, tail)) if first == byte => {
                self.rest = tail;
                true
            }
            _ => false,
        }
    }

    /// `yyyy-mm-dd`.
    fn date(&mut self) -> Option<(u32, u32, u32)> {
        let year = self.digits(4)?;
        let month = self.separator(b'-')?.digits(2)?;
        let day = self.separator(b'-')?.digits(2)?;
        Some((year, month, day))
    }

    /// `hh:mm:ss`.
    fn time(&mut self) -> Option<(u32, u32, u32)> {
        let (hour, minute) = self.hours_minutes()?;
        let second = self.separator(b':')?.digits(2)?;
        Some((hour, minute, second))
    }

    /// Consumes `byte`, which must come next.
    fn separator(&mut self, byte: u8) -> Option<&mut Self> {
        self.eat(byte).then_some(self)
    }

    /// `hh:mm`, as found in a time and an offset.
    fn hours_minutes(&mut self) -> Option<(u32, u32)> {
        let hours = self.digits(2)?;
        Some((hours, self.separator(b':')?.digits(2)?))
    }
}

const INSTANT_SYNTAX: &str = "expected an RFC 3339 date-time with a zone, \
     e.g. `2019-08-12T17:00:00+08:00` or `2019-08-12T09:00:00Z`";

/// Parses an RFC 3339 date-time; the error is the reason only.
fn parse_instant(text: &str) -> Result<Instant, Cow<'static, str>> {
    let mut cursor = Cursor {
        rest: text.as_bytes(),
    };
    let (year, month, day) = cursor.date().ok_or(INSTANT_SYNTAX)?;
    check_date(year, month, day)?;
    match cursor.byte() {
        Some(b'T' | b't') => {}
        None => return Err(date_alone(text)),
        Some(b' ') => {
            return Err(Cow::Borrowed(
                "separate the date and the time with `T`, not a space, e.g. `2019-08-12T17:00:00Z`",
            ))
        }
        Some(_) => return Err(INSTANT_SYNTAX.into()),
    }
    let (hour, minute, second) = cursor.time().ok_or(INSTANT_SYNTAX)?;
    check_range("hour", hour, 23)?;
    check_range("minute", minute, 59)?;
    check_range("second", second, 60)?;
    let nanos = if cursor.eat(b'.') {
        parse_fraction(&mut cursor)?
    } else {
        0
    };
    let offset_seconds = match cursor.byte() {
        None => return Err(time_without_zone(text)),
        Some(b'Z' | b'z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let (hours, minutes) = cursor.hours_minutes().ok_or(
                "expected an offset of the form `+hh:mm` or `-hh:mm` after the time, e.g. `+08:00`",
            )?;
            check_range("offset hour", hours, 23)?;
            check_range("offset minute", minutes, 59)?;
            let offset = i64::from(hours * 3600 + minutes * 60);
            if sign == b'-' {
                -offset
            } else {
                offset
            }
        }
        Some(_) => {
            return Err(Cow::Borrowed(
                "expected `Z` or an offset such as `+08:00` after the time, e.g. `2019-08-12T17:00:00Z`",
            ))
        }
    };
    if !cursor.rest.is_empty() {
        return Err(Cow::Borrowed(
            "unexpected text after the zone; end the value after `Z` or the offset, e.g. `2019-08-12T17:00:00Z`",
        ));
    }
    let seconds = days_from_civil(i64::from(year), month, day) * SECONDS_PER_DAY
        + i64::from(hour * 3600 + minute * 60 + second)
        - offset_seconds;
    Ok(Instant { seconds, nanos })
}

/// The digits after the `.` of the seconds, as nanoseconds.
fn parse_fraction(cursor: &mut Cursor<'_>) -> Result<u32, Cow<'static, str>> {
    let count = cursor
        .rest
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    match count {
        0 => Err(Cow::Borrowed(
            "expected digits after the `.` of the seconds, e.g. `09:00:00.5Z`",
        )),
        1..=9 => {
            let value = cursor.digits(count).ok_or(INSTANT_SYNTAX)?;
            Ok((count..9).fold(value, |nanos, _| nanos * 10))
        }
        _ => Err(Cow::Borrowed(
            "fractional seconds have at most 9 digits (nanoseconds); drop the extra digits",
        )),
    }
}

fn check_range(name: &str, value: u32, max: u32) -> Result<(), Cow<'static, str>> {
    if value <= max {
        Ok(())
    } else {
        Err(range_error(name, value, max))
    }
}

#[cold]
#[inline(never)]
fn range_error(name: &str, value: u32, max: u32) -> Cow<'static, str> {
    Cow::Owned(format!(
        "{name} {value} does not exist; expected 00 to {max:02}"
    ))
}

fn check_date(year: u32, month: u32, day: u32) -> Result<(), Cow<'static, str>> {
    if !(1..=12).contains(&month) {
        return Err(month_error(month));
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(day_error(year, month, day));
    }
    Ok(())
}

#[cold]
#[inline(never)]
fn month_error(month: u32) -> Cow<'static, str> {
    Cow::Owned(format!("month {month} does not exist; expected 01 to 12"))
}

#[cold]
#[inline(never)]
fn day_error(year: u32, month: u32, day: u32) -> Cow<'static, str> {
    let name = usize::try_from(month)
        .ok()
        .and_then(|m| m.checked_sub(1))
        .and_then(|index| MONTH_NAMES.get(index))
        .unwrap_or(&"that month");
    Cow::Owned(format!("day {day} does not exist in {name} {year:04}"))
}

#[cold]
#[inline(never)]
fn date_alone(text: &str) -> Cow<'static, str> {
    Cow::Owned(format!(
        "a date alone is not an instant; add a time and a zone, e.g. `{text}T00:00:00Z`"
    ))
}

#[cold]
#[inline(never)]
fn time_without_zone(text: &str) -> Cow<'static, str> {
    Cow::Owned(format!(
        "a time without a zone is ambiguous; add `Z` for UTC or an offset such as `+08:00`, e.g. `{text}Z`"
    ))
}

fn is_leap_year(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm).
/// Only called with validated dates of years 0 to 9999.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let shifted_month = i64::from((month + 9) % 12); // March is 0
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date `days` after 1970-01-01 (the inverse of [`days_from_civil`]).
/// Does not overflow for any `days` derived from an `i64` of seconds.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // March is 0
                                                     // All three are small and non-negative here; the fallbacks are unreachable.
    let day = u32::try_from(day_of_year - (153 * shifted_month + 2) / 5 + 1).unwrap_or(1);
    let shifted_month = u32::try_from(shifted_month).unwrap_or(0);
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

// ---------------------------------------------------------------------------------------------
// Bool
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// IP addresses and blocks
// ---------------------------------------------------------------------------------------------

/// Parses an IP address as a request carries it (`acs:SourceIp`): an IPv4 dotted quad
/// (`192.168.0.1`) or IPv6 text (`2001:db8::1`), with no prefix length, zone, brackets or spaces.
///
/// ```
/// use ramcheck::condition::value::parse_ip;
/// use std::net::{IpAddr, Ipv4Addr};
///
/// assert_eq!(parse_ip("192.168.0.1")?, IpAddr::V4(Ipv4Addr::new(192, 168, 0, 1)));
/// assert!(parse_ip("2001:db8::1")?.is_ipv6());
/// assert!(parse_ip("10.0.0.0/8").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// A [`ValueError`] of kind [`ValueKind::IpAddress`] when the text is not an IPv4 or IPv6 address
/// as `std::net` reads it (which, among others, rejects octets with leading zeros).
pub fn parse_ip(text: &str) -> Result<IpAddr, ValueError> {
    text.parse().map_err(|_| ip_error(text))
}

#[cold]
#[inline(never)]
fn ip_error(text: &str) -> ValueError {
    let reason = if text.contains('/') {
        "a request address has no prefix length; expected a single address such as `192.168.0.1`"
    } else if text.trim() != text {
        "spaces are not allowed; expected an address such as `192.168.0.1` or `2001:db8::1`"
    } else {
        "expected an IPv4 address such as `192.168.0.1` or an IPv6 address such as `2001:db8::1`"
    };
    ValueError::new(ValueKind::IpAddress, text, reason)
}

/// The network bits of an [`IpBlock`], already masked, with the mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Network {
    V4 { network: u32, mask: u32 },
    V6 { network: u128, mask: u128 },
}

/// An address block as a policy lists it for `IpAddress`/`NotIpAddress`: a single address
/// (`192.168.0.1`, `2001:db8::1`) or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`).
///
/// The prefix length is written in plain decimal, 0 to 32 for IPv4 and 0 to 128 for IPv6 (no
/// sign, no leading zeros); a single address is a block of one (`/32` or `/128`). A block with
/// host bits set (`10.0.0.1/8`) is accepted and means its network (`10.0.0.0/8`);
/// [`has_host_bits`](IpBlock::has_host_bits) tells so, for the linter to warn. Two blocks are
/// equal when they cover the same addresses, however they were written. `Display` writes
/// `network/prefix`.
///
/// ```
/// use ramcheck::condition::value::{parse_ip, IpBlock};
///
/// let block = IpBlock::parse("10.0.0.1/8")?;
/// assert!(block.has_host_bits());
/// assert_eq!(block.to_string(), "10.0.0.0/8");
/// assert!(block.contains(parse_ip("10.200.3.4")?));
/// assert!(!block.contains(parse_ip("11.0.0.1")?));
/// assert!(!IpBlock::parse("::/0")?.contains(parse_ip("10.0.0.1")?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct IpBlock {
    network: Network,
    prefix_len: u8,
    host_bits: bool,
}

impl IpBlock {
    /// Parses a single address or a CIDR block (see [`IpBlock`]).
    ///
    /// # Errors
    ///
    /// A [`ValueError`] of kind [`ValueKind::IpBlock`] when the address is not an IPv4 or IPv6
    /// address, or the prefix length is missing, not plain decimal, or too large.
    pub fn parse(text: &str) -> Result<IpBlock, ValueError> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| ip_block_address_error(text, address))?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix_len = match prefix {
            None => max,
            Some(prefix) => parse_prefix(prefix, max)
                .map_err(|reason| ValueError::new(ValueKind::IpBlock, text, reason))?,
        };
        let network = match address {
            IpAddr::V4(address) => {
                let mask = u32::MAX
                    .checked_shl(u32::from(32 - prefix_len))
                    .unwrap_or(0);
                Network::V4 {
                    network: u32::from(address) & mask,
                    mask,
                }
            }
            IpAddr::V6(address) => {
                let mask = u128::MAX
                    .checked_shl(u32::from(128 - prefix_len))
                    .unwrap_or(0);
                Network::V6 {
                    network: u128::from(address) & mask,
                    mask,
                }
            }
        };
        let host_bits = match (network, address) {
            (Network::V4 { network, .. }, IpAddr::V4(address)) => network != u32::from(address),
            (Network::V6 { network, .. }, IpAddr::V6(address)) => network != u128::from(address),
            _ => false,
        };
        Ok(IpBlock {
            network,
            prefix_len,
            host_bits,
        })
    }

    /// Whether `addr` lies in the block. An IPv4 address is never inside an IPv6 block, nor the
    /// reverse; IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are IPv6 and are not converted.
    #[must_use]
    #[inline]
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.network, addr) {
            (Network::V4 { network, mask }, IpAddr::V4(addr)) => u32::from(addr) & mask == network,
            (Network::V6 { network, mask }, IpAddr::V6(addr)) => u128::from(addr) & mask == network,
            _ => false,
        }
    }

    /// Whether the text set bits past the prefix (`10.0.0.1/8`); the block then means its
    /// network (`10.0.0.0/8`), but the author may have meant something else.
    #[must_use]
    pub fn has_host_bits(&self) -> bool {
        self.host_bits
    }

    /// The first address of the block, with the host bits cleared.
    #[must_use]
    pub fn network(&self) -> IpAddr {
        match self.network {
            Network::V4 { network, .. } => IpAddr::V4(Ipv4Addr::from(network)),
            Network::V6 { network, .. } => IpAddr::V6(Ipv6Addr::from(network)),
        }
    }

    /// The prefix length: 0 to 32 for IPv4, 0 to 128 for IPv6 (32 or 128 for a single address).
    #[must_use]
    pub fn prefix_len(&self) -> u8 {
        self.prefix_len
    }
}

/// A prefix length in canonical decimal, at most `max`; the error is the reason only.
fn parse_prefix(text: &str, max: u8) -> Result<u8, Cow<'static, str>> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return Err(prefix_syntax_error(text, max));
    }
    match text.parse::<u8>() {
        Ok(value) if value <= max => Ok(value),
        _ => Err(prefix_range_error(text, max)),
    }
}

#[cold]
#[inline(never)]
fn prefix_syntax_error(text: &str, max: u8) -> Cow<'static, str> {
    if text.is_empty() {
        Cow::Owned(format!(
            "expected a prefix length from 0 to {max} after `/`, e.g. `10.0.0.0/8`"
        ))
    } else {
        Cow::Owned(format!(
            "prefix length `{text}` is not a plain decimal number; \
             write 0 to {max} without sign or leading zeros, e.g. `/8`"
        ))
    }
}

#[cold]
#[inline(never)]
fn prefix_range_error(text: &str, max: u8) -> Cow<'static, str> {
    let family = if max == 32 { "IPv4" } else { "IPv6" };
    Cow::Owned(format!(
        "prefix length {text} is out of range; expected 0 to {max} for an {family} block"
    ))
}

#[cold]
#[inline(never)]
fn ip_block_address_error(text: &str, address: &str) -> ValueError {
    let reason = if address.is_empty() {
        Cow::Borrowed(
            "expected an address such as `192.168.0.1` or a CIDR block such as `10.0.0.0/8`",
        )
    } else {
        Cow::Owned(format!("`{address}` is not an IPv4 or IPv6 address"))
    };
    ValueError::new(ValueKind::IpBlock, text, reason)
}

impl PartialEq for IpBlock {
    /// Blocks are equal when they cover the same addresses: `10.0.0.1/8` equals `10.0.0.0/8`.
    fn eq(&self, other: &IpBlock) -> bool {
        self.network == other.network && self.prefix_len == other.prefix_len
    }
}

impl Eq for IpBlock {}

impl Hash for IpBlock {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.network.hash(state);
        self.prefix_len.hash(state);
    }
}

impl fmt::Display for IpBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network(), self.prefix_len)
    }
}

impl FromStr for IpBlock {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<IpBlock, ValueError> {
        IpBlock::parse(text)
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::hash_map::DefaultHasher;

    fn dec(text: &str) -> Decimal {
        Decimal::parse(text).unwrap()
    }
    fn dec_err(text: &str) -> String {
        Decimal::parse(text).unwrap_err().to_string()
    }
    fn at(text: &str) -> Instant {
        Instant::parse(text).unwrap()
    }
    fn at_err(text: &str) -> String {
        Instant::parse(text).unwrap_err().to_string()
    }
    fn ip(text: &str) -> IpAddr {
        parse_ip(text).unwrap()
    }
    fn block(text: &str) -> IpBlock {
        IpBlock::parse(text).unwrap()
    }
    fn block_err(text: &str) -> String {
        IpBlock::parse(text).unwrap_err().to_string()
    }
    fn hash_of<T: Hash>(value: &T) -> u64 {
        let mut hasher = DefaultHasher::new();
        value.hash(&mut hasher);
        hasher.finish()
    }

    /// One line per rule case (spec rules C3 and C7); kept on one line each on purpose.
    #[rustfmt::skip]
    mod cases {
        use super::*;

        // C3 Numeric: syntax and exact decimal comparison.
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

        // C3 Date: RFC 3339 instants with a zone.
        #[test] fn c3_date_with_offset_equals_utc() { assert_eq!(at("2019-08-12T17:00:00+08:00"), at("2019-08-12T09:00:00Z")); }
        #[test] fn c3_date_negative_offset() { assert_eq!(at("2019-08-11T23:30:00-09:30"), at("2019-08-12T09:00:00Z")); }
        #[test] fn c3_date_offset_crosses_year() { assert_eq!(at("2020-01-01T05:00:00+08:00"), at("2019-12-31T21:00:00Z")); }
        #[test] fn c3_date_minus_zero_offset_is_utc() { assert_eq!(at("2019-08-12T09:00:00-00:00"), at("2019-08-12T09:00:00Z")); }
        #[test] fn c3_date_lowercase_t_and_z() { assert_eq!(at("2019-08-12t09:00:00z"), at("2019-08-12T09:00:00Z")); }
        #[test] fn c3_date_unix_seconds() { assert_eq!(at("2019-08-12T09:00:00Z").unix_seconds(), 1_565_600_400); }
        #[test] fn c3_date_epoch() { assert_eq!(at("1970-01-01T00:00:00Z"), Instant::from_unix(0, 0)); }
        #[test] fn c3_date_before_epoch() { assert_eq!(at("1969-12-31T23:59:59.5Z"), Instant::from_unix(-1, 500_000_000)); }
        #[test] fn c3_date_fraction() { assert_eq!(at("2019-08-12T09:00:00.5Z").subsec_nanos(), 500_000_000); }
        #[test] fn c3_date_fraction_orders() { assert!(at("2019-08-12T09:00:00Z") < at("2019-08-12T09:00:00.000000001Z")); }
        #[test] fn c3_date_fraction_nine_digits() { assert_eq!(at("2019-08-12T09:00:00.123456789Z").subsec_nanos(), 123_456_789); }
        #[test] fn c3_date_fraction_ten_digits_is_error() { assert!(at_err("2019-08-12T09:00:00.1234567891Z").contains("at most 9 digits")); }
        #[test] fn c3_date_fraction_without_digits_is_error() { assert!(at_err("2019-08-12T09:00:00.Z").contains("expected digits after the `.`")); }
        #[test] fn c3_date_alone_is_error() { assert_eq!(at_err("2019-08-12"), "`2019-08-12` is not an instant: a date alone is not an instant; add a time and a zone, e.g. `2019-08-12T00:00:00Z`"); }
        #[test] fn c3_date_without_zone_is_error() { assert_eq!(at_err("2019-08-12T17:00:00"), "`2019-08-12T17:00:00` is not an instant: a time without a zone is ambiguous; add `Z` for UTC or an offset such as `+08:00`, e.g. `2019-08-12T17:00:00Z`"); }
        #[test] fn c3_date_fraction_without_zone_is_error() { assert!(at_err("2019-08-12T17:00:00.5").contains("without a zone")); }
        #[test] fn c3_date_space_separator_is_error() { assert!(at_err("2019-08-12 17:00:00Z").contains("not a space")); }
        #[test] fn c3_date_without_seconds_is_error() { assert!(at_err("2019-08-12T17:00Z").contains("RFC 3339")); }
        #[test] fn c3_date_zone_name_is_error() { assert!(at_err("2019-08-12T17:00:00UTC").contains("expected `Z` or an offset")); }
        #[test] fn c3_date_offset_without_colon_is_error() { assert!(at_err("2019-08-12T17:00:00+0800").contains("`+hh:mm`")); }
        #[test] fn c3_date_trailing_text_is_error() { assert!(at_err("2019-08-12T17:00:00Zx").contains("after the zone")); }
        #[test] fn c3_date_short_year_is_error() { assert!(Instant::parse("19-08-12T17:00:00Z").is_err()); }
        #[test] fn c3_date_five_digit_year_is_error() { assert!(Instant::parse("12019-08-12T17:00:00Z").is_err()); }
        #[test] fn c3_date_single_digit_month_is_error() { assert!(Instant::parse("2019-8-12T17:00:00Z").is_err()); }
        #[test] fn c3_date_unix_number_is_error() { assert!(Instant::parse("1565600400").is_err()); }
        #[test] fn c3_date_empty_is_error() { assert!(at_err("").contains("RFC 3339")); }
        #[test] fn c3_date_feb_29_leap() { assert_eq!(at("2020-02-29T00:00:00Z").to_string(), "2020-02-29T00:00:00Z"); }
        #[test] fn c3_date_feb_29_non_leap_is_error() { assert!(at_err("2019-02-29T00:00:00Z").ends_with("day 29 does not exist in February 2019")); }
        #[test] fn c3_date_feb_29_2000_leap() { assert!(Instant::parse("2000-02-29T00:00:00Z").is_ok()); }
        #[test] fn c3_date_feb_29_1900_not_leap() { assert!(Instant::parse("1900-02-29T00:00:00Z").is_err()); }
        #[test] fn c3_date_feb_30_message() { assert_eq!(at_err("2019-02-30T00:00:00Z"), "`2019-02-30T00:00:00Z` is not an instant: day 30 does not exist in February 2019"); }
        #[test] fn c3_date_april_31_is_error() { assert!(at_err("2019-04-31T00:00:00Z").contains("day 31 does not exist in April 2019")); }
        #[test] fn c3_date_day_0_is_error() { assert!(at_err("2019-04-00T00:00:00Z").contains("day 0 does not exist")); }
        #[test] fn c3_date_month_13_is_error() { assert!(at_err("2019-13-01T00:00:00Z").ends_with("month 13 does not exist; expected 01 to 12")); }
        #[test] fn c3_date_month_0_is_error() { assert!(at_err("2019-00-01T00:00:00Z").contains("month 0 does not exist")); }
        #[test] fn c3_date_hour_24_is_error() { assert!(at_err("2019-08-12T24:00:00Z").ends_with("hour 24 does not exist; expected 00 to 23")); }
        #[test] fn c3_date_minute_60_is_error() { assert!(at_err("2019-08-12T23:60:00Z").contains("minute 60 does not exist")); }
        #[test] fn c3_date_second_61_is_error() { assert!(at_err("2019-08-12T23:59:61Z").contains("second 61 does not exist; expected 00 to 60")); }
        #[test] fn c3_date_leap_second_is_next_second() { assert_eq!(at("2016-12-31T23:59:60Z"), at("2017-01-01T00:00:00Z")); }
        #[test] fn c3_date_offset_hour_24_is_error() { assert!(at_err("2019-08-12T17:00:00+24:00").contains("offset hour 24 does not exist")); }
        #[test] fn c3_date_offset_minute_60_is_error() { assert!(at_err("2019-08-12T17:00:00+08:60").contains("offset minute 60 does not exist")); }
        #[test] fn c3_date_year_0000() { assert_eq!(at("0000-01-01T00:00:00Z").unix_seconds(), -62_167_219_200); }
        #[test] fn c3_date_year_9999() { assert_eq!(at("9999-12-31T23:59:59Z").unix_seconds(), 253_402_300_799); }
        #[test] fn c3_date_year_0000_with_offset_before_year_0() { assert_eq!(at("0000-01-01T00:00:00+01:00").to_string(), "-0001-12-31T23:00:00Z"); }
        #[test] fn c3_date_display_utc() { assert_eq!(at("2019-08-12T17:00:00+08:00").to_string(), "2019-08-12T09:00:00Z"); }
        #[test] fn c3_date_display_trims_nanos() { assert_eq!(at("2019-08-12T09:00:00.120Z").to_string(), "2019-08-12T09:00:00.12Z"); }
        #[test] fn c3_date_display_extreme_values() { assert!(!Instant::from_unix(i64::MIN, 999_999_999).to_string().is_empty() && !Instant::from_unix(i64::MAX, 0).to_string().is_empty()); }
        #[test] fn c3_date_from_unix_carries_nanos() { assert_eq!(Instant::from_unix(1, 2_500_000_000), Instant::from_unix(3, 500_000_000)); }
        #[test] fn c3_date_from_unix_saturates() { assert_eq!(Instant::from_unix(i64::MAX, u32::MAX).unix_seconds(), i64::MAX); }
        #[test] fn c3_date_now_is_after_2020() { assert!(Instant::now() > at("2020-01-01T00:00:00Z")); }
        #[test] fn c3_date_error_kind() { assert_eq!(Instant::parse("x").unwrap_err().kind(), ValueKind::Instant); }

        // C3 Bool.
        #[test] fn c3_bool_case_insensitive() { assert!(parse_bool("TRUE").unwrap() && parse_bool("True").unwrap() && !parse_bool("fAlSe").unwrap()); }
        #[test] fn c3_bool_rejects_yes() { assert_eq!(parse_bool("yes").unwrap_err().to_string(), "`yes` is not a boolean: expected `true` or `false`"); }
        #[test] fn c3_bool_rejects_1() { assert!(parse_bool("1").is_err()); }
        #[test] fn c3_bool_rejects_spaces() { assert!(parse_bool(" true").is_err()); }
        #[test] fn c3_bool_rejects_non_ascii_case_fold() { assert!(parse_bool("truE\u{307}").is_err()); }

        // C3 IP: addresses and CIDR blocks.
        #[test] fn c3_ip_single_address_block() { assert!(block("192.168.0.1").contains(ip("192.168.0.1")) && !block("192.168.0.1").contains(ip("192.168.0.2"))); }
        #[test] fn c3_ip_single_address_is_full_prefix() { assert_eq!((block("192.168.0.1").prefix_len(), block("2001:db8::1").prefix_len()), (32, 128)); }
        #[test] fn c3_ip_single_v6_address_block() { assert!(block("2001:db8::1").contains(ip("2001:db8:0::1")) && !block("2001:db8::1").contains(ip("2001:db8::2"))); }
        #[test] fn c3_ip_cidr_contains() { assert!(block("10.0.0.0/8").contains(ip("10.255.255.255")) && !block("10.0.0.0/8").contains(ip("11.0.0.0"))); }
        #[test] fn c3_ip_v6_cidr_contains() { assert!(block("2001:db8::/32").contains(ip("2001:db8:ffff::1")) && !block("2001:db8::/32").contains(ip("2001:db9::1"))); }
        #[test] fn c3_ip_host_bits_mean_network() { let b = block("10.0.0.1/8"); assert!(b.has_host_bits() && b.contains(ip("10.9.9.9")) && b.network() == ip("10.0.0.0")); }
        #[test] fn c3_ip_no_host_bits() { assert!(!block("10.0.0.0/8").has_host_bits() && !block("10.0.0.1").has_host_bits()); }
        #[test] fn c3_ip_v6_host_bits() { assert!(block("2001:db8::1/32").has_host_bits() && block("2001:db8::1/32") == block("2001:db8::/32")); }
        #[test] fn c3_ip_host_bits_equal_network_and_hash() { assert_eq!(hash_of(&block("10.0.0.1/8")), hash_of(&block("10.0.0.0/8"))); }
        #[test] fn c3_ipv4_not_in_ipv6_block() { assert!(!block("::/0").contains(ip("10.0.0.1"))); }
        #[test] fn c3_ipv6_not_in_ipv4_block() { assert!(!block("0.0.0.0/0").contains(ip("::1"))); }
        #[test] fn c3_ip_mapped_v6_not_in_v4_block() { assert!(!block("10.0.0.0/8").contains(ip("::ffff:10.0.0.1"))); }
        #[test] fn c3_ip_v4_not_in_mapped_v6_block() { assert!(!block("::ffff:10.0.0.0/104").contains(ip("10.0.0.1"))); }
        #[test] fn c3_ip_prefix_zero_matches_whole_family() { assert!(block("0.0.0.0/0").contains(ip("255.255.255.255")) && block("::/0").contains(ip("ffff::1"))); }
        #[test] fn c3_ip_prefix_zero_with_host_bits() { assert!(block("1.2.3.4/0").has_host_bits() && block("1.2.3.4/0").to_string() == "0.0.0.0/0"); }
        #[test] fn c3_ip_rejects_300() { assert_eq!(block_err("10.0.0.300/8"), "`10.0.0.300/8` is not an IP address or CIDR block: `10.0.0.300` is not an IPv4 or IPv6 address"); }
        #[test] fn c3_ip_prefix_out_of_range() { assert_eq!(block_err("10.0.0.0/33"), "`10.0.0.0/33` is not an IP address or CIDR block: prefix length 33 is out of range; expected 0 to 32 for an IPv4 block"); }
        #[test] fn c3_ip_v6_prefix_128() { assert_eq!(block("2001:db8::1/128"), block("2001:db8::1")); }
        #[test] fn c3_ip_v6_prefix_out_of_range() { assert!(block_err("2001:db8::/129").contains("expected 0 to 128 for an IPv6 block")); }
        #[test] fn c3_ip_prefix_huge_is_out_of_range() { assert!(block_err("10.0.0.0/99999999999999999999").contains("out of range")); }
        #[test] fn c3_ip_prefix_leading_zero_is_error() { assert!(block_err("10.0.0.0/08").contains("prefix length `08` is not a plain decimal number")); }
        #[test] fn c3_ip_prefix_plus_is_error() { assert!(IpBlock::parse("10.0.0.0/+8").is_err()); }
        #[test] fn c3_ip_prefix_empty_is_error() { assert!(block_err("10.0.0.0/").contains("expected a prefix length")); }
        #[test] fn c3_ip_prefix_double_slash_is_error() { assert!(IpBlock::parse("10.0.0.0/8/8").is_err()); }
        #[test] fn c3_ip_prefix_spaces_is_error() { assert!(IpBlock::parse("10.0.0.0/ 8").is_err() && IpBlock::parse("10.0.0.0 /8").is_err()); }
        #[test] fn c3_ip_block_empty_is_error() { assert!(block_err("").contains("expected an address")); }
        #[test] fn c3_ip_block_leading_zero_octet_is_error() { assert!(IpBlock::parse("010.0.0.0/8").is_err()); }
        #[test] fn c3_ip_block_display() { assert_eq!((block("192.168.0.1").to_string(), block("2001:DB8::/32").to_string()), ("192.168.0.1/32".to_owned(), "2001:db8::/32".to_owned())); }
        #[test] fn c3_ip_block_error_kind() { assert_eq!(IpBlock::parse("x").unwrap_err().kind(), ValueKind::IpBlock); }

        // C7: request values of typed global keys parse with the same rules.
        #[test] fn c7_source_ip_parses_v4_and_v6() { assert!(ip("203.0.113.7").is_ipv4() && ip("2001:db8::7").is_ipv6()); }
        #[test] fn c7_source_ip_abc_is_error() { assert_eq!(parse_ip("abc").unwrap_err().to_string(), "`abc` is not an IP address: expected an IPv4 address such as `192.168.0.1` or an IPv6 address such as `2001:db8::1`"); }
        #[test] fn c7_source_ip_rejects_prefix() { assert!(parse_ip("10.0.0.0/8").unwrap_err().reason().contains("no prefix length")); }
        #[test] fn c7_source_ip_rejects_zone_and_brackets() { assert!(parse_ip("fe80::1%eth0").is_err() && parse_ip("[::1]").is_err()); }
        #[test] fn c7_source_ip_rejects_spaces() { assert!(parse_ip(" 10.0.0.1").unwrap_err().reason().contains("spaces")); }
        #[test] fn c7_source_ip_rejects_300() { assert_eq!(parse_ip("10.0.0.300").unwrap_err().kind(), ValueKind::IpAddress); }
        #[test] fn c7_current_time_parses() { assert_eq!(at("2019-08-12T17:00:00.25+08:00").to_string(), "2019-08-12T09:00:00.25Z"); }
        #[test] fn c7_current_time_date_alone_is_error() { assert_eq!(Instant::parse("2019-08-12").unwrap_err().text(), "2019-08-12"); }
        #[test] fn c7_secure_transport_rejects_yes() { assert_eq!(parse_bool("yes").unwrap_err().kind(), ValueKind::Bool); }
    }

    // Reference for the property tests: walk whole years and months from 1970.
    fn reference_days(year: i64, month: u32, day: u32) -> i64 {
        let leap = |y: i64| y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        let year_len = |y: i64| if leap(y) { 366 } else { 365 };
        let mut days = 0;
        if year >= 1970 {
            for y in 1970..year {
                days += year_len(y);
            }
        } else {
            for y in year..1970 {
                days -= year_len(y);
            }
        }
        let months = [
            31,
            if leap(year) { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        days + months.iter().take(month as usize - 1).sum::<i64>() + i64::from(day) - 1
    }

    fn month_len(year: u32, month: u32) -> u32 {
        match month {
            2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
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

    const YEAR_0: i64 = -62_167_219_200;
    const YEAR_10000: i64 = 253_402_300_800;

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

        #[test]
        fn c3_date_parse_never_panics(text in ".{0,64}") { let _ = Instant::parse(&text); }

        #[test]
        fn c3_date_parse_never_panics_near_miss(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}[tT ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,12})?([zZ]|[-+][0-9]{2}:[0-9]{2})?.{0,2}") {
            let _ = Instant::parse(&text);
        }

        #[test]
        fn c3_date_round_trips_through_display(seconds in YEAR_0..YEAR_10000, nanos in 0u32..NANOS_PER_SECOND) {
            let instant = Instant::from_unix(seconds, nanos);
            prop_assert_eq!(at(&instant.to_string()), instant);
        }

        #[test]
        fn c3_date_agrees_with_reference(
            year in 0u32..=9999, month in 1u32..=12, day in 1u32..=31, hour in 0u32..=23, minute in 0u32..=59,
            second in 0u32..=60, east: bool, off_h in 0u32..=23, off_m in 0u32..=59,
        ) {
            let day = day.min(month_len(year, month));
            let sign = if east { '+' } else { '-' };
            let text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{sign}{off_h:02}:{off_m:02}");
            let offset = i64::from(off_h * 3600 + off_m * 60) * if east { 1 } else { -1 };
            let expected = reference_days(i64::from(year), month, day) * 86_400
                + i64::from(hour * 3600 + minute * 60 + second) - offset;
            prop_assert_eq!(at(&text).unix_seconds(), expected);
        }

        #[test]
        fn c3_ip_block_parse_never_panics(text in ".{0,64}") { let _ = IpBlock::parse(&text); }

        #[test]
        fn c3_ip_block_parse_never_panics_near_miss(text in "[0-9a-fA-F:.]{0,40}(/[0-9+-]{0,5})?") {
            if let Ok(b) = IpBlock::parse(&text) { prop_assert_eq!(block(&b.to_string()), b); }
        }

        #[test]
        fn c3_ip_v4_block_contains_agrees_with_mask(addr: u32, net: u32, prefix in 0u8..=32) {
            let b = block(&format!("{}/{prefix}", Ipv4Addr::from(net)));
            let expected = prefix == 0 || (addr ^ net) >> (32 - u32::from(prefix)) == 0;
            prop_assert_eq!(b.contains(IpAddr::V4(Ipv4Addr::from(addr))), expected);
            prop_assert!(!b.contains(IpAddr::V6(Ipv6Addr::from(u128::from(addr)))));
        }
    }
}
