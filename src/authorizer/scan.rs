//! One pass over a request's action or resource ARN, sixteen bytes at a time: where its first
//! colons are, and whether it has a wildcard, a control character or a byte that is not ASCII
//! (M4). Every request is scanned once, so this is a good share of a Small decision's cost.
//!
//! On x86_64 the bytes are classified with SSE2 compares (part of every x86_64 target); the
//! portable form does the same with word arithmetic, and the tests hold both to a byte-by-byte
//! scan.

use super::pattern::zero_bytes;

/// What one pass over a text finds: the positions of the first `N` colons (`usize::MAX` for
/// missing ones), and whether it has `*` or `?`, a byte below `!` (control characters and
/// space) or a byte that is not ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scan<const N: usize> {
    pub(crate) colons: [usize; N],
    /// Whether the text has more than `N` colons.
    pub(crate) more: bool,
    pub(crate) wild: bool,
    pub(crate) control: bool,
    pub(crate) ascii: bool,
}

/// The classes of sixteen bytes, bit `i` for byte `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Masks {
    colon: u32,
    /// `*` or `?`.
    wild: u32,
    /// Below `!`, ASCII.
    control: u32,
    /// Not ASCII.
    high: u32,
}

/// Bytes that none of the classes notice, to pad a short text.
const PAD: u8 = b'a';

impl<const N: usize> Scan<N> {
    /// Scans `bytes`.
    #[inline]
    pub(crate) fn of(bytes: &[u8]) -> Scan<N> {
        Scan::with(bytes, masks)
    }

    /// Scans `bytes`, classifying each chunk of sixteen with `classify`.
    #[inline(always)]
    fn with(bytes: &[u8], classify: impl Fn([u8; 16]) -> Masks) -> Scan<N> {
        let mut scan = Scan {
            colons: [usize::MAX; N],
            more: false,
            wild: false,
            control: false,
            ascii: true,
        };
        let mut found = 0;
        let (mut wild, mut control, mut high) = (0, 0, 0);
        let mut step = |m: Masks, at: usize| {
            wild |= m.wild;
            control |= m.control;
            high |= m.high;
            let mut colons = m.colon;
            while colons != 0 && found < N {
                if let Some(slot) = scan.colons.get_mut(found) {
                    *slot = at + colons.trailing_zeros() as usize;
                }
                found += 1;
                colons &= colons - 1;
            }
            scan.more |= colons != 0;
        };
        let chunks = bytes.chunks_exact(16);
        let rest = chunks.remainder();
        let mut at = 0;
        for chunk in chunks {
            let mut c = [0u8; 16];
            c.copy_from_slice(chunk);
            step(classify(c), at);
            at += 16;
        }
        if !rest.is_empty() {
            // The last sixteen bytes, of which the first are already counted; or, for a
            // shorter text, the text padded.
            let tail = bytes
                .len()
                .checked_sub(16)
                .and_then(|from| bytes.get(from..));
            let m = match tail {
                Some(tail) => {
                    let mut c = [0u8; 16];
                    c.copy_from_slice(tail);
                    let seen = (16 - rest.len()) as u32;
                    let m = classify(c);
                    Masks {
                        colon: m.colon >> seen,
                        wild: m.wild >> seen,
                        control: m.control >> seen,
                        high: m.high >> seen,
                    }
                }
                None => {
                    let mut c = [PAD; 16];
                    if let Some(head) = c.get_mut(..rest.len()) {
                        head.copy_from_slice(rest);
                    }
                    classify(c)
                }
            };
            step(m, at);
        }
        scan.wild = wild != 0;
        scan.control = control != 0;
        scan.ascii = high == 0;
        scan
    }
}

/// The classes of sixteen bytes.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn masks(chunk: [u8; 16]) -> Masks {
    // SAFETY: `masks_sse2` needs SSE2 and nothing else, and this is compiled only for targets
    // that have it (every x86_64 target does).
    unsafe { masks_sse2(chunk) }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
#[inline]
fn masks_sse2(chunk: [u8; 16]) -> Masks {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_set_epi64x,
    };
    let [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p] = chunk;
    let low = i64::from_le_bytes([a, b, c, d, e, f, g, h]);
    let high = i64::from_le_bytes([i, j, k, l, m, n, o, p]);
    let v = _mm_set_epi64x(high, low);
    let is = |byte: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(i8::from_le_bytes([byte])));
    // Each mask has sixteen bits; the casts keep them.
    let bits = |x| _mm_movemask_epi8(x) as u32;
    let high = bits(v);
    // A signed compare: bytes that are not ASCII are negative, so below `!` too.
    let below = bits(_mm_cmplt_epi8(v, _mm_set1_epi8(0x21)));
    Masks {
        colon: bits(is(b':')),
        wild: bits(_mm_or_si128(is(b'*'), is(b'?'))),
        control: below & !high,
        high,
    }
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
fn masks(chunk: [u8; 16]) -> Masks {
    masks_portable(chunk)
}

/// [`masks`] with word arithmetic, for targets without SSE2 (and the tests).
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2", not(test)),
    allow(dead_code)
)]
#[inline]
fn masks_portable(chunk: [u8; 16]) -> Masks {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p] = chunk;
    let words = [
        u64::from_le_bytes([a, b, c, d, e, f, g, h]),
        u64::from_le_bytes([i, j, k, l, m, n, o, p]),
    ];
    let mut masks = Masks {
        colon: 0,
        wild: 0,
        control: 0,
        high: 0,
    };
    for (shift, word) in [0u32, 8].into_iter().zip(words) {
        let equal = |byte: u8| zero_bytes(word ^ (ONES * u64::from(byte)));
        let high = word & HIGH;
        // A byte below 0x21: (its value + 0x5f) has no high bit, and it is ASCII.
        let control = !((word & !HIGH).wrapping_add(ONES * 0x5f) | word) & HIGH;
        masks.colon |= compact(equal(b':')) << shift;
        masks.wild |= compact(equal(b'*') | equal(b'?')) << shift;
        masks.control |= compact(control) << shift;
        masks.high |= compact(high) << shift;
    }
    masks
}

/// The high bits of the eight bytes of `x` (nothing else set) as eight bits, byte `i` at bit
/// `i`: the multiplication moves byte `i`'s bit to bit `56 + i`, without carries.
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2", not(test)),
    allow(dead_code)
)]
#[inline]
fn compact(x: u64) -> u32 {
    ((x >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a byte-by-byte scan finds.
    fn by_bytes(bytes: &[u8]) -> Scan<4> {
        let mut colons = [usize::MAX; 4];
        let at = bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b':')
            .map(|(i, _)| i);
        for (slot, at) in colons.iter_mut().zip(at) {
            *slot = at;
        }
        Scan {
            colons,
            more: bytes.iter().filter(|b| **b == b':').count() > 4,
            wild: bytes.iter().any(|b| *b == b'*' || *b == b'?'),
            control: bytes.iter().any(|b| *b < b'!'),
            ascii: bytes.is_ascii(),
        }
    }

    fn text() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                Just(b':'),
                Just(b'*'),
                Just(b'?'),
                Just(b' '),
                Just(b'!'),
                Just(0xc3u8),
                Just(0x80u8),
                Just(0xffu8),
                Just(b'a'),
                Just(b'\x01'),
                Just(b'\x7f'),
                any::<u8>(),
            ],
            0..70,
        )
    }

    proptest! {
        /// M4: the scan finds what a byte-by-byte one finds, whatever the length (the last
        /// chunk is read overlapping the one before it, or padded).
        #[test]
        fn m4_scan_agrees_with_a_byte_by_byte_scan(bytes in text()) {
            prop_assert_eq!(Scan::<4>::of(&bytes), by_bytes(&bytes));
        }

        /// The portable classes agree with the ones in use.
        #[test]
        fn m4_portable_scan_agrees_with_a_byte_by_byte_scan(bytes in text()) {
            prop_assert_eq!(Scan::<4>::with(&bytes, masks_portable), by_bytes(&bytes));
        }

        #[test]
        fn m4_classes_agree_byte_by_byte(chunk in any::<[u8; 16]>()) {
            let bit = |f: &dyn Fn(u8) -> bool| {
                chunk.iter().enumerate().filter(|(_, b)| f(**b)).fold(0u32, |m, (i, _)| m | 1 << i)
            };
            let expected = Masks {
                colon: bit(&|b| b == b':'),
                wild: bit(&|b| b == b'*' || b == b'?'),
                control: bit(&|b| b < b'!'),
                high: bit(&|b| b >= 0x80),
            };
            prop_assert_eq!(masks(chunk), expected);
            prop_assert_eq!(masks_portable(chunk), expected);
        }
    }
}
