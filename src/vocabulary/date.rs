//! The `Date…` family (C3, C8): [`Instant`], the moments it compares, read from RFC 3339
//! date-times with a zone. Its tests are the orderings of [`OrderTest`](super::OrderTest), shared with the
//! numeric family.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{ValueError, ValueKind};

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

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail by panicking")]
mod tests {
    use super::*;
    use crate::vocabulary::OrderTest;
    use proptest::prelude::*;

    fn at(text: &str) -> Instant {
        Instant::parse(text).unwrap()
    }
    fn at_err(text: &str) -> String {
        Instant::parse(text).unwrap_err().to_string()
    }

    /// One line per rule case (spec rules C3 and C7); kept on one line each on purpose.
    #[rustfmt::skip]
    mod cases {
        use super::*;

        // C3 Date: RFC 3339 instants with a zone.
        #[test] fn c3_date_equals_compares_moments() { assert!(OrderTest::Equals.holds(&at("2019-08-12T17:00:00+08:00"), &at("2019-08-12T09:00:00Z")) && !OrderTest::Equals.holds(&at("2019-08-12T09:00:00.5Z"), &at("2019-08-12T09:00:00Z"))); }
        #[test] fn c3_date_less_than_is_strict() { assert!(OrderTest::LessThan.holds(&at("2019-08-12T08:59:59Z"), &at("2019-08-12T17:00:00+08:00")) && !OrderTest::LessThan.holds(&at("2019-08-12T09:00:00Z"), &at("2019-08-12T17:00:00+08:00"))); }
        #[test] fn c3_date_less_than_equals_takes_equal() { assert!(OrderTest::LessThanEquals.holds(&at("2019-08-12T09:00:00Z"), &at("2019-08-12T17:00:00+08:00")) && !OrderTest::LessThanEquals.holds(&at("2019-08-12T09:00:01Z"), &at("2019-08-12T09:00:00Z"))); }
        #[test] fn c3_date_greater_than_is_strict() { assert!(OrderTest::GreaterThan.holds(&at("2019-08-12T09:00:01Z"), &at("2019-08-12T09:00:00Z")) && !OrderTest::GreaterThan.holds(&at("2019-08-12T09:00:00Z"), &at("2019-08-12T17:00:00+08:00"))); }
        #[test] fn c3_date_greater_than_equals_takes_equal() { assert!(OrderTest::GreaterThanEquals.holds(&at("2019-08-12T09:00:00Z"), &at("2019-08-12T17:00:00+08:00")) && !OrderTest::GreaterThanEquals.holds(&at("2019-08-12T08:59:59Z"), &at("2019-08-12T09:00:00Z"))); }
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

        // C7: request values of typed global keys parse with the same rules.
        #[test] fn c7_current_time_parses() { assert_eq!(at("2019-08-12T17:00:00.25+08:00").to_string(), "2019-08-12T09:00:00.25Z"); }
        #[test] fn c7_current_time_date_alone_is_error() { assert_eq!(Instant::parse("2019-08-12").unwrap_err().text(), "2019-08-12"); }
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

    const YEAR_0: i64 = -62_167_219_200;
    const YEAR_10000: i64 = 253_402_300_800;

    proptest! {
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
    }
}
