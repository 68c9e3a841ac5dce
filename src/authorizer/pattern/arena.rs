//! The pattern arena: every distinct resource pattern of a catalog, flattened into one byte
//! buffer with its strategy, so that matching a pattern reads one place in memory.

use std::collections::HashMap;

use super::anchor::{anchor_of, NO_ANCHOR};
use super::gram::required_gram;
use super::names::FastState;
use super::scratch::{pattern_slot, recall, store, RequestScratch};
use super::strategy::*;
use super::text::word;
use crate::matching::wildcard_match;

/// The header of a pattern in a [`PatternArena`]: kind, whether it has `?`, how many middle
/// pieces it has, then the text's length and the positions of its first and last `*` (general
/// patterns), little-endian. A general pattern's text is followed by its middle pieces, each
/// `(start, len)` in the text as two `u32`.
pub(crate) const HEADER: usize = 16;

/// A pattern as the arena holds it.
pub(crate) struct Stored<'a> {
    pub(super) kind: Strategy,
    pub(super) wild: bool,
    pub(super) text: &'a [u8],
    pub(super) first_star: usize,
    pub(super) last_star: usize,
    /// The middle pieces' `(start, len)` pairs.
    pub(super) pieces: &'a [u8],
}

/// Every distinct `Resource`/`NotResource` pattern of a catalog (case-sensitive, M3), flattened
/// into one byte arena: a pattern is its offset there, header and text side by side.
///
/// Matching a pattern reads one place in memory. The boxed form this replaces (a set holding
/// boxed patterns holding boxed pieces) made the Large workload wait on five dependent loads per
/// statement; the arena also stores a pattern shared by many statements once.
#[derive(Debug, Clone, Default)]
pub(crate) struct PatternArena {
    pub(super) bytes: Vec<u8>,
    /// Compile-time interning table, dropped by [`finish`](PatternArena::finish).
    pub(super) ids: HashMap<Box<str>, u32, FastState>,
}

impl PatternArena {
    /// The id of `pattern`, adding it if new; `None` past 2^31 bytes.
    pub(crate) fn intern(&mut self, pattern: &str) -> Option<u32> {
        if let Some(&id) = self.ids.get(pattern) {
            return Some(id);
        }
        let (kind, text) = classify(
            pattern,
            (Strategy::Any, ""),
            |p| (Strategy::Exact, p),
            |p| (Strategy::Prefix, p),
            |p| (Strategy::General, p),
        );
        let len = u32::try_from(text.len()).ok()?;
        let first_star = text.find('*').map_or(len, |i| i as u32);
        let last_star = text.rfind('*').map_or(len, |i| i as u32);
        let mut pieces = Vec::new();
        if kind == Strategy::General && first_star < last_star {
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
        let kind = if count.is_err() {
            Strategy::Reference
        } else {
            kind
        };
        let fields = if kind == Strategy::General {
            field_table(text)
        } else {
            None
        };
        let kind = if fields.is_some() {
            Strategy::Fields
        } else {
            kind
        };
        let fields = fields.unwrap_or_default();
        let id = u32::try_from(self.bytes.len()).ok().filter(|&id| {
            (id as usize) + HEADER + text.len() + pieces.len() + fields.len() < 1 << 31
        })?;
        self.bytes.push(kind as u8);
        self.bytes.push(u8::from(text.contains('?')));
        self.bytes
            .extend_from_slice(&count.unwrap_or_default().to_le_bytes());
        self.bytes.extend_from_slice(&len.to_le_bytes());
        self.bytes.extend_from_slice(&first_star.to_le_bytes());
        self.bytes.extend_from_slice(&last_star.to_le_bytes());
        self.bytes.extend_from_slice(text.as_bytes());
        if kind.has_pieces() {
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
    pub(crate) fn is_match(&self, id: u32, text: &mut RequestScratch<'_>) -> bool {
        let slot = pattern_slot(id);
        if let Some(known) = recall(&text.patterns, slot, id) {
            return known;
        }
        let matched = self.is_match_uncached(id, text);
        store(&mut text.patterns, slot, id, matched);
        matched
    }

    #[inline]
    pub(super) fn stored(&self, id: u32) -> Option<Stored<'_>> {
        let at = id as usize;
        let header: &[u8; HEADER] = self.bytes.get(at..at + HEADER)?.try_into().ok()?;
        let (len, first_star, last_star) = (word(header, 4), word(header, 8), word(header, 12));
        let count = usize::from(u16::from_le_bytes([header[2], header[3]]));
        let text_at = at + HEADER;
        let pieces_at = text_at + len;
        let kind = Strategy::from_byte(header[0])?;
        Some(Stored {
            kind,
            wild: header[1] != 0,
            text: self.bytes.get(text_at..pieces_at)?,
            first_star,
            last_star,
            pieces: if kind.has_pieces() {
                self.bytes.get(pieces_at..pieces_at + count * 8)?
            } else {
                &[]
            },
        })
    }

    /// The field entries of a [`Strategy::Fields`] pattern (they follow the middle pieces).
    #[inline]
    pub(super) fn field_entries(&self, id: u32, stored: &Stored<'_>) -> Option<&[u8]> {
        let at = id as usize + HEADER + stored.text.len() + stored.pieces.len();
        let count = self.bytes.get(at).copied().map(usize::from)?;
        self.bytes
            .get(at + FIELD_ENTRY..at + FIELD_ENTRY * (1 + count))
    }

    /// [`is_match`](PatternArena::is_match) without the memo, for an arena other than the
    /// catalog's (whose ids the memo holds).
    #[inline]
    pub(crate) fn is_match_uncached(&self, id: u32, text: &RequestScratch<'_>) -> bool {
        // A literal or a prefix (most patterns) needs only its kind and its text.
        let at = id as usize;
        let kind = self.bytes.get(at).copied().and_then(Strategy::from_byte);
        if let Some(kind @ (Strategy::Exact | Strategy::Prefix)) = kind {
            let len = word(&self.bytes, at + 4);
            let p = self.bytes.get(at + HEADER..at + HEADER + len);
            let prefix = kind == Strategy::Prefix;
            return p.is_some_and(|p| literal_match(p, prefix, text.text.as_bytes()));
        }
        let Some(stored) = self.stored(id) else {
            // Ids come from this arena; a broken one matches nothing (fail closed for Allow,
            // and a Deny is never the only statement that can decide).
            return false;
        };
        let (p, t) = (stored.text, text.text.as_bytes());
        match stored.kind {
            Strategy::Any => true,
            Strategy::Exact | Strategy::Prefix => {
                literal_match(p, stored.kind == Strategy::Prefix, t)
            }
            Strategy::Fields if text.ascii => {
                // The pattern's text with the arena's bytes after it, so that a short piece
                // can be read a word at a time.
                let p_on = self.bytes.get(id as usize + HEADER..).unwrap_or_default();
                match (text.colons, self.field_entries(id, &stored)) {
                    (Some(colons), Some(table)) => fields_match(p_on, table, t, colons),
                    _ => general_match(&stored, t),
                }
            }
            Strategy::General if text.ascii => general_match(&stored, t),
            Strategy::General | Strategy::Fields | Strategy::Reference => {
                std::str::from_utf8(p).is_ok_and(|p| wildcard_match(p, text.text))
            }
        }
    }

    /// The anchor of pattern `id` (see [`RequestScratch::may_match_anchor`]), or [`NO_ANCHOR`].
    pub(crate) fn anchor(&self, id: u32) -> u32 {
        match self.stored(id) {
            Some(stored)
                if matches!(
                    stored.kind,
                    Strategy::Exact | Strategy::Prefix | Strategy::Fields
                ) =>
            {
                anchor_of(stored.text)
            }
            _ => NO_ANCHOR,
        }
    }

    /// A gram every text pattern `id` matches has (see [`RequestScratch::may_have`]), if the
    /// pattern has a usable literal window.
    pub(crate) fn required_gram(&self, id: u32) -> Option<u16> {
        let stored = self.stored(id)?;
        if stored.kind == Strategy::Any {
            return None;
        }
        required_gram(std::str::from_utf8(stored.text).ok()?)
    }
}
