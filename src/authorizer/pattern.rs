//! Pre-classified `Action` and `Resource` patterns, and the case-folding hash table that maps
//! exact action names and service codes to dense ids.
//!
//! Like globset's `GlobSetMatchStrategy`, the strategy is chosen once, when compiling: a pattern
//! without wildcards compares for equality, `abc*` is a prefix test, `*` matches anything, and
//! everything else goes to the general matcher of [`crate::matching`], whose semantics are the
//! reference (M1–M3). Nothing here allocates when matching.

use crate::matching::{has_wildcard, wildcard_match, wildcard_match_ignore_case};

/// An `Action`/`NotAction` pattern, case-insensitive (M2).
#[derive(Debug, Clone)]
pub(crate) enum ActionPattern {
    /// `*`.
    Any,
    /// No wildcard: equal ignoring ASCII case.
    Exact(Box<str>),
    /// `literal*` (no other wildcard): the action starts with the literal, ignoring ASCII case.
    Prefix(Box<str>),
    /// Anything else: the general matcher.
    General(Box<str>),
}

impl ActionPattern {
    pub(crate) fn new(pattern: &str) -> ActionPattern {
        classify(
            pattern,
            ActionPattern::Any,
            ActionPattern::Exact,
            ActionPattern::Prefix,
            ActionPattern::General,
        )
    }

    /// Whether the request action matches (M1, M2).
    #[inline]
    pub(crate) fn is_match(&self, action: &str) -> bool {
        match self {
            ActionPattern::Any => true,
            ActionPattern::Exact(p) => p.eq_ignore_ascii_case(action),
            ActionPattern::Prefix(p) => action
                .as_bytes()
                .get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p.as_bytes())),
            ActionPattern::General(p) => wildcard_match_ignore_case(p, action),
        }
    }
}

/// A `Resource`/`NotResource` pattern, case-sensitive (M3).
#[derive(Debug, Clone)]
pub(crate) enum ResourcePattern {
    /// `*`.
    Any,
    /// No wildcard: equal.
    Exact(Box<str>),
    /// `literal*` (no other wildcard).
    Prefix(Box<str>),
    /// Anything else: the general matcher, behind a 4-gram filter.
    General(Box<str>, GramFilter),
}

impl ResourcePattern {
    pub(crate) fn new(pattern: &str) -> ResourcePattern {
        classify(
            pattern,
            ResourcePattern::Any,
            ResourcePattern::Exact,
            ResourcePattern::Prefix,
            |p| {
                let filter = GramFilter::new(&p);
                ResourcePattern::General(p, filter)
            },
        )
    }

    /// Whether the request resource matches (M1, M3). `grams` is the resource's 4-gram set,
    /// built on first use and shared by every pattern of the request.
    #[inline]
    pub(crate) fn is_match(&self, resource: &str, grams: &mut Option<Grams>) -> bool {
        match self {
            ResourcePattern::Any => true,
            ResourcePattern::Exact(p) => **p == *resource,
            ResourcePattern::Prefix(p) => resource.starts_with(&**p),
            ResourcePattern::General(p, filter) => {
                filter.may_match(grams.get_or_insert_with(|| Grams::of(resource)))
                    && wildcard_match(p, resource)
            }
        }
    }
}

/// "No gram filter" in an index entry.
pub(crate) const NO_GRAM: u32 = u32::MAX;

/// The last 4-gram of the longest literal run (no `*`, no `?`) of a pattern: every text the
/// pattern matches contains that run, hence that gram.
fn last_gram_of_longest_run(pattern: &str) -> Option<u16> {
    let run = pattern
        .split(['*', '?'])
        .max_by_key(|run| run.len())
        .unwrap_or_default()
        .as_bytes();
    let gram = run.get(run.len().checked_sub(4)?..)?;
    u16::try_from(gram_bit(gram)).ok()
}

impl ResourcePattern {
    /// The gram bit every matching text has, if the pattern has a literal run of four bytes.
    pub(crate) fn required_gram(&self) -> Option<u16> {
        match self {
            ResourcePattern::Any => None,
            ResourcePattern::Exact(p)
            | ResourcePattern::Prefix(p)
            | ResourcePattern::General(p, _) => last_gram_of_longest_run(p),
        }
    }
}

/// The 4-byte substrings of a request resource, as a 4096-bit Bloom filter (one hash).
#[derive(Debug, Clone)]
pub(crate) struct Grams {
    bits: [u64; 64],
}

#[inline]
fn gram_bit(gram: &[u8]) -> usize {
    let mut word = [0u8; 4];
    for (dst, src) in word.iter_mut().zip(gram) {
        *dst = *src;
    }
    (u32::from_le_bytes(word).wrapping_mul(0x9e37_79b1) >> 20) as usize
}

impl Grams {
    #[inline]
    pub(crate) fn of(text: &str) -> Grams {
        let mut bits = [0u64; 64];
        for gram in text.as_bytes().windows(4) {
            let bit = gram_bit(gram);
            if let Some(word) = bits.get_mut(bit / 64) {
                *word |= 1 << (bit % 64);
            }
        }
        Grams { bits }
    }

    /// Whether either of the two 16-bit gram bits packed in `pair` is set.
    #[inline]
    pub(crate) fn has_either(&self, pair: u32) -> bool {
        self.has((pair >> 16) as usize) || self.has((pair & 0xffff) as usize)
    }

    #[inline]
    fn has(&self, bit: usize) -> bool {
        self.bits
            .get(bit / 64)
            .is_some_and(|w| w & (1 << (bit % 64)) != 0)
    }
}

/// A necessary condition for a general pattern to match: every run of at least four literal
/// characters (no `*`, no `?`) must appear verbatim in the text, so its first and last 4-grams
/// must be in the text's [`Grams`]. A Bloom filter has no false negatives, so the filter never
/// rejects a text the pattern matches; it only spares most of the texts it does not.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GramFilter {
    /// Up to two gram bits, or none (no literal run of four bytes).
    bits: [Option<u16>; 2],
}

impl GramFilter {
    fn new(pattern: &str) -> GramFilter {
        let longest = pattern
            .split(['*', '?'])
            .max_by_key(|run| run.len())
            .unwrap_or_default()
            .as_bytes();
        if longest.len() < 4 {
            return GramFilter { bits: [None, None] };
        }
        let first = longest.get(..4).map(gram_bit);
        let last = longest.get(longest.len() - 4..).map(gram_bit);
        let bit = |b: Option<usize>| b.and_then(|b| u16::try_from(b).ok());
        GramFilter {
            bits: [bit(first), bit(last)],
        }
    }

    #[inline]
    fn may_match(&self, grams: &Grams) -> bool {
        self.bits
            .iter()
            .all(|b| b.is_none_or(|b| grams.has(usize::from(b))))
    }
}

/// Picks the cheapest strategy that matches exactly what the general matcher matches.
fn classify<T>(
    pattern: &str,
    any: T,
    exact: impl FnOnce(Box<str>) -> T,
    prefix: impl FnOnce(Box<str>) -> T,
    general: impl FnOnce(Box<str>) -> T,
) -> T {
    if !has_wildcard(pattern) {
        return exact(pattern.into());
    }
    // `*`, `**`, ...: any text, the empty one included.
    if pattern.bytes().all(|b| b == b'*') {
        return any;
    }
    if let Some(literal) = pattern.strip_suffix('*') {
        let literal = literal.trim_end_matches('*');
        if !has_wildcard(literal) {
            return prefix(literal.into());
        }
    }
    general(pattern.into())
}

/// Folds ASCII upper case to lower case.
#[inline]
fn fold(b: u8) -> u8 {
    b | (u8::from(b.is_ascii_uppercase()) << 5)
}

/// A hash of the ASCII-lower-cased bytes, eight at a time (FxHash-style mixing).
#[inline]
pub(crate) fn folded_hash(text: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let bytes = text.as_bytes();
    let mut hash = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        for (dst, src) in word.iter_mut().zip(chunk) {
            *dst = fold(*src);
        }
        hash = (hash.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        for (dst, src) in word.iter_mut().zip(rest) {
            *dst = fold(*src);
        }
        hash = (hash.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    hash ^ (hash >> 29)
}

const EMPTY: u32 = u32::MAX;

/// An open-addressing table from names (compared ignoring ASCII case) to dense ids `0..len`.
/// Looking a name up hashes it once and never allocates.
#[derive(Debug, Clone, Default)]
pub(crate) struct FoldTable {
    slots: Box<[u32]>,
    entries: Vec<(u64, Box<str>)>,
}

impl FoldTable {
    /// The id of `name`, adding it if new.
    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        if let Some(id) = self.get(name) {
            return id;
        }
        let id = u32::try_from(self.entries.len()).unwrap_or(EMPTY - 1);
        self.entries
            .push((folded_hash(name), name.to_ascii_lowercase().into()));
        if self.entries.len() * 2 > self.slots.len() {
            self.rehash((self.entries.len() * 4).next_power_of_two());
        } else {
            self.place(id);
        }
        id
    }

    fn rehash(&mut self, size: usize) {
        self.slots = vec![EMPTY; size].into_boxed_slice();
        for id in 0..self.entries.len() {
            self.place(u32::try_from(id).unwrap_or(EMPTY - 1));
        }
    }

    fn place(&mut self, id: u32) {
        let Some((hash, _)) = self.entries.get(id as usize) else {
            return;
        };
        let mask = self.slots.len().wrapping_sub(1);
        let mut at = (*hash as usize) & mask;
        while let Some(slot) = self.slots.get_mut(at) {
            if *slot == EMPTY {
                *slot = id;
                return;
            }
            at = (at + 1) & mask;
        }
    }

    /// The id of `name` (ignoring ASCII case), if it was interned.
    #[inline]
    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let hash = folded_hash(name);
        let mask = self.slots.len() - 1;
        let mut at = (hash as usize) & mask;
        loop {
            let id = *self.slots.get(at)?;
            if id == EMPTY {
                return None;
            }
            if let Some((h, key)) = self.entries.get(id as usize) {
                if *h == hash && key.eq_ignore_ascii_case(name) {
                    return Some(id);
                }
            }
            at = (at + 1) & mask;
        }
    }

    /// Bytes held on the heap, for memory reports.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.len() * 4
            + self.entries.capacity() * std::mem::size_of::<(u64, Box<str>)>()
            + self.entries.iter().map(|(_, k)| k.len()).sum::<usize>()
    }
}

/// The service part of an action pattern, when it is a literal (`ecs` in `ecs:Describe*`): the
/// pattern can then only match actions of that service.
pub(crate) fn literal_service(pattern: &str) -> Option<&str> {
    let (service, _) = pattern.split_once(':')?;
    (!has_wildcard(service)).then_some(service)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// M1, M3: the strategies (and the 4-gram filter) match exactly what the general
        /// matcher matches.
        #[test]
        fn m1_m3_classified_resource_patterns_agree_with_wildcard_match(
            pattern in "[ab:/*?é]{0,12}",
            text in "[ab:/é]{0,16}",
        ) {
            let mut grams = None;
            prop_assert_eq!(ResourcePattern::new(&pattern).is_match(&text, &mut grams), wildcard_match(&pattern, &text));
        }

        /// M1, M2: action strategies agree with the case-folding general matcher.
        #[test]
        fn m1_m2_classified_action_patterns_agree_with_wildcard_match(
            pattern in "[aAbB:*?é]{0,10}",
            text in "[aAbB:éÉ]{0,12}",
        ) {
            prop_assert_eq!(ActionPattern::new(&pattern).is_match(&text), wildcard_match_ignore_case(&pattern, &text));
        }
    }

    #[test]
    fn m1_classifies_patterns() {
        assert!(matches!(ResourcePattern::new("*"), ResourcePattern::Any));
        assert!(matches!(ResourcePattern::new("**"), ResourcePattern::Any));
        assert!(matches!(
            ResourcePattern::new("a"),
            ResourcePattern::Exact(_)
        ));
        assert!(matches!(
            ResourcePattern::new("a*"),
            ResourcePattern::Prefix(_)
        ));
        assert!(matches!(
            ResourcePattern::new("a**"),
            ResourcePattern::Prefix(_)
        ));
        assert!(matches!(
            ResourcePattern::new("a?*"),
            ResourcePattern::General(..)
        ));
        assert!(matches!(
            ResourcePattern::new("*a"),
            ResourcePattern::General(..)
        ));
        assert!(matches!(
            ActionPattern::new("ecs:Describe*"),
            ActionPattern::Prefix(_)
        ));
    }

    #[test]
    fn m2_action_prefix_ignores_ascii_case_only() {
        assert!(ActionPattern::new("ECS:describe*").is_match("ecs:DescribeX"));
        assert!(!ActionPattern::new("é*").is_match("É"));
        assert!(ActionPattern::new("ecs:A").is_match("ECS:a"));
    }

    #[test]
    fn fold_table_interns_ignoring_case() {
        let mut table = FoldTable::default();
        let a = table.intern("ecs:CancelImagePipelineExecution");
        let b = table.intern("ecs:DescribeImages");
        for i in 0..100 {
            table.intern(&format!("svc:Action{i}"));
        }
        assert_eq!(table.get("ECS:cancelimagepipelineexecution"), Some(a));
        assert_eq!(table.get("ecs:describeimages"), Some(b));
        assert_eq!(table.get("svc:action42").map(|_| ()), Some(()));
        assert_eq!(table.get("ecs:Nope"), None);
    }
}
