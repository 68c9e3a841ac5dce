//! Hot reload: a handle every gateway worker clones, through which the current [`Authorizer`]
//! is read and a newly compiled one is swapped in atomically.
//!
//! Built on `arc-swap`: reading is a lock-free atomic load of an `Arc` (readers never block and
//! never wait for a writer), and a reload compiles the new account *before* touching the handle,
//! then publishes it with one atomic store. A reader sees the old snapshot or the new one, never
//! a half-built one; a reload that fails to parse or compile leaves the old one in place.
//!
//! Every snapshot a reload publishes is a newly compiled [`Authorizer`] with a stamp of its own,
//! so a [`PrincipalId`](super::PrincipalId) resolved on the old one is refused by the new one
//! ([`HandleError`](super::HandleError)) instead of naming whichever principal has its number
//! there now: resolve against the snapshot you decide with.

use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use arc_swap::{ArcSwap, Guard};

use super::{Authorizer, LoadError};
use crate::account::Account;

/// A shared, hot-reloadable [`Authorizer`]: clone it into every worker.
///
/// ```
/// use ramcheck::authorizer::{AuthRequest, AuthorizerHandle};
/// use ramcheck::decision::Decision;
///
/// let handle = AuthorizerHandle::from_json(
///     r#"{"account_id": "1234567890123456", "users": {"alice": {"policies": ["AliyunECSFullAccess"]}}}"#)?;
/// let worker = handle.clone();
/// let request = AuthRequest::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// let current = worker.current();
/// let alice = current.resolve("user/alice")?;
/// assert_eq!(current.authorize(alice, None, &request)?.decision(), Decision::Allow);
///
/// // A reload that fails keeps the old authorizer and returns the error.
/// assert!(handle.reload_json(r#"{"account_id": "1234567890123456", "users": 3}"#).is_err());
/// handle.reload_json(r#"{"account_id": "1234567890123456", "users": {"alice": {}}}"#)?;
/// let current = worker.current();
/// // The id resolved on the old snapshot is refused; resolved again, alice decides.
/// assert!(current.authorize(alice, None, &request).is_err());
/// let alice = current.resolve("user/alice")?;
/// assert_eq!(current.authorize(alice, None, &request)?.decision(), Decision::ImplicitDeny);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct AuthorizerHandle {
    current: Arc<ArcSwap<Authorizer>>,
}

impl AuthorizerHandle {
    /// A handle serving this authorizer.
    pub fn new(authorizer: Authorizer) -> AuthorizerHandle {
        AuthorizerHandle {
            current: Arc::new(ArcSwap::from_pointee(authorizer)),
        }
    }

    /// A handle serving the account in this JSON text (policy paths relative to the current
    /// directory).
    ///
    /// # Errors
    ///
    /// As [`Authorizer::from_json`].
    pub fn from_json(text: &str) -> Result<AuthorizerHandle, LoadError> {
        Ok(AuthorizerHandle::new(Authorizer::from_json(
            text, None, None,
        )?))
    }

    /// The current authorizer: a lock-free load, valid for as long as the [`Current`] lives
    /// even if a reload happens meanwhile. Take one per request (or per batch), and resolve
    /// principals against it.
    #[inline]
    pub fn current(&self) -> Current {
        Current(self.current.load())
    }

    /// The current authorizer as an owned `Arc` (a reference-count increment).
    pub fn snapshot(&self) -> Arc<Authorizer> {
        self.current.load_full()
    }

    /// Publishes an already compiled authorizer (one atomic store; concurrent reloads: the
    /// last store wins). Ids of the authorizer it replaces are refused by it, unless it is a
    /// clone of that one (the same tables, so the ids decide the same).
    pub fn store(&self, authorizer: Authorizer) {
        self.current.store(Arc::new(authorizer));
    }

    /// Compiles `account` (no lock held, readers unaffected) and publishes it.
    ///
    /// # Errors
    ///
    /// A compile error; the current authorizer stays.
    pub fn reload(&self, account: &Account) -> Result<(), LoadError> {
        let compiled = Authorizer::compile(account)?;
        self.store(compiled);
        Ok(())
    }

    /// Reads, compiles and publishes an account given as JSON text.
    ///
    /// # Errors
    ///
    /// The positioned load error or a compile error; the current authorizer stays.
    pub fn reload_json(&self, text: &str) -> Result<(), LoadError> {
        let compiled = Authorizer::from_json(text, None, None)?;
        self.store(compiled);
        Ok(())
    }

    /// Loads, compiles and publishes an account file of any source format
    /// ([`Authorizer::load`]).
    ///
    /// # Errors
    ///
    /// The positioned load error or a compile error; the current authorizer stays.
    pub fn reload_file(&self, path: impl AsRef<Path>) -> Result<(), LoadError> {
        let compiled = Authorizer::load(path)?;
        self.store(compiled);
        Ok(())
    }
}

/// The authorizer a handle served when [`AuthorizerHandle::current`] was called: it derefs to
/// that [`Authorizer`] and keeps it alive, whatever reloads publish meanwhile. Cheap to take (no
/// reference-count traffic in the common case) and meant to be short-lived: hold one for a
/// request or a batch, not for the life of a worker (a worker that keeps one keeps deciding
/// with the old snapshot; [`AuthorizerHandle::snapshot`] gives an owned `Arc` to keep).
///
/// ```
/// use ramcheck::authorizer::{AuthRequest, Authorizer, AuthorizerHandle};
/// use ramcheck::decision::Decision;
///
/// let handle = AuthorizerHandle::from_json(
///     r#"{"account_id": "1234567890123456", "users": {"alice": {"policies": ["AliyunECSFullAccess"]}}}"#)?;
/// let request = AuthRequest::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// let current = handle.current();
/// handle.reload_json(r#"{"account_id": "1234567890123456", "users": {"alice": {}}}"#)?;
/// // `current` still decides with the snapshot it was taken from.
/// let alice = current.resolve("user/alice")?;
/// assert_eq!(current.authorize(alice, None, &request)?.decision(), Decision::Allow);
/// let authorizer: &Authorizer = &current;
/// assert_eq!(authorizer.account_id(), "1234567890123456");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Current(Guard<Arc<Authorizer>>);

impl Deref for Current {
    type Target = Authorizer;

    #[inline]
    fn deref(&self) -> &Authorizer {
        &self.0
    }
}

impl AsRef<Authorizer> for Current {
    fn as_ref(&self) -> &Authorizer {
        self
    }
}

impl std::fmt::Debug for Current {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Current").field(&**self).finish()
    }
}
