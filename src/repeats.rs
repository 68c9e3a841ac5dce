//! The entries of a list that repeat an earlier one: duplicate keys of a JSON object (G8),
//! duplicate actions, resources, condition values and `Sid`s for the linter.
//!
//! One linear algorithm for all of them, because the obvious one (compare each entry with every
//! earlier one) is quadratic: 200,000 keys under one condition operator took a minute.

use std::collections::hash_map::{Entry, HashMap, RandomState};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

/// Below this many entries, comparing with the earlier ones costs less than building a map.
const SMALL: usize = 16;

/// Every entry of `keys` equal to an earlier one, as `(repeat, first)` indices in document
/// order, `first` being the first occurrence of that key. Lazy, and allocation-free for a short
/// list: a list of millions of repeats is not turned into a list of millions of pairs.
pub(crate) fn repeats<K: Hash + Eq>(keys: &[K]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let small = keys.len() <= SMALL;
    // The map grows with the distinct keys (a hostile list repeats one key a million times)
    // and keeps each key's hash, so growing it does not read the keys again: they are
    // scattered over the heap, and reading 2,000,000 of them at each doubling cost more than
    // hashing them.
    let hasher = RandomState::new();
    let mut firsts: HashMap<Hashed<'_, K>, usize, BuildHasherDefault<Stored>> = HashMap::default();
    keys.iter().enumerate().filter_map(move |(i, key)| {
        if small {
            let first = keys.get(..i)?.iter().position(|k| k == key)?;
            return Some((i, first));
        }
        let hashed = Hashed {
            hash: hasher.hash_one(key),
            key,
        };
        match firsts.entry(hashed) {
            Entry::Occupied(first) => Some((i, *first.get())),
            Entry::Vacant(slot) => {
                slot.insert(i);
                None
            }
        }
    })
}

/// A key with its hash, computed once by a keyed hasher (so that crafted keys cannot make
/// the map quadratic).
struct Hashed<'a, K> {
    hash: u64,
    key: &'a K,
}

impl<K: Eq> PartialEq for Hashed<'_, K> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.key == other.key
    }
}

impl<K: Eq> Eq for Hashed<'_, K> {}

impl<K> Hash for Hashed<'_, K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// The hasher of a map of [`Hashed`] keys: the hash is the one the key carries.
#[derive(Default)]
struct Stored(u64);

impl Hasher for Stored {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is called, by `Hashed`; anything else is folded in all the same.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The quadratic definition.
    fn reference(keys: &[u8]) -> Vec<(usize, usize)> {
        (0..keys.len())
            .filter_map(|i| {
                let first = keys.iter().position(|k| *k == keys[i])?;
                (first < i).then_some((i, first))
            })
            .collect()
    }

    #[test]
    fn names_each_repeat_with_the_first_occurrence() {
        let found: Vec<_> = repeats(&["a", "b", "a", "c", "b", "a"]).collect();
        assert_eq!(found, [(2, 0), (4, 1), (5, 0)]);
        assert_eq!(repeats::<&str>(&[]).next(), None);
    }

    proptest! {
        #[test]
        fn agrees_with_pairwise_comparison(keys in proptest::collection::vec(0u8..20, 0..60)) {
            prop_assert_eq!(repeats(&keys).collect::<Vec<_>>(), reference(&keys));
        }
    }
}
