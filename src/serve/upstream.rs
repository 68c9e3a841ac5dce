//! Forwarding an allowed API call to `--upstream`: the original request (method, path, query,
//! headers but the hop-by-hop ones, body), and the upstream's answer back as it came.
//!
//! One pooled HTTP/1.1 client; a call the upstream does not answer within the timeout, or an
//! upstream that cannot be reached, is 503 `ServiceUnavailable` (the SDKs retry it: the call
//! was authorized, the service behind is what failed).

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{HeaderMap, HeaderName};
use hyper::{Method, Response, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// The headers that belong to one connection, not to the request (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Whether a header is dropped when forwarding: a hop-by-hop header, or one the `Connection`
/// header names.
fn is_hop_by_hop(name: &HeaderName, headers: &HeaderMap) -> bool {
    if HOP_BY_HOP.contains(&name.as_str()) {
        return true;
    }
    headers
        .get_all(hyper::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case(name.as_str()))
}

/// Why `--upstream` is not a URL this client can forward to.
#[derive(Debug, thiserror::Error)]
#[error("--upstream: expected `http://HOST:PORT`, found `{0}`")]
pub struct UpstreamUrlError(pub String);

/// Why a forwarded call got no answer.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The upstream cannot be reached or broke the connection.
    #[error("the upstream failed: {0}")]
    Failed(String),
    /// No answer within the timeout.
    #[error("the upstream did not answer within {0:?}")]
    Timeout(Duration),
    /// The answer was larger than the limit.
    #[error("the upstream's answer is larger than {0} bytes")]
    TooLarge(usize),
}

/// A pooled client for one upstream.
#[derive(Debug, Clone)]
pub struct Upstream {
    client: Client<HttpConnector, Full<Bytes>>,
    /// `http://HOST:PORT`, without a trailing slash.
    base: String,
    timeout: Duration,
    max_body: usize,
}

impl Upstream {
    /// A client for `url` (`http://HOST:PORT`, no path), with a timeout per call and a limit
    /// on an answer's body.
    ///
    /// # Errors
    ///
    /// When `url` is not `http://HOST:PORT`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ramcheck::serve::upstream::Upstream;
    ///
    /// assert!(Upstream::new("http://127.0.0.1:9000", Duration::from_secs(30), 1 << 20).is_ok());
    /// assert!(Upstream::new("https://ecs.aliyuncs.com", Duration::from_secs(30), 1 << 20).is_err());
    /// ```
    pub fn new(
        url: &str,
        timeout: Duration,
        max_body: usize,
    ) -> Result<Upstream, UpstreamUrlError> {
        let uri: Uri = url.parse().map_err(|_| UpstreamUrlError(url.to_owned()))?;
        let plain = uri.scheme_str() == Some("http")
            && uri.host().is_some_and(|h| !h.is_empty())
            && matches!(uri.path(), "" | "/")
            && uri.query().is_none();
        let Some(authority) = uri.authority().filter(|_| plain) else {
            return Err(UpstreamUrlError(url.to_owned()));
        };
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeout));
        connector.set_nodelay(true);
        Ok(Upstream {
            client: Client::builder(TokioExecutor::new()).build(connector),
            base: format!("http://{authority}"),
            timeout,
            max_body,
        })
    }

    /// Forwards the call and returns the upstream's answer, hop-by-hop headers dropped.
    ///
    /// # Errors
    ///
    /// A [`ForwardError`] when no whole answer came back.
    pub async fn forward(
        &self,
        method: &Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<Response<Full<Bytes>>, ForwardError> {
        let uri = format!("{}{path_and_query}", self.base);
        let mut request = hyper::Request::builder().method(method.clone()).uri(uri);
        for (name, value) in headers {
            if !is_hop_by_hop(name, headers) {
                request = request.header(name, value);
            }
        }
        let request = request
            .body(Full::new(body))
            .map_err(|e| ForwardError::Failed(e.to_string()))?;
        let call = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| ForwardError::Failed(e.to_string()))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, self.max_body)
                .collect()
                .await
                .map_err(|_| ForwardError::TooLarge(self.max_body))?
                .to_bytes();
            let mut out = Response::new(Full::new(body));
            *out.status_mut() = parts.status;
            for (name, value) in &parts.headers {
                if !is_hop_by_hop(name, &parts.headers) && name != hyper::header::CONTENT_LENGTH {
                    out.headers_mut().append(name.clone(), value.clone());
                }
            }
            Ok::<_, ForwardError>(out)
        };
        match tokio::time::timeout(self.timeout, call).await {
            Ok(answer) => answer,
            Err(_) => Err(ForwardError::Timeout(self.timeout)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    #[test]
    fn connection_named_headers_are_hop_by_hop() {
        let mut headers = HeaderMap::new();
        headers.insert("connection", HeaderValue::from_static("close, x-private"));
        let private = HeaderName::from_static("x-private");
        let signed = HeaderName::from_static("x-acs-date");
        assert!(is_hop_by_hop(&private, &headers));
        assert!(is_hop_by_hop(
            &HeaderName::from_static("keep-alive"),
            &headers
        ));
        assert!(!is_hop_by_hop(&signed, &headers));
    }

    #[test]
    fn only_plain_http_upstreams() {
        let t = Duration::from_secs(1);
        for bad in ["http://h:1/path", "ftp://h:1", "h:1", "http://h:1/?q=1", ""] {
            assert!(Upstream::new(bad, t, 1).is_err(), "{bad}");
        }
        assert!(Upstream::new("http://h:1/", t, 1).is_ok());
    }
}
