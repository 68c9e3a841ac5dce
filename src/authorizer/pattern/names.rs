//! Name tables: [`FoldTable`] (action names and service codes, ASCII case ignored) and
//! [`NameTable`] (users and roles, exact), both mapping names to dense ids.

use super::text::{eq_fold, folded_hash, fx_words, mix, short_word, word_at};

pub(crate) const EMPTY: u32 = u32::MAX;

/// An open-addressing table from names (compared ignoring ASCII case) to dense ids `0..len`.
/// Looking a name up hashes it once and never allocates.
#[derive(Debug, Clone, Default)]
pub(crate) struct FoldTable {
    pub(super) slots: Box<[u32]>,
    pub(super) entries: Vec<(u64, Box<str>)>,
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

    pub(super) fn rehash(&mut self, size: usize) {
        self.slots = vec![EMPTY; size].into_boxed_slice();
        for id in 0..self.entries.len() {
            self.place(u32::try_from(id).unwrap_or(EMPTY - 1));
        }
    }

    pub(super) fn place(&mut self, id: u32) {
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
pub(crate) const SHORT_NAME: usize = 16;

/// A name of at most [`SHORT_NAME`] bytes as two words that tell it from every other name of
/// its length: its first and last eight bytes (overlapping below 16), or below eight its bytes
/// as one zero-padded word ([`short_word`]). A few loads instead of a loop over its bytes.
#[inline(always)]
pub(crate) fn short_name(name: &[u8]) -> Option<[u64; 2]> {
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
pub(crate) struct NameSlot {
    pub(super) words: [u64; 2],
    pub(super) high: u32,
    pub(super) id: u32,
    pub(super) len: u8,
}

/// An open-addressing table from names (compared exactly) to the dense ids `0..len` they were
/// added with. A short name sits in its slot, so a lookup reads one cache line; longer names
/// sit side by side in one buffer. A `HashMap<Box<str>, u32>` reads its buckets and then a heap
/// string per name (principal lookup is on every gateway request).
#[derive(Debug, Clone, Default)]
pub(crate) struct NameTable {
    pub(super) slots: Box<[NameSlot]>,
    pub(super) text: String,
    /// Per id, the end of its name in `text` (it starts at the previous one's end).
    pub(super) ends: Vec<u32>,
}

impl NameTable {
    /// The name's hash, and its [`short_name`] words if it is short.
    #[inline(always)]
    pub(super) fn hash(name: &str) -> (u64, Option<[u64; 2]>) {
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

    pub(super) fn place(&mut self, id: u32) {
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
