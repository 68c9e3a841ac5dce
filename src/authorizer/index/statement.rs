//! Compiled statements and their resource parts: every statement's action patterns
//! pre-classified, its resource part interned as a [`ResourceSet`] shared by every statement
//! with the same one, its condition as an id into the catalog's conditions.

use super::refs::{ConditionRef, ResourcePart, ResourceTest};
use crate::authorizer::pattern::anchor::{anchor_bytes, anchor_is_plain, anchor_place, NO_ANCHOR};
use crate::authorizer::pattern::gram::{GramPair, NO_REQUIRED_GRAM};
use crate::authorizer::pattern::{ActionPattern, PatternArena, RequestScratch};
use crate::policy::Effect;

/// One statement, compiled.
#[derive(Debug, Clone)]
pub(crate) struct CompiledStatement {
    pub(crate) policy: u32,
    pub(crate) index: u32,
    pub(crate) effect: Effect,
    pub(super) action_negated: bool,
    pub(super) actions: Box<[ActionPattern]>,
    pub(super) resource: ResourcePart,
    pub(super) condition: ConditionRef,
}

impl CompiledStatement {
    /// Its condition's id in the catalog's conditions (`u32::MAX`, an id no catalog has, for
    /// no condition).
    pub(crate) fn condition(&self) -> u32 {
        self.condition.raw()
    }
}

/// A resource part, compiled (M1, M3, M5): shared by every statement with the same one.
#[derive(Debug, Clone)]
pub(crate) struct ResourceSet {
    pub(super) negated: bool,
    /// Not negated, and one of its patterns matches every image pipeline
    /// ([`covers_every_pipeline`](super::tuning::covers_every_pipeline)).
    pub(super) covers_pipelines: bool,
    /// Its patterns, each with what rules it out cheaply; one slice, read in one pass.
    pub(super) patterns: Box<[SetPattern]>,
    /// The place of its patterns' anchors when they are all plain and share one (`ap-`, `us-`,
    /// `eu-` at the start of the region): one read of the text then rules them all in or out.
    /// Else [`NO_ANCHOR`].
    pub(super) shared_place: u32,
    /// What its patterns ask of a relative id
    /// ([`relative_prefix`](super::tuning::relative_prefix)), as the
    /// [`key_word`](super::tuning::key_word) of
    /// each prefix: a text with four colons matches only if its relative id starts with one of
    /// them. `None` when some pattern asks nothing (or the set is negated). Compile time only.
    pub(super) relative_prefixes: Option<Box<[u32]>>,
}

/// The one place of several patterns' plain anchors ([`ResourceSet::shared_place`]).
pub(crate) fn shared_place(patterns: &[SetPattern]) -> u32 {
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
pub(crate) struct SetPattern {
    /// Its id in [`Catalog::patterns`](super::catalog::Catalog::patterns).
    pub(super) id: u32,
    /// Its anchor ([`PatternArena::anchor`]), [`NO_ANCHOR`] for none.
    pub(super) anchor: u32,
    /// Its required gram ([`PatternArena::required_gram`]), `u16::MAX` for none.
    pub(super) gram: u16,
}

impl ResourceSet {
    /// Whether the resource matches; a pattern whose anchor is not in the text, or whose
    /// required gram the text's (already built) gram set lacks, cannot match it and is not
    /// read.
    #[inline]
    pub(super) fn is_match(&self, arena: &PatternArena, text: &mut RequestScratch<'_>) -> bool {
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
    pub(super) fn misses_shared_anchor(&self, text: &RequestScratch<'_>) -> bool {
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
    pub(super) fn anchors(&self) -> [u32; 2] {
        match (self.negated, &*self.patterns) {
            (false, [a]) => [a.anchor, a.anchor],
            (false, [a, b]) if a.anchor != NO_ANCHOR && b.anchor != NO_ANCHOR => {
                [a.anchor, b.anchor]
            }
            _ => [NO_ANCHOR; 2],
        }
    }

    /// Two gram requirements (one per pattern, at most two patterns), one of which every
    /// resource it matches meets; [`GramPair::NONE`] when there is no such condition.
    pub(super) fn grams(&self) -> GramPair {
        if self.negated || self.patterns.is_empty() || self.patterns.len() > 2 {
            return GramPair::NONE;
        }
        let mut bits = [0u16; 2];
        for (slot, pattern) in bits.iter_mut().zip(self.patterns.iter().cycle()) {
            if pattern.gram == NO_REQUIRED_GRAM {
                return GramPair::NONE;
            }
            *slot = pattern.gram;
        }
        GramPair::new(bits[0], bits[1])
    }

    /// The set's patterns, when a candidate can carry them itself: not negated, one or two.
    pub(super) fn inline_patterns(&self) -> Option<ResourceTest> {
        match (self.negated, &*self.patterns) {
            (false, [p]) => Some(ResourceTest::Pattern(p.id)),
            (false, [p, q]) => Some(ResourceTest::Patterns(p.id, q.id)),
            _ => None,
        }
    }
}
