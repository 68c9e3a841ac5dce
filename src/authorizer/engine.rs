//! The compiled engine: [`crate::procedure::decide`] over an [`Authorizer`]'s indexed pools,
//! collecting deciding statements as numbers into [`Sink`]s, without allocating.
//!
//! The procedure is generic and inlined, so each sink type gets its own copy with these
//! methods inlined into it. The speed-ups that are this engine's own live here, not in the
//! procedure: starting to load the principal's pool before the resource's group is found, a
//! control policy level that allows without a Deny (`FullAliyunAccess`) not evaluated, the
//! per-request memo forgotten around the session policy (whose catalog numbers its patterns
//! and conditions apart).

use std::iter::Rev;
use std::slice;

use super::compile::CompiledPrincipal;
use super::handle::{Kind, SESSION_BIT};
use super::index::{Evaluation, Lookup, Pool, PoolError, Sink};
use super::pattern::{self, RequestScratch};
use super::{AuthRequest, Authorizer, HandleError, PrincipalId, SessionPolicy};
use crate::account::DecideError;
use crate::decision::{Applying, EvaluationError};
use crate::procedure::{ControlPolicies, Engine, PrincipalKind};

/// One request for one principal of an authorizer, and the sinks its pools fill.
pub(super) struct Compiled<'a, S> {
    authorizer: &'a Authorizer,
    principal: PrincipalId,
    /// The principal's compiled form: `None` for the root, and for an id of another
    /// authorizer.
    compiled: Option<&'a CompiledPrincipal>,
    /// `acs:PrincipalARN` (E2); empty for the root, which no pool is evaluated for.
    principal_arn: &'a str,
    session: Option<&'a SessionPolicy>,
    request: &'a AuthRequest<'a>,
    lookup: Lookup,
    scratch: RequestScratch<'a>,
    denies: &'a mut S,
    allows: &'a mut S,
}

impl<'a, S: Sink> Compiled<'a, S> {
    /// The engine for a request; `denies` and `allows` start empty and hold the deciding
    /// statements once [`decide`](crate::procedure::decide) has run.
    #[inline(always)]
    pub(super) fn new(
        authorizer: &'a Authorizer,
        principal: PrincipalId,
        session: Option<&'a SessionPolicy>,
        request: &'a AuthRequest<'a>,
        denies: &'a mut S,
        allows: &'a mut S,
    ) -> Compiled<'a, S> {
        let compiled = authorizer.compiled(principal);
        Compiled {
            authorizer,
            principal,
            compiled,
            principal_arn: compiled.map_or("", |c| &c.principal_arn),
            session,
            request,
            lookup: authorizer.catalog.lookup(request),
            scratch: RequestScratch::with_colons(
                request.resource(),
                request.resource_is_ascii(),
                request.resource_colons(),
            ),
            denies,
            allows,
        }
    }

    /// Evaluates `pool` of `catalog` into the sinks: its Denies after the stage's earlier
    /// ones, its Allows in place of the last pool's.
    #[inline(always)]
    fn collect(
        &mut self,
        pool: &Pool,
        session: Option<&SessionPolicy>,
        lookup: Lookup,
    ) -> Result<Applying, DecideError> {
        let (catalog, tag) = match session {
            Some(session) => (&session.catalog, SESSION_BIT),
            None => (&self.authorizer.catalog, 0),
        };
        self.allows.clear();
        let before = self.denies.count();
        let mut evaluation = Evaluation {
            catalog,
            request: self.request,
            scratch: &mut self.scratch,
            principal_arn: self.principal_arn,
            tag,
            denies: &mut *self.denies,
            allows: &mut *self.allows,
        };
        pool.evaluate(lookup, &mut evaluation)
            .map_err(|e| self.authorizer.evaluation_error(session, e))?;
        Ok(Applying {
            deny: self.denies.count() > before,
            allow: self.allows.count() > 0,
        })
    }
}

impl<'a, S: Sink> Engine for Compiled<'a, S> {
    type Error = DecideError;
    type Group = u32;
    type Pool = &'a Pool;
    type Levels = Rev<slice::Iter<'a, Pool>>;

    #[inline(always)]
    fn principal(&mut self) -> Result<PrincipalKind, DecideError> {
        // An id of another authorizer is found in neither table (its number is in another
        // block), and is not this one's root: it is refused before anything is decided.
        if self.compiled.is_none() && self.principal != self.authorizer.root() {
            return Err(foreign_principal());
        }
        Ok(match self.principal.kind() {
            Kind::Root => PrincipalKind::Root,
            Kind::User => PrincipalKind::User,
            Kind::Role => PrincipalKind::Role,
            Kind::RoleSession => PrincipalKind::RoleSession,
        })
    }

    #[inline(always)]
    fn has_session_policy(&self) -> bool {
        self.session.is_some()
    }

    fn session_policy_without_session(&self) -> DecideError {
        self.authorizer.session_without_session(self.principal)
    }

    #[inline(always)]
    fn resource_group(&mut self) -> Result<Option<u32>, DecideError> {
        // What the principal's pool reads first starts loading now, while the resource's group
        // and the control policies are decided (see `resolve`).
        if let (true, Some(compiled)) = (self.request.is_cancel(), self.compiled) {
            compiled.account_pool.warm(&self.authorizer.catalog);
        }
        self.authorizer.groups.holder(&mut self.scratch)
    }

    #[inline(always)]
    fn is_own_resource(&self) -> bool {
        pattern::eq_bytes(
            self.request.account().as_bytes(),
            self.authorizer.account_id.as_bytes(),
        )
    }

    #[inline(always)]
    fn control_policies(&self) -> Option<ControlPolicies<Self::Levels>> {
        self.authorizer
            .directory
            .as_ref()
            .map(|directory| ControlPolicies {
                management_account: directory.management_account,
                levels: directory.levels.iter().rev(),
            })
    }

    #[inline(always)]
    fn is_service_linked_role(&self) -> bool {
        self.authorizer
            .service_linked_roles
            .get(self.authorizer.index(self.principal))
            .is_some_and(|linked| *linked)
    }

    #[inline(always)]
    fn evaluate_level(&mut self, level: &'a Pool) -> Result<Applying, DecideError> {
        // A level that allows the request without a Deny (`FullAliyunAccess`, alone or beside
        // Denies that do not match) neither denies nor fails, and its allowing statements are
        // never reported: it is not evaluated.
        if level.allows_without_deny(&self.authorizer.catalog, self.lookup, &mut self.scratch) {
            return Ok(Applying {
                deny: false,
                allow: true,
            });
        }
        self.evaluate(level)
    }

    #[inline(always)]
    fn evaluate_session(&mut self) -> Result<Applying, DecideError> {
        let Some(session) = self.session else {
            return Ok(Applying {
                deny: false,
                allow: false,
            });
        };
        let lookup = session.catalog.lookup(self.request);
        // The session catalog numbers its sets and conditions apart from this one's.
        self.scratch.forget();
        let result = self.collect(&session.pool, Some(session), lookup);
        self.scratch.forget();
        result
    }

    #[inline(always)]
    fn account_pool(&self) -> Result<&'a Pool, DecideError> {
        match self.compiled {
            Some(compiled) => Ok(&compiled.account_pool),
            None => Err(foreign_principal()),
        }
    }

    #[inline(always)]
    fn group_pool(&self, group: u32) -> Result<Option<&'a Pool>, DecideError> {
        match self.compiled {
            Some(compiled) => Ok(compiled.group_pool(group)),
            None => Err(foreign_principal()),
        }
    }

    #[inline(always)]
    fn evaluate(&mut self, pool: &'a Pool) -> Result<Applying, DecideError> {
        self.collect(pool, None, self.lookup)
    }
}

impl Authorizer {
    #[cold]
    #[inline(never)]
    fn session_without_session(&self, principal: PrincipalId) -> DecideError {
        let shown = match principal.kind() {
            Kind::Root => "root".to_owned(),
            Kind::User => format!("user/{}", self.name_of(principal)),
            Kind::Role | Kind::RoleSession => format!("role/{}", self.name_of(principal)),
        };
        DecideError::SessionPolicyWithoutSession(shown)
    }

    fn name_of(&self, principal: PrincipalId) -> &str {
        let names = match principal.kind() {
            Kind::User => &self.user_index,
            _ => &self.role_index,
        };
        u32::try_from(self.index(principal))
            .ok()
            .and_then(|index| names.name(index))
            .unwrap_or_default()
    }

    /// The reference's [`EvaluationError`] for a statement whose condition failed (C7).
    #[cold]
    #[inline(never)]
    fn evaluation_error(&self, session: Option<&SessionPolicy>, e: PoolError) -> DecideError {
        let catalog = session.map_or(&self.catalog, |s| &s.catalog);
        let statement = catalog.statements.get(e.statement as usize);
        let named = statement.and_then(|s| catalog.policies.get(s.policy as usize));
        let (operator, key) = statement
            .and_then(|s| catalog.conditions.get(s.condition() as usize))
            .and_then(|c| c.clause_names().nth(e.error.clause))
            .map_or(
                (crate::condition::Operator::StringEquals, String::new()),
                |(o, k)| (o, k.to_owned()),
            );
        match (statement, named) {
            (Some(statement), Some(named)) => {
                DecideError::Evaluation(EvaluationError::in_statement(
                    named,
                    statement.index as usize,
                    operator,
                    key,
                    e.error.value,
                    e.error.cause,
                ))
            }
            // Ids always come from this catalog; still, never panic on a broken one.
            _ => DecideError::Evaluation(EvaluationError::unplaced(
                operator,
                key,
                e.error.value,
                e.error.cause,
            )),
        }
    }
}

/// The error for a [`PrincipalId`] this authorizer did not make.
#[cold]
#[inline(never)]
fn foreign_principal() -> DecideError {
    DecideError::Handle(HandleError::PrincipalOfAnotherAuthorizer)
}
