//! The compiled request: action, resource ARN and context borrowed from the caller, checked
//! with the reference's rules (M4, C7) and digested once, without allocating.

use std::net::IpAddr;
use std::sync::OnceLock;

use crate::condition::value::{parse_bool, parse_ip, Instant};
use crate::condition::{fixed_type_of, validate_request_value, Family};
use crate::decision::RequestError;
use crate::matching::ResourceArn;

/// How many context entries keep a pre-parsed typed value; later ones are parsed when compared.
const TYPED_ENTRIES: usize = 4;

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
/// Build one per API call; it is a few hundred bytes on the stack. The values of the fixed-type
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
    resource: &'a str,
    account: &'a str,
    resource_ascii: bool,
    pairs: Pairs<'a>,
    typed: [Option<Typed>; TYPED_ENTRIES],
    /// Set by [`at`](AuthRequest::at).
    now: Option<Instant>,
    /// Else the clock, read the first time a condition needs it (at most once per request, so
    /// every condition sees the same time).
    clock: OnceLock<Instant>,
}

impl<'a> AuthRequest<'a> {
    /// A request for `action` (`<ram-code>:<name>`, no wildcards) on the resource `arn` (M4),
    /// with an empty context, at the current time.
    ///
    /// # Errors
    ///
    /// The same [`RequestError`] as [`Request::new`](crate::decision::Request::new): an invalid
    /// action first, then an invalid ARN.
    #[inline]
    pub fn new(action: &'a str, arn: &'a str) -> Result<AuthRequest<'a>, RequestError> {
        let service_len = validate_action(action)?;
        let (account, resource_ascii) = validate_arn(arn)?;
        Ok(AuthRequest {
            action,
            service_len,
            resource: arn,
            account,
            resource_ascii,
            pairs: Pairs::Borrowed(&[]),
            typed: [None; TYPED_ENTRIES],
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
    #[inline]
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

    #[inline]
    fn with_pairs(mut self, pairs: Pairs<'a>) -> Result<AuthRequest<'a>, RequestError> {
        self.typed = [None; TYPED_ENTRIES];
        for index in 0..pairs.len() {
            let Some((key, value)) = pairs.get(index) else {
                continue;
            };
            if key.is_empty() {
                return Err(RequestError::EmptyContextKey);
            }
            // Every fixed-type key starts with `acs:` (the common custom keys do not).
            let global = key
                .as_bytes()
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"acs:"));
            let Some(family) = global.then(|| fixed_type_of(key)).flatten() else {
                continue;
            };
            let typed = match family {
                Family::Ip => parse_ip(value).ok().map(Typed::Ip),
                Family::Date => Instant::parse(value).ok().map(Typed::Instant),
                Family::Bool => parse_bool(value).ok().map(Typed::Bool),
                Family::String | Family::Numeric => None,
            };
            if typed.is_none() {
                return Err(invalid_context_value(key, value, family));
            }
            if let Some(slot) = self.typed.get_mut(index) {
                *slot = typed;
            }
        }
        self.pairs = pairs;
        Ok(self)
    }

    /// The same request at another time: `acs:CurrentTime` when the context does not give it
    /// (C8). Pass the gateway's clock reading, so that a decision is reproducible.
    #[must_use]
    #[inline]
    pub fn at(mut self, now: Instant) -> AuthRequest<'a> {
        self.now = Some(now);
        self
    }

    /// The action as given.
    pub fn action(&self) -> &'a str {
        self.action
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

    /// Every context entry with its pre-parsed value, if it has one.
    pub(crate) fn context_entries(
        &self,
    ) -> impl Iterator<Item = (&'a str, &'a str, Option<&Typed>)> + '_ {
        (0..self.pairs.len()).filter_map(move |i| {
            let (k, v) = self.pairs.get(i)?;
            Some((k, v, self.typed.get(i).and_then(Option::as_ref)))
        })
    }

    /// The context entries, as `(key, value)` pairs.
    pub fn context(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        (0..self.pairs.len()).filter_map(move |i| self.pairs.get(i))
    }
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
fn validate_action(action: &str) -> Result<usize, RequestError> {
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
            Ok(at)
        }
        _ => validate_action_slow(action),
    }
}

/// What one pass over a request's text finds, eight bytes at a time: the positions of the
/// first `N` colons (`usize::MAX` for missing ones), and whether it has `*` or `?`, a byte
/// below `!` (control characters and space) or a byte that is not ASCII.
struct Scan<const N: usize> {
    colons: [usize; N],
    wild: bool,
    control: bool,
    ascii: bool,
}

/// The high bit of every byte of `x` that is zero (exactly those).
#[inline]
fn zero_bytes(x: u64) -> u64 {
    const LO: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((x & LO).wrapping_add(LO)) | x | LO)
}

impl<const N: usize> Scan<N> {
    #[inline]
    fn of(bytes: &[u8]) -> Scan<N> {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let mut scan = Scan {
            colons: [usize::MAX; N],
            wild: false,
            control: false,
            ascii: true,
        };
        let mut found = 0;
        let mut any_high = 0u64;
        let mut wild = 0u64;
        let mut control = 0u64;
        let mut at = 0;
        let mut chunks = bytes.chunks_exact(8);
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        // The remainder is padded with `a`, which none of the tests notice.
        for (dst, src) in last
            .iter_mut()
            .zip(rest.iter().chain(std::iter::repeat(&b'a')))
        {
            *dst = *src;
        }
        let words = chunks
            .by_ref()
            .map(|c| {
                let mut w = [0u8; 8];
                w.copy_from_slice(c);
                u64::from_le_bytes(w)
            })
            .chain((!rest.is_empty()).then(|| u64::from_le_bytes(last)));
        for word in words {
            any_high |= word & HIGH;
            wild |= zero_bytes(word ^ (ONES * u64::from(b'*')))
                | zero_bytes(word ^ (ONES * u64::from(b'?')));
            // A byte below 0x21: (its value + 0x5f) has no high bit, and it is ASCII.
            control |= !((word & !HIGH).wrapping_add(ONES * 0x5f) | word) & HIGH;
            let mut colons = zero_bytes(word ^ (ONES * u64::from(b':')));
            while colons != 0 && found < N {
                let position = at + (colons.trailing_zeros() / 8) as usize;
                if let Some(slot) = scan.colons.get_mut(found) {
                    *slot = position;
                }
                found += 1;
                colons &= colons - 1;
            }
            at += 8;
        }
        scan.wild = wild != 0;
        scan.control = control != 0;
        scan.ascii = any_high == 0;
        scan
    }
}

#[cold]
#[inline(never)]
fn validate_action_slow(action: &str) -> Result<usize, RequestError> {
    const SHAPE: &str =
        "expected `<ram-code>:<action-name>`, e.g. `ecs:CancelImagePipelineExecution`";
    let Some((service, name)) = action.split_once(':') else {
        return Err(invalid_action(action, SHAPE));
    };
    if service.is_empty() || name.is_empty() || name.contains(':') {
        return Err(invalid_action(action, SHAPE));
    }
    if action.contains(['*', '?']) {
        return Err(invalid_action(
            action,
            "a request names one action, never a pattern",
        ));
    }
    if action.chars().any(char::is_whitespace) {
        return Err(invalid_action(action, "an action has no spaces"));
    }
    Ok(service.len())
}

#[cold]
#[inline(never)]
fn invalid_action(action: &str, reason: &str) -> RequestError {
    RequestError::InvalidAction {
        action: action.to_owned(),
        reason: reason.to_owned(),
    }
}

/// The checks of [`ResourceArn::parse`], without copying; the account field and whether the
/// ARN is ASCII on success.
#[inline]
fn validate_arn(text: &str) -> Result<(&str, bool), RequestError> {
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
            return Ok((account, scan.ascii));
        }
    }
    validate_arn_slow(text).map(|account| (account, text.is_ascii()))
}

#[cold]
#[inline(never)]
fn validate_arn_slow(text: &str) -> Result<&str, RequestError> {
    let ok = (|| {
        let rest = text.strip_prefix("acs:")?;
        let mut fields = rest.splitn(4, ':');
        let service = fields.next()?;
        let _region = fields.next()?;
        let account = fields.next()?;
        let relative = fields.next()?;
        if service.is_empty() || relative.is_empty() || text.contains(['*', '?']) {
            return None;
        }
        Some(account)
    })();
    match ok {
        Some(account) => Ok(account),
        None => Err(arn_error(text)),
    }
}

#[cold]
#[inline(never)]
fn arn_error(text: &str) -> RequestError {
    match ResourceArn::parse(text) {
        Err(e) => RequestError::InvalidResource(e),
        // Unreachable when the two checks agree (a test proves they do); fail closed anyway.
        Ok(_) => RequestError::InvalidAction {
            action: text.to_owned(),
            reason: "the resource ARN was rejected".to_owned(),
        },
    }
}
