//! The compiled request: action, resource ARN and context borrowed from the caller, checked
//! with the reference's rules (M4, C7) and digested once, without allocating.

use std::net::IpAddr;

use crate::condition::value::{parse_bool, parse_ip, Instant};
use crate::condition::{fixed_type_of, validate_request_value, Family};
use crate::decision::RequestError;
use crate::matching::ResourceArn;

/// How many context entries keep a pre-parsed typed value; later ones are parsed when compared.
const TYPED_ENTRIES: usize = 8;

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
    pairs: Pairs<'a>,
    typed: [Option<Typed>; TYPED_ENTRIES],
    now: Instant,
}

impl<'a> AuthRequest<'a> {
    /// A request for `action` (`<ram-code>:<name>`, no wildcards) on the resource `arn` (M4),
    /// with an empty context, at the current time.
    ///
    /// # Errors
    ///
    /// The same [`RequestError`] as [`Request::new`](crate::decision::Request::new): an invalid
    /// action first, then an invalid ARN.
    pub fn new(action: &'a str, arn: &'a str) -> Result<AuthRequest<'a>, RequestError> {
        let service_len = validate_action(action)?;
        let account = validate_arn(arn)?;
        Ok(AuthRequest {
            action,
            service_len,
            resource: arn,
            account,
            pairs: Pairs::Borrowed(&[]),
            typed: [None; TYPED_ENTRIES],
            now: Instant::now(),
        })
    }

    /// The same request with these context entries (`(key, value)`; a key may repeat).
    ///
    /// # Errors
    ///
    /// As [`Context::insert`](crate::decision::Context::insert), for the first bad entry: an
    /// empty key, or a value of a fixed-type global key that does not parse as that type (C7).
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
    pub fn with_owned_context(
        self,
        pairs: &'a [(String, String)],
    ) -> Result<AuthRequest<'a>, RequestError> {
        self.with_pairs(Pairs::Owned(pairs))
    }

    fn with_pairs(mut self, pairs: Pairs<'a>) -> Result<AuthRequest<'a>, RequestError> {
        self.typed = [None; TYPED_ENTRIES];
        for index in 0..pairs.len() {
            let Some((key, value)) = pairs.get(index) else {
                continue;
            };
            if key.is_empty() {
                return Err(RequestError::EmptyContextKey);
            }
            let Some(family) = fixed_type_of(key) else {
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
    pub fn at(mut self, now: Instant) -> AuthRequest<'a> {
        self.now = now;
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

    /// The time `acs:CurrentTime` defaults to.
    pub fn now(&self) -> Instant {
        self.now
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

/// The reference's action rules; the byte length of the service on success.
fn validate_action(action: &str) -> Result<usize, RequestError> {
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

/// The checks of [`ResourceArn::parse`], without copying; the account field on success.
fn validate_arn(text: &str) -> Result<&str, RequestError> {
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
