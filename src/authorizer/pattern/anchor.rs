//! Anchors: three literal bytes a pattern needs at a known place of an ARN (field and offset),
//! tested with one load before anything else; and the table that looks patterns up by them.

use super::strategy::arn_fields;

/// "No anchor": a pattern without one (see
/// [`RequestScratch::may_match_anchor`](super::scratch::RequestScratch::may_match_anchor)).
pub(crate) const NO_ANCHOR: u32 = u32::MAX;
/// How many bytes an anchor holds.
pub(crate) const ANCHOR_BYTES: usize = 3;
/// The furthest into its field an anchor may start (five bits).
pub(crate) const ANCHOR_MAX_OFFSET: usize = 31;

/// The anchor of a pattern's text (exact, or the literal of a prefix or field-split pattern):
/// three bytes, where in their field they are, whether one is a `?`, and the field (1 to 4:
/// the first is always `acs`), packed as bytes (bits 0–23), offset (24–28), `?` (29) and
/// field − 1 (30–31); a zero byte stands for a `?` (no ARN a request can name has a NUL: it
/// fails the control-character check).
///
/// A pattern with exactly four colons matches a text with exactly four colons field by field
/// (see [`fields_match`](super::strategy::fields_match)), so each field of the text begins with
/// what the pattern's field has
/// before its first `*`, `?` standing for one byte: three of those bytes sit at a known place
/// in the text. The relative id is preferred (it tells resources apart), then the region, the
/// account and the service; within the field, among the windows that begin within 31 bytes,
/// the rightmost (identifiers differ at their ends) with at most one `?`.
pub(crate) fn anchor_of(text: &[u8]) -> u32 {
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
    pub(super) places: Box<[AnchorPlace]>,
    /// `(anchor, item)`, sorted.
    pub(super) entries: Box<[(u32, T)]>,
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
pub(crate) struct AnchorPlace {
    pub(super) place: u32,
    pub(super) start: u32,
    pub(super) end: u32,
    pub(super) bytes: u64,
}

impl AnchorPlace {
    /// One of 64 bits for an anchor's three bytes ([`anchor_bytes`]).
    #[inline(always)]
    pub(super) fn bit(bytes: u32) -> u64 {
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
pub(crate) const ANCHOR_PLACE: u32 = !0x00ff_ffff;
/// The bit of an anchor that says one of its bytes is a `?` (held as a zero byte).
pub(crate) const ANCHOR_WILD: u32 = 1 << 29;

/// The text and field starts of a [`RequestScratch`](super::scratch::RequestScratch) with colons,
/// for testing anchors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AnchorProbe<'a> {
    pub(super) bytes: &'a [u8],
    /// Where the service, region, account and relative id start.
    pub(super) starts: [u32; 4],
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
