//! Resource and action patterns as the compiled authorizer matches them, and the byte-level
//! machinery under them. Each child owns one concept:
//!
//! - [`strategy`]: how a pattern matches (exact, prefix, any, general, ARN fields), chosen once
//!   when compiling, like globset's `GlobSetMatchStrategy`; the action patterns.
//! - [`arena`]: every distinct resource pattern of a catalog in one byte buffer.
//! - [`anchor`] and [`gram`]: the cheap tests that rule a pattern out before it is matched.
//! - [`scratch`]: the per-request scratch (the resource, its gram sets, the memo of results).
//! - [`text`]: word-at-a-time byte equality, case folding and hashing.
//! - [`names`]: the tables from action, service, user and role names to dense ids.
//!
//! Nothing here allocates when matching.

pub(crate) mod anchor;
pub(crate) mod arena;
pub(crate) mod gram;
pub(crate) mod names;
pub(crate) mod scratch;
pub(crate) mod strategy;
pub(crate) mod text;

#[cfg(test)]
mod tests;

pub(crate) use anchor::{anchor_is_plain, AnchorTable};
pub(crate) use arena::PatternArena;
pub(crate) use names::{FastState, FoldTable, NameTable};
pub(crate) use scratch::RequestScratch;
pub(crate) use strategy::{arn_colons, ActionPattern};
pub(crate) use text::{eq_bytes, eq_key, zero_bytes};
