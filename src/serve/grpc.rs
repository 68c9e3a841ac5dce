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
mod tests;
