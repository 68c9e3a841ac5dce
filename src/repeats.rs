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
/// order, `first` being the first occurrence of that key. Empty, and allocation-free, when
/// nothing repeats in a short list.
pub(crate) fn repeats<K: Hash + Eq>(keys: &[K]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if keys.len() <= SMALL {
        for (i, key) in keys.iter().enumerate() {
            if let Some(first) = keys.iter().take(i).position(|k| k == key) {
                out.push((i, first));
            }
        }
        return out;
    }
    let mut firsts: HashMap<&K, usize> = HashMap::with_capacity(keys.len());
    for (i, key) in keys.iter().enumerate() {
        match firsts.entry(key) {
            Entry::Occupied(first) => out.push((i, *first.get())),
            Entry::Vacant(slot) => {
                slot.insert(i);
            }
        }
    }
    out
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
        assert_eq!(
            repeats(&["a", "b", "a", "c", "b", "a"]),
            [(2, 0), (4, 1), (5, 0)]
        );
        assert!(repeats::<&str>(&[]).is_empty());
    }

    proptest! {
        #[test]
        fn agrees_with_pairwise_comparison(keys in proptest::collection::vec(0u8..20, 0..60)) {
            prop_assert_eq!(repeats(&keys), reference(&keys));
        }
    }
}
