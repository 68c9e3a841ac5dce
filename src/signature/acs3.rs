//! ACS3-HMAC-SHA256, the official SDKs' default: the canonical request (method, canonical URI,
//! canonical query, signed headers, body hash) hashed with SHA-256, and that string to sign
//! signed with HMAC-SHA256 under the secret.
//!
//! The server side follows Alibaba Cloud's V3 signature rules; the client side
//! ([`Signer::sign_acs3`]) does what `alibabacloud_tea_openapi`'s `do_request` and
//! `get_authorization` do.

use std::time::SystemTime;

use subtle::ConstantTimeEq;

use super::crypto::{hmac_sha256, sha256};
use super::encoding::{
    canonical_pairs, decode_path, encode_pairs, encode_path, format_timestamp, hex_lower,
    parse_pairs, parse_timestamp,
};
use super::{
    check_time, check_token, form_body, header, no_repeated_parameter, visible_parameters,
    AccessKeys, Algorithm, SignatureError, SignedParts, SignedRequest, Signer, Verified,
};

/// The algorithm name, first word of the `Authorization` header and of the string to sign.
pub(super) const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Most headers a request may sign: bounds the work of building the canonical headers.
pub(super) const MAX_SIGNED_HEADERS: usize = 64;

/// Longest nonce accepted: the nonce store keeps every one for the skew window.
pub(super) const MAX_NONCE_LEN: usize = 256;

fn incomplete(why: impl Into<String>) -> SignatureError {
    SignatureError::Incomplete(why.into())
}

/// The parts of an `Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`.
struct Authorization<'a> {
    credential: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, SignatureError> {
    let value = value.trim();
    let (algorithm, rest) = value.split_once(' ').unwrap_or((value, ""));
    if algorithm != ALGORITHM {
        return Err(incomplete(format!(
            "the `Authorization` algorithm is `{}`, expected `{ALGORITHM}`; sign with \
             ACS3-HMAC-SHA256 (the SDKs' default)",
            algorithm.chars().take(40).collect::<String>()
        )));
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        let (name, field) = part.split_once('=').unwrap_or((part, ""));
        let slot = match name {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => {
                return Err(incomplete(format!(
                    "the `Authorization` header has `{}`, expected only `Credential`, \
                     `SignedHeaders` and `Signature`",
                    name.chars().take(40).collect::<String>()
                )))
            }
        };
        if slot.replace(field).is_some() {
            return Err(incomplete(format!(
                "the `Authorization` header gives `{name}` twice"
            )));
        }
    }
    let missing = |name: &str| {
        incomplete(format!(
            "the `Authorization` header has no `{name}`; add `{name}=...`"
        ))
    };
    let credential = credential
        .filter(|c| !c.is_empty())
        .ok_or_else(|| missing("Credential"))?;
    let signature = signature
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("Signature"))?;
    let signed_headers = signed_headers
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("SignedHeaders"))?;
    let mut names: Vec<&str> = Vec::new();
    for name in signed_headers.split(';') {
        if names.len() >= MAX_SIGNED_HEADERS {
            return Err(incomplete(format!(
                "`SignedHeaders` lists more than {MAX_SIGNED_HEADERS} headers; sign at most \
                 {MAX_SIGNED_HEADERS}"
            )));
        }
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_uppercase() || b <= b' ') {
            return Err(incomplete(format!(
                "`SignedHeaders` has `{}`, expected lower-case header names separated by `;`",
                name.chars().take(64).collect::<String>()
            )));
        }
        if names.contains(&name) {
            return Err(incomplete(format!("`SignedHeaders` lists `{name}` twice")));
        }
        names.push(name);
    }
    Ok(Authorization {
        credential,
        signed_headers: names,
        signature,
    })
}

/// The string to sign, `ACS3-HMAC-SHA256\n` + hex(SHA-256(canonical request)), from the
/// canonical parts. `headers` are the signed headers in the order of `SignedHeaders`, each with
/// its canonical value.
fn string_to_sign(
    method: &str,
    canonical_uri: &str,
    canonical_query: &str,
    headers: &[(&str, String)],
    payload_hash: &str,
) -> String {
    let mut request = String::with_capacity(256);
    request.push_str(method);
    request.push('\n');
    request.push_str(canonical_uri);
    request.push('\n');
    request.push_str(canonical_query);
    request.push('\n');
    for (name, value) in headers {
        request.push_str(name);
        request.push(':');
        request.push_str(value);
        request.push('\n');
    }
    request.push('\n');
    for (i, (name, _)) in headers.iter().enumerate() {
        if i > 0 {
            request.push(';');
        }
        request.push_str(name);
    }
    request.push('\n');
    request.push_str(payload_hash);
    format!("{ALGORITHM}\n{}", hex_lower(&sha256(request.as_bytes())))
}

/// The canonical value of header `name` in the request: every value trimmed, sorted, joined by
/// `,` (as the SDK joins a repeated header); `None` when the request lacks it.
fn canonical_header_value(request: &SignedRequest<'_>, name: &str) -> Option<String> {
    let mut values: Vec<&str> = request
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim_matches([' ', '\t']))
        .collect();
    match values.len() {
        0 => None,
        1 => values.first().map(|v| (*v).to_owned()),
        _ => {
            values.sort_unstable();
            Some(values.join(","))
        }
    }
}

pub(super) fn verify<K: AccessKeys + ?Sized>(
    request: &SignedRequest<'_>,
    authorization: &str,
    keys: &K,
    now: SystemTime,
    max_skew: std::time::Duration,
) -> Result<Verified, SignatureError> {
    // Parse: everything the signature covers, and what Alibaba Cloud requires be covered.
    let auth = parse_authorization(authorization)?;
    if !auth.signed_headers.contains(&"host") {
        return Err(incomplete(
            "the header `host` is not signed; list it in `SignedHeaders`",
        ));
    }
    for (name, _) in request.headers {
        let lower = name.to_ascii_lowercase();
        let must_sign = lower.starts_with("x-acs-") || lower == "content-type";
        if must_sign && !auth.signed_headers.contains(&lower.as_str()) {
            return Err(incomplete(format!(
                "the header `{lower}` is not signed; list it in `SignedHeaders`"
            )));
        }
        // Its values are signed sorted and joined, but read one at a time (the action, the
        // date, the body hash, the token): two would let the order pick what is read.
        let read_later = must_sign || lower == "host";
        if read_later
            && request
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .nth(1)
                .is_some()
        {
            return Err(incomplete(format!(
                "the header `{lower}` is sent twice; send it once"
            )));
        }
    }
    let mut headers: Vec<(&str, String)> = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        let value = canonical_header_value(request, name).ok_or_else(|| {
            incomplete(format!(
                "the signed header `{name}` is not in the request; send it, or a gateway in \
                 front must pass it on"
            ))
        })?;
        headers.push((name, value));
    }
    let date_text = header(request.headers, "x-acs-date")
        .ok_or_else(|| incomplete("the header `x-acs-date` is missing; send the signing time"))?;
    let timestamp = parse_timestamp(date_text.trim(), "the header `x-acs-date`")?;
    let nonce = header(request.headers, "x-acs-signature-nonce")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            incomplete("the header `x-acs-signature-nonce` is missing; send a unique nonce")
        })?;
    if nonce.len() > MAX_NONCE_LEN {
        return Err(incomplete(format!(
            "the header `x-acs-signature-nonce` is {} bytes long, expected at most {MAX_NONCE_LEN}",
            nonce.len()
        )));
    }
    let content_sha256 = header(request.headers, "x-acs-content-sha256").ok_or_else(|| {
        incomplete("the header `x-acs-content-sha256` is missing; send the body's SHA-256 in hex")
    })?;
    if let Some(id) = header(request.headers, "x-acs-accesskey-id") {
        if id.trim() != auth.credential {
            return Err(incomplete(format!(
                "the header `x-acs-accesskey-id` is `{}`, but the `Credential` is `{}`; send \
                 the same access key id in both",
                id.trim(),
                auth.credential
            )));
        }
    }
    let canonical_uri = if request.path.is_empty() {
        "/".to_owned()
    } else {
        encode_path(&decode_path(request.path)?)
    };
    let mut parameters = Vec::new();
    parse_pairs(request.query, "the query", &mut parameters)?;
    let canonical_query = canonical_pairs(parameters.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    form_body(request, &mut parameters)?;
    no_repeated_parameter(&parameters)?;

    let key = keys
        .access_key(auth.credential)
        .ok_or_else(|| SignatureError::UnknownAccessKey(auth.credential.to_owned()))?;
    check_time(timestamp, now, max_skew)?;

    let payload_hash = hex_lower(&sha256(request.body));
    let string_to_sign = string_to_sign(
        request.method,
        &canonical_uri,
        &canonical_query,
        &headers,
        &payload_hash,
    );
    let expected = hex_lower(&hmac_sha256(key.secret, string_to_sign.as_bytes()));
    let signature_ok: bool = expected.as_bytes().ct_eq(auth.signature.as_bytes()).into();
    // The declared hash must be the body's too: a body changed after signing is refused even
    // if a client signed the hash it declared rather than the body it sent.
    let body_ok = content_sha256.trim().eq_ignore_ascii_case(&payload_hash);
    if !(signature_ok && body_ok) {
        return Err(SignatureError::Mismatch { string_to_sign });
    }
    check_token(
        key.security_token,
        header(request.headers, "x-acs-security-token"),
    )?;

    Ok(Verified {
        access_key_id: auth.credential.to_owned(),
        algorithm: Algorithm::Acs3HmacSha256,
        nonce: nonce.to_owned(),
        timestamp,
        parameters: visible_parameters(parameters),
    })
}

impl Signer<'_> {
    /// Signs an ACS3-HMAC-SHA256 request as the SDK's `do_request` does, and returns the query
    /// string and the headers to send: `host`, `x-acs-action`, `x-acs-version`, `x-acs-date`
    /// (from `date`), `x-acs-signature-nonce` (`nonce`), `accept`, `x-acs-content-sha256`,
    /// `content-type: application/x-www-form-urlencoded` when `body` is not empty, for an STS
    /// credential `x-acs-accesskey-id` and `x-acs-security-token`, and `Authorization`. All
    /// but `Authorization` are signed.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// let signer = ramcheck::signature::Signer {
    ///     access_key_id: "AK1", secret: "s3cret", security_token: None };
    /// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    /// let parts = signer.sign_acs3("POST", "ecs.aliyuncs.com", "/",
    ///     &[("RegionId", "cn-hangzhou")], b"", "CancelImagePipelineExecution", "2014-05-26",
    ///     "n-1", now);
    /// assert_eq!(parts.query, "RegionId=cn-hangzhou");
    /// let headers = parts.header_pairs();
    /// let auth = ramcheck::signature::header(&headers, "authorization").unwrap();
    /// assert!(auth.starts_with("ACS3-HMAC-SHA256 Credential=AK1,SignedHeaders="));
    /// ```
    #[allow(clippy::too_many_arguments)] // the parts of a request, as the design fixes them
    #[must_use]
    pub fn sign_acs3(
        &self,
        method: &str,
        host: &str,
        path: &str,
        query: &[(&str, &str)],
        body: &[u8],
        action: &str,
        version: &str,
        nonce: &str,
        date: SystemTime,
    ) -> SignedParts {
        let payload_hash = hex_lower(&sha256(body));
        let mut headers: Vec<(String, String)> = vec![
            ("host".to_owned(), host.to_owned()),
            ("x-acs-version".to_owned(), version.to_owned()),
            ("x-acs-action".to_owned(), action.to_owned()),
            ("x-acs-date".to_owned(), format_timestamp(date)),
            ("x-acs-signature-nonce".to_owned(), nonce.to_owned()),
            ("accept".to_owned(), "application/json".to_owned()),
        ];
        if !body.is_empty() {
            headers.push((
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ));
        }
        headers.push(("x-acs-content-sha256".to_owned(), payload_hash.clone()));
        if let Some(token) = self.security_token.filter(|t| !t.is_empty()) {
            headers.push((
                "x-acs-accesskey-id".to_owned(),
                self.access_key_id.to_owned(),
            ));
            headers.push(("x-acs-security-token".to_owned(), token.to_owned()));
        }

        let wire_query = encode_pairs(query);
        let mut signed: Vec<(&str, String)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.trim().to_owned()))
            .collect();
        signed.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let canonical_uri = if path.is_empty() {
            "/".to_owned()
        } else {
            encode_path(path)
        };
        let string_to_sign = string_to_sign(
            method,
            &canonical_uri,
            &canonical_pairs(query.iter().copied()),
            &signed,
            &payload_hash,
        );
        let signature = hex_lower(&hmac_sha256(
            self.secret.as_bytes(),
            string_to_sign.as_bytes(),
        ));
        let names: Vec<&str> = signed.iter().map(|(n, _)| *n).collect();
        let authorization = format!(
            "{ALGORITHM} Credential={},SignedHeaders={},Signature={signature}",
            self.access_key_id,
            names.join(";")
        );
        headers.push(("Authorization".to_owned(), authorization));
        SignedParts {
            query: wire_query,
            headers,
        }
    }
}
