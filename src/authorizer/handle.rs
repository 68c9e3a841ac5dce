//! What the compiled authorizer hands out and takes back: decisions ([`AuthDecision`], its
//! deciding statements as [`StatementId`]s) and principal handles ([`PrincipalId`]), each
//! packed in as few words as a gateway's hot path moves, and each bound to the authorizer that
//! made it ([`HandleError`]; the numbers come from [`super::stamp`]). Deciding is
//! [`super`]'s job.

use std::sync::Arc;

use super::index::Sink;
use super::stamp;
use crate::decision::{Decision, Stage};

/// How many deciding statements an [`AuthDecision`] keeps without allocating. A decision with
/// more keeps them all on the heap: [`AuthDecision::deciding`] lists every one either way, so
/// this is a cost, not a limit. One statement decides most requests, and a gateway's decisions
/// rarely name more than six.
pub const INLINE_DECIDING: usize = 6;

// Six inline ids, the pointer to any more, the summary and the stamp: six words, cheap for a
// gateway to move out of the `Result` and into its reply.
const _: () = assert!(std::mem::size_of::<AuthDecision>() == 48);

/// Session statements are numbered in their own catalog; this bit tells them apart.
pub(crate) const SESSION_BIT: u32 = 1 << 31;

/// An id given to an [`Authorizer`](super::Authorizer) (or with a [`SessionPolicy`](super::SessionPolicy)) that did not make it: a
/// [`PrincipalId`] resolved by another authorizer, or a [`StatementId`] from another
/// authorizer's or session policy's decision. Never a decision: an id of another authorizer
/// names whatever principal or statement has its number there, so using it would decide for
/// someone else (after a reload that added a user sorted first, for the new user).
///
/// ```
/// use ramcheck::authorizer::{AuthRequest, Authorizer, HandleError};
/// use ramcheck::account::DecideError;
///
/// let text = r#"{"account_id": "1234567890123456", "users": {"alice": {}}}"#;
/// let (old, new) = (Authorizer::from_json(text, None, None)?, Authorizer::from_json(text, None, None)?);
/// let alice = old.resolve("user/alice")?;
/// let request = AuthRequest::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// assert_eq!(new.authorize(alice, None, &request).unwrap_err(),
///            DecideError::Handle(HandleError::PrincipalOfAnotherAuthorizer));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandleError {
    /// A [`PrincipalId`] that another authorizer resolved.
    #[error("the principal id was resolved by another authorizer (another account's, or a snapshot a reload replaced); resolve the principal with the authorizer that decides")]
    PrincipalOfAnotherAuthorizer,
    /// A [`StatementId`] from another authorizer's decision.
    #[error("the statement id is from another authorizer's decision (another account's, or a snapshot a reload replaced); take it from a decision of this authorizer")]
    StatementOfAnotherAuthorizer,
    /// A session policy's [`StatementId`], given without that session policy.
    #[error("the statement id is a session policy's, but the session policy given is another one or none; pass the session policy the decision was made with")]
    StatementOfAnotherSessionPolicy,
}

/// A deciding statement, as an id into the compiled set (or into a [`SessionPolicy`](super::SessionPolicy)): cheap to
/// copy; [`Authorizer::statement_ref`](super::Authorizer::statement_ref) turns it into a full [`StatementRef`](crate::decision::StatementRef). It carries the
/// stamp of the authorizer (or session policy) whose decision named it, and no other one
/// accepts it ([`HandleError`]); a default id belongs to none.
///
/// ```
/// # use ramcheck::authorizer::{AuthRequest, Authorizer, HandleError, StatementId};
/// # let authorizer = Authorizer::load("policies/example-account.json")?;
/// # let request = AuthRequest::new("ecs:CancelImagePipelineExecution",
/// #     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// let decision = authorizer.authorize(authorizer.resolve("user/alice")?, None, &request)?;
/// let id = decision.deciding().next().expect("an allow names its statements");
/// assert!(!id.is_session());
/// assert_eq!(authorizer.statement_ref(id, None, &request)?.policy(), "CancelHangzhou");
/// assert_eq!(authorizer.statement_ref(StatementId::default(), None, &request).unwrap_err(),
///            HandleError::StatementOfAnotherAuthorizer);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct StatementId {
    pub(super) stamp: u64,
    pub(super) number: StatementNumber,
}

impl StatementId {
    /// Whether the statement is one of the session policy's.
    pub fn is_session(self) -> bool {
        self.number.is_session()
    }
}

/// A statement's number in its catalog, as pools report it (with [`SESSION_BIT`] for a
/// session policy's); a [`StatementId`] once stamped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub(crate) struct StatementNumber(pub(crate) u32);

impl StatementNumber {
    pub(super) fn is_session(self) -> bool {
        self.0 & SESSION_BIT != 0
    }

    pub(super) fn index(self) -> usize {
        (self.0 & !SESSION_BIT) as usize
    }
}

/// The deciding statements of an [`AuthDecision`] as a pool reports them: the first
/// [`INLINE_DECIDING`] inline and, only once there are more, all of them in `spilled` (the one
/// allocation), and how many there were in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct InlineIds {
    ids: [StatementNumber; INLINE_DECIDING],
    total: u32,
    spilled: Option<Arc<Spilled>>,
}

impl InlineIds {
    pub(super) const EMPTY: InlineIds = InlineIds {
        ids: [StatementNumber(0); INLINE_DECIDING],
        total: 0,
        spilled: None,
    };

    /// Adds a statement past the inline ones: the first time, every id so far moves to the
    /// heap with room for as many again.
    #[cold]
    #[inline(never)]
    fn spill(&mut self, id: StatementNumber) {
        let spilled = self
            .spilled
            .get_or_insert_with(|| Arc::new(Spilled(Vec::with_capacity(4 * INLINE_DECIDING))));
        // Unique: the sink lends its list to a decision only when it is done pushing.
        let ids = &mut Arc::make_mut(spilled).0;
        if ids.is_empty() {
            ids.extend_from_slice(&self.ids);
        }
        ids.push(id);
    }
}

impl Sink for InlineIds {
    #[inline]
    fn push(&mut self, id: StatementNumber) {
        match self.ids.get_mut(self.total as usize) {
            Some(slot) => *slot = id,
            None => self.spill(id),
        }
        self.total = self.total.saturating_add(1);
    }
    #[inline]
    fn clear(&mut self) {
        self.total = 0;
        self.spilled = None;
    }
    #[inline]
    fn count(&self) -> usize {
        self.total as usize
    }
}

/// All the deciding statements of a decision that has more than [`INLINE_DECIDING`], behind
/// one thin pointer so that the common decision stays small. Shared (`Arc`) so that the
/// decision takes the list its sink collected without copying it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Spilled(Vec<StatementNumber>);

/// A compiled decision: the verdict, the stage that decided it (E5) and the deciding statements
/// as ids, all of them. No heap unless more than [`INLINE_DECIDING`] statements decided.
///
/// ```
/// # use ramcheck::account::Account;
/// # use ramcheck::authorizer::{AuthRequest, Authorizer};
/// use ramcheck::decision::{Decision, Stage};
/// # let account = Account::from_json(r#"{"account_id": "1234567890123456", "users": {"bob": {}}}"#, None, None)?;
/// # let authorizer = Authorizer::compile(&account)?;
/// let request = AuthRequest::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// let decision = authorizer.authorize(authorizer.resolve("user/bob")?, None, &request)?;
/// assert_eq!(decision.decision(), Decision::ImplicitDeny);
/// assert_eq!(decision.reason(), "implicit_deny");
/// assert_eq!(decision.stage(), Stage::AccountLevelIdentityBasedPolicy);
/// assert_eq!(decision.deciding().len(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AuthDecision {
    /// The deciding statements when they fit here (`summary` says how many)...
    ids: [StatementNumber; INLINE_DECIDING],
    /// ... and all of them, when they do not.
    spilled: Option<Arc<Spilled>>,
    summary: Summary,
    /// The stamp of the catalog the deciding statements are numbered in: the authorizer's, or
    /// the session policy's for a decision at [`Stage::SessionPolicy`].
    stamp: u64,
}

impl AuthDecision {
    #[inline(always)]
    pub(super) fn new(
        decision: Decision,
        stage: Stage,
        deciding: &InlineIds,
        stamp: u64,
    ) -> AuthDecision {
        AuthDecision {
            ids: deciding.ids,
            spilled: if deciding.total as usize > INLINE_DECIDING {
                deciding.spilled.clone()
            } else {
                None
            },
            summary: Summary::new(decision, stage, deciding.total),
            stamp,
        }
    }

    /// The verdict.
    pub fn decision(&self) -> Decision {
        self.summary.decision()
    }

    /// `allowed`, `explicit_deny` or `implicit_deny`.
    pub fn reason(&self) -> &'static str {
        self.decision().reason()
    }

    /// Whether the request may go ahead.
    pub fn is_allowed(&self) -> bool {
        self.summary.is_allowed()
    }

    /// The stage that decided (E5).
    pub fn stage(&self) -> Stage {
        self.summary.stage()
    }

    /// The deciding statements (E5), all of them, in the reference's order (the order of
    /// [`Outcome::deciding`](crate::decision::Outcome::deciding)). Each is stamped with the
    /// authorizer (or session policy) that decided, for
    /// [`Authorizer::statement_ref`](super::Authorizer::statement_ref).
    pub fn deciding(&self) -> DecidingIds<'_> {
        let numbers = match &self.spilled {
            Some(spilled) => &spilled.0[..],
            None => self.ids.get(..self.deciding_count()).unwrap_or_default(),
        };
        DecidingIds {
            stamp: self.stamp,
            numbers: numbers.iter(),
        }
    }

    /// How many statements decided: the length of [`deciding`](AuthDecision::deciding).
    pub fn deciding_count(&self) -> usize {
        self.summary.total() as usize
    }

    /// Always `true`: [`deciding`](AuthDecision::deciding) lists every deciding statement.
    #[deprecated(
        since = "0.2.0",
        note = "`deciding()` lists every deciding statement; nothing is left out"
    )]
    pub fn is_complete(&self) -> bool {
        true
    }
}

impl std::fmt::Debug for AuthDecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let deciding: Vec<StatementNumber> = self.deciding().map(|id| id.number).collect();
        f.debug_struct("AuthDecision")
            .field("decision", &self.decision())
            .field("stage", &self.stage())
            .field("deciding", &deciding)
            .field("deciding_count", &self.deciding_count())
            .field("stamp", &self.stamp)
            .finish()
    }
}

/// The deciding statements an [`AuthDecision`] carries, as [`StatementId`]s stamped with the
/// authorizer (or session policy) that decided: [`AuthDecision::deciding`].
///
/// ```
/// # use ramcheck::authorizer::{AuthRequest, Authorizer};
/// # let authorizer = Authorizer::load("policies/example-account.json")?;
/// let request = AuthRequest::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// let decision = authorizer.authorize(authorizer.resolve("user/alice")?, None, &request)?;
/// assert_eq!(decision.deciding().len(), 1);
/// for id in decision.deciding() {
///     assert_eq!(authorizer.statement_ref(id, None, &request)?.policy(), "CancelHangzhou");
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct DecidingIds<'a> {
    stamp: u64,
    numbers: std::slice::Iter<'a, StatementNumber>,
}

impl Iterator for DecidingIds<'_> {
    type Item = StatementId;

    fn next(&mut self) -> Option<StatementId> {
        let number = *self.numbers.next()?;
        Some(StatementId {
            stamp: self.stamp,
            number,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.numbers.size_hint()
    }
}

impl DoubleEndedIterator for DecidingIds<'_> {
    fn next_back(&mut self) -> Option<StatementId> {
        let number = *self.numbers.next_back()?;
        Some(StatementId {
            stamp: self.stamp,
            number,
        })
    }
}

impl ExactSizeIterator for DecidingIds<'_> {}

impl std::iter::FusedIterator for DecidingIds<'_> {}

impl std::fmt::Debug for DecidingIds<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// An [`AuthDecision`]'s verdict, stage and count of deciding statements in one word, so that
/// `authorize` writes them with one store. A caller that moves a decision (out of the
/// `Result`, into its reply) copies it a word at a time, and a word read over several narrower
/// writes just made waits for them to reach the cache: with the three as fields of their own,
/// that one read took about 6 % of a Small decision's time (`perf annotate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Summary(u64);

/// [`Decision`]s and [`Stage`]s by their code in a [`Summary`], their discriminant.
pub(super) const DECISIONS: [Decision; 3] = [
    Decision::Allow,
    Decision::ExplicitDeny,
    Decision::ImplicitDeny,
];
pub(super) const STAGES: [Stage; 6] = [
    Stage::AccountOwner,
    Stage::CrossAccount,
    Stage::ControlPolicy,
    Stage::SessionPolicy,
    Stage::AccountLevelIdentityBasedPolicy,
    Stage::ResourceGroupLevelIdentityBasedPolicy,
];

impl Summary {
    const DECISION_SHIFT: u32 = 32;
    const STAGE_SHIFT: u32 = 40;

    pub(super) fn new(decision: Decision, stage: Stage, total: u32) -> Summary {
        // The codes are the discriminants, which index the tables above (as the round-trip test
        // checks).
        Summary(
            u64::from(total)
                | (decision as u64) << Self::DECISION_SHIFT
                | (stage as u64) << Self::STAGE_SHIFT,
        )
    }

    pub(super) fn decision(self) -> Decision {
        let code = (self.0 >> Self::DECISION_SHIFT) & 0xff;
        // Every summary is made by `new`; an unknown code would deny.
        DECISIONS
            .get(code as usize)
            .copied()
            .unwrap_or(Decision::ExplicitDeny)
    }

    pub(super) fn is_allowed(self) -> bool {
        (self.0 >> Self::DECISION_SHIFT) & 0xff == 0
    }

    pub(super) fn stage(self) -> Stage {
        let code = (self.0 >> Self::STAGE_SHIFT) & 0xff;
        STAGES
            .get(code as usize)
            .copied()
            .unwrap_or(Stage::AccountLevelIdentityBasedPolicy)
    }

    pub(super) fn total(self) -> u32 {
        // The mask keeps the low 32 bits, so the cast keeps them all.
        (self.0 & u64::from(u32::MAX)) as u32
    }
}

/// Who asks, resolved against a compiled account by [`Authorizer::resolve`](super::Authorizer::resolve) or
/// [`Authorizer::principal`](super::Authorizer::principal): `Copy`, one word, and bound to the [`Authorizer`](super::Authorizer) that made it.
/// Any other authorizer refuses it with [`HandleError::PrincipalOfAnotherAuthorizer`], one
/// compiled from another account or from the same one, and the one a reload put in its place
/// too: after a reload, resolve again.
///
/// ```
/// # use ramcheck::account::Account;
/// # use ramcheck::authorizer::{AuthRequest, Authorizer};
/// # let account = Account::from_json(r#"{"account_id": "1234567890123456", "roles": {"deployer": {}}}"#, None, None)?;
/// # let authorizer = Authorizer::compile(&account)?;
/// let session = authorizer.resolve("acs:sts::1234567890123456:assumed-role/deployer/ci-1")?;
/// assert_eq!(session, authorizer.resolve("assumed-role/deployer/other")?);
/// assert!(authorizer.resolve("user/nobody").is_err());
///
/// let request = AuthRequest::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// let recompiled = Authorizer::compile(&account)?;
/// assert!(recompiled.authorize(session, None, &request).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PrincipalId(u64);

impl PrincipalId {
    const KIND_SHIFT: u32 = 62;

    /// The kind's code in the top two bits, the principal's number in its authorizer's block
    /// of the process-wide id space ([`stamp`]) below: one word, written with one store. A
    /// caller that keeps an id in memory (the `Result` of `resolve`, a cache, a value hidden
    /// from the optimiser) has it written field by field otherwise, and a word read over
    /// narrower writes just made waits for them to reach the cache (`perf annotate`: 10 % of
    /// Small's loop, 12 % of the Large benchmark's request building, on that one read). The
    /// number binds the id to its authorizer: no other one's block holds it.
    pub(super) fn new(kind: Kind, number: u64) -> PrincipalId {
        PrincipalId(u64::from(kind as u8) << Self::KIND_SHIFT | number)
    }

    pub(super) fn kind(self) -> Kind {
        match self.0 >> Self::KIND_SHIFT {
            0 => Kind::Root,
            1 => Kind::User,
            2 => Kind::Role,
            _ => Kind::RoleSession,
        }
    }

    pub(super) fn number(self) -> u64 {
        self.0 & (stamp::LIMIT - 1)
    }
}

impl std::fmt::Debug for PrincipalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrincipalId")
            .field("kind", &self.kind())
            .field("number", &self.number())
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Kind {
    Root = 0,
    User = 1,
    Role = 2,
    RoleSession = 3,
}
