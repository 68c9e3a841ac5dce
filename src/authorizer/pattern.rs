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
            ActionPattern::Exact(p) => eq_fold(p.as_bytes(), action.as_bytes()),
            ActionPattern::Prefix(p) => action
                .as_bytes()
                .get(..p.len())
                .is_some_and(|head| eq_fold(head, p.as_bytes())),
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
    /// Anything else: the pre-split general matcher.
    General(Box<General>),
}

impl ResourcePattern {
    pub(crate) fn new(pattern: &str) -> ResourcePattern {
        classify(
            pattern,
            ResourcePattern::Any,
            ResourcePattern::Exact,
            ResourcePattern::Prefix,
            |p| ResourcePattern::General(Box::new(General::new(p))),
        )
    }

    /// Whether the request resource matches (M1, M3).
    #[inline]
    pub(crate) fn is_match(&self, text: &ResourceText<'_>) -> bool {
        match self {
            ResourcePattern::Any => true,
            ResourcePattern::Exact(p) => eq_bytes(p.as_bytes(), text.text.as_bytes()),
            ResourcePattern::Prefix(p) => text
                .text
                .as_bytes()
                .get(..p.len())
                .is_some_and(|head| eq_bytes(head, p.as_bytes())),
            ResourcePattern::General(g) => g.is_match(text),
        }
    }

    /// A gram every text this pattern matches has (see [`ResourceText::may_have`]), if the
    /// pattern has a usable literal window.
    pub(crate) fn required_gram(&self) -> Option<u16> {
        match self {
            ResourcePattern::Any => None,
            ResourcePattern::Exact(p) | ResourcePattern::Prefix(p) => required_gram(p),
            ResourcePattern::General(g) => required_gram(&g.pattern),
        }
    }
}

/// A general wildcard pattern, split at `*` once, when compiling: the first piece is pinned to
/// the start of the text, the last to its end, and the middle pieces are found leftmost in
/// order, as [`crate::matching`] does. For an ASCII text `?` is exactly one byte, so the pieces
/// are compared byte by byte; any other text goes to [`wildcard_match`], the reference.
#[derive(Debug, Clone)]
pub(crate) struct General {
    pattern: Box<str>,
    /// Whether the pattern has a `*` (else it is one piece with `?`, the whole text).
    star: bool,
    first: Piece,
    middle: Box<[Piece]>,
    last: Piece,
    /// The fewest bytes an ASCII text it matches has.
    min_len: usize,
}

/// A piece of a pattern between stars: bytes where `?` is any one byte.
#[derive(Debug, Clone)]
struct Piece {
    bytes: Box<[u8]>,
    wild: bool,
    /// The longest run without `?`: `(offset, len)`, the anchor of the search.
    anchor: (usize, usize),
}

impl Piece {
    fn new(text: &str) -> Piece {
        let bytes: Box<[u8]> = text.as_bytes().into();
        let wild = bytes.contains(&b'?');
        let mut anchor = (0, 0);
        let mut at = 0;
        for run in text.split('?') {
            if run.len() > anchor.1 {
                anchor = (at, run.len());
            }
            at += run.len() + 1;
        }
        Piece {
            bytes,
            wild,
            anchor,
        }
    }

    fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the piece matches `text` at byte `at`.
    #[inline]
    fn is_at(&self, text: &[u8], at: usize) -> bool {
        let Some(window) = text.get(at..at.saturating_add(self.bytes.len())) else {
            return false;
        };
        if !self.wild {
            return eq_bytes(window, &self.bytes);
        }
        window
            .iter()
            .zip(self.bytes.iter())
            .all(|(t, p)| *p == b'?' || t == p)
    }

    /// The end of the leftmost occurrence of the piece in `hay`.
    #[inline]
    fn find(&self, hay: &[u8]) -> Option<usize> {
        let n = self.bytes.len();
        let last_start = hay.len().checked_sub(n)?;
        let (offset, len) = self.anchor;
        let anchor = self.bytes.get(offset..offset + len)?;
        let Some(&first) = anchor.first() else {
            // Only `?`: any n bytes, the leftmost at 0.
            return Some(n);
        };
        let mut start = 0;
        while start <= last_start {
            let from = start + offset;
            let window = hay.get(from..last_start + offset + 1)?;
            let skip = find_byte(window, first)?;
            start += skip;
            let at = start + offset;
            if hay.get(at..at + len).is_some_and(|w| eq_bytes(w, anchor))
                && (!self.wild || self.is_at(hay, start))
            {
                return Some(start + n);
            }
            start += 1;
        }
        None
    }
}

/// Byte equality, eight bytes at a time, without a call to `memcmp` (the pieces are short).
#[inline]
fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut xs = a.chunks_exact(8);
    let mut ys = b.chunks_exact(8);
    for (x, y) in (&mut xs).zip(&mut ys) {
        let (mut wx, mut wy) = ([0u8; 8], [0u8; 8]);
        wx.copy_from_slice(x);
        wy.copy_from_slice(y);
        if wx != wy {
            return false;
        }
    }
    xs.remainder()
        .iter()
        .zip(ys.remainder())
        .all(|(x, y)| x == y)
}

/// The first position of `byte` in `hay`, eight bytes at a time.
#[inline]
fn find_byte(hay: &[u8], byte: u8) -> Option<usize> {
    const LO: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let pattern = u64::from_le_bytes([byte; 8]);
    let mut chunks = hay.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ pattern;
        // High bit set exactly in the zero bytes of x.
        let zero = !(((x & LO).wrapping_add(LO)) | x | LO);
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == byte)
        .map(|i| at + i)
}

impl General {
    fn new(pattern: Box<str>) -> General {
        let star = pattern.contains('*');
        let (first, middle, last) = match pattern.split_once('*') {
            None => (Piece::new(&pattern), Vec::new(), Piece::new("")),
            Some((first, rest)) => {
                let (middle, last) = rest.rsplit_once('*').unwrap_or(("", rest));
                let middle: Vec<Piece> = middle
                    .split('*')
                    .filter(|p| !p.is_empty())
                    .map(Piece::new)
                    .collect();
                (Piece::new(first), middle, Piece::new(last))
            }
        };
        let min_len = first.len() + last.len() + middle.iter().map(Piece::len).sum::<usize>();
        General {
            pattern,
            star,
            first,
            middle: middle.into_boxed_slice(),
            last,
            min_len,
        }
    }

    #[inline]
    fn is_match(&self, text: &ResourceText<'_>) -> bool {
        if !text.ascii {
            return wildcard_match(&self.pattern, text.text);
        }
        let t = text.text.as_bytes();
        if t.len() < self.min_len {
            return false;
        }
        if !self.star {
            return t.len() == self.first.len() && self.first.is_at(t, 0);
        }
        let end = t.len() - self.last.len();
        if !self.first.is_at(t, 0) || !self.last.is_at(t, end) {
            return false;
        }
        let Some(mut hay) = t.get(self.first.len()..end) else {
            return false;
        };
        for piece in self.middle.iter() {
            let Some(rest) = piece.find(hay).and_then(|e| hay.get(e..)) else {
                return false;
            };
            hay = rest;
        }
        true
    }
}

/// "No gram filter" in an index entry.
pub(crate) const NO_GRAM: u32 = u32::MAX;

/// Gram kinds: four literal bytes; three literal bytes; four bytes whose second (third) is any.
const PLAIN: u16 = 0;
const THREE: u16 = 1;
const GAP1: u16 = 2;
const GAP2: u16 = 3;

#[inline]
fn gram_bit(kind: u16, a: u8, b: u8, c: u8, d: u8) -> u16 {
    gram_word_bit(kind, u32::from_le_bytes([a, b, c, d]))
}

/// The filter bit (12 bits) of a gram of a kind, its masked bytes zero.
#[inline]
fn gram_word_bit(kind: u16, word: u32) -> u16 {
    let word = word ^ u32::from(kind).wrapping_mul(0x2f0b_3c49);
    (word.wrapping_mul(0x9e37_79b1) >> 20) as u16
}

/// The gram (kind in bits 12–13, bit in 0–11) of the rightmost usable window of the last
/// non-empty piece of a pattern: every ASCII text the pattern matches has it, since that piece
/// appears in the text verbatim, `?` standing for one byte. Identifiers sit at the end of
/// patterns, so the rightmost window is the most telling.
fn required_gram(pattern: &str) -> Option<u16> {
    let piece = pattern.split('*').rev().find(|p| !p.is_empty())?.as_bytes();
    let q = |b: u8| b == b'?';
    // A plain gram within two bytes of the end is as telling, and cheaper for the request
    // (the other kinds need a second gram set).
    for end in (piece.len().saturating_sub(2)..=piece.len()).rev() {
        if let Some(&[a, b, c, d]) = piece.get(end.saturating_sub(4)..end) {
            if !(q(a) || q(b) || q(c) || q(d)) && end >= 4 {
                return Some(gram_bit(PLAIN, a, b, c, d) | PLAIN << 12);
            }
        }
    }
    for end in (3..=piece.len()).rev() {
        let Some(w) = piece.get(end.saturating_sub(4)..end) else {
            continue;
        };
        match *w {
            [a, b, c, d] => {
                let found = match (q(a), q(b), q(c), q(d)) {
                    (false, false, false, false) => Some(gram_bit(PLAIN, a, b, c, d) | PLAIN << 12),
                    (false, true, false, false) => Some(gram_bit(GAP1, a, 0, c, d) | GAP1 << 12),
                    (false, false, true, false) => Some(gram_bit(GAP2, a, b, 0, d) | GAP2 << 12),
                    (true, false, false, false) => Some(gram_bit(THREE, b, c, d, 0) | THREE << 12),
                    (false, false, false, true) => Some(gram_bit(THREE, a, b, c, 0) | THREE << 12),
                    _ => None,
                };
                if found.is_some() {
                    return found;
                }
            }
            [a, b, c] if !(q(a) || q(b) || q(c)) => {
                return Some(gram_bit(THREE, a, b, c, 0) | THREE << 12);
            }
            _ => {}
        }
    }
    None
}

/// A 4096-bit Bloom filter (one hash) of grams.
#[derive(Debug, Clone)]
struct GramSet {
    bits: [u64; 64],
}

impl GramSet {
    #[inline]
    fn set(&mut self, bit: u16) {
        if let Some(word) = self.bits.get_mut(usize::from(bit / 64)) {
            *word |= 1 << (bit % 64);
        }
    }

    #[inline]
    fn has(&self, bit: u16) -> bool {
        // The word index is below 64 by construction, so the lookup never fails.
        let word = self.bits.get(usize::from((bit >> 6) & 63)).copied();
        word.is_some_and(|w| (w >> (bit & 63)) & 1 != 0)
    }

    fn plain(text: &[u8]) -> GramSet {
        let mut set = GramSet { bits: [0; 64] };
        for w in text.windows(4) {
            if let [a, b, c, d] = *w {
                set.set(gram_word_bit(PLAIN, u32::from_le_bytes([a, b, c, d])));
            }
        }
        set
    }

    fn extra(text: &[u8]) -> GramSet {
        let mut set = GramSet { bits: [0; 64] };
        if let [.., a, b, c] = *text {
            set.set(gram_word_bit(THREE, u32::from_le_bytes([a, b, c, 0])));
        }
        for w in text.windows(4) {
            if let [a, b, c, d] = *w {
                let word = u32::from_le_bytes([a, b, c, d]);
                set.set(gram_word_bit(THREE, word & 0x00ff_ffff));
                set.set(gram_word_bit(GAP1, word & 0xffff_00ff));
                set.set(gram_word_bit(GAP2, word & 0xff00_ffff));
            }
        }
        set
    }
}

/// How many resource-set and condition results a request remembers (direct-mapped).
const MEMO: usize = 16;
/// An empty memo slot (no set or condition has this id: it is the "any" / "none" marker).
const MEMO_EMPTY: u32 = u32::MAX;

/// A request resource as the resource patterns test it: the text, whether it is ASCII, and its
/// gram sets, built on first use and shared by every pattern the request meets; with the
/// results of the resource sets and conditions already tested for this request (statements
/// share them), so that each is tested once.
#[derive(Debug, Clone)]
pub(crate) struct ResourceText<'a> {
    pub(crate) text: &'a str,
    ascii: bool,
    plain: Option<GramSet>,
    extra: Option<GramSet>,
    /// `id << 1 | result` by `id % MEMO`, for resource sets and for conditions.
    resources: [u32; MEMO],
    conditions: [u32; MEMO],
}

impl<'a> ResourceText<'a> {
    #[inline]
    pub(crate) fn new(text: &'a str, ascii: bool) -> ResourceText<'a> {
        ResourceText {
            text,
            ascii,
            plain: None,
            extra: None,
            resources: [MEMO_EMPTY; MEMO],
            conditions: [MEMO_EMPTY; MEMO],
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
    fn build_plain(&mut self) -> &GramSet {
        self.plain.insert(GramSet::plain(self.text.as_bytes()))
    }

    #[cold]
    #[inline(never)]
    fn build_extra(&mut self) -> &GramSet {
        self.extra.insert(GramSet::extra(self.text.as_bytes()))
    }

    /// [`may_have`](ResourceText::may_have) when the gram's set is already built, else true
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

    /// Whether the text may have either of the two grams packed in `pair`.
    #[inline]
    pub(crate) fn may_have_either(&mut self, pair: u32) -> bool {
        let (a, b) = ((pair >> 16) as u16, (pair & 0xffff) as u16);
        if let (true, Some(set)) = ((a | b) >> 12 == PLAIN && self.ascii, &self.plain) {
            // Both plain grams and the set built (the common case): two bit tests.
            return set.has(a & 0xfff) || set.has(b & 0xfff);
        }
        self.may_have_either_slow(a, b)
    }

    #[inline(never)]
    fn may_have_either_slow(&mut self, a: u16, b: u16) -> bool {
        self.may_have(a) || self.may_have(b)
    }

    /// Forgets the remembered results: ids are a catalog's, and another catalog (a session
    /// policy's) numbers its sets and conditions anew.
    #[inline]
    pub(crate) fn forget(&mut self) {
        self.resources = [MEMO_EMPTY; MEMO];
        self.conditions = [MEMO_EMPTY; MEMO];
    }

    /// The remembered result of resource set `id` for this text, if any.
    #[inline]
    pub(crate) fn resource_result(&self, id: u32) -> Option<bool> {
        recall(&self.resources, id)
    }

    #[inline]
    pub(crate) fn remember_resource(&mut self, id: u32, result: bool) {
        store(&mut self.resources, id, result);
    }

    /// The remembered result of condition `id` for this request, if any.
    #[inline]
    pub(crate) fn condition_result(&self, id: u32) -> Option<bool> {
        recall(&self.conditions, id)
    }

    #[inline]
    pub(crate) fn remember_condition(&mut self, id: u32, result: bool) {
        store(&mut self.conditions, id, result);
    }
}

#[inline]
fn recall(memo: &[u32; MEMO], id: u32) -> Option<bool> {
    let slot = *memo.get(id as usize % MEMO)?;
    (slot != MEMO_EMPTY && slot >> 1 == id).then_some(slot & 1 == 1)
}

#[inline]
fn store(memo: &mut [u32; MEMO], id: u32, result: bool) {
    // Ids are below 2^31 (the compiler's limit), so `id << 1 | result` is never MEMO_EMPTY
    // and keeps the whole id.
    if id < 1 << 31 {
        if let Some(slot) = memo.get_mut(id as usize % MEMO) {
            *slot = id << 1 | u32::from(result);
        }
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

/// Folds the ASCII upper-case letters of eight bytes to lower case at once.
#[inline]
fn fold_word(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low = word & !HIGH;
    // High bit set where the byte is at least `A`, and where it is past `Z`.
    let from_a = low.wrapping_add(ONES * (0x80 - u64::from(b'A')));
    let past_z = low.wrapping_add(ONES * (0x80 - u64::from(b'Z') - 1));
    let upper = from_a & !past_z & !word & HIGH;
    word | (upper >> 2)
}

/// Whether two byte strings are equal ignoring ASCII case (as `eq_ignore_ascii_case`), eight
/// bytes at a time.
#[inline]
pub(crate) fn eq_fold(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut xs = a.chunks_exact(8);
    let mut ys = b.chunks_exact(8);
    for (x, y) in (&mut xs).zip(&mut ys) {
        let (mut wx, mut wy) = ([0u8; 8], [0u8; 8]);
        wx.copy_from_slice(x);
        wy.copy_from_slice(y);
        if fold_word(u64::from_le_bytes(wx)) != fold_word(u64::from_le_bytes(wy)) {
            return false;
        }
    }
    let (rx, ry) = (xs.remainder(), ys.remainder());
    let (mut wx, mut wy) = ([0u8; 8], [0u8; 8]);
    if let (Some(dx), Some(dy)) = (wx.get_mut(..rx.len()), wy.get_mut(..ry.len())) {
        dx.copy_from_slice(rx);
        dy.copy_from_slice(ry);
    }
    fold_word(u64::from_le_bytes(wx)) == fold_word(u64::from_le_bytes(wy))
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
        word.copy_from_slice(chunk);
        hash = (hash.rotate_left(5) ^ fold_word(u64::from_le_bytes(word))).wrapping_mul(K);
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
                if *h == hash && eq_fold(key.as_bytes(), name.as_bytes()) {
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

/// A fast, non-keyed hasher (FxHash-style, eight bytes at a time) for the compiled form's own
/// tables of names and ARNs: their keys come from the account file, not from requests' choice
/// of hash-flooding input, and a lookup sits on the hot path.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut hash = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            hash = (hash.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            for (dst, src) in word.iter_mut().zip(rest) {
                *dst = *src;
            }
            hash = (hash.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        self.0 = hash;
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(n)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

/// Builds [`FastHasher`]s.
pub(crate) type FastState = std::hash::BuildHasherDefault<FastHasher>;

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
            let compiled = ResourcePattern::new(&pattern);
            prop_assert_eq!(find_byte(text.as_bytes(), b'b'), text.bytes().position(|c| c == b'b'));
            let ascii = text.is_ascii();
            prop_assert_eq!(compiled.is_match(&ResourceText::new(&text, ascii)), wildcard_match(&pattern, &text));
            // The gram is a necessary condition.
            if let (true, Some(gram)) = (wildcard_match(&pattern, &text), compiled.required_gram()) {
                prop_assert!(ResourceText::new(&text, ascii).may_have(gram));
            }
        }

        /// M1, M3: the byte-wise general matcher on ASCII texts, where `?` is one byte.
        #[test]
        fn m1_m3_general_matcher_agrees_on_ascii_texts(
            pattern in "[ab:/*?]{0,14}",
            text in "[ab:/]{0,20}",
        ) {
            let compiled = ResourcePattern::new(&pattern);
            prop_assert_eq!(compiled.is_match(&ResourceText::new(&text, true)), wildcard_match(&pattern, &text));
            if let (true, Some(gram)) = (wildcard_match(&pattern, &text), compiled.required_gram()) {
                prop_assert!(ResourceText::new(&text, true).may_have(gram));
            }
        }

        /// The eight-at-a-time fold is ASCII lower-casing.
        #[test]
        fn fold_word_lowercases_ascii_only(bytes in any::<[u8; 8]>()) {
            let folded = fold_word(u64::from_le_bytes(bytes)).to_le_bytes();
            prop_assert_eq!(folded, bytes.map(|b| b.to_ascii_lowercase()));
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
