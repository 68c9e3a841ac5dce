//! One account: its policies, users, groups, roles, resource groups and place in a resource
//! directory, and what they mean for a principal (its attachments, E2; the group holding a
//! resource, E4.3).
//!
//! Loading the account snapshot file is in [`load`](Account::load); principals are in
//! [`Principal`]. [`Account::decide`] runs the decision procedure of E2–E4, which is
//! `crate::procedure`'s, with the reference engine of `engine.rs`: each stage pools policies
//! and asks [`crate::decision`]'s reference evaluator, so the stages add order and scope, never
//! a second way of matching statements.

mod engine;
mod load;
pub(crate) mod principal;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use load::AccountError;
pub use principal::{Principal, PrincipalError};

use crate::decision::{EvaluationError, NamedPolicy, Outcome, Request, Via};
use crate::matching::wildcard_match;
use crate::policy::{Position, Span};
use crate::procedure;
use engine::Reference;

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
    policy: Arc<NamedPolicy>,
    scope: Scope,
    /// How it reaches the principals it applies to: the holder and the scope (E2, E4.3).
    via: Arc<Via>,
}

impl Attachment {
    /// The attached policy.
    pub fn policy(&self) -> &NamedPolicy {
        &self.policy
    }

    /// The attached policy, shared: compiling keeps one copy of a policy attached many times.
    pub(crate) fn shared_policy(&self) -> &Arc<NamedPolicy> {
        &self.policy
    }

    /// Where it applies.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// How it reaches a principal: attached to the user, to one of its groups, or to the
    /// role, at its scope.
    pub fn via(&self) -> &Via {
        &self.via
    }

    /// The same, shared by every statement an explanation names from it.
    pub(crate) fn shared_via(&self) -> &Arc<Via> {
        &self.via
    }
}

/// A RAM user: its groups and its own attachments.
#[derive(Debug, Clone, Default)]
pub struct User {
    groups: Vec<String>,
    attachments: Vec<Attachment>,
}

/// A RAM user group.
#[derive(Debug, Clone, Default)]
pub struct Group {
    attachments: Vec<Attachment>,
}

/// A RAM role.
#[derive(Debug, Clone, Default)]
pub struct Role {
    attachments: Vec<Attachment>,
    service_linked: bool,
    /// The service of a service-linked role, when the snapshot names it.
    service: Option<String>,
    /// Who may assume it (T1); `None`: nobody.
    trust: Option<Arc<NamedPolicy>>,
}

/// One level of the resource directory: a folder, the Root folder, or the account itself.
#[derive(Debug, Clone)]
pub struct DirectoryLevel {
    name: String,
    control_policies: Vec<Arc<NamedPolicy>>,
    /// The route of each control policy, in the same order (E4.1).
    vias: Vec<Arc<Via>>,
}

impl DirectoryLevel {
    /// The control policies attached at this level.
    pub(crate) fn control_policies(&self) -> &[Arc<NamedPolicy>] {
        &self.control_policies
    }

    /// Each control policy with its route: a control policy of this level.
    pub(crate) fn routed_control_policies(
        &self,
    ) -> impl Iterator<Item = (&NamedPolicy, &Arc<Via>)> {
        self.control_policies.iter().map(|p| &**p).zip(&self.vias)
    }
}

/// The account's place in a resource directory.
#[derive(Debug, Clone)]
pub struct ResourceDirectory {
    management_account: bool,
    /// From the Root folder down to the account itself.
    path: Vec<DirectoryLevel>,
}

impl ResourceDirectory {
    /// Whether the account is the directory's management account, whose principals control
    /// policies do not bind (E4.1).
    pub(crate) fn is_management_account(&self) -> bool {
        self.management_account
    }

    /// The levels, from the Root folder down to the account itself.
    pub(crate) fn levels(&self) -> &[DirectoryLevel] {
        &self.path
    }
}

/// A resource group: the ARN patterns that claim resources for it (E4.3).
#[derive(Debug, Clone)]
pub(crate) struct ResourceGroup {
    id: String,
    claims: Vec<Claim>,
}

/// One ARN pattern of a resource group, with where the account file has it.
#[derive(Debug, Clone)]
pub(crate) struct Claim {
    pattern: String,
    span: Span,
    position: Position,
}

impl Claim {
    /// The ARN pattern (M1).
    pub(crate) fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Where the account file has it.
    pub(crate) fn span(&self) -> Span {
        self.span
    }

    /// Its line and column in the account file.
    pub(crate) fn position(&self) -> Position {
        self.position
    }
}

impl ResourceGroup {
    /// The group's id.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Its patterns, in file order.
    pub(crate) fn claims(&self) -> &[Claim] {
        &self.claims
    }

    /// The first of its patterns that matches `arn`.
    pub(crate) fn claim_of(&self, arn: &str) -> Option<&Claim> {
        self.claims.iter().find(|c| wildcard_match(&c.pattern, arn))
    }
}

/// The account's resource groups, numbered in file order from 0, and the rule that a resource
/// belongs to at most one of them (E4.3). The compiled authorizer keeps a copy and finds the
/// groups that claim a resource its own way; both ask [`holder`](ResourceGroups::holder) which
/// one holds it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResourceGroups {
    groups: Vec<ResourceGroup>,
    /// The account file, for the error of a resource claimed twice.
    file: Option<String>,
}

impl ResourceGroups {
    /// The groups, in file order.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, ResourceGroup> {
        self.groups.iter()
    }

    /// Whether the account has no resource group.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The numbers of the groups that claim `arn` (M1), lowest first, by testing every pattern.
    pub(crate) fn claimants<'s>(&'s self, arn: &'s str) -> impl Iterator<Item = u32> + 's {
        (0u32..)
            .zip(&self.groups)
            .filter(move |(_, group)| group.claim_of(arn).is_some())
            .map(|(number, _)| number)
    }

    /// E4.3: the group holding `arn`, given the numbers of the groups that claim it, lowest
    /// first (only the first two are read). A resource belongs to at most one group: two are
    /// an error of the account file, naming the first two and where the second claims it.
    #[inline]
    pub(crate) fn holder(
        &self,
        arn: &str,
        claimants: impl IntoIterator<Item = u32>,
    ) -> Result<Option<u32>, DecideError> {
        let mut claimants = claimants.into_iter();
        let Some(first) = claimants.next() else {
            return Ok(None);
        };
        match claimants.next() {
            Some(second) => Err(self.claimed_twice(arn, first, second)),
            None => Ok(Some(first)),
        }
    }

    /// The id of group `number`.
    pub(crate) fn id(&self, number: u32) -> Option<&str> {
        self.groups.get(number as usize).map(ResourceGroup::id)
    }

    #[cold]
    #[inline(never)]
    fn claimed_twice(&self, arn: &str, first: u32, second: u32) -> DecideError {
        let name = |number: u32| self.id(number).unwrap_or_default().to_owned();
        let position = self
            .groups
            .get(second as usize)
            .and_then(|g| g.claim_of(arn))
            .map_or(Position::START, |c| c.position);
        DecideError::ResourceInTwoGroups {
            resource: arn.to_owned(),
            first: name(first),
            second: name(second),
            file: self.file.clone(),
            position,
        }
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
    id: String,
    users: BTreeMap<String, User>,
    groups: BTreeMap<String, Group>,
    roles: BTreeMap<String, Role>,
    resource_groups: ResourceGroups,
    resource_directory: Option<ResourceDirectory>,
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

    /// The role's trust policy (T1), if the snapshot gives one; a role without one can be
    /// assumed by nobody.
    pub fn trust_policy(&self, role: &str) -> Option<&NamedPolicy> {
        self.roles.get(role).and_then(|r| r.trust.as_deref())
    }

    /// The service that may assume a service-linked role, when the snapshot names it.
    pub fn service_of(&self, role: &str) -> Option<&str> {
        self.roles.get(role).and_then(|r| r.service.as_deref())
    }

    /// Whether the account has this role.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.contains_key(role)
    }

    /// The account's resource groups, in file order.
    pub(crate) fn resource_groups(&self) -> &ResourceGroups {
        &self.resource_groups
    }

    /// The account's place in a resource directory, if it is a member of one (E4.1).
    pub(crate) fn resource_directory(&self) -> Option<&ResourceDirectory> {
        self.resource_directory.as_ref()
    }

    /// Decides a request for a principal of this account (E2–E5). `session_policy` is the
    /// AssumeRole `Policy` of a role session.
    pub fn decide(
        &self,
        principal: &Principal,
        session_policy: Option<&NamedPolicy>,
        request: &Request,
    ) -> Result<Outcome, DecideError> {
        let mut engine = Reference::new(self, principal, session_policy, request);
        let verdict = procedure::decide(&mut engine)?;
        Ok(engine.into_outcome(verdict))
    }

    /// The caller's side of `sts:AssumeRole` (T3.1): the decision for `principal` through
    /// E2 and E4, control policies and session policy included, but not E3: a principal of
    /// this account may assume another account's role. [`crate::assume`] adds the trust side.
    pub(crate) fn decide_caller_side(
        &self,
        principal: &Principal,
        session_policy: Option<&NamedPolicy>,
        request: &Request,
    ) -> Result<Outcome, DecideError> {
        let mut engine =
            Reference::new(self, principal, session_policy, request).with_resource_policy();
        let verdict = procedure::decide(&mut engine)?;
        Ok(engine.into_outcome(verdict))
    }

    /// Decides for the account owner, every user and every role (as a session without a
    /// session policy, listed by the role's ARN): allowed ones first, then in the order root,
    /// users, roles, each sorted by name.
    pub fn who_can(&self, request: &Request) -> Result<Vec<PrincipalDecision>, DecideError> {
        // The resource's group is the same for everyone: found once, before anyone is decided
        // (a resource claimed by two groups is an error for everyone).
        let group = self.resource_group_of(request.resource().as_str())?;
        let principals = std::iter::once(Principal::Root)
            .chain(self.users.keys().map(|u| Principal::User(u.clone())))
            .chain(self.roles.keys().map(|r| Principal::Role(r.clone())));
        let mut decisions = Vec::new();
        for principal in principals {
            let mut engine = Reference::new(self, &principal, None, request).with_group(group);
            let verdict = procedure::decide(&mut engine)?;
            let outcome = engine.into_outcome(verdict);
            decisions.push(PrincipalDecision {
                principal: principal.arn(&self.id),
                outcome,
            });
        }
        // A stable sort keeps root, users, roles order within each verdict.
        decisions.sort_by_key(|d| !d.outcome.decision().is_allowed());
        Ok(decisions)
    }

    /// The policies attached to a principal, at any scope (E2): a user's own and those of each
    /// of its groups, in that order; a role's (also for its sessions); none for the account
    /// itself.
    ///
    /// # Errors
    ///
    /// [`DecideError::UnknownPrincipal`] for a user or role the account does not have.
    ///
    /// ```
    /// use ramcheck::account::{Account, Principal};
    ///
    /// let account = Account::from_json(r#"{
    ///   "account_id": "1234567890123456",
    ///   "users": {"alice": {"policies": ["AliyunECSReadOnlyAccess"], "groups": ["ops"]}},
    ///   "groups": {"ops": {"policies": ["AliyunECSFullAccess"]}}
    /// }"#, None, None)?;
    /// let alice = Principal::parse("user/alice", account.id())?;
    /// let names: Vec<&str> = account.attachments_of(&alice)?.iter().map(|a| a.policy().name()).collect();
    /// assert_eq!(names, ["AliyunECSReadOnlyAccess", "AliyunECSFullAccess"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn attachments_of(&self, principal: &Principal) -> Result<Vec<&Attachment>, DecideError> {
        Ok(match principal {
            Principal::Root => Vec::new(),
            Principal::User(name) => {
                let user = self
                    .users
                    .get(name)
                    .ok_or_else(|| self.unknown("user", name, self.users()))?;
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
                .ok_or_else(|| self.unknown("role", role, self.roles()))?
                .attachments
                .iter()
                .collect(),
        })
    }

    /// A user's attachments, each with the group it came through (`None`: the user's own), in
    /// the order of [`attachments_of`](Account::attachments_of); empty for a user the account
    /// lacks. Pictures of an answer (`output::graph`) draw the group that holds a policy.
    pub(crate) fn user_attachment_sources(
        &self,
        user: &str,
    ) -> impl Iterator<Item = (Option<&str>, &Attachment)> {
        let user = self.users.get(user);
        let own = user
            .into_iter()
            .flat_map(|u| u.attachments.iter().map(|a| (None, a)));
        let groups = user.into_iter().flat_map(|u| &u.groups).flat_map(|name| {
            self.groups
                .get(name)
                .into_iter()
                .flat_map(move |g| g.attachments.iter().map(move |a| (Some(name.as_str()), a)))
        });
        own.chain(groups)
    }

    #[cold]
    fn unknown<'n>(
        &self,
        kind: &'static str,
        name: &str,
        names: impl Iterator<Item = &'n str>,
    ) -> DecideError {
        let suggestion = crate::suggest::did_you_mean(name, names)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        DecideError::UnknownPrincipal {
            kind,
            name: name.to_owned(),
            account: self.id.clone(),
            suggestion,
        }
    }

    /// The id of the resource group holding a resource, if any (M1 patterns, E4.3).
    ///
    /// # Errors
    ///
    /// [`DecideError::ResourceInTwoGroups`] when two groups claim it: a resource belongs to at
    /// most one.
    ///
    /// ```
    /// use ramcheck::account::Account;
    ///
    /// let account = Account::from_json(r#"{
    ///   "account_id": "1234567890123456",
    ///   "resource_groups": {"rg-prod": ["acs:ecs:*:*:imagepipeline/ip-prod-*"]}
    /// }"#, None, None)?;
    /// let arn = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-prod-1";
    /// assert_eq!(account.resource_group_of(arn)?, Some("rg-prod"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resource_group_of(&self, arn: &str) -> Result<Option<&str>, DecideError> {
        let groups = &self.resource_groups;
        let holder = groups.holder(arn, groups.claimants(arn))?;
        Ok(holder.and_then(|number| groups.id(number)))
    }
}

#[cfg(test)]
mod tests;
