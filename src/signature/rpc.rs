//! The RPC signature (`SignatureVersion=1.0`, HMAC-SHA1), which the SDKs send when set to
//! `signature_algorithm='v2'`: every parameter but `Signature`, from the query and a form body,
//! percent-encoded and sorted; the string to sign `METHOD&%2F&` + the percent-encoded result;
//! HMAC-SHA1 under `secret&`, in base64.
//!
//! The client side ([`Signer::sign_rpc_form`]) does what `alibabacloud_tea_openapi`'s
//! `do_rpcrequest` and `get_rpcsignature` do.

use std::time::{Duration, SystemTime};

use subtle::ConstantTimeEq;

use super::acs3::MAX_NONCE_LEN;
use super::crypto::hmac_sha1;
use super::encoding::{
    base64, canonical_pairs, encode_pairs, format_timestamp, parse_pairs, parse_timestamp,
    percent_encode_into,
};
use super::{
    check_time, check_token, form_body, no_repeated_parameter, visible_parameters, AccessKeys,
    Algorithm, SignatureError, SignedRequest, Signer, Verified,
};

fn incomplete(why: impl Into<String>) -> SignatureError {
    SignatureError::Incomplete(why.into())
}

/// The only value of parameter `name`; two values are refused, since the client and the server
/// could each read a different one.
fn single<'a>(
    parameters: &'a [(String, String)],
    name: &str,
) -> Result<Option<&'a str>, SignatureError> {
    let mut found = None;
    for (n, v) in parameters {
        if n == name && found.replace(v.as_str()).is_some() {
            return Err(incomplete(format!(
                "the parameter `{name}` is given twice; give it once"
            )));
        }
    }
    Ok(found)
}

fn required<'a>(parameters: &'a [(String, String)], name: &str) -> Result<&'a str, SignatureError> {
    single(parameters, name)?
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            incomplete(format!(
                "the parameter `{name}` is missing; the RPC signature needs it"
            ))
        })
}

/// `METHOD&%2F&` + the percent-encoded canonical query of every parameter but `Signature`.
/// With `redact_token`, the value of `SecurityToken` is written as `<redacted>`: that form is
/// for error messages, which must never hold a token.
fn string_to_sign(method: &str, parameters: &[(String, String)], redact_token: bool) -> String {
    let canonical = canonical_pairs(parameters.iter().filter(|(n, _)| n != "Signature").map(
        |(n, v)| {
            let value = if redact_token && n == "SecurityToken" {
                "<redacted>"
            } else {
                v.as_str()
            };
            (n.as_str(), value)
        },
    ));
    let mut out = String::with_capacity(method.len() + 5 + canonical.len() * 3 / 2);
    out.push_str(method);
    out.push_str("&%2F&");
    percent_encode_into(&canonical, &mut out);
    out
}

fn signature_of(secret: &[u8], string_to_sign: &str) -> String {
    let mut key = Vec::with_capacity(secret.len() + 1);
    key.extend_from_slice(secret);
    key.push(b'&');
    base64(&hmac_sha1(&key, string_to_sign.as_bytes()))
}

pub(super) fn verify<K: AccessKeys + ?Sized>(
    request: &SignedRequest<'_>,
    keys: &K,
    now: SystemTime,
    max_skew: Duration,
) -> Result<Verified, SignatureError> {
    let mut parameters = Vec::new();
    parse_pairs(request.query, "the query", &mut parameters)?;
    form_body(request, &mut parameters)?;
    let signature = single(&parameters, "Signature")?.ok_or_else(|| {
        incomplete(
            "the request is not signed: expected an `Authorization: ACS3-HMAC-SHA256 ...` \
             header or a `Signature` parameter; sign it with an Alibaba Cloud SDK",
        )
    })?;
    let method = required(&parameters, "SignatureMethod")?;
    if method != "HMAC-SHA1" {
        return Err(incomplete(format!(
            "the parameter `SignatureMethod` is `{}`, expected `HMAC-SHA1`",
            method.chars().take(40).collect::<String>()
        )));
    }
    let version = required(&parameters, "SignatureVersion")?;
    if version != "1.0" {
        return Err(incomplete(format!(
            "the parameter `SignatureVersion` is `{}`, expected `1.0`",
            version.chars().take(40).collect::<String>()
        )));
    }
    let access_key_id = required(&parameters, "AccessKeyId")?;
    let nonce = required(&parameters, "SignatureNonce")?;
    if nonce.len() > MAX_NONCE_LEN {
        return Err(incomplete(format!(
            "the parameter `SignatureNonce` is {} bytes long, expected at most {MAX_NONCE_LEN}",
            nonce.len()
        )));
    }
    let timestamp = parse_timestamp(
        required(&parameters, "Timestamp")?,
        "the parameter `Timestamp`",
    )?;
    let token = single(&parameters, "SecurityToken")?;
    no_repeated_parameter(&parameters)?;

    let key = keys
        .access_key(access_key_id)
        .ok_or_else(|| SignatureError::UnknownAccessKey(access_key_id.to_owned()))?;
    check_time(timestamp, now, max_skew)?;

    let expected = signature_of(
        key.secret,
        &string_to_sign(request.method, &parameters, false),
    );
    if !bool::from(expected.as_bytes().ct_eq(signature.as_bytes())) {
        return Err(SignatureError::Mismatch {
            string_to_sign: string_to_sign(request.method, &parameters, true),
        });
    }
    check_token(key.security_token, token)?;

    let access_key_id = access_key_id.to_owned();
    let nonce = nonce.to_owned();
    Ok(Verified {
        access_key_id,
        algorithm: Algorithm::RpcHmacSha1,
        nonce,
        timestamp,
        parameters: visible_parameters(parameters),
    })
}

impl Signer<'_> {
    /// Signs an RPC request (the SDK's `signature_algorithm='v2'`) as its `do_rpcrequest` does
    /// and returns the whole query string, `Signature` included. `params` are the API's: give
    /// `Action` and `Version` with the others; the signer adds `Format=json`, `Timestamp` (from
    /// `date`), `SignatureNonce` (`nonce`), `SignatureMethod`, `SignatureVersion`,
    /// `AccessKeyId` and, for an STS credential, `SecurityToken`.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// let signer = ramcheck::signature::Signer {
    ///     access_key_id: "AK1", secret: "s3cret", security_token: None };
    /// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    /// let query = signer.sign_rpc("POST", &[("Action", "DescribeRegions")], "n-1", now);
    /// assert!(query.starts_with("Action=DescribeRegions&"));
    /// ```
    #[must_use]
    pub fn sign_rpc(
        &self,
        method: &str,
        params: &[(&str, &str)],
        nonce: &str,
        date: SystemTime,
    ) -> String {
        self.sign_rpc_form(method, params, &[], nonce, date).0
    }

    /// Signs an RPC request whose API parameters travel in an
    /// `application/x-www-form-urlencoded` body, as the SDK's `do_rpcrequest` sends a request
    /// with a body: the signature parameters stay in the query, `form` goes to the body, and the
    /// signature covers both. Returns `(query, body)`; send the body with that content type.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use ramcheck::signature::{verify, AccessKey, AccessKeys, Signer, SignedRequest};
    ///
    /// struct One;
    /// impl AccessKeys for One {
    ///     fn access_key(&self, _: &str) -> Option<AccessKey<'_>> {
    ///         Some(AccessKey { secret: b"s3cret", security_token: None })
    ///     }
    /// }
    /// let signer = Signer { access_key_id: "AK1", secret: "s3cret", security_token: None };
    /// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    /// let (query, body) = signer.sign_rpc_form("POST",
    ///     &[("Action", "CancelImagePipelineExecution"), ("Version", "2014-05-26")],
    ///     &[("ExecutionId", "exec 1")], "n-1", now);
    /// assert_eq!(body, "ExecutionId=exec%201");
    /// let headers = [("content-type", "application/x-www-form-urlencoded")];
    /// let request = SignedRequest::new("POST", "/", &query, &headers, body.as_bytes());
    /// let verified = verify(&request, &One, now, Duration::from_secs(900)).unwrap();
    /// assert_eq!(verified.parameter("ExecutionId"), Some("exec 1"));
    /// ```
    #[must_use]
    pub fn sign_rpc_form(
        &self,
        method: &str,
        query: &[(&str, &str)],
        form: &[(&str, &str)],
        nonce: &str,
        date: SystemTime,
    ) -> (String, String) {
        let mut sent: Vec<(String, String)> = query
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        sent.push(("Format".to_owned(), "json".to_owned()));
        sent.push(("Timestamp".to_owned(), format_timestamp(date)));
        sent.push(("SignatureNonce".to_owned(), nonce.to_owned()));
        if let Some(token) = self.security_token.filter(|t| !t.is_empty()) {
            sent.push(("SecurityToken".to_owned(), token.to_owned()));
        }
        sent.push(("SignatureMethod".to_owned(), "HMAC-SHA1".to_owned()));
        sent.push(("SignatureVersion".to_owned(), "1.0".to_owned()));
        sent.push(("AccessKeyId".to_owned(), self.access_key_id.to_owned()));
        let form: Vec<(String, String)> = form
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        let mut all = sent.clone();
        all.extend(form.iter().cloned());
        let signature = signature_of(self.secret.as_bytes(), &string_to_sign(method, &all, false));
        sent.push(("Signature".to_owned(), signature));
        (encode_pairs(&sent), encode_pairs(&form))
    }
}
