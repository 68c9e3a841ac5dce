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
//! [`sign_acs3`] and [`sign_rpc`] sign as the SDKs do, for clients and load generators.

use std::time::{Duration, SystemTime};

/// A request as the server received it, before anything is decoded.
#[derive(Debug, Clone, Copy)]
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
#[derive(Debug, Clone, Copy)]
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

/// A request whose signature holds: who signed it, and what it says.
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
}
