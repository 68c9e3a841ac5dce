//! The decision procedure of spec rules E2–E4, written once for every engine.
//!
//! [`decide`] holds the order of the checks (the principal, a session policy without a
//! session, the resource's group, then the account owner, cross-account, control policies,
//! session policy, identity policies at account scope, then at the resource group's scope) and
//! what each stage's pools must give. It does not know how a pool is held or evaluated: an
//! [`Engine`] supplies the principal's kind, the pools of each stage and "evaluate this pool"
//! (E1). The reference evaluator ([`crate::account`]) and the compiled authorizer
//! ([`crate::authorizer`]) are the two engines; each keeps its own representation and tuning
//! behind the trait, and neither repeats an E2–E4 rule.
//!
//! The deciding statements (E5) are collected by the engine: every pool it evaluates adds its
//! applying Deny statements to those of the stage's earlier pools and replaces the applying
//! Allow statements. That is enough, because a stage that collected a Deny ends the procedure,
//! so a new stage always starts with none; and an Allow is only ever reported for the last
//! pool evaluated.

use crate::decision::{Applying, Decision, Stage};

/// Which kind of principal asks (E2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrincipalKind {
    /// The account itself.
    Root,
    /// A RAM user.
    User,
    /// A RAM role, acting without a session policy.
    Role,
    /// A session of a role, which may carry a session policy (E4.2).
    RoleSession,
}

impl PrincipalKind {
    /// Whether the principal acts as a RAM role (and may be a service-linked one, E4.1).
    #[inline]
    fn is_role(self) -> bool {
        matches!(self, PrincipalKind::Role | PrincipalKind::RoleSession)
    }
}

/// Which of the engine's collected lists names the deciding statements (E5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Deciding {
    /// None: the account owner, cross-account, or nothing allowed.
    None,
    /// The applying Deny statements.
    Denies,
    /// The applying Allow statements of the last pool evaluated.
    Allows,
}

/// What the procedure decided: the verdict, the stage that decided it, and where its deciding
/// statements are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub(crate) decision: Decision,
    pub(crate) stage: Stage,
    pub(crate) deciding: Deciding,
}

impl Verdict {
    /// The verdict of a stage whose pools gave `decision`: its deciding statements are the
    /// applying ones of that effect.
    #[inline]
    fn of_stage(decision: Decision, stage: Stage) -> Verdict {
        let deciding = match decision {
            Decision::ExplicitDeny => Deciding::Denies,
            Decision::Allow => Deciding::Allows,
            Decision::ImplicitDeny => Deciding::None,
        };
        Verdict {
            decision,
            stage,
            deciding,
        }
    }

    /// A verdict that no statement decided (E2, E3).
    #[inline]
    fn without_statements(decision: Decision, stage: Stage) -> Verdict {
        Verdict {
            decision,
            stage,
            deciding: Deciding::None,
        }
    }
}

/// The account's Resource Directory control policies, as an engine holds them (E4.1).
pub(crate) struct ControlPolicies<L> {
    /// Whether the account is the directory's management account, whose principals are exempt.
    pub(crate) management_account: bool,
    /// The levels, from the account's own up to the Root folder.
    pub(crate) levels: L,
}

/// What differs between engines: how the principal, the resource and the pools are held, and
/// how one pool is evaluated (E1). Everything an engine answers is about one request for one
/// principal, which the engine holds.
pub(crate) trait Engine {
    /// Why a request could not be decided.
    type Error;
    /// The resource group holding the resource, as the engine names it.
    type Group: Copy;
    /// A pool of identity policies (one scope) or of control policies (one level).
    type Pool: Copy;
    /// The control policy levels, from the account's own up to the Root folder.
    type Levels: Iterator<Item = Self::Pool>;

    /// The principal's kind, or the error for a principal the account does not have.
    fn principal(&mut self) -> Result<PrincipalKind, Self::Error>;
    /// Whether the request comes with a session policy.
    fn has_session_policy(&self) -> bool;
    /// The error for a session policy given to a principal that is not a role session.
    fn session_policy_without_session(&self) -> Self::Error;
    /// The resource group holding the resource, if any, or the error for a resource that two
    /// groups claim (E4.3).
    fn resource_group(&mut self) -> Result<Option<Self::Group>, Self::Error>;
    /// Whether the resource belongs to the principal's account (E3).
    fn is_own_resource(&self) -> bool;
    /// The control policies, if the account is a member of a resource directory (E4.1).
    fn control_policies(&self) -> Option<ControlPolicies<Self::Levels>>;
    /// Whether the principal is a service-linked role (asked of roles only, E4.1).
    fn is_service_linked_role(&self) -> bool;
    /// Evaluates one level of control policies (E1).
    fn evaluate_level(&mut self, level: Self::Pool) -> Result<Applying, Self::Error>;
    /// Evaluates the session policy (E1, E4.2); asked only when there is one.
    fn evaluate_session(&mut self) -> Result<Applying, Self::Error>;
    /// The principal's identity policies attached at account scope (E4.3).
    fn account_pool(&self) -> Result<Self::Pool, Self::Error>;
    /// The principal's identity policies attached at `group`'s scope, if it has any (E4.3).
    fn group_pool(&self, group: Self::Group) -> Result<Option<Self::Pool>, Self::Error>;
    /// Evaluates a pool of identity policies (E1).
    fn evaluate(&mut self, pool: Self::Pool) -> Result<Applying, Self::Error>;
    /// Keeps, to explain an implicit deny, the Allow statements of the pool just evaluated that
    /// came closest to applying. An engine that does not explain keeps nothing.
    #[inline]
    fn keep_near_misses(&mut self) {}
}

/// Decides the engine's request for its principal (E2–E4).
///
/// Errors come in this order: the principal, a session policy for a principal that is not a
/// role session, a resource that two groups claim (an error of the account, whoever asks), then
/// any error of evaluating a pool (E6).
#[inline]
pub(crate) fn decide<E: Engine>(engine: &mut E) -> Result<Verdict, E::Error> {
    let kind = engine.principal()?;
    if engine.has_session_policy() && kind != PrincipalKind::RoleSession {
        return Err(engine.session_policy_without_session());
    }
    let group = engine.resource_group()?;
    let own = engine.is_own_resource();

    // E2: the account itself may do anything to its own resources.
    if kind == PrincipalKind::Root {
        return Ok(if own {
            Verdict::without_statements(Decision::Allow, Stage::AccountOwner)
        } else {
            Verdict::without_statements(Decision::ImplicitDeny, Stage::CrossAccount)
        });
    }
    // E3: image pipelines have no resource policy; other accounts' are out of reach.
    if !own {
        return Ok(Verdict::without_statements(
            Decision::ImplicitDeny,
            Stage::CrossAccount,
        ));
    }

    // E4.1: control policies, every level, for all but the exempt.
    if let Some(control) = engine.control_policies() {
        let exempt =
            control.management_account || (kind.is_role() && engine.is_service_linked_role());
        if !exempt {
            if let Some(verdict) = control_policy_stage(engine, control.levels)? {
                return Ok(verdict);
            }
        }
    }

    // E4.2: the session policy must allow.
    if engine.has_session_policy() {
        let decision = engine.evaluate_session()?.decision();
        if decision != Decision::Allow {
            if decision == Decision::ImplicitDeny {
                engine.keep_near_misses();
            }
            return Ok(Verdict::of_stage(decision, Stage::SessionPolicy));
        }
    }

    // E4.3: identity policies at account scope; only if they allow nothing and deny nothing,
    // those at the scope of the resource's group, whose answer is final.
    let pool = engine.account_pool()?;
    let decision = engine.evaluate(pool)?.decision();
    if decision != Decision::ImplicitDeny {
        return Ok(Verdict::of_stage(
            decision,
            Stage::AccountLevelIdentityBasedPolicy,
        ));
    }
    // What came closest at account scope explains an implicit deny at either scope.
    engine.keep_near_misses();
    let Some(group) = group else {
        return Ok(Verdict::of_stage(
            decision,
            Stage::AccountLevelIdentityBasedPolicy,
        ));
    };
    let stage = Stage::ResourceGroupLevelIdentityBasedPolicy;
    let Some(pool) = engine.group_pool(group)? else {
        return Ok(Verdict::of_stage(Decision::ImplicitDeny, stage));
    };
    let decision = engine.evaluate(pool)?.decision();
    if decision == Decision::ImplicitDeny {
        engine.keep_near_misses();
    }
    Ok(Verdict::of_stage(decision, stage))
}

/// E4.1: every level is evaluated and must allow; a Deny at any level is an explicit deny
/// (naming every level's Denies), else a level that allows nothing is an implicit deny
/// (explained by the first such level). `None` when every level allows.
#[inline]
fn control_policy_stage<E: Engine>(
    engine: &mut E,
    levels: E::Levels,
) -> Result<Option<Verdict>, E::Error> {
    let mut denied = false;
    let mut implicit = false;
    for level in levels {
        match engine.evaluate_level(level)?.decision() {
            Decision::ExplicitDeny => denied = true,
            Decision::ImplicitDeny if !implicit => {
                implicit = true;
                engine.keep_near_misses();
            }
            _ => {}
        }
    }
    if denied {
        return Ok(Some(Verdict::of_stage(
            Decision::ExplicitDeny,
            Stage::ControlPolicy,
        )));
    }
    Ok(implicit.then(|| Verdict::of_stage(Decision::ImplicitDeny, Stage::ControlPolicy)))
}

#[cfg(test)]
mod tests;
