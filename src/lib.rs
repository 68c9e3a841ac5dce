//! ramcheck reads Alibaba Cloud RAM policies and decides, exactly as RAM would, whether a
//! principal may call an action (above all `ecs:CancelImagePipelineExecution`) on a resource,
//! and says why.
//!
//! ```
//! use std::sync::Arc;
//! use ramcheck::decision::{Context, Decision, NamedPolicy, PolicySet, Request};
//! use ramcheck::policy::Policy;
//!
//! let policy = Policy::parse(r#"{
//!   "Version": "1",
//!   "Statement": [{
//!     "Effect": "Allow",
//!     "Action": "ecs:CancelImagePipelineExecution",
//!     "Resource": "acs:ecs:cn-hangzhou:*:imagepipeline/*",
//!     "Condition": {"IpAddress": {"acs:SourceIp": "192.168.0.0/16"}}
//!   }]
//! }"#)?;
//! let set = PolicySet::new(vec![NamedPolicy::new("cancel-hangzhou", None, Arc::new(policy))]);
//!
//! let mut context = Context::new();
//! context.insert("acs:SourceIp", "192.168.3.4")?;
//! let request = Request::new(
//!     "ecs:CancelImagePipelineExecution",
//!     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
//! )?
//! .with_context(context);
//!
//! let outcome = set.decide(&request)?;
//! assert_eq!(outcome.decision(), Decision::Allow);
//! assert_eq!(outcome.deciding()[0].policy(), "cancel-hangzhou");
//! assert_eq!(outcome.deciding()[0].position().to_string(), "3:17");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Overview
//!
//! - [`matching`]: `*`/`?` wildcards and resource ARNs (M1–M6).
//! - The vocabulary (a private module, re-exported by [`condition`] and [`policy`]): the 21
//!   operators, their families, the typed values they compare and what each operator tests
//!   (C3, C4), the only comparison code of the crate.
//! - [`policy`]: the typed model of a document, read strictly (spec G1–G11) with positions.
//! - The request context ([`decision::Context`], defined below [`condition`], which reads it).
//! - [`condition`]: testing a condition block against a request context (C1–C8).
//! - [`decision`]: requests, pools of policies and explained outcomes (E1, E5, E6).
//!
//! Each of these uses only those above it: vocabulary ← policy ← condition ← decision, with
//! [`matching`] and the context below condition.
//!
//! Above them, what applications use:
//!
//! - [`account`]: account snapshots and principals, and the reference engine of the decision
//!   procedure (E2–E5), which explains every decision.
//! - [`assume`]: several accounts, and `sts:AssumeRole` decided on both sides (T1–T6).
//! - [`source`]: accounts read from snapshots, Terraform plans and states, and ROS templates.
//! - [`authorizer`]: the compiled engine for a gateway's hot path.
//!   [`Authorizer::compile`](authorizer::Authorizer::compile) turns an account into an
//!   immutable, indexed form that decides without allocating, exactly as the reference engine
//!   does; [`AuthorizerHandle`](authorizer::AuthorizerHandle) is what each worker clones, and
//!   swaps in a reloaded snapshot atomically, keeping the old one when the new one fails.
//! - [`gateway`]: the `CancelImagePipelineExecution` adapter on top of the authorizer: from
//!   the API's parameters (`RegionId`, `ExecutionId`), through the gateway's resolver of
//!   executions to pipelines, to an allow or to the error body and status the API returns
//!   (400, 403 with `AccessDeniedDetail`, 404, 500).
//! - [`signature`]: Alibaba Cloud request signatures, verified and made.
//! - [`lint`] and [`analysis`]: the linter's rules, and who can reach a space of requests.
//!
//! # Guarantees
//!
//! - No panics on any input: every fault is a typed error with a position.
//! - Fails closed: nothing that goes wrong turns into Allow; a request value that cannot be
//!   compared is an error, never a silent "not met" (E6).
//! - Wildcard matching never backtracks exponentially (see [`matching`]).
//! - Parsed policies and sets are immutable and `Send + Sync`.
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod account;
pub mod analysis;
pub mod assume;
pub mod authorizer;
mod cap;
pub mod condition;
mod context;
pub mod decision;
pub mod gateway;
pub mod lint;
pub mod matching;
pub mod output;
pub mod policy;
mod procedure;
pub mod read;
mod repeats;
#[cfg(feature = "serve")]
pub mod serve;
pub mod signature;
pub mod source;
pub mod suggest;
mod vocabulary;

/// The README's examples, compiled and run as doctests so they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
