//! The nonce window: each `x-acs-signature-nonce` (`SignatureNonce` for the RPC signature) is
//! accepted once per access key within the clock-skew window, so that a captured request
//! cannot be replayed while its time stamp is still good.
//!
//! A nonce is claimed in a [`Scope`]: once by the API itself (`/`, which carries the call out)
//! and once by the gateway checks (`ext_authz`, `auth_request`), which only decide. So a call
//! that Envoy or nginx let through may still reach a `ramcheck serve` acting as the API, as
//! the shipped configurations do, while each signed request is carried out once and
//! authorized once; a replay to either is refused.
//!
//! In memory, the window protects one process: a replay sent to another replica of a fleet is
//! not seen there. With Redis (`--nonce-store redis://HOST:PORT`) every replica claims the
//! nonce in one place, `SET ramcheck:nonce:{scope}:{access_key_id}:{nonce} 1 NX EX {window}`, and a
//! replay is refused wherever it lands.
//!
//! Fails closed: a store that cannot answer (Redis unreachable or slow, memory full of live
//! nonces) is an error, which the API answers 503; a claim is never taken as new when the
//! store could not say.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// Who claims a nonce: the API itself, or a gateway's check (see the [module](self) docs).
///
/// ```
/// use ramcheck::serve::nonce::Scope;
///
/// assert_eq!((Scope::Api.as_str(), Scope::Gateway.as_str()), ("api", "gateway"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The ECS API at `/`, which carries the call out.
    Api,
    /// Envoy's `ext_authz` (HTTP and gRPC) and nginx's `auth_request`, which only decide.
    Gateway,
}

impl Scope {
    /// The scope's name in store keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Api => "api",
            Scope::Gateway => "gateway",
        }
    }
}

/// How long one Redis command may take before the claim is an error.
pub const REDIS_TIMEOUT: Duration = Duration::from_secs(1);

/// The default bound of the memory store, in nonces.
pub const DEFAULT_MAX_ENTRIES: usize = 1_000_000;

/// Why a nonce could not be claimed: the call is answered 503 `ServiceUnavailable`.
///
/// ```
/// use ramcheck::serve::nonce::NonceError;
///
/// let e = NonceError::Full { max_entries: 10 };
/// assert!(e.to_string().contains("10 nonces"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NonceError {
    /// The memory store holds its bound of nonces, none expired.
    #[error("the nonce store is full: {max_entries} nonces within their window")]
    Full {
        /// The bound.
        max_entries: usize,
    },
    /// Redis did not answer (down, unreachable, refused the command).
    #[error("the Redis nonce store did not answer: {0}")]
    Unreachable(String),
    /// Redis did not answer within [`REDIS_TIMEOUT`].
    #[error("the Redis nonce store did not answer within {0:?}")]
    Timeout(Duration),
    /// The Redis URL is not one.
    #[error("invalid Redis URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given, without its password.
        url: String,
        /// What is wrong.
        reason: String,
    },
}

/// Where nonces are claimed: this process's memory, or a Redis server shared by replicas.
///
/// ```
/// use std::time::Duration;
/// use ramcheck::serve::nonce::{NonceStore, Scope};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let store = NonceStore::memory(1000);
/// let window = Duration::from_secs(900);
/// assert_eq!(store.claim(Scope::Api, "LTAI-ci", "n-1", window).await, Ok(true));
/// assert_eq!(store.claim(Scope::Api, "LTAI-ci", "n-1", window).await, Ok(false));
/// assert_eq!(store.claim(Scope::Api, "LTAI-other", "n-1", window).await, Ok(true));
/// # });
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum NonceStore {
    /// In this process.
    Memory(MemoryNonces),
    /// In Redis.
    Redis(RedisNonces),
}

impl NonceStore {
    /// A memory store of at most `max_entries` nonces (0: [`DEFAULT_MAX_ENTRIES`]).
    pub fn memory(max_entries: usize) -> NonceStore {
        NonceStore::Memory(MemoryNonces::new(max_entries))
    }

    /// A Redis store at `url` (`redis://HOST:PORT`, `rediss://` for TLS is not built in).
    /// It connects on the first claim and reconnects after a failure, so a server started
    /// before Redis serves as soon as Redis is up; meanwhile every claim is an error.
    ///
    /// # Errors
    ///
    /// [`NonceError::InvalidUrl`] when `url` is not a Redis URL.
    pub async fn redis(url: &str) -> Result<NonceStore, NonceError> {
        RedisNonces::new(url).map(NonceStore::Redis)
    }

    /// Claims `nonce` for `access_key_id` in `scope` for `window`: `Ok(true)` when it was
    /// not used there within its window (it is now), `Ok(false)` when it was.
    ///
    /// # Errors
    ///
    /// When the store cannot tell: the call must be refused (503), never let through.
    pub async fn claim(
        &self,
        scope: Scope,
        access_key_id: &str,
        nonce: &str,
        window: Duration,
    ) -> Result<bool, NonceError> {
        match self {
            NonceStore::Memory(m) => m.claim(scope, access_key_id, nonce, window, Instant::now()),
            NonceStore::Redis(r) => r.claim(scope, access_key_id, nonce, window).await,
        }
    }
}

/// The nonces of one process, bounded: expired ones make room first, and a store full of
/// live ones refuses ([`NonceError::Full`]) rather than forget one early.
///
/// Each nonce is kept as a SHA-256 digest of its key and text, so an entry has a fixed size
/// whatever a client sends.
#[derive(Debug)]
pub struct MemoryNonces {
    max_entries: usize,
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    /// Digest -> when its window ends.
    live: HashMap<[u8; 32], Instant>,
    /// The same entries by the end of their window, earliest first.
    expiry: BinaryHeap<Reverse<(Instant, [u8; 32])>>,
}

impl MemoryNonces {
    /// A store of at most `max_entries` nonces (0: [`DEFAULT_MAX_ENTRIES`]).
    pub fn new(max_entries: usize) -> MemoryNonces {
        MemoryNonces {
            max_entries: if max_entries == 0 {
                DEFAULT_MAX_ENTRIES
            } else {
                max_entries
            },
            state: Mutex::default(),
        }
    }

    /// How many nonces it holds, expired ones not yet evicted included.
    pub fn len(&self) -> usize {
        self.lock().live.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        // Every change keeps `live` and `expiry` usable: a stale heap entry is skipped.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// [`NonceStore::claim`] at `now`.
    fn claim(
        &self,
        scope: Scope,
        access_key_id: &str,
        nonce: &str,
        window: Duration,
        now: Instant,
    ) -> Result<bool, NonceError> {
        let key = digest(scope, access_key_id, nonce);
        let mut state = self.lock();
        if let Some(&until) = state.live.get(&key) {
            if until > now {
                return Ok(false);
            }
        }
        state.evict(now);
        if state.live.len() >= self.max_entries && !state.live.contains_key(&key) {
            return Err(NonceError::Full {
                max_entries: self.max_entries,
            });
        }
        let until = now.checked_add(window).unwrap_or(now);
        state.live.insert(key, until);
        state.expiry.push(Reverse((until, key)));
        Ok(true)
    }
}

impl MemoryState {
    /// Drops every entry whose window ended by `now`.
    fn evict(&mut self, now: Instant) {
        while let Some(Reverse((until, key))) = self.expiry.peek().copied() {
            if until > now {
                break;
            }
            self.expiry.pop();
            // A nonce claimed again after its window has a later entry: keep that one.
            if self.live.get(&key) == Some(&until) {
                self.live.remove(&key);
            }
        }
    }
}

/// The digest an entry is kept under: the scope, then the key id's length, so that no two
/// triples of scope, key id and nonce give the same bytes.
fn digest(scope: Scope, access_key_id: &str, nonce: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([scope as u8]);
    hasher.update((access_key_id.len() as u64).to_be_bytes());
    hasher.update(access_key_id.as_bytes());
    hasher.update(nonce.as_bytes());
    hasher.finalize().into()
}

/// The nonces of a fleet, in Redis.
pub struct RedisNonces {
    manager: redis::aio::ConnectionManager,
    /// The URL without its password, for errors.
    shown: String,
}

impl std::fmt::Debug for RedisNonces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisNonces")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

impl RedisNonces {
    /// A store at `url`, connecting lazily (see [`NonceStore::redis`]).
    ///
    /// # Errors
    ///
    /// [`NonceError::InvalidUrl`] when `url` is not a Redis URL.
    pub fn new(url: &str) -> Result<RedisNonces, NonceError> {
        let shown = without_password(url);
        let invalid = |e: redis::RedisError| NonceError::InvalidUrl {
            url: shown.clone(),
            reason: e.to_string(),
        };
        let client = redis::Client::open(url).map_err(invalid)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            // A failed command is the caller's error at once; the manager reconnects in the
            // background for the next one.
            .set_number_of_retries(1);
        let manager =
            redis::aio::ConnectionManager::new_lazy_with_config(client, config).map_err(invalid)?;
        Ok(RedisNonces { manager, shown })
    }

    async fn claim(
        &self,
        scope: Scope,
        access_key_id: &str,
        nonce: &str,
        window: Duration,
    ) -> Result<bool, NonceError> {
        // Access key ids hold no `:` (credentials refuse them), so the key reads back one way.
        let key = format!("ramcheck:nonce:{}:{access_key_id}:{nonce}", scope.as_str());
        let mut command = redis::cmd("SET");
        command
            .arg(&key)
            .arg(1)
            .arg("NX")
            .arg("EX")
            // Whole seconds, rounded up: never shorter than the window asked for.
            .arg((window.as_secs() + u64::from(window.subsec_nanos() > 0)).max(1));
        let mut connection = self.manager.clone();
        let reply: redis::Value =
            match tokio::time::timeout(REDIS_TIMEOUT, command.query_async(&mut connection)).await {
                Ok(Ok(reply)) => reply,
                Ok(Err(e)) => return Err(NonceError::Unreachable(e.to_string())),
                Err(_) => return Err(NonceError::Timeout(REDIS_TIMEOUT)),
            };
        match reply {
            redis::Value::Okay => Ok(true),
            redis::Value::Nil => Ok(false),
            redis::Value::SimpleString(s) if s == "OK" => Ok(true),
            other => Err(NonceError::Unreachable(format!(
                "unexpected reply to SET NX from {}: {other:?}",
                self.shown
            ))),
        }
    }
}

/// A Redis URL as errors and logs may show it: without a password.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests;
