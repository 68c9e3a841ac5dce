//! The reference engine: the account as loaded, each pool evaluated by
//! [`crate::decision`]'s reference evaluator, with every deciding statement and near miss
//! named. [`crate::procedure::decide`] drives it; this file only says where the account keeps
//! what a stage asks for.

use std::iter::{Map, Rev};
use std::slice;
use std::sync::Arc;

use super::{Account, Attachment, DecideError, DirectoryLevel, Principal, Scope};
use crate::decision::{
    evaluate_pool, Applying, Decision, NamedPolicy, NearMiss, Outcome, PoolResult, Request, Route,
    StatementRef, Via,
};
use crate::procedure::{ControlPolicies, Deciding, Engine, PrincipalKind, Verdict};

/// A pool, as the reference engine finds its policies.
#[derive(Debug, Clone, Copy)]
pub(super) enum Pool<'a> {
    /// The control policies of a resource directory level (E4.1).
    Level(&'a DirectoryLevel),
    /// The principal's policies attached at account scope (E4.3).
    AccountScope,
    /// The principal's policies attached at this resource group's scope (E4.3).
    GroupScope(&'a str),
}

/// One request for one principal of an account, and what its pools gave so far.
pub(super) struct Reference<'a> {
    account: &'a Account,
    principal: &'a Principal,
    session_policy: Option<&'a NamedPolicy>,
    /// The request, with `acs:PrincipalARN` the principal's (E2).
    request: Request,
    attachments: Vec<&'a Attachment>,
    /// The applying Deny statements of the stage's pools so far.
    denies: Vec<StatementRef>,
    /// The applying Allow statements of the last pool evaluated.
    allows: Vec<StatementRef>,
    /// The near misses of the last pool evaluated.
    last_near_misses: Vec<NearMiss>,
    /// The near misses kept to explain an implicit deny.
    near_misses: Vec<NearMiss>,
    /// Whether the resource has a resource-based policy (a role's trust policy, T3), so that
    /// E3 does not deny a principal of another account.
    resource_policy: bool,
    /// The resource's group, when the caller found it already (the same for every principal).
    group: Option<Option<&'a str>>,
}

impl<'a> Reference<'a> {
    pub(super) fn new(
        account: &'a Account,
        principal: &'a Principal,
        session_policy: Option<&'a NamedPolicy>,
        request: &Request,
    ) -> Reference<'a> {
        // E2: acs:PrincipalARN always comes from the principal.
        let mut request = request.clone();
        request
            .context_mut()
            .set("acs:PrincipalARN", &principal.principal_arn(account.id()));
        Reference {
            account,
            principal,
            session_policy,
            request,
            attachments: Vec::new(),
            denies: Vec::new(),
            allows: Vec::new(),
            last_near_misses: Vec::new(),
            near_misses: Vec::new(),
            resource_policy: false,
            group: None,
        }
    }

    /// The engine with the resource's group already found (`who-can` finds it once for
    /// every principal).
    pub(super) fn with_group(mut self, group: Option<&'a str>) -> Reference<'a> {
        self.group = Some(group);
        self
    }

    /// The engine for the caller's side of `sts:AssumeRole` (T3.1): E3 does not apply, since
    /// the role's trust policy is its resource-based policy.
    pub(super) fn with_resource_policy(mut self) -> Reference<'a> {
        self.resource_policy = true;
        self
    }

    /// The outcome of `verdict`, with the statements that decided it and, for an implicit
    /// deny, the near misses kept.
    pub(super) fn into_outcome(self, verdict: Verdict) -> Outcome {
        let deciding = match verdict.deciding {
            Deciding::None => Vec::new(),
            Deciding::Denies => self.denies,
            Deciding::Allows => self.allows,
        };
        let near_misses = match verdict.decision {
            Decision::ImplicitDeny => self.near_misses,
            Decision::Allow | Decision::ExplicitDeny => Vec::new(),
        };
        Outcome {
            decision: verdict.decision,
            stage: verdict.stage,
            deciding,
            near_misses,
        }
    }

    /// Evaluates a pool and adds what applied to what the stage collected.
    fn take(&mut self, policies: &[(&NamedPolicy, &Arc<Via>)]) -> Result<Applying, DecideError> {
        let result: PoolResult = evaluate_pool(policies, &self.request)?;
        let applying = result.applying();
        self.denies.extend(result.denies);
        self.allows = result.allows;
        self.last_near_misses = result.near_misses;
        Ok(applying)
    }

    /// The principal's attached policies whose scope `at` accepts, each with its route.
    fn attached_at(&self, at: impl Fn(&Scope) -> bool) -> Vec<(&'a NamedPolicy, &'a Arc<Via>)> {
        self.attachments
            .iter()
            .filter(|a| at(a.scope()))
            .map(|a| (a.policy(), a.shared_via()))
            .collect()
    }
}

impl<'a> Engine for Reference<'a> {
    type Error = DecideError;
    type Group = &'a str;
    type Pool = Pool<'a>;
    type Levels = Map<Rev<slice::Iter<'a, DirectoryLevel>>, fn(&'a DirectoryLevel) -> Pool<'a>>;

    fn principal(&mut self) -> Result<PrincipalKind, DecideError> {
        self.attachments = self.account.attachments_of(self.principal)?;
        Ok(match self.principal {
            Principal::Root => PrincipalKind::Root,
            Principal::User(_) => PrincipalKind::User,
            Principal::Role(_) => PrincipalKind::Role,
            Principal::RoleSession { .. } => PrincipalKind::RoleSession,
        })
    }

    fn has_session_policy(&self) -> bool {
        self.session_policy.is_some()
    }

    fn session_policy_without_session(&self) -> DecideError {
        DecideError::SessionPolicyWithoutSession(self.principal.to_string())
    }

    fn resource_group(&mut self) -> Result<Option<&'a str>, DecideError> {
        match self.group {
            Some(group) => Ok(group),
            None => self
                .account
                .resource_group_of(self.request.resource().as_str()),
        }
    }

    fn is_own_resource(&self) -> bool {
        self.resource_policy || self.request.resource().account() == self.account.id()
    }

    fn control_policies(&self) -> Option<ControlPolicies<Self::Levels>> {
        let directory = self.account.resource_directory()?;
        let level: fn(&'a DirectoryLevel) -> Pool<'a> = Pool::Level;
        Some(ControlPolicies {
            management_account: directory.is_management_account(),
            levels: directory.levels().iter().rev().map(level),
        })
    }

    fn is_service_linked_role(&self) -> bool {
        self.principal
            .role()
            .is_some_and(|role| self.account.is_service_linked(role))
    }

    fn evaluate_level(&mut self, level: Pool<'a>) -> Result<Applying, DecideError> {
        self.evaluate(level)
    }

    fn evaluate_session(&mut self) -> Result<Applying, DecideError> {
        let Some(session) = self.session_policy else {
            return self.take(&[]);
        };
        let via = Arc::new(Via::new(Route::SessionPolicy, session));
        self.take(&[(session, &via)])
    }

    fn account_pool(&self) -> Result<Pool<'a>, DecideError> {
        Ok(Pool::AccountScope)
    }

    fn group_pool(&self, group: &'a str) -> Result<Option<Pool<'a>>, DecideError> {
        Ok(Some(Pool::GroupScope(group)))
    }

    fn evaluate(&mut self, pool: Pool<'a>) -> Result<Applying, DecideError> {
        let policies: Vec<(&NamedPolicy, &Arc<Via>)> = match pool {
            Pool::Level(level) => level.routed_control_policies().collect(),
            Pool::AccountScope => self.attached_at(|s| *s == Scope::Account),
            Pool::GroupScope(group) => {
                self.attached_at(|s| matches!(s, Scope::ResourceGroup(g) if g == group))
            }
        };
        self.take(&policies)
    }

    fn keep_near_misses(&mut self) {
        self.near_misses.append(&mut self.last_near_misses);
    }
}
