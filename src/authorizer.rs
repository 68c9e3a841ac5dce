//! The gateway-grade authorizer: an [`Account`] compiled once into an immutable, indexed
//! [`Authorizer`] that decides a request in nanoseconds without allocating, exactly as the
//! reference evaluator ([`Account::decide`]) does.
//!
//! This module is the facade: the public types and methods. Compiling an account is in
//! `compile.rs`; deciding runs the one decision procedure of E2–E4 (`crate::procedure`) on the
//! compiled engine of `engine.rs`, as the reference runs it on the account. What a decision
//! *means* is not decided here: every rule (M1–M6, C1–C8, E1–E6) is the reference's, and a
//! differential property test holds the two to the same decision, reason, stage, deciding
//! statements and errors.
//!
//! ```
//! use ramcheck::account::Account;
//! use ramcheck::authorizer::{AuthRequest, Authorizer};
//! use ramcheck::decision::{Decision, Stage};
//!
//! let account = Account::from_json(r#"{
//!   "account_id": "1234567890123456",
//!   "users": {"alice": {"groups": ["ops"]}},
//!   "groups": {"ops": {"policies": ["AliyunECSFullAccess"]}}
//! }"#, None, None)?;
//! let authorizer = Authorizer::compile(&account)?;
//! let alice = authorizer.resolve("user/alice")?;
//! let request = AuthRequest::new(
//!     "ecs:CancelImagePipelineExecution",
//!     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
//! )?;
//! let decision = authorizer.authorize(alice, None, &request)?;
//! assert_eq!(decision.decision(), Decision::Allow);
//! assert_eq!(decision.stage(), Stage::AccountLevelIdentityBasedPolicy);
//! let first = decision.deciding().next().expect("an allow names its statements");
//! assert_eq!(authorizer.statement_ref(first, None, &request)?.policy(), "AliyunECSFullAccess");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # How it is fast
//!
//! - **Compile once.** Actions are split into RAM code and name and folded to lower case; exact
//!   action names and literal services get dense ids in case-folding hash tables. Every distinct
//!   resource pattern is classified (exact, prefix, any, general with its pieces split) and
//!   stored once in a flat byte arena, so matching one reads one place in memory; a pattern
//!   shaped like an ARN (four colons) is matched field by field, and carries an anchor: three
//!   of its literal bytes and where in the ARN they must be; condition
//!   values are already typed by the parser, and identical conditions compile once. Every
//!   principal's statements are pooled per stage (account scope, each resource group's scope),
//!   and so are the control policies of each directory level.
//! - **Resolve the hot action ahead.** For `ecs:CancelImagePipelineExecution`, every policy's
//!   statements whose action part matches it (exact names, wildcards and `NotAction` alike)
//!   are resolved once, as 28-byte candidates carrying their resource patterns, anchors,
//!   filter grams, condition and effect. Each pool holds a copy of its policies' candidates
//!   back to back, in attachment order (pools with the same policies share one): a request
//!   reads one contiguous stretch, which the processor fetches ahead, and touches the pattern
//!   arena only for candidates whose anchors it has; a directory level that allows everything
//!   (`FullAliyunAccess`) is not read at all, and one that also holds Denies without
//!   conditions has only their resource parts tested. A candidate whose resource part covers every
//!   image pipeline (`acs:ecs:*:*:imagepipeline/*`, `acs:*:*:*:*`, ...) is known to match a
//!   pipeline's ARN without filter or test; only another resource makes it test its patterns.
//!   A list of 12 to 64 candidates also keeps, by the prefix each asks of the relative id (up
//!   to its first wildcard), which candidates an ARN can match: a request hashes its relative
//!   id at those lengths and visits only those. Its keys are four-byte words side by side, and
//!   its candidates that cover every pipeline are kept again apart as (statement, condition)
//!   pairs, which is all a request on a pipeline reads of them: most candidates a request
//!   visits are these, and eight bytes of each fill fewer cache lines than 28. `resolve`
//!   starts loading the principal's line, and `authorize` its pool's keys and covering pairs,
//!   each without waiting: a gateway's next steps (building the request, deciding the control
//!   policies) run while they arrive.
//! - **Index other actions.** Each pool maps an action id to the statements naming it exactly,
//!   a service id to the statements with a wildcard action of that service, and keeps one list
//!   of `NotAction` and service-wildcard statements; a request merges three short sorted lists.
//! - **Share work within a request.** A pattern or condition met by several statements is
//!   tested once; for patterns without an anchor, the resource's 4-gram set, built on first
//!   need, rules out most with two bit tests.
//! - **Find the resource's group by anchor.** The resource groups' wildcard patterns are kept
//!   by their anchors' place and bytes: a request reads its ARN once per place and tests only
//!   the patterns anchored on what it finds there.
//! - **Read a request once.** Its action and ARN are scanned sixteen bytes at a time (SSE2
//!   compares on x86_64) for the colons that split the ARN into fields and for the bytes M4
//!   forbids.
//! - **Mind the cache lines.** A principal's ARN and its account pool's hot lists share the
//!   first cache line of its compiled form: a gateway deciding for many principals finds most
//!   of them out of the core's caches.
//! - **No allocation.** [`AuthRequest`] borrows its text and parses the fixed-type context
//!   values on the stack; principals are found in a table whose names sit in one buffer; a
//!   decision refers to its deciding statements by [`StatementId`] (inline unless more than
//!   [`INLINE_DECIDING`] decided), and [`Authorizer::statement_ref`] builds the full
//!   explanation only when asked.
//!
//! # Guarantees
//!
//! - Same answer as the reference, errors included (fail closed, E6): a request value that
//!   cannot be compared (C7), an unknown principal, a resource claimed by two resource groups.
//! - `authorize` never panics and is `Send + Sync`; share one `Authorizer` in an `Arc`, or an
//!   [`AuthorizerHandle`] for hot reload. On success it allocates only for a decision that
//!   more than [`INLINE_DECIDING`] statements decide, to list them all.
//! - Ids are bound to the authorizer that made them. A [`PrincipalId`] or [`StatementId`]
//!   given to another authorizer (another account's, the same account compiled again, or the
//!   one a reload put in place) is a [`HandleError`], never a decision for whichever principal
//!   has that number there. Each compile reserves a block of a process-wide id space that is
//!   never handed out twice (2^62 numbers; see [`CompileError::IdsExhausted`]), and a principal
//!   id is its number in that block: the bounds check of finding the principal is the check.

mod compile;
mod condition;
mod engine;
mod handle;
mod index;
mod pattern;
mod reload;
mod request;
mod scan;
mod stamp;

use std::path::Path;
use std::sync::Arc;

pub use handle::{
    AuthDecision, DecidingIds, HandleError, PrincipalId, StatementId, INLINE_DECIDING,
};
use handle::{InlineIds, Kind, StatementNumber, SESSION_BIT};
pub use index::Tuning;
pub use reload::{AuthorizerHandle, Current};
pub use request::AuthRequest;

use crate::account::principal::is_valid_session;
use crate::account::{Account, AccountError, DecideError, Principal, PrincipalDecision};
use crate::decision::{
    clause_list, matched_action, matched_resource, Decision, NamedPolicy, Outcome, Stage,
    StatementRef,
};
use crate::policy::PolicyError;
use crate::procedure::{self, Deciding, Verdict};
use crate::source::{self, SourceError, SourceOptions};
use compile::{CompiledPrincipal, Directory, GroupIndex};
use engine::Compiled;
use index::{Catalog, Pool};
use pattern::NameTable;

/// Why an account could not be compiled.
///
/// ```
/// use ramcheck::authorizer::CompileError;
///
/// assert!(CompileError::TooLarge.to_string().contains("too many"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// More than 2^31 statements or pool members: ids no longer fit.
    #[error("the account has too many statements to compile (more than 2^31)")]
    TooLarge,
    /// The process has handed out all 2^62 principal ids and stamps (see [`PrincipalId`]);
    /// none is ever handed out twice, so no more authorizers can be compiled in it.
    #[error("this process has compiled too many authorizers to give another ids of its own (2^62 ids); restart it")]
    IdsExhausted,
}

/// Why an account file or text could not be turned into an [`Authorizer`]: the positioned
/// errors of loading ([`AccountError`], which wraps [`PolicyError`]), or of compiling.
///
/// ```
/// use ramcheck::authorizer::{Authorizer, LoadError};
///
/// let err = Authorizer::from_json(r#"{"account_id": "12", "user": {}}"#, None, None).unwrap_err();
/// assert!(matches!(err, LoadError::Account(_)));
/// assert!(err.to_string().contains("unknown key `user`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The account file (or a policy it names) is invalid, with file, line and column.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// The account could not be compiled.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// A Terraform or ROS input could not be translated into an account (see
    /// [`crate::source`]).
    #[error(transparent)]
    Source(#[from] SourceError),
}

impl From<source::LoadError> for LoadError {
    fn from(e: source::LoadError) -> LoadError {
        match e {
            source::LoadError::Account(e) => LoadError::Account(e),
            source::LoadError::Source(e) => LoadError::Source(e),
        }
    }
}

impl From<PolicyError> for LoadError {
    fn from(e: PolicyError) -> LoadError {
        LoadError::Account(AccountError::Policy(e))
    }
}

/// Why a principal given as text could not be resolved.
///
/// ```
/// # use ramcheck::account::Account;
/// # use ramcheck::authorizer::{Authorizer, ResolveError};
/// # let account = Account::from_json(r#"{"account_id": "1234567890123456"}"#, None, None)?;
/// # let authorizer = Authorizer::compile(&account)?;
/// assert!(matches!(authorizer.resolve("group/ops"), Err(ResolveError::Invalid(_))));
/// assert!(matches!(authorizer.resolve("user/alice"), Err(ResolveError::Unknown(_))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// The text is not a principal.
    #[error(transparent)]
    Invalid(#[from] crate::account::PrincipalError),
    /// No such user or role in the account.
    #[error(transparent)]
    Unknown(#[from] DecideError),
}

/// A session policy (AssumeRole's `Policy`), compiled on its own: pass it to
/// [`Authorizer::authorize`] with a role-session principal. It holds everything it refers to,
/// so any authorizer may use it (AssumeRole's `Policy` comes with each session, not with an
/// account snapshot); the [`StatementId`]s of decisions made by its statements carry its own
/// stamp, and [`Authorizer::statement_ref`] needs this session policy to explain them.
///
/// ```
/// use std::sync::Arc;
/// use ramcheck::authorizer::SessionPolicy;
/// use ramcheck::decision::NamedPolicy;
/// use ramcheck::policy::{Policy, PolicyKind};
///
/// let text = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]}"#;
/// let policy = Policy::parse_as(text, PolicyKind::Session)?;
/// let session = SessionPolicy::compile(&NamedPolicy::new("session", None, Arc::new(policy)))?;
/// assert_eq!(session.policy().name(), "session");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SessionPolicy {
    policy: Arc<NamedPolicy>,
    catalog: Catalog,
    pool: Pool,
    stamp: u64,
}

impl SessionPolicy {
    /// Compiles a session policy.
    ///
    /// # Errors
    ///
    /// [`CompileError::TooLarge`] past 2^31 statements, [`CompileError::IdsExhausted`] (never
    /// in practice) when the process has no stamp left to give it.
    pub fn compile(policy: &NamedPolicy) -> Result<SessionPolicy, CompileError> {
        let policy = Arc::new(policy.clone());
        let mut catalog = Catalog::new();
        let id = catalog.add_policy(&policy)?;
        let pool = catalog.pool(&[id])?;
        Ok(SessionPolicy {
            policy,
            catalog,
            pool,
            stamp: stamp::reserve(1)?,
        })
    }

    /// The policy.
    pub fn policy(&self) -> &NamedPolicy {
        &self.policy
    }
}

/// An account compiled for deciding many requests fast (see the [module](self) docs).
/// Immutable and `Send + Sync`; share it in an `Arc` or an [`AuthorizerHandle`].
///
/// Every compile (and so every load and reload) makes an authorizer with a stamp of its own,
/// and the ids it hands out ([`PrincipalId`], [`StatementId`]) work only with it
/// ([`HandleError`]). A clone is the same authorizer, stamp included: it holds the same
/// tables, so an id decides the same on both.
///
/// ```
/// use ramcheck::authorizer::Authorizer;
///
/// let authorizer = Authorizer::from_json(r#"{"account_id": "1234567890123456"}"#, None, None)?;
/// assert_eq!(authorizer.account_id(), "1234567890123456");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Authorizer {
    account_id: Box<str>,
    catalog: Catalog,
    /// User names → user numbers (the index of `users`).
    user_index: NameTable,
    users: Vec<CompiledPrincipal>,
    role_index: NameTable,
    roles: Vec<CompiledPrincipal>,
    /// Per role, whether it is service-linked (exempt from control policies, E4.1). Apart
    /// from the roles' compiled forms: their first cache line is full with what every request
    /// reads, and a flag there would cost a request for a role another line.
    service_linked_roles: Vec<bool>,
    directory: Option<Directory>,
    groups: GroupIndex,
    /// The first number of this authorizer's block of ids ([`stamp`]): its root's, and the
    /// stamp of its [`StatementId`]s.
    stamp: u64,
    /// The numbers of the first user and the first role: a principal's number less these is
    /// its index in `users` or `roles`, and the bounds check of that index is the check that
    /// the id is this authorizer's.
    user_base: u64,
    role_base: u64,
}

impl Authorizer {
    /// Loads an account from a file of any source format (an account snapshot, whose policy
    /// paths are relative to its folder, or a Terraform plan or state: see
    /// [`crate::source`]) and compiles it.
    ///
    /// # Errors
    ///
    /// The positioned errors of [`source::load_account`], or a [`CompileError`].
    ///
    /// ```
    /// use ramcheck::authorizer::Authorizer;
    ///
    /// let authorizer = Authorizer::load("policies/example-account.json")?;
    /// assert_eq!(authorizer.account_id(), "1234567890123456");
    /// let planned = Authorizer::load("policies/examples/terraform-plan.json")?;
    /// assert!(planned.resolve("user/ci-runner").is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Authorizer, LoadError> {
        Authorizer::load_with(path, &SourceOptions::default())
    }

    /// [`load`](Authorizer::load) with what the source may not say itself: the account ID of
    /// a ROS template, a plan's side, template parameters, the largest file to read.
    ///
    /// # Errors
    ///
    /// As [`load`](Authorizer::load).
    ///
    /// ```
    /// use ramcheck::authorizer::Authorizer;
    /// use ramcheck::source::SourceOptions;
    ///
    /// let options = SourceOptions::default().with_account_id("1234567890123456");
    /// let authorizer = Authorizer::load_with("policies/examples/ros-template.yaml", &options)?;
    /// assert!(authorizer.resolve("role/deployer").is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_with(
        path: impl AsRef<Path>,
        options: &SourceOptions,
    ) -> Result<Authorizer, LoadError> {
        Ok(Authorizer::compile(&source::load_account(path, options)?)?)
    }

    /// Reads an account snapshot from JSON text and compiles it; `base` and `file` as in
    /// [`Account::from_json`].
    ///
    /// # Errors
    ///
    /// The positioned errors of [`Account::from_json`], or a [`CompileError`].
    ///
    /// ```
    /// use ramcheck::authorizer::Authorizer;
    ///
    /// assert!(Authorizer::from_json(r#"{"account_id": "x"}"#, None, Some("a.json")).is_err());
    /// ```
    pub fn from_json(
        text: &str,
        base: Option<&Path>,
        file: Option<&str>,
    ) -> Result<Authorizer, LoadError> {
        Ok(Authorizer::compile(&Account::from_json(text, base, file)?)?)
    }

    /// The account ID.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// Resolves a principal of the account.
    ///
    /// # Errors
    ///
    /// [`DecideError::UnknownPrincipal`], exactly as [`Account::decide`] reports it.
    ///
    /// ```
    /// # use ramcheck::account::{Account, Principal};
    /// # use ramcheck::authorizer::Authorizer;
    /// # let account = Account::from_json(r#"{"account_id": "1234567890123456", "users": {"alice": {}}}"#, None, None)?;
    /// # let authorizer = Authorizer::compile(&account)?;
    /// let alice = authorizer.principal(&Principal::User("alice".into()))?;
    /// assert_eq!(alice, authorizer.resolve("user/alice")?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn principal(&self, principal: &Principal) -> Result<PrincipalId, DecideError> {
        match principal {
            Principal::Root => Ok(self.root()),
            Principal::User(name) => self.find(Kind::User, name),
            Principal::Role(name) => self.find(Kind::Role, name),
            Principal::RoleSession { role, .. } => self.find(Kind::RoleSession, role),
        }
    }

    fn find(&self, kind: Kind, name: &str) -> Result<PrincipalId, DecideError> {
        let (names, what) = match kind {
            Kind::User => (&self.user_index, "user"),
            _ => (&self.role_index, "role"),
        };
        match names.get(name) {
            Some(index) => Ok(self.id(kind, index)),
            None => Err(self.unknown(what, name, names)),
        }
    }

    /// The id of this authorizer's root.
    fn root(&self) -> PrincipalId {
        PrincipalId::new(Kind::Root, self.stamp)
    }

    /// The id of the user (for [`Kind::User`]) or role with this index.
    fn id(&self, kind: Kind, index: u32) -> PrincipalId {
        let base = match kind {
            Kind::User => self.user_base,
            _ => self.role_base,
        };
        PrincipalId::new(kind, base + u64::from(index))
    }

    /// The index in `users` (for a user) or `roles` of a principal: in bounds for this
    /// authorizer's users and roles only, past the end for its root and for any id of another
    /// authorizer (whose numbers lie in another block).
    #[inline(always)]
    fn index(&self, principal: PrincipalId) -> usize {
        let base = match principal.kind() {
            Kind::User => self.user_base,
            _ => self.role_base,
        };
        // Below the base, the difference wraps around past any length.
        usize::try_from(principal.number().wrapping_sub(base)).unwrap_or(usize::MAX)
    }

    #[cold]
    #[inline(never)]
    fn unknown(&self, kind: &'static str, name: &str, names: &NameTable) -> DecideError {
        let suggestion = crate::suggest::did_you_mean(name, names.names())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        DecideError::UnknownPrincipal {
            kind,
            name: name.to_owned(),
            account: self.account_id.to_string(),
            suggestion,
        }
    }

    /// Resolves a principal given as text, in any form [`Principal::parse`] reads (`root`,
    /// `user/NAME`, `role/NAME`, `assumed-role/ROLE/SESSION` or the full ARNs), without
    /// allocating when it is valid and known.
    ///
    /// # Errors
    ///
    /// [`ResolveError::Invalid`] for text that is not a principal of this account,
    /// [`ResolveError::Unknown`] for an unknown user or role.
    ///
    /// ```
    /// # use ramcheck::authorizer::Authorizer;
    /// # let authorizer = Authorizer::load("policies/example-account.json")?;
    /// let alice = authorizer.resolve("acs:ram::1234567890123456:user/alice")?;
    /// assert_eq!(alice, authorizer.resolve("user/alice")?);
    /// assert!(authorizer.resolve("acs:ram::999:user/alice").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resolve(&self, text: &str) -> Result<PrincipalId, ResolveError> {
        if let Some(id) = self.resolve_fast(text) {
            return Ok(id);
        }
        self.resolve_slow(text)
    }

    #[cold]
    #[inline(never)]
    fn resolve_slow(&self, text: &str) -> Result<PrincipalId, ResolveError> {
        let principal = Principal::parse(text, &self.account_id)?;
        Ok(self.principal(&principal)?)
    }

    /// The common case of [`resolve`](Authorizer::resolve); `None` sends it to the reference
    /// parser, which then reports the error.
    fn resolve_fast(&self, text: &str) -> Option<PrincipalId> {
        let relative = match text.strip_prefix("acs:") {
            Some(rest) => {
                let mut fields = rest.splitn(4, ':');
                let (service, region, account, relative) = (
                    fields.next()?,
                    fields.next()?,
                    fields.next()?,
                    fields.next()?,
                );
                let session = relative.starts_with("assumed-role/");
                let service_ok = service == "ram" || (service == "sts" && session);
                if !region.is_empty() || !service_ok || account != &*self.account_id {
                    return None;
                }
                relative
            }
            None => text,
        };
        // The names' own checks reject `/`, so these prefixes split as `split('/')` would.
        let (kind, name) = if let Some(name) = relative.strip_prefix("user/") {
            (Kind::User, name)
        } else if let Some(name) = relative.strip_prefix("role/") {
            (Kind::Role, name)
        } else if let Some(rest) = relative.strip_prefix("assumed-role/") {
            let (role, session) = rest.split_once('/')?;
            if !is_valid_session(session) {
                return None;
            }
            (Kind::RoleSession, role)
        } else if relative == "root" {
            return Some(self.root());
        } else {
            return None;
        };
        // The tables hold only valid names (the loader checks them), so a name found is valid
        // and one that is not found goes to the reference parser, which says what is wrong.
        let index = match kind {
            Kind::User => self.user_index.get(name)?,
            _ => self.role_index.get(name)?,
        };
        let id = self.id(kind, index);
        // A gateway builds the request next: the principal's line loads meanwhile, and
        // `authorize` then starts on its pool's (reading them here would wait for this one).
        if let Some(compiled) = self.compiled(id) {
            index::prefetch(compiled);
        }
        Some(id)
    }

    /// Decides a request for a principal (E2–E5), exactly as [`Account::decide`] does, without
    /// allocating unless more than [`INLINE_DECIDING`] statements decide. `session` is the
    /// compiled session policy of a role session.
    ///
    /// # Errors
    ///
    /// As [`Account::decide`]: a session policy for a principal that is not a role session, a
    /// resource claimed by two resource groups, a request value that cannot be compared (C7).
    ///
    /// ```
    /// # use ramcheck::authorizer::{AuthRequest, Authorizer};
    /// use ramcheck::decision::{Decision, Stage};
    /// # let authorizer = Authorizer::load("policies/example-account.json")?;
    /// let request = AuthRequest::new("ecs:CancelImagePipelineExecution",
    ///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-prod-1")?;
    /// let bob = authorizer.authorize(authorizer.resolve("user/bob")?, None, &request)?;
    /// assert_eq!(bob.decision(), Decision::ExplicitDeny);
    /// assert_eq!(bob.stage(), Stage::AccountLevelIdentityBasedPolicy);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn authorize(
        &self,
        principal: PrincipalId,
        session: Option<&SessionPolicy>,
        request: &AuthRequest<'_>,
    ) -> Result<AuthDecision, DecideError> {
        let mut denies = InlineIds::EMPTY;
        let mut allows = InlineIds::EMPTY;
        let Verdict {
            decision,
            stage,
            deciding: which,
        } = self.decide(principal, session, request, &mut denies, &mut allows)?;
        let deciding = match which {
            Deciding::None => &InlineIds::EMPTY,
            Deciding::Denies => &denies,
            Deciding::Allows => &allows,
        };
        Ok(AuthDecision::new(
            decision,
            stage,
            deciding,
            self.stamp_of(stage, session),
        ))
    }

    /// The stamp of the catalog whose statements decided at `stage`.
    #[inline(always)]
    fn stamp_of(&self, stage: Stage, session: Option<&SessionPolicy>) -> u64 {
        match (stage, session) {
            (Stage::SessionPolicy, Some(session)) => session.stamp,
            _ => self.stamp,
        }
    }

    /// Every deciding statement of a decision, as a list: the same as
    /// [`authorize`](Authorizer::authorize)`(..)?.`[`deciding`](AuthDecision::deciding), which
    /// lists them all too (this one always allocates).
    ///
    /// # Errors
    ///
    /// As [`authorize`](Authorizer::authorize).
    ///
    /// ```
    /// # use ramcheck::authorizer::{AuthRequest, Authorizer};
    /// # let authorizer = Authorizer::load("policies/example-account.json")?;
    /// let request = AuthRequest::new("ecs:CancelImagePipelineExecution",
    ///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
    /// let alice = authorizer.resolve("user/alice")?;
    /// let all = authorizer.deciding_statements(alice, None, &request)?;
    /// assert!(all.iter().copied().eq(authorizer.authorize(alice, None, &request)?.deciding()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn deciding_statements(
        &self,
        principal: PrincipalId,
        session: Option<&SessionPolicy>,
        request: &AuthRequest<'_>,
    ) -> Result<Vec<StatementId>, DecideError> {
        let mut denies = Vec::new();
        let mut allows = Vec::new();
        let Verdict {
            stage,
            deciding: which,
            ..
        } = self.decide(principal, session, request, &mut denies, &mut allows)?;
        let numbers = match which {
            Deciding::None => Vec::new(),
            Deciding::Denies => denies,
            Deciding::Allows => allows,
        };
        let stamp = self.stamp_of(stage, session);
        Ok(numbers
            .into_iter()
            .map(|number| StatementId { stamp, number })
            .collect())
    }

    /// Decides a batch; `out` is cleared and gets one result per item, in order (reuse it to
    /// avoid allocating).
    ///
    /// ```
    /// # use ramcheck::authorizer::{AuthRequest, Authorizer};
    /// # let authorizer = Authorizer::load("policies/example-account.json")?;
    /// let request = AuthRequest::new("ecs:CancelImagePipelineExecution",
    ///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
    /// let batch = [(authorizer.resolve("user/alice")?, None, &request),
    ///              (authorizer.resolve("user/carol")?, None, &request)];
    /// let mut out = Vec::new();
    /// authorizer.authorize_many(&batch, &mut out);
    /// assert!(out[0].as_ref().is_ok_and(|d| d.is_allowed()));
    /// assert!(out[1].as_ref().is_ok_and(|d| !d.is_allowed()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authorize_many(
        &self,
        batch: &[(PrincipalId, Option<&SessionPolicy>, &AuthRequest<'_>)],
        out: &mut Vec<Result<AuthDecision, DecideError>>,
    ) {
        out.clear();
        out.extend(batch.iter().map(|(p, s, r)| self.authorize(*p, *s, r)));
    }

    /// Runs the decision procedure (E2–E4) on this authorizer's compiled engine, collecting
    /// deciding statements into `denies`/`allows`.
    #[inline]
    fn decide<S: index::Sink>(
        &self,
        principal: PrincipalId,
        session: Option<&SessionPolicy>,
        request: &AuthRequest<'_>,
        denies: &mut S,
        allows: &mut S,
    ) -> Result<Verdict, DecideError> {
        procedure::decide(&mut Compiled::new(
            self, principal, session, request, denies, allows,
        ))
    }

    /// The compiled user or role of a principal that is not the root (for the root, a user's
    /// or none).
    #[inline(always)]
    fn compiled(&self, principal: PrincipalId) -> Option<&CompiledPrincipal> {
        let index = self.index(principal);
        match principal.kind() {
            Kind::User => self.users.get(index),
            _ => self.roles.get(index),
        }
    }

    /// The full [`StatementRef`] of a deciding statement: policy, index, `Sid`, effect, position,
    /// and what matched the request (as the reference reports it). `session` must be the session
    /// policy the decision was made with, for its statements.
    ///
    /// # Errors
    ///
    /// A [`HandleError`] for an id from another authorizer's decision, or a session policy's
    /// without that session policy.
    ///
    /// ```
    /// # use ramcheck::authorizer::{AuthRequest, Authorizer};
    /// # let authorizer = Authorizer::load("policies/example-account.json")?;
    /// let request = AuthRequest::new("ecs:CancelImagePipelineExecution",
    ///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
    /// let decision = authorizer.authorize(authorizer.resolve("user/alice")?, None, &request)?;
    /// let first = decision.deciding().next().expect("allowed by a statement");
    /// let s = authorizer.statement_ref(first, None, &request)?;
    /// assert_eq!((s.policy(), s.index(), s.sid()), ("CancelHangzhou", 0, Some("CancelHangzhouBuilds")));
    ///
    /// let reloaded = Authorizer::load("policies/example-account.json")?;
    /// assert!(reloaded.statement_ref(first, None, &request).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn statement_ref(
        &self,
        id: StatementId,
        session: Option<&SessionPolicy>,
        request: &AuthRequest<'_>,
    ) -> Result<StatementRef, HandleError> {
        let catalog = if id.is_session() {
            match session {
                Some(session) if session.stamp == id.stamp => &session.catalog,
                _ => return Err(HandleError::StatementOfAnotherSessionPolicy),
            }
        } else if id.stamp == self.stamp {
            &self.catalog
        } else {
            return Err(HandleError::StatementOfAnotherAuthorizer);
        };
        // A stamped id is always in its catalog; still, never panic on a broken one.
        statement_ref_in(catalog, id.number, request).ok_or(if id.is_session() {
            HandleError::StatementOfAnotherSessionPolicy
        } else {
            HandleError::StatementOfAnotherAuthorizer
        })
    }

    /// The decision as an [`Outcome`] with materialized deciding statements (no near misses:
    /// the compiled form does not track them; see [`Authorizer::explain`]).
    ///
    /// # Errors
    ///
    /// As [`authorize`](Authorizer::authorize).
    ///
    /// ```
    /// # use ramcheck::authorizer::{AuthRequest, Authorizer};
    /// # let authorizer = Authorizer::load("policies/example-account.json")?;
    /// let request = AuthRequest::new("ecs:CancelImagePipelineExecution",
    ///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
    /// let outcome = authorizer.outcome(authorizer.resolve("user/alice")?, None, &request)?;
    /// assert_eq!(outcome.deciding()[0].policy(), "CancelHangzhou");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn outcome(
        &self,
        principal: PrincipalId,
        session: Option<&SessionPolicy>,
        request: &AuthRequest<'_>,
    ) -> Result<Outcome, DecideError> {
        let mut denies = Vec::new();
        let mut allows = Vec::new();
        let Verdict {
            decision,
            stage,
            deciding: which,
        } = self.decide(principal, session, request, &mut denies, &mut allows)?;
        let ids = match which {
            Deciding::None => Vec::new(),
            Deciding::Denies => denies,
            Deciding::Allows => allows,
        };
        let mut outcome = Outcome::without_statements(decision, stage);
        outcome.deciding = ids
            .into_iter()
            .filter_map(|number| {
                let catalog = if number.is_session() {
                    &session?.catalog
                } else {
                    &self.catalog
                };
                statement_ref_in(catalog, number, request)
            })
            .collect();
        Ok(outcome)
    }

    /// The CLI's explanation: the decision and stage from the compiled form, and the deciding
    /// statements (with how their policies reached the principal and what their conditions
    /// compared) and, for an implicit deny, the near misses from the reference evaluator (which
    /// `account` must be the source of this authorizer for).
    ///
    /// # Errors
    ///
    /// As [`authorize`](Authorizer::authorize).
    ///
    /// ```
    /// # use ramcheck::account::{Account, Principal};
    /// # use ramcheck::authorizer::{AuthRequest, Authorizer};
    /// use ramcheck::decision::{Decision, Request};
    /// let account = Account::load("policies/example-account.json")?;
    /// let authorizer = Authorizer::compile(&account)?;
    /// let request = Request::new("ecs:CancelImagePipelineExecution",
    ///     "acs:ecs:cn-beijing:1234567890123456:imagepipeline/ip-1")?;
    /// let alice = Principal::parse("user/alice", account.id())?;
    /// let outcome = authorizer.explain(&account, &alice, None, &request)?;
    /// assert_eq!(outcome.decision(), Decision::ImplicitDeny);
    /// assert!(!outcome.near_misses().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn explain(
        &self,
        account: &Account,
        principal: &Principal,
        session: Option<&NamedPolicy>,
        request: &crate::decision::Request,
    ) -> Result<Outcome, DecideError> {
        let id = self.principal(principal)?;
        let compiled_session = match session.map(SessionPolicy::compile).transpose() {
            Ok(compiled) => compiled,
            Err(_) => return account.decide(principal, session, request),
        };
        let pairs = context_pairs(request);
        let auth = match auth_request(request, &pairs) {
            Ok(auth) => auth,
            // A request the reference accepted always builds; if not, the reference decides.
            Err(_) => return account.decide(principal, session, request),
        };
        let mut outcome = self.outcome(id, compiled_session.as_ref(), &auth)?;
        // The reference evaluator explains: how each deciding statement's policy reached the
        // principal, what its conditions compared, and the near misses. The verdict stays the
        // compiled one; should the two ever disagree, the statements stay the compiled ones.
        let explained = account.decide(principal, session, request)?;
        if (explained.decision, explained.stage) == (outcome.decision, outcome.stage) {
            outcome.deciding = explained.deciding;
        }
        if outcome.decision == Decision::ImplicitDeny {
            outcome.near_misses = explained.near_misses;
        }
        Ok(outcome)
    }

    /// `who-can`: decides for the account owner, every user and every role (each role as a
    /// session without a session policy, listed by the role's ARN), allowed ones first, then
    /// root, users, roles, each sorted by name: the same list as [`Account::who_can`], with
    /// deciding statements and no near misses.
    ///
    /// # Errors
    ///
    /// As [`authorize`](Authorizer::authorize), for the first principal that errs.
    ///
    /// ```
    /// # use ramcheck::authorizer::{AuthRequest, Authorizer};
    /// # let authorizer = Authorizer::load("policies/example-account.json")?;
    /// let request = AuthRequest::new("ecs:CancelImagePipelineExecution",
    ///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
    /// let list = authorizer.who_can(&request)?;
    /// assert_eq!(list[0].principal, "acs:ram::1234567890123456:root");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn who_can(
        &self,
        request: &AuthRequest<'_>,
    ) -> Result<Vec<PrincipalDecision>, DecideError> {
        let id = &self.account_id;
        let principals = std::iter::once((self.root(), Principal::Root.arn(id)))
            .chain((0u32..).zip(self.user_index.names()).map(|(i, n)| {
                (
                    self.id(Kind::User, i),
                    Principal::User(n.to_string()).arn(id),
                )
            }))
            .chain((0u32..).zip(self.role_index.names()).map(|(i, n)| {
                (
                    self.id(Kind::Role, i),
                    Principal::Role(n.to_string()).arn(id),
                )
            }));
        let mut decisions = Vec::new();
        for (principal, arn) in principals {
            decisions.push(PrincipalDecision {
                principal: arn,
                outcome: self.outcome(principal, None, request)?,
            });
        }
        decisions.sort_by_key(|d| !d.outcome.decision().is_allowed());
        Ok(decisions)
    }

    /// [`who_can`](Authorizer::who_can) for a reference [`Request`](crate::decision::Request),
    /// as the CLI holds it; `account` must be this authorizer's source (it answers only if the
    /// request could not be compiled, which the differential tests show does not happen).
    ///
    /// # Errors
    ///
    /// As [`who_can`](Authorizer::who_can).
    ///
    /// ```
    /// # use ramcheck::account::Account;
    /// # use ramcheck::authorizer::Authorizer;
    /// use ramcheck::decision::Request;
    /// let account = Account::load("policies/example-account.json")?;
    /// let authorizer = Authorizer::compile(&account)?;
    /// let request = Request::new("ecs:CancelImagePipelineExecution",
    ///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
    /// assert_eq!(authorizer.who_can_request(&account, &request)?.len(), 6);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn who_can_request(
        &self,
        account: &Account,
        request: &crate::decision::Request,
    ) -> Result<Vec<PrincipalDecision>, DecideError> {
        let pairs = context_pairs(request);
        match auth_request(request, &pairs) {
            Ok(auth) => self.who_can(&auth),
            Err(_) => account.who_can(request),
        }
    }

    /// Approximate heap bytes held by the compiled form (excluding the parsed policies it keeps
    /// for explanations), for memory reports.
    ///
    /// ```
    /// # use ramcheck::authorizer::Authorizer;
    /// # let authorizer = Authorizer::load("policies/example-account.json")?;
    /// assert!(authorizer.index_bytes() > 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn index_bytes(&self) -> usize {
        let pools = self
            .users
            .iter()
            .chain(&self.roles)
            .map(|p| {
                p.account_pool.heap_bytes()
                    + p.group_pools
                        .iter()
                        .map(|(_, g)| g.heap_bytes())
                        .sum::<usize>()
            })
            .sum::<usize>();
        pools
            + self.catalog.actions.heap_bytes()
            + self.catalog.services.heap_bytes()
            + self.catalog.statements.capacity() * std::mem::size_of::<index::CompiledStatement>()
            + self.catalog.candidates_bytes()
    }
}

/// The [`StatementRef`] of statement `number` of `catalog`, if it has one.
fn statement_ref_in(
    catalog: &Catalog,
    number: StatementNumber,
    request: &AuthRequest<'_>,
) -> Option<StatementRef> {
    let compiled = catalog.statements.get(number.index())?;
    let named = catalog.policies.get(compiled.policy as usize)?;
    let statement = named.policy().statements().get(compiled.index as usize)?;
    Some(StatementRef::of(
        named,
        statement,
        matched_action(statement, request.action()),
        matched_resource(statement, request.resource()),
        clause_list(statement),
    ))
}

/// The error for a [`PrincipalId`] this authorizer did not make.
fn context_pairs(request: &crate::decision::Request) -> Vec<(String, String)> {
    request
        .context()
        .entries()
        .flat_map(|(k, vs)| vs.iter().map(move |v| (k.to_owned(), v.clone())))
        .collect()
}

/// The compiled form of a reference request.
fn auth_request<'a>(
    request: &'a crate::decision::Request,
    pairs: &'a [(String, String)],
) -> Result<AuthRequest<'a>, crate::decision::RequestError> {
    AuthRequest::new(request.action(), request.resource().as_str())
        .and_then(|r| r.with_owned_context(pairs))
        .map(|r| r.at(request.now()))
}

#[cfg(test)]
mod tests;
