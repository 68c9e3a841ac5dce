//! The `IpAddress`/`NotIpAddress` family (C3, C7): request addresses ([`parse_ip`]), the
//! [`IpBlock`]s a policy lists, and [`IpTest`], whether an address lies in a block.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use super::{ValueError, ValueKind};

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

/// What `IpAddress` tests, before `NotIpAddress` negates it (C3, C4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum IpTest {
    /// The request address lies in the listed block ([`IpBlock::contains`]).
    InBlock,
}

impl IpTest {
    /// Whether the request address passes the test against one listed block.
    #[inline]
    pub(crate) fn holds(self, request: IpAddr, listed: &IpBlock) -> bool {
        match self {
            IpTest::InBlock => listed.contains(request),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail by panicking")]
mod tests {
    use super::*;
    use crate::vocabulary::hash_of;
    use proptest::prelude::*;

    fn ip(text: &str) -> IpAddr {
        parse_ip(text).unwrap()
    }
    fn block(text: &str) -> IpBlock {
        IpBlock::parse(text).unwrap()
    }
    fn block_err(text: &str) -> String {
        IpBlock::parse(text).unwrap_err().to_string()
    }

    /// One line per rule case (spec rules C3 and C7); kept on one line each on purpose.
    #[rustfmt::skip]
    mod cases {
        use super::*;

        // C3 IP: addresses and CIDR blocks.
        #[test] fn c3_ip_in_block_holds_inside() { assert!(IpTest::InBlock.holds(ip("10.1.2.3"), &block("10.0.0.0/8")) && IpTest::InBlock.holds(ip("10.0.0.1"), &block("10.0.0.1"))); }
        #[test] fn c3_ip_in_block_fails_outside() { assert!(!IpTest::InBlock.holds(ip("11.0.0.0"), &block("10.0.0.0/8"))); }
        #[test] fn c3_ip_in_block_fails_across_families() { assert!(!IpTest::InBlock.holds(ip("::ffff:10.0.0.1"), &block("10.0.0.0/8")) && !IpTest::InBlock.holds(ip("10.0.0.1"), &block("::/0"))); }
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
    }

    proptest! {
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
