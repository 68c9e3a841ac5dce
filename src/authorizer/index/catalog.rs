//! The catalog: every compiled statement of a set of policies, with the interning tables that
//! let statements share patterns, resource parts and conditions, the tables that name actions
//! and services, and the building of [`Pool`]s over it.

use std::collections::HashMap;
use std::sync::Arc;

use super::candidate::*;
use super::pool::{Entry, Pool};
use super::refs::{ConditionRef, ResourcePart, ResourceRef};
use super::statement::*;
use super::tuning::*;
use crate::authorizer::condition::CompiledCondition;
use crate::authorizer::pattern::gram::{GramPair, NO_REQUIRED_GRAM};
use crate::authorizer::pattern::strategy::literal_service;
use crate::authorizer::pattern::{ActionPattern, FastState, FoldTable, PatternArena};
use crate::authorizer::request::AuthRequest;
use crate::authorizer::CompileError;
use crate::decision::NamedPolicy;
use crate::policy::Statement;

#[derive(Debug, Clone, Default)]
pub(crate) struct Catalog {
    pub(crate) policies: Vec<Arc<NamedPolicy>>,
    /// The first statement id of each policy (one more entry at the end).
    pub(crate) policy_starts: Vec<u32>,
    pub(crate) statements: Vec<CompiledStatement>,
    pub(crate) actions: FoldTable,
    pub(crate) services: FoldTable,
    /// The distinct resource patterns, parts and conditions, shared by the statements.
    pub(super) patterns: PatternArena,
    pub(super) resources: Vec<ResourceSet>,
    pub(crate) conditions: Vec<CompiledCondition>,
    /// Every policy's resolved candidate lists for the hot actions, back to back: what pools
    /// copy into `pooled` (compile time only, like the tables below).
    pub(super) candidates: Vec<Candidate>,
    /// Per policy and hot action, its range of `candidates` (compile time only).
    pub(super) policy_hot: Vec<[(u32, u32); HOT]>,
    /// Every pool's candidates for the hot actions: its policies' runs of `candidates` copied
    /// back to back, in attachment order (identical run lists stored once). A copy per pool
    /// costs memory, but a request then reads one contiguous stretch, which the processor
    /// fetches ahead, instead of one line per policy, each a miss of its own.
    pub(super) pooled: Vec<Candidate>,
    /// The filters' keys as [`key_word`]s, each filter's sorted by length: a filter's words
    /// are read together (four bytes each, so most filters' fit in one cache line).
    pub(super) prefix_words: Vec<u32>,
    /// Beside each word, the candidates asking for its prefix: read only for a word that
    /// matches.
    pub(super) prefix_masks: Vec<u64>,
    /// The filters' [`Covering`] candidates, each filter's in order.
    pub(super) coverings: Vec<Covering>,
    /// Pointer identity → policy number, so a policy attached in many places compiles once.
    pub(super) seen: HashMap<usize, u32, FastState>,
    /// Compile-time interning tables.
    pub(super) resource_ids: HashMap<(bool, Vec<u32>), u32, FastState>,
    /// Condition hash → the ids of the conditions with that hash, whose keys
    /// (`condition_keys`, by id) tell them apart.
    pub(super) condition_ids: HashMap<u64, Vec<u32>, FastState>,
    pub(super) condition_keys: Vec<ConditionKey>,
    /// A run list → its range of `pooled` and that copy's [`PrefixFilter`].
    pub(super) run_ids: HashMap<Vec<(u32, u32)>, InternedRuns, FastState>,
    /// The ids of [`HOT_ACTIONS`] in `actions` (none without the workload tuning).
    pub(super) hot: Vec<u32>,
    /// Whether pools get the optimisations of [`super::tuning`].
    pub(super) tuning: Tuning,
    /// Per statement, how a pool indexes it (worked out once, not once per pool): its index
    /// keys in pattern order, and which hot actions it is a candidate for (bit `h`).
    pub(super) keys: Vec<(Box<[IndexKey]>, u32)>,
}

/// A pool's copy of candidates: its range of [`Catalog::pooled`], its [`PrefixFilter`] if it
/// has one, and whether its Denies are copied again after it ([`DeniesFirst`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct InternedRuns {
    pub(super) range: (u32, u32),
    pub(super) filter: Option<PrefixFilter>,
    pub(super) denies_first: DeniesFirst,
}

/// What identifies a `Condition` block for sharing: each clause's operator, key and value texts.
pub(crate) type ConditionKey = Vec<(crate::condition::Operator, Box<str>, Vec<Box<str>>)>;

/// Where a pool lists a member.
#[derive(Debug, Clone, Copy)]
pub(crate) enum IndexKey {
    Exact(u32),
    Service(u32),
    Global,
}

/// The ids a request's action and service have in a catalog's tables.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lookup {
    pub(super) action: Option<u32>,
}

impl Catalog {
    /// The statement's condition id, compiling it the first time it is seen; more conditions
    /// than ids is an error, never a statement without its condition.
    pub(super) fn intern_condition(
        &mut self,
        statement: &Statement,
    ) -> Result<ConditionRef, CompileError> {
        let Some(condition) = statement.condition() else {
            return Ok(ConditionRef::NONE);
        };
        // A condition compiles from its operators, keys and value texts alone (the parser
        // types each value from its operator and text), so those identify it. They are hashed
        // where they stand; only a new condition's are copied.
        let hash = {
            use std::hash::{Hash as _, Hasher as _};
            let mut hasher = rustc_hash::FxHasher::default();
            for clause in condition.clauses() {
                clause.operator().hash(&mut hasher);
                clause.key().hash(&mut hasher);
                clause.values().len().hash(&mut hasher);
                for value in clause.values() {
                    value.text().hash(&mut hasher);
                }
            }
            hasher.finish()
        };
        let same = |key: &ConditionKey| {
            key.len() == condition.clauses().len()
                && key.iter().zip(condition.clauses()).all(|((op, k, vs), c)| {
                    *op == c.operator()
                        && **k == *c.key()
                        && vs.len() == c.values().len()
                        && vs.iter().zip(c.values()).all(|(v, w)| **v == *w.text())
                })
        };
        let known = self.condition_ids.get(&hash).and_then(|ids| {
            ids.iter()
                .copied()
                .find(|&id| self.condition_keys.get(id as usize).is_some_and(same))
        });
        if let Some(id) = known {
            return Ok(ConditionRef::new(id));
        }
        let key: ConditionKey = condition
            .clauses()
            .iter()
            .map(|c| {
                (
                    c.operator(),
                    c.key().into(),
                    c.values().iter().map(|v| v.text().into()).collect(),
                )
            })
            .collect();
        let compiled = CompiledCondition::compile(condition);
        let id = to_u32(self.conditions.len())?;
        self.conditions.push(compiled);
        self.condition_keys.push(key);
        self.condition_ids.entry(hash).or_default().push(id);
        Ok(ConditionRef::new(id))
    }

    /// The statement's resource part, its set compiled the first time it is seen.
    pub(super) fn intern_resource(
        &mut self,
        statement: &Statement,
    ) -> Result<ResourcePart, CompileError> {
        let Some(list) = statement.resource() else {
            return Ok(ResourcePart::Nothing);
        };
        let any = list
            .patterns()
            .iter()
            // `*`, `**`, ...: every resource. The empty pattern matches only the empty text.
            .any(|p| !p.value().is_empty() && p.value().bytes().all(|b| b == b'*'));
        match (any, list.is_negated()) {
            (true, false) => return Ok(ResourcePart::Any),
            (true, true) => return Ok(ResourcePart::Nothing),
            _ => {}
        }
        // Patterns are interned first (a known one is found without copying it), and a set is
        // known by its pattern ids.
        let mut patterns = Vec::with_capacity(list.patterns().len());
        for p in list.patterns() {
            patterns.push(
                self.patterns
                    .intern(p.value())
                    .ok_or(CompileError::TooLarge)?,
            );
        }
        let key = (list.is_negated(), patterns);
        if let Some(&id) = self.resource_ids.get(&key) {
            return Ok(ResourcePart::Set(id));
        }
        let patterns: Box<[SetPattern]> = key
            .1
            .iter()
            .map(|&id| SetPattern {
                id,
                anchor: self.patterns.anchor(id),
                gram: self.patterns.required_gram(id).unwrap_or(NO_REQUIRED_GRAM),
            })
            .collect();
        let id = to_u32(self.resources.len())?;
        if id > ResourceRef::MAX_SET {
            return Err(CompileError::TooLarge);
        }
        self.resources.push(ResourceSet {
            negated: list.is_negated(),
            shared_place: shared_place(&patterns),
            relative_prefixes: if list.is_negated() {
                None
            } else {
                list.patterns()
                    .iter()
                    .map(|p| {
                        let prefix = relative_prefix(p.value())?;
                        let prefix = prefix.get(..PREFIX_KEPT).unwrap_or(prefix);
                        Some(key_word(
                            prefix_hash(prefix),
                            u32::try_from(prefix.len()).ok()?,
                        ))
                    })
                    .collect()
            },
            covers_pipelines: self.tuning == Tuning::Workload
                && !list.is_negated()
                && list
                    .patterns()
                    .iter()
                    .any(|p| covers_every_pipeline(p.value())),
            patterns,
        });
        self.resource_ids.insert(key, id);
        Ok(ResourcePart::Set(id))
    }

    pub(super) fn compile_statement(
        &mut self,
        policy: u32,
        statement: &Statement,
    ) -> Result<CompiledStatement, CompileError> {
        let action = statement.action();
        let resource = self.intern_resource(statement)?;
        Ok(CompiledStatement {
            policy,
            index: u32::try_from(statement.index()).unwrap_or(u32::MAX),
            effect: statement.effect(),
            action_negated: action.is_negated(),
            actions: action
                .patterns()
                .iter()
                .map(|p| ActionPattern::new(p.value()))
                .collect(),
            resource,
            condition: self.intern_condition(statement)?,
        })
    }

    /// The resource set of a statement's resource part, if it has one.
    pub(super) fn resource_set(&self, statement: &CompiledStatement) -> Option<&ResourceSet> {
        match statement.resource {
            ResourcePart::Set(id) => self.resources.get(id as usize),
            ResourcePart::Any | ResourcePart::Nothing => None,
        }
    }

    /// An empty catalog with the workload tuning, the hot actions already named in its action
    /// table.
    pub(crate) fn new() -> Catalog {
        Catalog::with_tuning(Tuning::Workload)
    }

    /// An empty catalog, with or without the workload tuning ([`Tuning`]).
    pub(crate) fn with_tuning(tuning: Tuning) -> Catalog {
        let mut catalog = Catalog {
            policy_starts: vec![0],
            tuning,
            ..Catalog::default()
        };
        if tuning == Tuning::Workload {
            catalog.hot = HOT_ACTIONS
                .iter()
                .map(|a| catalog.actions.intern(a))
                .collect();
        }
        catalog
    }

    /// The policy's number, compiling its statements the first time it is seen.
    pub(crate) fn add_policy(&mut self, policy: &Arc<NamedPolicy>) -> Result<u32, CompileError> {
        let key = Arc::as_ptr(policy) as usize;
        if let Some(&id) = self.seen.get(&key) {
            return Ok(id);
        }
        let id = to_u32(self.policies.len())?;
        for statement in policy.policy().statements() {
            let compiled = self.compile_statement(id, statement)?;
            self.statements.push(compiled);
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
        // Every name of this policy is in the tables now, and ids never change.
        let first = self.keys.len();
        for (offset, statement) in policy.policy().statements().iter().enumerate() {
            let action = statement.action();
            let keys: Box<[IndexKey]> = if action.is_negated() {
                Box::new([IndexKey::Global])
            } else {
                action
                    .patterns()
                    .iter()
                    .filter_map(|p| {
                        let p = p.value();
                        if !crate::matching::has_wildcard(p) {
                            self.actions.get(p).map(IndexKey::Exact)
                        } else if let Some(s) =
                            literal_service(p).and_then(|s| self.services.get(s))
                        {
                            Some(IndexKey::Service(s))
                        } else {
                            Some(IndexKey::Global)
                        }
                    })
                    .collect()
            };
            let hot = self.statements.get(first + offset).map_or(0, |compiled| {
                // No hot actions without the workload tuning: `hot` is empty then.
                (0u32..)
                    .zip(HOT_ACTIONS.iter().take(self.hot.len()))
                    .filter(|(_, a)| {
                        compiled.resource != ResourcePart::Nothing && compiled.action_matches(a)
                    })
                    .fold(0, |bits, (h, _)| bits | (1 << h))
            });
            self.keys.push((keys, hot));
        }
        // Each hot action's candidates of this policy, resolved once for every pool it is in.
        let mut ranges = [(0, 0); HOT];
        for (h, range) in ranges.iter_mut().enumerate() {
            let start = to_u32(self.candidates.len())?;
            for offset in 0..policy.policy().statements().len() {
                let id = first + offset;
                let hot = self.keys.get(id).map_or(0, |(_, hot)| *hot);
                if hot & (1 << h) == 0 {
                    continue;
                }
                if let Some(statement) = self.statements.get(id) {
                    let candidate = statement.candidate(to_u32(id)?, &self.resources);
                    self.candidates.push(candidate);
                }
            }
            *range = (start, to_u32(self.candidates.len())?);
        }
        self.policy_hot.push(ranges);
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
        if let (true, Some(&id)) = (request.is_cancel(), self.hot.first()) {
            return Lookup { action: Some(id) };
        }
        let action = request.action();
        // The hot actions are known by name, without hashing (the table folds ASCII case too).
        let hot = HOT_ACTIONS
            .iter()
            .zip(&self.hot)
            .find(|(name, _)| {
                crate::authorizer::pattern::text::eq_fold(name.as_bytes(), action.as_bytes())
            })
            .map(|(_, id)| *id);
        Lookup {
            action: hot.or_else(|| self.actions.get(action)),
        }
    }
}

impl Catalog {
    /// Drops the compile-time tables once every pool is built.
    pub(crate) fn finish(&mut self) {
        self.resource_ids = HashMap::default();
        self.condition_ids = HashMap::default();
        self.condition_keys = Vec::new();
        self.run_ids = HashMap::default();
        self.pooled.shrink_to_fit();
        self.seen = HashMap::default();
        self.keys = Vec::new();
        self.patterns.finish();
        // Requests read the pools' copies in `pooled`.
        self.candidates = Vec::new();
        self.policy_hot = Vec::new();
        self.statements.shrink_to_fit();
        // What sets ask of relative ids is in the filters now.
        for set in &mut self.resources {
            set.relative_prefixes = None;
        }
        self.resources.shrink_to_fit();
        self.prefix_words.shrink_to_fit();
        self.prefix_masks.shrink_to_fit();
        self.coverings.shrink_to_fit();
        self.conditions.shrink_to_fit();
    }

    /// Builds the pool of these policies, in this order (duplicates kept, as the reference
    /// keeps them).
    pub(crate) fn pool(&mut self, policies: &[u32]) -> Result<Pool, CompileError> {
        let mut members = Vec::new();
        for &p in policies {
            members.extend(self.statements_of(p));
        }
        let mut exact: Vec<(u32, u32)> = Vec::new();
        let mut service: Vec<(u32, u32)> = Vec::new();
        let mut global: Vec<u32> = Vec::new();
        for (position, &id) in members.iter().enumerate() {
            let position = to_u32(position)?;
            let Some((keys, _)) = self.keys.get(id as usize) else {
                continue;
            };
            for key in keys.iter() {
                match *key {
                    IndexKey::Exact(a) => exact.push((a, position)),
                    IndexKey::Service(s) => service.push((s, position)),
                    IndexKey::Global => global.push(position),
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
                .and_then(|s| self.resource_set(s))
                .map_or(GramPair::NONE, ResourceSet::grams)
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

        // The hot actions: the runs of its policies' resolved candidates, in pool order.
        let mut hot = [HotList::default(); HOT];
        for (h, slot) in hot.iter_mut().enumerate() {
            let mut runs = Vec::new();
            for &p in policies {
                let Some(&(start, end)) = self.policy_hot.get(p as usize).and_then(|r| r.get(h))
                else {
                    continue;
                };
                if start < end {
                    runs.push((start, end));
                }
            }
            let candidates = runs
                .iter()
                .flat_map(|&(start, end)| self.candidates.get(start as usize..end as usize))
                .flatten();
            let (mut allows_any, mut unconditional, mut denies) = (false, true, false);
            for c in candidates {
                unconditional &= !c.condition.is_set();
                denies |= c.id.is_deny();
                allows_any |= !c.id.is_deny() && c.resource.is_any();
            }
            let interned = self.intern_runs(runs)?;
            *slot = HotList {
                action: self.hot.get(h).copied().unwrap_or(NO_ACTION),
                candidates: interned.range,
                prefix_filter: interned.filter.unwrap_or_default(),
                filtered: interned.filter.is_some(),
                allows_all: match (unconditional && allows_any, denies) {
                    (false, _) => AllowsAll::No,
                    (true, false) => AllowsAll::Always,
                    (true, true) => AllowsAll::UnlessDenied,
                },
                denies_first: interned.denies_first,
            };
        }
        Ok(Pool {
            members: members.into_boxed_slice(),
            exact: exact.into_boxed_slice(),
            service: service.into_boxed_slice(),
            global,
            lists: lists.into_boxed_slice(),
            hot,
        })
    }
}

/// Groups sorted `(key, position)` pairs into `(key, start, end)` ranges of `lists`.
pub(crate) fn ranges(
    pairs: &[(u32, u32)],
    lists: &mut Vec<Entry>,
    filter_of: &dyn Fn(u32) -> GramPair,
) -> Result<Vec<(u32, u32, u32)>, CompileError> {
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

pub(crate) fn to_u32(n: usize) -> Result<u32, CompileError> {
    u32::try_from(n)
        .ok()
        .filter(|n| *n < crate::authorizer::SESSION_BIT)
        .ok_or(CompileError::TooLarge)
}

impl Catalog {
    /// Heap bytes of the shared parts (statements, resource sets, conditions excluded: those
    /// are counted by the caller as it sees fit), for memory reports.
    pub(crate) fn candidates_bytes(&self) -> usize {
        self.candidates.capacity() * std::mem::size_of::<Candidate>()
            + self.pooled.capacity() * std::mem::size_of::<Candidate>()
            + self.prefix_words.capacity() * std::mem::size_of::<u32>()
            + self.prefix_masks.capacity() * std::mem::size_of::<u64>()
            + self.coverings.capacity() * std::mem::size_of::<Covering>()
            + self.policy_hot.capacity() * std::mem::size_of::<[(u32, u32); HOT]>()
            + self.patterns.heap_bytes()
    }
}
