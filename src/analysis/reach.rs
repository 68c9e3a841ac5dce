//! Who reaches the action over the space, directly or through roles (A1–A3, T5).
//!
//! For each principal: gather what its question depends on ([`Atoms`]), split the space into
//! classes by those atoms, and decide one witness per class: the principal's own request with
//! [`Account::decide`], each AssumeRole on a path with [`decide_on_role`] (T3), each role
//! session's request with [`Account::decide`] again. Nothing here evaluates a statement.

use std::cell::OnceCell;
use std::collections::hash_map::{Entry, HashMap};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::atoms::{by_key, key_values, own_resources, Atoms};
use super::partition::strings::{self, StringAtom, StringDomain};
use super::{Access, AnalysisError, Hop, PrincipalAccess, Question, Reached, SpaceAnswer, Witness};
use crate::account::{Account, DecideError, Principal};
use crate::assume::{decide_on_role, Accounts, AssumeError, ASSUME_ROLE};
use crate::authorizer::{AuthRequest, Authorizer, PrincipalId};
use crate::decision::{matched_principal, Caller, Context, Matched, Outcome, Request, Side};
use crate::matching::{has_wildcard, ResourceArn};
use crate::policy::Clause;
use crate::vocabulary::Instant;

/// Every principal of `accounts`, with how much of the space of `question` it reaches.
///
/// ```
/// use ramcheck::account::Account;
/// use ramcheck::analysis::{who_can, Access, Question};
/// use ramcheck::assume::Accounts;
///
/// let account = Account::from_json(r#"{"account_id": "1234567890123456",
///   "policies": {"prod": {"Version": "1", "Statement": [{"Effect": "Allow",
///     "Action": "ecs:CancelImagePipelineExecution",
///     "Resource": "acs:ecs:*:*:imagepipeline/prod-*"}]}},
///   "users": {"alice": {"policies": ["prod"]}, "bob": {}}}"#, None, None)?;
/// let accounts = Accounts::new([account])?;
/// let answer = who_can(&accounts, &Question::new("ecs:CancelImagePipelineExecution"))?;
/// let alice = answer.principals.iter()
///     .find(|p| p.principal == "acs:ram::1234567890123456:user/alice").unwrap();
/// assert_eq!(alice.access, Access::Some);
/// let (witness, _) = alice.witness.as_ref().unwrap();
/// assert!(witness.resource.contains(":imagepipeline/prod-"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// More classes than `question.max_cases` for some principal, a pattern that matches no
/// image pipeline, or a witness that cannot be decided.
pub fn who_can(accounts: &Accounts, question: &Question) -> Result<SpaceAnswer, AnalysisError> {
    let spaces = spaces(accounts.iter().map(Account::id), question)?;
    let side = Reachability::new(accounts, question)?;
    let mut principals = Vec::new();
    let mut classes = 0;
    let mut unlisted = Vec::new();
    for account in accounts.iter() {
        for principal in principals_of(account) {
            let subject = side.subject(account, principal);
            let mut atoms = Atoms::default();
            let roles = side.gather(&subject, question, &mut atoms)?;
            let space = Space::new(&atoms, &spaces, question, &subject.arn)?;
            classes += space.count;
            let mut tally = Tally::default();
            space.for_each(|class| {
                // A class the principal's own request cannot be decided in (C7) is no request
                // of its: left out, neither reached nor denied.
                let Some(direct) = side.verdict(&subject, class, question)? else {
                    return Ok(tally.settled());
                };
                if direct {
                    if tally.direct.is_none() {
                        if let Some(outcome) = subject.decide(&side.request(class, question)?)? {
                            tally.direct =
                                Some((class.witness(question), Reached { outcome, via: None }));
                        }
                    }
                    return Ok(tally.settled());
                }
                if (!roles.is_empty() && tally.through_roles.is_none()) || tally.denied.is_none() {
                    let request = side.request(class, question)?;
                    let reached = match roles.is_empty() {
                        true => None,
                        false => side.via(&subject, &request)?,
                    };
                    match reached {
                        Some(reached) => {
                            tally
                                .through_roles
                                .get_or_insert((class.witness(question), reached));
                        }
                        None if tally.denied.is_none() => {
                            if let Some(outcome) = subject.decide(&request)? {
                                tally.denied = Some((class.witness(question), outcome));
                            }
                        }
                        None => {}
                    }
                }
                Ok(tally.settled())
            })?;
            if let Principal::Role(role) = &subject.principal {
                if tally.access() != Access::None {
                    unlisted.extend(accounts.unlisted(account, role));
                }
            }
            principals.push(tally.into_access(subject));
        }
    }
    // A stable sort keeps accounts, then root, users, roles, within each group.
    principals.sort_by_key(|p| p.access == Access::None);
    Ok(SpaceAnswer {
        action: question.action.clone(),
        resource: spaces.join(", "),
        principals,
        unlisted,
        classes,
    })
}

/// The resource patterns of the space: the question's, or each account's own image pipelines.
pub(crate) fn spaces<'a>(
    accounts: impl Iterator<Item = &'a str>,
    question: &Question,
) -> Result<Vec<String>, AnalysisError> {
    if question.action.eq_ignore_ascii_case(ASSUME_ROLE) {
        return Err(AnalysisError::AssumeRoleAction);
    }
    let spaces: Vec<String> = match &question.resource {
        // A concrete ARN is a space of one resource, of any type (M4).
        Some(arn) if !has_wildcard(arn) => {
            ResourceArn::parse(arn).map_err(|e| AnalysisError::Pattern {
                pattern: arn.clone(),
                reason: e.to_string(),
            })?;
            vec![arn.clone()]
        }
        Some(pattern) => {
            let domain = StringDomain::ImagePipelineArn {
                within: pattern.clone(),
            };
            // An answer about nothing is no answer.
            if strings::witnesses(&domain, &[], 1)
                .map_err(|_| too_many("", question))?
                .is_empty()
            {
                return Err(AnalysisError::Pattern {
                    pattern: pattern.clone(),
                    reason: "it matches no image pipeline ARN `acs:ecs:<region>:<account-id>:imagepipeline/<id>`; give a pattern such as `acs:ecs:*:*:imagepipeline/*`".into(),
                });
            }
            vec![pattern.clone()]
        }
        None => {
            let mut ids: Vec<&str> = accounts.collect();
            ids.sort_unstable();
            ids.dedup();
            ids.into_iter().map(own_resources).collect()
        }
    };
    Ok(spaces)
}

fn too_many(principal: &str, question: &Question) -> AnalysisError {
    AnalysisError::TooManyCases {
        principal: principal.to_owned(),
        limit: question.max_cases,
    }
}

/// The account owner, every user and every role (as a session without a session policy).
pub(crate) fn principals_of(account: &Account) -> impl Iterator<Item = Principal> + '_ {
    std::iter::once(Principal::Root)
        .chain(account.users().map(|u| Principal::User(u.to_owned())))
        .chain(account.roles().map(|r| Principal::Role(r.to_owned())))
}

/// A principal of an account, named.
pub(crate) struct Subject<'a> {
    pub(crate) account: &'a Account,
    pub(crate) principal: Principal,
    pub(crate) arn: String,
    /// Its id in its account's compiled authorizer, when there is one.
    id: Option<PrincipalId>,
}

impl Subject<'_> {
    /// Its own decision of `request` (E), explained by the reference evaluator; `None` when a
    /// request value cannot be compared (C7): no decision, as [`settle`] says.
    pub(crate) fn decide(&self, request: &Request) -> Result<Option<Outcome>, AnalysisError> {
        match self.account.decide(&self.principal, None, request) {
            Ok(outcome) => Ok(Some(outcome)),
            Err(DecideError::Evaluation(_)) => Ok(None),
            Err(e) => Err(AnalysisError::Decide(AssumeError::from(e))),
        }
    }
}

/// A verdict, or `None` for a request a value of which cannot be compared (C7, E6): an input
/// error, never an Allow; other errors stay errors.
pub(crate) fn settle(result: Result<bool, DecideError>) -> Result<Option<bool>, AnalysisError> {
    match result {
        Ok(allowed) => Ok(Some(allowed)),
        Err(DecideError::Evaluation(_)) => Ok(None),
        Err(e) => Err(AnalysisError::Decide(AssumeError::from(e))),
    }
}

/// The reference evaluator's verdict of `subject`'s own `request`, settled as [`settle`] says.
fn reference_verdict(
    subject: &Subject<'_>,
    request: &Request,
) -> Result<Option<bool>, AnalysisError> {
    settle(
        subject
            .account
            .decide(&subject.principal, None, request)
            .map(|o| o.decision().is_allowed()),
    )
}

/// One role of one account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RoleRef {
    pub(crate) account: String,
    pub(crate) role: String,
}

impl RoleRef {
    pub(crate) fn arn(&self) -> String {
        Principal::Role(self.role.clone()).arn(&self.account)
    }
}

/// Who may assume which role under some context (T3): the edges a path may take. An edge is
/// kept when some class of the hop's own atoms allows the AssumeRole; which contexts allow it
/// is decided again for each class of a principal's question.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    /// Caller's ARN → the roles it may assume under some context.
    edges: BTreeMap<String, Vec<RoleRef>>,
}

impl Graph {
    pub(crate) fn build(accounts: &Accounts, question: &Question) -> Result<Graph, AnalysisError> {
        let trusted: Vec<(&Account, &str)> = accounts
            .iter()
            .flat_map(|a| a.roles().map(move |r| (a, r)))
            .filter(|(a, r)| a.trust_policy(r).is_some() && !a.is_service_linked(r))
            .collect();
        let mut graph = Graph::default();
        if trusted.is_empty() {
            return Ok(graph);
        }
        for account in accounts.iter() {
            for caller in principals_of(account) {
                let caller_arn = caller.arn(account.id());
                let principal_arn = caller.principal_arn(account.id());
                let who = Caller {
                    account: account.id(),
                    principal_arn: &principal_arn,
                };
                for (role_account, role) in &trusted {
                    let target = RoleRef {
                        account: role_account.id().to_owned(),
                        role: (*role).to_owned(),
                    };
                    if target.arn() == caller_arn {
                        continue;
                    }
                    // T2: a trust policy that names the caller nowhere never allows it.
                    let named = role_account.trust_policy(role).is_some_and(|t| {
                        t.policy()
                            .statements()
                            .iter()
                            .any(|s| matched_principal(s, &who) != Matched::None)
                    });
                    if named && may_assume(account, &caller, role_account, role, &target, question)?
                    {
                        graph
                            .edges
                            .entry(caller_arn.clone())
                            .or_default()
                            .push(target);
                    }
                }
            }
        }
        Ok(graph)
    }

    fn from(&self, caller: &str) -> &[RoleRef] {
        self.edges.get(caller).map_or(&[], Vec::as_slice)
    }
}

/// Whether some class of the hop's own atoms allows `caller` to assume `role` (T3).
fn may_assume(
    account: &Account,
    caller: &Principal,
    role_account: &Account,
    role: &str,
    target: &RoleRef,
    question: &Question,
) -> Result<bool, AnalysisError> {
    let mut atoms = Atoms::default();
    atoms.add_hop(account, caller, role_account, role)?;
    let keys = by_key(atoms.all_clauses(), &question.fixed)
        .into_values()
        .map(|(key, clauses)| {
            let values = key_values(&key, &clauses, question.max_cases)?;
            Ok((key, values))
        })
        .collect::<Result<Vec<_>, AnalysisError>>()?;
    let dimensions: Vec<(&str, &[Option<String>])> = keys
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_slice()))
        .collect();
    let count = product(dimensions.iter().map(|(_, v)| v.len()));
    if count > question.max_cases {
        return Err(too_many(&caller.arn(account.id()), question));
    }
    let arn = target.arn();
    let mut allowed = false;
    for_each_combination(&dimensions, &mut |values| {
        let context = context_of(&question.fixed, values)?;
        let request = Request::new(ASSUME_ROLE, &arn)?.with_context(context);
        allowed = match decide_on_role(role_account, role, account, caller, None, &request) {
            Ok(outcome) => outcome.decision().is_allowed(),
            // A context the hop cannot be compared in (C7) allows nothing.
            Err(AssumeError::Decide(DecideError::Evaluation(_))) => false,
            Err(e) => return Err(e.into()),
        };
        Ok(allowed)
    })?;
    Ok(allowed)
}

/// The accounts of one side, with their assume graph and their compiled authorizers.
pub(crate) struct Reachability<'a> {
    pub(crate) accounts: &'a Accounts,
    graph: Graph,
    /// Account id → its compiled authorizer, which gives each class's verdict fast; the
    /// reference evaluator explains the witnesses reported. Both run the one procedure.
    compiled: BTreeMap<String, Authorizer>,
    /// `acs:CurrentTime` of every class that does not fix it: one instant for the whole
    /// analysis, so that its witnesses are decided alike.
    now: Instant,
}

impl<'a> Reachability<'a> {
    pub(crate) fn new(accounts: &'a Accounts, question: &Question) -> Result<Self, AnalysisError> {
        let compiled = accounts
            .iter()
            .filter_map(|a| Some((a.id().to_owned(), Authorizer::compile(a).ok()?)))
            .collect();
        Ok(Reachability {
            accounts,
            graph: Graph::build(accounts, question)?,
            compiled,
            now: Instant::now(),
        })
    }

    /// `principal` of `account`, with its compiled id.
    pub(crate) fn subject(&self, account: &'a Account, principal: Principal) -> Subject<'a> {
        let arn = principal.arn(account.id());
        let id = self
            .compiled
            .get(account.id())
            .and_then(|c| c.principal(&principal).ok());
        Subject {
            account,
            principal,
            arn,
            id,
        }
    }

    /// Whether `subject`'s own decision of `class` is Allow: the compiled authorizer's
    /// verdict, without building the reference request. `None` when a request value of the
    /// class cannot be compared (C7): such a request is an input error, which RAM does not
    /// decide, so the class is no request of `subject`'s.
    pub(crate) fn verdict(
        &self,
        subject: &Subject<'_>,
        class: &Class<'_>,
        question: &Question,
    ) -> Result<Option<bool>, AnalysisError> {
        let pairs = class.pairs(&question.fixed);
        let compiled = self.compiled_verdict(
            subject,
            &question.action,
            &class.resource.text,
            &pairs,
            self.now,
        );
        match compiled {
            Some(verdict) => verdict,
            None => reference_verdict(subject, &class.request(question)?.at(self.now)),
        }
    }

    /// Whether `subject`'s own decision of `request` is Allow; a request it cannot decide
    /// (C7) is not.
    fn allows_request(
        &self,
        subject: &Subject<'_>,
        request: &Request,
    ) -> Result<bool, AnalysisError> {
        let pairs: Vec<(&str, &str)> = request
            .context()
            .entries()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (k, v.as_str())))
            .collect();
        let resource = request.resource().as_str();
        let verdict =
            match self.compiled_verdict(subject, request.action(), resource, &pairs, request.now())
            {
                Some(verdict) => verdict?,
                None => reference_verdict(subject, request)?,
            };
        Ok(verdict == Some(true))
    }

    /// The compiled authorizer's verdict, when `subject`'s account has one and the request
    /// has a compiled form (the differential tests show it always does).
    fn compiled_verdict(
        &self,
        subject: &Subject<'_>,
        action: &str,
        resource: &str,
        pairs: &[(&str, &str)],
        now: Instant,
    ) -> Option<Result<Option<bool>, AnalysisError>> {
        let (id, authorizer) = subject.id.zip(self.compiled.get(subject.account.id()))?;
        let request = AuthRequest::new(action, resource)
            .and_then(|r| r.with_context(pairs))
            .ok()?
            .at(now);
        Some(settle(
            authorizer
                .authorize(id, None, &request)
                .map(|d| d.is_allowed()),
        ))
    }

    /// Adds to `atoms` what `subject`'s question depends on: its own pools, and those of every
    /// role it may reach with the hops on the way (T5). Returns those roles.
    pub(crate) fn gather<'s>(
        &'s self,
        subject: &Subject<'s>,
        question: &Question,
        atoms: &mut Atoms<'s>,
    ) -> Result<Vec<RoleRef>, AnalysisError> {
        atoms.add_principal(subject.account, &subject.principal, &question.action)?;
        let mut seen: BTreeSet<&RoleRef> = BTreeSet::new();
        let mut queue: VecDeque<(&Account, Principal, String)> = VecDeque::new();
        queue.push_back((
            subject.account,
            subject.principal.clone(),
            subject.arn.clone(),
        ));
        while let Some((account, caller, caller_arn)) = queue.pop_front() {
            for target in self.graph.from(&caller_arn) {
                if target.arn() == subject.arn || !seen.insert(target) {
                    continue;
                }
                let Some(role_account) = self.accounts.get(&target.account) else {
                    continue;
                };
                atoms.add_hop(account, &caller, role_account, &target.role)?;
                let role = Principal::Role(target.role.clone());
                atoms.add_principal(role_account, &role, &question.action)?;
                queue.push_back((role_account, role, target.arn()));
            }
        }
        Ok(seen.into_iter().cloned().collect())
    }

    /// The class's request, at this analysis's instant.
    pub(crate) fn request(
        &self,
        class: &Class<'_>,
        question: &Question,
    ) -> Result<Request, AnalysisError> {
        Ok(class.request(question)?.at(self.now))
    }

    /// The shortest path by which `subject` reaches `request` through roles under its context
    /// (T5): breadth first over the AssumeRoles the context allows, never visiting a role
    /// twice; `None` when no role it may reach is allowed the request.
    pub(crate) fn via(
        &self,
        subject: &Subject<'_>,
        request: &Request,
    ) -> Result<Option<Reached>, AnalysisError> {
        let mut seen: BTreeSet<&RoleRef> = BTreeSet::new();
        let mut queue: VecDeque<(&Account, Principal, String, Vec<Hop>)> = VecDeque::new();
        queue.push_back((
            subject.account,
            subject.principal.clone(),
            subject.arn.clone(),
            Vec::new(),
        ));
        while let Some((account, caller, caller_arn, path)) = queue.pop_front() {
            for target in self.graph.from(&caller_arn) {
                let role_arn = target.arn();
                if role_arn == subject.arn || seen.contains(target) {
                    continue;
                }
                let Some(role_account) = self.accounts.get(&target.account) else {
                    continue;
                };
                let assume =
                    Request::new(ASSUME_ROLE, &role_arn)?.with_context(request.context().clone());
                let assumed = match decide_on_role(
                    role_account,
                    &target.role,
                    account,
                    &caller,
                    None,
                    &assume,
                ) {
                    Ok(outcome) if outcome.decision().is_allowed() => outcome,
                    // A hop the context cannot be compared in (C7) is not taken.
                    Ok(_) | Err(AssumeError::Decide(DecideError::Evaluation(_))) => continue,
                    Err(e) => return Err(e.into()),
                };
                seen.insert(target);
                let (caller_statements, trust_statements) = assumed
                    .deciding()
                    .iter()
                    .cloned()
                    .partition(|s| s.side() == Some(Side::Caller));
                let mut path = path.clone();
                path.push(Hop {
                    role: role_arn.clone(),
                    caller_statements,
                    trust_statements,
                });
                let role = self.subject(role_account, Principal::Role(target.role.clone()));
                if self.allows_request(&role, request)? {
                    if let Some(outcome) = role.decide(request)? {
                        return Ok(Some(Reached {
                            outcome,
                            via: Some(path),
                        }));
                    }
                }
                queue.push_back((role_account, role.principal, role_arn, path));
            }
        }
        Ok(None)
    }
}

/// The classes of one question: one witness resource per class of the resource atoms, and for
/// each, the values of the context keys the statements that may apply to it test.
pub(crate) struct Space {
    /// Each witness resource, with the keys (indexes into `keys`) that may be evaluated for it.
    resources: Vec<Resource>,
    keys: Vec<(String, Vec<Option<String>>)>,
    /// The resource atoms that split the space, for polishing witnesses.
    atoms: Vec<StringAtom>,
    /// How many classes, in all.
    pub(crate) count: usize,
}

/// One witness resource of a space.
struct Resource {
    /// The shortest string of its class: what each class is decided with.
    text: String,
    /// The keys (indexes into `Space::keys`) that may be evaluated for it.
    dimensions: Vec<usize>,
    /// The pattern of the space it is in, when that is a pattern.
    within: Option<StringDomain>,
    /// A witness of the same class that reads like a real ARN, made when first reported.
    polished: OnceCell<String>,
}

impl Space {
    /// The classes of `atoms` over `spaces`. For each witness resource, a key's values come
    /// only from the clauses that may be evaluated for it (M6), which keeps the product small.
    pub(crate) fn new(
        atoms: &Atoms<'_>,
        spaces: &[String],
        question: &Question,
        principal: &str,
    ) -> Result<Space, AnalysisError> {
        let resource_atoms = atoms.resource_atoms();
        let mut keys: Vec<(String, Vec<Option<String>>)> = Vec::new();
        // (lower-cased key, the clauses' addresses) → index into `keys`.
        let mut known: HashMap<(String, Vec<usize>), usize> = HashMap::new();
        let mut resources = Vec::new();
        let mut count = 0usize;
        for within in spaces {
            let domain = has_wildcard(within).then(|| StringDomain::ImagePipelineArn {
                within: within.clone(),
            });
            let witnesses = match &domain {
                Some(domain) => strings::witnesses(domain, &resource_atoms, question.max_cases)
                    .map_err(|_| too_many(principal, question))?,
                None => vec![within.clone()],
            };
            for resource in witnesses {
                let mut dimensions = Vec::new();
                for (lower, (key, clauses)) in by_key(atoms.clauses_for(&resource), &question.fixed)
                {
                    let mut addresses: Vec<usize> = clauses
                        .iter()
                        .map(|c| std::ptr::from_ref::<Clause>(c) as usize)
                        .collect();
                    addresses.sort_unstable();
                    addresses.dedup();
                    let index = match known.entry((lower, addresses)) {
                        Entry::Occupied(e) => *e.get(),
                        Entry::Vacant(e) => {
                            keys.push((
                                key.clone(),
                                key_values(&key, &clauses, question.max_cases)?,
                            ));
                            *e.insert(keys.len() - 1)
                        }
                    };
                    dimensions.push(index);
                }
                count = count.saturating_add(product(
                    dimensions
                        .iter()
                        .filter_map(|&i| keys.get(i))
                        .map(|(_, v)| v.len()),
                ));
                if count > question.max_cases {
                    return Err(too_many(principal, question));
                }
                resources.push(Resource {
                    text: resource,
                    dimensions,
                    within: domain.clone(),
                    polished: OnceCell::new(),
                });
            }
        }
        Ok(Space {
            resources,
            keys,
            atoms: resource_atoms,
            count,
        })
    }

    /// Calls `visit` with every class, in order, until it returns `true` (settled).
    pub(crate) fn for_each(
        &self,
        mut visit: impl FnMut(&Class<'_>) -> Result<bool, AnalysisError>,
    ) -> Result<(), AnalysisError> {
        for resource in &self.resources {
            let dimensions: Vec<(&str, &[Option<String>])> = resource
                .dimensions
                .iter()
                .filter_map(|&i| self.keys.get(i))
                .map(|(k, v)| (k.as_str(), v.as_slice()))
                .collect();
            let done = for_each_combination(&dimensions, &mut |values| {
                visit(&Class {
                    space: self,
                    resource,
                    values,
                })
            })?;
            if done {
                break;
            }
        }
        Ok(())
    }
}

/// One class of the space: its witness resource and, for each key that may be evaluated, its
/// value (or none: absent).
pub(crate) struct Class<'s> {
    space: &'s Space,
    resource: &'s Resource,
    values: &'s Combination<'s>,
}

impl Class<'_> {
    /// The resource that reports the class: the shortest string of the class made to read
    /// like a real ARN (a real region, an id that does not end in `-`), in the same class.
    fn reported(&self) -> &str {
        self.resource
            .polished
            .get_or_init(|| match &self.resource.within {
                Some(domain) => strings::polish(domain, &self.space.atoms, &self.resource.text),
                None => self.resource.text.clone(),
            })
    }

    /// The class's witness (A3): its resource, and the context `check` replays it with,
    /// the keys the question fixes included.
    pub(crate) fn witness(&self, question: &Question) -> Witness {
        Witness {
            resource: self.reported().to_owned(),
            context: self
                .pairs(&question.fixed)
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    /// The witness as a request of `question`, for the reference evaluator.
    pub(crate) fn request(&self, question: &Question) -> Result<Request, AnalysisError> {
        let context = context_of(&question.fixed, self.values)?;
        Ok(Request::new(&question.action, self.reported())?.with_context(context))
    }

    /// The context as `(key, value)` pairs: the fixed keys', then the class's.
    fn pairs<'p>(&'p self, fixed: &'p Context) -> Vec<(&'p str, &'p str)> {
        fixed
            .entries()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (k, v.as_str())))
            .chain(self.values.iter().filter_map(|(k, v)| v.map(|v| (*k, v))))
            .collect()
    }
}

fn product(sizes: impl Iterator<Item = usize>) -> usize {
    sizes.fold(1usize, usize::saturating_mul)
}

/// The fixed context with one value (or none) for each key.
fn context_of(fixed: &Context, values: &[(&str, Option<&str>)]) -> Result<Context, AnalysisError> {
    let mut context = fixed.clone();
    for (key, value) in values {
        if let Some(value) = value {
            context.insert(key, value)?;
        }
    }
    Ok(context)
}

/// One value (or none: absent) for each of some keys.
type Combination<'k> = [(&'k str, Option<&'k str>)];
/// What is called with each combination; `true` stops.
type Visit<'v, 'k> = dyn FnMut(&Combination<'k>) -> Result<bool, AnalysisError> + 'v;

/// Calls `visit` with each combination of one value per dimension, until it returns `true`;
/// returns whether it did.
fn for_each_combination<'k>(
    dimensions: &[(&'k str, &'k [Option<String>])],
    visit: &mut Visit<'_, 'k>,
) -> Result<bool, AnalysisError> {
    let mut chosen: Vec<(&str, Option<&str>)> = Vec::with_capacity(dimensions.len());
    fn step<'k>(
        dimensions: &[(&'k str, &'k [Option<String>])],
        chosen: &mut Vec<(&'k str, Option<&'k str>)>,
        visit: &mut Visit<'_, 'k>,
    ) -> Result<bool, AnalysisError> {
        let Some(((key, values), rest)) = dimensions.split_first() else {
            return visit(chosen);
        };
        for value in *values {
            chosen.push((key, value.as_deref()));
            let done = step(rest, chosen, visit)?;
            chosen.pop();
            if done {
                return Ok(true);
            }
        }
        Ok(false)
    }
    step(dimensions, &mut chosen, visit)
}

/// What the classes decided so far say of one principal.
#[derive(Debug, Default)]
struct Tally {
    direct: Option<(Witness, Reached)>,
    through_roles: Option<(Witness, Reached)>,
    denied: Option<(Witness, Outcome)>,
}

impl Tally {
    /// Whether more classes cannot change the answer: a direct witness is preferred (the
    /// issue's rule), so only a direct allow and a denial settle it.
    fn settled(&self) -> bool {
        self.direct.is_some() && self.denied.is_some()
    }

    fn access(&self) -> Access {
        match (
            self.direct.is_some() || self.through_roles.is_some(),
            self.denied.is_some(),
        ) {
            (true, true) => Access::Some,
            (true, false) => Access::All,
            (false, _) => Access::None,
        }
    }

    fn into_access(self, subject: Subject<'_>) -> PrincipalAccess {
        let access = self.access();
        PrincipalAccess {
            principal: subject.arn,
            account: subject.account.id().to_owned(),
            access,
            witness: self.direct.or(self.through_roles),
            denied_witness: self.denied,
        }
    }
}
