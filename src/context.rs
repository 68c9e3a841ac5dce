//! The request context: the condition keys a request gives and their values (spec rules C2,
//! C6, C7), and the errors of building a request ([`RequestError`]).
//!
//! It sits below the `condition` module, which reads it, and the `decision` module, which puts
//! it in a `Request` and re-exports both types: their public paths are
//! `ramcheck::decision::Context` and `ramcheck::decision::RequestError`. What the keys mean is
//! the vocabulary's ([`fixed_type_of`]).

use std::collections::HashMap;

use crate::matching::ArnError;
use crate::vocabulary::{fixed_type_of, validate_request_value, Family};

/// The request context: condition keys and their values. A key given several times has several
/// values, OR-ed (C2). Key names compare case-insensitively (C6).
///
/// ```
/// use ramcheck::decision::Context;
///
/// let mut context = Context::new();
/// context.insert("acs:SourceIp", "192.168.0.7")?;
/// assert_eq!(context.values("ACS:SOURCEIP"), Some(&["192.168.0.7".to_string()][..]));
/// assert!(context.insert("acs:SourceIp", "not-an-ip").is_err()); // C7
/// # Ok::<(), ramcheck::decision::RequestError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    entries: Vec<(String, Vec<String>)>,
    /// Lower-cased key → entry, once there are more than [`INDEXED_FROM`] keys: a context
    /// built from many `--context` flags would otherwise take time quadratic in their number.
    /// A few keys are found faster by a scan, without allocating.
    index: HashMap<String, usize>,
}

/// The number of keys from which a context keeps an index.
const INDEXED_FROM: usize = 16;

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context::default()
    }

    /// Adds a value to a key. A global key with a fixed type (`acs:SourceIp`,
    /// `acs:CurrentTime`, `acs:SecureTransport`, `acs:MFAPresent`) must parse as that type
    /// (C7).
    pub fn insert(&mut self, key: &str, value: &str) -> Result<(), RequestError> {
        if key.is_empty() {
            return Err(RequestError::EmptyContextKey);
        }
        if let Some(family) = fixed_type_of(key) {
            validate_request_value(family, value).map_err(|cause| {
                RequestError::InvalidContextValue {
                    key: key.to_owned(),
                    value: value.to_owned(),
                    expected: family,
                    cause: cause.to_string(),
                }
            })?;
        }
        match self.position(key).and_then(|i| self.entries.get_mut(i)) {
            Some((_, values)) => values.push(value.to_owned()),
            None => {
                self.entries.push((key.to_owned(), vec![value.to_owned()]));
                if self.entries.len() > INDEXED_FROM {
                    if self.index.is_empty() {
                        self.reindex();
                    } else {
                        self.index
                            .insert(key.to_ascii_lowercase(), self.entries.len() - 1);
                    }
                }
            }
        }
        Ok(())
    }

    /// Where `key`'s entry is (C6: ignoring ASCII case).
    fn position(&self, key: &str) -> Option<usize> {
        if self.index.is_empty() {
            self.entries
                .iter()
                .position(|(k, _)| k.eq_ignore_ascii_case(key))
        } else {
            self.index.get(&key.to_ascii_lowercase()).copied()
        }
    }

    fn reindex(&mut self) {
        self.index = if self.entries.len() > INDEXED_FROM {
            self.entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.to_ascii_lowercase(), i))
                .collect()
        } else {
            HashMap::new()
        };
    }

    /// Parses `KEY=VALUE` (split at the first `=`) and adds it.
    pub fn insert_pair(&mut self, pair: &str) -> Result<(), RequestError> {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| RequestError::MalformedContextPair(pair.to_owned()))?;
        self.insert(key.trim(), value)
    }

    /// Replaces every value of a key (used for keys the checker fills in itself, C8, E2).
    pub fn set(&mut self, key: &str, value: &str) {
        self.entries.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        self.entries.push((key.to_owned(), vec![value.to_owned()]));
        self.reindex();
    }

    /// The values of a key, if the request has it.
    pub fn values(&self, key: &str) -> Option<&[String]> {
        self.position(key)
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v.as_slice())
    }

    /// Every key with its values, in the order first given.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }
}

/// Why a request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The resource is not a valid request ARN (M4).
    #[error(transparent)]
    InvalidResource(#[from] ArnError),
    /// The action is not `<ram-code>:<name>`.
    #[error("invalid action `{action}`: {reason}")]
    InvalidAction {
        /// The action as given.
        action: String,
        /// What is wrong.
        reason: String,
    },
    /// A context value does not parse as its key's fixed type (C7).
    #[error("invalid context value for `{key}`: {cause}")]
    InvalidContextValue {
        /// The key.
        key: String,
        /// The value as given.
        value: String,
        /// The type the key has.
        expected: Family,
        /// Why it does not parse.
        cause: String,
    },
    /// A context entry is not `KEY=VALUE`.
    #[error("invalid context entry `{0}`: expected `KEY=VALUE`, e.g. `acs:SourceIp=192.168.0.1`")]
    MalformedContextPair(String),
    /// A context key is empty.
    #[error("empty context key: expected `KEY=VALUE`, e.g. `acs:SourceIp=192.168.0.1`")]
    EmptyContextKey,
}
