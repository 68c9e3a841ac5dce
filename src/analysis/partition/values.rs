//! Numbers, instants, addresses and booleans split by the values conditions compare them with.
//!
//! Every test of these families orders or contains (C3): a number or instant is judged by
//! where it lies among the listed values (below all, equal to one, strictly between two,
//! above all), an address by which blocks hold it. Each function returns one witness per
//! class, as text the family's parser reads back to a value of that class, in ascending
//! order of the values.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rustc_hash::FxHashSet;

use crate::vocabulary::{Decimal, Instant, IpBlock};

/// A witness of each class of decimal numbers that `values` split the line into (each value,
/// and one number strictly inside each open interval they leave, both unbounded ones
/// included), as text that parses as a Numeric value.
pub(crate) fn numeric(values: &[Decimal]) -> Vec<String> {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.dedup();
    let (Some(first), Some(last)) = (sorted.first(), sorted.last()) else {
        return vec!["0".to_owned()];
    };
    let mut witnesses = vec![Digits::of(first).floor_scaled(0).decremented().render(0)];
    for (i, value) in sorted.iter().enumerate() {
        witnesses.push(value.to_string());
        if let Some(next) = sorted.get(i + 1) {
            witnesses.push(number_between(value, next));
        }
    }
    witnesses.push(Digits::of(last).floor_scaled(0).incremented().render(0));
    witnesses
}

/// The number strictly between `low < high` with the fewest fraction digits, the smallest of
/// those: `low` rounded down at that scale, plus one unit of it.
fn number_between(low: &Decimal, high: &Decimal) -> String {
    let (a, b) = (Digits::of(low), Digits::of(high));
    // At one digit past both numbers' fraction digits, low plus one unit is below high.
    let finest = a.fraction.len().max(b.fraction.len()) + 1;
    let mut text = String::new();
    for scale in 0..=finest {
        text = a.floor_scaled(scale).incremented().render(scale);
        if Decimal::parse(&text).is_ok_and(|between| between < *high) {
            break;
        }
    }
    text
}

/// A decimal number's digits: sign, integer digits (no leading zeros), fraction digits (no
/// trailing zeros), as its normalized text gives them.
struct Digits {
    negative: bool,
    integer: Vec<u8>,
    fraction: Vec<u8>,
}

impl Digits {
    fn of(value: &Decimal) -> Digits {
        let text = value.to_string();
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let (integer, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        Digits {
            negative,
            integer: integer.trim_start_matches('0').bytes().collect(),
            fraction: fraction.bytes().collect(),
        }
    }

    /// The greatest integer not above the number times 10^`scale`.
    fn floor_scaled(&self, scale: usize) -> Integer {
        let mut magnitude = self.integer.clone();
        magnitude.extend((0..scale).map(|i| self.fraction.get(i).copied().unwrap_or(b'0')));
        let cut = self.fraction.iter().skip(scale).any(|&d| d != b'0');
        let integer = Integer::new(self.negative, magnitude);
        if self.negative && cut {
            integer.decremented()
        } else {
            integer
        }
    }
}

/// A signed integer as ASCII digits (most significant first, no leading zeros; zero is
/// empty and never negative), exact at any length.
struct Integer {
    negative: bool,
    magnitude: Vec<u8>,
}

impl Integer {
    fn new(negative: bool, magnitude: Vec<u8>) -> Integer {
        let start = magnitude
            .iter()
            .position(|&d| d != b'0')
            .unwrap_or(magnitude.len());
        let magnitude = magnitude.get(start..).unwrap_or(&[]).to_vec();
        Integer {
            negative: negative && !magnitude.is_empty(),
            magnitude,
        }
    }

    fn incremented(self) -> Integer {
        if self.negative {
            Integer::new(true, magnitude_minus_one(self.magnitude))
        } else {
            Integer::new(false, magnitude_plus_one(self.magnitude))
        }
    }

    fn decremented(self) -> Integer {
        if self.negative || self.magnitude.is_empty() {
            Integer::new(true, magnitude_plus_one(self.magnitude))
        } else {
            Integer::new(false, magnitude_minus_one(self.magnitude))
        }
    }

    /// The number divided by 10^`scale`, as decimal text.
    fn render(&self, scale: usize) -> String {
        let width = self.magnitude.len().max(scale + 1);
        let mut digits = vec![b'0'; width - self.magnitude.len()];
        digits.extend_from_slice(&self.magnitude);
        let (integer, fraction) = digits.split_at(width - scale);
        let mut text = String::with_capacity(width + 2);
        if self.negative {
            text.push('-');
        }
        text.extend(integer.iter().map(|&d| char::from(d)));
        if !fraction.is_empty() {
            text.push('.');
            text.extend(fraction.iter().map(|&d| char::from(d)));
        }
        text
    }
}

fn magnitude_plus_one(mut digits: Vec<u8>) -> Vec<u8> {
    for digit in digits.iter_mut().rev() {
        if *digit == b'9' {
            *digit = b'0';
        } else {
            *digit += 1;
            return digits;
        }
    }
    digits.insert(0, b'1');
    digits
}

/// One less; the magnitude is not zero.
fn magnitude_minus_one(mut digits: Vec<u8>) -> Vec<u8> {
    for digit in digits.iter_mut().rev() {
        if *digit == b'0' {
            *digit = b'9';
        } else {
            *digit -= 1;
            break;
        }
    }
    digits
}

const NANOS: i128 = 1_000_000_000;
/// `0000-01-01T00:00:00Z`, the first instant `Z` can write.
const FIRST_UTC: i128 = -62_167_219_200 * NANOS;
/// `9999-12-31T23:59:59.999999999Z`, the last instant `Z` can write.
const LAST_UTC: i128 = 253_402_300_800 * NANOS - 1;
/// The widest offset, `23:59`, in nanoseconds.
const WIDEST_OFFSET: i128 = 86_340 * NANOS;
/// `0000-01-01T00:00:00+23:59`, the first instant a request can give.
const FIRST: i128 = FIRST_UTC - WIDEST_OFFSET;
/// `9999-12-31T23:59:60.999999999-23:59`, the last instant a request can give (a leap second
/// is the second after `:59`).
const LAST: i128 = LAST_UTC + NANOS + WIDEST_OFFSET;
/// The round steps a witness between instants is looked for at, coarsest first: a UTC
/// midnight, hour, minute, second, millisecond, microsecond, nanosecond.
const STEPS: [i128; 7] = [
    86_400 * NANOS,
    3_600 * NANOS,
    60 * NANOS,
    NANOS,
    1_000_000,
    1_000,
    1,
];

/// As [`numeric`], for instants, as RFC 3339 text with `Z`; the classes are those of the
/// instants a request can give (years 0000 to 9999 with any offset), so an interval with no
/// such instant (between instants one nanosecond apart, below the first) has no witness.
/// An instant outside the years `Z` can write (0000-01-01 with a positive offset, or the
/// last day of 9999 with a negative one) is written with the offset `+23:59` or `-23:59`.
pub(crate) fn date(values: &[Instant]) -> Vec<String> {
    let mut sorted: Vec<i128> = values.iter().map(nanos_of).collect();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.is_empty() {
        return vec!["2026-01-01T00:00:00Z".to_owned()];
    }
    let mut witnesses = Vec::new();
    let mut low = FIRST;
    let mut prefer_high = true;
    for &value in &sorted {
        witnesses.extend(roundest(low, value.saturating_sub(1), prefer_high).and_then(render));
        if (FIRST..=LAST).contains(&value) {
            witnesses.extend(render(value));
        }
        low = value.saturating_add(1).max(FIRST);
        prefer_high = false;
    }
    witnesses.extend(roundest(low, LAST, false).and_then(render));
    witnesses
}

fn nanos_of(instant: &Instant) -> i128 {
    i128::from(instant.unix_seconds()) * NANOS + i128::from(instant.subsec_nanos())
}

/// The instant in `low..=high` that is a multiple of the coarsest step possible: the highest
/// such when `prefer_high` (next to the value above), else the lowest.
fn roundest(low: i128, high: i128, prefer_high: bool) -> Option<i128> {
    let (low, high) = (low.max(FIRST), high.min(LAST));
    if low > high {
        return None;
    }
    STEPS.iter().find_map(|&step| {
        let candidate = if prefer_high {
            high.div_euclid(step) * step
        } else {
            (low.div_euclid(step) + i128::from(low.rem_euclid(step) != 0)) * step
        };
        (low..=high).contains(&candidate).then_some(candidate)
    })
}

/// RFC 3339 text that [`Instant::parse`] reads back to the instant `nanos`: with `Z` when it
/// can, else with the widest offset.
fn render(nanos: i128) -> Option<String> {
    let utc = |nanos: i128| {
        let seconds = i64::try_from(nanos.div_euclid(NANOS)).ok()?;
        let subsec = u32::try_from(nanos.rem_euclid(NANOS)).ok()?;
        Some(Instant::from_unix(seconds, subsec).to_string())
    };
    let text = if nanos < FIRST_UTC {
        let local = utc(nanos + WIDEST_OFFSET)?;
        format!("{}+23:59", local.strip_suffix('Z')?)
    } else if nanos <= LAST_UTC {
        utc(nanos)?
    } else if nanos - WIDEST_OFFSET <= LAST_UTC {
        let local = utc(nanos - WIDEST_OFFSET)?;
        format!("{}-23:59", local.strip_suffix('Z')?)
    } else {
        // The last second: only a leap second (`:60`, read as the next one) writes it.
        let local = utc(nanos - WIDEST_OFFSET - NANOS)?;
        let (minute, rest) = local.strip_suffix('Z')?.split_at_checked(17)?;
        let fraction = rest.strip_prefix("59")?;
        format!("{minute}60{fraction}-23:59")
    };
    Instant::parse(&text)
        .is_ok_and(|parsed| nanos_of(&parsed) == nanos)
        .then_some(text)
}

/// A witness of each class of IPv4 and IPv6 addresses that `blocks` split the address spaces
/// into (at least one address of each family): IPv4 first, each the first address of its
/// class, in address order.
pub(crate) fn ip(blocks: &[IpBlock]) -> Vec<String> {
    let mut witnesses = family(blocks, 32, |bits| {
        u32::try_from(bits)
            .ok()
            .map(|v| IpAddr::V4(Ipv4Addr::from(v)))
    });
    witnesses.extend(family(blocks, 128, |bits| {
        Some(IpAddr::V6(Ipv6Addr::from(bits)))
    }));
    witnesses
}

/// One family's classes: the blocks' first addresses and the addresses just past them cut
/// the line into intervals whose addresses every block judges alike; the first address of
/// each interval with a vector of verdicts not seen before is a witness.
fn family(blocks: &[IpBlock], width: u32, address: impl Fn(u128) -> Option<IpAddr>) -> Vec<String> {
    let is_family = |block: &&IpBlock| block.network().is_ipv4() == (width == 32);
    let ours: Vec<&IpBlock> = blocks.iter().filter(is_family).collect();
    let mut cuts = vec![0u128];
    for block in &ours {
        let network = match block.network() {
            IpAddr::V4(v4) => u128::from(u32::from(v4)),
            IpAddr::V6(v6) => u128::from(v6),
        };
        let host_bits = width - u32::from(block.prefix_len()).min(width);
        let size = 1u128.checked_shl(host_bits);
        cuts.push(network);
        if let Some(past) = size.and_then(|size| network.checked_add(size)) {
            if width == 128 || past <= u128::from(u32::MAX) {
                cuts.push(past);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut seen: FxHashSet<Vec<bool>> = FxHashSet::default();
    let mut witnesses = Vec::new();
    for cut in cuts {
        let Some(addr) = address(cut) else { continue };
        if seen.insert(ours.iter().map(|block| block.contains(addr)).collect()) {
            witnesses.push(addr.to_string());
        }
    }
    witnesses
}

/// `true` and `false`.
pub(crate) fn boolean() -> Vec<String> {
    vec!["true".to_owned(), "false".to_owned()]
}

#[cfg(test)]
mod tests;
