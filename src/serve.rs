//! `ramcheck serve`: the authorizer in front of real gateways and real SDK clients.
//!
//! One process answers the ECS API itself (`/`, RPC style, signatures verified as Alibaba
//! Cloud verifies them), Envoy's HTTP and gRPC `ext_authz`, nginx's `auth_request`, and, when
//! asked, a plain JSON decision API; with `/healthz`, `/readyz`, `/metrics`, a JSON-lines
//! decision log and hot reload of every input.
//!
//! The layout follows one call:
//! - [`snapshot`]: everything a decision reads (the compiled accounts, [`credentials`],
//!   [`executions`]), loaded together and swapped in whole, so that no call ever sees half
//!   of a reload; [`reload`] watches the inputs and takes SIGHUP.
//! - [`api`]: one signed call from the wire to an answer: the action, the signature
//!   ([`crate::signature`]), the nonce ([`nonce`]), then [`crate::gateway::authorize_cancel`].
//!   Every front end (HTTP, `ext_authz`, `auth_request`, gRPC) goes through it.
//! - [`http`] and [`grpc`]: the listeners; [`upstream`] forwards an allowed call.
//! - [`metrics`] and [`decision_log`]: what operations see.
//!
//! Built on tokio, hyper and tonic, behind the `serve` cargo feature: the library proper
//! embeds without an async runtime.

pub mod api;
pub mod credentials;
pub mod decision_log;
pub mod executions;
pub mod grpc;
pub mod http;
pub mod metrics;
pub mod nonce;
pub mod reload;
pub mod snapshot;
pub mod upstream;
