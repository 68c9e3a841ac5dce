//! Candidates: a statement whose action part matches, with what testing its resource part
//! reads (pattern ids, anchors, grams), and the loop that tests a list of them in order.

use super::catalog::Catalog;
use super::pool::{PoolError, Sink, FILTER_FROM};
use super::statement::{CompiledStatement, ResourceSet};
use super::tuning::{Covering, HotList};
use crate::authorizer::pattern::anchor::NO_ANCHOR;
use crate::authorizer::pattern::gram::NO_GRAM;
use crate::authorizer::pattern::ResourceText;
use crate::authorizer::request::AuthRequest;
use crate::authorizer::StatementNumber;
use crate::policy::Effect;

/// A resource set id that matches every resource (a `Resource` list with `*`).
pub(crate) const RESOURCE_ANY: u32 = u32::MAX;
/// A resource set id that matches no resource (no resource part, or `NotResource` with `*`).
pub(crate) const RESOURCE_NONE: u32 = u32::MAX - 1;
/// In a [`Candidate`]'s first pattern slot: the resource part matches every image pipeline's
/// ARN ([`covers_every_pipeline`]); the second slot says how to test any other resource.
pub(crate) const PIPELINES: u32 = u32::MAX - 2;
/// In a [`Candidate`]'s first pattern slot: the resource set id that follows (below
/// [`RESOURCE_NONE`], as [`Catalog::intern_resource`] makes sure), not a pattern id (those are
/// arena offsets below 2^31).
pub(crate) const SET_BIT: u32 = 1 << 31;
/// No pattern, in a [`Candidate`]'s second pattern slot.
pub(crate) const NO_PATTERN: u32 = u32::MAX;
/// "No condition" as a condition id.
pub(crate) const NO_CONDITION: u32 = u32::MAX;
/// The bit of a candidate's id that marks a Deny statement.
pub(crate) const DENY: u32 = 1 << 31;

impl CompiledStatement {
    /// M1, M2, M5 for the action part.
    #[inline]
    pub(crate) fn action_matches(&self, action: &str) -> bool {
        self.actions.iter().any(|p| p.is_match(action)) != self.action_negated
    }

    /// The candidate entry of this statement.
    pub(super) fn candidate(&self, id: u32, resources: &[ResourceSet]) -> Candidate {
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

/// A candidate of a resolved list: its action part is known to match. It carries its resource
/// patterns (one or two, the common case) so that testing it reads the pattern arena and
/// nothing in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Candidate {
    /// Statement id, with [`DENY`] for a Deny statement.
    pub(super) id: u32,
    pub(super) grams: u32,
    /// One anchor per pattern ([`ResourceSet::anchors`]), tested before the grams: three
    /// byte loads, and no gram set to build.
    pub(super) anchors: [u32; 2],
    pub(super) condition: u32,
    /// The resource part: its one or two pattern ids (the second may be [`NO_PATTERN`]); else
    /// [`RESOURCE_ANY`], [`RESOURCE_NONE`], or a resource set id with [`SET_BIT`], then
    /// [`NO_PATTERN`]. No field of its own: the candidate stays within 28 bytes.
    pub(super) patterns: [u32; 2],
}

impl Candidate {
    /// Whether its resource part matches every image pipeline's ARN, or every resource, with
    /// nothing to test ([`covers_every_pipeline`], `*`).
    pub(super) fn covers_every_pipeline(&self) -> bool {
        matches!(self.patterns[0], PIPELINES | RESOURCE_ANY)
    }

    /// The resource and condition tests of a candidate whose action matches; pushes it to
    /// `denies` or `allows` when it applies.
    #[inline(always)]
    #[expect(
        clippy::too_many_arguments,
        reason = "the hot path passes its parts apart rather than build a context struct"
    )]
    pub(super) fn apply<S: Sink>(
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
    pub(super) fn anchor_excludes(&self, catalog: &Catalog, text: &ResourceText<'_>) -> bool {
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
    pub(super) fn resource_matches(&self, catalog: &Catalog, text: &mut ResourceText<'_>) -> bool {
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
pub(crate) fn settle<S: Sink>(
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
#[expect(
    clippy::too_many_arguments,
    reason = "the hot path passes its parts apart rather than build a context struct"
)]
pub(crate) fn scan<'c, S: Sink>(
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
