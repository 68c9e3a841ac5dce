//! Typed values of RAM condition operators, parsed once from policy text and from request context.
//!
//! A policy lists its condition values as strings; the operator decides their type (spec rule C3):
//! `Numeric…` operators read [`Decimal`]s, `Date…` operators read [`Instant`]s, `Bool` reads
//! booleans ([`parse_bool`]) and `IpAddress`/`NotIpAddress` read [`IpBlock`]s, which a request
//! address ([`parse_ip`]) is tested against. Request values of typed keys are parsed with the same
//! functions (spec rule C7). Parsing is strict and reports a [`ValueError`] that names the offending
//! text, what was expected and how to fix it. Comparisons (`Ord` on [`Decimal`] and [`Instant`],
//! [`IpBlock::contains`]) never allocate, so they are cheap enough for a gateway's hot path.
//!
//! The values are defined, one file per family, in the crate's vocabulary module, which also
//! says what each operator tests; this module is their public home.

pub use crate::vocabulary::{
    parse_bool, parse_ip, Decimal, Instant, IpBlock, ValueError, ValueKind,
};
