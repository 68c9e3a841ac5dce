//! The messages of Envoy's external authorization API (`envoy.service.auth.v3`), written by hand
//! for the fields ramcheck reads and writes, with the field numbers of Envoy's protos.
//!
//! There is no `protoc` where ramcheck builds, so nothing is generated; prost skips every field
//! a message here does not declare, so Envoy may send all of its attributes. The sources:
//! `envoy/service/auth/v3/external_auth.proto` and `attribute_context.proto`,
//! `envoy/config/core/v3/base.proto` and `address.proto`, `envoy/type/v3/http_status.proto`
//! and `google/rpc/status.proto`.
//!
//! Two departures from the protos, both on the wire compatible with them: a `oneof` whose other
//! members ramcheck never reads (`Address.socket_address`) is an optional field, and
//! `HttpRequest.body`, a `string` in the proto, is read as bytes, so that a body Envoy did not
//! pack as bytes and that is not UTF-8 reaches the signature check (where it fails) instead of
//! failing the whole message.

use std::collections::HashMap;

/// `envoy.service.auth.v3.CheckRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct CheckRequest {
    /// The request's attributes.
    #[prost(message, optional, tag = "1")]
    pub attributes: Option<AttributeContext>,
}

/// `envoy.service.auth.v3.AttributeContext`: `source` and `request` only.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AttributeContext {
    /// The downstream peer: the client as Envoy sees it.
    #[prost(message, optional, tag = "1")]
    pub source: Option<Peer>,
    /// The request.
    #[prost(message, optional, tag = "4")]
    pub request: Option<Request>,
}

/// `AttributeContext.Peer`: its address only.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Peer {
    /// The peer's address.
    #[prost(message, optional, tag = "1")]
    pub address: Option<Address>,
}

/// `envoy.config.core.v3.Address`; of the `address` oneof only `socket_address`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Address {
    /// An IP address and port.
    #[prost(message, optional, tag = "1")]
    pub socket_address: Option<SocketAddress>,
}

/// `envoy.config.core.v3.SocketAddress`: `address` and `port_value`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SocketAddress {
    /// The IP address, as text.
    #[prost(string, tag = "2")]
    pub address: String,
    /// The port.
    #[prost(uint32, tag = "3")]
    pub port_value: u32,
}

/// `AttributeContext.Request`: its HTTP request only.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Request {
    /// The HTTP request.
    #[prost(message, optional, tag = "2")]
    pub http: Option<HttpRequest>,
}

/// `AttributeContext.HttpRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HttpRequest {
    /// Envoy's request id.
    #[prost(string, tag = "1")]
    pub id: String,
    /// The HTTP method.
    #[prost(string, tag = "2")]
    pub method: String,
    /// The headers, names in lower case, repeated headers joined by `,` (when Envoy's
    /// `encode_raw_headers` is off, its default).
    #[prost(map = "string, string", tag = "3")]
    pub headers: HashMap<String, String>,
    /// The request target as sent: path and query, not decoded.
    #[prost(string, tag = "4")]
    pub path: String,
    /// The `Host` or `:authority`.
    #[prost(string, tag = "5")]
    pub host: String,
    /// `http` or `https`.
    #[prost(string, tag = "6")]
    pub scheme: String,
    /// Always empty: the query is in `path`.
    #[prost(string, tag = "7")]
    pub query: String,
    /// The HTTP protocol, e.g. `HTTP/1.1`.
    #[prost(string, tag = "10")]
    pub protocol: String,
    /// The body, when Envoy buffers it (`with_request_body`) and does not pack it as bytes; a
    /// `string` in the proto.
    #[prost(bytes = "vec", tag = "11")]
    pub body: Vec<u8>,
    /// The body, when Envoy packs it as bytes (`pack_as_bytes`).
    #[prost(bytes = "vec", tag = "12")]
    pub raw_body: Vec<u8>,
    /// The headers one by one, not joined, when Envoy's `encode_raw_headers` is on.
    #[prost(message, optional, tag = "13")]
    pub header_map: Option<HeaderMap>,
}

/// `envoy.config.core.v3.HeaderMap`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HeaderMap {
    /// The headers, in order; a name may repeat.
    #[prost(message, repeated, tag = "1")]
    pub headers: Vec<HeaderValue>,
}

/// `envoy.config.core.v3.HeaderValue`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HeaderValue {
    /// The name.
    #[prost(string, tag = "1")]
    pub key: String,
    /// The value as text.
    #[prost(string, tag = "2")]
    pub value: String,
    /// The value as bytes: what `header_map` fills in instead of `value`.
    #[prost(bytes = "vec", tag = "3")]
    pub raw_value: Vec<u8>,
}

/// `envoy.config.core.v3.HeaderValueOption`: `header` and `append_action`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HeaderValueOption {
    /// The header.
    #[prost(message, optional, tag = "1")]
    pub header: Option<HeaderValue>,
    /// `HeaderAppendAction`; see [`OVERWRITE_IF_EXISTS_OR_ADD`].
    #[prost(int32, tag = "3")]
    pub append_action: i32,
}

/// `HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD`: a header the client sent
/// under the same name is replaced, never kept beside ramcheck's.
pub const OVERWRITE_IF_EXISTS_OR_ADD: i32 = 2;

/// `envoy.service.auth.v3.CheckResponse`: `status` and the `http_response` oneof.
#[derive(Clone, PartialEq, prost::Message)]
pub struct CheckResponse {
    /// The gRPC status of the check: `OK` allows.
    #[prost(message, optional, tag = "1")]
    pub status: Option<RpcStatus>,
    /// What Envoy does with the request.
    #[prost(oneof = "HttpResponse", tags = "2, 3")]
    pub http_response: Option<HttpResponse>,
}

/// `CheckResponse.http_response`.
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum HttpResponse {
    /// The answer Envoy sends the client instead of forwarding.
    #[prost(message, tag = "2")]
    DeniedResponse(DeniedHttpResponse),
    /// What Envoy changes in the request it forwards.
    #[prost(message, tag = "3")]
    OkResponse(OkHttpResponse),
}

/// `google.rpc.Status`: `code` and `message`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RpcStatus {
    /// A `google.rpc.Code`.
    #[prost(int32, tag = "1")]
    pub code: i32,
    /// For operators, not for the client.
    #[prost(string, tag = "2")]
    pub message: String,
}

/// `envoy.service.auth.v3.DeniedHttpResponse`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct DeniedHttpResponse {
    /// The HTTP status.
    #[prost(message, optional, tag = "1")]
    pub status: Option<HttpStatus>,
    /// Headers of the answer.
    #[prost(message, repeated, tag = "2")]
    pub headers: Vec<HeaderValueOption>,
    /// The body of the answer.
    #[prost(string, tag = "3")]
    pub body: String,
}

/// `envoy.service.auth.v3.OkHttpResponse`: `headers` and `headers_to_remove`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct OkHttpResponse {
    /// Headers to add to the request forwarded upstream.
    #[prost(message, repeated, tag = "2")]
    pub headers: Vec<HeaderValueOption>,
    /// Headers to remove from it.
    #[prost(string, repeated, tag = "5")]
    pub headers_to_remove: Vec<String>,
}

/// `envoy.type.v3.HttpStatus`: its `code` is the `StatusCode` enum, whose values are the HTTP
/// status numbers themselves.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HttpStatus {
    /// The HTTP status.
    #[prost(int32, tag = "1")]
    pub code: i32,
}
