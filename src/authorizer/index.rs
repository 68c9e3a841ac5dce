//! Compiled statements and pools: every statement's patterns pre-classified and its condition
//! pre-typed, and every pool (the statements one stage of the procedure pools, E1, E4) indexed by
//! action, so that deciding looks at the few statements that can match instead of all of them.
//!
//! A pool keeps its members in the reference's order (attachment order, then statement index),
//! and every index list is sorted by member position; merging the lists visits candidates in
//! that order, so the deciding statements come out exactly as the reference lists them.
//!
//! - [`statement`]: one compiled statement and its shared resource part.
//! - [`catalog`]: every statement of a set of policies, interned, and the building of pools.
//! - [`pool`]: a pool, its index lists and their merge.
//! - [`candidate`]: a statement whose action matches, and the loop that tests a list of them.
//! - [`tuning`]: the optimisations specific to the hot action and the measured workloads,
//!   behind [`Tuning`].

pub(crate) mod candidate;
pub(crate) mod catalog;
pub(crate) mod pool;
pub(crate) mod refs;
pub(crate) mod statement;
pub(crate) mod tuning;

#[cfg(test)]
mod tests;

pub(crate) use candidate::Evaluation;
pub(crate) use catalog::{to_u32, Catalog, Lookup};
pub(crate) use pool::{prefetch, Pool, PoolError, Sink};
pub(crate) use statement::CompiledStatement;
pub use tuning::Tuning;
