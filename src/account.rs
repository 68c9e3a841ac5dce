//! One account: its policies, users, groups, roles, resource groups and place in a resource
//! directory, and the full decision procedure of spec rules E2–E5.
//!
//! Loading the account snapshot file is in [`load`](Account::load); principals are in
//! [`Principal`]. Each stage pools policies and asks [`crate::decision`]'s reference evaluator,
//! so the stages add order and scope, never a second way of matching statements.

mod load;
pub(crate) mod principal;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use load::AccountError;
pub use principal::{Principal, PrincipalError};

use crate::decision::{
    evaluate_pool, Decision, EvaluationError, NamedPolicy, Outcome, PoolResult, Request, Stage,
};
use crate::matching::wildcard_match;
use crate::policy::{Position, Span};

/// Where a policy is attached: the whole account, or one resource group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scope {
    /// Account scope: applies to every resource.
    Account,
    /// The scope of this resource group: applies to its resources only (E4.3).
    ResourceGroup(String),
}

/// A policy attached to a user, group or role, at a scope.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub(crate) policy: Arc<NamedPolicy>,
    pub(crate) scope: Scope,
}

impl Attachment {
    /// The attached policy.
    pub fn policy(&self) -> &NamedPolicy {
        &self.policy
    }

    /// Where it applies.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }
}

/// A RAM user: its groups and its own attachments.
#[derive(Debug, Clone, Default)]
pub struct User {
    pub(crate) groups: Vec<String>,
    pub(crate) attachments: Vec<Attachment>,
}

/// A RAM user group.
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub(crate) attachments: Vec<Attachment>,
}

/// A RAM role.
#[derive(Debug, Clone, Default)]
pub struct Role {
    pub(crate) attachments: Vec<Attachment>,
    pub(crate) service_linked: bool,
}

/// One level of the resource directory: a folder, the Root folder, or the account itself.
#[derive(Debug, Clone)]
pub struct DirectoryLevel {
    pub(crate) name: String,
    pub(crate) control_policies: Vec<Arc<NamedPolicy>>,
}

/// The account's place in a resource directory.
#[derive(Debug, Clone)]
pub struct ResourceDirectory {
    pub(crate) management_account: bool,
    /// From the Root folder down to the account itself.
    pub(crate) path: Vec<DirectoryLevel>,
}

/// A resource group: the ARN patterns that claim resources for it (E4.3).
#[derive(Debug, Clone)]
pub(crate) struct ResourceGroup {
    pub(crate) id: String,
    pub(crate) claims: Vec<Claim>,
}

/// One ARN pattern of a resource group, with where the account file has it.
#[derive(Debug, Clone)]
pub(crate) struct Claim {
    pub(crate) pattern: String,
    pub(crate) span: Span,
    pub(crate) position: Position,
}

impl ResourceGroup {
    /// The first of its patterns that matches `arn`.
    pub(crate) fn claim_of(&self, arn: &str) -> Option<&Claim> {
        self.claims.iter().find(|c| wildcard_match(&c.pattern, arn))
    }
}

/// An account snapshot: everything RAM needs to decide for its principals. Immutable,
/// `Send + Sync`.
///
/// ```
/// use ramcheck::account::{Account, Principal};
/// use ramcheck::decision::{Decision, Request, Stage};
///
/// let account = Account::from_json(r#"{
///   "account_id": "1234567890123456",
///   "users": {"alice": {"groups": ["ops"]}},
///   "groups": {"ops": {"policies": ["AliyunECSFullAccess"]}}
/// }"#, None, None)?;
/// let alice = Principal::parse("user/alice", account.id())?;
/// let request = Request::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// let outcome = account.decide(&alice, None, &request)?;
/// assert_eq!(outcome.decision(), Decision::Allow);
/// assert_eq!(outcome.stage(), Stage::AccountLevelIdentityBasedPolicy);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Account {
    pub(crate) id: String,
    /// The account file, as named when loading, for errors that point into it.
    pub(crate) file: Option<String>,
    pub(crate) users: BTreeMap<String, User>,
    pub(crate) groups: BTreeMap<String, Group>,
    pub(crate) roles: BTreeMap<String, Role>,
    pub(crate) resource_groups: Vec<ResourceGroup>,
    pub(crate) resource_directory: Option<ResourceDirectory>,
}

/// Why a request could not be decided for a principal of an account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecideError {
    /// The principal is not a user or role of the account.
    #[error("unknown {kind} `{name}` in account `{account}`{suggestion}")]
    UnknownPrincipal {
        /// `user` or `role`.
        kind: &'static str,
        /// The name given.
        name: String,
        /// The account.
        account: String,
        /// A did-you-mean, with its leading text, or empty.
        suggestion: String,
    },
    /// A session policy was given for a principal that is not a role session.
    #[error("a session policy applies only to a role session (`assumed-role/ROLE/SESSION`), not to `{0}`")]
    SessionPolicyWithoutSession(String),
    /// Two resource groups claim the resource (E4.3): an error of the account file, at the
    /// second group's pattern that claims it.
    #[error("{}{position}: the resource `{resource}` is claimed by two resource groups, `{first}` and `{second}`; a resource belongs to at most one", file.as_deref().map(|f| format!("{f}:")).unwrap_or_default())]
    ResourceInTwoGroups {
        /// The resource.
        resource: String,
        /// One group.
        first: String,
        /// The other.
        second: String,
        /// The account file.
        file: Option<String>,
        /// Where the account file has the second group's pattern that claims the resource.
        position: Position,
    },
    /// A request value could not be compared (C7, E6).
    #[error(transparent)]
    Evaluation(#[from] EvaluationError),
    /// An id given to a compiled [`Authorizer`](crate::authorizer::Authorizer) that another
    /// one made (the reference evaluator takes no ids).
    #[error(transparent)]
    Handle(#[from] crate::authorizer::HandleError),
}

/// One principal's decision, as `who-can` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PrincipalDecision {
    /// Canonical ARN (for roles, the role's ARN).
    pub principal: String,
    /// The outcome.
    pub outcome: Outcome,
}

impl Account {
    /// The numeric account ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// User names, sorted.
    pub fn users(&self) -> impl Iterator<Item = &str> {
        self.users.keys().map(String::as_str)
    }

    /// Role names, sorted.
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        self.roles.keys().map(String::as_str)
    }

    /// Whether the role is service-linked.
    pub fn is_service_linked(&self, role: &str) -> bool {
        self.roles.get(role).is_some_and(|r| r.service_linked)
    }

    /// Decides a request for a principal of this account (E2–E5). `session_policy` is the
    /// AssumeRole `Policy` of a role session.
    pub fn decide(
        &self,
        principal: &Principal,
        session_policy: Option<&NamedPolicy>,
        request: &Request,
    ) -> Result<Outcome, DecideError> {
        let attachments = self.attachments_of(principal)?;
        if session_policy.is_some() && !matches!(principal, Principal::RoleSession { .. }) {
            return Err(DecideError::SessionPolicyWithoutSession(
                principal.to_string(),
            ));
        }
        let group = self.resource_group_of(request.resource().as_str())?;
        self.decide_in(group, principal, &attachments, session_policy, request)
    }

    /// [`decide`](Account::decide) once the principal's attachments and the resource's group
    /// are known (they depend on the principal and on the request alone).
    fn decide_in(
        &self,
        group: Option<&str>,
        principal: &Principal,
        attachments: &[&Attachment],
        session_policy: Option<&NamedPolicy>,
        request: &Request,
    ) -> Result<Outcome, DecideError> {
        let own = request.resource().account() == self.id;

        // E2: the account itself may do anything to its own resources.
        if *principal == Principal::Root {
            let (decision, stage) = if own {
                (Decision::Allow, Stage::AccountOwner)
            } else {
                (Decision::ImplicitDeny, Stage::CrossAccount)
            };
            return Ok(Outcome::without_statements(decision, stage));
        }
        // E3: image pipelines have no resource policy; other accounts' are out of reach.
        if !own {
            return Ok(Outcome::without_statements(
                Decision::ImplicitDeny,
                Stage::CrossAccount,
            ));
        }

        // E2: acs:PrincipalARN always comes from the principal.
        let mut request = request.clone();
        request
            .context_mut()
            .set("acs:PrincipalARN", &principal.principal_arn(&self.id));

        // E4.1: control policies, every level, for all but the exempt.
        if let Some(directory) = &self.resource_directory {
            let exempt = directory.management_account
                || principal.role().is_some_and(|r| self.is_service_linked(r));
            if !exempt {
                if let Some(outcome) = control_policy_stage(directory, &request)? {
                    return Ok(outcome);
                }
            }
        }

        // E4.2: the session policy must allow.
        if let Some(session) = session_policy {
            let pool = evaluate_pool(&[session], &request)?;
            if pool.decision() != Decision::Allow {
                return Ok(pool.into_outcome(Stage::SessionPolicy));
            }
        }

        // E4.3: identity policies at account scope, then at the resource group's scope.
        let account_level: Vec<&NamedPolicy> = attachments
            .iter()
            .filter(|a| a.scope == Scope::Account)
            .map(|a| &*a.policy)
            .collect();
        let first = evaluate_pool(&account_level, &request)?;
        if first.decision() != Decision::ImplicitDeny {
            return Ok(first.into_outcome(Stage::AccountLevelIdentityBasedPolicy));
        }
        let Some(group) = group else {
            return Ok(first.into_outcome(Stage::AccountLevelIdentityBasedPolicy));
        };
        let group_level: Vec<&NamedPolicy> = attachments
            .iter()
            .filter(|a| matches!(&a.scope, Scope::ResourceGroup(g) if g == group))
            .map(|a| &*a.policy)
            .collect();
        let mut second = evaluate_pool(&group_level, &request)?;
        if second.decision() == Decision::ImplicitDeny {
            // Keep what came closest at account scope too: it explains the denial.
            let mut near = first.near_misses;
            near.append(&mut second.near_misses);
            second.near_misses = near;
        }
        Ok(second.into_outcome(Stage::ResourceGroupLevelIdentityBasedPolicy))
    }

    /// Decides for the account owner, every user and every role (as a session without a
    /// session policy, listed by the role's ARN): allowed ones first, then in the order root,
    /// users, roles, each sorted by name.
    pub fn who_can(&self, request: &Request) -> Result<Vec<PrincipalDecision>, DecideError> {
        let principals = std::iter::once(Principal::Root)
            .chain(self.users.keys().map(|u| Principal::User(u.clone())))
            .chain(self.roles.keys().map(|r| Principal::Role(r.clone())));
        // The resource's group is the same for everyone: found once (a resource claimed by two
        // groups is an error for everyone).
        let group = self.resource_group_of(request.resource().as_str())?;
        let mut decisions = Vec::new();
        for principal in principals {
            let attachments = self.attachments_of(&principal)?;
            let outcome = self.decide_in(group, &principal, &attachments, None, request)?;
            decisions.push(PrincipalDecision {
                principal: principal.arn(&self.id),
                outcome,
            });
        }
        // A stable sort keeps root, users, roles order within each verdict.
        decisions.sort_by_key(|d| !d.outcome.decision().is_allowed());
        Ok(decisions)
    }

    /// The policies attached to a principal (user plus its groups, or role), any scope.
    fn attachments_of(&self, principal: &Principal) -> Result<Vec<&Attachment>, DecideError> {
        let unknown = |kind: &'static str, name: &str, names: Vec<&str>| {
            let suggestion = crate::suggest::did_you_mean(name, names)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            DecideError::UnknownPrincipal {
                kind,
                name: name.to_owned(),
                account: self.id.clone(),
                suggestion,
            }
        };
        Ok(match principal {
            Principal::Root => Vec::new(),
            Principal::User(name) => {
                let user = self
                    .users
                    .get(name)
                    .ok_or_else(|| unknown("user", name, self.users().collect()))?;
                let mut all: Vec<&Attachment> = user.attachments.iter().collect();
                for group in &user.groups {
                    if let Some(g) = self.groups.get(group) {
                        all.extend(g.attachments.iter());
                    }
                }
                all
            }
            Principal::Role(role) | Principal::RoleSession { role, .. } => self
                .roles
                .get(role)
                .ok_or_else(|| unknown("role", role, self.roles().collect()))?
                .attachments
                .iter()
                .collect(),
        })
    }

    /// The resource group holding a resource, if any (M1 patterns; at most one, E4.3).
    fn resource_group_of(&self, arn: &str) -> Result<Option<&str>, DecideError> {
        let mut holders = self
            .resource_groups
            .iter()
            .filter_map(|g| g.claim_of(arn).map(|claim| (g.id.as_str(), claim)));
        let first = holders.next();
        if let (Some((first, _)), Some((second, claim))) = (first, holders.next()) {
            return Err(DecideError::ResourceInTwoGroups {
                resource: arn.to_owned(),
                first: first.to_owned(),
                second: second.to_owned(),
                file: self.file.clone(),
                position: claim.position,
            });
        }
        Ok(first.map(|(id, _)| id))
    }
}

/// E4.1: every level must allow; a Deny anywhere is an explicit deny. `None` when all allow.
fn control_policy_stage(
    directory: &ResourceDirectory,
    request: &Request,
) -> Result<Option<Outcome>, EvaluationError> {
    let mut denies = PoolResult::default();
    let mut implicit: Option<PoolResult> = None;
    // From the account's own level up to the Root folder.
    for level in directory.path.iter().rev() {
        let pool: Vec<&NamedPolicy> = level.control_policies.iter().map(|p| &**p).collect();
        let result = evaluate_pool(&pool, request)?;
        match result.decision() {
            Decision::ExplicitDeny => denies.denies.extend(result.denies),
            Decision::ImplicitDeny if implicit.is_none() => implicit = Some(result),
            _ => {}
        }
    }
    if !denies.denies.is_empty() {
        return Ok(Some(denies.into_outcome(Stage::ControlPolicy)));
    }
    Ok(implicit.map(|r| r.into_outcome(Stage::ControlPolicy)))
}

#[cfg(test)]
mod tests;
