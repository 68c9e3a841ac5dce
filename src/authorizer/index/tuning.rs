//! Workload tuning, fenced: every optimisation here is specific to
//! `ecs:CancelImagePipelineExecution` (the action a gateway authorizes on every call) or to the
//! shape of the workloads measured (long lists of pipeline ARNs, control policies with Denies).
//! None of it changes an answer; [`Tuning::None`] compiles without any of it, and the
//! differential test checks both against the reference.

use super::candidate::*;
use super::catalog::{to_u32, Catalog, InternedRuns, Lookup};
use super::pool::{prefetch, Pool, PoolError, Sink, FILTER_FROM};
use super::refs::{ConditionRef, Tagged};
use crate::authorizer::condition::{CompiledCondition, Fallible};
use crate::authorizer::pattern::anchor::NO_ANCHOR;
use crate::authorizer::pattern::strategy::{arn_fields, piece_eq, FIELDS};
use crate::authorizer::pattern::text::{fx_words, mix};
use crate::authorizer::pattern::RequestScratch;
use crate::authorizer::CompileError;
use crate::matching::wildcard_match;

/// Whether a catalog is compiled with the workload tuning of this module: the answers are the
/// same either way (decision, stage, deciding statements, errors); only the work differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Tuning {
    /// Hot lists for `ecs:CancelImagePipelineExecution`, the pipelines shortcut, denies-first
    /// lists, prefix filters and warming: what the gateway and the benchmarks are tuned for.
    #[default]
    Workload,
    /// None of it: every action goes through the pools' general index lists.
    None,
}

/// The actions every pool keeps a resolved candidate list for (see [`Pool`]): the one a gateway
/// authorizes on every call.
pub(crate) const HOT_ACTIONS: [&str; HOT] = [crate::decision::CANCEL_IMAGE_PIPELINE_EXECUTION];
/// How many hot actions there are.
pub(crate) const HOT: usize = 1;

impl Catalog {
    /// Copies a pool's runs of candidates into `pooled`, once however many pools have them;
    /// their range there, and the copy's [`PrefixFilter`].
    pub(super) fn intern_runs(
        &mut self,
        runs: Vec<(u32, u32)>,
    ) -> Result<InternedRuns, CompileError> {
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
    pub(super) fn denies_first(&mut self, range: (u32, u32)) -> DeniesFirst {
        let list = self
            .pooled
            .get(range.0 as usize..range.1 as usize)
            .unwrap_or_default();
        let decisive = list
            .iter()
            .any(|c| c.id.is_deny() && !c.condition.is_set() && c.covers_every_pipeline());
        if !decisive {
            return DeniesFirst::default();
        }
        let fallible = list
            .iter()
            .filter_map(|c| c.condition.get())
            .map(|c| {
                self.conditions
                    .get(c as usize)
                    .map_or(Fallible::Maybe, CompiledCondition::fallible)
            })
            .max()
            .unwrap_or(Fallible::Never);
        let denies: Vec<Candidate> = list.iter().filter(|c| c.id.is_deny()).copied().collect();
        match u8::try_from(denies.len()) {
            Ok(count) if fallible != Fallible::Maybe => {
                self.pooled.extend_from_slice(&denies);
                DeniesFirst { count, fallible }
            }
            _ => DeniesFirst::default(),
        }
    }

    /// The [`PrefixFilter`] of a new copy in `pooled`; `None` when it would not filter.
    pub(super) fn prefix_filter(
        &mut self,
        range: (u32, u32),
    ) -> Result<Option<PrefixFilter>, CompileError> {
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
                        .get(candidate.id.statement() as usize)
                        .and_then(|s| self.resource_set(s))
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
}

/// The action of a hot list that has none (a catalog without the tuning, or a pool built
/// before the hot actions were named): no action id, so no lookup finds the list. Not an
/// `Option`: that would take the list past the 48 bytes asserted below.
pub(crate) const NO_ACTION: u32 = u32::MAX;

/// A pool's candidates for one hot action: a range of [`Catalog::pooled`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct HotList {
    /// The action's id in [`Catalog::actions`].
    pub(super) action: u32,
    pub(super) candidates: (u32, u32),
    /// Its copy's [`PrefixFilter`], if it has one. A copy of the catalog's, here: the first
    /// thing a request reads of a long list, it then sits in the principal's line (see
    /// `CompiledPrincipal`), and its words can be fetched without waiting for another.
    pub(super) prefix_filter: PrefixFilter,
    pub(super) filtered: bool,
    /// Whether the pool allows every request for the action, without a condition to fail (C7).
    pub(super) allows_all: AllowsAll,
    /// Whether its Denies alone decide a request on an image pipeline.
    pub(super) denies_first: DeniesFirst,
}

impl Default for HotList {
    fn default() -> HotList {
        HotList {
            action: NO_ACTION,
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
pub(crate) enum AllowsAll {
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
pub(crate) struct DeniesFirst {
    /// 0: the list has no such Deny, a condition that may fail, or more than 255 Denies.
    pub(super) count: u8,
    /// Its most fallible condition's [`Fallible`] (never [`Fallible::Maybe`]).
    pub(super) fallible: Fallible,
}

// A principal's line holds its ARN and its account pool's hot list (see `CompiledPrincipal`).
const _: () = assert!(
    std::mem::size_of::<HotList>() <= 48,
    "a hot list fits a cache line beside a principal's ARN"
);

impl HotList {
    /// Its prefix filter, if the list has one.
    #[inline(always)]
    pub(super) fn filter(&self) -> Option<&PrefixFilter> {
        self.filtered.then_some(&self.prefix_filter)
    }
}

/// Which candidates of a hot list (bit `i` for the `i`-th; at most 64) an ARN with four colons
/// can match, by its relative id: those whose patterns ask nothing of it, and those with a
/// prefix ([`relative_prefix`]) it starts with. A request visits only those, in order; a hash
/// that collides only adds a visit.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PrefixFilter {
    /// The candidates that any relative id may match.
    pub(super) any: u64,
    /// Those of them whose resource part matches every image pipeline
    /// ([`covers_every_pipeline`]) or every resource.
    pub(super) covers: u64,
    /// Its range of [`Catalog::prefix_words`] and [`Catalog::prefix_masks`].
    pub(super) keys: (u32, u32),
    /// Where its [`Covering`] candidates start in [`Catalog::coverings`], one per bit of
    /// `covers`.
    pub(super) coverings: u32,
}

/// What a request for an image pipeline reads of a candidate that covers every pipeline: its
/// resource part is known to match, so only its condition is left. Kept apart from the
/// candidates, eight bytes each, because most candidates a request visits are these.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Covering {
    pub(super) id: Tagged,
    pub(super) condition: ConditionRef,
}

/// How much of a relative-id prefix a [`PrefixFilter`] keys on: a longer one tells few more
/// candidates apart, and every length is a hash per request.
pub(crate) const PREFIX_KEPT: usize = 24;

/// The shortest list worth a [`PrefixFilter`]: a shorter one costs less to scan than to hash
/// the request's relative id.
pub(crate) const PREFIX_FILTER_FROM: usize = 12;

/// The bits of a [`key_word`] that hold the prefix's length.
pub(crate) const KEY_LEN: u32 = 0x1f;
const _: () = assert!(
    PREFIX_KEPT <= KEY_LEN as usize,
    "a kept prefix's length fits its bits"
);

/// A prefix as a [`PrefixFilter`] keeps it: 27 bits of its hash and its length (at most
/// [`PREFIX_KEPT`]) in one word, so that a filter's keys sit side by side. Two prefixes of
/// one word only add visits.
#[inline]
pub(crate) fn key_word(hash: u64, len: u32) -> u32 {
    ((hash >> 32) as u32 & !KEY_LEN) | (len & KEY_LEN)
}

impl PrefixFilter {
    /// The candidates a text with this relative id can match.
    #[inline]
    pub(super) fn visits(&self, relative: &[u8], words: &[u32], masks: &[u64]) -> u64 {
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

impl Pool {
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
        text: &mut RequestScratch<'_>,
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
            .filter(|c| c.id.is_deny())
            .all(|c| c.anchor_excludes(catalog, text) || !c.resource_matches(catalog, text))
    }
}

/// The hot loop: a pool's resolved candidates, action already known to match, in pool order;
/// on an ARN with four colons, only those its [`PrefixFilter`] keeps.
#[inline]
pub(crate) fn evaluate_resolved<S: Sink>(
    hot: &HotList,
    eval: &mut Evaluation<'_, '_, S>,
) -> Result<(), PoolError> {
    let catalog = eval.catalog;
    let DeniesFirst { count, fallible } = hot.denies_first;
    if count != 0 && eval.scratch.is_pipeline() && fallible.cannot_fail(eval.request) {
        let start = hot.candidates.1 as usize;
        let list = catalog
            .pooled
            .get(start..start + usize::from(count))
            .unwrap_or_default();
        let before = eval.denies.count();
        scan(hot, list.iter().map(Visit::Full), eval)?;
        if eval.denies.count() > before {
            return Ok(());
        }
        // Never, with a Deny that covers every pipeline among them: decide the long way.
    }
    let list = catalog
        .pooled
        .get(hot.candidates.0 as usize..hot.candidates.1 as usize)
        .unwrap_or_default();
    if hot.filtered && eval.scratch.has_colons() {
        return scan_filtered(hot, list, eval);
    }
    scan(hot, list.iter().map(Visit::Full), eval)
}

/// [`scan`] of the candidates a [`PrefixFilter`] keeps for the text's relative id. Apart, so
/// that short lists (Small's, the control policies') keep the plain loop as it was.
#[inline(never)]
pub(crate) fn scan_filtered<S: Sink>(
    hot: &HotList,
    list: &[Candidate],
    eval: &mut Evaluation<'_, '_, S>,
) -> Result<(), PoolError> {
    let (catalog, text) = (eval.catalog, &mut *eval.scratch);
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
    scan(hot, kept, eval)
}

/// A candidate as [`scan`] visits it.
#[derive(Clone, Copy)]
pub(crate) enum Visit<'c> {
    Full(&'c Candidate),
    /// A candidate that covers every pipeline, for a request on a pipeline.
    Covering(Covering),
}

/// Tests candidates in order: their anchors or grams first, then [`Candidate::apply`]; a
/// [`Visit::Covering`] goes straight to its condition.
#[inline(always)]
pub(crate) fn scan<'c, S: Sink>(
    hot: &HotList,
    candidates: impl Iterator<Item = Visit<'c>>,
    eval: &mut Evaluation<'_, '_, S>,
) -> Result<(), PoolError> {
    let filter = hot.candidates.1.saturating_sub(hot.candidates.0) as usize >= FILTER_FROM;
    let anchored = eval.scratch.has_colons();
    // Built by an unanchored candidate of an earlier pool, if at all.
    let grams_built = eval.scratch.has_grams();
    let probe = eval.scratch.probe();
    for visit in candidates {
        let candidate = match visit {
            Visit::Full(candidate) => candidate,
            Visit::Covering(c) => {
                eval.settle(c.id, c.condition)?;
                continue;
            }
        };
        if anchored && candidate.anchors[0] != NO_ANCHOR {
            // A weak anchor (`imagepipeline/*`) lets many through: the grams filter them too,
            // if the set is built.
            if !probe.hits_either(candidate.anchors)
                || (grams_built
                    && candidate.grams.is_set()
                    && !eval.scratch.may_have_either_if_built(candidate.grams))
            {
                continue;
            }
        } else if filter
            && candidate.grams.is_set()
            && !eval.scratch.may_have_either(candidate.grams)
        {
            continue;
        }
        candidate.apply(eval)?;
    }
    Ok(())
}

/// The set bits of a word, lowest first.
pub(crate) struct Bits(u64);

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

/// What a pattern asks of the relative id of a text with four colons (see
/// [`arn_colons`](crate::authorizer::pattern::strategy::arn_colons)):
/// `Some(prefix)` when a text can match only if its relative id starts with `prefix` (the
/// pattern's own relative id up to its first wildcard; a pattern with more than four colons
/// matches no such text, and says so with a prefix no relative id has); `None` when it asks
/// nothing (fewer colons, or a relative id that starts with a wildcard).
///
/// On such a text, a pattern with four colons has them matched by the text's four (a `*` or
/// `?` taking one would leave too few), so the fields line up.
pub(crate) fn relative_prefix(pattern: &str) -> Option<&[u8]> {
    let bytes = pattern.as_bytes();
    let Some([.., relative]) = arn_fields(bytes) else {
        // Matches no text with four colons if it has more: the colon is a byte no relative id
        // of one has.
        let more = bytes.iter().filter(|&&b| b == b':').count() > FIELDS - 1;
        return more.then_some(b":");
    };
    let literal = relative
        .iter()
        .position(|&b| b == b'*' || b == b'?')
        .map_or(relative, |at| relative.get(..at).unwrap_or_default());
    (!literal.is_empty()).then_some(literal)
}

/// A hash of a relative id's first bytes, as [`relative_prefix`] gives them (FxHash-style).
#[inline]
pub(crate) fn prefix_hash(bytes: &[u8]) -> u64 {
    mix(fx_words(bytes.len() as u64, bytes, |word| word))
}

/// What the relative id of an image pipeline's ARN begins with.
pub(crate) const PIPELINE_RELATIVE: &[u8] = b"imagepipeline/";

/// Whether `pattern` matches every text [`RequestScratch::is_pipeline`] accepts
/// (`acs:ecs:<region>:<account>:imagepipeline/<id>`, none of the parts with a colon, M1, M4):
/// a literal start of `acs:ecs:` then only stars, or four colons with fields that match `acs`
/// and `ecs`, a region and an account of stars, and a relative id that is a literal start of
/// `imagepipeline/` then only stars (`?` standing for any one byte). A pattern this misses is
/// tested as any other.
pub(crate) fn covers_every_pipeline(pattern: &str) -> bool {
    // A literal (with `?`) that every text of the class starts with, then stars.
    let starts = |literal: &[u8], with: &[u8]| {
        with.get(..literal.len())
            .is_some_and(|head| piece_eq(literal, head, true))
    };
    let head_then_stars = |field: &[u8], with: &[u8]| {
        let head = field.iter().position(|&b| b == b'*');
        head.is_some_and(|at| {
            field
                .get(at..)
                .is_some_and(|rest| rest.iter().all(|&b| b == b'*'))
                && field.get(..at).is_some_and(|literal| starts(literal, with))
        })
    };
    let bytes = pattern.as_bytes();
    if head_then_stars(bytes, b"acs:ecs:") {
        return true;
    }
    let Some([scheme, service, region, account, relative]) = arn_fields(bytes) else {
        return false;
    };
    let stars = |field: &[u8]| !field.is_empty() && field.iter().all(|&b| b == b'*');
    let matches = |field: &[u8], text: &str| {
        std::str::from_utf8(field).is_ok_and(|field| wildcard_match(field, text))
    };
    matches(scheme, "acs")
        && matches(service, "ecs")
        && stars(region)
        && stars(account)
        && head_then_stars(relative, PIPELINE_RELATIVE)
}
