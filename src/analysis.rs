//! Access analysis (spec §8, A1–A4, and T5): who can make one action over a whole space of
//! requests, directly or by assuming roles, and what a change to the accounts grants.
//!
//! The analysis decides nothing itself. For each principal it splits the request space into
//! classes (A2): the resource ARNs and context values that every pattern and condition value
//! of the input relevant to that principal judges alike ([`partition`]). One witness of each
//! class is decided by the one decision procedure ([`crate::procedure`], through
//! [`Account::decide`](crate::account::Account::decide) and the compiled
//! [`Authorizer`](crate::authorizer::Authorizer)), and role assumption by
//! [`crate::assume`]; the witness decides its whole class. Reachability through roles (T5)
//! walks the roles whose AssumeRole the same class's context allows.

mod atoms;
mod diff;
pub mod gate;
pub(crate) mod partition;
mod reach;

use crate::assume::UnlistedPrincipals;
use crate::decision::{Context, Outcome, StatementRef};

pub use diff::diff;
pub use reach::who_can;

/// How many classes one principal's question may split into by default (`--max-cases`).
pub const DEFAULT_MAX_CASES: usize = 200_000;

/// What to analyse: one action over every image pipeline matching a pattern, with some context
/// keys fixed by the caller (A1).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Question {
    /// The action, e.g. `ecs:CancelImagePipelineExecution`.
    pub action: String,
    /// The resource pattern (M1), e.g. `acs:ecs:cn-*:1234567890123456:imagepipeline/prod-*`;
    /// `None`: every image pipeline of each account involved.
    pub resource: Option<String>,
    /// The context keys the caller fixes (`--context`); every other key ranges (A1).
    pub fixed: Context,
    /// The most classes one principal's question may split into; more is an error (A2).
    pub max_cases: usize,
}

impl Question {
    /// The question for `action` over every image pipeline of each account involved, with no
    /// key fixed and the default limit.
    ///
    /// ```
    /// use ramcheck::analysis::{Question, DEFAULT_MAX_CASES};
    ///
    /// let q = Question::new("ecs:CancelImagePipelineExecution")
    ///     .with_resource("acs:ecs:cn-*:1234567890123456:imagepipeline/prod-*");
    /// assert_eq!(q.max_cases, DEFAULT_MAX_CASES);
    /// ```
    pub fn new(action: impl Into<String>) -> Question {
        Question {
            action: action.into(),
            resource: None,
            fixed: Context::new(),
            max_cases: DEFAULT_MAX_CASES,
        }
    }

    /// Over the image pipelines matching `pattern` (M1).
    pub fn with_resource(mut self, pattern: impl Into<String>) -> Question {
        self.resource = Some(pattern.into());
        self
    }

    /// With these context keys fixed.
    pub fn with_context(mut self, fixed: Context) -> Question {
        self.fixed = fixed;
        self
    }

    /// With another limit on the classes of one principal's question.
    pub fn with_max_cases(mut self, max_cases: usize) -> Question {
        self.max_cases = max_cases;
        self
    }
}

/// The account field of an ARN, or of a pattern of five fields, when it names one account:
/// whose resources a space holds, for the gate's owner exemption and for short principal names.
///
/// ```
/// use ramcheck::analysis::literal_account;
///
/// assert_eq!(literal_account("acs:ecs:cn-*:1234567890123456:imagepipeline/prod-*"), Some("1234567890123456"));
/// assert_eq!(literal_account("acs:ecs:*:*:imagepipeline/*"), None);
/// // A pattern whose `*` may stand for a `:` names no field for sure.
/// assert_eq!(literal_account("acs:ecs:*:imagepipeline/*"), None);
/// ```
pub fn literal_account(pattern: &str) -> Option<&str> {
    let mut fields = pattern.split(':');
    let account = fields.nth(3)?;
    let five = fields.next().is_some() && fields.next().is_none();
    (five && !crate::matching::has_wildcard(account)).then_some(account)
}

/// How much of the space a principal reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Access {
    /// Every request of the space is allowed.
    All,
    /// Some are allowed, some denied.
    Some,
    /// None is allowed.
    None,
}

impl Access {
    /// `all`, `some` or `none`, as the JSON output spells it.
    pub fn name(self) -> &'static str {
        match self {
            Access::All => "all",
            Access::Some => "some",
            Access::None => "none",
        }
    }
}

/// A concrete request of the space (A3): `check` with this resource and context replays it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Witness {
    /// The resource ARN.
    pub resource: String,
    /// The context: each key given once, with its one value (A1: single-valued); a key not
    /// listed is absent. `acs:CurrentTime` is listed when the class depends on it.
    pub context: Vec<(String, String)>,
}

/// One `sts:AssumeRole` on a path (T5): the role assumed and the statements that allowed it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Hop {
    /// The role's ARN, `acs:ram::<account>:role/<name>`.
    pub role: String,
    /// The caller's Allow statements (empty for an account owner, whose side always allows).
    pub caller_statements: Vec<StatementRef>,
    /// The trust policy's Allow statements.
    pub trust_statements: Vec<StatementRef>,
}

/// A decision of one request of the space, as `check` reports it, with the path that reached
/// it: `via` is `None` for the principal's own decision, else the hops, in order, after which
/// the last role's session made the final request that `outcome` decided.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reached {
    /// The final request's decision.
    pub outcome: Outcome,
    /// The roles assumed on the way, shortest path first found; `None` for direct.
    pub via: Option<Vec<Hop>>,
}

/// One principal's answer over the space.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PrincipalAccess {
    /// Its canonical ARN (for a role, the role's ARN: a session without a session policy).
    pub principal: String,
    /// Its account.
    pub account: String,
    /// How much of the space it reaches, directly or through roles.
    pub access: Access,
    /// An allowed request, direct whenever the principal has any direct access, and how it
    /// was reached; `None` when access is none.
    pub witness: Option<(Witness, Reached)>,
    /// A request it cannot reach, with its own direct decision; given when access is some or
    /// none.
    pub denied_witness: Option<(Witness, Outcome)>,
}

/// The answer of `who-can` over a space.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpaceAnswer {
    /// The action.
    pub action: String,
    /// The resource pattern the space was, or each account's default, joined by `, `.
    pub resource: String,
    /// Every principal of every account: those with access first, then by account, root,
    /// users, roles.
    pub principals: Vec<PrincipalAccess>,
    /// Principals that trust policies of roles with access name but no snapshot lists (T6).
    pub unlisted: Vec<UnlistedPrincipals>,
    /// How many classes the analysis decided, over all principals.
    pub classes: usize,
}

/// One side of a change: the decision and path of the witness on that side; `None` when the
/// principal does not exist on that side.
pub type SideDecision = Option<Reached>;

/// A principal that gained or lost access (A4), with a witness and both sides' decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Change {
    /// The principal's ARN.
    pub principal: String,
    /// A request whose decision changed.
    pub witness: Witness,
    /// Its decision before.
    pub before: SideDecision,
    /// Its decision after.
    pub after: SideDecision,
}

/// The answer of `diff` (A4): one change per principal and per distinct set of deciding
/// statements on the after side.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DiffAnswer {
    /// The action.
    pub action: String,
    /// The resource pattern, as [`SpaceAnswer::resource`].
    pub resource: String,
    /// Requests denied before and allowed after.
    pub gained: Vec<Change>,
    /// Requests allowed before and denied after.
    pub lost: Vec<Change>,
    /// Principals no snapshot lists that gain access (T6): named by the after side's trust
    /// policy of a role that reaches the space, and not named by it before.
    pub unlisted: Vec<UnlistedPrincipals>,
}

/// Why an analysis could not be completed: never a partial answer (A2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnalysisError {
    /// The space splits into more classes than the limit.
    #[error("the analysis of `{principal}` splits the request space into more than {limit} {cases}; narrow `--resource`, fix context keys with `--context`, or raise `--max-cases`", cases = if *limit == 1 { "case" } else { "cases" })]
    TooManyCases {
        /// The principal whose question split too far.
        principal: String,
        /// The limit.
        limit: usize,
    },
    /// The resource pattern is not a pattern of image pipeline ARNs.
    #[error("invalid resource pattern `{pattern}`: {reason}")]
    Pattern {
        /// The pattern given.
        pattern: String,
        /// What is wrong, and the fix.
        reason: String,
    },
    /// The action is `sts:AssumeRole`, which is decided on two sides (T3), not analysed here.
    #[error("the analysis covers the requests of an action on resources, not `sts:AssumeRole` itself; ask `who-can` about one role ARN, or analyse the action the roles give")]
    AssumeRoleAction,
    /// A context key whose classes cannot be enumerated exactly (A2).
    #[error("cannot split the values of the context key `{key}` into classes: {reason}")]
    Condition {
        /// The key.
        key: String,
        /// Why, and the fix.
        reason: String,
    },
    /// A witness with a context value that a condition cannot compare (C7): no request RAM
    /// decides. The engine leaves such classes out; it never reaches a caller.
    #[error("a request of the space has a context value that a condition cannot compare; fix the key with `--context`")]
    Undecidable,
    /// A witness could not be made into a request (M4, C7).
    #[error(transparent)]
    Request(#[from] crate::decision::RequestError),
    /// A witness could not be decided (C7, E6, T3a).
    #[error(transparent)]
    Decide(#[from] crate::assume::AssumeError),
}

#[cfg(test)]
mod tests;
