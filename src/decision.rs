//! Deciding a request against a pool of policies (spec rules E1, E5, E6), with the explanation.
//!
//! This is the reference evaluator: plain and readable, it tests every statement of every
//! policy, collects what applied, then decides, so the verdict and its explanation cannot
//! drift apart. The decision procedure (E2–E4, `crate::procedure`) calls it once per pool of
//! each stage, through the account's reference engine ([`crate::account`]).
//!
//! Each statement it names also says how its policy reached the principal and what each of its
//! condition clauses compared ([`Via`], [`ClauseCheck`]): the explanation `check`, `who-can` and
//! `diff` print.

mod request;
mod via;

use std::sync::Arc;

pub use crate::context::{Context, RequestError};
pub(crate) use request::validate_action;
pub use request::{Request, CANCEL_IMAGE_PIPELINE_EXECUTION};
pub use via::{ClauseCheck, Level, Route, Via};

use crate::condition::value::ValueError;
use crate::condition::{self, ConditionResult, Operator};
use crate::matching::{wildcard_match, wildcard_match_ignore_case};
use crate::policy::{Effect, PatternList, Policy, Position, Statement};

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Decision {
    /// Some statement allows and none denies.
    Allow,
    /// Some statement denies.
    ExplicitDeny,
    /// Nothing allows.
    ImplicitDeny,
}

impl Decision {
    /// Whether the request may go ahead.
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }

    /// `allowed`, `explicit_deny` or `implicit_deny`: the `reason` of the JSON output.
    pub fn reason(self) -> &'static str {
        match self {
            Decision::Allow => "allowed",
            Decision::ExplicitDeny => "explicit_deny",
            Decision::ImplicitDeny => "implicit_deny",
        }
    }
}

/// Which step of the decision procedure decided (E4, E5), in RAM's own names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// The principal is the account itself (E2).
    AccountOwner,
    /// The resource belongs to another account (E3).
    CrossAccount,
    /// Resource Directory control policies (E4.1).
    ControlPolicy,
    /// The role session's policy (E4.2).
    SessionPolicy,
    /// Identity policies attached at account scope (E4.3).
    AccountLevelIdentityBasedPolicy,
    /// Identity policies attached at the scope of the resource's group (E4.3).
    ResourceGroupLevelIdentityBasedPolicy,
    /// The role's trust policy, for `sts:AssumeRole` (T3a).
    AssumeRolePolicy,
}

impl Stage {
    /// The stage's name, as RAM and the JSON output spell it.
    pub fn name(self) -> &'static str {
        match self {
            Stage::AccountOwner => "AccountOwner",
            Stage::CrossAccount => "CrossAccount",
            Stage::ControlPolicy => "ControlPolicy",
            Stage::SessionPolicy => "SessionPolicy",
            Stage::AccountLevelIdentityBasedPolicy => "AccountLevelIdentityBasedPolicy",
            Stage::ResourceGroupLevelIdentityBasedPolicy => "ResourceGroupLevelIdentityBasedPolicy",
            Stage::AssumeRolePolicy => "AssumeRolePolicy",
        }
    }
}

/// Where a translated source (a Terraform plan, a ROS template) had a policy: its file, the
/// resource address or logical id, and the line and column there. Every part is optional; an
/// account snapshot carries it as a policy's `origin` so that an explanation can name the
/// resource beside the statement's position in the snapshot.
///
/// ```
/// use ramcheck::decision::Origin;
///
/// let origin = Origin::default()
///     .with_file("plan.json")
///     .with_address(r#"module.iam.alicloud_ram_policy.cancel["prod"]"#)
///     .with_line(40)
///     .with_column(7);
/// assert_eq!(
///     origin.to_string(),
///     r#"`module.iam.alicloud_ram_policy.cancel["prod"]` at plan.json:40:7"#
/// );
/// assert_eq!(Origin::default().with_address("Deployer").to_string(), "`Deployer`");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Origin {
    file: Option<String>,
    address: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
}

impl Origin {
    /// With the source file.
    pub fn with_file(mut self, file: impl Into<String>) -> Origin {
        self.file = Some(file.into());
        self
    }

    /// With the Terraform resource address or ROS logical id.
    pub fn with_address(mut self, address: impl Into<String>) -> Origin {
        self.address = Some(address.into());
        self
    }

    /// With the line in the source file, from 1.
    pub fn with_line(mut self, line: usize) -> Origin {
        self.line = Some(line);
        self
    }

    /// With the column in the source file, from 1, in characters.
    pub fn with_column(mut self, column: usize) -> Origin {
        self.column = Some(column);
        self
    }

    /// The source file.
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    /// The Terraform resource address or ROS logical id.
    pub fn address(&self) -> Option<&str> {
        self.address.as_deref()
    }

    /// The line in the source file.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The column in the source file.
    pub fn column(&self) -> Option<usize> {
        self.column
    }
}

/// `` `ADDRESS` at FILE:LINE:COLUMN ``, each part as far as it is known.
impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut place = self.file.clone().unwrap_or_default();
        for n in [self.line, self.column].into_iter().flatten() {
            if !place.is_empty() {
                place.push(':');
            }
            place.push_str(&n.to_string());
        }
        match (&self.address, place.is_empty()) {
            (Some(address), true) => write!(f, "`{address}`"),
            (Some(address), false) => write!(f, "`{address}` at {place}"),
            (None, _) => f.write_str(&place),
        }
    }
}

/// A policy with the name it is attached under and the file it came from.
#[derive(Debug, Clone)]
pub struct NamedPolicy {
    name: String,
    file: Option<String>,
    policy: Arc<Policy>,
    origin: Option<Arc<Origin>>,
}

impl NamedPolicy {
    /// Names a policy; `file` is the path as the user gave it (`None` for a bundled policy).
    pub fn new(name: impl Into<String>, file: Option<String>, policy: Arc<Policy>) -> NamedPolicy {
        NamedPolicy {
            name: name.into(),
            file,
            policy,
            origin: None,
        }
    }

    /// With where a translated source had it.
    pub fn with_origin(mut self, origin: Origin) -> NamedPolicy {
        self.origin = Some(Arc::new(origin));
        self
    }

    /// Where a translated source (Terraform, ROS) had it, when the account says.
    pub fn origin(&self) -> Option<&Origin> {
        self.origin.as_deref()
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file it came from.
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    /// The document.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
}

/// A pool of policies attached to one principal, decided together (E1). Immutable once built,
/// `Send + Sync`; share it in an `Arc`.
///
/// ```
/// use std::sync::Arc;
/// use ramcheck::decision::{Decision, NamedPolicy, PolicySet, Request};
/// use ramcheck::policy::Policy;
///
/// let policy = Policy::parse(r#"{"Version": "1", "Statement": [{"Effect": "Allow",
///     "Action": "ecs:CancelImagePipelineExecution",
///     "Resource": "acs:ecs:cn-hangzhou:*:imagepipeline/*"}]}"#)?;
/// let set = PolicySet::new(vec![NamedPolicy::new("cancel-hangzhou", None, Arc::new(policy))]);
/// let request = Request::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// assert_eq!(set.decide(&request)?.decision(), Decision::Allow);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    policies: Vec<NamedPolicy>,
}

impl PolicySet {
    /// A pool of these policies.
    pub fn new(policies: Vec<NamedPolicy>) -> PolicySet {
        PolicySet { policies }
    }

    /// The policies, in the order given.
    pub fn policies(&self) -> &[NamedPolicy] {
        &self.policies
    }

    /// Decides a request against the pool (E1): ExplicitDeny if any applicable statement
    /// denies, else Allow if any allows, else ImplicitDeny. The stage is
    /// [`Stage::AccountLevelIdentityBasedPolicy`]: the pool stands for policies attached to a
    /// RAM user of the resource's account.
    pub fn decide(&self, request: &Request) -> Result<Outcome, EvaluationError> {
        let vias: Vec<Arc<Via>> = self
            .policies
            .iter()
            .map(|p| Arc::new(Via::new(Route::Given, p)))
            .collect();
        let refs: Vec<(&NamedPolicy, &Arc<Via>)> = self.policies.iter().zip(&vias).collect();
        let pool = evaluate_pool(&refs, request)?;
        Ok(pool.into_outcome(Stage::AccountLevelIdentityBasedPolicy))
    }
}

/// A decision with what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub(crate) decision: Decision,
    pub(crate) stage: Stage,
    pub(crate) deciding: Vec<StatementRef>,
    pub(crate) near_misses: Vec<NearMiss>,
}

impl Outcome {
    pub(crate) fn without_statements(decision: Decision, stage: Stage) -> Outcome {
        Outcome {
            decision,
            stage,
            deciding: Vec::new(),
            near_misses: Vec::new(),
        }
    }

    /// The verdict.
    pub fn decision(&self) -> Decision {
        self.decision
    }

    /// The stage that decided (E5).
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// The deciding statements: the applying Deny statements for ExplicitDeny, the applying
    /// Allow statements for Allow, none for ImplicitDeny (E5).
    pub fn deciding(&self) -> &[StatementRef] {
        &self.deciding
    }

    /// For an ImplicitDeny: the Allow statements that came closest (the action matched, but
    /// the resource or a condition did not).
    pub fn near_misses(&self) -> &[NearMiss] {
        &self.near_misses
    }
}

/// Which side of an `sts:AssumeRole` decision a statement is on (T3a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Side {
    /// The caller's own policies (E2, E4).
    Caller,
    /// The role's trust policy (T2).
    Trust,
}

impl Side {
    /// `caller` or `trust`, as the output spells it.
    pub fn name(self) -> &'static str {
        match self {
            Side::Caller => "caller",
            Side::Trust => "trust",
        }
    }
}

/// A statement named by its policy, index and position, with what made it apply.
///
/// The reference evaluator also says how its policy reached the principal ([`via`]) and what
/// each condition clause compared ([`condition_checks`]); the compiled authorizer names the
/// statement only. Equality is that of the statement and how it matched, so the two engines'
/// references to one statement are equal.
///
/// [`via`]: StatementRef::via
/// [`condition_checks`]: StatementRef::condition_checks
#[derive(Debug, Clone)]
pub struct StatementRef {
    pub(crate) policy: String,
    pub(crate) file: Option<String>,
    pub(crate) index: usize,
    pub(crate) sid: Option<String>,
    pub(crate) effect: Effect,
    pub(crate) position: Position,
    pub(crate) action: Matched,
    pub(crate) resource: Matched,
    pub(crate) conditions: Vec<(Operator, String)>,
    pub(crate) origin: Option<Arc<Origin>>,
    pub(crate) side: Option<Side>,
    /// How the policy reached the principal: the reference evaluator's explanation.
    pub(crate) via: Option<Arc<Via>>,
    /// Every clause of the statement's condition as tested: the reference evaluator's.
    pub(crate) condition_checks: Vec<ClauseCheck>,
}

impl PartialEq for StatementRef {
    fn eq(&self, other: &StatementRef) -> bool {
        // Not `via` and `condition_checks`: they explain the statement, they do not name it.
        self.policy == other.policy
            && self.file == other.file
            && self.index == other.index
            && self.sid == other.sid
            && self.effect == other.effect
            && self.position == other.position
            && self.action == other.action
            && self.resource == other.resource
            && self.conditions == other.conditions
            && self.origin == other.origin
            && self.side == other.side
    }
}

impl Eq for StatementRef {}

impl StatementRef {
    /// The policy's name.
    pub fn policy(&self) -> &str {
        &self.policy
    }

    /// The policy's file as given (`None` for a bundled or inline policy).
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    /// Where a translated source (Terraform, ROS) had the policy, when the account says.
    pub fn origin(&self) -> Option<&Origin> {
        self.origin.as_deref()
    }

    /// The statement's index, from 0.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Its `Sid`.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// Its effect.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Line and column of its opening `{`.
    pub fn position(&self) -> Position {
        self.position
    }

    /// How its action part matched.
    pub fn action(&self) -> &Matched {
        &self.action
    }

    /// How its resource part matched; for a trust policy statement (T2), the `Principal`
    /// value that names the caller.
    pub fn resource(&self) -> &Matched {
        &self.resource
    }

    /// For an `sts:AssumeRole` decision, the side it is on (T3a); `None` otherwise.
    pub fn side(&self) -> Option<Side> {
        self.side
    }

    /// The `(operator, key)` of each condition clause, all of which held.
    pub fn conditions(&self) -> &[(Operator, String)] {
        &self.conditions
    }

    /// How the statement's policy reached the principal (E2, E4): known when the reference
    /// evaluator named the statement, `None` from the compiled authorizer.
    pub fn via(&self) -> Option<&Via> {
        self.via.as_deref()
    }

    /// Every clause of the statement's condition, in document order, with the policy's and
    /// the request's values and whether it was met (all of them for a statement that applied).
    /// Empty for a statement without a condition, and from the compiled authorizer.
    pub fn condition_checks(&self) -> &[ClauseCheck] {
        &self.condition_checks
    }
}

/// How an action or resource part of a statement matched a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Matched {
    /// This pattern of `Action`/`Resource` matched.
    Pattern(String),
    /// `NotAction`/`NotResource` applied: it lists no pattern that matches (M5).
    NotListed,
    /// Nothing matched (only in near misses).
    None,
}

/// An Allow statement that did not apply, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearMiss {
    pub(crate) statement: StatementRef,
    pub(crate) reason: MissReason,
}

impl NearMiss {
    /// The statement (its `action` says how the action matched).
    pub fn statement(&self) -> &StatementRef {
        &self.statement
    }

    /// Why it did not apply.
    pub fn reason(&self) -> &MissReason {
        &self.reason
    }
}

/// Why an Allow statement whose action matched did not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MissReason {
    /// None of its resource patterns matched (or `NotResource` listed the resource).
    Resource {
        /// Its resource patterns.
        patterns: Vec<String>,
        /// Whether it was `NotResource`.
        negated: bool,
    },
    /// This condition clause was not met.
    Condition {
        /// The operator.
        operator: Operator,
        /// The key.
        key: String,
        /// Whether the request carried no value for the key (C5: a positive operator then
        /// fails), which is most often why a request a user expects to pass does not.
        absent: bool,
    },
}

/// A request value could not be compared (C7), so no sure answer exists (E6).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: cannot evaluate `{operator} {key}` against the request value `{value}`: {cause}")]
pub struct EvaluationError {
    place: String,
    operator: Operator,
    key: String,
    value: String,
    cause: ValueError,
}

impl EvaluationError {
    /// The error for a clause of statement `index` of a policy, placed at the statement's
    /// `file:line:column`; the compiled authorizer ([`crate::authorizer`]) builds it the same
    /// way, so both report exactly the same error.
    pub(crate) fn in_statement(
        named: &NamedPolicy,
        index: usize,
        operator: Operator,
        key: String,
        value: String,
        cause: ValueError,
    ) -> EvaluationError {
        let span = named
            .policy
            .statements()
            .get(index)
            .map(Statement::span)
            .unwrap_or_default();
        let place = format!(
            "{}:{}: statement {index} of policy `{}`",
            named.file.as_deref().unwrap_or(&named.name),
            named.policy.position(span),
            named.name
        );
        EvaluationError {
            place,
            operator,
            key,
            value,
            cause,
        }
    }

    /// The same error when the statement cannot be named (a compiled id out of its catalog,
    /// which never happens; the authorizer still fails closed rather than panic).
    #[cold]
    pub(crate) fn unplaced(
        operator: Operator,
        key: String,
        value: String,
        cause: ValueError,
    ) -> EvaluationError {
        EvaluationError {
            place: "compiled statement".to_owned(),
            operator,
            key,
            value,
            cause,
        }
    }

    /// The condition key whose request value is bad.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The bad value.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// What one pool of policies gave for a request.
#[derive(Debug, Clone, Default)]
pub(crate) struct PoolResult {
    pub(crate) denies: Vec<StatementRef>,
    pub(crate) allows: Vec<StatementRef>,
    pub(crate) near_misses: Vec<NearMiss>,
}

/// What E1 needs of one pool: whether any applying statement denies, and whether any allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Applying {
    pub(crate) deny: bool,
    pub(crate) allow: bool,
}

impl Applying {
    /// E1: any Deny wins, then any Allow, else implicit deny.
    #[inline]
    pub(crate) fn decision(self) -> Decision {
        if self.deny {
            Decision::ExplicitDeny
        } else if self.allow {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        }
    }
}

impl PoolResult {
    /// What applied, for E1.
    pub(crate) fn applying(&self) -> Applying {
        Applying {
            deny: !self.denies.is_empty(),
            allow: !self.allows.is_empty(),
        }
    }

    /// E1 over this pool.
    pub(crate) fn decision(&self) -> Decision {
        self.applying().decision()
    }

    pub(crate) fn into_outcome(self, stage: Stage) -> Outcome {
        let decision = self.decision();
        let (deciding, near_misses) = match decision {
            Decision::ExplicitDeny => (self.denies, Vec::new()),
            Decision::Allow => (self.allows, Vec::new()),
            Decision::ImplicitDeny => (Vec::new(), self.near_misses),
        };
        Outcome {
            decision,
            stage,
            deciding,
            near_misses,
        }
    }
}

/// Tests every statement of every policy of a pool against the request (M6, E1, E6).
///
/// Each policy comes with how it reached the principal, which every statement named from it
/// carries.
pub(crate) fn evaluate_pool(
    policies: &[(&NamedPolicy, &Arc<Via>)],
    request: &Request,
) -> Result<PoolResult, EvaluationError> {
    let mut result = PoolResult::default();
    for (named, via) in policies {
        for statement in named.policy.statements() {
            let from = Routed { named, via };
            evaluate_statement(from, statement, request, Target::Resource, &mut result)?;
        }
    }
    Ok(result)
}

/// Who asks to assume a role, as a trust policy sees it (T2, T3a).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller<'a> {
    /// The caller's account.
    pub(crate) account: &'a str,
    /// Its `acs:PrincipalARN`: the user's or role's ARN (a session's role), or the account's
    /// root ARN for the owner.
    pub(crate) principal_arn: &'a str,
}

/// Tests every statement of a trust policy against an `sts:AssumeRole` request by `caller`
/// (T2): a statement applies when its action matches, its `Principal` names the caller and its
/// conditions hold; E1 then decides the pool as any other.
pub(crate) fn evaluate_trust(
    trust: &NamedPolicy,
    caller: &Caller<'_>,
    request: &Request,
) -> Result<PoolResult, EvaluationError> {
    let mut result = PoolResult::default();
    let via = Arc::new(Via::new(Route::TrustPolicy, trust));
    let from = Routed {
        named: trust,
        via: &via,
    };
    for statement in trust.policy.statements() {
        evaluate_statement(
            from,
            statement,
            request,
            Target::Caller(caller),
            &mut result,
        )?;
    }
    Ok(result)
}

/// The policy a statement is evaluated from, and how it reached the principal.
#[derive(Debug, Clone, Copy)]
struct Routed<'a> {
    named: &'a NamedPolicy,
    via: &'a Arc<Via>,
}

/// What a statement's second part is matched against: the request's resource (identity,
/// session and control policies), or the caller (a trust policy's `Principal`, T2).
#[derive(Debug, Clone, Copy)]
enum Target<'a> {
    Resource,
    Caller(&'a Caller<'a>),
}

fn evaluate_statement(
    from: Routed<'_>,
    statement: &Statement,
    request: &Request,
    target: Target<'_>,
    result: &mut PoolResult,
) -> Result<(), EvaluationError> {
    let named = from.named;
    let action = matched_action(statement, request.action());
    if action == Matched::None {
        return Ok(());
    }
    let reference = |action: Matched, resource: Matched, conditions, checks| {
        let mut r = StatementRef::of(named, statement, action, resource, conditions);
        r.via = Some(Arc::clone(from.via));
        r.condition_checks = checks;
        r
    };
    let resource = match target {
        Target::Resource => matched_resource(statement, request.resource().as_str()),
        Target::Caller(caller) => matched_principal(statement, caller),
    };
    // A trust statement that does not name the caller is no near miss: it was never about
    // this caller.
    if resource == Matched::None {
        if statement.effect() == Effect::Allow && matches!(target, Target::Resource) {
            let (patterns, negated) = statement.resource().map_or((Vec::new(), false), |r| {
                (
                    r.patterns().iter().map(|p| p.value().clone()).collect(),
                    r.is_negated(),
                )
            });
            result.near_misses.push(NearMiss {
                statement: reference(action, Matched::None, Vec::new(), Vec::new()),
                reason: MissReason::Resource { patterns, negated },
            });
        }
        return Ok(());
    }
    let clauses = clause_list(statement);
    let met = match statement.condition() {
        None => ConditionResult::Met,
        Some(c) => condition::evaluate(c, request.context(), request.now()).map_err(|e| {
            let (operator, key) = clauses
                .get(e.clause)
                .cloned()
                .unwrap_or((Operator::StringEquals, String::new()));
            EvaluationError::in_statement(named, statement.index(), operator, key, e.value, e.cause)
        })?,
    };
    match met {
        ConditionResult::Met => {
            let r = reference(
                action,
                resource,
                clauses,
                condition_checks(statement, request),
            );
            match statement.effect() {
                Effect::Deny => result.denies.push(r),
                Effect::Allow => result.allows.push(r),
            }
        }
        ConditionResult::NotMet { clause } => {
            if statement.effect() == Effect::Allow {
                let (operator, key) = clauses
                    .get(clause)
                    .cloned()
                    .unwrap_or((Operator::StringEquals, String::new()));
                // acs:CurrentTime is never absent: the request's instant stands in (C8).
                let absent = request.context().values(&key).is_none()
                    && !key.eq_ignore_ascii_case("acs:CurrentTime");
                let checks = condition_checks(statement, request);
                result.near_misses.push(NearMiss {
                    statement: reference(action, resource, Vec::new(), checks),
                    reason: MissReason::Condition {
                        operator,
                        key,
                        absent,
                    },
                });
            }
        }
    }
    Ok(())
}

/// Every clause of the statement's condition as tested against the request, for the
/// explanation (C2–C5, C8). Asked only once the whole block was evaluated without error, so a
/// clause's test cannot fail here; if it did, the clause would be shown as not met, never as
/// met.
fn condition_checks(statement: &Statement, request: &Request) -> Vec<ClauseCheck> {
    let Some(condition) = statement.condition() else {
        return Vec::new();
    };
    let now = request.now();
    condition
        .clauses()
        .iter()
        .map(|clause| {
            let key = clause.key();
            let request_values = match request.context().values(key) {
                Some(values) => Some(values.to_vec()),
                None if key.eq_ignore_ascii_case("acs:CurrentTime") => Some(vec![now.to_string()]),
                None => None,
            };
            ClauseCheck {
                operator: clause.operator(),
                key: key.to_owned(),
                policy_values: clause
                    .values()
                    .iter()
                    .map(|v| v.text().to_owned())
                    .collect(),
                request_values,
                met: condition::clause_met(clause, request.context(), now).unwrap_or(false),
            }
        })
        .collect()
}

impl StatementRef {
    /// The reference to `statement` of `named`, with what matched the request.
    pub(crate) fn of(
        named: &NamedPolicy,
        statement: &Statement,
        action: Matched,
        resource: Matched,
        conditions: Vec<(Operator, String)>,
    ) -> StatementRef {
        StatementRef {
            policy: named.name.clone(),
            file: named.file.clone(),
            index: statement.index(),
            sid: statement.sid().map(|s| s.value().clone()),
            effect: statement.effect(),
            position: named.policy.position(statement.span()),
            action,
            resource,
            conditions,
            origin: named.origin.clone(),
            side: None,
            via: None,
            condition_checks: Vec::new(),
        }
    }
}

/// The `(operator, key)` of each clause of a statement's condition, in order.
pub(crate) fn clause_list(statement: &Statement) -> Vec<(Operator, String)> {
    statement
        .condition()
        .map(|c| {
            c.clauses()
                .iter()
                .map(|cl| (cl.operator(), cl.key().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// How a statement's action part matches a request's action (M1, M2, M5).
pub(crate) fn matched_action(statement: &Statement, action: &str) -> Matched {
    match_part(statement.action(), |p| {
        wildcard_match_ignore_case(p, action)
    })
}

/// How a statement's resource part matches a request's resource ARN (M1, M3, M5); a statement
/// without one (a trust policy's) never applies to a resource.
pub(crate) fn matched_resource(statement: &Statement, resource: &str) -> Matched {
    statement.resource().map_or(Matched::None, |r| {
        match_part(r, |p| wildcard_match(p, resource))
    })
}

/// Whether a trust statement's `Principal` names the caller (T2), and by which `RAM` value:
/// its user or role ARN (a session's role), or its account's root ARN, which names every user
/// and role of the account and its owner. Values are case-sensitive `*`/`?` patterns (M1).
/// `Service` and `Federated` name no RAM user, role or owner.
pub(crate) fn matched_principal(statement: &Statement, caller: &Caller<'_>) -> Matched {
    let Some(principal) = statement.principal() else {
        return Matched::None;
    };
    let root = format!("acs:ram::{}:root", caller.account);
    principal
        .entries()
        .iter()
        .filter(|(key, _)| key.value() == "RAM")
        .flat_map(|(_, values)| values)
        .find(|v| {
            wildcard_match(v.value(), caller.principal_arn) || wildcard_match(v.value(), &root)
        })
        .map_or(Matched::None, |v| Matched::Pattern(v.value().clone()))
}

/// Whether a pattern list matches (M1, M5), and how.
fn match_part(list: &PatternList, is_match: impl Fn(&str) -> bool) -> Matched {
    let hit = list.patterns().iter().find(|p| is_match(p.value()));
    match (hit, list.is_negated()) {
        (Some(p), false) => Matched::Pattern(p.value().clone()),
        (None, true) => Matched::NotListed,
        _ => Matched::None,
    }
}

#[cfg(test)]
mod tests;
