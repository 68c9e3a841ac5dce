//! The compiled request: action, resource ARN and context borrowed from the caller, checked
//! with the reference's rules (M4, C7) and digested once, without allocating.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;

use super::pattern::arn_colons;
use super::scan::Scan;
use crate::decision::RequestError;
use crate::matching::ResourceArn;
use crate::vocabulary::{
    parse_bool, parse_ip, validate_request_value, Family, Instant, TYPED_GLOBAL_KEYS,
};

/// In [`AuthRequest::fixed`], for a key: the request does not give it.
const FIXED_ABSENT: u8 = u8::MAX;
/// In [`AuthRequest::fixed`], for a key: it has several entries; a clause scans them.
const FIXED_SCAN: u8 = u8::MAX - 1;
/// [`AuthRequest::fixed`] for a request without context: every key absent.
const FIXED_ALL_ABSENT: u32 = u32::from_le_bytes([FIXED_ABSENT; 4]);

/// Where a clause finds the values of a fixed-type global key in a request.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FixedEntry {
    /// The request does not give the key.
    Absent,
    /// Its only entry (by number, see [`AuthRequest::value_at`]), with its pre-parsed value.
    One(usize, Typed),
    /// Look through every entry.
    Scan,
}

/// A context value of a fixed-type global key, parsed once (C7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Typed {
    Ip(IpAddr),
    Instant(Instant),
    Bool(bool),
}

/// The context entries of a request: `(key, value)` pairs; a key given several times has several
/// values, OR-ed (C2), and keys compare ignoring ASCII case (C6).
#[derive(Debug, Clone, Copy)]
enum Pairs<'a> {
    Borrowed(&'a [(&'a str, &'a str)]),
    Owned(&'a [(String, String)]),
}

impl<'a> Pairs<'a> {
    fn len(&self) -> usize {
        match self {
            Pairs::Borrowed(p) => p.len(),
            Pairs::Owned(p) => p.len(),
        }
    }

    fn get(&self, index: usize) -> Option<(&'a str, &'a str)> {
        match self {
            Pairs::Borrowed(p) => p.get(index).map(|(k, v)| (*k, *v)),
            Pairs::Owned(p) => p.get(index).map(|(k, v)| (k.as_str(), v.as_str())),
        }
    }
}

/// A request as the compiled [`Authorizer`](super::Authorizer) takes it: the action, the resource
/// ARN and the context, borrowed from the caller and checked with exactly the rules of
/// [`Request`](crate::decision::Request) (M4, C7), without allocating.
///
/// Build one per API call; it is about two hundred bytes on the stack. The values of the fixed-type
/// global keys (`acs:SourceIp`, `acs:CurrentTime`, `acs:SecureTransport`, `acs:MFAPresent`) are
/// parsed once here, so a malformed one is an error now (C7) and every condition that compares
/// them reuses the parsed value. `acs:CurrentTime`, when the context does not give it, is the
/// request's [`now`](AuthRequest::now) (C8).
///
/// ```
/// use ramcheck::authorizer::AuthRequest;
/// use ramcheck::condition::value::Instant;
///
/// let context = [("acs:SourceIp", "192.168.3.4"), ("ecs:tag/team", "builds")];
/// let request = AuthRequest::new(
///     "ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
/// )?
/// .with_context(&context)?
/// .at(Instant::parse("2026-01-01T00:00:00Z")?);
/// assert_eq!(request.account(), "1234567890123456");
/// assert!(AuthRequest::new("ecs:CancelImagePipelineExecution", "imagepipeline/ip-1").is_err());
/// assert!(AuthRequest::new("ecs:Cancel", "acs:ecs::1:x")?.with_context(&[("acs:SourceIp", "abc")]).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct AuthRequest<'a> {
    action: &'a str,
    service_len: usize,
    /// Whether the action is spelt exactly as `ecs:CancelImagePipelineExecution`: the catalog
    /// then knows its id without comparing it again.
    cancel: bool,
    resource: &'a str,
    account: &'a str,
    resource_ascii: bool,
    /// [`arn_colons`] of the ARN.
    colons: Option<[u32; 4]>,
    pairs: Pairs<'a>,
    /// For each key of [`TYPED_GLOBAL_KEYS`], a byte: the index of its only entry, whose value
    /// is in [`values`](AuthRequest::values), [`FIXED_ABSENT`] or [`FIXED_SCAN`]. A word and
    /// not an array, like `values` has a field per key: the request is built through several
    /// moves (each builder method takes and returns it), and with no field indexed at run time
    /// the compiler keeps it in registers instead of copying it from one stack slot to the next.
    fixed: u32,
    values: FixedValues,
    /// Set by [`at`](AuthRequest::at).
    now: Option<Instant>,
    /// Else the clock, read the first time a condition needs it (at most once per request, so
    /// every condition sees the same time).
    clock: OnceLock<Instant>,
}

/// The pre-parsed values of the fixed-type global keys a request gives once, a field per key
/// of [`TYPED_GLOBAL_KEYS`] (whose families are, in order, an address, an instant and two
/// booleans).
#[derive(Debug, Clone, Copy)]
struct FixedValues {
    source_ip: IpAddr,
    current_time: Instant,
    secure_transport: bool,
    mfa_present: bool,
}

impl FixedValues {
    const NONE: FixedValues = FixedValues {
        source_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        current_time: Instant::from_unix(0, 0),
        secure_transport: false,
        mfa_present: false,
    };

    /// The value of the key number `slot`.
    #[inline(always)]
    fn get(&self, slot: usize) -> Typed {
        match slot {
            0 => Typed::Ip(self.source_ip),
            1 => Typed::Instant(self.current_time),
            2 => Typed::Bool(self.secure_transport),
            _ => Typed::Bool(self.mfa_present),
        }
    }

    /// Keeps `value` for the key number `slot`; whether it is of the key's family.
    #[inline(always)]
    fn set(&mut self, slot: usize, value: Typed) -> bool {
        match (slot, value) {
            (0, Typed::Ip(ip)) => self.source_ip = ip,
            (1, Typed::Instant(at)) => self.current_time = at,
            (2, Typed::Bool(b)) => self.secure_transport = b,
            (3, Typed::Bool(b)) => self.mfa_present = b,
            _ => return false,
        }
        true
    }
}

impl<'a> AuthRequest<'a> {
    /// A request for `action` (`<ram-code>:<name>`, no wildcards) on the resource `arn` (M4),
    /// with an empty context, at the current time.
    ///
    /// # Errors
    ///
    /// The same [`RequestError`] as [`Request::new`](crate::decision::Request::new): an invalid
    /// action first, then an invalid ARN.
    #[inline(always)]
    pub fn new(action: &'a str, arn: &'a str) -> Result<AuthRequest<'a>, RequestError> {
        let (service_len, cancel) = validate_action(action)?;
        let (account, resource_ascii, colons) = validate_arn(arn)?;
        Ok(AuthRequest {
            action,
            service_len,
            cancel,
            resource: arn,
            account,
            resource_ascii,
            colons,
            pairs: Pairs::Borrowed(&[]),
            fixed: FIXED_ALL_ABSENT,
            values: FixedValues::NONE,
            now: None,
            clock: OnceLock::new(),
        })
    }

    /// The same request with these context entries (`(key, value)`; a key may repeat).
    ///
    /// # Errors
    ///
    /// As [`Context::insert`](crate::decision::Context::insert), for the first bad entry: an
    /// empty key, or a value of a fixed-type global key that does not parse as that type (C7).
    #[inline(always)]
    pub fn with_context(
        self,
        pairs: &'a [(&'a str, &'a str)],
    ) -> Result<AuthRequest<'a>, RequestError> {
        self.with_pairs(Pairs::Borrowed(pairs))
    }

    /// [`with_context`](AuthRequest::with_context) for owned pairs, as a gateway that decoded
    /// them from the wire holds them.
    ///
    /// # Errors
    ///
    /// As [`with_context`](AuthRequest::with_context).
    #[inline]
    pub fn with_owned_context(
        self,
        pairs: &'a [(String, String)],
    ) -> Result<AuthRequest<'a>, RequestError> {
        self.with_pairs(Pairs::Owned(pairs))
    }

    // Always inlined: the request is a couple of hundred bytes, and a call moves it in and out.
    #[inline(always)]
    fn with_pairs(mut self, pairs: Pairs<'a>) -> Result<AuthRequest<'a>, RequestError> {
        self.fixed = FIXED_ALL_ABSENT;
        for index in 0..pairs.len() {
            let Some((key, value)) = pairs.get(index) else {
                continue;
            };
            if key.is_empty() {
                return Err(RequestError::EmptyContextKey);
            }
            let Some((slot, family)) = fixed_slot(key) else {
                continue;
            };
            let typed = match family {
                Family::Ip => parse_ipv4_fast(value)
                    .map(|ip| Typed::Ip(IpAddr::V4(ip)))
                    .or_else(|| parse_ip(value).ok().map(Typed::Ip)),
                Family::Date => Instant::parse(value).ok().map(Typed::Instant),
                // The spellings a gateway sends, before the case-folding parser.
                Family::Bool => match value.as_bytes() {
                    b"true" => Some(Typed::Bool(true)),
                    b"false" => Some(Typed::Bool(false)),
                    _ => parse_bool(value).ok().map(Typed::Bool),
                },
                Family::String | Family::Numeric => None,
            };
            let Some(typed) = typed else {
                return Err(invalid_context_value(key, value, family));
            };
            // A second entry of the key, or one past what a byte numbers, is scanned for.
            let entry = match (fixed_byte(self.fixed, slot), u8::try_from(index)) {
                (FIXED_ABSENT, Ok(i)) if i < FIXED_SCAN && self.values.set(slot, typed) => i,
                _ => FIXED_SCAN,
            };
            self.fixed = with_fixed_byte(self.fixed, slot, entry);
        }
        self.pairs = pairs;
        Ok(self)
    }

    /// Where the values of the fixed-type global key number `slot` (in
    /// [`TYPED_GLOBAL_KEYS`]) are.
    #[inline]
    pub(crate) fn fixed_entry(&self, slot: u8) -> FixedEntry {
        let slot = usize::from(slot);
        match fixed_byte(self.fixed, slot) {
            FIXED_ABSENT => FixedEntry::Absent,
            FIXED_SCAN => FixedEntry::Scan,
            i => FixedEntry::One(usize::from(i), self.values.get(slot)),
        }
    }

    /// The pre-parsed value of context entry `index` if it is the only entry of the
    /// fixed-type global key number `slot`.
    #[inline]
    pub(crate) fn typed_at(&self, slot: u8, index: usize) -> Option<Typed> {
        match self.fixed_entry(slot) {
            FixedEntry::One(i, typed) if i == index => Some(typed),
            _ => None,
        }
    }

    /// The value of context entry `index` (empty past the end: never, for an index from
    /// [`fixed_entry`](AuthRequest::fixed_entry)).
    pub(crate) fn value_at(&self, index: usize) -> &'a str {
        self.pairs.get(index).map_or("", |(_, value)| value)
    }

    /// The same request at another time: `acs:CurrentTime` when the context does not give it
    /// (C8). Pass the gateway's clock reading, so that a decision is reproducible.
    #[must_use]
    #[inline(always)]
    pub fn at(mut self, now: Instant) -> AuthRequest<'a> {
        self.now = Some(now);
        self
    }

    /// The action as given.
    pub fn action(&self) -> &'a str {
        self.action
    }

    /// Whether the action is `ecs:CancelImagePipelineExecution` spelt exactly so.
    pub(crate) fn is_cancel(&self) -> bool {
        self.cancel
    }

    /// The action's RAM code (`ecs`), as given.
    pub fn service(&self) -> &'a str {
        self.action.get(..self.service_len).unwrap_or_default()
    }

    /// The resource ARN as given.
    pub fn resource(&self) -> &'a str {
        self.resource
    }

    /// The account ID field of the resource ARN.
    pub fn account(&self) -> &'a str {
        self.account
    }

    /// The time `acs:CurrentTime` defaults to: the one given to [`at`](AuthRequest::at), else
    /// the clock, read once, when first asked.
    pub fn now(&self) -> Instant {
        match self.now {
            Some(now) => now,
            None => *self.clock.get_or_init(Instant::now),
        }
    }

    /// Whether the resource ARN is all ASCII (then `?` in a pattern is one byte of it).
    pub(crate) fn resource_is_ascii(&self) -> bool {
        self.resource_ascii
    }

    /// [`arn_colons`] of the ARN.
    pub(crate) fn resource_colons(&self) -> Option<[u32; 4]> {
        self.colons
    }

    /// Every context entry with its number.
    pub(crate) fn numbered_entries(&self) -> impl Iterator<Item = (usize, &'a str, &'a str)> + '_ {
        (0..self.pairs.len()).filter_map(move |i| self.pairs.get(i).map(|(k, v)| (i, k, v)))
    }

    /// The context entries, as `(key, value)` pairs.
    pub fn context(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        (0..self.pairs.len()).filter_map(move |i| self.pairs.get(i))
    }
}

/// The number in [`TYPED_GLOBAL_KEYS`] and the family of a fixed-type global key (C6: ASCII
/// case ignored); the four names have four different lengths.
// Always inlined: a call, once per context entry, costs more than the work.
#[inline(always)]
pub(crate) fn fixed_slot(key: &str) -> Option<(usize, Family)> {
    let slot = match key.len() {
        12 => 0,
        15 => 1,
        19 => 2,
        14 => 3,
        _ => return None,
    };
    let (name, family) = TYPED_GLOBAL_KEYS.get(slot)?;
    super::pattern::eq_key(name, key).then_some((slot, *family))
}

/// The byte of [`AuthRequest::fixed`] for the key number `slot`.
#[inline(always)]
fn fixed_byte(fixed: u32, slot: usize) -> u8 {
    // The mask keeps one byte, so the cast keeps it whole.
    (fixed >> (8 * (slot & 3)) & 0xff) as u8
}

/// [`AuthRequest::fixed`] with the byte for the key number `slot` set to `byte`.
#[inline(always)]
fn with_fixed_byte(fixed: u32, slot: usize, byte: u8) -> u32 {
    let shift = 8 * (slot & 3);
    fixed & !(0xff << shift) | u32::from(byte) << shift
}

/// A dotted-quad IPv4 address in the one form the standard parser accepts for IPv4 (four
/// decimal octets of one to three digits, no leading zero, at most 255); `None` for anything
/// else, which then goes to [`parse_ip`].
#[inline]
fn parse_ipv4_fast(text: &str) -> Option<Ipv4Addr> {
    let bytes = text.as_bytes();
    if bytes.len() < 7 || bytes.len() > 15 {
        return None;
    }
    let digit = |at: usize| {
        bytes
            .get(at)
            .map(|b| b.wrapping_sub(b'0'))
            .filter(|d| *d <= 9)
    };
    let mut octets = [0u8; 4];
    let mut at = 0;
    for (n, octet) in octets.iter_mut().enumerate() {
        // One to three digits, no leading zero, then a dot (none after the last).
        let first = digit(at)?;
        let mut value = u32::from(first);
        at += 1;
        for _ in 0..2 {
            let Some(next) = digit(at) else { break };
            if first == 0 {
                return None;
            }
            value = value * 10 + u32::from(next);
            at += 1;
        }
        *octet = u8::try_from(value).ok()?;
        if n < 3 {
            if bytes.get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
    }
    (at == bytes.len()).then_some(Ipv4Addr::from(octets))
}

#[cold]
#[inline(never)]
fn invalid_context_value(key: &str, value: &str, family: Family) -> RequestError {
    let cause = validate_request_value(family, value)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    RequestError::InvalidContextValue {
        key: key.to_owned(),
        value: value.to_owned(),
        expected: family,
        cause,
    }
}

/// The reference's action rules; the byte length of the service on success. One pass over the
/// bytes accepts the common case; anything else takes the reference's steps, which also pick
/// the error.
#[inline]
fn validate_action(action: &str) -> Result<(usize, bool), RequestError> {
    // The action a gateway sends on every call, as the API names it: valid, service `ecs`.
    const HOT: &str = crate::decision::CANCEL_IMAGE_PIPELINE_EXECUTION;
    const HOT_SERVICE_LEN: usize = {
        let bytes = HOT.as_bytes();
        let mut at = 0;
        while at < bytes.len() && bytes[at] != b':' {
            at += 1;
        }
        at
    };
    if action.len() == HOT.len() && super::pattern::eq_bytes(action.as_bytes(), HOT.as_bytes()) {
        return Ok((HOT_SERVICE_LEN, true));
    }
    let scan = Scan::<2>::of(action.as_bytes());
    let bytes = action.as_bytes();
    match scan.colons {
        [at, usize::MAX]
            if !scan.wild
                && !scan.control
                && scan.ascii
                && at > 0
                && at < bytes.len().saturating_sub(1) =>
        {
            Ok((at, false))
        }
        // Anything else takes the reference's own checks, which also pick the error.
        _ => crate::decision::validate_action(action).map(|at| (at, false)),
    }
}

/// The checks of [`ResourceArn::parse`], without copying; on success the account field,
/// whether the ARN is ASCII, and the positions of its colons if it is ASCII and has exactly
/// four. Always inlined: a call would return its result through memory, and every request
/// makes it once.
#[inline(always)]
fn validate_arn(text: &str) -> Result<(&str, bool, Option<[u32; 4]>), RequestError> {
    let bytes = text.as_bytes();
    let scan = Scan::<4>::of(bytes);
    let [acs, service_end, region_end, account_end] = scan.colons;
    if account_end != usize::MAX
        && !scan.wild
        && acs == 3
        && bytes.starts_with(b"acs:")
        && service_end > 4
        && account_end + 1 < bytes.len()
    {
        if let Some(account) = text.get(region_end + 1..account_end) {
            let colons = scan.colons.map(|at| u32::try_from(at).unwrap_or(u32::MAX));
            let four = scan.ascii && !scan.more && !colons.contains(&u32::MAX);
            return Ok((account, scan.ascii, four.then_some(colons)));
        }
    }
    validate_arn_slow(text).map(|account| (account, text.is_ascii(), arn_colons(text)))
}

/// Anything the fast check does not accept: the reference's own checks, which also pick the
/// error.
#[cold]
#[inline(never)]
fn validate_arn_slow(text: &str) -> Result<&str, RequestError> {
    let (_, region_end, account_end) = ResourceArn::field_ends(text)?;
    Ok(text.get(region_end + 1..account_end).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The ARN's colons are handed to the field matcher exactly when it is ASCII with four.
        #[test]
        fn m4_arn_colons_are_found_exactly_when_there_are_four(
            fields in proptest::collection::vec("[a-c*é]{0,3}", 3..8),
        ) {
            let arn = format!("acs:{}", fields.join(":"));
            if let Ok((_, ascii, colons)) = validate_arn(&arn) {
                let expected = arn_colons(&arn);
                prop_assert_eq!(colons, expected);
                prop_assert_eq!(colons.is_some(), ascii && arn.matches(':').count() == 4);
            }
        }

        #[test]
        fn c7_fast_ipv4_agrees_with_the_standard_parser(text in "[0-9.]{0,16}|[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}") {
            if let Some(fast) = parse_ipv4_fast(&text) {
                prop_assert_eq!(text.parse::<IpAddr>().ok(), Some(IpAddr::V4(fast)));
            } else {
                prop_assert!(text.parse::<Ipv4Addr>().is_err());
            }
        }

        #[test]
        fn c6_fixed_slot_agrees_with_fixed_type_of(key in "(?i)acs:(sourceip|currenttime|securetransport|mfapresent|sourcevpc)|[a-zA-Z:]{0,20}") {
            prop_assert_eq!(fixed_slot(&key).map(|(_, f)| f), crate::condition::fixed_type_of(&key));
        }
    }

    /// A fixed-type key given once has its parsed value found at its entry, wherever the entry
    /// is; given twice, its entries are scanned (C2); not given, it is absent.
    #[test]
    fn c7_fixed_keys_given_once_keep_their_parsed_value() {
        let filler = [("ecs:tag/a", "1"); 6];
        let mut context: Vec<(&str, &str)> = filler.to_vec();
        context.push(("ACS:mfapresent", "TRUE"));
        context.push(("acs:CurrentTime", "2026-01-01T00:00:00Z"));
        context.push(("acs:SecureTransport", "false"));
        context.push(("acs:SourceIp", "10.0.0.1"));
        context.push(("acs:SecureTransport", "true"));
        let request = AuthRequest::new("ecs:CancelImagePipelineExecution", "acs:ecs:r:1:x/y")
            .and_then(|r| r.with_context(&context))
            .unwrap_or_else(|e| panic!("{e}"));
        let one = |slot: u8| match request.fixed_entry(slot) {
            FixedEntry::One(index, typed) => Some((index, typed)),
            FixedEntry::Absent => panic!("slot {slot} absent"),
            FixedEntry::Scan => None,
        };
        let ip = Typed::Ip(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(one(0), Some((9, ip)));
        let time = Instant::parse("2026-01-01T00:00:00Z")
            .map(Typed::Instant)
            .ok();
        assert_eq!(one(1).map(|(_, t)| t), time);
        assert_eq!(one(2), None, "given twice: scanned");
        assert_eq!(one(3), Some((6, Typed::Bool(true))));
        assert_eq!(request.typed_at(0, 9), Some(ip));
        assert_eq!(request.typed_at(0, 8), None);
        assert_eq!(request.typed_at(2, 8), None);
        assert_eq!(request.value_at(9), "10.0.0.1");

        let bare = AuthRequest::new("ecs:CancelImagePipelineExecution", "acs:ecs:r:1:x/y")
            .and_then(|r| r.with_context(&filler))
            .unwrap_or_else(|e| panic!("{e}"));
        for slot in 0..4 {
            assert!(
                matches!(bare.fixed_entry(slot), FixedEntry::Absent),
                "{slot}"
            );
        }
    }

    #[test]
    fn c7_fast_ipv4_examples() {
        for (text, ok) in [
            ("10.0.0.1", true),
            ("255.255.255.255", true),
            ("01.0.0.1", false),
            ("256.0.0.1", false),
            ("1.2.3", false),
            ("1.2.3.4.", false),
            ("0.0.0.0", true),
            ("1234.1.1.1", false),
        ] {
            assert_eq!(parse_ipv4_fast(text).is_some(), ok, "{text}");
        }
    }
}
