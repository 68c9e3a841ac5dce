//! A2: the witnesses of each family against dense samples, judged by the crate's own tests
//! (`OrderTest`, `IpTest`).

#![allow(clippy::unwrap_used, reason = "tests fail by panicking")]

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::*;
use crate::vocabulary::{parse_bool, parse_ip, IpTest, OrderTest};

const ORDERS: [OrderTest; 5] = [
    OrderTest::Equals,
    OrderTest::LessThan,
    OrderTest::LessThanEquals,
    OrderTest::GreaterThan,
    OrderTest::GreaterThanEquals,
];

/// The verdicts of every ordering operator of a family against every listed value (C3).
fn order_vector<T: Ord>(request: &T, listed: &[T]) -> Vec<bool> {
    listed
        .iter()
        .flat_map(|value| ORDERS.map(|test| test.holds(request, value)))
        .collect()
}

/// A2: the witnesses' vectors are pairwise distinct and are exactly the samples' vectors.
fn assert_exact(witness_vectors: Vec<Vec<bool>>, sample_vectors: HashSet<Vec<bool>>) {
    let distinct: HashSet<Vec<bool>> = witness_vectors.iter().cloned().collect();
    assert_eq!(
        distinct.len(),
        witness_vectors.len(),
        "two witnesses share a class"
    );
    assert_eq!(distinct, sample_vectors);
}

fn dec(text: &str) -> Decimal {
    Decimal::parse(text).unwrap()
}

/// Hundredths in -10..10 as decimal text, `-0` and trailing zeros included.
fn hundredths() -> impl Strategy<Value = String> {
    (-1000i32..=1000, any::<bool>()).prop_map(|(n, trailing)| {
        let sign = if n < 0 { "-" } else { "" };
        let zero = if trailing { "0" } else { "" };
        format!("{sign}{}.{:02}{zero}", n.abs() / 100, n.abs() % 100)
    })
}

fn check_numeric(values: &[Decimal], samples: &[Decimal]) {
    let found = numeric(values);
    let witness_vectors = found
        .iter()
        .map(|w| order_vector(&dec(w), values))
        .collect();
    let sample_vectors = samples.iter().map(|s| order_vector(s, values)).collect();
    assert_exact(witness_vectors, sample_vectors);
}

/// Every thousandth in -11..11: a point of every class hundredths make.
fn thousandths() -> Vec<Decimal> {
    (-11_000i32..=11_000)
        .map(|n| {
            let sign = if n < 0 { "-" } else { "" };
            dec(&format!("{sign}{}.{:03}", n.abs() / 1000, n.abs() % 1000))
        })
        .collect()
}

const NANOS_TEST: i128 = 1_000_000_000;

fn instant(nanos: i128) -> Instant {
    let seconds = i64::try_from(nanos.div_euclid(NANOS_TEST)).unwrap();
    Instant::from_unix(
        seconds,
        u32::try_from(nanos.rem_euclid(NANOS_TEST)).unwrap(),
    )
}

fn first_instant() -> i128 {
    nanos_of(&Instant::parse("0000-01-01T00:00:00+23:59").unwrap())
}

fn last_instant() -> i128 {
    nanos_of(&Instant::parse("9999-12-31T23:59:60.999999999-23:59").unwrap())
}

/// Points where instants cluster in tests: the ends of the range, the ends of `Z`, and
/// ordinary days.
fn bases() -> Vec<i128> {
    let at = |text: &str| nanos_of(&Instant::parse(text).unwrap());
    vec![
        first_instant(),
        at("0000-01-01T00:00:00Z"),
        at("1970-01-01T00:00:00Z"),
        at("2026-03-01T12:00:00.5Z"),
        at("9999-12-31T23:59:59.999999999Z"),
        last_instant() - 20,
    ]
}

fn check_date(values: &[i128]) {
    let listed: Vec<Instant> = values.iter().map(|&v| instant(v)).collect();
    let found = date(&listed);
    let witness_vectors = found
        .iter()
        .map(|w| {
            let parsed = Instant::parse(w).unwrap_or_else(|e| panic!("{w}: {e}"));
            order_vector(&parsed, &listed)
        })
        .collect();
    let (first, last) = (first_instant(), last_instant());
    let mut samples: Vec<i128> = vec![first, last, first + 1, last - 1];
    for base in bases() {
        samples.extend((base - 30..base + 50).filter(|s| (first..=last).contains(s)));
    }
    let sample_vectors = samples
        .iter()
        .map(|&s| order_vector(&instant(s), &listed))
        .collect();
    assert_exact(witness_vectors, sample_vectors);
}

/// An address block's first and last addresses, as numbers.
fn block_range(block: &IpBlock) -> (u128, u128, u32) {
    let (network, width) = match block.network() {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    };
    let host = width - u32::from(block.prefix_len());
    let last = if host == 128 {
        u128::MAX
    } else {
        network | ((1u128 << host) - 1)
    };
    (network, last, width)
}

fn to_addr(bits: u128, width: u32) -> IpAddr {
    if width == 32 {
        IpAddr::V4(Ipv4Addr::from(u32::try_from(bits).unwrap()))
    } else {
        IpAddr::V6(Ipv6Addr::from(bits))
    }
}

fn check_ip(blocks: &[IpBlock]) {
    let found = ip(blocks);
    let vector = |addr: IpAddr| -> (bool, Vec<bool>) {
        let verdicts = blocks
            .iter()
            .map(|b| IpTest::InBlock.holds(addr, b))
            .collect();
        (addr.is_ipv4(), verdicts)
    };
    let witness_vectors: Vec<(bool, Vec<bool>)> =
        found.iter().map(|w| vector(parse_ip(w).unwrap())).collect();
    let mut samples = Vec::new();
    for width in [32u32, 128] {
        let max = if width == 32 {
            u128::from(u32::MAX)
        } else {
            u128::MAX
        };
        samples.extend([0, 1, max - 1, max].map(|b| to_addr(b, width)));
        for block in blocks {
            let (network, last, w) = block_range(block);
            if w != width {
                continue;
            }
            for point in [
                network.checked_sub(1),
                Some(network),
                network.checked_add(1),
                last.checked_sub(1),
                Some(last),
                last.checked_add(1),
            ]
            .into_iter()
            .flatten()
            .filter(|&p| p <= max)
            {
                samples.push(to_addr(point, width));
            }
        }
    }
    let sample_vectors: HashSet<(bool, Vec<bool>)> = samples.into_iter().map(vector).collect();
    let distinct: HashSet<(bool, Vec<bool>)> = witness_vectors.iter().cloned().collect();
    assert_eq!(
        distinct.len(),
        witness_vectors.len(),
        "two witnesses share a class: {found:?}"
    );
    assert_eq!(distinct, sample_vectors, "{found:?}");
}

/// A block of one of `addresses` with a random prefix length up to `max`.
fn block_of(addresses: &[&'static str], max: u8) -> impl Strategy<Value = String> {
    (prop::sample::select(addresses.to_vec()), 0..=max).prop_map(|(a, p)| format!("{a}/{p}"))
}

fn ip_block() -> impl Strategy<Value = IpBlock> {
    let v4 = [
        "0.0.0.0",
        "10.0.0.0",
        "10.0.0.1",
        "10.0.1.0",
        "10.128.0.0",
        "255.255.255.255",
    ];
    let v6 = [
        "::",
        "::1",
        "2001:db8::",
        "2001:db8::8000",
        "::ffff:10.0.0.1",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ];
    prop_oneof![block_of(&v4, 32), block_of(&v6, 128)]
        .prop_map(|text| IpBlock::parse(&text).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A2 (C3 Numeric): one witness per class, every class has one.
    #[test]
    fn a2_numeric_classes_match_dense_samples(values in proptest::collection::vec(hundredths(), 0..6)) {
        let values: Vec<Decimal> = values.iter().map(|v| dec(v)).collect();
        check_numeric(&values, &thousandths());
    }

    /// A2 (C3 Numeric): long numbers and deep fractions; with n distinct values there are
    /// exactly 2n+1 classes, so 2n+1 witnesses of distinct vectors are all of them.
    #[test]
    fn a2_numeric_long_values_give_every_class(values in proptest::collection::vec("-?[0-9]{1,45}(\\.[0-9]{1,45})?", 1..6)) {
        let values: Vec<Decimal> = values.iter().map(|v| dec(v)).collect();
        let distinct: HashSet<&Decimal> = values.iter().collect();
        let found = numeric(&values);
        prop_assert_eq!(found.len(), 2 * distinct.len() + 1);
        let vectors: HashSet<Vec<bool>> = found.iter().map(|w| order_vector(&dec(w), &values)).collect();
        prop_assert_eq!(vectors.len(), found.len());
    }

    /// A2 (C3 Date): instants clustered at the ends of the range and a nanosecond apart.
    #[test]
    fn a2_date_classes_match_dense_samples(values in proptest::collection::vec((0usize..6, 0i128..20), 0..6)) {
        let bases = bases();
        let values: Vec<i128> = values.iter().map(|&(b, k)| bases[b] + k).collect();
        check_date(&values);
    }

    /// A2 (C3 IpAddress): one witness per class of each family.
    #[test]
    fn a2_ip_classes_match_boundary_samples(blocks in proptest::collection::vec(ip_block(), 0..6)) {
        check_ip(&blocks);
    }
}

fn ips(texts: &[&str]) -> Vec<IpBlock> {
    texts.iter().map(|t| IpBlock::parse(t).unwrap()).collect()
}

fn decs(texts: &[&str]) -> Vec<Decimal> {
    texts.iter().map(|t| dec(t)).collect()
}

/// Named cases; one line each on purpose.
#[rustfmt::skip]
mod cases {
    use super::*;

    #[test] fn a2_numeric_without_values_is_one_class() { assert_eq!(numeric(&[]), ["0"]); }
    #[test] fn a2_numeric_negative_zero_is_zero() { assert_eq!(numeric(&decs(&["-0", "0.0"])), ["-1", "0", "1"]); }
    #[test] fn a2_numeric_equal_values_are_one() { assert_eq!(numeric(&decs(&["10", "10.0", "010"])), ["9", "10", "11"]); }
    #[test] fn a2_numeric_fraction_digits() { assert_eq!(numeric(&decs(&["1.5", "1.55"])), ["0", "1.5", "1.51", "1.55", "2"]); }
    #[test] fn a2_numeric_negative_values() { assert_eq!(numeric(&decs(&["-2.5", "-2.25"])), ["-4", "-2.5", "-2.4", "-2.25", "-2"]); }
    #[test] fn a2_numeric_huge_neighbours() { let (a, b) = ("1".repeat(40), format!("{}2", "1".repeat(39))); assert_eq!(numeric(&decs(&[&a, &b]))[2], format!("{a}.1")); }
    #[test] fn a2_numeric_below_a_negative_fraction() { check_numeric(&decs(&["-0.01"]), &thousandths()); }
    #[test] fn a2_numeric_witnesses_parse() { assert!(numeric(&decs(&["-9.99", "0", "3.14159"])).iter().all(|w| Decimal::parse(w).is_ok())); }
    #[test] fn a2_date_without_values_is_one_class() { assert_eq!(date(&[]), ["2026-01-01T00:00:00Z"]); }
    #[test] fn a2_date_nanosecond_neighbours_leave_no_gap() { let t = bases()[3]; assert_eq!(date(&[instant(t), instant(t + 1)]).len(), 4); check_date(&[t, t + 1]); }
    #[test] fn a2_date_max_instant_has_nothing_above() { let last = last_instant(); let found = date(&[instant(last)]); assert_eq!(found.len(), 2); assert_eq!(found[1], "9999-12-31T23:59:60.999999999-23:59"); check_date(&[last]); }
    #[test] fn a2_date_first_instant_has_nothing_below() { let first = first_instant(); assert_eq!(date(&[instant(first)]), ["0000-01-01T00:00:00+23:59", "0000-01-01T00:00:00Z"]); }
    #[test] fn a2_date_witnesses_use_z_inside_its_years() { assert_eq!(date(&[Instant::parse("2019-08-12T17:00:00+08:00").unwrap()]), ["2019-08-12T00:00:00Z", "2019-08-12T09:00:00Z", "2019-08-13T00:00:00Z"]); }
    #[test] fn a2_date_witnesses_round_trip_at_the_ends() { for t in [first_instant(), first_instant() + 1, bases()[1] - 1, bases()[4] + 1, last_instant() - 1_000_000_000, last_instant()] { let text = render(t).unwrap(); assert_eq!(nanos_of(&Instant::parse(&text).unwrap()), t, "{text}"); } }
    #[test] fn a2_ip_without_blocks_gives_each_family() { assert_eq!(ip(&[]), ["0.0.0.0", "::"]); }
    #[test] fn a2_ip_whole_v4_space_is_one_class() { assert_eq!(ip(&ips(&["0.0.0.0/0"])), ["0.0.0.0", "::"]); }
    #[test] fn a2_ip_whole_v6_space_is_one_class() { assert_eq!(ip(&ips(&["::/0"])), ["0.0.0.0", "::"]); }
    #[test] fn c3_ip_host_bits_mean_the_network() { assert_eq!(ip(&ips(&["10.0.0.1/8"])), ["0.0.0.0", "10.0.0.0", "::"]); check_ip(&ips(&["10.0.0.1/8"])); }
    #[test] fn a2_ip_block_at_the_top_has_no_past() { check_ip(&ips(&["255.255.255.255", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"])); }
    #[test] fn a2_ip_nested_blocks() { check_ip(&ips(&["10.0.0.0/8", "10.1.0.0/16", "10.1.2.3", "2001:db8::/32", "2001:db8::1"])); }
    #[test] fn a2_boolean_both_values_parse() { assert_eq!(boolean().iter().map(|b| parse_bool(b).unwrap()).collect::<Vec<_>>(), [true, false]); }
}
