//! Pre-classified `Action` and `Resource` patterns, and the case-folding hash table that maps
//! exact action names and service codes to dense ids.
//!
//! Like globset's `GlobSetMatchStrategy`, the strategy is chosen once, when compiling: a pattern
//! without wildcards compares for equality, `abc*` is a prefix test, `*` matches anything, and
//! everything else goes to the general matcher of [`crate::matching`], whose semantics are the
//! reference (M1–M3). Nothing here allocates when matching.

use std::collections::HashMap;

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
            |p| ActionPattern::Exact(p.into()),
            |p| ActionPattern::Prefix(p.into()),
            |p| ActionPattern::General(p.into()),
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

/// How a resource pattern is matched (M1, M3), chosen once when it is interned.
const KIND_ANY: u8 = 0;
const KIND_EXACT: u8 = 1;
const KIND_PREFIX: u8 = 2;
const KIND_GENERAL: u8 = 3;
/// A general pattern with more middle pieces than the header counts: the reference matcher.
const KIND_REFERENCE: u8 = 4;
/// A general ASCII pattern with exactly four colons, as an ARN has: also split into its five
/// fields (see [`fields_match`]).
const KIND_FIELDS: u8 = 5;

/// How many fields an ARN has (`acs:<service>:<region>:<account>:<relative id>`).
const FIELDS: usize = 5;
/// The bytes of one field's entry in the arena: start in the pattern text (`u16`), length
/// (`u16`), how it matches (`FIELD_*`), whether it has `?`, the field's number, and a zero.
/// The table is a count (in a word of its own), then the entries of the fields that are not
/// all `*`, the relative id first (it tells patterns apart best).
const FIELD_ENTRY: usize = 8;

/// How one field of a [`KIND_FIELDS`] pattern matches the text's field.
const FIELD_ANY: u8 = 0;
const FIELD_LITERAL: u8 = 1;
const FIELD_PREFIX: u8 = 2;
const FIELD_GENERAL: u8 = 3;

/// The header of a pattern in a [`PatternArena`]: kind, whether it has `?`, how many middle
/// pieces it has, then the text's length and the positions of its first and last `*` (general
/// patterns), little-endian. A general pattern's text is followed by its middle pieces, each
/// `(start, len)` in the text as two `u32`.
const HEADER: usize = 16;

/// A pattern as the arena holds it.
struct Stored<'a> {
    kind: u8,
    wild: bool,
    text: &'a [u8],
    first_star: usize,
    last_star: usize,
    /// The middle pieces' `(start, len)` pairs.
    pieces: &'a [u8],
}

/// Every distinct `Resource`/`NotResource` pattern of a catalog (case-sensitive, M3), flattened
/// into one byte arena: a pattern is its offset there, header and text side by side.
///
/// Matching a pattern reads one place in memory. The boxed form this replaces (a set holding
/// boxed patterns holding boxed pieces) made the Large workload wait on five dependent loads per
/// statement; the arena also stores a pattern shared by many statements once.
#[derive(Debug, Clone, Default)]
pub(crate) struct PatternArena {
    bytes: Vec<u8>,
    /// Compile-time interning table, dropped by [`finish`](PatternArena::finish).
    ids: HashMap<Box<str>, u32, FastState>,
}

impl PatternArena {
    /// The id of `pattern`, adding it if new; `None` past 2^31 bytes.
    pub(crate) fn intern(&mut self, pattern: &str) -> Option<u32> {
        if let Some(&id) = self.ids.get(pattern) {
            return Some(id);
        }
        let (kind, text) = classify(
            pattern,
            (KIND_ANY, ""),
            |p| (KIND_EXACT, p),
            |p| (KIND_PREFIX, p),
            |p| (KIND_GENERAL, p),
        );
        let len = u32::try_from(text.len()).ok()?;
        let first_star = text.find('*').map_or(len, |i| i as u32);
        let last_star = text.rfind('*').map_or(len, |i| i as u32);
        let mut pieces = Vec::new();
        if kind == KIND_GENERAL && first_star < last_star {
            let mut start = first_star + 1;
            for piece in text.get(start as usize..last_star as usize)?.split('*') {
                let piece_len = u32::try_from(piece.len()).ok()?;
                if piece_len > 0 {
                    pieces.extend_from_slice(&start.to_le_bytes());
                    pieces.extend_from_slice(&piece_len.to_le_bytes());
                }
                start += piece_len + 1;
            }
        }
        let count = u16::try_from(pieces.len() / 8);
        let kind = if count.is_err() { KIND_REFERENCE } else { kind };
        let fields = if kind == KIND_GENERAL {
            field_table(text)
        } else {
            None
        };
        let kind = if fields.is_some() { KIND_FIELDS } else { kind };
        let fields = fields.unwrap_or_default();
        let id = u32::try_from(self.bytes.len()).ok().filter(|&id| {
            (id as usize) + HEADER + text.len() + pieces.len() + fields.len() < 1 << 31
        })?;
        self.bytes.push(kind);
        self.bytes.push(u8::from(text.contains('?')));
        self.bytes
            .extend_from_slice(&count.unwrap_or_default().to_le_bytes());
        self.bytes.extend_from_slice(&len.to_le_bytes());
        self.bytes.extend_from_slice(&first_star.to_le_bytes());
        self.bytes.extend_from_slice(&last_star.to_le_bytes());
        self.bytes.extend_from_slice(text.as_bytes());
        if kind == KIND_GENERAL || kind == KIND_FIELDS {
            self.bytes.extend_from_slice(&pieces);
            self.bytes.extend_from_slice(&fields);
        }
        self.ids.insert(pattern.into(), id);
        Some(id)
    }

    /// Drops the interning table once every pattern is in.
    pub(crate) fn finish(&mut self) {
        self.ids = HashMap::default();
        self.bytes.shrink_to_fit();
    }

    /// Bytes held on the heap, for memory reports.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.bytes.capacity()
    }

    /// Whether the request resource matches pattern `id` (M1, M3), remembering the answer for
    /// the rest of the request.
    #[inline]
    pub(crate) fn is_match(&self, id: u32, text: &mut ResourceText<'_>) -> bool {
        let slot = pattern_slot(id);
        if let Some(known) = recall(&text.patterns, slot, id) {
            return known;
        }
        let matched = self.is_match_uncached(id, text);
        store(&mut text.patterns, slot, id, matched);
        matched
    }

    #[inline]
    fn stored(&self, id: u32) -> Option<Stored<'_>> {
        let at = id as usize;
        let header: &[u8; HEADER] = self.bytes.get(at..at + HEADER)?.try_into().ok()?;
        let (len, first_star, last_star) = (word(header, 4), word(header, 8), word(header, 12));
        let count = usize::from(u16::from_le_bytes([header[2], header[3]]));
        let text_at = at + HEADER;
        let pieces_at = text_at + len;
        Some(Stored {
            kind: header[0],
            wild: header[1] != 0,
            text: self.bytes.get(text_at..pieces_at)?,
            first_star,
            last_star,
            pieces: if header[0] == KIND_GENERAL || header[0] == KIND_FIELDS {
                self.bytes.get(pieces_at..pieces_at + count * 8)?
            } else {
                &[]
            },
        })
    }

    /// The field entries of a [`KIND_FIELDS`] pattern (they follow the middle pieces).
    #[inline]
    fn field_entries(&self, id: u32, stored: &Stored<'_>) -> Option<&[u8]> {
        let at = id as usize + HEADER + stored.text.len() + stored.pieces.len();
        let count = self.bytes.get(at).copied().map(usize::from)?;
        self.bytes
            .get(at + FIELD_ENTRY..at + FIELD_ENTRY * (1 + count))
    }

    /// [`is_match`](PatternArena::is_match) without the memo, for an arena other than the
    /// catalog's (whose ids the memo holds).
    #[inline]
    pub(crate) fn is_match_uncached(&self, id: u32, text: &ResourceText<'_>) -> bool {
        // A literal or a prefix (most patterns) needs only its kind and its text.
        let at = id as usize;
        if let Some(&kind @ (KIND_EXACT | KIND_PREFIX)) = self.bytes.get(at) {
            let len = word(&self.bytes, at + 4);
            let p = self.bytes.get(at + HEADER..at + HEADER + len);
            return p.is_some_and(|p| literal_match(p, kind == KIND_PREFIX, text.text.as_bytes()));
        }
        let Some(stored) = self.stored(id) else {
            // Ids come from this arena; a broken one matches nothing (fail closed for Allow,
            // and a Deny is never the only statement that can decide).
            return false;
        };
        let (p, t) = (stored.text, text.text.as_bytes());
        match stored.kind {
            KIND_ANY => true,
            KIND_EXACT | KIND_PREFIX => literal_match(p, stored.kind == KIND_PREFIX, t),
            KIND_FIELDS if text.ascii => {
                // The pattern's text with the arena's bytes after it, so that a short piece
                // can be read a word at a time.
                let p_on = self.bytes.get(id as usize + HEADER..).unwrap_or_default();
                match (text.colons, self.field_entries(id, &stored)) {
                    (Some(colons), Some(table)) => fields_match(p_on, table, t, colons),
                    _ => general_match(&stored, t),
                }
            }
            KIND_GENERAL if text.ascii => general_match(&stored, t),
            _ => std::str::from_utf8(p).is_ok_and(|p| wildcard_match(p, text.text)),
        }
    }

    /// The anchor of pattern `id` (see [`ResourceText::may_match_anchor`]), or [`NO_ANCHOR`].
    pub(crate) fn anchor(&self, id: u32) -> u32 {
        match self.stored(id) {
            Some(stored) if matches!(stored.kind, KIND_EXACT | KIND_PREFIX | KIND_FIELDS) => {
                anchor_of(stored.text)
            }
            _ => NO_ANCHOR,
        }
    }

    /// A gram every text pattern `id` matches has (see [`ResourceText::may_have`]), if the
    /// pattern has a usable literal window.
    pub(crate) fn required_gram(&self, id: u32) -> Option<u16> {
        let stored = self.stored(id)?;
        if stored.kind == KIND_ANY {
            return None;
        }
        required_gram(std::str::from_utf8(stored.text).ok()?)
    }
}

/// The general matcher on an ASCII text, where `?` is one byte: the pattern's pieces between
/// stars are the first (pinned to the start of the text), the last (pinned to its end) and the
/// middle ones, found leftmost in order, as [`crate::matching`] does; no backtracking is needed.
#[inline]
fn general_match(stored: &Stored<'_>, t: &[u8]) -> bool {
    let (p, wild) = (stored.text, stored.wild);
    let (first_star, last_star) = (stored.first_star, stored.last_star);
    let eq = |piece: &[u8], window: &[u8]| piece_eq(piece, window, wild);
    if first_star >= p.len() {
        // No `*`: one piece, the whole text.
        return t.len() == p.len() && eq(p, t);
    }
    let (Some(first), Some(last)) = (p.get(..first_star), p.get(last_star + 1..)) else {
        return false;
    };
    let Some(end) = t.len().checked_sub(last.len()) else {
        return false;
    };
    if end < first.len() {
        return false;
    }
    let (Some(head), Some(tail)) = (t.get(..first.len()), t.get(end..)) else {
        return false;
    };
    if !eq(first, head) || !eq(last, tail) {
        return false;
    }
    let Some(mut hay) = t.get(first.len()..end) else {
        return false;
    };
    for pair in stored.pieces.chunks_exact(8) {
        let (start, len) = (word(pair, 0), word(pair, 4));
        let Some(piece) = p.get(start..start + len) else {
            return false;
        };
        let Some(rest) = find_piece(piece, wild, hay).and_then(|e| hay.get(e..)) else {
            return false;
        };
        hay = rest;
    }
    true
}

/// The five fields of a text with exactly four colons (of a pattern: its literal colons).
fn arn_fields(text: &[u8]) -> Option<[&[u8]; FIELDS]> {
    let mut fields = text.split(|&b| b == b':');
    let split = [
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    ];
    fields.next().is_none().then_some(split)
}

/// What a pattern asks of the relative id of a text with four colons (see [`arn_colons`]):
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
const PIPELINE_RELATIVE: &[u8] = b"imagepipeline/";

/// Whether `pattern` matches every text [`ResourceText::is_pipeline`] accepts
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

/// The positions of the colons of a text that field-wise matching can split ([`fields_match`]):
/// ASCII, with exactly four colons, beginning `acs:` (as every request ARN does, M4).
pub(crate) fn arn_colons(text: &str) -> Option<[u32; 4]> {
    if !text.is_ascii() || !text.starts_with("acs:") {
        return None;
    }
    let mut colons = [0u32; 4];
    let mut found = 0;
    for (at, _) in text.bytes().enumerate().filter(|(_, b)| *b == b':') {
        *colons.get_mut(found)? = u32::try_from(at).ok()?;
        found += 1;
    }
    (found == 4).then_some(colons)
}

/// The field table of a general pattern, if it is ASCII, has exactly four colons and is short
/// enough for `u16` offsets: per field, its start and length in the pattern, how it matches and
/// whether it has `?`.
fn field_table(pattern: &str) -> Option<Vec<u8>> {
    if !pattern.is_ascii() {
        return None;
    }
    let fields = arn_fields(pattern.as_bytes())?;
    let mut entries = Vec::with_capacity(FIELDS);
    let mut start = 0usize;
    for (number, field) in (0u8..).zip(fields) {
        let stars = field.iter().rev().take_while(|&&b| b == b'*').count();
        let literal = field.get(..field.len() - stars).unwrap_or_default();
        // A `*` anywhere but at the end (`*?`, `a*b`) makes the field general.
        let kind = if !field.contains(&b'*') {
            FIELD_LITERAL
        } else if literal.is_empty() {
            FIELD_ANY
        } else if !literal.contains(&b'*') {
            FIELD_PREFIX
        } else {
            FIELD_GENERAL
        };
        let len = if kind == FIELD_PREFIX {
            literal.len()
        } else {
            field.len()
        };
        // Every text with colons to split at begins `acs:` (see `ResourceText::colons`).
        let always = number == 0 && field == b"acs";
        if kind != FIELD_ANY && !always {
            let mut entry = Vec::with_capacity(FIELD_ENTRY);
            entry.extend_from_slice(&u16::try_from(start).ok()?.to_le_bytes());
            entry.extend_from_slice(&u16::try_from(len).ok()?.to_le_bytes());
            entry.extend_from_slice(&[kind, u8::from(field.contains(&b'?')), number, 0]);
            entries.push(entry);
        }
        start += field.len() + 1;
    }
    let mut table = vec![0u8; FIELD_ENTRY];
    if let Some(count) = table.first_mut() {
        *count = u8::try_from(entries.len()).ok()?;
    }
    for entry in entries.iter().rev() {
        table.extend_from_slice(entry);
    }
    Some(table)
}

/// A [`KIND_FIELDS`] pattern on an ASCII text with exactly four colons (at `colons`).
///
/// The pattern's four literal colons must each match one of the text's colons, in order, so
/// they take all four: no `*` or `?` matches a colon, and the pattern matches exactly when each
/// of its fields matches the text's field of the same number. The relative id is tested first:
/// it tells patterns apart best.
#[inline]
fn fields_match(p: &[u8], entries: &[u8], t: &[u8], colons: [u32; 4]) -> bool {
    let [a, b, c, d] = colons.map(|c| c as usize);
    let bounds = [(0, a), (a + 1, b), (b + 1, c), (c + 1, d), (d + 1, t.len())];
    for entry in entries.chunks_exact(FIELD_ENTRY) {
        let mut w = [0u8; FIELD_ENTRY];
        w.copy_from_slice(entry);
        let w = u64::from_le_bytes(w);
        let (from, len) = ((w & 0xffff) as usize, ((w >> 16) & 0xffff) as usize);
        let (kind, wild, field) = ((w >> 32) as u8, (w >> 40) as u8 != 0, (w >> 48) as u8);
        let Some(&(start, end)) = bounds.get(usize::from(field)) else {
            return false;
        };
        let Some(window) = t.get(start..end) else {
            return false;
        };
        let fits = match kind {
            FIELD_LITERAL => window.len() == len,
            FIELD_PREFIX => window.len() >= len,
            _ => true,
        };
        if !fits {
            return false;
        }
        // A short literal (`ecs`, a region) in one masked comparison of two words, where both
        // have eight bytes to read (the pattern's run on into the arena, the text's into the
        // next fields).
        if kind != FIELD_GENERAL && !wild && len <= 8 {
            if let (Some(x), Some(y)) = (p.get(from..from + 8), t.get(start..start + 8)) {
                let (mut wx, mut wy) = ([0u8; 8], [0u8; 8]);
                wx.copy_from_slice(x);
                wy.copy_from_slice(y);
                let mask = u64::MAX.checked_shr(64 - 8 * len as u32).unwrap_or(0);
                if (u64::from_le_bytes(wx) ^ u64::from_le_bytes(wy)) & mask != 0 {
                    return false;
                }
                continue;
            }
        }
        let Some(piece) = p.get(from..from + len) else {
            return false;
        };
        let matched = match kind {
            FIELD_LITERAL => piece_eq(piece, window, wild),
            FIELD_PREFIX => window
                .get(..piece.len())
                .is_some_and(|head| piece_eq(piece, head, wild)),
            _ => match (std::str::from_utf8(piece), std::str::from_utf8(window)) {
                (Ok(piece), Ok(window)) => wildcard_match(piece, window),
                _ => false,
            },
        };
        if !matched {
            return false;
        }
    }
    true
}

/// M1 for a pattern without wildcards (`prefix`: one that had a single trailing `*`).
#[inline(always)]
fn literal_match(pattern: &[u8], prefix: bool, text: &[u8]) -> bool {
    if prefix {
        text.get(..pattern.len())
            .is_some_and(|head| eq_bytes(head, pattern))
    } else {
        eq_bytes(pattern, text)
    }
}

/// The little-endian `u32` at `at`, as a `usize` (0 past the end: never, by construction).
#[inline]
fn word(bytes: &[u8], at: usize) -> usize {
    let mut w = [0u8; 4];
    if let Some(src) = bytes.get(at..at + 4) {
        w.copy_from_slice(src);
    }
    u32::from_le_bytes(w) as usize
}

/// Whether a piece matches a window of the text: equal, or, when the pattern has `?`
/// (`wild`), equal but where the piece has `?`.
#[inline]
fn piece_eq(piece: &[u8], window: &[u8], wild: bool) -> bool {
    if !wild {
        return eq_bytes(piece, window);
    }
    piece.len() == window.len() && piece.iter().zip(window).all(|(p, t)| *p == b'?' || p == t)
}

/// The end of the leftmost occurrence of `piece` (`?` any one byte) in `hay`.
#[inline]
fn find_piece(piece: &[u8], wild: bool, hay: &[u8]) -> Option<usize> {
    let n = piece.len();
    let last_start = hay.len().checked_sub(n)?;
    // Search for the piece's first byte that is not `?`.
    let Some(k) = piece.iter().position(|&b| b != b'?') else {
        return Some(n);
    };
    let anchor = *piece.get(k)?;
    let mut start = 0;
    while start <= last_start {
        let window = hay.get(start + k..last_start + k + 1)?;
        start += find_byte(window, anchor)?;
        if piece_eq(piece, hay.get(start..start + n)?, wild) {
            return Some(start + n);
        }
        start += 1;
    }
    None
}

/// Byte equality, eight bytes at a time, without a call to `memcmp` (the pieces are short).
#[inline]
pub(crate) fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    eq_by_words(a, b, |x, y| x == y, |x, y| x == y)
}

/// Whether two byte strings of the same length are equal, `same` comparing them eight bytes
/// at a time; a remainder is read as the last eight bytes, overlapping the words already
/// compared, instead of copied (a call to `memcpy` for a length the compiler does not know).
/// `same_short` compares strings shorter than eight bytes.
#[inline]
fn eq_by_words(
    a: &[u8],
    b: &[u8],
    same: impl Fn(u64, u64) -> bool,
    same_short: impl Fn(&[u8], &[u8]) -> bool,
) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut xs = a.chunks_exact(8);
    let mut ys = b.chunks_exact(8);
    for (x, y) in (&mut xs).zip(&mut ys) {
        let (mut wx, mut wy) = ([0u8; 8], [0u8; 8]);
        wx.copy_from_slice(x);
        wy.copy_from_slice(y);
        if !same(u64::from_le_bytes(wx), u64::from_le_bytes(wy)) {
            return false;
        }
    }
    if xs.remainder().is_empty() {
        return true;
    }
    match (last_word(a), last_word(b)) {
        (Some(x), Some(y)) => same(u64::from_le_bytes(x), u64::from_le_bytes(y)),
        _ => same_short(xs.remainder(), ys.remainder()),
    }
}

/// The last eight bytes, if there are that many.
#[inline]
fn last_word(bytes: &[u8]) -> Option<[u8; 8]> {
    let at = bytes.len().checked_sub(8)?;
    bytes.get(at..)?.try_into().ok()
}

/// The high bit of every byte of `x` that is zero (exactly those).
#[inline]
pub(crate) fn zero_bytes(x: u64) -> u64 {
    const LO: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((x & LO).wrapping_add(LO)) | x | LO)
}

/// The first position of `byte` in `hay`, eight bytes at a time.
#[inline]
fn find_byte(hay: &[u8], byte: u8) -> Option<usize> {
    let pattern = u64::from_le_bytes([byte; 8]);
    let mut chunks = hay.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let zero = zero_bytes(u64::from_le_bytes(word) ^ pattern);
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = chunks.remainder();
    if rest.is_empty() {
        return None;
    }
    // The last eight bytes, overlapping the words already searched (which hold no `byte`).
    if let Some(word) = last_word(hay) {
        let zero = zero_bytes(u64::from_le_bytes(word) ^ pattern);
        return (zero != 0).then(|| hay.len() - 8 + (zero.trailing_zeros() / 8) as usize);
    }
    rest.iter().position(|&b| b == byte).map(|i| at + i)
}

/// "No anchor": a pattern without one (see [`ResourceText::may_match_anchor`]).
pub(crate) const NO_ANCHOR: u32 = u32::MAX;
/// How many bytes an anchor holds.
const ANCHOR_BYTES: usize = 3;
/// The furthest into its field an anchor may start (five bits).
const ANCHOR_MAX_OFFSET: usize = 31;

/// The anchor of a pattern's text (exact, or the literal of a prefix or field-split pattern):
/// three bytes, where in their field they are, whether one is a `?`, and the field (1 to 4:
/// the first is always `acs`), packed as bytes (bits 0–23), offset (24–28), `?` (29) and
/// field − 1 (30–31); a zero byte stands for a `?` (no ARN a request can name has a NUL: it
/// fails the control-character check).
///
/// A pattern with exactly four colons matches a text with exactly four colons field by field
/// (see [`fields_match`]), so each field of the text begins with what the pattern's field has
/// before its first `*`, `?` standing for one byte: three of those bytes sit at a known place
/// in the text. The relative id is preferred (it tells resources apart), then the region, the
/// account and the service; within the field, among the windows that begin within 31 bytes,
/// the rightmost (identifiers differ at their ends) with at most one `?`.
fn anchor_of(text: &[u8]) -> u32 {
    let Some(fields) = arn_fields(text) else {
        return NO_ANCHOR;
    };
    for field in [4usize, 2, 3, 1] {
        let Some(bytes) = fields.get(field) else {
            continue;
        };
        let fixed = bytes.iter().position(|&b| b == b'*').unwrap_or(bytes.len());
        let end = fixed.min(ANCHOR_MAX_OFFSET + ANCHOR_BYTES);
        // The rightmost window with no `?`, or with one `?` if that lies two or more bytes
        // further right (a `?` makes a window weaker, a later start stronger).
        let windows = (0..(end + 1).saturating_sub(ANCHOR_BYTES)).filter_map(|start| {
            let window = bytes.get(start..start + ANCHOR_BYTES)?;
            Some((start, window, window.iter().filter(|&&b| b == b'?').count()))
        });
        let rightmost = |most: usize| windows.clone().rfind(|w| w.2 <= most);
        let best = match (rightmost(0), rightmost(1)) {
            (Some(plain), Some(one)) if one.0 < plain.0 + 2 => Some(plain),
            (plain, one) => one.or(plain),
        };
        if let Some((start, &[a, b, c], _)) = best {
            let known = |b: u8| if b == b'?' { 0 } else { b };
            let wild = if [a, b, c].contains(&b'?') {
                ANCHOR_WILD
            } else {
                0
            };
            return u32::from_le_bytes([known(a), known(b), known(c), 0])
                | (start as u32) << 24
                | wild
                | ((field - 1) as u32) << 30;
        }
    }
    NO_ANCHOR
}

/// Whether an anchor's bytes are all known (no `?`): then a text matches only patterns whose
/// anchor equals, in its low 24 bits, the text's [`AnchorProbe::bytes_at`] there, and the
/// patterns can be looked up by it.
pub(crate) fn anchor_is_plain(anchor: u32) -> bool {
    anchor != NO_ANCHOR && anchor & ANCHOR_WILD == 0
}

/// Where an anchor's bytes are (field and offset), with its `?` bit: plain anchors with the same
/// place are read from the same bytes of a text.
pub(crate) fn anchor_place(anchor: u32) -> u32 {
    anchor & ANCHOR_PLACE
}

/// Whether a text has a plain anchor's bytes at its place: [`AnchorProbe::bytes_at`] of any
/// anchor with that place equals this.
pub(crate) fn anchor_bytes(anchor: u32) -> u32 {
    anchor & !ANCHOR_PLACE
}

/// Items (pattern ids with what they stand for) looked up by their plain anchors
/// ([`anchor_is_plain`]): for a text with colons, the items whose anchor is the text's bytes
/// at that anchor's place (field and offset) are the only ones that can match it, and they are
/// found by reading the text once per place and searching that place's items.
#[derive(Debug, Clone)]
pub(crate) struct AnchorTable<T> {
    /// Each anchor place (the anchor with its bytes zero) and its entries.
    places: Box<[AnchorPlace]>,
    /// `(anchor, item)`, sorted.
    entries: Box<[(u32, T)]>,
}

impl<T: Copy + Ord> AnchorTable<T> {
    /// The table of these `(anchor, item)` pairs, every anchor plain; `None` if there are more
    /// than `u32` can count.
    pub(crate) fn new(mut entries: Vec<(u32, T)>) -> Option<AnchorTable<T>> {
        entries.sort_unstable();
        let mut places: Vec<AnchorPlace> = Vec::new();
        for (at, &(anchor, _)) in entries.iter().enumerate() {
            let (place, at) = (anchor_place(anchor), u32::try_from(at).ok()?);
            let bit = AnchorPlace::bit(anchor_bytes(anchor));
            match places.last_mut() {
                Some(last) if last.place == place => {
                    last.end = at + 1;
                    last.bytes |= bit;
                }
                _ => places.push(AnchorPlace {
                    place,
                    start: at,
                    end: at + 1,
                    bytes: bit,
                }),
            }
        }
        Some(AnchorTable {
            places: places.into_boxed_slice(),
            entries: entries.into_boxed_slice(),
        })
    }

    /// Calls `found` with every item whose anchor the text has: one read of the text per
    /// anchor place, and a binary search there when its bit of the bytes is set.
    #[inline]
    pub(crate) fn for_each_hit(&self, probe: &AnchorProbe<'_>, mut found: impl FnMut(T)) {
        for &AnchorPlace {
            place,
            start,
            end,
            bytes: any,
        } in &*self.places
        {
            let Some(bytes) = probe.bytes_at(place) else {
                continue;
            };
            if any & AnchorPlace::bit(bytes) == 0 {
                continue;
            }
            let here = self.entries.get(start as usize..end as usize);
            let here = here.unwrap_or_default();
            let key = place | bytes;
            let from = here.partition_point(|e| e.0 < key);
            for &(anchor, item) in here.get(from..).unwrap_or_default() {
                if anchor != key {
                    break;
                }
                found(item);
            }
        }
    }

    /// Every item, for a text without colons (where anchors cannot filter).
    pub(crate) fn items(&self) -> impl Iterator<Item = T> + '_ {
        self.entries.iter().map(|&(_, item)| item)
    }
}

/// An anchor place of an [`AnchorTable`]: its range of entries, and a bit per entry's bytes
/// ([`AnchorPlace::bit`]), so that a text whose bytes there no entry has (most texts, for the
/// resource groups' patterns) is passed over without a search.
#[derive(Debug, Clone, Copy)]
struct AnchorPlace {
    place: u32,
    start: u32,
    end: u32,
    bytes: u64,
}

impl AnchorPlace {
    /// One of 64 bits for an anchor's three bytes ([`anchor_bytes`]).
    #[inline(always)]
    fn bit(bytes: u32) -> u64 {
        1u64 << (bytes.wrapping_mul(0x9e37_79b1) >> 26)
    }
}

impl<T> Default for AnchorTable<T> {
    fn default() -> Self {
        AnchorTable {
            places: Box::default(),
            entries: Box::default(),
        }
    }
}

/// The bits of an anchor that say where its bytes are (field, offset) and whether any is `?`;
/// the others are its bytes.
const ANCHOR_PLACE: u32 = !0x00ff_ffff;
/// The bit of an anchor that says one of its bytes is a `?` (held as a zero byte).
const ANCHOR_WILD: u32 = 1 << 29;

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
    pattern
        .split('*')
        .rev()
        .find_map(|piece| piece_gram(piece.as_bytes()))
}

/// The gram of the rightmost usable window of one piece.
fn piece_gram(piece: &[u8]) -> Option<u16> {
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
        if let Some(word) = self.bits.get_mut(usize::from(bit >> 6) & 63) {
            *word |= 1 << (bit & 63);
        }
    }

    #[inline]
    fn has(&self, bit: u16) -> bool {
        // The word index is below 64 by construction, so the lookup never fails.
        let word = self.bits.get(usize::from((bit >> 6) & 63)).copied();
        word.is_some_and(|w| (w >> (bit & 63)) & 1 != 0)
    }

    fn fill_plain(&mut self, text: &[u8]) {
        for w in text.windows(4) {
            if let [a, b, c, d] = *w {
                self.set(gram_word_bit(PLAIN, u32::from_le_bytes([a, b, c, d])));
            }
        }
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

/// How many condition results a request remembers (direct-mapped).
const MEMO: usize = 16;
/// How many pattern results a request remembers (direct-mapped; a power of two).
const PATTERN_MEMO: usize = 32;
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
    /// [`arn_colons`] of the text.
    colons: Option<[u32; 4]>,
    plain: Option<GramSet>,
    extra: Option<GramSet>,
    /// `id << 1 | result` by slot, for patterns (by a hash of the id: ids are arena offsets)
    /// and for conditions (by `id % MEMO`).
    patterns: [u32; PATTERN_MEMO],
    conditions: [u32; MEMO],
    /// [`is_pipeline`](ResourceText::is_pipeline), once asked.
    pipeline: Option<bool>,
}

/// The text and field starts of a [`ResourceText`] with colons, for testing anchors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AnchorProbe<'a> {
    bytes: &'a [u8],
    /// Where the service, region, account and relative id start.
    starts: [u32; 4],
}

impl AnchorProbe<'_> {
    /// The text's three bytes where an anchor (its field and offset; the rest of it is not
    /// read) places its own, as the anchor holds them; `None` where the text has no byte
    /// there.
    #[inline(always)]
    pub(crate) fn bytes_at(&self, anchor: u32) -> Option<u32> {
        let start = *self.starts.get(((anchor >> 30) & 3) as usize)?;
        let at = start as usize + ((anchor >> 24) & 31) as usize;
        // The four bytes that end with the three, in one load: every field has a byte before
        // it (a colon), and the three may end the text.
        let word = self.bytes.get(at.checked_sub(1)?..at + ANCHOR_BYTES)?;
        let word: [u8; 4] = word.try_into().ok()?;
        Some(u32::from_le_bytes(word) >> 8)
    }

    /// Whether the text has the anchor's bytes where it places them (`?` matching any byte):
    /// if not, no pattern with this anchor matches the text.
    #[inline(always)]
    pub(crate) fn hit(&self, anchor: u32) -> bool {
        let Some(word) = self.bytes_at(anchor) else {
            return false;
        };
        // The anchor's zero bytes (`?`) match any byte.
        let expected = anchor_bytes(anchor);
        if anchor & ANCHOR_WILD == 0 {
            return word == expected;
        }
        // The high bit of each byte that is not zero, then that byte all ones.
        let nonzero = (((expected & 0x7f7f_7f7f) + 0x7f7f_7f7f) | expected) & 0x0080_8080;
        let care = (nonzero >> 7) * 0xff;
        (word ^ expected) & care == 0
    }

    /// Whether the text may match either of two anchors (one per pattern of a candidate):
    /// for anchors that are not [`NO_ANCHOR`].
    #[inline(always)]
    pub(crate) fn hits_either(&self, [a, b]: [u32; 2]) -> bool {
        self.hit(a) || (b != a && self.hit(b))
    }
}

impl<'a> ResourceText<'a> {
    /// The text of a resource; `ascii` must say whether it is ASCII.
    #[cfg(test)]
    pub(crate) fn new(text: &'a str, ascii: bool) -> ResourceText<'a> {
        Self::with_colons(text, ascii, arn_colons(text))
    }

    /// A resource's text; `ascii` must say whether it is ASCII, and `colons` be
    /// [`arn_colons`] of it (a request has found both already).
    #[inline]
    pub(crate) fn with_colons(
        text: &'a str,
        ascii: bool,
        colons: Option<[u32; 4]>,
    ) -> ResourceText<'a> {
        ResourceText {
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

    /// The relative id (after the fourth colon) of a text with [`arn_colons`].
    #[inline]
    pub(crate) fn relative(&self) -> Option<&'a [u8]> {
        let [_, _, _, d] = self.colons?;
        self.text.as_bytes().get(d as usize + 1..)
    }

    /// Whether the text is an image pipeline's ARN as the hot action names one: ASCII, four
    /// colons, service `ecs`, relative id `imagepipeline/...` (see
    /// [`covers_every_pipeline`]).
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

    /// [`arn_colons`] of the text.
    #[cfg(test)]
    pub(crate) fn colons(&self) -> Option<[u32; 4]> {
        self.colons
    }

    /// Whether a gram set has been built for this text.
    #[inline]
    pub(crate) fn has_grams(&self) -> bool {
        self.plain.is_some() || self.extra.is_some()
    }

    /// Whether anchors can filter for this text (it has [`arn_colons`]).
    #[inline]
    pub(crate) fn has_colons(&self) -> bool {
        self.colons.is_some()
    }

    /// False only if no pattern with this anchor ([`PatternArena::anchor`]) can match the
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
        self.may_match_anchor(anchor) && (gram == u16::MAX || self.may_have_if_built(gram))
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
    fn build_plain(&mut self) -> &GramSet {
        // Filled where it lies: the set is half a kilobyte.
        let set = self.plain.insert(GramSet { bits: [0; 64] });
        set.fill_plain(self.text.as_bytes());
        set
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

    /// [`may_have_either`](ResourceText::may_have_either) when the plain gram set is already
    /// built, else true (a second filter after an anchor, not worth building the set for).
    #[inline]
    pub(crate) fn may_have_either_if_built(&self, pair: u32) -> bool {
        let (a, b) = ((pair >> 16) as u16, (pair & 0xffff) as u16);
        self.may_have_if_built(a) || self.may_have_if_built(b)
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
fn pattern_slot(id: u32) -> usize {
    (id.wrapping_mul(0x9e37_79b1) >> (32 - PATTERN_MEMO.trailing_zeros())) as usize
}

/// The remembered result of `id` in its memo slot, if that slot holds it.
#[inline]
fn recall(memo: &[u32], slot: usize, id: u32) -> Option<bool> {
    let held = *memo.get(slot)?;
    (held != MEMO_EMPTY && held >> 1 == id).then_some(held & 1 == 1)
}

#[inline]
fn store(memo: &mut [u32], slot: usize, id: u32, result: bool) {
    // Ids (condition numbers, arena offsets) are below 2^31 by the compiler's limits, so
    // `id << 1 | result` is never MEMO_EMPTY and keeps the whole id.
    if id < 1 << 31 {
        if let Some(held) = memo.get_mut(slot) {
            *held = id << 1 | u32::from(result);
        }
    }
}

/// Picks the cheapest strategy that matches exactly what the general matcher matches.
fn classify<'p, T>(
    pattern: &'p str,
    any: T,
    exact: impl FnOnce(&'p str) -> T,
    prefix: impl FnOnce(&'p str) -> T,
    general: impl FnOnce(&'p str) -> T,
) -> T {
    if !has_wildcard(pattern) {
        return exact(pattern);
    }
    // `*`, `**`, ...: any text, the empty one included.
    if pattern.bytes().all(|b| b == b'*') {
        return any;
    }
    if let Some(literal) = pattern.strip_suffix('*') {
        let literal = literal.trim_end_matches('*');
        if !has_wildcard(literal) {
            return prefix(literal);
        }
    }
    general(pattern)
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
    eq_by_words(a, b, eq_fold_word, <[u8]>::eq_ignore_ascii_case)
}

/// Whether eight bytes equal eight others ignoring ASCII case. Folding only ever sets a byte's
/// `0x20` bit, so words that differ in another bit differ however they fold: most keys that
/// are not the same (`acs:SourceIp`, `ecs:tag/team`) are told apart without folding.
#[inline]
fn eq_fold_word(x: u64, y: u64) -> bool {
    const CASE_BITS: u64 = 0x2020_2020_2020_2020;
    (x ^ y) & !CASE_BITS == 0 && fold_word(x) == fold_word(y)
}

/// Whether two context keys are the same key (C6: ASCII case ignored), the plain comparison
/// first: most requests spell a key as the policy or the documentation does.
#[inline]
pub(crate) fn eq_key(a: &str, b: &str) -> bool {
    eq_bytes(a.as_bytes(), b.as_bytes()) || eq_fold(a.as_bytes(), b.as_bytes())
}

/// A hash of the ASCII-lower-cased bytes, eight at a time (FxHash-style mixing).
#[inline]
pub(crate) fn folded_hash(text: &str) -> u64 {
    let bytes = text.as_bytes();
    mix(fx_words(bytes.len() as u64, bytes, fold_word))
}

/// FxHash-style mixing of `bytes` into `hash`, eight at a time (the last word zero-padded),
/// each word passed through `map` first.
#[inline]
fn fx_words(mut hash: u64, bytes: &[u8], map: impl Fn(u64) -> u64) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        hash = (hash.rotate_left(5) ^ map(u64::from_le_bytes(word))).wrapping_mul(K);
    }
    let rest = chunks.remainder().len();
    if rest != 0 {
        let word = padded_tail(bytes, rest);
        hash = (hash.rotate_left(5) ^ map(word)).wrapping_mul(K);
    }
    hash
}

/// The last `rest` bytes of `bytes` (`rest` is its length modulo eight, not zero) as a
/// little-endian word, zero-padded, assembled from loads of the text itself. Copying them into
/// a zeroed word on the stack and reading that back would wait for the bytes' narrow stores to
/// reach the cache (a wide load cannot be served from several narrower stores); the prefix
/// filter hashes a request's relative id this way at every prefix length.
#[inline(always)]
fn padded_tail(bytes: &[u8], rest: usize) -> u64 {
    match bytes.len().checked_sub(8) {
        // The last eight bytes, of which the first `8 - rest` were read already.
        Some(at) => word_at(bytes, at) >> (8 * (8 - rest)),
        None => short_word(bytes),
    }
}

/// The eight bytes of `bytes` from `at` as a little-endian word; 0 if there are not eight.
#[inline(always)]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
        .map_or(0, u64::from_le_bytes)
}

/// The four bytes of `bytes` from `at` as a little-endian word; 0 if there are not four.
#[inline(always)]
fn half_at(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 4)
        .and_then(|w| <[u8; 4]>::try_from(w).ok())
        .map_or(0, |w| u64::from(u32::from_le_bytes(w)))
}

/// A string of at most seven bytes as a little-endian word, zero-padded: two loads of four
/// that overlap (both hold the same bytes there) from four bytes on, the bytes one by one
/// below. Never a copy through the stack (see [`padded_tail`]).
#[inline(always)]
fn short_word(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    if n >= 4 {
        half_at(bytes, 0) | half_at(bytes, n - 4) << (8 * (n - 4))
    } else {
        bytes
            .iter()
            .enumerate()
            .fold(0, |w, (i, b)| w | u64::from(*b) << (8 * i))
    }
}

/// The SplitMix64 finalizer. A multiply only carries a byte's bits upwards, so without it the
/// low bits (which pick the slot) of the hash of `user1`…`user9999` depend on the first bytes
/// alone, and such names pile up in a few slots.
#[inline]
fn mix(hash: u64) -> u64 {
    let z = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
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

/// The longest name a [`NameTable`] slot holds itself, as two words.
const SHORT_NAME: usize = 16;

/// A name of at most [`SHORT_NAME`] bytes as two words that tell it from every other name of
/// its length: its first and last eight bytes (overlapping below 16), or below eight its bytes
/// as one zero-padded word ([`short_word`]). A few loads instead of a loop over its bytes.
#[inline(always)]
fn short_name(name: &[u8]) -> Option<[u64; 2]> {
    let n = name.len();
    Some(match n {
        8..=SHORT_NAME => [word_at(name, 0), word_at(name, n - 8)],
        0..=7 => [short_word(name), 0],
        _ => return None,
    })
}

/// A [`NameTable`] slot: the id + 1 (0: empty), and either the name itself as
/// [`short_name`]'s words (`len` at most [`SHORT_NAME`]), so that finding a short name reads
/// this one cache line, or half of a longer name's hash.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
struct NameSlot {
    words: [u64; 2],
    high: u32,
    id: u32,
    len: u8,
}

/// An open-addressing table from names (compared exactly) to the dense ids `0..len` they were
/// added with. A short name sits in its slot, so a lookup reads one cache line; longer names
/// sit side by side in one buffer. A `HashMap<Box<str>, u32>` reads its buckets and then a heap
/// string per name (principal lookup is on every gateway request).
#[derive(Debug, Clone, Default)]
pub(crate) struct NameTable {
    slots: Box<[NameSlot]>,
    text: String,
    /// Per id, the end of its name in `text` (it starts at the previous one's end).
    ends: Vec<u32>,
}

impl NameTable {
    /// The name's hash, and its [`short_name`] words if it is short.
    #[inline(always)]
    fn hash(name: &str) -> (u64, Option<[u64; 2]>) {
        if let Some([a, b]) = short_name(name.as_bytes()) {
            let seed = (a ^ (name.len() as u64)).wrapping_mul(0x517c_c1b7_2722_0a95);
            return (mix(seed.rotate_left(26) ^ b), Some([a, b]));
        }
        use std::hash::Hasher as _;
        let mut hasher = FastHasher::default();
        hasher.write(name.as_bytes());
        (hasher.finish(), None)
    }

    /// Adds `name` with the next id; `None` past 2^32 bytes or ids.
    pub(crate) fn push(&mut self, name: &str) -> Option<u32> {
        let id = u32::try_from(self.ends.len()).ok()?;
        self.text.push_str(name);
        self.ends.push(u32::try_from(self.text.len()).ok()?);
        if self.ends.len() * 2 > self.slots.len() {
            let size = (self.ends.len() * 4).next_power_of_two();
            self.slots = vec![NameSlot::default(); size].into_boxed_slice();
            for old in 0..=id {
                self.place(old);
            }
        } else {
            self.place(id);
        }
        Some(id)
    }

    fn place(&mut self, id: u32) {
        let Some(name) = self.name(id) else { return };
        let (hash, short) = NameTable::hash(name);
        let new = NameSlot {
            words: short.unwrap_or_default(),
            high: (hash >> 32) as u32,
            id: id + 1,
            len: u8::try_from(name.len()).unwrap_or(u8::MAX),
        };
        let mask = self.slots.len().wrapping_sub(1);
        let mut at = (hash as usize) & mask;
        while let Some(slot) = self.slots.get_mut(at) {
            if slot.id == 0 {
                *slot = new;
                return;
            }
            at = (at + 1) & mask;
        }
    }

    /// The name with id `id`.
    pub(crate) fn name(&self, id: u32) -> Option<&str> {
        let end = *self.ends.get(id as usize)? as usize;
        let start = match id.checked_sub(1) {
            Some(previous) => *self.ends.get(previous as usize)? as usize,
            None => 0,
        };
        self.text.get(start..end)
    }

    /// Every name, in id order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> + '_ {
        (0u32..).map_while(|id| self.name(id)).take(self.ends.len())
    }

    /// The id of `name`, if it was added.
    #[inline]
    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let (hash, short) = NameTable::hash(name);
        let mask = self.slots.len() - 1;
        let mut at = (hash as usize) & mask;
        loop {
            let slot = self.slots.get(at)?;
            let id = slot.id.checked_sub(1)?;
            let found = match short {
                // The words and the length tell a short name from every other.
                Some(words) => usize::from(slot.len) == name.len() && slot.words == words,
                None => slot.high == (hash >> 32) as u32 && self.name(id) == Some(name),
            };
            if found {
                return Some(id);
            }
            at = (at + 1) & mask;
        }
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
        self.0 = fx_words(self.0, bytes, |word| word);
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(n)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    #[inline]
    fn finish(&self) -> u64 {
        mix(self.0)
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

    #[test]
    fn m4_patterns_that_cover_every_pipeline() {
        for pattern in [
            "acs:ecs:*:*:imagepipeline/*",
            "acs:*:*:*:*",
            "acs:ecs:*",
            "a*",
            "acs:e?s:**:*:image*",
            "a?s:*:*:*:?magepipeline/**",
        ] {
            assert!(covers_every_pipeline(pattern), "{pattern}");
        }
        for pattern in [
            "acs:ecs:cn-*:*:imagepipeline/*",
            "acs:ecs:*:*:imagepipeline/ip-*",
            "acs:ecs:*:123:*",
            "acs:vpc:*:*:*",
            "acs:ecs:*:*:imagepipeline/*x",
            "acs:ecs:*:*:*:*",
            "acs:ecs:cn*",
            "acs:ecs:*:*:imagepipeline/",
            // Covers them too, but not in a shape this recognises: tested as any pattern.
            "*:imagepipeline/*",
        ] {
            assert!(!covers_every_pipeline(pattern), "{pattern}");
        }
        for (pattern, prefix) in [
            ("acs:ecs:*:*:imagepipeline/ip-1", Some("imagepipeline/ip-1")),
            (
                "acs:ecs:cn-*:1:imagepipeline/ip-?x*",
                Some("imagepipeline/ip-"),
            ),
            ("acs:*:*:*:*", None),
            ("acs:ecs:cn:1:*ip", None),
            ("acs:ecs:cn:imagepipeline/*", None),
            ("acs:ecs:cn:1:a:b", Some(":")),
        ] {
            assert_eq!(
                relative_prefix(pattern),
                prefix.map(str::as_bytes),
                "{pattern}"
            );
        }
        let pipeline = |text: &str| ResourceText::new(text, text.is_ascii()).is_pipeline();
        assert!(pipeline("acs:ecs:cn-hangzhou:1:imagepipeline/ip-1"));
        assert!(pipeline("acs:ecs:::imagepipeline/"));
        assert!(!pipeline(
            "acs:ecs:cn-hangzhou:1:imagepipelineexecution/e-1"
        ));
        assert!(!pipeline("acs:ecs:cn-hangzhou:1:imagepipeline/ip:1"));
        assert!(!pipeline("acs:ecsx:cn-hangzhou:1:imagepipeline/ip-1"));
        assert!(!pipeline("acs:ecs:cn-hangzhou:1:imagepipeline/ïp"));
    }

    proptest! {
        /// M1, M3: the strategies (and the gram filter) match exactly what the general
        /// matcher matches, asked once and again from the memo.
        #[test]
        fn m1_m3_classified_resource_patterns_agree_with_wildcard_match(
            pattern in "[ab:/*?é]{0,12}",
            text in "[ab:/é]{0,16}",
        ) {
            let mut arena = PatternArena::default();
            let id = arena.intern(&pattern).expect("fits");
            prop_assert_eq!(find_byte(text.as_bytes(), b'b'), text.bytes().position(|c| c == b'b'));
            let ascii = text.is_ascii();
            let expected = wildcard_match(&pattern, &text);
            let mut resource = ResourceText::new(&text, ascii);
            prop_assert_eq!(arena.is_match(id, &mut resource), expected);
            prop_assert_eq!(arena.is_match(id, &mut resource), expected);
            // The gram is a necessary condition.
            if let (true, Some(gram)) = (expected, arena.required_gram(id)) {
                prop_assert!(ResourceText::new(&text, ascii).may_have(gram));
            }
        }

        /// M1, M3: the byte-wise general matcher on ASCII texts, where `?` is one byte, with
        /// many patterns in one arena.
        #[test]
        fn m1_m3_general_matcher_agrees_on_ascii_texts(
            patterns in proptest::collection::vec("[ab:/*?]{0,14}", 1..6),
            text in "[ab:/]{0,20}",
        ) {
            let mut arena = PatternArena::default();
            let ids: Vec<u32> = patterns.iter().map(|p| arena.intern(p).expect("fits")).collect();
            arena.finish();
            let mut resource = ResourceText::new(&text, true);
            for (pattern, &id) in patterns.iter().zip(&ids) {
                let expected = wildcard_match(pattern, &text);
                prop_assert_eq!(arena.is_match(id, &mut resource), expected, "{}", pattern);
                if let (true, Some(gram)) = (expected, arena.required_gram(id)) {
                    prop_assert!(ResourceText::new(&text, true).may_have(gram));
                }
            }
        }

        /// M1, M4: a pattern said to cover every image pipeline matches every pipeline ARN, and
        /// a text is a pipeline's exactly when it has that shape. The patterns are built to
        /// cover them, then perhaps one field is swapped for one that does not.
        #[test]
        fn m1_m4_a_pattern_that_covers_every_pipeline_matches_each_one(
            mut fields in (
                "acs|a[?]s|[*]|a[*]",
                "ecs|e[?]s|[*]|e[*]|ecs[*]",
                "[*]{1,2}",
                "[*]{1,2}",
                "(imagepipeline/|image|i|[?]m|)[*]{1,2}",
            ),
            swap in proptest::option::of((0usize..5, "c|1|c[*]|x[*]|imagepipeline/i[*]|imagepipeline/|[*]x|")),
            head in "(a|acs:e|acs:ecs:|acs:ecs:c|[?]cs)[*]{1,2}x?",
            whole in any::<bool>(),
            region in "[a-z0-9-]{0,4}",
            account in "[0-9]{0,3}",
            id in "[a-z0-9/*?-]{0,5}",
            service in "ecs|vpc|ec",
            relative in "imagepipeline/|imagepipelin|image/|imagepipelineexecution/",
        ) {
            let built = |f: &(String, String, String, String, String)| {
                format!("{}:{}:{}:{}:{}", f.0, f.1, f.2, f.3, f.4)
            };
            prop_assert!(covers_every_pipeline(&built(&fields)), "{}", built(&fields));
            if let Some((field, other)) = swap {
                let slot = match field {
                    0 => &mut fields.0,
                    1 => &mut fields.1,
                    2 => &mut fields.2,
                    3 => &mut fields.3,
                    _ => &mut fields.4,
                };
                *slot = other;
            }
            let pattern = if whole { head } else { built(&fields) };
            let arn = format!("acs:ecs:{region}:{account}:imagepipeline/{id}");
            if covers_every_pipeline(&pattern) {
                prop_assert!(wildcard_match(&pattern, &arn), "{} {}", pattern, arn);
            }
            let text = format!("acs:{service}:{region}:{account}:{relative}{id}");
            let pipeline = service == "ecs" && format!("{relative}{id}").starts_with("imagepipeline/");
            prop_assert_eq!(ResourceText::new(&text, true).is_pipeline(), pipeline, "{}", text);
        }

        /// M1, M4: a text with four colons that a pattern matches has a relative id starting
        /// with the pattern's [`relative_prefix`]: texts made from the pattern (each `*` some
        /// bytes, each `?` one), and random ones.
        #[test]
        fn m1_m4_a_matching_text_starts_its_relative_id_with_the_patterns_prefix(
            fields in proptest::collection::vec("[ab?*-]{0,3}", 3..7),
            stars in proptest::collection::vec("[ab:]{0,2}", 24),
            random in proptest::collection::vec("[ab-]{0,3}", 4),
        ) {
            let pattern = format!("acs:{}", fields.join(":"));
            let mut fill = stars.iter();
            let made: String = pattern
                .chars()
                .map(|c| match c {
                    '*' => fill.next().cloned().unwrap_or_default(),
                    '?' => "b".to_owned(),
                    c => c.to_string(),
                })
                .collect();
            for text in [made, format!("acs:{}", random.join(":"))] {
                let resource = ResourceText::new(&text, true);
                let (Some(relative), true) = (resource.relative(), wildcard_match(&pattern, &text))
                else {
                    continue;
                };
                if let Some(prefix) = relative_prefix(&pattern) {
                    prop_assert!(relative.starts_with(prefix), "{} {}", pattern, text);
                }
            }
        }

        /// M1, M3: an ARN-shaped pattern (four colons) matched field by field agrees with the
        /// general matcher, on texts with four colons and on texts with more (where a `*` may
        /// take a colon, and the field split does not apply).
        #[test]
        fn m1_m3_field_matcher_agrees_on_arn_shaped_texts(
            first in "acs|a[c?]s|\\*|[ab]{0,3}",
            fields in proptest::collection::vec("[ab?*-]{0,4}|[ab-]{5,12}", 4),
            text_first in "acs|[ab]{0,3}",
            text_fields in proptest::collection::vec("[ab-]{0,3}|[ab-]{9,14}", 4..6),
        ) {
            let pattern = format!("{first}:{}", fields.join(":"));
            let text = format!("{text_first}:{}", text_fields.join(":"));
            let mut arena = PatternArena::default();
            let id = arena.intern(&pattern).expect("fits");
            let expected = wildcard_match(&pattern, &text);
            let mut resource = ResourceText::new(&text, true);
            prop_assert_eq!(
                resource.colons().is_some(),
                text_fields.len() == 4 && text_first == "acs"
            );
            prop_assert_eq!(arena.is_match(id, &mut resource), expected, "{} {}", pattern, text);
        }

        /// The same on texts made from the pattern (each `*` some bytes, each `?` one), so that
        /// most of them match, then perhaps one byte changed: random texts rarely match, and a
        /// field misjudged (`*?` taken for a literal) only shows on a text that does.
        #[test]
        fn m1_m3_field_matcher_agrees_on_texts_made_from_the_pattern(
            fields in proptest::collection::vec("[ab?*-]{0,4}", 4),
            stars in proptest::collection::vec("[ab:-]{0,3}", 16),
            change in proptest::option::of((0usize..40, "[ab:*-]")),
        ) {
            let pattern = format!("acs:{}", fields.join(":"));
            let mut expansions = stars.iter();
            let mut text = String::new();
            for c in pattern.chars() {
                match c {
                    '*' => text.push_str(expansions.next().map_or("", String::as_str)),
                    '?' => text.push('b'),
                    c => text.push(c),
                }
            }
            if let Some((at, byte)) = change {
                if at < text.len() {
                    text.replace_range(at..=at, &byte);
                }
            }
            if text.contains('*') {
                return Ok(());
            }
            let mut arena = PatternArena::default();
            let id = arena.intern(&pattern).expect("fits");
            let mut resource = ResourceText::new(&text, true);
            prop_assert_eq!(
                arena.is_match(id, &mut resource),
                wildcard_match(&pattern, &text),
                "{} {}", pattern, text
            );
        }

        /// The anchor table finds exactly the items whose plain anchor the text has, each
        /// once per time it was added.
        #[test]
        fn anchor_table_finds_exactly_the_anchors_the_text_hits(
            patterns in proptest::collection::vec(
                proptest::collection::vec("[ab-]{0,6}\\*?|\\*", 4), 0..12),
            text_fields in proptest::collection::vec("[ab-]{0,6}", 4),
        ) {
            let mut arena = PatternArena::default();
            let mut anchors = Vec::new();
            for (item, fields) in patterns.iter().enumerate() {
                let id = arena.intern(&format!("acs:{}", fields.join(":"))).expect("fits");
                let anchor = arena.anchor(id);
                if anchor_is_plain(anchor) {
                    // Twice, so that items share anchors.
                    anchors.push((anchor, item));
                    anchors.push((anchor, item + patterns.len()));
                }
            }
            let table = AnchorTable::new(anchors.clone()).expect("fits");
            let text = format!("acs:{}", text_fields.join(":"));
            let resource = ResourceText::new(&text, true);
            prop_assert!(resource.has_colons());
            let probe = resource.probe();
            let mut found = Vec::new();
            table.for_each_hit(&probe, |item| found.push(item));
            found.sort_unstable();
            let mut expected: Vec<usize> =
                anchors.iter().filter(|(a, _)| probe.hit(*a)).map(|(_, i)| *i).collect();
            expected.sort_unstable();
            prop_assert_eq!(found, expected);
            let mut all: Vec<usize> = table.items().collect();
            all.sort_unstable();
            let mut every: Vec<usize> = anchors.iter().map(|(_, i)| *i).collect();
            every.sort_unstable();
            prop_assert_eq!(all, every);
        }

        /// An anchor is a necessary condition: every text a pattern matches passes its
        /// pattern's anchor (exact, prefix and field-split patterns, `?` anywhere).
        #[test]
        fn m1_m3_every_match_passes_the_anchor(
            first in "acs|a\\?s|\\*|ac\\*",
            fields in proptest::collection::vec("[ab?*-]{0,5}|[ab-]{3,40}", 4),
            text_fields in proptest::collection::vec("[ab-]{0,5}|[ab-]{30,40}", 4..6),
        ) {
            let pattern = format!("{first}:{}", fields.join(":"));
            let text = format!("acs:{}", text_fields.join(":"));
            let mut arena = PatternArena::default();
            let id = arena.intern(&pattern).expect("fits");
            let resource = ResourceText::new(&text, true);
            if wildcard_match(&pattern, &text) {
                prop_assert!(resource.may_match_anchor(arena.anchor(id)), "{} {}", pattern, text);
            }
            // A text the pattern surely matches: each `*` some bytes, each `?` one.
            let derived = pattern.replace('*', "ab-").replace('?', "b");
            prop_assert!(wildcard_match(&pattern, &derived));
            prop_assert!(
                ResourceText::new(&derived, true).may_match_anchor(arena.anchor(id)),
                "{} {}", pattern, derived
            );
        }

        /// The eight-at-a-time fold is ASCII lower-casing.
        #[test]
        fn fold_word_lowercases_ascii_only(bytes in any::<[u8; 8]>()) {
            let folded = fold_word(u64::from_le_bytes(bytes)).to_le_bytes();
            prop_assert_eq!(folded, bytes.map(|b| b.to_ascii_lowercase()));
        }

        /// C6, M2: comparing eight bytes at a time ignoring case is `eq_ignore_ascii_case`,
        /// for every length (a remainder read overlapping, or byte by byte) and for bytes that
        /// differ only in the case bit without being letters (`@` and `` ` ``).
        #[test]
        fn eq_fold_is_eq_ignore_ascii_case(
            a in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'A'), Just(b'@'), Just(b'`'), Just(b'z'), Just(b'Z'), Just(b'['), Just(b'{'), Just(0xc3u8), Just(0xe3u8)], 0..20),
            flips in proptest::collection::vec(any::<u8>(), 20),
        ) {
            // The same bytes with some cases flipped and, now and then, one byte changed.
            let b: Vec<u8> = a.iter().zip(&flips).map(|(x, f)| match f % 7 {
                0 => x ^ 0x20,
                1 => x.to_ascii_uppercase(),
                2 => b'q',
                _ => *x,
            }).collect();
            prop_assert_eq!(eq_fold(&a, &b), a.eq_ignore_ascii_case(&b));
            prop_assert_eq!(eq_fold(&a, &a), true);
            prop_assert_eq!(eq_bytes(&a, &b), a == b);
            prop_assert_eq!(eq_bytes(&a, &a), true);
        }

        /// C6: keys compare as `eq_ignore_ascii_case` does, whichever words differ and how.
        #[test]
        fn c6_eq_key_is_eq_ignore_ascii_case(
            a in "[aAzZ@`\\[{:/é]{0,20}",
            flips in proptest::collection::vec(any::<u8>(), 20),
        ) {
            // Some letters' case changed, some bytes changed in the case bit alone (`@`/`` ` ``,
            // `[`/`{`: not the same key), now and then another character.
            let b: String = a.chars().zip(flips.iter().chain(std::iter::repeat(&9))).map(|(c, f)| match f % 6 {
                0 => c.to_ascii_uppercase(),
                1 => c.to_ascii_lowercase(),
                2 if c.is_ascii() => char::from(c as u8 ^ 0x20),
                3 => 'q',
                _ => c,
            }).collect();
            prop_assert_eq!(eq_key(&a, &b), a.eq_ignore_ascii_case(&b));
            prop_assert_eq!(eq_key(&a, &a), true);
        }

        /// The hashed words are the bytes eight at a time, the last zero-padded, whatever the
        /// length: the tail assembled from loads of the text equals the tail copied.
        #[test]
        fn fx_words_pads_the_last_word_with_zeros(
            bytes in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            let words = std::cell::RefCell::new(Vec::new());
            fx_words(0, &bytes, |w| { words.borrow_mut().push(w); 0 });
            let copied: Vec<u64> = bytes.chunks(8).map(|chunk| {
                let mut word = [0u8; 8];
                word.get_mut(..chunk.len()).expect("a chunk has at most 8").copy_from_slice(chunk);
                u64::from_le_bytes(word)
            }).collect();
            prop_assert_eq!(words.into_inner(), copied);
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
        let kind = |pattern: &str| {
            let mut arena = PatternArena::default();
            let id = arena.intern(pattern).expect("fits");
            arena.stored(id).map(|stored| stored.kind)
        };
        assert_eq!(kind("*"), Some(KIND_ANY));
        assert_eq!(kind("**"), Some(KIND_ANY));
        assert_eq!(kind("a"), Some(KIND_EXACT));
        assert_eq!(kind("a*"), Some(KIND_PREFIX));
        assert_eq!(kind("a**"), Some(KIND_PREFIX));
        assert_eq!(kind("a?*"), Some(KIND_GENERAL));
        assert_eq!(kind("*a"), Some(KIND_GENERAL));
        // Four colons, as an ARN has: matched field by field.
        assert_eq!(kind("acs:ecs:*:*:imagepipeline/ip-?*"), Some(KIND_FIELDS));
        assert_eq!(kind("acs:*:ap-*:*:*"), Some(KIND_FIELDS));
        assert_eq!(kind("*:imagepipeline/build-*"), Some(KIND_GENERAL));
        assert_eq!(kind("acs:ecs:*:*:*:x*"), Some(KIND_GENERAL));
        assert!(matches!(
            ActionPattern::new("ecs:Describe*"),
            ActionPattern::Prefix(_)
        ));
    }

    #[test]
    fn m1_a_pattern_with_more_pieces_than_the_header_counts_uses_the_reference_matcher() {
        let pattern = format!("x{}*", "*a".repeat(70_000));
        let mut arena = PatternArena::default();
        let id = arena.intern(&pattern).expect("fits");
        assert_eq!(arena.stored(id).map(|s| s.kind), Some(KIND_REFERENCE));
        for (text, expected) in [
            (format!("x{}", "a".repeat(70_000)), true),
            ("xaaa".to_owned(), false),
            ("ya".to_owned(), false),
        ] {
            assert_eq!(wildcard_match(&pattern, &text), expected);
            assert_eq!(
                arena.is_match(id, &mut ResourceText::new(&text, true)),
                expected
            );
        }
    }

    #[test]
    fn m1_arena_stores_a_pattern_once() {
        let mut arena = PatternArena::default();
        let a = arena.intern("acs:ecs:*:*:imagepipeline/*");
        let b = arena.intern("acs:ecs:cn-*:*:imagepipeline/ip-?*");
        assert_ne!(a, b);
        assert_eq!(arena.intern("acs:ecs:*:*:imagepipeline/*"), a);
    }

    #[test]
    fn anchors_sit_where_identifiers_differ() {
        let anchored = |pattern: &str, text: &str| {
            let mut arena = PatternArena::default();
            let id = arena.intern(pattern).expect("fits");
            ResourceText::new(text, true).may_match_anchor(arena.anchor(id))
        };
        let arn = "acs:ecs:cn-hangzhou:1:imagepipeline/ip-team42-7";
        // The relative id's last literal bytes before the first `*`.
        assert!(anchored("acs:ecs:*:1:imagepipeline/ip-team42-*", arn));
        assert!(!anchored("acs:ecs:*:1:imagepipeline/ip-team43-*", arn));
        assert!(!anchored(
            "acs:ecs:cn-hangzhou:1:imagepipeline/ip-team42-8",
            arn
        ));
        // A `?` stands for any byte; a window with one is taken when it lies further right.
        assert!(anchored("acs:ecs:*:*:imagepipeline/ip-team?2-*", arn));
        assert!(!anchored("acs:ecs:*:*:imagepipeline/ip-team?3-*", arn));
        // No literal in the relative id: the region's.
        assert!(!anchored("acs:*:ap-*:*:*", arn));
        assert!(anchored("acs:*:cn-*:*:*", arn));
        // Not four colons in the pattern, or in the text: no filtering.
        let mut arena = PatternArena::default();
        let id = arena.intern("*:imagepipeline/x-*").expect("fits");
        assert_eq!(arena.anchor(id), NO_ANCHOR);
        assert!(anchored(
            "acs:ecs:*:1:imagepipeline/zzz",
            "acs:ecs:r:1:a:imagepipeline/zzz"
        ));
    }

    #[test]
    fn required_gram_looks_past_a_short_last_piece() {
        // `acs:*:ap-*:*:*`: the last pieces are too short, `:ap-` is not.
        let mut arena = PatternArena::default();
        let id = arena.intern("acs:*:ap-*:*:*").expect("fits");
        let gram = arena.required_gram(id).expect("a gram from `:ap-`");
        assert!(ResourceText::new("acs:ecs:ap-southeast-1:1:x", true).may_have(gram));
        assert!(!ResourceText::new("acs:ecs:cn-hangzhou:1:imagepipeline/x", true).may_have(gram));
    }

    #[test]
    fn m2_action_prefix_ignores_ascii_case_only() {
        assert!(ActionPattern::new("ECS:describe*").is_match("ecs:DescribeX"));
        assert!(!ActionPattern::new("é*").is_match("É"));
        assert!(ActionPattern::new("ecs:A").is_match("ECS:a"));
    }

    #[test]
    fn name_table_finds_every_name_exactly() {
        let mut table = NameTable::default();
        // Short names sit in their slots; these longer ones (past 16 bytes, and past 255) in
        // the shared buffer.
        let names: Vec<String> = (0..300)
            .map(|i| match i % 3 {
                0 => format!("user{i}"),
                1 => format!("a-rather-long-user-name-{i}"),
                _ => format!("{}{i}", "x".repeat(300)),
            })
            .collect();
        for (i, name) in names.iter().enumerate() {
            assert_eq!(table.push(name), u32::try_from(i).ok());
        }
        for (i, name) in names.iter().enumerate() {
            assert_eq!(table.get(name), u32::try_from(i).ok(), "{name}");
            assert_eq!(
                table.name(u32::try_from(i).unwrap_or(0)),
                Some(name.as_str())
            );
        }
        assert_eq!(table.get("User0"), None);
        assert_eq!(table.get("user300"), None);
        assert_eq!(table.get("a-rather-long-user-name-2"), None);
        assert_eq!(table.get(&format!("{}1", "x".repeat(300))), None);
        assert_eq!(table.get(""), None);
        assert_eq!(NameTable::default().get("user1"), None);
    }

    proptest! {
        /// Every length up to and past a slot's: names that differ in a single byte anywhere,
        /// or only in length, are told apart, and a name not added is not found.
        #[test]
        fn name_table_tells_names_of_every_length_apart(
            names in proptest::collection::hash_set("[ab]{0,18}", 1..40),
            probe in "[ab]{0,18}",
        ) {
            let mut table = NameTable::default();
            let names: Vec<String> = names.into_iter().collect();
            for name in &names {
                table.push(name);
            }
            for (i, name) in names.iter().enumerate() {
                prop_assert_eq!(table.get(name), u32::try_from(i).ok());
            }
            let expected = names.iter().position(|n| *n == probe).and_then(|i| u32::try_from(i).ok());
            prop_assert_eq!(table.get(&probe), expected);
        }
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
