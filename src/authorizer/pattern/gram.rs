//! Grams: four-byte windows a pattern needs somewhere in the text, and the per-request Bloom
//! filter of a text's grams they are tested against.

/// "No required gram", for a pattern without a usable literal window (a gram is 14 bits:
/// kind and filter bit, so never this).
pub(crate) const NO_REQUIRED_GRAM: u16 = u16::MAX;

/// Two required grams, one per pattern of a candidate (the same one twice for a single
/// pattern), one of which every text the candidate's resource part matches has; or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct GramPair(u32);

impl GramPair {
    /// No gram filter.
    pub(crate) const NONE: GramPair = GramPair(u32::MAX);

    /// The pair of two grams (neither [`NO_REQUIRED_GRAM`]).
    pub(crate) fn new(a: u16, b: u16) -> GramPair {
        GramPair(u32::from(a) << 16 | u32::from(b))
    }

    /// Whether there is a filter.
    #[inline(always)]
    pub(crate) fn is_set(self) -> bool {
        self != GramPair::NONE
    }

    /// The two grams.
    #[inline(always)]
    pub(crate) fn grams(self) -> (u16, u16) {
        ((self.0 >> 16) as u16, (self.0 & 0xffff) as u16)
    }
}

/// Gram kinds: four literal bytes; three literal bytes; four bytes whose second (third) is any.
pub(crate) const PLAIN: u16 = 0;
pub(crate) const THREE: u16 = 1;
pub(crate) const GAP1: u16 = 2;
pub(crate) const GAP2: u16 = 3;

#[inline]
pub(crate) fn gram_bit(kind: u16, a: u8, b: u8, c: u8, d: u8) -> u16 {
    gram_word_bit(kind, u32::from_le_bytes([a, b, c, d]))
}

/// The filter bit (12 bits) of a gram of a kind, its masked bytes zero.
#[inline]
pub(crate) fn gram_word_bit(kind: u16, word: u32) -> u16 {
    let word = word ^ u32::from(kind).wrapping_mul(0x2f0b_3c49);
    (word.wrapping_mul(0x9e37_79b1) >> 20) as u16
}

/// The gram (kind in bits 12–13, bit in 0–11) of the rightmost usable window of the last
/// non-empty piece of a pattern: every ASCII text the pattern matches has it, since that piece
/// appears in the text verbatim, `?` standing for one byte. Identifiers sit at the end of
/// patterns, so the rightmost window is the most telling.
pub(crate) fn required_gram(pattern: &str) -> Option<u16> {
    pattern
        .split('*')
        .rev()
        .find_map(|piece| piece_gram(piece.as_bytes()))
}

/// The gram of the rightmost usable window of one piece.
pub(crate) fn piece_gram(piece: &[u8]) -> Option<u16> {
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
pub(crate) struct GramSet {
    pub(super) bits: [u64; 64],
}

impl GramSet {
    #[inline]
    pub(super) fn set(&mut self, bit: u16) {
        if let Some(word) = self.bits.get_mut(usize::from(bit >> 6) & 63) {
            *word |= 1 << (bit & 63);
        }
    }

    #[inline]
    pub(super) fn has(&self, bit: u16) -> bool {
        // The word index is below 64 by construction, so the lookup never fails.
        let word = self.bits.get(usize::from((bit >> 6) & 63)).copied();
        word.is_some_and(|w| (w >> (bit & 63)) & 1 != 0)
    }

    pub(super) fn fill_plain(&mut self, text: &[u8]) {
        for w in text.windows(4) {
            if let [a, b, c, d] = *w {
                self.set(gram_word_bit(PLAIN, u32::from_le_bytes([a, b, c, d])));
            }
        }
    }

    pub(super) fn extra(text: &[u8]) -> GramSet {
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
