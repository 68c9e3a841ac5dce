//! The entries of a list that repeat an earlier one: duplicate keys of a JSON object (G8),
//! duplicate actions, resources, condition values and `Sid`s for the linter.
//!
//! One linear algorithm for all of them, because the obvious one (compare each entry with every
//! earlier one) is quadratic: 200,000 keys under one condition operator took a minute.

use std::collections::hash_map::{Entry, HashMap};
use std::hash::Hash;

/// Below this many entries, comparing with the earlier ones costs less than building a map.
const SMALL: usize = 16;

/// Every entry of `keys` equal to an earlier one, as `(repeat, first)` indices in document
/// order, `first` being the first occurrence of that key. Lazy, and allocation-free for a short
/// list: a list of millions of repeats is not turned into a list of millions of pairs.
pub(crate) fn repeats<K: Hash + Eq>(keys: &[K]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let small = keys.len() <= SMALL;
    // Grown as distinct keys come, not sized for the list: a hostile list repeats one key.
    let mut firsts: HashMap<&K, usize> = HashMap::new();
    keys.iter().enumerate().filter_map(move |(i, key)| {
        if small {
            let first = keys.get(..i)?.iter().position(|k| k == key)?;
            return Some((i, first));
        }
        match firsts.entry(key) {
            Entry::Occupied(first) => Some((i, *first.get())),
            Entry::Vacant(slot) => {
                slot.insert(i);
                None
            }
        }
    })
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
