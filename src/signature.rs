//! Alibaba Cloud request signatures, verified as the cloud verifies them: ACS3-HMAC-SHA256
//! (the official SDKs' default) and the RPC signature (HMAC-SHA1, `SignatureVersion=1.0`).
//!
//! [`verify`] takes a request as it arrived (method, path, raw query, headers, body) and the
//! gateway's [`AccessKeys`], and returns who signed it and the decoded parameters, or the
//! [`SignatureError`] whose [`code`](SignatureError::code) and
//! [`status`](SignatureError::status) the API answers. Replay (`x-acs-signature-nonce`,
//! `SignatureNonce`) is the caller's to check against its nonce store, after the signature
//! holds: an unsigned request must not use up a nonce.
//!
//! [`Signer::sign_acs3`], [`Signer::sign_rpc`] and [`Signer::sign_rpc_form`] sign as the SDKs
//! do, for clients and load generators.
//!
//! # Rules where Alibaba Cloud's documentation is silent
//!
//! - ACS3: the canonical headers follow `SignedHeaders` in the order the client lists them (the
//!   SDKs sort them); a header sent twice is its trimmed values sorted and joined by `,`, as the
//!   SDK joins them. `host`, every `x-acs-*` header sent and `content-type` must be signed, and
//!   `x-acs-date`, `x-acs-signature-nonce` and `x-acs-content-sha256` sent; the last must be the
//!   SHA-256 of the body as received, and `x-acs-accesskey-id`, when sent, the `Credential`.
//! - RPC: the parameters are the query's and, with `content-type:
//!   application/x-www-form-urlencoded`, the body's; a body of another type is not signed and
//!   carries no parameter. A signature parameter (`Signature`, `AccessKeyId`, ...) given twice
//!   is refused.
//! - Decoding: `+` is a space in the query and a form body (the SDKs write them with Python's
//!   `urlencode`); a bad `%` escape, or text that is not UTF-8, is 400 `InvalidParameter`.
//! - Bounds: at most 256 parameters, 64 signed headers and a nonce of 256 bytes, else
//!   `IncompleteSignature`.
//! - Secrets: no error, message or `Debug` output holds a secret or a security token; the RPC
//!   string to sign in a `SignatureDoesNotMatch` message shows `SecurityToken` as `<redacted>`.

use std::fmt;
use std::time::{Duration, SystemTime};

use subtle::ConstantTimeEq;

mod acs3;
mod crypto;
mod encoding;

pub(crate) use encoding::base64;
#[cfg(feature = "serve")]
pub(crate) use encoding::decode_component;
mod rpc;
#[cfg(test)]
mod tests;

/// The clock skew Alibaba Cloud allows between a request's time stamp and its own clock: 15
/// minutes either way.
///
/// ```
/// assert_eq!(ramcheck::signature::DEFAULT_MAX_CLOCK_SKEW.as_secs(), 900);
/// ```
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(900);

/// A request as the server received it, before anything is decoded. Its `Debug` leaves out
/// the query, the body and the security token.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct SignedRequest<'a> {
    /// The HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// The path as sent, percent-encoded, without the query (`/`).
    pub path: &'a str,
    /// The raw query string without `?` (empty when there is none).
    pub query: &'a str,
    /// The headers as received; names in any case, a name may repeat.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body.
    pub body: &'a [u8],
}

/// The secret of an access key, and the security token an STS credential's requests carry.
/// Its `Debug` shows neither.
///
/// ```
/// let key = ramcheck::signature::AccessKey { secret: b"s3cret", security_token: Some("T0KEN") };
/// let shown = format!("{key:?}");
/// assert!(!shown.contains("s3cret") && !shown.contains("T0KEN"));
/// ```
#[derive(Clone, Copy)]
pub struct AccessKey<'a> {
    /// The AccessKey secret.
    pub secret: &'a [u8],
    /// For an STS credential, the token every request must carry.
    pub security_token: Option<&'a str>,
}

/// The gateway's access keys, by id.
pub trait AccessKeys {
    /// The key with this id, if the gateway knows it.
    fn access_key(&self, access_key_id: &str) -> Option<AccessKey<'_>>;
}

/// The signature scheme of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Algorithm {
    /// `Authorization: ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=...`.
    Acs3HmacSha256,
    /// The RPC signature: `Signature` over the sorted parameters, HMAC-SHA1.
    RpcHmacSha1,
}

/// A request whose signature holds: who signed it, and what it says. `parameters` leave out
/// `Signature` and `SecurityToken`, so that neither a log of them nor `Debug` shows a token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// The access key that signed it.
    pub access_key_id: String,
    /// How it was signed.
    pub algorithm: Algorithm,
    /// `x-acs-signature-nonce` or `SignatureNonce`: the caller checks it was not used before.
    pub nonce: String,
    /// `x-acs-date` or `Timestamp`.
    pub timestamp: SystemTime,
    /// The decoded query parameters, then those of a form body, in order.
    pub parameters: Vec<(String, String)>,
}

/// Why a request is refused before any decision: each has the code and status Alibaba Cloud
/// answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// A part of the signature is missing or malformed (400 `IncompleteSignature`).
    #[error("the request signature is incomplete: {0}")]
    Incomplete(String),
    /// The signature is not the one the secret gives (400 `SignatureDoesNotMatch`); carries
    /// the server's string to sign, which holds no secret.
    #[error("the signature does not match; the server's string to sign is `{string_to_sign}`")]
    Mismatch {
        /// What the server signed.
        string_to_sign: String,
    },
    /// The date is outside the allowed clock skew (400 `InvalidTimeStamp.Expired`).
    #[error("the request's time stamp is more than {max_skew:?} from the server's clock")]
    Expired {
        /// The allowed skew.
        max_skew: Duration,
    },
    /// The access key id is unknown (404 `InvalidAccessKeyId.NotFound`).
    #[error("the access key `{0}` is not known")]
    UnknownAccessKey(String),
    /// The security token is missing, or not the credential's (400
    /// `InvalidSecurityToken.MismatchWithAccessKey`).
    #[error("the security token does not belong to the access key")]
    TokenMismatch,
    /// The query or a form body cannot be decoded: a bad `%` escape or text that is not UTF-8
    /// (400 `InvalidParameter`).
    #[error("the request cannot be decoded: {0}")]
    InvalidParameter(String),
}

impl fmt::Debug for SignedRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| *n).collect();
        f.debug_struct("SignedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query_len", &self.query.len())
            .field("header_names", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl fmt::Debug for AccessKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("secret", &"<redacted>")
            .field("security_token", &self.security_token.map(|_| "<redacted>"))
            .finish()
    }
}

impl SignatureError {
    /// Alibaba Cloud's error code for it, e.g. `SignatureDoesNotMatch`.
    ///
    /// ```
    /// use ramcheck::signature::SignatureError;
    /// let code = SignatureError::TokenMismatch.code();
    /// assert_eq!(code, "InvalidSecurityToken.MismatchWithAccessKey");
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Incomplete(_) => "IncompleteSignature",
            SignatureError::Mismatch { .. } => "SignatureDoesNotMatch",
            SignatureError::Expired { .. } => "InvalidTimeStamp.Expired",
            SignatureError::UnknownAccessKey(_) => "InvalidAccessKeyId.NotFound",
            SignatureError::TokenMismatch => "InvalidSecurityToken.MismatchWithAccessKey",
            SignatureError::InvalidParameter(_) => "InvalidParameter",
        }
    }

    /// The HTTP status Alibaba Cloud answers it with: 404 for an unknown key, 400 otherwise.
    ///
    /// ```
    /// use ramcheck::signature::SignatureError;
    /// assert_eq!(SignatureError::UnknownAccessKey("LTAI...".into()).status(), 404);
    /// ```
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            SignatureError::UnknownAccessKey(_) => 404,
            _ => 400,
        }
    }

    /// The `Message` of the error body, in Alibaba Cloud's words (which the SDKs show), followed
    /// by what exactly is wrong where that helps the caller fix it. Never holds a secret or a
    /// token.
    ///
    /// ```
    /// use ramcheck::signature::SignatureError;
    /// let e = SignatureError::Mismatch { string_to_sign: "POST&%2F&A%3D1".into() };
    /// assert_eq!(
    ///     e.message(),
    ///     "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&A%3D1"
    /// );
    /// ```
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            SignatureError::Incomplete(why) => format!(
                "The request signature does not conform to Aliyun standards. {why}"
            ),
            SignatureError::Mismatch { string_to_sign } => format!(
                "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
            ),
            SignatureError::Expired { .. } => {
                "Specified time stamp or date value is expired.".to_owned()
            }
            SignatureError::UnknownAccessKey(_) => "Specified access key is not found.".to_owned(),
            SignatureError::TokenMismatch => {
                "Specified SecurityToken mismatch with the AccessKey.".to_owned()
            }
            SignatureError::InvalidParameter(why) => {
                format!("The specified parameter is not valid. {why}")
            }
        }
    }
}

impl Verified {
    /// The first value of the parameter `name` (exact case), from the query or a form body.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use ramcheck::signature::{verify, AccessKey, AccessKeys, Signer, SignedRequest};
    ///
    /// struct One;
    /// impl AccessKeys for One {
    ///     fn access_key(&self, id: &str) -> Option<AccessKey<'_>> {
    ///         (id == "AK1").then_some(AccessKey { secret: b"s3cret", security_token: None })
    ///     }
    /// }
    /// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    /// let signer = Signer { access_key_id: "AK1", secret: "s3cret", security_token: None };
    /// let query = signer.sign_rpc("GET", &[("Action", "CancelImagePipelineExecution"),
    ///     ("Version", "2014-05-26"), ("ExecutionId", "exec-1")], "n-1", now);
    /// let request = SignedRequest::new("GET", "/", &query, &[], b"");
    /// let verified = verify(&request, &One, now, Duration::from_secs(900)).unwrap();
    /// assert_eq!(verified.parameter("ExecutionId"), Some("exec-1"));
    /// assert_eq!(verified.parameter("executionid"), None);
    /// ```
    #[must_use]
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<'a> SignedRequest<'a> {
    /// A request from its parts as received (the struct is `non_exhaustive`, so other crates
    /// build it here).
    ///
    /// ```
    /// let headers = [("Host", "ecs.aliyuncs.com")];
    /// let r = ramcheck::signature::SignedRequest::new("POST", "/", "A=1", &headers, b"");
    /// assert_eq!(r.query, "A=1");
    /// ```
    #[must_use]
    pub fn new(
        method: &'a str,
        path: &'a str,
        query: &'a str,
        headers: &'a [(&'a str, &'a str)],
        body: &'a [u8],
    ) -> SignedRequest<'a> {
        SignedRequest {
            method,
            path,
            query,
            headers,
            body,
        }
    }
}

/// The first value of the header `name`, whatever the case of either.
///
/// ```
/// let headers = [("X-Acs-Action", "CancelImagePipelineExecution")];
/// assert_eq!(
///     ramcheck::signature::header(&headers, "x-acs-action"),
///     Some("CancelImagePipelineExecution")
/// );
/// assert_eq!(ramcheck::signature::header(&headers, "x-acs-version"), None);
/// ```
#[must_use]
pub fn header<'a>(headers: &'a [(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// Verifies the signature of `request` as Alibaba Cloud does, with the keys of `keys`, the
/// clock `now` and the allowed skew `max_skew` (usually [`DEFAULT_MAX_CLOCK_SKEW`]).
///
/// The scheme is chosen by the request: an `Authorization` header starting `ACS3-` is
/// ACS3-HMAC-SHA256, a `Signature` parameter is the RPC signature, and neither is
/// [`SignatureError::Incomplete`]. The checks run in Alibaba Cloud's order: parse, key lookup,
/// time, signature, security token; the first failure is returned. The nonce is not checked
/// here (see the module documentation).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use ramcheck::signature::{verify, AccessKey, AccessKeys, Algorithm, Signer, SignedRequest,
///     DEFAULT_MAX_CLOCK_SKEW};
///
/// struct One;
/// impl AccessKeys for One {
///     fn access_key(&self, id: &str) -> Option<AccessKey<'_>> {
///         (id == "AK1").then_some(AccessKey { secret: b"s3cret", security_token: None })
///     }
/// }
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
/// let signer = Signer { access_key_id: "AK1", secret: "s3cret", security_token: None };
/// let signed = signer.sign_acs3("POST", "ecs.aliyuncs.com", "/",
///     &[("ExecutionId", "exec-1"), ("RegionId", "cn-hangzhou")], b"",
///     "CancelImagePipelineExecution", "2014-05-26", "nonce-1", now);
/// let headers = signed.header_pairs();
/// let request = SignedRequest::new("POST", "/", &signed.query, &headers, b"");
///
/// let verified = verify(&request, &One, now, DEFAULT_MAX_CLOCK_SKEW).unwrap();
/// assert_eq!(verified.access_key_id, "AK1");
/// assert_eq!(verified.algorithm, Algorithm::Acs3HmacSha256);
/// assert_eq!(verified.nonce, "nonce-1");
///
/// // The same request with another secret on the server's side does not verify.
/// struct Other;
/// impl AccessKeys for Other {
///     fn access_key(&self, _: &str) -> Option<AccessKey<'_>> {
///         Some(AccessKey { secret: b"other", security_token: None })
///     }
/// }
/// let e = verify(&request, &Other, now, DEFAULT_MAX_CLOCK_SKEW).unwrap_err();
/// assert_eq!(e.code(), "SignatureDoesNotMatch");
/// ```
pub fn verify<K: AccessKeys + ?Sized>(
    request: &SignedRequest<'_>,
    keys: &K,
    now: SystemTime,
    max_skew: Duration,
) -> Result<Verified, SignatureError> {
    let mut authorizations = request
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"));
    let authorization = authorizations.next().map(|(_, v)| *v);
    if authorizations.next().is_some() {
        return Err(SignatureError::Incomplete(
            "the request has two `Authorization` headers; send one".to_owned(),
        ));
    }
    match authorization {
        Some(value) if value.trim_start().starts_with("ACS3-") => {
            acs3::verify(request, value, keys, now, max_skew)
        }
        _ => rpc::verify(request, keys, now, max_skew),
    }
}

/// Adds the parameters of an `application/x-www-form-urlencoded` body to `parameters`; other
/// bodies carry none.
fn form_body(
    request: &SignedRequest<'_>,
    parameters: &mut Vec<(String, String)>,
) -> Result<(), SignatureError> {
    let Some(content_type) = header(request.headers, "content-type") else {
        return Ok(());
    };
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Ok(());
    }
    let body = std::str::from_utf8(request.body).map_err(|_| {
        SignatureError::InvalidParameter(
            "the form body is not UTF-8; encode the text as UTF-8 before escaping".to_owned(),
        )
    })?;
    encoding::parse_pairs(body, "the form body", parameters)
}

/// Refuses a parameter given twice, in the query or the form body or both: the signature
/// covers both values in sorted order, but a reader takes one, so the order of the request
/// would pick the `ExecutionId` decided on. The SDKs never repeat a name (lists are `Name.1`,
/// `Name.2`).
fn no_repeated_parameter(parameters: &[(String, String)]) -> Result<(), SignatureError> {
    let mut names: Vec<&str> = parameters.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    match names.windows(2).find(|pair| pair.first() == pair.get(1)) {
        Some(pair) => Err(SignatureError::InvalidParameter(format!(
            "the parameter `{}` is given twice (in the query, the form body or both); give \
             each parameter once",
            pair.first().copied().unwrap_or_default()
        ))),
        None => Ok(()),
    }
}

/// Refuses a time stamp more than `max_skew` from `now`, either way.
fn check_time(
    timestamp: SystemTime,
    now: SystemTime,
    max_skew: Duration,
) -> Result<(), SignatureError> {
    let skew = match timestamp.duration_since(now) {
        Ok(ahead) => ahead,
        Err(behind) => behind.duration(),
    };
    if skew > max_skew {
        return Err(SignatureError::Expired { max_skew });
    }
    Ok(())
}

/// An STS key's requests carry its token, compared in constant time; a plain key's carry none.
fn check_token(expected: Option<&str>, sent: Option<&str>) -> Result<(), SignatureError> {
    match (expected, sent) {
        (None, None) => Ok(()),
        (Some(expected), Some(sent)) if bool::from(expected.as_bytes().ct_eq(sent.as_bytes())) => {
            Ok(())
        }
        _ => Err(SignatureError::TokenMismatch),
    }
}

/// The parameters a caller may see: all but `Signature` and `SecurityToken`.
fn visible_parameters(mut parameters: Vec<(String, String)>) -> Vec<(String, String)> {
    parameters.retain(|(n, _)| n != "Signature" && n != "SecurityToken");
    parameters
}

/// Signs requests as the official SDKs do (`alibabacloud_tea_openapi`), for clients, tests and
/// load generators. Its `Debug` shows the access key id only.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// let signer = ramcheck::signature::Signer {
///     access_key_id: "AK1",
///     secret: "s3cret",
///     security_token: None,
/// };
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
/// let query = signer.sign_rpc("POST", &[("Action", "DescribeRegions")], "n-1", now);
/// assert!(query.contains("&Signature="));
/// assert!(!format!("{signer:?}").contains("s3cret"));
/// ```
#[derive(Clone, Copy)]
pub struct Signer<'a> {
    /// The AccessKey id.
    pub access_key_id: &'a str,
    /// The AccessKey secret.
    pub secret: &'a str,
    /// The STS security token, for an STS credential.
    pub security_token: Option<&'a str>,
}

impl fmt::Debug for Signer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("access_key_id", &self.access_key_id)
            .field("secret", &"<redacted>")
            .field("security_token", &self.security_token.map(|_| "<redacted>"))
            .finish()
    }
}

/// What [`Signer::sign_acs3`] gives: the query string to send and the headers to add.
///
/// ```
/// let parts = ramcheck::signature::SignedParts {
///     query: "A=1".to_owned(),
///     headers: vec![("host".to_owned(), "ecs.aliyuncs.com".to_owned())],
/// };
/// assert_eq!(parts.header_pairs(), [("host", "ecs.aliyuncs.com")]);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SignedParts {
    /// The query string, without `?`, encoded as the SDK encodes it.
    pub query: String,
    /// The headers to send, `Authorization` included, names in lower case but `Authorization`.
    pub headers: Vec<(String, String)>,
}

impl SignedParts {
    /// The headers as borrowed pairs, the shape [`SignedRequest`] takes.
    ///
    /// ```
    /// let parts = ramcheck::signature::SignedParts { query: String::new(), headers: vec![] };
    /// assert!(parts.header_pairs().is_empty());
    /// ```
    #[must_use]
    pub fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }
}

impl fmt::Debug for SignedParts {
    // The headers hold the security token; the Authorization header is no secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                if n.eq_ignore_ascii_case("x-acs-security-token") {
                    (n.as_str(), "<redacted>")
                } else {
                    (n.as_str(), v.as_str())
                }
            })
            .collect();
        f.debug_struct("SignedParts")
            .field("query", &"<query>")
            .field("headers", &headers)
            .finish()
    }
}
