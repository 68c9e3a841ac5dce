//! The per-request scratch: the request's resource with what testing patterns learns about it
//! (its colons, gram sets), and the memo of pattern and condition results, so that statements
//! sharing a pattern or a condition test it once per request.

use super::anchor::{AnchorProbe, NO_ANCHOR};
use super::gram::{GramPair, GramSet, NO_REQUIRED_GRAM, PLAIN};
#[cfg(test)]
use super::strategy::arn_colons;
use crate::authorizer::index::tuning::PIPELINE_RELATIVE;

/// How many condition results a request remembers (direct-mapped).
pub(crate) const MEMO: usize = 16;
/// How many pattern results a request remembers (direct-mapped; a power of two).
pub(crate) const PATTERN_MEMO: usize = 32;
/// An empty memo slot (no set or condition has this id: it is the "any" / "none" marker).
pub(crate) const MEMO_EMPTY: u32 = u32::MAX;

/// What deciding one request learns and keeps: the resource as the resource patterns test it
/// (the text, whether it is ASCII, its colons, its gram sets built on first use and shared by
/// every pattern the request meets), and the memo of the patterns and conditions already tested
/// for this request (statements share them), so that each is tested once.
#[derive(Debug, Clone)]
pub(crate) struct RequestScratch<'a> {
    pub(crate) text: &'a str,
    pub(super) ascii: bool,
    /// [`arn_colons`](super::strategy::arn_colons) of the text.
    pub(super) colons: Option<[u32; 4]>,
    pub(super) plain: Option<GramSet>,
    pub(super) extra: Option<GramSet>,
    /// `id << 1 | result` by slot, for patterns (by a hash of the id: ids are arena offsets)
    /// and for conditions (by `id % MEMO`).
    pub(super) patterns: [u32; PATTERN_MEMO],
    pub(super) conditions: [u32; MEMO],
    /// [`is_pipeline`](RequestScratch::is_pipeline), once asked.
    pub(super) pipeline: Option<bool>,
}

impl<'a> RequestScratch<'a> {
    /// The text of a resource; `ascii` must say whether it is ASCII.
    #[cfg(test)]
    pub(crate) fn new(text: &'a str, ascii: bool) -> RequestScratch<'a> {
        Self::with_colons(text, ascii, arn_colons(text))
    }

    /// A resource's text; `ascii` must say whether it is ASCII, and `colons` be
    /// [`arn_colons`](super::strategy::arn_colons) of it (a request has found both already).
    #[inline]
    pub(crate) fn with_colons(
        text: &'a str,
        ascii: bool,
        colons: Option<[u32; 4]>,
    ) -> RequestScratch<'a> {
        RequestScratch {
            text,
            ascii,
            colons,
            plain: None,
            extra: None,
            patterns: [MEMO_EMPTY; PATTERN_MEMO],
            conditions: [MEMO_EMPTY; MEMO],
            pipeline: None,
        }
    }

    /// The relative id (after the fourth colon) of a text with
    /// [`arn_colons`](super::strategy::arn_colons).
    #[inline]
    pub(crate) fn relative(&self) -> Option<&'a [u8]> {
        let [_, _, _, d] = self.colons?;
        self.text.as_bytes().get(d as usize + 1..)
    }

    /// Whether the text is an image pipeline's ARN as the hot action names one: ASCII, four
    /// colons, service `ecs`, relative id `imagepipeline/...` (see
    /// [`covers_every_pipeline`](crate::authorizer::index::tuning::covers_every_pipeline)).
    #[inline]
    pub(crate) fn is_pipeline(&mut self) -> bool {
        if let Some(known) = self.pipeline {
            return known;
        }
        let service = self
            .colons
            .and_then(|[a, b, _, _]| self.text.as_bytes().get(a as usize + 1..b as usize));
        let known = service == Some(b"ecs")
            && self
                .relative()
                .is_some_and(|relative| relative.starts_with(PIPELINE_RELATIVE));
        self.pipeline = Some(known);
        known
    }

    /// [`arn_colons`](super::strategy::arn_colons) of the text.
    #[cfg(test)]
    pub(crate) fn colons(&self) -> Option<[u32; 4]> {
        self.colons
    }

    /// Whether a gram set has been built for this text.
    #[inline]
    pub(crate) fn has_grams(&self) -> bool {
        self.plain.is_some() || self.extra.is_some()
    }

    /// Whether anchors can filter for this text (it has
    /// [`arn_colons`](super::strategy::arn_colons)).
    #[inline]
    pub(crate) fn has_colons(&self) -> bool {
        self.colons.is_some()
    }

    /// False only if no pattern with this anchor
    /// ([`PatternArena::anchor`](super::arena::PatternArena::anchor)) can match the
    /// text: its three bytes are not where the anchor says. Always true for [`NO_ANCHOR`] and
    /// for a text that is not ASCII with exactly four colons. Three byte loads, no set to
    /// build.
    #[inline]
    pub(crate) fn may_match_anchor(&self, anchor: u32) -> bool {
        self.colons.is_none() || anchor == NO_ANCHOR || self.probe().hit(anchor)
    }

    /// False only if a pattern with this anchor and required gram (`u16::MAX`: none) cannot
    /// match the text: its anchor, where the text has the colons to place it, and its gram,
    /// if the text's gram set is built (one pattern is not worth building it for).
    #[inline]
    pub(crate) fn may_match(&self, anchor: u32, gram: u16) -> bool {
        self.may_match_anchor(anchor) && (gram == NO_REQUIRED_GRAM || self.may_have_if_built(gram))
    }

    /// What testing anchors reads of the text, apart from the memos a candidate loop writes
    /// (so that the loop keeps it in registers).
    #[inline(always)]
    pub(crate) fn probe(&self) -> AnchorProbe<'a> {
        // Each field starts after its colon (no colons: anchors are not tested).
        let colons = self.colons.unwrap_or_default();
        AnchorProbe {
            bytes: self.text.as_bytes(),
            starts: colons.map(|at| at + 1),
        }
    }

    /// False only if the text cannot have the gram (a Bloom filter has no false negatives);
    /// always true for a text that is not ASCII.
    #[inline]
    pub(crate) fn may_have(&mut self, gram: u16) -> bool {
        if !self.ascii {
            return true;
        }
        let set = if gram >> 12 == PLAIN {
            match &self.plain {
                Some(set) => set,
                None => self.build_plain(),
            }
        } else {
            match &self.extra {
                Some(set) => set,
                None => self.build_extra(),
            }
        };
        set.has(gram & 0xfff)
    }

    #[cold]
    #[inline(never)]
    pub(super) fn build_plain(&mut self) -> &GramSet {
        // Filled where it lies: the set is half a kilobyte.
        let set = self.plain.insert(GramSet { bits: [0; 64] });
        set.fill_plain(self.text.as_bytes());
        set
    }

    #[cold]
    #[inline(never)]
    pub(super) fn build_extra(&mut self) -> &GramSet {
        self.extra.insert(GramSet::extra(self.text.as_bytes()))
    }

    /// [`may_have`](RequestScratch::may_have) when the gram's set is already built, else true
    /// (building it is not worth it for one pattern).
    #[inline]
    pub(crate) fn may_have_if_built(&self, gram: u16) -> bool {
        if !self.ascii {
            return true;
        }
        let set = if gram >> 12 == PLAIN {
            &self.plain
        } else {
            &self.extra
        };
        set.as_ref().is_none_or(|set| set.has(gram & 0xfff))
    }

    /// [`may_have_either`](RequestScratch::may_have_either) when the plain gram set is already
    /// built, else true (a second filter after an anchor, not worth building the set for).
    #[inline]
    pub(crate) fn may_have_either_if_built(&self, pair: GramPair) -> bool {
        let (a, b) = pair.grams();
        self.may_have_if_built(a) || self.may_have_if_built(b)
    }

    /// Whether the text may have either of the two grams of `pair`.
    #[inline]
    pub(crate) fn may_have_either(&mut self, pair: GramPair) -> bool {
        let (a, b) = pair.grams();
        if let (true, Some(set)) = ((a | b) >> 12 == PLAIN && self.ascii, &self.plain) {
            // Both plain grams and the set built (the common case): two bit tests.
            return set.has(a & 0xfff) || set.has(b & 0xfff);
        }
        self.may_have_either_slow(a, b)
    }

    #[inline(never)]
    pub(super) fn may_have_either_slow(&mut self, a: u16, b: u16) -> bool {
        self.may_have(a) || self.may_have(b)
    }

    /// Forgets the remembered results: ids are a catalog's, and another catalog (a session
    /// policy's) numbers its sets and conditions anew.
    #[inline]
    pub(crate) fn forget(&mut self) {
        self.patterns = [MEMO_EMPTY; PATTERN_MEMO];
        self.conditions = [MEMO_EMPTY; MEMO];
    }

    /// The remembered result of condition `id` for this request, if any.
    #[inline]
    pub(crate) fn condition_result(&self, id: u32) -> Option<bool> {
        recall(&self.conditions, id as usize % MEMO, id)
    }

    #[inline]
    pub(crate) fn remember_condition(&mut self, id: u32, result: bool) {
        store(&mut self.conditions, id as usize % MEMO, id, result);
    }
}

/// The memo slot of a pattern id (an arena offset, so not dense: hashed).
#[inline]
pub(crate) fn pattern_slot(id: u32) -> usize {
    (id.wrapping_mul(0x9e37_79b1) >> (32 - PATTERN_MEMO.trailing_zeros())) as usize
}

/// The remembered result of `id` in its memo slot, if that slot holds it.
#[inline]
pub(crate) fn recall(memo: &[u32], slot: usize, id: u32) -> Option<bool> {
    let held = *memo.get(slot)?;
    (held != MEMO_EMPTY && held >> 1 == id).then_some(held & 1 == 1)
}

#[inline]
pub(crate) fn store(memo: &mut [u32], slot: usize, id: u32, result: bool) {
    // Ids (condition numbers, arena offsets) are below 2^31 by the compiler's limits, so
    // `id << 1 | result` is never MEMO_EMPTY and keeps the whole id.
    if id < 1 << 31 {
        if let Some(held) = memo.get_mut(slot) {
            *held = id << 1 | u32::from(result);
        }
    }
}
