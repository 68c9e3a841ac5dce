//! Envoy's gRPC external authorization (`envoy.service.auth.v3.Authorization/Check`) on
//! `--grpc-listen`: each check is turned into an [`api::Call`] and answered by
//! [`api::Server::authorize`], exactly as a call to the API itself would be.
//!
//! From the check's attributes a call takes the method, the path and query (`path` holds
//! both, as sent), the headers (`header_map` when Envoy's `encode_raw_headers` is on, else the
//! `headers` map; the `Host` Envoy moved into `:authority` is put back, since the signature
//! covers it), the body (`raw_body`, else `body`: Envoy's `with_request_body` must be on for a
//! signed POST), the client's address (`source.address.socket_address.address`) and whether it
//! used TLS (`scheme` is `https`). Pseudo-headers (`:path`, ...) are left out: no client signs
//! them.
//!
//! An allowed call is `OK` with an `ok_response` that sets `x-ramcheck-principal` and
//! `x-ramcheck-request-id` on the request Envoy forwards, replacing any the client sent. A
//! refused call is a `denied_response` with the API's status, `Content-Type` and JSON body,
//! which Envoy hands to the client, and a gRPC status for Envoy's logs and statistics:
//! `PERMISSION_DENIED` for 403, `UNAUTHENTICATED` for a signature or replay failure,
//! `UNAVAILABLE` for 503, `INTERNAL` for 500 and `INVALID_ARGUMENT` for any other status.
//!
//! The service is what `tonic-build` would generate from `external_auth.proto`, written by
//! hand over the messages of [`proto`]: there is no `protoc` where ramcheck builds.

pub mod proto;

use std::borrow::Cow;
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tonic::body::Body;
use tonic::codegen::{http, BoxFuture, Service, StdError};
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::transport::server::TcpIncoming;
use tonic_prost::ProstCodec;

use self::proto::{
    CheckRequest, CheckResponse, DeniedHttpResponse, HeaderValue, HeaderValueOption, HttpRequest,
    HttpResponse, HttpStatus, OkHttpResponse, RpcStatus, OVERWRITE_IF_EXISTS_OR_ADD,
};
use super::api::{request_id, Allowed, Call, Outcome, Refusal, Server};
use super::http::Limits;
use crate::signature;

/// The gRPC service name of Envoy's external authorization.
pub const SERVICE_NAME: &str = "envoy.service.auth.v3.Authorization";

/// The path of its one method, `Check`.
pub const CHECK_PATH: &str = "/envoy.service.auth.v3.Authorization/Check";

/// The largest check request read: a body of 1 MiB (the API's limit), its headers (64 KiB)
/// and the rest of the attributes, with room to spare. Envoy sends no more than its
/// `max_request_bytes` of body.
const MAX_CHECK_REQUEST: usize = 2 * 1024 * 1024;

/// How long one check may take before it is answered `DEADLINE_EXCEEDED` (Envoy then applies
/// its own `failure_mode_allow`, false by default: the request is refused).
const CHECK_TIMEOUT: Duration = Duration::from_secs(30);

/// `google.rpc.Code` values of the answers.
mod code {
    pub const OK: i32 = 0;
    pub const INVALID_ARGUMENT: i32 = 3;
    pub const PERMISSION_DENIED: i32 = 7;
    pub const INTERNAL: i32 = 13;
    pub const UNAVAILABLE: i32 = 14;
    pub const UNAUTHENTICATED: i32 = 16;
}

/// The codes of a refusal because the caller is not who it says, or replays a request: a
/// signature that fails [`crate::signature::verify`], or a nonce used before.
const UNAUTHENTICATED_CODES: &[&str] = &[
    "IncompleteSignature",
    "SignatureDoesNotMatch",
    "InvalidTimeStamp.Expired",
    "InvalidAccessKeyId.NotFound",
    "InvalidSecurityToken.MismatchWithAccessKey",
    "SignatureNonceUsed",
];

/// Envoy's `Authorization` service over an [`api::Server`]: a tower service routing
/// `/envoy.service.auth.v3.Authorization/Check` to [`check`] and answering `UNIMPLEMENTED`
/// to anything else. Cheap to clone (one `Arc`).
///
/// ```no_run
/// # async fn run(server: std::sync::Arc<ramcheck::serve::api::Server>) -> Result<(), Box<dyn std::error::Error>> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:9000").await?;
/// tonic::transport::Server::builder()
///     .add_service(ramcheck::serve::grpc::service(server))
///     .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener))
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AuthorizationService {
    server: Arc<Server>,
}

impl std::fmt::Debug for AuthorizationService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationService")
            .finish_non_exhaustive()
    }
}

/// The `Authorization` service answering from `server`; [`serve`] runs it on a listener.
pub fn service(server: Arc<Server>) -> AuthorizationService {
    AuthorizationService { server }
}

impl NamedService for AuthorizationService {
    const NAME: &'static str = SERVICE_NAME;
}

impl<B> Service<http::Request<B>> for AuthorizationService
where
    B: tonic::codegen::Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if request.uri().path() != CHECK_PATH {
            let path = request.uri().path().to_owned();
            return Box::pin(async move {
                let status = tonic::Status::unimplemented(format!(
                    "`{path}` is not a method of this server; expected `{CHECK_PATH}`"
                ));
                Ok(status.into_http())
            });
        }
        let server = Arc::clone(&self.server);
        Box::pin(async move {
            let mut grpc = Grpc::new(ProstCodec::<CheckResponse, CheckRequest>::default())
                .apply_max_message_size_config(Some(MAX_CHECK_REQUEST), None);
            Ok(grpc.unary(CheckMethod(server), request).await)
        })
    }
}

/// The unary `Check` method, as `tonic::server::Grpc::unary` drives it.
struct CheckMethod(Arc<Server>);

impl UnaryService<CheckRequest> for CheckMethod {
    type Response = CheckResponse;
    type Future = BoxFuture<tonic::Response<CheckResponse>, tonic::Status>;

    fn call(&mut self, request: tonic::Request<CheckRequest>) -> Self::Future {
        let server = Arc::clone(&self.0);
        Box::pin(async move {
            let response = check(&server, &request.into_inner()).await;
            Ok(tonic::Response::new(response))
        })
    }
}

/// Answers one check: the call it describes through [`Server::authorize`], then the answer
/// Envoy expects. A check without an HTTP request is a call with no method, path or
/// headers: it is refused like any unreadable call, never allowed. A body past the API's limit
/// ([`Limits::max_body_bytes`]), or one Envoy says it cut short (`allow_partial_message`), is
/// 413 `RequestEntityTooLarge`, as the API answers it.
pub async fn check(server: &Server, request: &CheckRequest) -> CheckResponse {
    let empty = HttpRequest::default();
    let parts = CallParts::of(request, &empty);
    let headers: Vec<(&str, &str)> = parts.headers.iter().map(|(n, v)| (&**n, &**v)).collect();
    if parts.body.len() > Limits::default().max_body_bytes || parts.partial_body {
        let refusal = Refusal::too_large(&request_id(), signature::header(&headers, "host"));
        server.refused_early(&refusal);
        return deny(&refusal);
    }
    let call = Call {
        method: parts.method,
        path: parts.path,
        query: parts.query,
        headers: &headers,
        body: parts.body,
        source_ip: parts.source_ip,
        secure_transport: parts.secure_transport,
    };
    match server.authorize(&call).await {
        Outcome::Allowed(allowed) => allow(&allowed),
        Outcome::Refused(refusal) => deny(&refusal),
    }
}

/// What a [`Call`] is made of, read from a check; the headers owned where a value had to be
/// decoded.
#[derive(Debug, PartialEq)]
struct CallParts<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    headers: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    body: &'a [u8],
    /// Envoy says it sent only the first part of the body (`allow_partial_message`).
    partial_body: bool,
    source_ip: Option<IpAddr>,
    secure_transport: bool,
}

impl<'a> CallParts<'a> {
    /// The parts of `request`, or of `empty` where it has no HTTP request.
    fn of(request: &'a CheckRequest, empty: &'a HttpRequest) -> CallParts<'a> {
        let attributes = request.attributes.as_ref();
        let http = attributes
            .and_then(|a| a.request.as_ref())
            .and_then(|r| r.http.as_ref())
            .unwrap_or(empty);
        let source_ip = attributes
            .and_then(|a| a.source.as_ref())
            .and_then(|peer| peer.address.as_ref())
            .and_then(|address| address.socket_address.as_ref())
            .and_then(|socket| socket.address.parse::<IpAddr>().ok());
        let (path, query) = http.path.split_once('?').unwrap_or((&http.path, ""));
        let body = if http.raw_body.is_empty() {
            &http.body
        } else {
            &http.raw_body
        };
        let headers = call_headers(http);
        let partial_body = headers.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case("x-envoy-auth-partial-body") && v.eq_ignore_ascii_case("true")
        });
        CallParts {
            method: &http.method,
            path,
            query,
            headers,
            body,
            partial_body,
            source_ip,
            secure_transport: http.scheme.eq_ignore_ascii_case("https"),
        }
    }
}

/// The headers of the call: the raw `header_map` when Envoy sends one, else the `headers`
/// map; without pseudo-headers, and with `host` from `:authority` when the client's `Host`
/// became it (HTTP/1.1 through Envoy).
fn call_headers(http: &HttpRequest) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
    let mut headers: Vec<(Cow<'_, str>, Cow<'_, str>)> = match &http.header_map {
        Some(map) if !map.headers.is_empty() => map
            .headers
            .iter()
            .filter(|h| !h.key.starts_with(':'))
            .map(|h| (Cow::Borrowed(&*h.key), raw_value(h)))
            .collect(),
        _ => http
            .headers
            .iter()
            .filter(|(name, _)| !name.starts_with(':'))
            .map(|(name, value)| (Cow::Borrowed(&**name), Cow::Borrowed(&**value)))
            .collect(),
    };
    if !http.host.is_empty() && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        headers.push((Cow::Borrowed("host"), Cow::Borrowed(&*http.host)));
    }
    headers
}

/// A `header_map` value: `raw_value`, which Envoy fills in there, else `value`. Bytes that are
/// not UTF-8 become U+FFFD, as Envoy itself replaces them in the `headers` map: a signed
/// header so changed fails the signature.
fn raw_value(header: &HeaderValue) -> Cow<'_, str> {
    if header.raw_value.is_empty() {
        Cow::Borrowed(&*header.value)
    } else {
        String::from_utf8_lossy(&header.raw_value)
    }
}

fn allow(allowed: &Allowed) -> CheckResponse {
    CheckResponse {
        status: Some(RpcStatus {
            code: code::OK,
            message: String::new(),
        }),
        http_response: Some(HttpResponse::OkResponse(OkHttpResponse {
            headers: vec![
                overwrite("x-ramcheck-principal", &allowed.principal),
                overwrite("x-ramcheck-request-id", &allowed.request_id),
            ],
            headers_to_remove: Vec::new(),
        })),
    }
}

fn deny(refusal: &Refusal) -> CheckResponse {
    CheckResponse {
        status: Some(RpcStatus {
            code: grpc_code(refusal.status, &refusal.code),
            message: refusal.code.clone(),
        }),
        http_response: Some(HttpResponse::DeniedResponse(DeniedHttpResponse {
            status: Some(HttpStatus {
                code: i32::from(refusal.status),
            }),
            headers: vec![overwrite("content-type", "application/json;charset=utf-8")],
            body: refusal.body.clone(),
        })),
    }
}

/// The gRPC status of a refusal with this HTTP status and code.
fn grpc_code(status: u16, code: &str) -> i32 {
    match status {
        403 => code::PERMISSION_DENIED,
        503 => code::UNAVAILABLE,
        500..=599 => code::INTERNAL,
        _ if UNAUTHENTICATED_CODES.contains(&code) => code::UNAUTHENTICATED,
        _ => code::INVALID_ARGUMENT,
    }
}

fn overwrite(name: &str, value: &str) -> HeaderValueOption {
    HeaderValueOption {
        header: Some(HeaderValue {
            key: name.to_owned(),
            value: value.to_owned(),
            raw_value: Vec::new(),
        }),
        append_action: OVERWRITE_IF_EXISTS_OR_ADD,
    }
}

/// Why the gRPC listener stopped.
#[derive(Debug, thiserror::Error)]
#[error("the gRPC listener failed: {0}")]
pub struct GrpcError(#[from] tonic::transport::Error);

/// Serves [`service`] on `listener` until `shutdown` completes, then stops accepting, tells
/// connected clients to go away (HTTP/2 `GOAWAY`) and returns once the checks in flight are
/// answered.
///
/// ```no_run
/// # async fn run(server: std::sync::Arc<ramcheck::serve::api::Server>) -> Result<(), Box<dyn std::error::Error>> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:9000").await?;
/// ramcheck::serve::grpc::serve(listener, server, async {
///     let _ = tokio::signal::ctrl_c().await;
/// })
/// .await?;
/// # Ok(())
/// # }
/// ```
pub async fn serve(
    listener: tokio::net::TcpListener,
    server: Arc<Server>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), GrpcError> {
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    tonic::transport::Server::builder()
        .timeout(CHECK_TIMEOUT)
        .serve_with_incoming_shutdown(service(server), incoming, shutdown)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::proto::{Address, AttributeContext, HeaderMap, Peer, Request, SocketAddress};
    use super::*;

    /// Checks Envoy 1.40 sent for `curl -X POST 'http://ENVOY/?ExecutionId=exec-1&RegionId=cn-hangzhou'
    /// -H 'Host: ecs.aliyuncs.com' -H 'x-acs-action: CancelImagePipelineExecution' -H 'X-Dup: a'
    /// -H 'X-Dup: b' --data-binary 'RegionId=cn-hangzhou'`: with `pack_as_bytes` (the
    /// `headers` map, `raw_body`), and with `encode_raw_headers` (`header_map`, `body`).
    const ENVOY_HEADERS: &[u8] = include_bytes!("../../tests/fixtures/grpc/check-headers.bin");
    const ENVOY_HEADER_MAP: &[u8] =
        include_bytes!("../../tests/fixtures/grpc/check-header-map.bin");

    fn sorted(parts: &CallParts<'_>) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        headers.sort();
        headers
    }

    fn pair(name: &str, value: &str) -> (String, String) {
        (name.to_owned(), value.to_owned())
    }

    /// The call read from a check Envoy sent for the fixtures' curl command: what both
    /// encodings agree on, then the headers, sorted.
    fn envoy_call(check: &[u8]) -> Vec<(String, String)> {
        let request = CheckRequest::decode(check).unwrap();
        let empty = HttpRequest::default();
        let parts = CallParts::of(&request, &empty);
        assert_eq!(
            (parts.method, parts.path, parts.query),
            ("POST", "/", "ExecutionId=exec-1&RegionId=cn-hangzhou")
        );
        assert_eq!(parts.body, b"RegionId=cn-hangzhou");
        assert!(!parts.partial_body);
        assert_eq!(parts.source_ip, Some(IpAddr::from([127, 0, 0, 1])));
        assert!(!parts.secure_transport);
        let headers = sorted(&parts);
        // Envoy moves `Host` into `:authority`; it is put back, once.
        assert_eq!(
            headers
                .iter()
                .filter(|(n, _)| n == "host")
                .collect::<Vec<_>>(),
            [&pair("host", "ecs.aliyuncs.com")]
        );
        assert!(headers.contains(&pair("x-acs-action", "CancelImagePipelineExecution")));
        assert!(
            headers.iter().all(|(n, _)| !n.starts_with(':')),
            "{headers:?}"
        );
        headers
    }

    #[test]
    fn reads_the_call_from_envoys_headers_map_and_raw_body() {
        let headers = envoy_call(ENVOY_HEADERS);
        // The `headers` map joins repeated headers.
        assert!(headers.contains(&pair("x-dup", "a,b")), "{headers:?}");
    }

    #[test]
    fn reads_the_call_from_envoys_raw_header_map_and_string_body() {
        let headers = envoy_call(ENVOY_HEADER_MAP);
        assert!(headers.contains(&pair("x-dup", "a")) && headers.contains(&pair("x-dup", "b")));
    }

    fn http_check(http: HttpRequest, source: &str) -> CheckRequest {
        CheckRequest {
            attributes: Some(AttributeContext {
                source: Some(Peer {
                    address: Some(Address {
                        socket_address: Some(SocketAddress {
                            address: source.to_owned(),
                            port_value: 50000,
                        }),
                    }),
                }),
                request: Some(Request { http: Some(http) }),
            }),
        }
    }

    #[test]
    fn c8_secure_transport_only_when_envoy_says_https() {
        let empty = HttpRequest::default();
        for (scheme, secure) in [
            ("https", true),
            ("HTTPS", true),
            ("http", false),
            ("", false),
        ] {
            let http = HttpRequest {
                scheme: scheme.to_owned(),
                ..HttpRequest::default()
            };
            let request = http_check(http, "10.0.0.1");
            assert_eq!(
                CallParts::of(&request, &empty).secure_transport,
                secure,
                "{scheme}"
            );
        }
    }

    #[test]
    fn c8_source_ip_is_the_downstream_address_or_none() {
        let empty = HttpRequest::default();
        for (address, ip) in [
            ("10.1.2.3", Some(IpAddr::from([10, 1, 2, 3]))),
            ("::1", Some(IpAddr::from([0, 0, 0, 0, 0, 0, 0, 1]))),
            ("not-an-address", None),
            ("", None),
        ] {
            let request = http_check(HttpRequest::default(), address);
            assert_eq!(CallParts::of(&request, &empty).source_ip, ip, "{address}");
        }
        assert_eq!(
            CallParts::of(&CheckRequest::default(), &empty).source_ip,
            None
        );
    }

    #[test]
    fn a_check_without_attributes_is_an_empty_call() {
        let empty = HttpRequest::default();
        let request = CheckRequest::default();
        let parts = CallParts::of(&request, &empty);
        assert_eq!((parts.method, parts.path, parts.query), ("", "", ""));
        assert!(parts.headers.is_empty() && parts.body.is_empty());
    }

    #[test]
    fn the_clients_own_host_header_is_kept_and_not_doubled() {
        let mut headers = std::collections::HashMap::new();
        headers.insert("host".to_owned(), "signed.example".to_owned());
        let http = HttpRequest {
            headers,
            host: "authority.example".to_owned(),
            ..HttpRequest::default()
        };
        assert_eq!(
            call_headers(&http),
            [(Cow::Borrowed("host"), Cow::Borrowed("signed.example"))]
        );
    }

    #[test]
    fn raw_header_values_not_utf8_are_replaced_so_a_signature_over_them_fails() {
        let http = HttpRequest {
            header_map: Some(HeaderMap {
                headers: vec![
                    HeaderValue {
                        key: "x-acs-a".to_owned(),
                        value: String::new(),
                        raw_value: b"a\xffb".to_vec(),
                    },
                    HeaderValue {
                        key: "x-acs-b".to_owned(),
                        value: "text".to_owned(),
                        raw_value: Vec::new(),
                    },
                ],
            }),
            ..HttpRequest::default()
        };
        let headers = call_headers(&http);
        assert_eq!(headers[0].1, "a\u{fffd}b");
        assert_eq!(headers[1].1, "text");
    }

    #[test]
    fn raw_body_wins_over_body() {
        let empty = HttpRequest::default();
        let http = HttpRequest {
            body: b"text".to_vec(),
            raw_body: b"raw".to_vec(),
            ..HttpRequest::default()
        };
        let request = http_check(http, "10.0.0.1");
        assert_eq!(CallParts::of(&request, &empty).body, b"raw");
    }

    #[test]
    fn grpc_status_follows_the_http_status_and_code() {
        for (status, code, grpc) in [
            (403, "Forbidden.RAM", code::PERMISSION_DENIED),
            (503, "ServiceUnavailable", code::UNAVAILABLE),
            (500, "InternalError", code::INTERNAL),
            (400, "SignatureDoesNotMatch", code::UNAUTHENTICATED),
            (400, "IncompleteSignature", code::UNAUTHENTICATED),
            (400, "InvalidTimeStamp.Expired", code::UNAUTHENTICATED),
            (404, "InvalidAccessKeyId.NotFound", code::UNAUTHENTICATED),
            (
                400,
                "InvalidSecurityToken.MismatchWithAccessKey",
                code::UNAUTHENTICATED,
            ),
            (400, "SignatureNonceUsed", code::UNAUTHENTICATED),
            (400, "InvalidStatus.CancelFailed", code::INVALID_ARGUMENT),
            (
                404,
                "InvalidImagePipelineExecution.NotFound",
                code::INVALID_ARGUMENT,
            ),
            (404, "InvalidAction.NotFound", code::INVALID_ARGUMENT),
            (413, "RequestEntityTooLarge", code::INVALID_ARGUMENT),
        ] {
            assert_eq!(grpc_code(status, code), grpc, "{status} {code}");
        }
    }

    #[test]
    fn the_signature_codes_are_those_signature_errors_have() {
        use crate::signature::SignatureError;
        let errors = [
            SignatureError::Incomplete(String::new()),
            SignatureError::Mismatch {
                string_to_sign: String::new(),
            },
            SignatureError::Expired {
                max_skew: Duration::ZERO,
            },
            SignatureError::UnknownAccessKey(String::new()),
            SignatureError::TokenMismatch,
        ];
        for error in errors {
            assert!(UNAUTHENTICATED_CODES.contains(&error.code()), "{error:?}");
        }
    }

    #[test]
    fn an_allowed_check_overwrites_the_principal_header() {
        let allowed = Allowed {
            request_id: "REQ-1".to_owned(),
            principal: "acs:ram::1234567890123456:user/ci".to_owned(),
            access_key_id: "AK1".to_owned(),
            execution_id: "exec-1".to_owned(),
            account_id: "1234567890123456".to_owned(),
            region: "cn-hangzhou".to_owned(),
            host: "ecs.aliyuncs.com".to_owned(),
        };
        let response = allow(&allowed);
        assert_eq!(response.status.map(|s| s.code), Some(code::OK));
        let Some(HttpResponse::OkResponse(ok)) = response.http_response else {
            panic!("expected an ok_response");
        };
        let headers: Vec<(String, String, i32)> = ok
            .headers
            .into_iter()
            .map(|o| {
                let h = o.header.unwrap_or_default();
                (h.key, h.value, o.append_action)
            })
            .collect();
        assert_eq!(
            headers,
            [
                (
                    "x-ramcheck-principal".to_owned(),
                    "acs:ram::1234567890123456:user/ci".to_owned(),
                    OVERWRITE_IF_EXISTS_OR_ADD
                ),
                (
                    "x-ramcheck-request-id".to_owned(),
                    "REQ-1".to_owned(),
                    OVERWRITE_IF_EXISTS_OR_ADD
                ),
            ]
        );
    }

    #[test]
    fn a_refused_check_carries_the_apis_status_and_body() {
        let refusal = Refusal {
            status: 403,
            code: "Forbidden.RAM".to_owned(),
            body: r#"{"Code":"Forbidden.RAM"}"#.to_owned(),
            request_id: "REQ-2".to_owned(),
        };
        let response = deny(&refusal);
        assert_eq!(
            response.status.map(|s| s.code),
            Some(code::PERMISSION_DENIED)
        );
        let Some(HttpResponse::DeniedResponse(denied)) = response.http_response else {
            panic!("expected a denied_response");
        };
        assert_eq!(denied.status.map(|s| s.code), Some(403));
        assert_eq!(denied.body, refusal.body);
        let header = denied
            .headers
            .first()
            .and_then(|o| o.header.clone())
            .unwrap_or_default();
        assert_eq!(
            (header.key.as_str(), header.value.as_str()),
            ("content-type", "application/json;charset=utf-8")
        );
    }

    /// One protobuf field as the wire has it: number, and a varint or the bytes of a
    /// length-delimited field. Written from the encoding's spec, apart from prost, so that a
    /// wrong tag in [`proto`] fails here.
    #[derive(Debug, PartialEq)]
    enum Field {
        Varint(u32, u64),
        Bytes(u32, Vec<u8>),
    }

    fn varint(bytes: &[u8], at: &mut usize) -> u64 {
        let mut value = 0;
        for shift in (0..64).step_by(7) {
            let byte = bytes[*at];
            *at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
        }
        value
    }

    fn fields(bytes: &[u8]) -> Vec<Field> {
        let mut at = 0;
        let mut out = Vec::new();
        while at < bytes.len() {
            let key = varint(bytes, &mut at);
            let number = u32::try_from(key >> 3).unwrap();
            match key & 7 {
                0 => out.push(Field::Varint(number, varint(bytes, &mut at))),
                2 => {
                    let len = usize::try_from(varint(bytes, &mut at)).unwrap();
                    out.push(Field::Bytes(number, bytes[at..at + len].to_vec()));
                    at += len;
                }
                other => panic!("wire type {other} not expected"),
            }
        }
        out
    }

    fn inner(field: &Field) -> Vec<Field> {
        match field {
            Field::Bytes(_, bytes) => fields(bytes),
            Field::Varint(..) => panic!("{field:?} is not a message"),
        }
    }

    fn header_option(key: &str, value: &str) -> Field {
        let mut header = vec![0x0a, key.len() as u8];
        header.extend(key.as_bytes());
        header.extend([0x12, value.len() as u8]);
        header.extend(value.as_bytes());
        let mut option = vec![0x0a, header.len() as u8];
        option.extend(header);
        option.extend([0x18, 2]);
        Field::Bytes(2, option)
    }

    /// `CheckResponse`: status = 1 (`google.rpc.Status`: code = 1, message = 2),
    /// denied_response = 2 (status = 1 holding `HttpStatus.code` = 1, headers = 2, body = 3),
    /// ok_response = 3 (headers = 2); `HeaderValueOption`: header = 1 (key = 1, value = 2),
    /// append_action = 3.
    #[test]
    fn responses_use_envoys_field_numbers() {
        let refusal = Refusal {
            status: 503,
            code: "ServiceUnavailable".to_owned(),
            body: "B".to_owned(),
            request_id: String::new(),
        };
        let top = fields(&deny(&refusal).encode_to_vec());
        assert_eq!(top.len(), 2);
        assert_eq!(
            inner(&top[0]),
            [
                Field::Varint(1, 14),
                Field::Bytes(2, b"ServiceUnavailable".to_vec())
            ]
        );
        assert!(matches!(top[1], Field::Bytes(2, _)));
        let denied = inner(&top[1]);
        assert_eq!(denied.len(), 3);
        assert_eq!(inner(&denied[0]), [Field::Varint(1, 503)]);
        assert_eq!(
            denied[1],
            header_option("content-type", "application/json;charset=utf-8")
        );
        assert_eq!(denied[2], Field::Bytes(3, b"B".to_vec()));

        let allowed = Allowed {
            request_id: "R".to_owned(),
            principal: "P".to_owned(),
            access_key_id: String::new(),
            execution_id: String::new(),
            account_id: String::new(),
            region: String::new(),
            host: String::new(),
        };
        let top = fields(&allow(&allowed).encode_to_vec());
        assert_eq!(top.len(), 2);
        // code 0 is proto3's default, so the status message is empty on the wire
        assert_eq!(top[0], Field::Bytes(1, Vec::new()));
        assert!(matches!(top[1], Field::Bytes(3, _)));
        assert_eq!(
            inner(&top[1]),
            [
                header_option("x-ramcheck-principal", "P"),
                header_option("x-ramcheck-request-id", "R")
            ]
        );
    }

    /// A live server on a loopback port and a tonic client to it: the checks go through
    /// HTTP/2, the codec and [`Server::authorize`] with the fixtures' account, credentials
    /// and executions.
    mod live {
        use std::time::SystemTime;

        use tokio::sync::oneshot;

        use super::*;
        use crate::serve::executions::Ledger;
        use crate::serve::metrics::Metrics;
        use crate::serve::nonce::NonceStore;
        use crate::serve::snapshot::{Inputs, Snapshot, SnapshotHandle};
        use crate::signature::Signer;

        const ALICE: Signer<'static> = Signer {
            access_key_id: "LTAI5tCiRunner",
            secret: "secret-of-alice",
            security_token: None,
        };
        const CAROL: Signer<'static> = Signer {
            access_key_id: "LTAI5tCarol",
            secret: "secret-of-carol",
            security_token: None,
        };

        struct Live {
            server: Arc<Server>,
            client: tonic::client::Grpc<tonic::transport::Channel>,
            stop: oneshot::Sender<()>,
            served: tokio::task::JoinHandle<Result<(), GrpcError>>,
        }

        async fn start() -> Live {
            let server = Arc::new(Server {
                snapshot: Arc::new(SnapshotHandle::empty()),
                ledger: Ledger::default(),
                nonces: NonceStore::memory(1000),
                metrics: Arc::new(Metrics::new()),
                log: None,
                max_skew: crate::signature::DEFAULT_MAX_CLOCK_SKEW,
            });
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            let (stop, stopped) = oneshot::channel::<()>();
            let served = tokio::spawn(serve(listener, Arc::clone(&server), async {
                let _ = stopped.await;
            }));
            let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
                .unwrap()
                .connect()
                .await
                .unwrap();
            Live {
                server,
                client: tonic::client::Grpc::new(channel),
                stop,
                served,
            }
        }

        fn publish(server: &Server) {
            let inputs = Inputs {
                accounts: vec!["policies/example-account.json".into()],
                credentials: "tests/fixtures/serve/credentials.json".into(),
                executions: "tests/fixtures/serve/executions.json".into(),
                ..Inputs::default()
            };
            server
                .snapshot
                .publish(Snapshot::load(&inputs, 1).unwrap().0);
        }

        /// The check Envoy sends for a cancel `signer` signed, with `nonce`.
        fn signed_check(signer: Signer<'_>, execution: &str, nonce: &str) -> CheckRequest {
            http_check(signed_http(signer, execution, nonce), "10.0.0.1")
        }

        /// The HTTP request of [`signed_check`].
        fn signed_http(signer: Signer<'_>, execution: &str, nonce: &str) -> HttpRequest {
            let query = [("ExecutionId", execution), ("RegionId", "cn-hangzhou")];
            let parts = signer.sign_acs3(
                "POST",
                "ecs.aliyuncs.com",
                "/",
                &query,
                b"",
                "CancelImagePipelineExecution",
                "2014-05-26",
                nonce,
                SystemTime::now(),
            );
            let path = format!("/?{}", parts.query);
            let mut headers: std::collections::HashMap<String, String> = parts
                .headers
                .iter()
                .filter(|(n, _)| !n.eq_ignore_ascii_case("host"))
                .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
                .collect();
            headers.insert(":authority".into(), "ecs.aliyuncs.com".into());
            headers.insert(":path".into(), path.clone());
            headers.insert(":method".into(), "POST".into());
            HttpRequest {
                method: "POST".into(),
                headers,
                path,
                host: "ecs.aliyuncs.com".into(),
                scheme: "http".into(),
                ..HttpRequest::default()
            }
        }

        async fn call(live: &mut Live, request: CheckRequest) -> CheckResponse {
            call_at(live, CHECK_PATH, request).await.unwrap()
        }

        async fn call_at(
            live: &mut Live,
            path: &'static str,
            request: CheckRequest,
        ) -> Result<CheckResponse, tonic::Status> {
            live.client.ready().await.unwrap();
            let codec = ProstCodec::<CheckRequest, CheckResponse>::default();
            let path = http::uri::PathAndQuery::from_static(path);
            let response = live
                .client
                .unary(tonic::Request::new(request), path, codec)
                .await?;
            Ok(response.into_inner())
        }

        /// The gRPC code, HTTP status and body `Code` of a denial.
        fn denial(response: &CheckResponse) -> (i32, i32, String) {
            let Some(HttpResponse::DeniedResponse(denied)) = &response.http_response else {
                panic!("expected a denied_response, got {response:?}");
            };
            let body: serde_json::Value = serde_json::from_str(&denied.body).unwrap();
            (
                response.status.as_ref().map_or(-1, |s| s.code),
                denied.status.as_ref().map_or(-1, |s| s.code),
                body["Code"].as_str().unwrap_or_default().to_owned(),
            )
        }

        #[tokio::test]
        async fn checks_over_grpc_allow_deny_and_refuse_as_the_api() {
            let mut live = start().await;

            // Before the first snapshot: 503.
            let before = call(&mut live, signed_check(ALICE, "exec-1", "n-1")).await;
            assert_eq!(
                denial(&before),
                (code::UNAVAILABLE, 503, "ServiceUnavailable".into())
            );

            publish(&live.server);
            let allowed = call(&mut live, signed_check(ALICE, "exec-1", "n-2")).await;
            assert_eq!(allowed.status.as_ref().map(|s| s.code), Some(code::OK));
            let Some(HttpResponse::OkResponse(ok)) = &allowed.http_response else {
                panic!("expected an ok_response, got {allowed:?}");
            };
            let header = ok.headers[0].header.as_ref().unwrap();
            assert_eq!(
                (header.key.as_str(), header.value.as_str()),
                (
                    "x-ramcheck-principal",
                    "acs:ram::1234567890123456:user/alice"
                )
            );
            // An allowed check cancels nothing: Envoy forwards the call, the upstream cancels.
            let again = call(&mut live, signed_check(ALICE, "exec-1", "n-3")).await;
            assert!(matches!(
                again.http_response,
                Some(HttpResponse::OkResponse(_))
            ));

            // E1: carol has no policy that allows the cancel.
            let denied = call(&mut live, signed_check(CAROL, "exec-1", "n-4")).await;
            assert_eq!(
                denial(&denied),
                (code::PERMISSION_DENIED, 403, "Forbidden.RAM".into())
            );
            let Some(HttpResponse::DeniedResponse(d)) = &denied.http_response else {
                unreachable!()
            };
            assert!(d.body.contains("AccessDeniedDetail"), "{}", d.body);
            let content_type = d.headers[0].header.as_ref().unwrap();
            assert_eq!(content_type.value, "application/json;charset=utf-8");

            let wrong = Signer {
                secret: "not-the-secret",
                ..ALICE
            };
            let forged = call(&mut live, signed_check(wrong, "exec-1", "n-5")).await;
            assert_eq!(
                denial(&forged),
                (code::UNAUTHENTICATED, 400, "SignatureDoesNotMatch".into())
            );

            let replay = call(&mut live, signed_check(ALICE, "exec-1", "n-2")).await;
            assert_eq!(
                denial(&replay),
                (code::UNAUTHENTICATED, 400, "SignatureNonceUsed".into())
            );

            let unknown = call(&mut live, signed_check(ALICE, "exec-nope", "n-6")).await;
            assert_eq!(
                denial(&unknown),
                (
                    code::INVALID_ARGUMENT,
                    404,
                    "InvalidImagePipelineExecution.NotFound".into()
                )
            );

            let _ = live.stop.send(());
            live.served.await.unwrap().unwrap();
        }

        #[tokio::test]
        async fn a_body_past_the_limit_or_cut_short_is_413() {
            let mut live = start().await;
            publish(&live.server);
            let mut big = signed_http(ALICE, "exec-1", "n-1");
            big.raw_body = vec![b'a'; Limits::default().max_body_bytes + 1];
            let response = call(&mut live, http_check(big, "10.0.0.1")).await;
            assert_eq!(
                denial(&response),
                (code::INVALID_ARGUMENT, 413, "RequestEntityTooLarge".into())
            );

            let mut partial = signed_http(ALICE, "exec-1", "n-2");
            partial
                .headers
                .insert("x-envoy-auth-partial-body".into(), "true".into());
            let response = call(&mut live, http_check(partial, "10.0.0.1")).await;
            assert_eq!(denial(&response).1, 413);
        }

        #[tokio::test]
        async fn another_method_is_unimplemented() {
            let mut live = start().await;
            let status = call_at(
                &mut live,
                "/envoy.service.auth.v2.Authorization/Check",
                CheckRequest::default(),
            )
            .await
            .unwrap_err();
            assert_eq!(status.code(), tonic::Code::Unimplemented);
        }
    }
}
