//! Candidates: a statement whose action part matches, with what testing its resource part
//! reads (pattern ids, anchors, grams), and the loop that tests a list of them in order.

use super::catalog::Catalog;
use super::pool::{PoolError, Sink};
use super::refs::{ConditionRef, ResourcePart, ResourceRef, ResourceTest, Tagged};
use super::statement::{CompiledStatement, ResourceSet};
use crate::authorizer::pattern::anchor::NO_ANCHOR;
use crate::authorizer::pattern::gram::GramPair;
use crate::authorizer::pattern::RequestScratch;
use crate::authorizer::request::AuthRequest;
use crate::authorizer::StatementNumber;

impl CompiledStatement {
    /// M1, M2, M5 for the action part.
    #[inline]
    pub(crate) fn action_matches(&self, action: &str) -> bool {
        self.actions.iter().any(|p| p.is_match(action)) != self.action_negated
    }

    /// The candidate entry of this statement.
    pub(super) fn candidate(&self, id: u32, resources: &[ResourceSet]) -> Candidate {
        let id = Tagged::new(id, self.effect);
        let (set_id, set) = match self.resource {
            ResourcePart::Set(s) => (s, resources.get(s as usize)),
            ResourcePart::Any | ResourcePart::Nothing => (0, None),
        };
        if let Some(set) = set.filter(|set| set.covers_pipelines) {
            // Nothing to filter on or match for a pipeline; any other resource is tested by
            // its one pattern or by the set.
            let other = match set.inline_patterns() {
                Some(ResourceTest::Pattern(p)) => ResourceTest::PipelinesOrPattern(p),
                _ => ResourceTest::PipelinesOrSet(set_id),
            };
            return Candidate {
                id,
                grams: GramPair::NONE,
                anchors: [NO_ANCHOR; 2],
                condition: self.condition,
                resource: ResourceRef::new(other),
            };
        }
        let test = match (self.resource, set.and_then(ResourceSet::inline_patterns)) {
            (_, Some(inline)) => inline,
            (ResourcePart::Set(s), None) => ResourceTest::Set(s),
            (ResourcePart::Any, None) => ResourceTest::Any,
            (ResourcePart::Nothing, None) => ResourceTest::Nothing,
        };
        Candidate {
            id,
            grams: set.map_or(GramPair::NONE, ResourceSet::grams),
            anchors: set.map_or([NO_ANCHOR; 2], ResourceSet::anchors),
            condition: self.condition,
            resource: ResourceRef::new(test),
        }
    }
}

/// A candidate of a resolved list: its action part is known to match. It carries its resource
/// patterns (one or two, the common case) so that testing it reads the pattern arena and
/// nothing in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Candidate {
    pub(super) id: Tagged,
    pub(super) grams: GramPair,
    /// One anchor per pattern ([`ResourceSet::anchors`]), tested before the grams: three
    /// byte loads, and no gram set to build.
    pub(super) anchors: [u32; 2],
    pub(super) condition: ConditionRef,
    /// How its resource part is tested: most often by its one or two patterns, carried here.
    pub(super) resource: ResourceRef,
}

const _: () = assert!(
    std::mem::size_of::<Candidate>() == 28,
    "a candidate stays within 28 bytes"
);

impl Candidate {
    /// Whether its resource part matches every image pipeline's ARN, or every resource, with
    /// nothing to test ([`covers_every_pipeline`](super::tuning::covers_every_pipeline), `*`).
    pub(super) fn covers_every_pipeline(&self) -> bool {
        self.resource.covers_every_pipeline()
    }

    /// The resource and condition tests of a candidate whose action matches; pushes it to
    /// `denies` or `allows` when it applies.
    #[inline(always)]
    pub(super) fn apply<S: Sink>(self, eval: &mut Evaluation<'_, '_, S>) -> Result<(), PoolError> {
        if !self.resource_matches(eval.catalog, eval.scratch) {
            return Ok(());
        }
        eval.settle(self.id, self.condition)
    }

    /// Whether the shared anchor of its resource set (see [`ResourceSet::shared_place`]) is
    /// missing from the text, so that its resource part cannot match: the test a control
    /// policy's region Denies (`acs:*:ap-*:*:*`, ...) fail on most requests, without the call
    /// to [`ResourceSet::is_match`]. `false` when it cannot tell.
    #[inline(always)]
    pub(super) fn anchor_excludes(&self, catalog: &Catalog, text: &RequestScratch<'_>) -> bool {
        let Some(set) = self.resource.set() else {
            return false;
        };
        catalog
            .resources
            .get(set as usize)
            .is_some_and(|set| !set.negated && set.misses_shared_anchor(text))
    }

    /// Whether its resource part matches the text (M1, M3, M5).
    #[inline(always)]
    pub(super) fn resource_matches(
        &self,
        catalog: &Catalog,
        text: &mut RequestScratch<'_>,
    ) -> bool {
        let set_matches = |set: u32, text: &mut RequestScratch<'_>| {
            catalog
                .resources
                .get(set as usize)
                .is_some_and(|set| set.is_match(&catalog.patterns, text))
        };
        let arena = &catalog.patterns;
        match self.resource.test() {
            ResourceTest::Any => true,
            ResourceTest::Nothing => false,
            ResourceTest::PipelinesOrPattern(p) => text.is_pipeline() || arena.is_match(p, text),
            ResourceTest::PipelinesOrSet(s) => text.is_pipeline() || set_matches(s, text),
            ResourceTest::Pattern(p) => arena.is_match(p, text),
            ResourceTest::Patterns(p, q) => arena.is_match(p, text) || arena.is_match(q, text),
            ResourceTest::Set(s) => set_matches(s, text),
        }
    }
}

/// Everything testing a pool's candidates for one request reads and writes: the catalog the
/// pool is of, the request and its scratch, the principal, and where applying statements go.
pub(crate) struct Evaluation<'e, 't, S> {
    pub(crate) catalog: &'e Catalog,
    pub(crate) request: &'e AuthRequest<'e>,
    pub(crate) scratch: &'e mut RequestScratch<'t>,
    /// The principal's ARN, which conditions may compare (C5).
    pub(crate) principal_arn: &'e str,
    /// Added to every statement number pushed (`SESSION_BIT` for a session policy's).
    pub(crate) tag: u32,
    pub(crate) denies: &'e mut S,
    pub(crate) allows: &'e mut S,
}

impl<S: Sink> Evaluation<'_, '_, S> {
    /// What a candidate whose resource part matched does: unless its condition is not met,
    /// it goes to `denies` or `allows`.
    #[inline(always)]
    pub(super) fn settle(&mut self, id: Tagged, condition: ConditionRef) -> Result<(), PoolError> {
        if let Some(c) = condition.get() {
            // A condition's result depends only on the request and the principal, the same
            // for every statement of this request; an error is never remembered.
            let met = match self.scratch.condition_result(c) {
                Some(known) => known,
                None => match self.catalog.conditions.get(c as usize) {
                    Some(condition) => match condition.is_met(self.request, self.principal_arn) {
                        Ok(met) => {
                            self.scratch.remember_condition(c, met);
                            met
                        }
                        Err(error) => {
                            return Err(PoolError {
                                statement: id.statement(),
                                error,
                            })
                        }
                    },
                    // Ids come from this catalog; a broken one fails closed: a Deny
                    // applies, an Allow does not.
                    None => id.is_deny(),
                },
            };
            if !met {
                return Ok(());
            }
        }
        let sid = StatementNumber(id.statement() | self.tag);
        if id.is_deny() {
            self.denies.push(sid);
        } else {
            self.allows.push(sid);
        }
        Ok(())
    }
}
