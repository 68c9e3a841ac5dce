//! The HTTP listeners: the ECS API at `/`, Envoy's HTTP `ext_authz` at `/ext_authz`, nginx's
//! `auth_request` at `/auth_request`, `/healthz`, `/readyz`, `/metrics`; and, on a listener of
//! its own, the plain decision API `POST /v1/decide`.
//!
//! HTTP/1.1 (what the SDKs, Envoy's HTTP `ext_authz` client and nginx speak to a backend). Every
//! request is bounded: headers by [`Limits::max_header_bytes`] (431 past it), the body by
//! [`Limits::max_body_bytes`] (413 `RequestEntityTooLarge`), the time to read the headers and
//! the time to answer. On shutdown, a listener stops accepting, lets each connection finish
//! the request it is serving, and closes it.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::api::{self, Call, Outcome, Refusal, Server};
use super::nonce::Scope;
use super::upstream::Upstream;

/// Alibaba Cloud's JSON content type.
pub const JSON: &str = "application/json;charset=utf-8";
/// The SHA-256 of the empty body, as `x-acs-content-sha256` carries it.
const EMPTY_BODY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The bounds of every request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most bytes of a request's head (request line and headers).
    pub max_header_bytes: usize,
    /// The most bytes of a request's body.
    pub max_body_bytes: usize,
    /// The time a client has to send the whole head.
    pub header_timeout: Duration,
    /// The time a request may take, from its head to the answer.
    pub request_timeout: Duration,
    /// The time in-flight requests get to finish on shutdown.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    /// 64 KiB of headers, 1 MiB of body, 10 s for the headers, 30 s per request, 9 s grace.
    fn default() -> Limits {
        Limits {
            max_header_bytes: 64 * 1024,
            max_body_bytes: 1024 * 1024,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(9),
        }
    }
}

/// What the main listener serves with.
#[derive(Debug)]
pub struct App {
    /// The one pipeline of every signed call.
    pub server: Arc<Server>,
    /// Where allowed API calls go, if anywhere (else the executions table answers).
    pub upstream: Option<Upstream>,
    /// The bounds of every request.
    pub limits: Limits,
}

type Answer = Response<Full<Bytes>>;

/// Serves the main routes on `listener` until `shutdown` turns true, then lets in-flight
/// requests finish (at most [`Limits::shutdown_grace`]).
pub async fn serve(listener: TcpListener, app: Arc<App>, shutdown: watch::Receiver<bool>) {
    let limits = app.limits;
    accept_loop(listener, limits, shutdown, move |request, peer| {
        let app = Arc::clone(&app);
        async move { route(&app, request, peer).await }
    })
    .await;
}

/// Serves `POST /v1/decide` on `listener` until `shutdown` turns true.
pub async fn serve_decide(
    listener: TcpListener,
    server: Arc<Server>,
    limits: Limits,
    shutdown: watch::Receiver<bool>,
) {
    accept_loop(listener, limits, shutdown, move |request, _peer| {
        let server = Arc::clone(&server);
        async move { decide_route(&server, request, limits).await }
    })
    .await;
}

/// Accepts connections and serves each with `handle` until shutdown; then waits for the
/// connections to finish their request.
async fn accept_loop<H, F>(
    listener: TcpListener,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
    handle: H,
) where
    H: Fn(Request<Incoming>, SocketAddr) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Answer> + Send + 'static,
{
    let mut connections = JoinSet::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_header_bytes.max(8192));
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stopping(&mut shutdown) => break,
        };
        // Reap finished connections, so that the set stays as large as the open ones.
        while connections.try_join_next().is_some() {}
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let handle = handle.clone();
        let timeout = limits.request_timeout;
        let service = service_fn(move |request: Request<Incoming>| {
            let answer = handle(request, peer);
            async move {
                Ok::<_, Infallible>(
                    tokio::time::timeout(timeout, answer)
                        .await
                        .unwrap_or_else(|_| timed_out()),
                )
            }
        });
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let mut stop = shutdown.clone();
        connections.spawn(async move {
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => finished(result),
                () = stopping(&mut stop) => {
                    connection.as_mut().graceful_shutdown();
                    finished(connection.await);
                }
            }
        });
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(limits.shutdown_grace, drain)
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the grace period: closing them");
        connections.abort_all();
    }
}

/// Resolves once shutdown is asked for (or its sender is gone).
pub(crate) async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

fn finished(result: Result<(), hyper::Error>) {
    if let Err(e) = result {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}

/// 503 for a request that took longer than the request timeout.
fn timed_out() -> Answer {
    let refusal = Refusal::unavailable(&api::request_id(), None);
    refusal_answer(&refusal)
}

/// A plain-text answer.
fn text(status: StatusCode, body: &'static str) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *answer.status_mut() = status;
    answer.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    answer
}

/// A JSON answer with the request id header Alibaba Cloud sends.
fn json(status: u16, body: String, request_id: &str) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::from(body)));
    *answer.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = answer.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON));
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-acs-request-id", id);
    }
    answer
}

/// The API's answer to a refusal: its status and JSON body.
fn refusal_answer(refusal: &Refusal) -> Answer {
    json(refusal.status, refusal.body.clone(), &refusal.request_id)
}

/// The routes of the main listener.
async fn route(app: &App, request: Request<Incoming>, peer: SocketAddr) -> Answer {
    let path = request.uri().path();
    match path {
        "/healthz" => text(StatusCode::OK, "ok\n"),
        "/readyz" => match app.server.snapshot.current() {
            Some(_) => text(StatusCode::OK, "ready\n"),
            None => text(StatusCode::SERVICE_UNAVAILABLE, "no snapshot loaded yet\n"),
        },
        "/metrics" => metrics(&app.server),
        "/auth_request" => auth_request(app, request).await,
        _ if path == "/ext_authz" || path.starts_with("/ext_authz/") => {
            ext_authz(app, request).await
        }
        _ => api_call(app, request, peer).await,
    }
}

fn metrics(server: &Server) -> Answer {
    let text = server.metrics.encode();
    let mut answer = Response::new(Full::new(Bytes::from(text)));
    answer.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(super::metrics::CONTENT_TYPE),
    );
    answer
}

/// A request read whole: its parts, the headers as text, the body.
struct Read {
    method: Method,
    path_and_query: String,
    header_map: HeaderMap,
    body: Bytes,
}

impl Read {
    /// The headers as text ([`read`] refused any value that is not UTF-8).
    fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.header_map
            .iter()
            .filter_map(|(n, v)| Some((n.as_str(), std::str::from_utf8(v.as_bytes()).ok()?)))
            .collect()
    }
}

/// Reads the head and the body within the limits; a refusal (413, 400) otherwise.
async fn read(request: Request<Incoming>, limits: Limits) -> Result<Read, Refusal> {
    let (parts, body) = request.into_parts();
    let host = parts
        .headers
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body_bytes as u64) {
        return Err(Refusal::too_large(&api::request_id(), host.as_deref()));
    }
    let body = match Limited::new(body, limits.max_body_bytes).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return Err(Refusal::too_large(&api::request_id(), host.as_deref()))
        }
        Err(_) => {
            return Err(Refusal::unreadable(
                &api::request_id(),
                host.as_deref(),
                "The request body could not be read.",
            ))
        }
    };
    // A header that is not text cannot be signed text, nor a context value: refused rather
    // than dropped, since dropping one could drop what a condition reads.
    if parts
        .headers
        .values()
        .any(|v| std::str::from_utf8(v.as_bytes()).is_err())
    {
        return Err(Refusal::unreadable(
            &api::request_id(),
            host.as_deref(),
            "A request header is not valid UTF-8.",
        ));
    }
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    Ok(Read {
        method: parts.method,
        path_and_query,
        header_map: parts.headers,
        body,
    })
}

/// [`read`], with a refusal counted and logged as the calls that get an answer are.
async fn read_counted(app: &App, request: Request<Incoming>) -> Result<Read, Refusal> {
    let read = read(request, app.limits).await;
    if let Err(refusal) = &read {
        app.server.refused_early(refusal);
    }
    read
}

/// `path?query` split at the first `?`.
fn split_target(target: &str) -> (&str, &str) {
    target.split_once('?').unwrap_or((target, ""))
}

/// The first value of a header, if it is text.
fn header<'a>(headers: &'a [(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    crate::signature::header(headers, name)
}

/// Whether the front end says the client used TLS (`x-forwarded-proto: https`).
fn forwarded_https(headers: &[(&str, &str)]) -> bool {
    header(headers, "x-forwarded-proto").is_some_and(|p| {
        p.split(',')
            .next()
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
    })
}

/// The client's address as Envoy reports it: `x-envoy-external-address`, else the last entry
/// of `x-forwarded-for` (the one Envoy appended).
fn envoy_source(headers: &[(&str, &str)]) -> Option<IpAddr> {
    if let Some(ip) =
        header(headers, "x-envoy-external-address").and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    header(headers, "x-forwarded-for")
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse().ok())
}

/// The API at `/`: authorize, then forward to the upstream or cancel in the table.
async fn api_call(app: &App, request: Request<Incoming>, peer: SocketAddr) -> Answer {
    let read = match read_counted(app, request).await {
        Ok(read) => read,
        Err(refusal) => return refusal_answer(&refusal),
    };
    let headers = read.header_pairs();
    let (path, query) = split_target(&read.path_and_query);
    let call = Call {
        method: read.method.as_str(),
        path,
        query,
        headers: &headers,
        body: &read.body,
        source_ip: Some(peer.ip().to_canonical()),
        secure_transport: false,
    };
    let allowed = match app.server.authorize_in(Scope::Api, &call).await {
        Outcome::Allowed(allowed) => allowed,
        Outcome::Refused(refusal) => return refusal_answer(&refusal),
    };
    let Some(upstream) = &app.upstream else {
        return match app.server.cancel(&allowed).await {
            Ok(body) => json(200, body, &allowed.request_id),
            Err(refusal) => refusal_answer(&refusal),
        };
    };
    match upstream
        .forward(
            &read.method,
            &read.path_and_query,
            &read.header_map,
            read.body.clone(),
        )
        .await
    {
        Ok(answer) => answer,
        Err(e) => {
            tracing::warn!(request_id = %allowed.request_id, error = %e, "cannot forward an allowed call");
            refusal_answer(&Refusal::unavailable(
                &allowed.request_id,
                Some(&allowed.host),
            ))
        }
    }
}

/// Envoy's HTTP `ext_authz`: the original method, the original path and query after the
/// prefix, the allowed headers; 200 with who is calling, or the API's refusal.
async fn ext_authz(app: &App, request: Request<Incoming>) -> Answer {
    let read = match read_counted(app, request).await {
        Ok(read) => read,
        Err(refusal) => return refusal_answer(&refusal),
    };
    let headers = read.header_pairs();
    let original = read
        .path_and_query
        .strip_prefix("/ext_authz")
        .unwrap_or("/");
    let original = if original.is_empty() || original.starts_with('?') {
        format!("/{original}")
    } else {
        original.to_owned()
    };
    let (path, query) = split_target(&original);
    let call = Call {
        method: read.method.as_str(),
        path,
        query,
        headers: &headers,
        body: &read.body,
        source_ip: envoy_source(&headers),
        secure_transport: forwarded_https(&headers),
    };
    match app.server.authorize(&call).await {
        Outcome::Allowed(allowed) => allow_answer(&allowed),
        Outcome::Refused(refusal) => refusal_answer(&refusal),
    }
}

/// 200 with `x-ramcheck-principal` and `x-ramcheck-request-id`, for the gateway to pass on.
fn allow_answer(allowed: &api::Allowed) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::new()));
    let headers = answer.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&allowed.principal) {
        headers.insert("x-ramcheck-principal", v);
    }
    if let Ok(v) = HeaderValue::from_str(&allowed.request_id) {
        headers.insert("x-ramcheck-request-id", v);
    }
    answer
}

/// Whether a refusal is about the signature (nginx: 401), rather than a decision (403).
fn is_signature_failure(code: &str) -> bool {
    matches!(
        code,
        "IncompleteSignature"
            | "SignatureDoesNotMatch"
            | "InvalidTimeStamp.Expired"
            | "SignatureNonceUsed"
            | "InvalidAccessKeyId.NotFound"
            | "InvalidSecurityToken.MismatchWithAccessKey"
    )
}

/// nginx's `auth_request`: the original method and URI in `X-Original-Method` and
/// `X-Original-URI`, no body; 200 allows, 401 (signature) or 403 (anything else) refuses,
/// with `X-Ramcheck-Status`, `X-Ramcheck-Code` and `X-Ramcheck-Body` to rebuild the API's
/// answer.
async fn auth_request(app: &App, request: Request<Incoming>) -> Answer {
    let read = match read_counted(app, request).await {
        Ok(read) => read,
        Err(refusal) => return nginx_refusal(&refusal),
    };
    let headers = read.header_pairs();
    let host = header(&headers, "host");
    let (Some(method), Some(uri)) = (
        header(&headers, "x-original-method"),
        header(&headers, "x-original-uri"),
    ) else {
        let refusal = Refusal::unreadable(
            &api::request_id(),
            host,
            "The auth_request subrequest lacks X-Original-Method or X-Original-URI.",
        );
        tracing::warn!("an auth_request subrequest without X-Original-Method or X-Original-URI: check the nginx configuration");
        app.server.refused_early(&refusal);
        return nginx_refusal(&refusal);
    };
    // nginx does not pass the body: a call signed over one has parameters that cannot be
    // seen, and is refused rather than decided on the query alone.
    let hashed = header(&headers, "x-acs-content-sha256");
    if hashed.is_some_and(|h| !h.eq_ignore_ascii_case(EMPTY_BODY_SHA256)) {
        let refusal = Refusal::unreadable(
            &api::request_id(),
            host,
            "The request has a body, which nginx auth_request does not pass on: send the parameters in the query.",
        );
        app.server.refused_early(&refusal);
        return nginx_refusal(&refusal);
    }
    // The subrequest's own framing headers are nginx's, not the client's.
    let original: Vec<(&str, &str)> = headers
        .iter()
        .copied()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("content-length"))
        .collect();
    let (path, query) = split_target(uri);
    let call = Call {
        method,
        path,
        query,
        headers: &original,
        body: b"",
        source_ip: header(&headers, "x-real-ip").and_then(|v| v.trim().parse().ok()),
        secure_transport: forwarded_https(&headers),
    };
    match app.server.authorize(&call).await {
        Outcome::Allowed(allowed) => allow_answer(&allowed),
        Outcome::Refused(refusal) => nginx_refusal(&refusal),
    }
}

fn nginx_refusal(refusal: &Refusal) -> Answer {
    let status = if is_signature_failure(&refusal.code) {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::FORBIDDEN
    };
    let mut answer = json(status.as_u16(), refusal.body.clone(), &refusal.request_id);
    let headers = answer.headers_mut();
    headers.insert("x-ramcheck-status", HeaderValue::from(refusal.status));
    if let Ok(v) = HeaderValue::from_str(&refusal.code) {
        headers.insert("x-ramcheck-code", v);
    }
    // The body is JSON: control characters are escaped, any other byte is allowed in a value.
    if let Ok(v) = HeaderValue::from_bytes(refusal.body.as_bytes()) {
        headers.insert("x-ramcheck-body", v);
    }
    answer
}

/// The decision API's listener: `POST /v1/decide`, `/healthz`, nothing else.
async fn decide_route(server: &Server, request: Request<Incoming>, limits: Limits) -> Answer {
    match (request.method(), request.uri().path()) {
        (&Method::POST, "/v1/decide") => {}
        (_, "/v1/decide") => return decide_error(405, "use POST /v1/decide"),
        (_, "/healthz") => return text(StatusCode::OK, "ok\n"),
        _ => return decide_error(404, "not found: the decision API is `POST /v1/decide`"),
    }
    let read = match read(request, limits).await {
        Ok(read) => read,
        Err(refusal) => {
            return decide_error(
                refusal.status,
                "the request body is too large or unreadable",
            )
        }
    };
    match server.decide_json(&read.body) {
        Ok(value) => {
            let mut answer = Response::new(Full::new(Bytes::from(value.to_string())));
            answer
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(JSON));
            answer
        }
        Err(e) => decide_error(e.status(), &e.to_string()),
    }
}

/// A decision API error: `{"error": MESSAGE}`.
fn decide_error(status: u16, message: &str) -> Answer {
    let body = serde_json::json!({ "error": message }).to_string();
    let mut answer = Response::new(Full::new(Bytes::from(body)));
    *answer.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    answer
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(JSON));
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envoy_source_prefers_the_external_address_then_the_last_hop() {
        let h = [("x-forwarded-for", "10.0.0.1, 192.0.2.7")];
        assert_eq!(envoy_source(&h), "192.0.2.7".parse().ok());
        let h = [
            ("x-forwarded-for", "10.0.0.1"),
            ("x-envoy-external-address", "198.51.100.2"),
        ];
        assert_eq!(envoy_source(&h), "198.51.100.2".parse().ok());
        assert_eq!(envoy_source(&[("x-forwarded-for", "not-an-ip")]), None);
    }

    #[test]
    fn secure_transport_only_on_https() {
        assert!(forwarded_https(&[("X-Forwarded-Proto", "https")]));
        assert!(!forwarded_https(&[("x-forwarded-proto", "http")]));
        assert!(!forwarded_https(&[]));
    }

    #[test]
    fn nginx_status_is_401_for_signatures_and_403_otherwise() {
        let sig = Refusal::new(400, "SignatureDoesNotMatch", "m", "ID", None);
        let ram = Refusal::new(403, "Forbidden.RAM", "m", "ID", None);
        let down = Refusal::new(503, "ServiceUnavailable", "m", "ID", None);
        assert_eq!(nginx_refusal(&sig).status(), 401);
        assert_eq!(nginx_refusal(&ram).status(), 403);
        let answer = nginx_refusal(&down);
        assert_eq!(answer.status(), 403);
        assert_eq!(answer.headers()["x-ramcheck-status"], "503");
        assert_eq!(answer.headers()["x-ramcheck-code"], "ServiceUnavailable");
    }
}
