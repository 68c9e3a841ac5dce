//! Signature tests: known-answer vectors captured from the official Python SDK
//! (`tests/fixtures/signature/*.json`, made by `tests/e2e/signature_vectors.py`), each changed
//! in one thing at a time; round trips through [`Signer`]; every error through [`verify`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use proptest::prelude::*;
use serde::Deserialize;

use super::encoding::{decode_component, parse_timestamp};
use super::*;

#[derive(Deserialize)]
struct Vector {
    name: String,
    algorithm: String,
    access_key_id: String,
    secret: String,
    security_token: Option<String>,
    parameters: HashMap<String, String>,
    request: RawRequest,
}

#[derive(Deserialize, Clone)]
struct RawRequest {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl RawRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The gateway's keys for a test: id -> (secret, token).
#[derive(Default)]
struct Keys(HashMap<String, (Vec<u8>, Option<String>)>);

impl Keys {
    fn with(mut self, id: &str, secret: &str, token: Option<&str>) -> Keys {
        self.0.insert(
            id.to_owned(),
            (secret.as_bytes().to_vec(), token.map(str::to_owned)),
        );
        self
    }
}

impl AccessKeys for Keys {
    fn access_key(&self, access_key_id: &str) -> Option<AccessKey<'_>> {
        self.0.get(access_key_id).map(|(secret, token)| AccessKey {
            secret,
            security_token: token.as_deref(),
        })
    }
}

fn vectors() -> Vec<Vector> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/signature");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let vectors: Vec<Vector> = paths
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect();
    // Both schemes, plain and STS keys, and form bodies must be covered.
    for name in [
        "acs3_plain",
        "acs3_sts",
        "acs3_form",
        "rpc_plain",
        "rpc_sts",
        "rpc_form",
    ] {
        assert!(
            vectors.iter().any(|v| v.name == name),
            "vector {name} is missing"
        );
    }
    vectors
}

impl Vector {
    fn keys(&self) -> Keys {
        Keys::default().with(
            &self.access_key_id,
            &self.secret,
            self.security_token.as_deref(),
        )
    }

    /// The time the SDK signed at, which the tests take as the server's clock.
    fn signed_at(&self) -> SystemTime {
        let text = match self.request.header("x-acs-date") {
            Some(date) => date.to_owned(),
            None => {
                let raw = self
                    .request
                    .query
                    .split('&')
                    .find_map(|p| p.strip_prefix("Timestamp="));
                decode_component(raw.unwrap(), "t").unwrap()
            }
        };
        parse_timestamp(&text, "t").unwrap()
    }

    fn is_acs3(&self) -> bool {
        self.algorithm == "ACS3-HMAC-SHA256"
    }

    fn signed_headers(&self) -> Vec<String> {
        let auth = self.request.header("authorization").unwrap();
        let list = auth
            .split("SignedHeaders=")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap();
        list.split(';').map(str::to_owned).collect()
    }
}

fn check_raw(raw: &RawRequest, keys: &Keys, now: SystemTime) -> Result<Verified, SignatureError> {
    let headers: Vec<(&str, &str)> = raw
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let request = SignedRequest::new(
        &raw.method,
        &raw.path,
        &raw.query,
        &headers,
        raw.body.as_bytes(),
    );
    verify(&request, keys, now, DEFAULT_MAX_CLOCK_SKEW)
}

#[test]
fn every_sdk_vector_verifies_with_its_key() {
    for v in vectors() {
        let verified = check_raw(&v.request, &v.keys(), v.signed_at())
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(verified.access_key_id, v.access_key_id, "{}", v.name);
        let expected = if v.is_acs3() {
            Algorithm::Acs3HmacSha256
        } else {
            Algorithm::RpcHmacSha1
        };
        assert_eq!(verified.algorithm, expected, "{}", v.name);
        assert_eq!(verified.timestamp, v.signed_at());
        for (name, value) in &v.parameters {
            assert_eq!(
                verified.parameter(name),
                Some(value.as_str()),
                "{}: {name}",
                v.name
            );
        }
        let nonce = v
            .request
            .header("x-acs-signature-nonce")
            .map(str::to_owned)
            .unwrap_or_else(|| {
                let raw = v
                    .request
                    .query
                    .split('&')
                    .find_map(|p| p.strip_prefix("SignatureNonce="));
                raw.unwrap().to_owned()
            });
        assert_eq!(verified.nonce, nonce, "{}", v.name);
        assert!(verified.parameter("Signature").is_none());
        assert!(verified.parameter("SecurityToken").is_none());
    }
}

#[test]
fn the_signer_reproduces_the_sdk_rpc_signature() {
    for v in vectors().into_iter().filter(|v| !v.is_acs3()) {
        let mut query: Vec<(String, String)> = Vec::new();
        encoding::parse_pairs(&v.request.query, "q", &mut query).unwrap();
        let get = |name: &str| query.iter().find(|(n, _)| n == name).unwrap().1.clone();
        let sdk_signature = get("Signature");
        let skip = [
            "Format",
            "Timestamp",
            "SignatureNonce",
            "SecurityToken",
            "SignatureMethod",
            "SignatureVersion",
            "AccessKeyId",
            "Signature",
        ];
        let api: Vec<(&str, &str)> = query
            .iter()
            .filter(|(n, _)| !skip.contains(&n.as_str()))
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let mut form = Vec::new();
        encoding::parse_pairs(&v.request.body, "b", &mut form).unwrap();
        let form: Vec<(&str, &str)> = form.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let signer = Signer {
            access_key_id: &v.access_key_id,
            secret: &v.secret,
            security_token: v.security_token.as_deref(),
        };
        let (ours, _) = signer.sign_rpc_form(
            &v.request.method,
            &api,
            &form,
            &get("SignatureNonce"),
            v.signed_at(),
        );
        let mut ours_pairs = Vec::new();
        encoding::parse_pairs(&ours, "q", &mut ours_pairs).unwrap();
        let ours_signature = ours_pairs
            .iter()
            .find(|(n, _)| n == "Signature")
            .unwrap()
            .1
            .clone();
        assert_eq!(ours_signature, sdk_signature, "{}", v.name);
    }
}

/// One thing changed in a vector must fail it: each query value, each signed header, the body.
#[test]
fn any_one_change_to_an_sdk_vector_is_refused() {
    for v in vectors() {
        let keys = v.keys();
        let now = v.signed_at();
        // Each query value, changed in its last character (still valid encoding).
        let pairs: Vec<&str> = v.request.query.split('&').collect();
        for i in 0..pairs.len() {
            let mut changed = pairs.clone();
            let owned = format!("{}0", pairs[i]);
            changed[i] = &owned;
            let mut raw = v.request.clone();
            raw.query = changed.join("&");
            let e = check_raw(&raw, &keys, now).unwrap_err();
            let name = pairs[i].split('=').next().unwrap();
            if ![
                "Timestamp",
                "SignatureMethod",
                "SignatureVersion",
                "AccessKeyId",
            ]
            .contains(&name)
            {
                assert_eq!(e.code(), "SignatureDoesNotMatch", "{}: {name}", v.name);
            }
        }
        // A parameter added to the query.
        let mut raw = v.request.clone();
        raw.query.push_str("&Extra=1");
        assert_eq!(
            check_raw(&raw, &keys, now).unwrap_err().code(),
            "SignatureDoesNotMatch"
        );
        // The body, changed or added to. An RPC request signs only a form body: a body of
        // another type carries no parameter, so it is not covered, and it adds none.
        let mut raw = v.request.clone();
        if v.is_acs3() || !raw.body.is_empty() {
            raw.body = if raw.body.is_empty() {
                "a".to_owned()
            } else {
                raw.body.replacen("exec", "exed", 1)
            };
            let e = check_raw(&raw, &keys, now).unwrap_err();
            assert_eq!(e.code(), "SignatureDoesNotMatch", "{}", v.name);
        } else {
            raw.body = "ExecutionId=exec-2".to_owned();
            let verified = check_raw(&raw, &keys, now).unwrap();
            assert_eq!(verified.parameter("ExecutionId"), Some("exec-1"));
        }
        // Each signed header (ACS3 only: the RPC signature signs no header).
        if v.is_acs3() {
            for name in v.signed_headers() {
                let mut raw = v.request.clone();
                for (n, value) in &mut raw.headers {
                    if n.eq_ignore_ascii_case(&name) {
                        value.push('0');
                    }
                }
                let e = check_raw(&raw, &keys, now).unwrap_err();
                if name != "x-acs-date" && name != "x-acs-accesskey-id" {
                    assert_eq!(e.code(), "SignatureDoesNotMatch", "{}: {name}", v.name);
                }
                // And the header removed.
                let mut raw = v.request.clone();
                raw.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
                assert!(
                    check_raw(&raw, &keys, now).is_err(),
                    "{}: without {name}",
                    v.name
                );
            }
        }
        // Another secret.
        let other = Keys::default().with(
            &v.access_key_id,
            "another-secret",
            v.security_token.as_deref(),
        );
        assert_eq!(
            check_raw(&v.request, &other, now).unwrap_err().code(),
            "SignatureDoesNotMatch"
        );
        // Another token, no token, or a token where the key has none.
        let token_keys = match v.security_token.as_deref() {
            Some(token) => vec![
                Keys::default().with(&v.access_key_id, &v.secret, Some(&format!("{token}x"))),
                Keys::default().with(&v.access_key_id, &v.secret, None),
            ],
            None => vec![Keys::default().with(&v.access_key_id, &v.secret, Some("a-token"))],
        };
        for keys in token_keys {
            let e = check_raw(&v.request, &keys, now).unwrap_err();
            assert_eq!(e, SignatureError::TokenMismatch, "{}", v.name);
            assert_eq!(
                (e.code(), e.status()),
                ("InvalidSecurityToken.MismatchWithAccessKey", 400)
            );
        }
        // The clock past the skew either way; at the skew it still holds.
        let skew = DEFAULT_MAX_CLOCK_SKEW;
        for clock in [
            now + skew + Duration::from_secs(1),
            now - skew - Duration::from_secs(1),
        ] {
            let e = check_raw(&v.request, &keys, clock).unwrap_err();
            assert_eq!(
                (e.code(), e.status()),
                ("InvalidTimeStamp.Expired", 400),
                "{}",
                v.name
            );
        }
        assert!(check_raw(&v.request, &keys, now + skew).is_ok());
        assert!(check_raw(&v.request, &keys, now - skew).is_ok());
        // The key unknown.
        let e = check_raw(&v.request, &Keys::default(), now).unwrap_err();
        assert_eq!((e.code(), e.status()), ("InvalidAccessKeyId.NotFound", 404));
    }
}

#[test]
fn no_error_or_debug_output_shows_a_secret_or_token() {
    for v in vectors() {
        let now = v.signed_at();
        let attempts = [
            Keys::default().with(
                &v.access_key_id,
                "another-secret",
                v.security_token.as_deref(),
            ),
            Keys::default().with(&v.access_key_id, &v.secret, Some("a-token")),
            Keys::default(),
        ];
        for keys in attempts {
            let e = check_raw(&v.request, &keys, now).unwrap_err();
            let shown = format!("{e} {e:?} {}", e.message());
            assert!(!shown.contains(&v.secret), "{}: {shown}", v.name);
            if let Some(token) = &v.security_token {
                assert!(!shown.contains(token.as_str()), "{}: {shown}", v.name);
                assert!(
                    !shown.contains(&encoding::percent_encode(token)),
                    "{}",
                    v.name
                );
                assert!(
                    !shown.contains(&encoding::percent_encode(&encoding::percent_encode(token)))
                );
            }
        }
        let verified = check_raw(&v.request, &v.keys(), now).unwrap();
        if let Some(token) = &v.security_token {
            assert!(!format!("{verified:?}").contains(token.as_str()));
            let headers: Vec<(&str, &str)> = v
                .request
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let request = SignedRequest::new("POST", "/", &v.request.query, &headers, b"");
            assert!(!format!("{request:?}").contains(token.as_str()));
        }
    }
}

const NOW_SECS: u64 = 1_800_000_000;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

const PLAIN: Signer<'static> = Signer {
    access_key_id: "AK-PLAIN",
    secret: "plain-secret",
    security_token: None,
};
const STS: Signer<'static> = Signer {
    access_key_id: "AK-STS",
    secret: "sts-secret",
    security_token: Some("sts-token"),
};

fn keys() -> Keys {
    Keys::default().with("AK-PLAIN", "plain-secret", None).with(
        "AK-STS",
        "sts-secret",
        Some("sts-token"),
    )
}

const QUERY: &[(&str, &str)] = &[
    ("ExecutionId", "exec-1"),
    ("RegionId", "cn-hangzhou"),
    ("TemplateTag.1.Value", "a b*c~/é"),
];

fn acs3(signer: &Signer<'_>, body: &[u8]) -> (String, Vec<(String, String)>) {
    let parts = signer.sign_acs3(
        "POST",
        "ecs.aliyuncs.com",
        "/",
        QUERY,
        body,
        "CancelImagePipelineExecution",
        "2014-05-26",
        "nonce-1",
        now(),
    );
    (parts.query, parts.headers)
}

fn check(
    query: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Verified, SignatureError> {
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    verify(
        &SignedRequest::new("POST", "/", query, &headers, body),
        &keys(),
        now(),
        DEFAULT_MAX_CLOCK_SKEW,
    )
}

#[test]
fn signer_output_verifies_for_both_schemes_and_both_kinds_of_key() {
    for signer in [PLAIN, STS] {
        for body in [&b""[..], b"ClientToken=token-2"] {
            let (query, headers) = acs3(&signer, body);
            let verified = check(&query, &headers, body).unwrap();
            assert_eq!(verified.access_key_id, signer.access_key_id);
            assert_eq!(verified.parameter("TemplateTag.1.Value"), Some("a b*c~/é"));
            if !body.is_empty() {
                assert_eq!(verified.parameters.last().unwrap().1, "token-2");
            }
        }
        let query = signer.sign_rpc("GET", QUERY, "nonce-2", now());
        let verified = check(&query, &[], b"").unwrap_err();
        // Signed for GET, sent as POST: the method is part of the string to sign.
        assert_eq!(verified.code(), "SignatureDoesNotMatch");
        let query = signer.sign_rpc("POST", QUERY, "nonce-2", now());
        let verified = check(&query, &[], b"").unwrap();
        assert_eq!(
            (verified.algorithm, verified.nonce.as_str()),
            (Algorithm::RpcHmacSha1, "nonce-2")
        );
        let (query, body) = signer.sign_rpc_form("POST", &QUERY[..1], &QUERY[1..], "n-3", now());
        let form = [(
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded; charset=UTF-8".to_owned(),
        )];
        let verified = check(&query, &form, body.as_bytes()).unwrap();
        assert_eq!(verified.parameter("RegionId"), Some("cn-hangzhou"));
        // Without the form content type the body's parameters are not signed ones.
        assert_eq!(
            check(&query, &[], body.as_bytes()).unwrap_err().code(),
            "SignatureDoesNotMatch"
        );
    }
}

/// Whether changing `bytes[at]` to `new` only changes the case of a hex digit of a `%XX`
/// escape, which leaves the decoded request (and so its signature) the same.
fn only_escape_case(bytes: &[u8], at: usize, new: u8) -> bool {
    let old = bytes[at];
    let in_escape = (at >= 1 && bytes[at - 1] == b'%') || (at >= 2 && bytes[at - 2] == b'%');
    in_escape && old.is_ascii_hexdigit() && old.eq_ignore_ascii_case(&new)
}

proptest! {
    /// Any single-byte change of the query, of a signed header's value or of the body is
    /// refused, for both schemes.
    #[test]
    fn any_single_byte_change_is_refused(
        sts in any::<bool>(),
        part in 0usize..3,
        at in any::<prop::sample::Index>(),
        new in 0x20u8..0x7f,
        body_byte in any::<u8>(),
    ) {
        let signer = if sts { STS } else { PLAIN };
        let body = b"ExecutionId=exec-9&Extra=%2A";
        let (mut query, mut headers) = acs3(&signer, body);
        let mut body = body.to_vec();
        let (rpc_query, rpc_body) =
            signer.sign_rpc_form("POST", &QUERY[..1], &QUERY[1..], "n", now());
        let mut rpc_query = rpc_query.into_bytes();
        let mut rpc_body = rpc_body.into_bytes();
        let form_type = "application/x-www-form-urlencoded".to_owned();
        let rpc_headers = vec![("content-type".to_owned(), form_type)];
        match part {
            0 => {
                let mut bytes = query.into_bytes();
                let i = at.index(bytes.len());
                prop_assume!(bytes[i] != new && !only_escape_case(&bytes, i, new));
                bytes[i] = new;
                query = String::from_utf8(bytes).unwrap();
                let i = at.index(rpc_query.len());
                prop_assume!(rpc_query[i] != new && !only_escape_case(&rpc_query, i, new));
                rpc_query[i] = new;
            }
            1 => {
                // A signed header of the ACS3 request (all but Authorization are signed).
                let signed: Vec<usize> =
                    (0..headers.len()).filter(|&i| headers[i].0 != "Authorization").collect();
                let h = signed[at.index(signed.len())];
                let mut bytes = std::mem::take(&mut headers[h].1).into_bytes();
                let i = at.index(bytes.len());
                prop_assume!(bytes[i] != new);
                // Trimming makes a space at either end invisible, as the SDK's own trim does.
                prop_assume!(!(new == b' ' && (i == 0 || i + 1 == bytes.len())));
                bytes[i] = new;
                headers[h].1 = String::from_utf8(bytes).unwrap();
                // The RPC signature signs no header: change its form body instead.
                let i = at.index(rpc_body.len());
                prop_assume!(rpc_body[i] != new && !only_escape_case(&rpc_body, i, new));
                rpc_body[i] = new;
            }
            _ => {
                let i = at.index(body.len());
                let j = at.index(rpc_body.len());
                prop_assume!(body[i] != body_byte && rpc_body[j] != body_byte);
                body[i] = body_byte;
                prop_assume!(!only_escape_case(&rpc_body, j, body_byte));
                rpc_body[j] = body_byte;
            }
        }
        prop_assert!(check(&query, &headers, &body).is_err());
        let rpc_query = String::from_utf8(rpc_query).unwrap();
        prop_assert!(check(&rpc_query, &rpc_headers, &rpc_body).is_err());
    }
}

fn with_header(
    headers: &[(String, String)],
    name: &str,
    value: Option<&str>,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
        .cloned()
        .collect();
    if let Some(value) = value {
        out.push((name.to_owned(), value.to_owned()));
    }
    out
}

fn incomplete_because(result: Result<Verified, SignatureError>, why: &str) {
    let e = result.unwrap_err();
    assert_eq!((e.code(), e.status()), ("IncompleteSignature", 400), "{e}");
    assert!(e
        .message()
        .starts_with("The request signature does not conform to Aliyun standards."));
    assert!(e.to_string().contains(why), "{e} lacks {why}");
}

#[test]
fn incomplete_signatures_say_what_is_missing() {
    let (query, headers) = acs3(&PLAIN, b"");
    // Neither scheme.
    incomplete_because(check("A=1", &[], b""), "not signed");
    incomplete_because(
        check(
            &query,
            &with_header(&headers, "Authorization", Some("Bearer x")),
            b"",
        ),
        "not signed",
    );
    // The Authorization header malformed.
    let auth = headers
        .iter()
        .find(|(n, _)| n == "Authorization")
        .unwrap()
        .1
        .clone();
    for (bad, why) in [
        (
            auth.replace("ACS3-HMAC-SHA256", "ACS3-HMAC-SM3"),
            "expected `ACS3-HMAC-SHA256`",
        ),
        (auth.replace("Credential=AK-PLAIN,", ""), "no `Credential`"),
        (auth.replace("Signature=", "Sig="), "expected only"),
        (format!("{auth},Signature=00"), "`Signature` twice"),
        (
            auth.replace("SignedHeaders=accept;", "SignedHeaders=Accept;"),
            "lower-case header names",
        ),
        (
            auth.replace("SignedHeaders=accept;", "SignedHeaders=accept;accept;"),
            "`accept` twice",
        ),
        (
            auth.replace("SignedHeaders=accept;", "SignedHeaders=accept;x-other;"),
            "`x-other` is not in the request",
        ),
    ] {
        incomplete_because(
            check(
                &query,
                &with_header(&headers, "Authorization", Some(&bad)),
                b"",
            ),
            why,
        );
    }
    let many: Vec<String> = (0..=acs3::MAX_SIGNED_HEADERS)
        .map(|i| format!("h{i:02}"))
        .collect();
    let bad = auth.replace(
        "SignedHeaders=accept;",
        &format!("SignedHeaders={};accept;", many.join(";")),
    );
    incomplete_because(
        check(
            &query,
            &with_header(&headers, "Authorization", Some(&bad)),
            b"",
        ),
        "more than 64",
    );
    // Required headers unsigned or absent.
    let unsigned = auth.replace(";host;", ";");
    incomplete_because(
        check(
            &query,
            &with_header(&headers, "Authorization", Some(&unsigned)),
            b"",
        ),
        "`host` is not signed",
    );
    incomplete_because(
        check(
            &query,
            &with_header(&headers, "X-Acs-Extra", Some("1")),
            b"",
        ),
        "`x-acs-extra` is not signed",
    );
    incomplete_because(
        check(
            &query,
            &with_header(&headers, "Content-Type", Some("text/plain")),
            b"",
        ),
        "`content-type` is not signed",
    );
    for name in [
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
    ] {
        let signed_without = auth
            .replace(&format!("{name};"), "")
            .replace(&format!(";{name},"), ",");
        let h = with_header(
            &with_header(&headers, name, None),
            "Authorization",
            Some(&signed_without),
        );
        incomplete_because(check(&query, &h, b""), &format!("`{name}` is missing"));
    }
    incomplete_because(
        check(
            &query,
            &with_header(&headers, "x-acs-date", Some("2027-01-15 08:00:00")),
            b"",
        ),
        "expected a UTC time",
    );
    let long_nonce = "n".repeat(acs3::MAX_NONCE_LEN + 1);
    incomplete_because(
        check(
            &query,
            &with_header(&headers, "x-acs-signature-nonce", Some(&long_nonce)),
            b"",
        ),
        "at most 256",
    );
    let mut twice = headers.clone();
    twice.push(("authorization".to_owned(), auth.clone()));
    incomplete_because(check(&query, &twice, b""), "two `Authorization` headers");

    // RPC: each required parameter, a wrong method or version, a parameter given twice.
    let rpc = PLAIN.sign_rpc("POST", QUERY, "n", now());
    for name in [
        "SignatureMethod",
        "SignatureVersion",
        "AccessKeyId",
        "SignatureNonce",
        "Timestamp",
    ] {
        let without: Vec<&str> = rpc
            .split('&')
            .filter(|p| !p.starts_with(&format!("{name}=")))
            .collect();
        incomplete_because(
            check(&without.join("&"), &[], b""),
            &format!("`{name}` is missing"),
        );
    }
    incomplete_because(
        check(&rpc.replace("HMAC-SHA1", "HMAC-SHA256"), &[], b""),
        "expected `HMAC-SHA1`",
    );
    incomplete_because(
        check(
            &rpc.replace("SignatureVersion=1.0", "SignatureVersion=2.0"),
            &[],
            b"",
        ),
        "expected `1.0`",
    );
    incomplete_because(
        check(&format!("{rpc}&AccessKeyId=AK-STS"), &[], b""),
        "`AccessKeyId` is given twice",
    );
    // Bounded: more than 256 parameters.
    let many: Vec<String> = (0..300).map(|i| format!("P{i}=1")).collect();
    incomplete_because(
        check(&format!("{rpc}&{}", many.join("&")), &[], b""),
        "more than 256",
    );
}

#[test]
fn undecodable_requests_are_invalid_parameters() {
    let rpc = PLAIN.sign_rpc("POST", QUERY, "n", now());
    let (query, headers) = acs3(&PLAIN, b"");
    let form = [(
        "content-type".to_owned(),
        "application/x-www-form-urlencoded".to_owned(),
    )];
    for (query, headers, body) in [
        (format!("{rpc}&Bad=%zz"), &[][..], &b""[..]),
        (format!("{rpc}&Bad=%C3"), &[][..], b""),
        (rpc.clone(), &form[..], b"Bad=%2"),
        (rpc.clone(), &form[..], b"Bad=\xff"),
        (format!("{query}&Bad=%G0"), &headers[..], b""),
    ] {
        let e = check(&query, headers, body).unwrap_err();
        assert_eq!((e.code(), e.status()), ("InvalidParameter", 400), "{e}");
    }
}

#[test]
fn the_checks_run_in_alibabas_order() {
    let (query, headers) = acs3(&STS, b"");
    let late = now() + Duration::from_secs(3600);
    let wrong_secret = Keys::default().with("AK-STS", "other", Some("other-token"));
    let run = |keys: &Keys, clock: SystemTime| {
        let h: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        verify(
            &SignedRequest::new("POST", "/", &query, &h, b""),
            keys,
            clock,
            DEFAULT_MAX_CLOCK_SKEW,
        )
        .unwrap_err()
        .code()
    };
    // Unknown key before time, time before signature, signature before token.
    assert_eq!(run(&Keys::default(), late), "InvalidAccessKeyId.NotFound");
    assert_eq!(run(&wrong_secret, late), "InvalidTimeStamp.Expired");
    assert_eq!(run(&wrong_secret, now()), "SignatureDoesNotMatch");
    assert_eq!(
        run(
            &Keys::default().with("AK-STS", "sts-secret", Some("other")),
            now()
        ),
        "InvalidSecurityToken.MismatchWithAccessKey"
    );
    // A malformed request is refused before its key is even looked up.
    let h = with_header(&headers, "x-acs-date", Some("yesterday"));
    assert_eq!(
        check(&query, &h, b"").unwrap_err().code(),
        "IncompleteSignature"
    );
}

#[test]
fn a_body_changed_after_signing_does_not_match_even_with_its_hash_updated() {
    let (query, headers) = acs3(&PLAIN, b"ClientToken=token-1");
    let new_hash = encoding::hex_lower(&crypto::sha256(b"ClientToken=token-2"));
    let h = with_header(&headers, "x-acs-content-sha256", Some(&new_hash));
    let e = check(&query, &h, b"ClientToken=token-2").unwrap_err();
    assert_eq!((e.code(), e.status()), ("SignatureDoesNotMatch", 400));
    assert!(
        e.message()
            .contains("server string to sign is:ACS3-HMAC-SHA256\n"),
        "{}",
        e.message()
    );
    // The declared hash alone changed: the signature may hold, the body does not.
    let e = check(&query, &h, b"ClientToken=token-1").unwrap_err();
    assert_eq!(e.code(), "SignatureDoesNotMatch");
}

#[test]
fn an_rpc_mismatch_shows_the_string_to_sign_without_the_token() {
    let query = STS.sign_rpc("POST", QUERY, "n", now());
    let keys = Keys::default().with("AK-STS", "other", Some("sts-token"));
    let h: Vec<(&str, &str)> = Vec::new();
    let e = verify(
        &SignedRequest::new("POST", "/", &query, &h, b""),
        &keys,
        now(),
        DEFAULT_MAX_CLOCK_SKEW,
    )
    .unwrap_err();
    let SignatureError::Mismatch { string_to_sign } = &e else {
        panic!("{e:?}")
    };
    assert!(string_to_sign.starts_with("POST&%2F&AccessKeyId%3DAK-STS%26ExecutionId%3Dexec-1%26"));
    assert!(string_to_sign.contains("SecurityToken%3D%253Credacted%253E"));
    assert!(!string_to_sign.contains("sts-token"));
}

#[test]
fn error_codes_statuses_and_messages_are_alibabas() {
    let cases = [
        (
            SignatureError::Incomplete("x".into()),
            "IncompleteSignature",
            400,
            "The request signature does not conform to Aliyun standards. x",
        ),
        (
            SignatureError::Mismatch {
                string_to_sign: "S".into(),
            },
            "SignatureDoesNotMatch",
            400,
            "Specified signature is not matched with our calculation. server string to sign is:S",
        ),
        (
            SignatureError::Expired {
                max_skew: DEFAULT_MAX_CLOCK_SKEW,
            },
            "InvalidTimeStamp.Expired",
            400,
            "Specified time stamp or date value is expired.",
        ),
        (
            SignatureError::UnknownAccessKey("AK".into()),
            "InvalidAccessKeyId.NotFound",
            404,
            "Specified access key is not found.",
        ),
        (
            SignatureError::TokenMismatch,
            "InvalidSecurityToken.MismatchWithAccessKey",
            400,
            "Specified SecurityToken mismatch with the AccessKey.",
        ),
        (
            SignatureError::InvalidParameter("y".into()),
            "InvalidParameter",
            400,
            "The specified parameter is not valid. y",
        ),
    ];
    for (e, code, status, message) in cases {
        assert_eq!(
            (e.code(), e.status(), e.message().as_str()),
            (code, status, message)
        );
    }
}

#[test]
fn a_parameter_given_twice_is_refused_whatever_the_order() {
    // Signed over both values in sorted order, the request would read the first one sent:
    // the order would pick the execution decided on.
    let twice: &[(&str, &str)] = &[
        ("ExecutionId", "exec-a"),
        ("ExecutionId", "exec-b"),
        ("RegionId", "cn-hangzhou"),
    ];
    let parts = PLAIN.sign_acs3(
        "POST",
        "ecs.aliyuncs.com",
        "/",
        twice,
        b"",
        "CancelImagePipelineExecution",
        "2014-05-26",
        "nonce-1",
        now(),
    );
    let rpc = PLAIN.sign_rpc("POST", twice, "n", now());
    let (query, form) = PLAIN.sign_rpc_form(
        "POST",
        &[("ExecutionId", "exec-a")],
        &[("ExecutionId", "exec-b"), ("RegionId", "cn-hangzhou")],
        "n",
        now(),
    );
    let form_type = [(
        "content-type".to_owned(),
        "application/x-www-form-urlencoded".to_owned(),
    )];
    for (query, headers, body) in [
        (parts.query.clone(), &parts.headers[..], &b""[..]),
        (rpc, &[][..], b""),
        (query, &form_type[..], form.as_bytes()),
    ] {
        let e = check(&query, headers, body).unwrap_err();
        assert_eq!((e.code(), e.status()), ("InvalidParameter", 400), "{e}");
        assert!(
            e.to_string().contains("`ExecutionId` is given twice"),
            "{e}"
        );
    }
}

#[test]
fn a_signed_header_sent_twice_is_refused() {
    let (query, headers) = acs3(&PLAIN, b"");
    assert!(check(&query, &headers, b"").is_ok());
    for name in ["x-acs-action", "host", "x-acs-date"] {
        let mut twice = headers.clone();
        twice.push((name.to_owned(), "DescribeRegions".to_owned()));
        incomplete_because(
            check(&query, &twice, b""),
            &format!("the header `{name}` is sent twice"),
        );
    }
}
