//! Compiled statements and pools: every statement's patterns pre-classified and its condition
//! pre-typed, and every pool (the statements one stage of the procedure pools, E1, E4) indexed by
//! action, so that deciding looks at the few statements that can match instead of all of them.
//!
//! A pool keeps its members in the reference's order (attachment order, then statement index),
//! and every index list is sorted by member position; merging the lists visits candidates in
//! that order, so the deciding statements come out exactly as the reference lists them.

use std::sync::Arc;

use super::condition::{ClauseError, CompiledCondition};
use super::pattern::{literal_service, ActionPattern, FoldTable, Grams, ResourcePattern, NO_GRAM};
use super::request::AuthRequest;
use super::StatementId;
use crate::decision::NamedPolicy;
use crate::policy::{Effect, Statement};

/// One statement, compiled.
#[derive(Debug, Clone)]
pub(crate) struct CompiledStatement {
    pub(crate) policy: u32,
    pub(crate) index: u32,
    pub(crate) effect: Effect,
    action_negated: bool,
    actions: Box<[ActionPattern]>,
    /// `None`: no resource part (a trust policy's statement), which never applies.
    resource_negated: bool,
    resources: Option<Box<[ResourcePattern]>>,
    pub(crate) condition: Option<CompiledCondition>,
}

impl CompiledStatement {
    fn compile(policy: u32, statement: &Statement) -> CompiledStatement {
        let action = statement.action();
        CompiledStatement {
            policy,
            index: u32::try_from(statement.index()).unwrap_or(u32::MAX),
            effect: statement.effect(),
            action_negated: action.is_negated(),
            actions: action
                .patterns()
                .iter()
                .map(|p| ActionPattern::new(p.value()))
                .collect(),
            resource_negated: statement.resource().is_some_and(|r| r.is_negated()),
            resources: statement.resource().map(|r| {
                r.patterns()
                    .iter()
                    .map(|p| ResourcePattern::new(p.value()))
                    .collect()
            }),
            condition: statement.condition().map(CompiledCondition::compile),
        }
    }

    /// A necessary condition on the request resource, kept inline in the pool index so that
    /// most statements whose resource cannot match are skipped without being read: two 4-gram
    /// bits (one per pattern, at most two patterns), one of which the resource must contain;
    /// [`NO_GRAM`] when there is no such condition (`*`, `NotResource`, short literals).
    fn gram_filter(&self) -> u32 {
        let Some(patterns) = &self.resources else {
            return NO_GRAM;
        };
        if self.resource_negated || patterns.is_empty() || patterns.len() > 2 {
            return NO_GRAM;
        }
        let mut bits = [0u16; 2];
        for (slot, pattern) in bits.iter_mut().zip(patterns.iter().cycle()) {
            match pattern.required_gram() {
                Some(bit) => *slot = bit,
                None => return NO_GRAM,
            }
        }
        (u32::from(bits[0]) << 16) | u32::from(bits[1])
    }

    /// M1, M2, M5 for the action part.
    #[inline]
    pub(crate) fn action_matches(&self, action: &str) -> bool {
        self.actions.iter().any(|p| p.is_match(action)) != self.action_negated
    }

    /// M1, M3, M5 for the resource part.
    #[inline]
    pub(crate) fn resource_matches(&self, resource: &str, grams: &mut Option<Grams>) -> bool {
        match &self.resources {
            None => false,
            Some(patterns) => {
                patterns.iter().any(|p| p.is_match(resource, grams)) != self.resource_negated
            }
        }
    }
}

/// The statements of a set of policies with the tables that name actions and services.
#[derive(Debug, Clone, Default)]
pub(crate) struct Catalog {
    pub(crate) policies: Vec<Arc<NamedPolicy>>,
    /// The first statement id of each policy (one more entry at the end).
    pub(crate) policy_starts: Vec<u32>,
    pub(crate) statements: Vec<CompiledStatement>,
    pub(crate) actions: FoldTable,
    pub(crate) services: FoldTable,
    /// Pointer identity → policy number, so a policy attached in many places compiles once.
    seen: std::collections::HashMap<usize, u32>,
}

/// The ids a request's action and service have in a catalog's tables.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lookup {
    action: Option<u32>,
    service: Option<u32>,
}

impl Catalog {
    /// The policy's number, compiling its statements the first time it is seen.
    pub(crate) fn add_policy(
        &mut self,
        policy: &Arc<NamedPolicy>,
    ) -> Result<u32, super::CompileError> {
        let key = Arc::as_ptr(policy) as usize;
        if let Some(&id) = self.seen.get(&key) {
            return Ok(id);
        }
        let id = to_u32(self.policies.len())?;
        if self.policy_starts.is_empty() {
            self.policy_starts.push(0);
        }
        for statement in policy.policy().statements() {
            self.statements
                .push(CompiledStatement::compile(id, statement));
        }
        self.policy_starts.push(to_u32(self.statements.len())?);
        // The exact action names and literal services feed the lookup tables.
        for statement in policy.policy().statements() {
            if statement.action().is_negated() {
                continue;
            }
            for p in statement.action().patterns() {
                let p = p.value();
                if !crate::matching::has_wildcard(p) {
                    self.actions.intern(p);
                } else if let Some(service) = literal_service(p) {
                    self.services.intern(service);
                }
            }
        }
        self.policies.push(Arc::clone(policy));
        self.seen.insert(key, id);
        Ok(id)
    }

    /// The statement ids of a policy.
    pub(crate) fn statements_of(&self, policy: u32) -> std::ops::Range<u32> {
        let start = self
            .policy_starts
            .get(policy as usize)
            .copied()
            .unwrap_or(0);
        let end = self
            .policy_starts
            .get(policy as usize + 1)
            .copied()
            .unwrap_or(start);
        start..end
    }

    #[inline]
    pub(crate) fn lookup(&self, request: &AuthRequest<'_>) -> Lookup {
        Lookup {
            action: self.actions.get(request.action()),
            service: self.services.get(request.service()),
        }
    }

    /// Builds the pool of these policies, in this order (duplicates kept, as the reference
    /// keeps them).
    pub(crate) fn pool(&self, policies: &[u32]) -> Result<Pool, super::CompileError> {
        let mut members = Vec::new();
        for &p in policies {
            members.extend(self.statements_of(p));
        }
        let mut exact: Vec<(u32, u32)> = Vec::new();
        let mut service: Vec<(u32, u32)> = Vec::new();
        let mut global: Vec<u32> = Vec::new();
        for (position, &id) in members.iter().enumerate() {
            let position = to_u32(position)?;
            let Some(statement) = self.statements.get(id as usize) else {
                continue;
            };
            let Some(named) = self.policies.get(statement.policy as usize) else {
                continue;
            };
            let Some(source) = named.policy().statements().get(statement.index as usize) else {
                continue;
            };
            let action = source.action();
            if action.is_negated() {
                global.push(position);
                continue;
            }
            for p in action.patterns() {
                let p = p.value();
                if !crate::matching::has_wildcard(p) {
                    if let Some(a) = self.actions.get(p) {
                        exact.push((a, position));
                    }
                } else if let Some(s) = literal_service(p).and_then(|s| self.services.get(s)) {
                    service.push((s, position));
                } else {
                    global.push(position);
                }
            }
        }
        exact.sort_unstable();
        exact.dedup();
        service.sort_unstable();
        service.dedup();
        global.dedup();
        let filter_of = |position: u32| {
            members
                .get(position as usize)
                .and_then(|id| self.statements.get(*id as usize))
                .map_or(NO_GRAM, CompiledStatement::gram_filter)
        };
        let mut lists = Vec::with_capacity(exact.len() + service.len() + global.len());
        let exact = ranges(&exact, &mut lists, &filter_of)?;
        let service = ranges(&service, &mut lists, &filter_of)?;
        let global_start = to_u32(lists.len())?;
        lists.extend(global.iter().map(|&p| Entry {
            position: p,
            grams: filter_of(p),
        }));
        let global = (global_start, to_u32(lists.len())?);
        Ok(Pool {
            members: members.into_boxed_slice(),
            exact: exact.into_boxed_slice(),
            service: service.into_boxed_slice(),
            global,
            lists: lists.into_boxed_slice(),
        })
    }
}

/// Groups sorted `(key, position)` pairs into `(key, start, end)` ranges of `lists`.
fn ranges(
    pairs: &[(u32, u32)],
    lists: &mut Vec<Entry>,
    filter_of: &dyn Fn(u32) -> u32,
) -> Result<Vec<(u32, u32, u32)>, super::CompileError> {
    let mut out: Vec<(u32, u32, u32)> = Vec::new();
    for &(key, position) in pairs {
        let at = to_u32(lists.len())?;
        lists.push(Entry {
            position,
            grams: filter_of(position),
        });
        match out.last_mut() {
            Some(last) if last.0 == key => last.2 = at + 1,
            _ => out.push((key, at, at + 1)),
        }
    }
    Ok(out)
}

pub(crate) fn to_u32(n: usize) -> Result<u32, super::CompileError> {
    u32::try_from(n)
        .ok()
        .filter(|n| *n < super::SESSION_BIT)
        .ok_or(super::CompileError::TooLarge)
}

/// The statements of one pool, indexed by action.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pool {
    /// Member position → statement id, in the reference's order.
    members: Box<[u32]>,
    /// `(action id, start, end)`: members with that exact action, sorted by action id.
    exact: Box<[(u32, u32, u32)]>,
    /// `(service id, start, end)`: members with a wildcard action of that literal service.
    service: Box<[(u32, u32, u32)]>,
    /// Members with `NotAction` or a wildcard in the service part.
    global: (u32, u32),
    lists: Box<[Entry]>,
}

/// A candidate: its member position and its inline resource filter.
#[derive(Debug, Clone, Copy)]
struct Entry {
    position: u32,
    grams: u32,
}

/// Below this many candidates, reading the statements is cheaper than hashing the resource.
const FILTER_FROM: usize = 8;

/// Where a pool's deciding statements go: a `Vec` when materializing, a fixed-capacity inline
/// list on the hot path.
pub(crate) trait Sink {
    fn push(&mut self, id: StatementId);
    fn clear(&mut self);
    fn count(&self) -> usize;
}

impl Sink for Vec<StatementId> {
    fn push(&mut self, id: StatementId) {
        Vec::push(self, id);
    }
    fn clear(&mut self) {
        Vec::clear(self);
    }
    fn count(&self) -> usize {
        self.len()
    }
}

/// A statement of a pool whose condition could not be evaluated (C7).
#[derive(Debug)]
pub(crate) struct PoolError {
    pub(crate) statement: u32,
    pub(crate) error: ClauseError,
}

fn range_of(entries: &[(u32, u32, u32)], key: Option<u32>) -> (u32, u32) {
    let Some(key) = key else { return (0, 0) };
    match entries.binary_search_by_key(&key, |e| e.0) {
        Ok(i) => entries.get(i).map_or((0, 0), |e| (e.1, e.2)),
        Err(_) => (0, 0),
    }
}

impl Pool {
    /// Tests every candidate statement (M6, E1), pushing applying Deny statements to `denies`
    /// and applying Allow statements to `allows`, in pool order; the first condition that cannot
    /// be evaluated is an error (C7, E6).
    #[inline]
    #[expect(
        clippy::too_many_arguments,
        reason = "the hot path passes its parts apart rather than build a context struct"
    )]
    pub(crate) fn evaluate<S: Sink>(
        &self,
        catalog: &Catalog,
        lookup: Lookup,
        request: &AuthRequest<'_>,
        principal_arn: &str,
        tag: u32,
        denies: &mut S,
        allows: &mut S,
    ) -> Result<(), PoolError> {
        let (es, ee) = range_of(&self.exact, lookup.action);
        let (ss, se) = range_of(&self.service, lookup.service);
        let empty: &[Entry] = &[];
        let exact = self.lists.get(es as usize..ee as usize).unwrap_or(empty);
        let service = self.lists.get(ss as usize..se as usize).unwrap_or(empty);
        let global = self
            .lists
            .get(self.global.0 as usize..self.global.1 as usize)
            .unwrap_or(empty);
        let (mut i, mut j, mut k) = (0, 0, 0);
        let mut last = u32::MAX;
        let mut grams: Option<Grams> = None;
        let filter = exact.len() + service.len() + global.len() >= FILTER_FROM;
        let none = Entry {
            position: u32::MAX,
            grams: NO_GRAM,
        };
        loop {
            let a = exact.get(i).copied().unwrap_or(none);
            let b = service.get(j).copied().unwrap_or(none);
            let c = global.get(k).copied().unwrap_or(none);
            let position = a.position.min(b.position).min(c.position);
            if position == u32::MAX {
                return Ok(());
            }
            let known_action = a.position == position;
            let entry = if a.position == position {
                i += 1;
                a
            } else if b.position == position {
                b
            } else {
                c
            };
            if b.position == position {
                j += 1;
            }
            if c.position == position {
                k += 1;
            }
            if position == last {
                continue;
            }
            last = position;
            if filter && entry.grams != NO_GRAM {
                let grams = grams.get_or_insert_with(|| Grams::of(request.resource()));
                if !grams.has_either(entry.grams) {
                    continue;
                }
            }
            let Some(&id) = self.members.get(position as usize) else {
                continue;
            };
            let Some(statement) = catalog.statements.get(id as usize) else {
                continue;
            };
            if !known_action && !statement.action_matches(request.action()) {
                continue;
            }
            if !statement.resource_matches(request.resource(), &mut grams) {
                continue;
            }
            if let Some(condition) = &statement.condition {
                match condition.is_met(request, principal_arn) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(error) => {
                        return Err(PoolError {
                            statement: id,
                            error,
                        })
                    }
                }
            }
            let sid = StatementId(id | tag);
            match statement.effect {
                Effect::Deny => denies.push(sid),
                Effect::Allow => allows.push(sid),
            }
        }
    }

    /// Heap bytes, for memory reports.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.members.len() * 4 + self.lists.len() * 8 + (self.exact.len() + self.service.len()) * 12
    }
}
