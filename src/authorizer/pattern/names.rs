//! Name tables: [`FoldTable`] (action names and service codes, ASCII case ignored) and
//! [`NameTable`] (users and roles, exact), both mapping names to dense ids, on
//! `hashbrown::HashTable` with hashes of their own; and [`FastState`], the hasher of the compiled
//! form's other maps.

use hashbrown::HashTable;

use super::text::{eq_fold, folded_hash, mix, short_word, word_at};

/// The hasher of the compiled form's own maps of names and ARNs (FxHash): their keys come from
/// the account file, not from requests' choice of hash-flooding input, and a lookup sits on the
/// hot path.
pub(crate) type FastState = rustc_hash::FxBuildHasher;

/// A table from names (compared ignoring ASCII case) to dense ids `0..len`. Looking a name up
/// hashes it once, folding case as it reads ([`folded_hash`]), and never allocates.
#[derive(Debug, Clone, Default)]
pub(crate) struct FoldTable {
    /// Ids, placed by their name's folded hash.
    ids: HashTable<u32>,
    /// Per id, the folded hash and the lower-cased name.
    entries: Vec<(u64, Box<str>)>,
}

impl FoldTable {
    /// The id of `name`, adding it if new.
    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        if let Some(id) = self.get(name) {
            return id;
        }
        let id = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        let hash = folded_hash(name);
        self.entries.push((hash, name.to_ascii_lowercase().into()));
        let entries = &self.entries;
        self.ids.insert_unique(hash, id, |&id| {
            entries.get(id as usize).map_or(0, |(hash, _)| *hash)
        });
        id
    }

    /// The id of `name` (ignoring ASCII case), if it was interned.
    #[inline]
    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        let hash = folded_hash(name);
        let same = |&id: &u32| {
            self.entries
                .get(id as usize)
                .is_some_and(|(h, key)| *h == hash && eq_fold(key.as_bytes(), name.as_bytes()))
        };
        self.ids.find(hash, same).copied()
    }

    /// Bytes held on the heap, for memory reports.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.ids.allocation_size()
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

/// A [`NameTable`] entry: the id, the name's hash, and either the name itself as
/// [`short_name`]'s words (`len` at most [`SHORT_NAME`]), so that finding a short name reads
/// the entry alone, or (a longer name) nothing more: the name is then read from the table's
/// text.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NameSlot {
    words: [u64; 2],
    hash: u64,
    id: u32,
    len: u8,
}

/// A table from names (compared exactly) to the dense ids `0..len` they were added with. A
/// short name sits in its entry, so a lookup reads the table alone; longer names sit side by
/// side in one buffer. A `HashMap<Box<str>, u32>` reads its buckets and then a heap string per
/// name (principal lookup is on every gateway request).
#[derive(Debug, Clone, Default)]
pub(crate) struct NameTable {
    slots: HashTable<NameSlot>,
    text: String,
    /// Per id, the end of its name in `text` (it starts at the previous one's end).
    ends: Vec<u32>,
}

impl NameTable {
    /// The name's hash, and its [`short_name`] words if it is short.
    #[inline(always)]
    pub(super) fn hash(name: &str) -> (u64, Option<[u64; 2]>) {
        if let Some([a, b]) = short_name(name.as_bytes()) {
            let seed = (a ^ (name.len() as u64)).wrapping_mul(0x517c_c1b7_2722_0a95);
            return (mix(seed.rotate_left(26) ^ b), Some([a, b]));
        }
        use std::hash::BuildHasher as _;
        (FastState::default().hash_one(name.as_bytes()), None)
    }

    /// Adds `name` with the next id; `None` past 2^32 bytes or ids.
    pub(crate) fn push(&mut self, name: &str) -> Option<u32> {
        let id = u32::try_from(self.ends.len()).ok()?;
        self.text.push_str(name);
        self.ends.push(u32::try_from(self.text.len()).ok()?);
        let (hash, short) = NameTable::hash(name);
        let slot = NameSlot {
            words: short.unwrap_or_default(),
            hash,
            id,
            len: u8::try_from(name.len()).unwrap_or(u8::MAX),
        };
        self.slots.insert_unique(hash, slot, |slot| slot.hash);
        Some(id)
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
        let (hash, short) = NameTable::hash(name);
        let found = self.slots.find(hash, |slot| match short {
            // The words and the length tell a short name from every other.
            Some(words) => usize::from(slot.len) == name.len() && slot.words == words,
            None => slot.hash == hash && self.name(slot.id) == Some(name),
        });
        found.map(|slot| slot.id)
    }
}
