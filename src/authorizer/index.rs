//! Compiled statements and pools: every statement's patterns pre-classified and its condition
//! pre-typed, and every pool (the statements one stage of the procedure pools, E1, E4) indexed by
//! action, so that deciding looks at the few statements that can match instead of all of them.
//!
//! A pool keeps its members in the reference's order (attachment order, then statement index),
//! and every index list is sorted by member position; merging the lists visits candidates in
//! that order, so the deciding statements come out exactly as the reference lists them.

use std::collections::HashMap;
use std::sync::Arc;

use super::condition::{ClauseError, CompiledCondition, Fallible};
use super::pattern::{
    anchor_bytes, anchor_is_plain, anchor_place, covers_every_pipeline, literal_service,
    prefix_hash, relative_prefix, ActionPattern, FastHasher, FastState, FoldTable, PatternArena,
    ResourceText, NO_ANCHOR, NO_GRAM,
};
use super::request::AuthRequest;
use super::{CompileError, StatementNumber};
use crate::decision::NamedPolicy;
use crate::policy::{Effect, Statement};

/// The actions every pool keeps a resolved candidate list for (see [`Pool`]): the one a gateway
/// authorizes on every call.
const HOT_ACTIONS: [&str; HOT] = [crate::decision::CANCEL_IMAGE_PIPELINE_EXECUTION];
/// How many hot actions there are.
const HOT: usize = 1;

/// A resource set id that matches every resource (a `Resource` list with `*`).
const RESOURCE_ANY: u32 = u32::MAX;
/// A resource set id that matches no resource (no resource part, or `NotResource` with `*`).
const RESOURCE_NONE: u32 = u32::MAX - 1;
/// In a [`Candidate`]'s first pattern slot: the resource part matches every image pipeline's
/// ARN ([`covers_every_pipeline`]); the second slot says how to test any other resource.
const PIPELINES: u32 = u32::MAX - 2;
/// In a [`Candidate`]'s first pattern slot: the resource set id that follows (below
/// [`RESOURCE_NONE`], as [`Catalog::intern_resource`] makes sure), not a pattern id (those are
/// arena offsets below 2^31).
const SET_BIT: u32 = 1 << 31;
/// No pattern, in a [`Candidate`]'s second pattern slot.
const NO_PATTERN: u32 = u32::MAX;
/// "No condition" as a condition id.
const NO_CONDITION: u32 = u32::MAX;
/// The bit of a candidate's id that marks a Deny statement.
const DENY: u32 = 1 << 31;

/// One statement, compiled.
#[derive(Debug, Clone)]
pub(crate) struct CompiledStatement {
    pub(crate) policy: u32,
    pub(crate) index: u32,
    pub(crate) effect: Effect,
    action_negated: bool,
    actions: Box<[ActionPattern]>,
    /// Into [`Catalog::resources`], or [`RESOURCE_ANY`] / [`RESOURCE_NONE`].
    resource: u32,
    /// Into [`Catalog::conditions`], or [`NO_CONDITION`].
    condition: u32,
}

impl CompiledStatement {
    /// Its condition's id in [`Catalog::conditions`] (none there: no condition).
    pub(crate) fn condition(&self) -> u32 {
        self.condition
    }
}

/// A resource part, compiled (M1, M3, M5): shared by every statement with the same one.
#[derive(Debug, Clone)]
pub(crate) struct ResourceSet {
    negated: bool,
    /// Not negated, and one of its patterns matches every image pipeline
    /// ([`covers_every_pipeline`]).
    covers_pipelines: bool,
    /// Its patterns, each with what rules it out cheaply; one slice, read in one pass.
    patterns: Box<[SetPattern]>,
    /// The place of its patterns' anchors when they are all plain and share one (`ap-`, `us-`,
    /// `eu-` at the start of the region): one read of the text then rules them all in or out.
    /// Else [`NO_ANCHOR`].
    shared_place: u32,
    /// What its patterns ask of a relative id ([`relative_prefix`]), as the [`key_word`] of
    /// each prefix: a text with four colons matches only if its relative id starts with one of
    /// them. `None` when some pattern asks nothing (or the set is negated). Compile time only.
    relative_prefixes: Option<Box<[u32]>>,
}

/// The one place of several patterns' plain anchors ([`ResourceSet::shared_place`]).
fn shared_place(patterns: &[SetPattern]) -> u32 {
    let Some(first) = patterns.first() else {
        return NO_ANCHOR;
    };
    let place = anchor_place(first.anchor);
    let shared = patterns.len() > 2
        && patterns
            .iter()
            .all(|p| anchor_is_plain(p.anchor) && anchor_place(p.anchor) == place);
    if shared {
        place
    } else {
        NO_ANCHOR
    }
}

/// A pattern of a [`ResourceSet`].
#[derive(Debug, Clone, Copy)]
struct SetPattern {
    /// Its id in [`Catalog::patterns`].
    id: u32,
    /// Its anchor ([`PatternArena::anchor`]), [`NO_ANCHOR`] for none.
    anchor: u32,
    /// Its required gram ([`PatternArena::required_gram`]), `u16::MAX` for none.
    gram: u16,
}

impl ResourceSet {
    /// Whether the resource matches; a pattern whose anchor is not in the text, or whose
    /// required gram the text's (already built) gram set lacks, cannot match it and is not
    /// read.
    #[inline]
    fn is_match(&self, arena: &PatternArena, text: &mut ResourceText<'_>) -> bool {
        if self.misses_shared_anchor(text) {
            return self.negated;
        }
        let hit = self
            .patterns
            .iter()
            .any(|p| text.may_match(p.anchor, p.gram) && arena.is_match(p.id, text));
        hit != self.negated
    }

    /// Whether the patterns share an anchor place and the text, at that place, has none of the
    /// bytes they anchor on: then no pattern matches it. `false` when it cannot tell (no shared
    /// place, a text without colons).
    #[inline(always)]
    fn misses_shared_anchor(&self, text: &ResourceText<'_>) -> bool {
        if self.shared_place == NO_ANCHOR || !text.has_colons() {
            return false;
        }
        let found = text.probe().bytes_at(self.shared_place);
        !self
            .patterns
            .iter()
            .any(|p| Some(anchor_bytes(p.anchor)) == found)
    }

    /// One anchor per pattern (at most two patterns, a single one given twice), one of which
    /// every resource the set matches has; [`NO_ANCHOR`] twice when there is no such
    /// condition.
    fn anchors(&self) -> [u32; 2] {
        match (self.negated, &*self.patterns) {
            (false, [a]) => [a.anchor, a.anchor],
            (false, [a, b]) if a.anchor != NO_ANCHOR && b.anchor != NO_ANCHOR => {
                [a.anchor, b.anchor]
            }
            _ => [NO_ANCHOR; 2],
        }
    }

    /// Two gram requirements (one per pattern, at most two patterns), one of which every
    /// resource it matches meets; [`NO_GRAM`] when there is no such condition.
    fn grams(&self) -> u32 {
        if self.negated || self.patterns.is_empty() || self.patterns.len() > 2 {
            return NO_GRAM;
        }
        let mut bits = [0u16; 2];
        for (slot, pattern) in bits.iter_mut().zip(self.patterns.iter().cycle()) {
            if pattern.gram == u16::MAX {
                return NO_GRAM;
            }
            *slot = pattern.gram;
        }
        (u32::from(bits[0]) << 16) | u32::from(bits[1])
    }

    /// The set's patterns, when a candidate can carry them itself: not negated, one or two.
    fn inline_patterns(&self) -> Option<[u32; 2]> {
        match (self.negated, &*self.patterns) {
            (false, [p]) => Some([p.id, NO_PATTERN]),
            (false, [p, q]) => Some([p.id, q.id]),
            _ => None,
        }
    }
}

impl CompiledStatement {
    /// M1, M2, M5 for the action part.
    #[inline]
    pub(crate) fn action_matches(&self, action: &str) -> bool {
        self.actions.iter().any(|p| p.is_match(action)) != self.action_negated
    }

    /// The candidate entry of this statement.
    fn candidate(&self, id: u32, resources: &[ResourceSet]) -> Candidate {
        let id = id | if self.effect == Effect::Deny { DENY } else { 0 };
        let set = resources.get(self.resource as usize);
        if let Some(set) = set.filter(|set| set.covers_pipelines) {
            // Nothing to filter on or match for a pipeline; any other resource is tested by
            // its one pattern or by the set.
            let other = match set.inline_patterns() {
                Some([p, NO_PATTERN]) => p,
                _ => SET_BIT | self.resource,
            };
            return Candidate {
                id,
                grams: NO_GRAM,
                anchors: [NO_ANCHOR; 2],
                condition: self.condition,
                patterns: [PIPELINES, other],
            };
        }
        let patterns = match set.and_then(ResourceSet::inline_patterns) {
            Some(patterns) => patterns,
            None if set.is_some() => [SET_BIT | self.resource, NO_PATTERN],
            None => [self.resource, NO_PATTERN],
        };
        Candidate {
            id,
            grams: set.map_or(NO_GRAM, ResourceSet::grams),
            anchors: set.map_or([NO_ANCHOR; 2], ResourceSet::anchors),
            condition: self.condition,
            patterns,
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
    /// The distinct resource patterns, parts and conditions, shared by the statements.
    patterns: PatternArena,
    resources: Vec<ResourceSet>,
    pub(crate) conditions: Vec<CompiledCondition>,
    /// Every policy's resolved candidate lists for the hot actions, back to back: what pools
    /// copy into `pooled` (compile time only, like the tables below).
    candidates: Vec<Candidate>,
    /// Per policy and hot action, its range of `candidates` (compile time only).
    policy_hot: Vec<[(u32, u32); HOT]>,
    /// Every pool's candidates for the hot actions: its policies' runs of `candidates` copied
    /// back to back, in attachment order (identical run lists stored once). A copy per pool
    /// costs memory, but a request then reads one contiguous stretch, which the processor
    /// fetches ahead, instead of one line per policy, each a miss of its own.
    pooled: Vec<Candidate>,
    /// The filters' keys as [`key_word`]s, each filter's sorted by length: a filter's words
    /// are read together (four bytes each, so most filters' fit in one cache line).
    prefix_words: Vec<u32>,
    /// Beside each word, the candidates asking for its prefix: read only for a word that
    /// matches.
    prefix_masks: Vec<u64>,
    /// The filters' [`Covering`] candidates, each filter's in order.
    coverings: Vec<Covering>,
    /// Pointer identity → policy number, so a policy attached in many places compiles once.
    seen: HashMap<usize, u32, FastState>,
    /// Compile-time interning tables.
    resource_ids: HashMap<(bool, Vec<u32>), u32, FastState>,
    /// Condition hash → the ids of the conditions with that hash, whose keys
    /// (`condition_keys`, by id) tell them apart.
    condition_ids: HashMap<u64, Vec<u32>, FastState>,
    condition_keys: Vec<ConditionKey>,
    /// A run list → its range of `pooled` and that copy's [`PrefixFilter`].
    run_ids: HashMap<Vec<(u32, u32)>, InternedRuns, FastState>,
    /// The ids of [`HOT_ACTIONS`] in `actions`.
    hot: Vec<u32>,
    /// Per statement, how a pool indexes it (worked out once, not once per pool): its index
    /// keys in pattern order, and which hot actions it is a candidate for (bit `h`).
    keys: Vec<(Box<[IndexKey]>, u32)>,
}

/// A pool's copy of candidates: its range of [`Catalog::pooled`], its [`PrefixFilter`] if it
/// has one, and whether its Denies are copied again after it ([`DeniesFirst`]).
#[derive(Debug, Clone, Copy)]
struct InternedRuns {
    range: (u32, u32),
    filter: Option<PrefixFilter>,
    denies_first: DeniesFirst,
}

/// What identifies a `Condition` block for sharing: each clause's operator, key and value texts.
type ConditionKey = Vec<(crate::condition::Operator, Box<str>, Vec<Box<str>>)>;

/// Where a pool lists a member.
#[derive(Debug, Clone, Copy)]
enum IndexKey {
    Exact(u32),
    Service(u32),
    Global,
}

/// The ids a request's action and service have in a catalog's tables.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lookup {
    action: Option<u32>,
}

impl Catalog {
    /// The statement's condition id, compiling it the first time it is seen; more conditions
    /// than ids is an error, never a statement without its condition.
    fn intern_condition(&mut self, statement: &Statement) -> Result<u32, CompileError> {
        let Some(condition) = statement.condition() else {
            return Ok(NO_CONDITION);
        };
        // A condition compiles from its operators, keys and value texts alone (the parser
        // types each value from its operator and text), so those identify it. They are hashed
        // where they stand; only a new condition's are copied.
        let hash = {
            use std::hash::{Hash as _, Hasher as _};
            let mut hasher = FastHasher::default();
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
            return Ok(id);
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
        Ok(id)
    }

    /// The statement's resource set id, compiling it the first time it is seen.
    fn intern_resource(&mut self, statement: &Statement) -> Result<u32, CompileError> {
        let Some(list) = statement.resource() else {
            return Ok(RESOURCE_NONE);
        };
        let any = list
            .patterns()
            .iter()
            // `*`, `**`, ...: every resource. The empty pattern matches only the empty text.
            .any(|p| !p.value().is_empty() && p.value().bytes().all(|b| b == b'*'));
        match (any, list.is_negated()) {
            (true, false) => return Ok(RESOURCE_ANY),
            (true, true) => return Ok(RESOURCE_NONE),
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
            return Ok(id);
        }
        let patterns: Box<[SetPattern]> = key
            .1
            .iter()
            .map(|&id| SetPattern {
                id,
                anchor: self.patterns.anchor(id),
                gram: self.patterns.required_gram(id).unwrap_or(u16::MAX),
            })
            .collect();
        let id = to_u32(self.resources.len())?;
        if SET_BIT | id >= PIPELINES {
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
            covers_pipelines: !list.is_negated()
                && list
                    .patterns()
                    .iter()
                    .any(|p| covers_every_pipeline(p.value())),
            patterns,
        });
        self.resource_ids.insert(key, id);
        Ok(id)
    }

    fn compile_statement(
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

    /// An empty catalog, the hot actions already named in its action table.
    pub(crate) fn new() -> Catalog {
        let mut catalog = Catalog {
            policy_starts: vec![0],
            ..Catalog::default()
        };
        catalog.hot = HOT_ACTIONS
            .iter()
            .map(|a| catalog.actions.intern(a))
            .collect();
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
                (0u32..)
                    .zip(HOT_ACTIONS)
                    .filter(|(_, a)| {
                        compiled.resource != RESOURCE_NONE && compiled.action_matches(a)
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
            .find(|(name, _)| super::pattern::eq_fold(name.as_bytes(), action.as_bytes()))
            .map(|(_, id)| *id);
        Lookup {
            action: hot.or_else(|| self.actions.get(action)),
        }
    }

    /// Copies a pool's runs of candidates into `pooled`, once however many pools have them;
    /// their range there, and the copy's [`PrefixFilter`].
    fn intern_runs(&mut self, runs: Vec<(u32, u32)>) -> Result<InternedRuns, CompileError> {
        if runs.is_empty() {
            return Ok(InternedRuns {
                range: (0, 0),
                filter: None,
                denies_first: DeniesFirst::default(),
            });
        }
        if let Some(&interned) = self.run_ids.get(&runs) {
            return Ok(interned);
        }
        let start = to_u32(self.pooled.len())?;
        for &(from, to) in &runs {
            let run = self
                .candidates
                .get(from as usize..to as usize)
                .unwrap_or_default();
            self.pooled.extend_from_slice(run);
        }
        let range = (start, to_u32(self.pooled.len())?);
        let filter = self.prefix_filter(range)?;
        let denies_first = self.denies_first(range);
        let interned = InternedRuns {
            range,
            filter,
            denies_first,
        };
        self.run_ids.insert(runs, interned);
        Ok(interned)
    }

    /// For a new copy in `pooled` that holds a Deny without a condition covering every image
    /// pipeline, and no condition that can fail (C7): its Denies, copied again right after it.
    /// On a pipeline such a Deny applies, so the decision is theirs, whatever the Allows say,
    /// and no Allow's condition could have raised an error instead (see [`DeniesFirst`]).
    fn denies_first(&mut self, range: (u32, u32)) -> DeniesFirst {
        let list = self
            .pooled
            .get(range.0 as usize..range.1 as usize)
            .unwrap_or_default();
        let decisive = list
            .iter()
            .any(|c| c.id & DENY != 0 && c.condition == NO_CONDITION && c.covers_every_pipeline());
        if !decisive {
            return DeniesFirst::default();
        }
        let fallible = list
            .iter()
            .filter(|c| c.condition != NO_CONDITION)
            .map(|c| {
                self.conditions
                    .get(c.condition as usize)
                    .map_or(Fallible::Maybe, CompiledCondition::fallible)
            })
            .max()
            .unwrap_or(Fallible::Never);
        let denies: Vec<Candidate> = list.iter().filter(|c| c.id & DENY != 0).copied().collect();
        match u8::try_from(denies.len()) {
            Ok(count) if fallible != Fallible::Maybe => {
                self.pooled.extend_from_slice(&denies);
                DeniesFirst { count, fallible }
            }
            _ => DeniesFirst::default(),
        }
    }

    /// The [`PrefixFilter`] of a new copy in `pooled`; `None` when it would not filter.
    fn prefix_filter(&mut self, range: (u32, u32)) -> Result<Option<PrefixFilter>, CompileError> {
        let list = self
            .pooled
            .get(range.0 as usize..range.1 as usize)
            .unwrap_or_default();
        let mut any = 0u64;
        let mut covers = 0u64;
        let mut coverings = Vec::new();
        // Each key word with the candidates asking for its prefix; two prefixes with one word
        // (a hash collision) share it, which only adds visits.
        let mut words: Vec<(u32, u64)> = Vec::new();
        if (PREFIX_FILTER_FROM..=64).contains(&list.len()) {
            for (i, candidate) in list.iter().enumerate() {
                let bit = 1u64 << i;
                // Matches every pipeline: nothing to skip, and on a pipeline's ARN nothing to
                // test but the condition.
                let prefixes = if candidate.covers_every_pipeline() {
                    covers |= bit;
                    coverings.push(Covering {
                        id: candidate.id,
                        condition: candidate.condition,
                    });
                    None
                } else {
                    self.statements
                        .get((candidate.id & !DENY) as usize)
                        .and_then(|s| self.resources.get(s.resource as usize))
                        .and_then(|set| set.relative_prefixes.as_deref())
                };
                let Some(prefixes) = prefixes else {
                    any |= bit;
                    continue;
                };
                for &word in prefixes {
                    match words.iter_mut().find(|(w, _)| *w == word) {
                        Some((_, candidates)) => *candidates |= bit,
                        None => words.push((word, bit)),
                    }
                }
            }
        }
        if words.is_empty() {
            return Ok(None);
        }
        // By length first: a request hashes its relative id once per length.
        words.sort_unstable_by_key(|&(word, _)| (word & KEY_LEN, word));
        let start = to_u32(self.prefix_words.len())?;
        self.prefix_words
            .extend(words.iter().map(|&(word, _)| word));
        self.prefix_masks
            .extend(words.iter().map(|&(_, candidates)| candidates));
        let coverings_start = to_u32(self.coverings.len())?;
        self.coverings.extend_from_slice(&coverings);
        Ok(Some(PrefixFilter {
            any,
            covers,
            keys: (start, to_u32(self.prefix_words.len())?),
            coverings: coverings_start,
        }))
    }

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
                .and_then(|s| self.resources.get(s.resource as usize))
                .map_or(NO_GRAM, ResourceSet::grams)
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
                unconditional &= c.condition == NO_CONDITION;
                denies |= c.id & DENY != 0;
                allows_any |= c.id & DENY == 0 && c.patterns[0] == RESOURCE_ANY;
            }
            let interned = self.intern_runs(runs)?;
            *slot = HotList {
                action: self.hot.get(h).copied().unwrap_or(u32::MAX),
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
fn ranges(
    pairs: &[(u32, u32)],
    lists: &mut Vec<Entry>,
    filter_of: &dyn Fn(u32) -> u32,
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
        .filter(|n| *n < super::SESSION_BIT)
        .ok_or(CompileError::TooLarge)
}

/// The statements of one pool, indexed by action.
///
/// For a hot action (the one a gateway decides on every call), the pool holds its policies'
/// resolved candidates ([`Catalog::policy_hot`]) copied back to back ([`Catalog::pooled`]):
/// every statement whose action part matches it (exact names, wildcards and `NotAction` worked
/// out when compiling), in pool order, each carrying what the hot loop needs (effect, resource
/// patterns, anchors, gram filter, condition) in 28 bytes. Any other action merges the exact,
/// service and global lists.
///
/// The hot lists come first (`repr(C)`): a principal's pool starts its cache line, beside its
/// ARN (see `CompiledPrincipal`), so that a request for a principal not decided lately waits
/// for one line there, not two.
#[derive(Debug, Clone, Default)]
#[repr(C)]
pub(crate) struct Pool {
    /// The hot actions' candidate lists, inline (one load fewer on the hot path).
    hot: [HotList; HOT],
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

/// A pool's candidates for one hot action: a range of [`Catalog::pooled`].
#[derive(Debug, Clone, Copy)]
struct HotList {
    /// The action's id in [`Catalog::actions`].
    action: u32,
    candidates: (u32, u32),
    /// Its copy's [`PrefixFilter`], if it has one. A copy of the catalog's, here: the first
    /// thing a request reads of a long list, it then sits in the principal's line (see
    /// `CompiledPrincipal`), and its words can be fetched without waiting for another.
    prefix_filter: PrefixFilter,
    filtered: bool,
    /// Whether the pool allows every request for the action, without a condition to fail (C7).
    allows_all: AllowsAll,
    /// Whether its Denies alone decide a request on an image pipeline.
    denies_first: DeniesFirst,
}

impl Default for HotList {
    fn default() -> HotList {
        HotList {
            action: u32::MAX,
            candidates: (0, 0),
            prefix_filter: PrefixFilter::default(),
            filtered: false,
            allows_all: AllowsAll::No,
            denies_first: DeniesFirst::default(),
        }
    }
}

/// Whether a hot list allows every request for its action, with no condition among its
/// candidates and an Allow for every resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AllowsAll {
    No,
    /// Nor any Deny: the pool allows every request for the action and can raise no error.
    Always,
    /// Beside Deny statements (`FullAliyunAccess` beside a control policy's Denies): the pool
    /// raises no error and allows every request its Denies' resources do not match.
    UnlessDenied,
}

/// A hot list with a Deny that has no condition and covers every image pipeline: on a
/// pipeline, that Deny applies, so the list denies, and what it reports is its Denies that
/// apply (E4.3), in order. Its Allows need not be tested at all when none of its conditions
/// can fail (C7): no Allow could have raised an error first. Its Denies are copied again right
/// after the list, `count` of them, so that a request reads only those.
#[derive(Debug, Clone, Copy, Default)]
struct DeniesFirst {
    /// 0: the list has no such Deny, a condition that may fail, or more than 255 Denies.
    count: u8,
    /// Its most fallible condition's [`Fallible`] (never [`Fallible::Maybe`]).
    fallible: Fallible,
}

// A principal's line holds its ARN and its account pool's hot list (see `CompiledPrincipal`).
const _: () = assert!(
    std::mem::size_of::<HotList>() <= 48,
    "a hot list fits a cache line beside a principal's ARN"
);

impl HotList {
    /// Its prefix filter, if the list has one.
    #[inline(always)]
    fn filter(&self) -> Option<&PrefixFilter> {
        self.filtered.then_some(&self.prefix_filter)
    }
}

/// Which candidates of a hot list (bit `i` for the `i`-th; at most 64) an ARN with four colons
/// can match, by its relative id: those whose patterns ask nothing of it, and those with a
/// prefix ([`relative_prefix`]) it starts with. A request visits only those, in order; a hash
/// that collides only adds a visit.
#[derive(Debug, Clone, Copy, Default)]
struct PrefixFilter {
    /// The candidates that any relative id may match.
    any: u64,
    /// Those of them whose resource part matches every image pipeline
    /// ([`covers_every_pipeline`]) or every resource.
    covers: u64,
    /// Its range of [`Catalog::prefix_words`] and [`Catalog::prefix_masks`].
    keys: (u32, u32),
    /// Where its [`Covering`] candidates start in [`Catalog::coverings`], one per bit of
    /// `covers`.
    coverings: u32,
}

/// What a request for an image pipeline reads of a candidate that covers every pipeline: its
/// resource part is known to match, so only its condition is left. Kept apart from the
/// candidates, eight bytes each, because most candidates a request visits are these.
#[derive(Debug, Clone, Copy)]
struct Covering {
    /// Statement id, with [`DENY`] for a Deny statement.
    id: u32,
    condition: u32,
}

/// How much of a relative-id prefix a [`PrefixFilter`] keys on: a longer one tells few more
/// candidates apart, and every length is a hash per request.
const PREFIX_KEPT: usize = 24;

/// The shortest list worth a [`PrefixFilter`]: a shorter one costs less to scan than to hash
/// the request's relative id.
const PREFIX_FILTER_FROM: usize = 12;

/// The bits of a [`key_word`] that hold the prefix's length.
const KEY_LEN: u32 = 0x1f;
const _: () = assert!(
    PREFIX_KEPT <= KEY_LEN as usize,
    "a kept prefix's length fits its bits"
);

/// A prefix as a [`PrefixFilter`] keeps it: 27 bits of its hash and its length (at most
/// [`PREFIX_KEPT`]) in one word, so that a filter's keys sit side by side. Two prefixes of
/// one word only add visits.
#[inline]
fn key_word(hash: u64, len: u32) -> u32 {
    ((hash >> 32) as u32 & !KEY_LEN) | (len & KEY_LEN)
}

impl PrefixFilter {
    /// The candidates a text with this relative id can match.
    #[inline]
    fn visits(&self, relative: &[u8], words: &[u32], masks: &[u64]) -> u64 {
        let range = self.keys.0 as usize..self.keys.1 as usize;
        let (Some(words), Some(masks)) = (words.get(range.clone()), masks.get(range)) else {
            // Never, for a filter of this catalog; visiting everything is always right.
            return u64::MAX;
        };
        let mut visits = self.any;
        let (mut hashed, mut word) = (u32::MAX, 0);
        for (at, &key) in words.iter().enumerate() {
            let len = key & KEY_LEN;
            if len != hashed {
                let Some(head) = relative.get(..len as usize) else {
                    break;
                };
                (hashed, word) = (len, key_word(prefix_hash(head), len));
            }
            if key == word {
                visits |= masks.get(at).copied().unwrap_or(u64::MAX);
            }
        }
        visits
    }
}

/// A candidate: its member position and its inline resource filter.
#[derive(Debug, Clone, Copy)]
struct Entry {
    position: u32,
    grams: u32,
}

/// A candidate of a resolved list: its action part is known to match. It carries its resource
/// patterns (one or two, the common case) so that testing it reads the pattern arena and
/// nothing in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Candidate {
    /// Statement id, with [`DENY`] for a Deny statement.
    id: u32,
    grams: u32,
    /// One anchor per pattern ([`ResourceSet::anchors`]), tested before the grams: three
    /// byte loads, and no gram set to build.
    anchors: [u32; 2],
    condition: u32,
    /// The resource part: its one or two pattern ids (the second may be [`NO_PATTERN`]); else
    /// [`RESOURCE_ANY`], [`RESOURCE_NONE`], or a resource set id with [`SET_BIT`], then
    /// [`NO_PATTERN`]. No field of its own: the candidate stays within 28 bytes.
    patterns: [u32; 2],
}

/// Below this many candidates, reading the statements is cheaper than hashing the resource.
const FILTER_FROM: usize = 8;

/// Where a pool's deciding statements go: a `Vec` when materializing, a fixed-capacity inline
/// list on the hot path.
pub(crate) trait Sink {
    fn push(&mut self, id: StatementNumber);
    fn clear(&mut self);
    fn count(&self) -> usize;
}

impl Sink for Vec<StatementNumber> {
    fn push(&mut self, id: StatementNumber) {
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
        text: &mut ResourceText<'_>,
        principal_arn: &str,
        tag: u32,
        denies: &mut S,
        allows: &mut S,
    ) -> Result<(), PoolError> {
        if let Some(action) = lookup.action {
            if let Some(hot) = self.hot.iter().find(|h| h.action == action) {
                return evaluate_resolved(
                    hot,
                    catalog,
                    request,
                    text,
                    principal_arn,
                    tag,
                    denies,
                    allows,
                );
            }
        }
        let (es, ee) = range_of(&self.exact, lookup.action);
        let (ss, se) = range_of(&self.service, catalog.services.get(request.service()));
        let empty: &[Entry] = &[];
        let exact = self.lists.get(es as usize..ee as usize).unwrap_or(empty);
        let service = self.lists.get(ss as usize..se as usize).unwrap_or(empty);
        let global = self
            .lists
            .get(self.global.0 as usize..self.global.1 as usize)
            .unwrap_or(empty);
        let (mut i, mut j, mut k) = (0, 0, 0);
        let mut last = u32::MAX;
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
            if filter && entry.grams != NO_GRAM && !text.may_have_either(entry.grams) {
                continue;
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
            let candidate = statement.candidate(id, &catalog.resources);
            candidate.apply(catalog, request, text, principal_arn, tag, denies, allows)?;
        }
    }

    /// Starts loading what deciding the hot action with a filtered pool reads first (its
    /// filter's keys and covering candidates), without waiting: a request for a principal not
    /// decided lately finds them out of the core's caches, and the loads then overlap the work
    /// before the pool is read instead of following one another.
    #[inline]
    pub(crate) fn warm(&self, catalog: &Catalog) {
        let Some(hot) = self.hot.first() else { return };
        if hot.denies_first.count != 0 {
            // A request on a pipeline reads only its Denies' copy.
            if let Some(denies) = catalog.pooled.get(hot.candidates.1 as usize) {
                prefetch(denies);
            }
        } else if let Some(filter) = hot.filter() {
            if let Some(words) = catalog.prefix_words.get(filter.keys.0 as usize) {
                prefetch(words);
            }
            if let Some(coverings) = catalog.coverings.get(filter.coverings as usize) {
                prefetch(coverings);
            }
        }
    }

    /// Whether the pool allows this request (its action the lookup's) without a Deny or an
    /// error: evaluating it would change nothing but the list of allowing statements, which a
    /// control policy never reports.
    #[inline]
    pub(crate) fn allows_without_deny(
        &self,
        catalog: &Catalog,
        lookup: Lookup,
        text: &mut ResourceText<'_>,
    ) -> bool {
        let Some(hot) = lookup
            .action
            .and_then(|action| self.hot.iter().find(|h| h.action == action))
        else {
            return false;
        };
        match hot.allows_all {
            AllowsAll::Always => return true,
            AllowsAll::No => return false,
            AllowsAll::UnlessDenied => {}
        }
        // Allowed whatever the Allows' resources, and nothing can fail: denied only by a Deny
        // whose resource part matches.
        catalog
            .pooled
            .get(hot.candidates.0 as usize..hot.candidates.1 as usize)
            .unwrap_or_default()
            .iter()
            .filter(|c| c.id & DENY != 0)
            .all(|c| c.anchor_excludes(catalog, text) || !c.resource_matches(catalog, text))
    }

    /// Heap bytes, for memory reports (the shared candidate lists are the catalog's).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.members.len() * 4 + self.lists.len() * 8 + (self.exact.len() + self.service.len()) * 12
    }
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

impl Candidate {
    /// Whether its resource part matches every image pipeline's ARN, or every resource, with
    /// nothing to test ([`covers_every_pipeline`], `*`).
    fn covers_every_pipeline(&self) -> bool {
        matches!(self.patterns[0], PIPELINES | RESOURCE_ANY)
    }

    /// The resource and condition tests of a candidate whose action matches; pushes it to
    /// `denies` or `allows` when it applies.
    #[inline(always)]
    #[expect(
        clippy::too_many_arguments,
        reason = "the hot path passes its parts apart rather than build a context struct"
    )]
    fn apply<S: Sink>(
        self,
        catalog: &Catalog,
        request: &AuthRequest<'_>,
        text: &mut ResourceText<'_>,
        principal_arn: &str,
        tag: u32,
        denies: &mut S,
        allows: &mut S,
    ) -> Result<(), PoolError> {
        if !self.resource_matches(catalog, text) {
            return Ok(());
        }
        settle(
            self.id,
            self.condition,
            catalog,
            request,
            text,
            principal_arn,
            tag,
            denies,
            allows,
        )
    }

    /// Whether the shared anchor of its resource set (see [`ResourceSet::shared_place`]) is
    /// missing from the text, so that its resource part cannot match: the test a control
    /// policy's region Denies (`acs:*:ap-*:*:*`, ...) fail on most requests, without the call
    /// to [`ResourceSet::is_match`]. `false` when it cannot tell.
    #[inline(always)]
    fn anchor_excludes(&self, catalog: &Catalog, text: &ResourceText<'_>) -> bool {
        let set = self.patterns[0];
        if set & SET_BIT == 0 || set >= PIPELINES {
            return false;
        }
        catalog
            .resources
            .get((set & !SET_BIT) as usize)
            .is_some_and(|set| !set.negated && set.misses_shared_anchor(text))
    }

    /// Whether its resource part matches the text (M1, M3, M5).
    #[inline(always)]
    fn resource_matches(&self, catalog: &Catalog, text: &mut ResourceText<'_>) -> bool {
        let [p, q] = self.patterns;
        let set_matches = |set: u32, text: &mut ResourceText<'_>| {
            catalog
                .resources
                .get((set & !SET_BIT) as usize)
                .is_some_and(|set| set.is_match(&catalog.patterns, text))
        };
        match p {
            RESOURCE_ANY => true,
            RESOURCE_NONE => false,
            PIPELINES => {
                text.is_pipeline()
                    || if q & SET_BIT == 0 {
                        catalog.patterns.is_match(q, text)
                    } else {
                        set_matches(q, text)
                    }
            }
            p if p & SET_BIT == 0 => {
                catalog.patterns.is_match(p, text)
                    || (q != NO_PATTERN && catalog.patterns.is_match(q, text))
            }
            set => set_matches(set, text),
        }
    }
}

/// What a candidate whose resource part matched does: unless its condition (`NO_CONDITION` for
/// none) is not met, it goes to `denies` or `allows` (`id` carries [`DENY`]).
#[inline(always)]
#[expect(
    clippy::too_many_arguments,
    reason = "the hot path passes its parts apart rather than build a context struct"
)]
fn settle<S: Sink>(
    id_and_effect: u32,
    c: u32,
    catalog: &Catalog,
    request: &AuthRequest<'_>,
    text: &mut ResourceText<'_>,
    principal_arn: &str,
    tag: u32,
    denies: &mut S,
    allows: &mut S,
) -> Result<(), PoolError> {
    let id = id_and_effect & !DENY;
    if c != NO_CONDITION {
        // A condition's result depends only on the request and the principal, the same
        // for every statement of this request; an error is never remembered.
        let met = match text.condition_result(c) {
            Some(known) => known,
            None => match catalog.conditions.get(c as usize) {
                Some(condition) => match condition.is_met(request, principal_arn) {
                    Ok(met) => {
                        text.remember_condition(c, met);
                        met
                    }
                    Err(error) => {
                        return Err(PoolError {
                            statement: id,
                            error,
                        })
                    }
                },
                // Ids come from this catalog; a broken one fails closed: a Deny
                // applies, an Allow does not.
                None => id_and_effect & DENY != 0,
            },
        };
        if !met {
            return Ok(());
        }
    }
    let sid = StatementNumber(id | tag);
    if id_and_effect & DENY != 0 {
        denies.push(sid);
    } else {
        allows.push(sid);
    }
    Ok(())
}

/// Asks the processor to start loading the cache line that holds `value`, and goes on: a
/// hint, which reads nothing the program sees.
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse"))]
    // SAFETY: `_mm_prefetch` needs SSE, which this is compiled only for (every x86_64 target
    // has it); a prefetch of any address neither faults nor changes memory.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast());
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse")))]
    let _ = value;
}

/// The hot loop: a pool's resolved candidates, action already known to match, in pool order;
/// on an ARN with four colons, only those its [`PrefixFilter`] keeps.
#[inline]
#[expect(
    clippy::too_many_arguments,
    reason = "the hot path passes its parts apart rather than build a context struct"
)]
fn evaluate_resolved<S: Sink>(
    hot: &HotList,
    catalog: &Catalog,
    request: &AuthRequest<'_>,
    text: &mut ResourceText<'_>,
    principal_arn: &str,
    tag: u32,
    denies: &mut S,
    allows: &mut S,
) -> Result<(), PoolError> {
    let DeniesFirst { count, fallible } = hot.denies_first;
    if count != 0 && text.is_pipeline() && fallible.cannot_fail(request) {
        let start = hot.candidates.1 as usize;
        let list = catalog
            .pooled
            .get(start..start + usize::from(count))
            .unwrap_or_default();
        let before = denies.count();
        scan(
            hot,
            list.iter().map(Visit::Full),
            catalog,
            request,
            text,
            principal_arn,
            tag,
            denies,
            allows,
        )?;
        if denies.count() > before {
            return Ok(());
        }
        // Never, with a Deny that covers every pipeline among them: decide the long way.
    }
    let list = catalog
        .pooled
        .get(hot.candidates.0 as usize..hot.candidates.1 as usize)
        .unwrap_or_default();
    if hot.filtered && text.has_colons() {
        return scan_filtered(
            hot,
            list,
            catalog,
            request,
            text,
            principal_arn,
            tag,
            denies,
            allows,
        );
    }
    scan(
        hot,
        list.iter().map(Visit::Full),
        catalog,
        request,
        text,
        principal_arn,
        tag,
        denies,
        allows,
    )
}

/// [`scan`] of the candidates a [`PrefixFilter`] keeps for the text's relative id. Apart, so
/// that short lists (Small's, the control policies') keep the plain loop as it was.
#[inline(never)]
#[expect(
    clippy::too_many_arguments,
    reason = "the hot path passes its parts apart rather than build a context struct"
)]
fn scan_filtered<S: Sink>(
    hot: &HotList,
    list: &[Candidate],
    catalog: &Catalog,
    request: &AuthRequest<'_>,
    text: &mut ResourceText<'_>,
    principal_arn: &str,
    tag: u32,
    denies: &mut S,
    allows: &mut S,
) -> Result<(), PoolError> {
    let (visits, covers, coverings) = match (hot.filter(), text.relative()) {
        (Some(filter), Some(relative)) => (
            filter.visits(relative, &catalog.prefix_words, &catalog.prefix_masks),
            if text.is_pipeline() { filter.covers } else { 0 },
            catalog
                .coverings
                .get(filter.coverings as usize..)
                .unwrap_or_default(),
        ),
        _ => (u64::MAX, 0, &[][..]),
    };
    // Every covering candidate is visited (`any` holds them), in order: the next one visited
    // is the next in `coverings`. Were one not visited, the rest would be out of step: then
    // none is taken from there.
    let covers = if covers & !visits == 0 { covers } else { 0 };
    let mut coverings = coverings.iter();
    let kept = Bits(visits).map_while(move |at| {
        let covering = if covers & (1u64 << at) != 0 {
            coverings.next()
        } else {
            None
        };
        match covering {
            Some(&covering) => Some(Visit::Covering(covering)),
            None => list.get(at).map(Visit::Full),
        }
    });
    scan(
        hot,
        kept,
        catalog,
        request,
        text,
        principal_arn,
        tag,
        denies,
        allows,
    )
}

/// The set bits of a word, lowest first.
struct Bits(u64);

impl Iterator for Bits {
    type Item = usize;

    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let at = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(at)
    }
}

/// A candidate as [`scan`] visits it.
#[derive(Clone, Copy)]
enum Visit<'c> {
    Full(&'c Candidate),
    /// A candidate that covers every pipeline, for a request on a pipeline.
    Covering(Covering),
}

/// Tests candidates in order: their anchors or grams first, then [`Candidate::apply`]; a
/// [`Visit::Covering`] goes straight to its condition.
#[inline(always)]
#[expect(
    clippy::too_many_arguments,
    reason = "the hot path passes its parts apart rather than build a context struct"
)]
fn scan<'c, S: Sink>(
    hot: &HotList,
    candidates: impl Iterator<Item = Visit<'c>>,
    catalog: &Catalog,
    request: &AuthRequest<'_>,
    text: &mut ResourceText<'_>,
    principal_arn: &str,
    tag: u32,
    denies: &mut S,
    allows: &mut S,
) -> Result<(), PoolError> {
    let filter = hot.candidates.1.saturating_sub(hot.candidates.0) as usize >= FILTER_FROM;
    let anchored = text.has_colons();
    // Built by an unanchored candidate of an earlier pool, if at all.
    let grams_built = text.has_grams();
    let probe = text.probe();
    for visit in candidates {
        let candidate = match visit {
            Visit::Full(candidate) => candidate,
            Visit::Covering(c) => {
                settle(
                    c.id,
                    c.condition,
                    catalog,
                    request,
                    text,
                    principal_arn,
                    tag,
                    denies,
                    allows,
                )?;
                continue;
            }
        };
        if anchored && candidate.anchors[0] != NO_ANCHOR {
            // A weak anchor (`imagepipeline/*`) lets many through: the grams filter them too,
            // if the set is built.
            if !probe.hits_either(candidate.anchors)
                || (grams_built
                    && candidate.grams != NO_GRAM
                    && !text.may_have_either_if_built(candidate.grams))
            {
                continue;
            }
        } else if filter && candidate.grams != NO_GRAM && !text.may_have_either(candidate.grams) {
            continue;
        }
        candidate.apply(catalog, request, text, principal_arn, tag, denies, allows)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::Authorizer;
    use super::{AllowsAll, ResourceText};

    const CANCEL_TWICE: &str = r#"{"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution", "Resource": "*"},
        {"Effect": "Deny", "Action": "ecs:*", "Resource": "acs:ecs:*:*:imagepipeline/ip-prod*"}]}"#;

    fn account(users: &[(&str, &[&str])]) -> Authorizer {
        let users: Vec<String> = users
            .iter()
            .map(|(name, policies)| format!(r#""{name}": {{"policies": {policies:?}}}"#))
            .collect();
        let text = format!(
            r#"{{"account_id": "1234567890123456",
                "policies": {{"A": {CANCEL_TWICE}, "B": {CANCEL_TWICE}}},
                "users": {{{}}}}}"#,
            users.join(",")
        );
        Authorizer::from_json(&text, None, None).expect("a valid account")
    }

    /// Each pool's candidates are a copy of its policies' (so a request reads one stretch);
    /// pools with the same policies in the same order share one copy, so memory grows with
    /// the distinct policy lists, not with the principals.
    #[test]
    fn e1_pools_with_the_same_policies_share_one_copy_of_their_candidates() {
        let one = account(&[("u1", &["A", "B"])]);
        assert_eq!(
            one.catalog.pooled.len(),
            4,
            "two policies of two candidates"
        );
        let same = account(&[
            ("u1", &["A", "B"]),
            ("u2", &["A", "B"]),
            ("u3", &["A", "B"]),
        ]);
        assert_eq!(same.catalog.pooled.len(), 4);
        let other_order = account(&[("u1", &["A", "B"]), ("u2", &["B", "A"])]);
        assert_eq!(other_order.catalog.pooled.len(), 8);
        // Each pool's copy follows its own attachment order (E1 lists deciding statements in it).
        let [u1, u2] = [&other_order.users[0], &other_order.users[1]].map(|u| {
            let (start, end) = u.account_pool.hot[0].candidates;
            let policies: Vec<u32> = (start..end)
                .filter_map(|i| other_order.catalog.pooled.get(i as usize))
                .filter_map(|c| {
                    other_order
                        .catalog
                        .statements
                        .get((c.id & !super::DENY) as usize)
                })
                .map(|s| s.policy)
                .collect();
            policies
        });
        assert_eq!(u1.iter().rev().copied().collect::<Vec<_>>(), u2);
        assert_ne!(u1, u2);
    }

    /// E5: a filter compares its words length by length; a matching word adds its candidates,
    /// a word longer than the relative id is not compared, and a range outside the tables
    /// visits every candidate (visiting more never changes a decision).
    #[test]
    fn e5_prefix_filter_visits_the_candidates_of_matching_words() {
        use super::super::pattern::prefix_hash;
        use super::{key_word, PrefixFilter, KEY_LEN};

        let word = |prefix: &str| key_word(prefix_hash(prefix.as_bytes()), prefix.len() as u32);
        let words = [word("ab"), word("ax"), word("abc"), word("abcdefgh")];
        assert_eq!(words.map(|w| w & KEY_LEN), [2, 2, 3, 8]);
        let masks = [0b10, 0b100, 0b1000, 0b1_0000];
        let filter = PrefixFilter {
            any: 0b1,
            covers: 0,
            keys: (0, 4),
            coverings: 0,
        };
        assert_eq!(filter.visits(b"abcd", &words, &masks), 0b1011);
        assert_eq!(filter.visits(b"axe", &words, &masks), 0b101);
        assert_eq!(filter.visits(b"a", &words, &masks), 0b1);
        assert_eq!(filter.visits(b"abcdefghij", &words, &masks), 0b1_1011);
        assert_eq!(filter.visits(b"zzzzzzzzzz", &words, &masks), 0b1);
        let broken = PrefixFilter {
            any: 0,
            covers: 0,
            keys: (2, 9),
            coverings: 0,
        };
        assert_eq!(broken.visits(b"abcd", &words, &masks), u64::MAX);
    }

    /// M1, E1, E5: a hot list long enough for a [`super::PrefixFilter`] visits only the
    /// candidates whose relative ids a request's can match, and decides (statements, order)
    /// exactly as the reference.
    #[test]
    fn m1_e5_a_prefix_filtered_pool_decides_as_the_reference() {
        use crate::account::Account;

        let resources = [
            "acs:ecs:*:*:imagepipeline/ip-a1",
            "acs:ecs:cn-hangzhou:*:imagepipeline/ip-a*",
            "acs:ecs:*:*:imagepipeline/ip-b?",
            "acs:ecs:*:*:imagepipeline/ip-c*",
            "acs:ecs:*:*:imagepipeline/*",
            "*",
            "acs:ecs:*:*:*",
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-a1-long-name-beyond-kept",
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-a1-long-name-beyond-other",
            "acs:ecs:cn:imagepipeline/*",
            "acs:ecs:cn:1:imagepipeline/ip-a1:x",
            "acs:ecs:*:*:imagepipeline/IP-A1",
            "acs:ecs:*:*:imagepipeline/ip-a",
        ];
        let mut statements: Vec<String> = resources
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let effect = if i % 4 == 3 { "Deny" } else { "Allow" };
                format!(
                    r#"{{"Effect": "{effect}", "Action": "ecs:CancelImagePipelineExecution", "Resource": "{r}"}}"#
                )
            })
            .collect();
        statements.push(
            r#"{"Effect": "Allow", "Action": "ecs:*", "NotResource": "acs:ecs:*:*:imagepipeline/ip-a*"}"#
                .to_owned(),
        );
        let text = format!(
            r#"{{"account_id": "1234567890123456",
                "policies": {{"Many": {{"Version": "1", "Statement": [{}]}}}},
                "users": {{"u": {{"policies": ["Many"]}}}}}}"#,
            statements.join(",")
        );
        let account = Account::from_json(&text, None, None).expect("valid");
        let authorizer = Authorizer::compile(&account).expect("compiles");
        let pool = &authorizer.users[0].account_pool;
        assert!(pool.hot[0].filtered, "the test needs a filter");
        for id in [
            "ip-a1",
            "ip-a",
            "ip-a2",
            "ip-b1",
            "ip-bb1",
            "ip-c",
            "ip-cx",
            "IP-A1",
            "ip-a1-long-name-beyond-kept",
            "ip-a1-long-name-beyond-other",
            "ip-a1-long-name-beyond",
            "ip-a1:x",
            "x",
        ] {
            for region in ["cn-hangzhou", "cn"] {
                let arn = format!("acs:ecs:{region}:1234567890123456:imagepipeline/{id}");
                assert_decides_as_the_reference(&account, &authorizer, &arn, &[]);
            }
        }
    }

    /// M1, C1, E1, E5: in a filtered pool, candidates that cover every pipeline are decided by
    /// their conditions alone on a pipeline's ARN, and by their patterns on any other; either
    /// way in pool order among the others, exactly as the reference.
    #[test]
    fn m1_e5_covering_candidates_decide_as_the_reference() {
        use crate::account::Account;

        let resources = [
            "*",
            "acs:ecs:*:*:imagepipeline/ip-a*",
            "acs:ecs:*:*:imagepipeline/*",
            "acs:*:*:*:*",
            "acs:ecs:*:*:imagepipeline/ip-b*",
            "acs:ecs:cn-*:*:*",
            "acs:ecs:*:*:*",
        ];
        let conditions = [
            "",
            r#", "Condition": {"Bool": {"acs:SecureTransport": "true"}}"#,
            r#", "Condition": {"StringEquals": {"ecs:tag/team": "a"}}"#,
        ];
        let statements: Vec<String> = (0..21)
            .map(|i| {
                let effect = if i % 5 == 4 { "Deny" } else { "Allow" };
                let resource = resources[i % resources.len()];
                let condition = conditions[(i / 2) % conditions.len()];
                format!(
                    r#"{{"Effect": "{effect}", "Action": "ecs:CancelImagePipelineExecution", "Resource": "{resource}"{condition}}}"#
                )
            })
            .collect();
        let text = format!(
            r#"{{"account_id": "1234567890123456",
                "policies": {{"Many": {{"Version": "1", "Statement": [{}]}}}},
                "users": {{"u": {{"policies": ["Many"]}}}}}}"#,
            statements.join(",")
        );
        let account = Account::from_json(&text, None, None).expect("valid");
        let authorizer = Authorizer::compile(&account).expect("compiles");
        let hot = &authorizer.users[0].account_pool.hot[0];
        let filter = hot.filter().expect("the test needs a filter");
        assert_eq!(
            filter.covers.count_ones(),
            12,
            "the test needs covering candidates"
        );
        assert_eq!(
            filter.any.count_ones(),
            15,
            "and others that ask nothing of the id"
        );
        for arn in [
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-a1",
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-b1",
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/x",
            "acs:ecs:eu-central-1:1234567890123456:imagepipeline/ip-a1",
            "acs:ecs:cn-hangzhou:1234567890123456:instance/ip-a1",
            "acs:oss:cn-hangzhou:1234567890123456:imagepipeline/ip-a1",
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline",
        ] {
            for (secure, team) in [("true", "a"), ("false", "a"), ("true", "b"), ("false", "b")] {
                let context = [("acs:SecureTransport", secure), ("ecs:tag/team", team)];
                assert_decides_as_the_reference(&account, &authorizer, arn, &context);
            }
        }
    }

    /// E4.1: a control-policy level of `FullAliyunAccess` beside Denies is passed over without
    /// being evaluated when no Deny's resource matches (and evaluated in full when one does, or
    /// when a condition could fail); either way it decides as the reference.
    #[test]
    fn e4_1_a_level_that_allows_all_but_its_denies_decides_as_the_reference() {
        use crate::account::Account;

        let text = r#"{"account_id": "1234567890123456",
            "policies": {
                "OutsideChina": {"Version": "1", "Statement": [
                    {"Effect": "Deny", "Action": "*",
                     "Resource": ["acs:*:ap-*:*:*", "acs:*:us-*:*:*", "acs:*:eu-*:*:*"]},
                    {"Effect": "Deny", "Action": "ecs:*",
                     "Resource": "acs:ecs:*:*:imagepipeline/ip-frozen*"}]},
                "Insecure": {"Version": "1", "Statement": [
                    {"Effect": "Deny", "Action": "*", "Resource": "*",
                     "Condition": {"Bool": {"acs:SecureTransport": "false"}}}]},
                "Builds": {"Version": "1", "Statement": [
                    {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
                     "Resource": "*"}]}},
            "users": {"u": {"policies": ["Builds"]}},
            "resource_directory": {"path": [
                {"name": "Root", "control_policies": ["FullAliyunAccess", "Insecure"]},
                {"name": "fd-prod", "control_policies": ["FullAliyunAccess", "OutsideChina"]},
                {"name": "1234567890123456", "control_policies": ["FullAliyunAccess"]}]}}"#;
        let account = Account::from_json(text, None, None).expect("valid");
        let authorizer = Authorizer::compile(&account).expect("compiles");
        let levels = &authorizer.directory.as_ref().expect("a directory").levels;
        let passed_over: Vec<bool> = levels
            .iter()
            .map(|level| level.hot[0].allows_all == AllowsAll::UnlessDenied)
            .collect();
        assert_eq!(
            passed_over,
            [false, true, false],
            "Root's Deny has a condition, fd-prod's have none, the account's level has no Deny"
        );
        assert_eq!(levels[2].hot[0].allows_all, AllowsAll::Always);
        // fd-prod's level is passed over exactly when neither of its Denies matches.
        for (arn, passed) in [
            (
                "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
                true,
            ),
            (
                "acs:ecs:us-east-1:1234567890123456:imagepipeline/ip-1",
                false,
            ),
            (
                "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-frozen",
                false,
            ),
        ] {
            let request = super::super::AuthRequest::new("ecs:CancelImagePipelineExecution", arn)
                .expect("valid");
            let mut text = ResourceText::with_colons(
                request.resource(),
                request.resource_is_ascii(),
                request.resource_colons(),
            );
            let lookup = authorizer.catalog.lookup(&request);
            assert_eq!(
                levels[1].allows_without_deny(&authorizer.catalog, lookup, &mut text),
                passed,
                "{arn}"
            );
        }
        for arn in [
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
            "acs:ecs:ap-southeast-1:1234567890123456:imagepipeline/ip-1",
            "acs:ecs:eu-central-1:1234567890123456:imagepipeline/ip-1",
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-frozen-2",
            "acs:ecs:cn-hangzhou:1234567890123456:instance/i-1",
        ] {
            for secure in ["true", "false"] {
                let context = [("acs:SecureTransport", secure)];
                assert_decides_as_the_reference(&account, &authorizer, arn, &context);
            }
        }
    }

    /// Decides `arn` with `context` for `user/u` with the compiled authorizer and with the
    /// reference, and asserts the same decision, stage and deciding statements, in order.
    fn assert_decides_as_the_reference(
        account: &crate::account::Account,
        authorizer: &Authorizer,
        arn: &str,
        context: &[(&str, &str)],
    ) {
        let (fast, reference) =
            super::super::tests::both_outcomes(account, authorizer, "u", arn, context, None);
        assert!(fast.is_ok(), "{arn} {context:?}: {fast:?}");
        assert_eq!(fast, reference, "{arn} {context:?}");
    }

    /// E4.3, C7: a list with a Deny that has no condition and covers every image pipeline
    /// decides a pipeline by its Denies alone, without testing its Allows, unless one of its
    /// conditions could fail (then the reference's first error must still come first).
    #[test]
    fn e4_3_denies_first_decide_a_pipeline_as_the_reference() {
        use super::{DeniesFirst, Fallible};
        use crate::account::Account;
        use crate::condition::value::Instant;

        let text = r#"{"account_id": "1234567890123456",
            "policies": {
                "Denies": {"Version": "1", "Statement": [
                    {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
                     "Resource": "*", "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}},
                    {"Effect": "Allow", "Action": "ecs:*",
                     "Resource": "acs:ecs:*:*:imagepipeline/ip-a*",
                     "Condition": {"StringEquals": {"ecs:tag/team": "a"}}},
                    {"Effect": "Deny", "Action": "ecs:Cancel*",
                     "Resource": "acs:ecs:*:*:imagepipeline/*"},
                    {"Effect": "Deny", "Action": "ecs:*",
                     "Resource": "acs:ecs:*:*:imagepipeline/ip-a*",
                     "Condition": {"Bool": {"acs:SecureTransport": "false"}}},
                    {"Effect": "Allow", "Action": "*", "Resource": "*"}]},
                "Fallible": {"Version": "1", "Statement": [
                    {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
                     "Resource": "*", "Condition": {"NumericLessThan": {"ecs:tag/size": "10"}}},
                    {"Effect": "Deny", "Action": "ecs:CancelImagePipelineExecution",
                     "Resource": "*"}]},
                "Dated": {"Version": "1", "Statement": [
                    {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
                     "Resource": "*",
                     "Condition": {"DateLessThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"}}},
                    {"Effect": "Deny", "Action": "ecs:CancelImagePipelineExecution",
                     "Resource": "acs:ecs:*:*:imagepipeline/*"}]}},
            "users": {"u1": {"policies": ["Denies"]}, "u2": {"policies": ["Fallible"]},
                      "u3": {"policies": ["Dated"]}}}"#;
        let account = Account::from_json(text, None, None).expect("valid");
        let authorizer = Authorizer::compile(&account).expect("compiles");
        let denies_first = |user: usize| -> DeniesFirst {
            authorizer.users[user].account_pool.hot[0].denies_first
        };
        assert_eq!(
            (denies_first(0).count, denies_first(0).fallible),
            (2, Fallible::Never)
        );
        assert_eq!(denies_first(1).count, 0, "a condition that can fail");
        assert_eq!(
            (denies_first(2).count, denies_first(2).fallible),
            (1, Fallible::OutsideFourDigitYears)
        );

        let in_2026 = Instant::from_unix(1_767_225_600, 0);
        let past_9999 = Instant::from_unix(253_402_300_800 + 86_400, 0);
        let pipeline = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-a1";
        let check = |user: &str, arn: &str, context: &[(&str, &str)], now: Instant| {
            let (fast, reference) = super::super::tests::both_outcomes(
                &account,
                &authorizer,
                user,
                arn,
                context,
                Some(now),
            );
            assert_eq!(fast, reference, "{user} {arn} {context:?} {now}");
        };
        for arn in [
            pipeline,
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-b1",
            "acs:ecs:cn-hangzhou:1234567890123456:instance/i-1",
        ] {
            for (ip, secure, team) in [
                ("10.1.2.3", "true", "a"),
                ("10.1.2.3", "false", "a"),
                ("192.168.0.1", "false", "b"),
            ] {
                let context = [
                    ("acs:SourceIp", ip),
                    ("acs:SecureTransport", secure),
                    ("ecs:tag/team", team),
                ];
                check("u1", arn, &context, in_2026);
            }
            for size in ["5", "abc"] {
                check("u2", arn, &[("ecs:tag/size", size)], in_2026);
            }
            for now in [in_2026, past_9999] {
                check("u3", arn, &[], now);
            }
        }
        // The cases reach each way out: Denies alone, an error before them, the long way.
        let outcome = |user, context: &[(&str, &str)], now| {
            super::super::tests::both_outcomes(
                &account,
                &authorizer,
                user,
                pipeline,
                context,
                Some(now),
            )
            .1
        };
        let denied = outcome("u1", &[("acs:SecureTransport", "false")], in_2026);
        assert!(
            matches!(&denied, Ok((crate::decision::Decision::ExplicitDeny, _, d)) if d.len() == 2),
            "{denied:?}"
        );
        assert!(outcome("u2", &[("ecs:tag/size", "abc")], in_2026).is_err());
        assert!(outcome("u3", &[], past_9999).is_err());
    }

    /// E6: a candidate whose condition is not in the catalog (never made by compiling) is
    /// decided closed: a Deny applies, an Allow does not.
    #[test]
    fn e6_a_condition_missing_from_the_catalog_fails_closed() {
        use super::super::pattern::ResourceText;
        use super::super::{AuthRequest, StatementNumber};
        use super::{Candidate, DENY, NO_ANCHOR, NO_GRAM, NO_PATTERN, RESOURCE_ANY};

        let authorizer = account(&[("u1", &["A"])]);
        let catalog = &authorizer.catalog;
        let arn = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1";
        let request = AuthRequest::new("ecs:CancelImagePipelineExecution", arn).expect("valid");
        let missing = u32::try_from(catalog.conditions.len()).expect("small") + 7;
        let decide = |id: u32| {
            let candidate = Candidate {
                id,
                grams: NO_GRAM,
                anchors: [NO_ANCHOR; 2],
                condition: missing,
                patterns: [RESOURCE_ANY, NO_PATTERN],
            };
            let (mut denies, mut allows) = (Vec::<StatementNumber>::new(), Vec::new());
            let mut text = ResourceText::new(arn, true);
            candidate
                .apply(
                    catalog,
                    &request,
                    &mut text,
                    "",
                    0,
                    &mut denies,
                    &mut allows,
                )
                .expect("no clause to fail");
            (denies.len(), allows.len())
        };
        assert_eq!(decide(0), (0, 0), "an Allow does not apply");
        assert_eq!(decide(DENY), (1, 0), "a Deny applies");
    }
}
