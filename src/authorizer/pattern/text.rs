//! Byte helpers the matchers and tables share: word-at-a-time equality (exact and ignoring
//! ASCII case), byte search, the folded hash, and reading words without copies through the
//! stack.

/// The little-endian `u32` at `at`, as a `usize` (0 past the end: never, by construction).
#[inline]
pub(crate) fn word(bytes: &[u8], at: usize) -> usize {
    let mut w = [0u8; 4];
    if let Some(src) = bytes.get(at..at + 4) {
        w.copy_from_slice(src);
    }
    u32::from_le_bytes(w) as usize
}

#[inline]
pub(crate) fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    eq_by_words(a, b, |x, y| x == y, |x, y| x == y)
}

/// Whether two byte strings of the same length are equal, `same` comparing them eight bytes
/// at a time; a remainder is read as the last eight bytes, overlapping the words already
/// compared, instead of copied (a call to `memcpy` for a length the compiler does not know).
/// `same_short` compares strings shorter than eight bytes.
#[inline]
pub(crate) fn eq_by_words(
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
pub(crate) fn last_word(bytes: &[u8]) -> Option<[u8; 8]> {
    let at = bytes.len().checked_sub(8)?;
    bytes.get(at..)?.try_into().ok()
}

/// The high bit of every byte of `x` that is zero (exactly those).
#[inline]
pub(crate) fn zero_bytes(x: u64) -> u64 {
    const LO: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((x & LO).wrapping_add(LO)) | x | LO)
}

/// The first position of `byte` in `hay`.
#[inline]
pub(crate) fn find_byte(hay: &[u8], byte: u8) -> Option<usize> {
    memchr::memchr(byte, hay)
}

/// Folds the ASCII upper-case letters of eight bytes to lower case at once.
#[inline]
pub(crate) fn fold_word(word: u64) -> u64 {
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
pub(crate) fn eq_fold_word(x: u64, y: u64) -> bool {
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
pub(crate) fn fx_words(mut hash: u64, bytes: &[u8], map: impl Fn(u64) -> u64) -> u64 {
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
pub(crate) fn padded_tail(bytes: &[u8], rest: usize) -> u64 {
    match bytes.len().checked_sub(8) {
        // The last eight bytes, of which the first `8 - rest` were read already.
        Some(at) => word_at(bytes, at) >> (8 * (8 - rest)),
        None => short_word(bytes),
    }
}

/// The eight bytes of `bytes` from `at` as a little-endian word; 0 if there are not eight.
#[inline(always)]
pub(crate) fn word_at(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
        .map_or(0, u64::from_le_bytes)
}

/// The four bytes of `bytes` from `at` as a little-endian word; 0 if there are not four.
#[inline(always)]
pub(crate) fn half_at(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 4)
        .and_then(|w| <[u8; 4]>::try_from(w).ok())
        .map_or(0, |w| u64::from(u32::from_le_bytes(w)))
}

/// A string of at most seven bytes as a little-endian word, zero-padded: two loads of four
/// that overlap (both hold the same bytes there) from four bytes on, the bytes one by one
/// below. Never a copy through the stack (see [`padded_tail`]).
#[inline(always)]
pub(crate) fn short_word(bytes: &[u8]) -> u64 {
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
pub(crate) fn mix(hash: u64) -> u64 {
    let z = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
