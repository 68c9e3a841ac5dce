//! How a pattern matches, chosen once when compiling (M1–M3), as globset's
//! `GlobSetMatchStrategy`: a pattern without wildcards compares for equality, `abc*` is a prefix
//! test, `*` matches anything, a general pattern with four colons is matched field by field as
//! an ARN, and everything else goes to the general matcher, whose semantics are
//! [`crate::matching`]'s (the reference). Owns the action patterns and the resource patterns'
//! strategies and matchers; the arena that stores resource patterns is [`super::arena`].

use super::arena::Stored;
use super::text::{eq_bytes, eq_fold, find_byte, word};
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

/// How a resource pattern is matched (M1, M3), chosen once when it is interned; the arena
/// keeps it as the first byte of the pattern's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Strategy {
    /// `*`, `**`, ...: any text.
    Any = 0,
    /// No wildcard: equal.
    Exact = 1,
    /// `literal*`: the text starts with the literal.
    Prefix = 2,
    /// Anything else, on an ASCII text: [`general_match`].
    General = 3,
    /// A general pattern with more middle pieces than the header counts: the reference
    /// matcher.
    Reference = 4,
    /// A general ASCII pattern with exactly four colons, as an ARN has: also split into its
    /// five fields (see [`fields_match`]).
    Fields = 5,
}

impl Strategy {
    /// The strategy a header byte holds.
    #[inline(always)]
    pub(crate) fn from_byte(byte: u8) -> Option<Strategy> {
        Some(match byte {
            0 => Strategy::Any,
            1 => Strategy::Exact,
            2 => Strategy::Prefix,
            3 => Strategy::General,
            4 => Strategy::Reference,
            5 => Strategy::Fields,
            _ => return None,
        })
    }

    /// Whether the arena keeps the pattern's middle pieces (and field table) after its text.
    #[inline(always)]
    pub(crate) fn has_pieces(self) -> bool {
        matches!(self, Strategy::General | Strategy::Fields)
    }
}

/// How many fields an ARN has (`acs:<service>:<region>:<account>:<relative id>`).
pub(crate) const FIELDS: usize = 5;
/// The bytes of one field's entry in the arena: start in the pattern text (`u16`), length
/// (`u16`), how it matches ([`FieldMatch`]), whether it has `?`, the field's number, and a zero.
/// The table is a count (in a word of its own), then the entries of the fields that are not
/// all `*`, the relative id first (it tells patterns apart best).
pub(crate) const FIELD_ENTRY: usize = 8;

/// How one field of a [`Strategy::Fields`] pattern matches the text's field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum FieldMatch {
    /// All `*`: any field (not kept in the table).
    Any = 0,
    /// No `*`: equal (`?` any one byte).
    Literal = 1,
    /// `literal*`: starts with the literal.
    Prefix = 2,
    /// Anything else: the general matcher.
    General = 3,
}

impl FieldMatch {
    /// The field match an entry's byte holds.
    #[inline(always)]
    fn from_byte(byte: u8) -> Option<FieldMatch> {
        Some(match byte {
            0 => FieldMatch::Any,
            1 => FieldMatch::Literal,
            2 => FieldMatch::Prefix,
            3 => FieldMatch::General,
            _ => return None,
        })
    }
}

/// The general matcher on an ASCII text, where `?` is one byte: the pattern's pieces between
/// stars are the first (pinned to the start of the text), the last (pinned to its end) and the
/// middle ones, found leftmost in order, as [`crate::matching`] does; no backtracking is needed.
#[inline]
pub(crate) fn general_match(stored: &Stored<'_>, t: &[u8]) -> bool {
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
pub(crate) fn arn_fields(text: &[u8]) -> Option<[&[u8]; FIELDS]> {
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
pub(crate) fn field_table(pattern: &str) -> Option<Vec<u8>> {
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
            FieldMatch::Literal
        } else if literal.is_empty() {
            FieldMatch::Any
        } else if !literal.contains(&b'*') {
            FieldMatch::Prefix
        } else {
            FieldMatch::General
        };
        let len = if kind == FieldMatch::Prefix {
            literal.len()
        } else {
            field.len()
        };
        // Every text with colons to split at begins `acs:` (see `RequestScratch::colons`).
        let always = number == 0 && field == b"acs";
        if kind != FieldMatch::Any && !always {
            let mut entry = Vec::with_capacity(FIELD_ENTRY);
            entry.extend_from_slice(&u16::try_from(start).ok()?.to_le_bytes());
            entry.extend_from_slice(&u16::try_from(len).ok()?.to_le_bytes());
            entry.extend_from_slice(&[kind as u8, u8::from(field.contains(&b'?')), number, 0]);
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

/// A [`Strategy::Fields`] pattern on an ASCII text with exactly four colons (at `colons`).
///
/// The pattern's four literal colons must each match one of the text's colons, in order, so
/// they take all four: no `*` or `?` matches a colon, and the pattern matches exactly when each
/// of its fields matches the text's field of the same number. The relative id is tested first:
/// it tells patterns apart best.
#[inline]
pub(crate) fn fields_match(p: &[u8], entries: &[u8], t: &[u8], colons: [u32; 4]) -> bool {
    let [a, b, c, d] = colons.map(|c| c as usize);
    let bounds = [(0, a), (a + 1, b), (b + 1, c), (c + 1, d), (d + 1, t.len())];
    for entry in entries.chunks_exact(FIELD_ENTRY) {
        let mut w = [0u8; FIELD_ENTRY];
        w.copy_from_slice(entry);
        let w = u64::from_le_bytes(w);
        let (from, len) = ((w & 0xffff) as usize, ((w >> 16) & 0xffff) as usize);
        let (kind, wild, field) = ((w >> 32) as u8, (w >> 40) as u8 != 0, (w >> 48) as u8);
        let Some(kind) = FieldMatch::from_byte(kind) else {
            return false;
        };
        let Some(&(start, end)) = bounds.get(usize::from(field)) else {
            return false;
        };
        let Some(window) = t.get(start..end) else {
            return false;
        };
        let fits = match kind {
            FieldMatch::Literal => window.len() == len,
            FieldMatch::Prefix => window.len() >= len,
            FieldMatch::Any | FieldMatch::General => true,
        };
        if !fits {
            return false;
        }
        // A short literal (`ecs`, a region) in one masked comparison of two words, where both
        // have eight bytes to read (the pattern's run on into the arena, the text's into the
        // next fields).
        if kind != FieldMatch::General && !wild && len <= 8 {
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
            FieldMatch::Literal => piece_eq(piece, window, wild),
            FieldMatch::Prefix => window
                .get(..piece.len())
                .is_some_and(|head| piece_eq(piece, head, wild)),
            FieldMatch::Any | FieldMatch::General => {
                match (std::str::from_utf8(piece), std::str::from_utf8(window)) {
                    (Ok(piece), Ok(window)) => wildcard_match(piece, window),
                    _ => false,
                }
            }
        };
        if !matched {
            return false;
        }
    }
    true
}

/// M1 for a pattern without wildcards (`prefix`: one that had a single trailing `*`).
#[inline(always)]
pub(crate) fn literal_match(pattern: &[u8], prefix: bool, text: &[u8]) -> bool {
    if prefix {
        text.get(..pattern.len())
            .is_some_and(|head| eq_bytes(head, pattern))
    } else {
        eq_bytes(pattern, text)
    }
}

/// Whether a piece matches a window of the text: equal, or, when the pattern has `?`
/// (`wild`), equal but where the piece has `?`.
#[inline]
pub(crate) fn piece_eq(piece: &[u8], window: &[u8], wild: bool) -> bool {
    if !wild {
        return eq_bytes(piece, window);
    }
    piece.len() == window.len() && piece.iter().zip(window).all(|(p, t)| *p == b'?' || p == t)
}

/// The end of the leftmost occurrence of `piece` (`?` any one byte) in `hay`.
#[inline]
pub(crate) fn find_piece(piece: &[u8], wild: bool, hay: &[u8]) -> Option<usize> {
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

/// Picks the cheapest strategy that matches exactly what the general matcher matches.
pub(crate) fn classify<'p, T>(
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

/// The service part of an action pattern, when it is a literal (`ecs` in `ecs:Describe*`): the
/// pattern can then only match actions of that service.
pub(crate) fn literal_service(pattern: &str) -> Option<&str> {
    let (service, _) = pattern.split_once(':')?;
    (!has_wildcard(service)).then_some(service)
}
