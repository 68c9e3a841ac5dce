//! "Did you mean": the nearest known name to a misspelt one.
//!
//! Offered only when the names are close (a case difference, or a few edits on a long name), so
//! a suggestion is a likely fix rather than noise. Used by the parser for keys, effects and
//! operators, by the account loader for policy and principal names, and by the linter for
//! actions.

/// The candidate nearest to `word`, if it is close enough to be the likely intent.
///
/// Case differences count as no edit: `allow` suggests `Allow`. Ties go to the earlier
/// candidate, so callers list the most common names first.
///
/// Cheap enough to call for every unknown name of a large document: a candidate whose length
/// alone puts it out of reach is skipped, the distance is computed only within a band around
/// the diagonal and given up as soon as it exceeds what could still win, and candidates are
/// compared without lower-cased copies (ASCII ones at least). Against the 366 actions of the
/// ECS catalogue a call costs microseconds. Callers that ask about one name many times should
/// still keep the answer.
///
/// ```
/// use ramcheck::suggest::did_you_mean;
///
/// assert_eq!(did_you_mean("Conditon", ["Condition", "Action"]), Some("Condition"));
/// assert_eq!(did_you_mean("Foo", ["Condition", "Action"]), None);
/// ```
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut nearest = Nearest::new(word);
    for candidate in candidates {
        nearest.offer(candidate);
        if nearest.is_exact() {
            // Nothing can beat a distance of 0, and ties go to the earlier candidate.
            break;
        }
    }
    nearest.best.map(|(_, c)| c)
}

/// The search of [`did_you_mean`]: the word, lower-cased once, and buffers reused for every
/// candidate.
struct Nearest<'a, 'w> {
    word: &'w str,
    lower: Vec<char>,
    /// The lower-cased word's bytes when it is ASCII, which ASCII candidates are compared with
    /// byte by byte, and how often each byte occurs in it (for [`Nearest::is_bag_far`]).
    lower_ascii: Option<(Vec<u8>, Bag)>,
    /// The largest distance offered as a suggestion, from the word's length.
    limit: usize,
    best: Option<(usize, &'a str)>,
    candidate: Vec<char>,
    rows: Rows,
}

impl<'a, 'w> Nearest<'a, 'w> {
    fn new(word: &'w str) -> Self {
        let limit = match word.chars().count() {
            0..=3 => 1,
            4..=8 => 2,
            _ => 3,
        };
        let lower = word.to_lowercase();
        Nearest {
            word,
            lower_ascii: lower
                .is_ascii()
                .then(|| (lower.as_bytes().to_vec(), Bag::of(lower.as_bytes()))),
            lower: lower.chars().collect(),
            limit,
            best: None,
            candidate: Vec::new(),
            rows: Rows::default(),
        }
    }

    fn is_exact(&self) -> bool {
        self.best.is_some_and(|(d, _)| d == 0)
    }

    fn offer(&mut self, candidate: &'a str) {
        if candidate == self.word {
            return;
        }
        // To be suggested, a candidate must be within the limit and strictly nearer than the
        // best so far.
        let bound = match self.best {
            Some((0, _)) => return,
            Some((d, _)) => self.limit.min(d - 1),
            None => self.limit,
        };
        let distance = if candidate.is_ascii() {
            // Lower-casing ASCII keeps the length, and folds byte by byte: no copy.
            if candidate.len().abs_diff(self.lower.len()) > bound {
                return;
            }
            if let Some((lower, bag)) = &mut self.lower_ascii {
                if bag.is_far(candidate.as_bytes(), lower.len(), bound) {
                    return;
                }
            }
            match &self.lower_ascii {
                Some((lower, _)) => bounded_distance(
                    lower,
                    candidate.as_bytes(),
                    |w, c| w == c.to_ascii_lowercase(),
                    bound,
                    &mut self.rows,
                ),
                None => bounded_distance(
                    &self.lower,
                    candidate.as_bytes(),
                    |w, c| w == char::from(c.to_ascii_lowercase()),
                    bound,
                    &mut self.rows,
                ),
            }
        } else {
            // `str::to_lowercase` is what the word went through (its final sigma differs from
            // the per-character one).
            self.candidate.clear();
            self.candidate.extend(candidate.to_lowercase().chars());
            bounded_distance(
                &self.lower,
                &self.candidate,
                |w, c| w == c,
                bound,
                &mut self.rows,
            )
        };
        if let Some(distance) = distance {
            self.best = Some((distance, candidate));
        }
    }
}

/// How often each byte occurs in an ASCII text, bytes that are equal in their low six bits
/// counted together: a lower bound of the edit distance that costs a pass over the candidate,
/// where the distance table costs a band of cells per character.
struct Bag([i32; 64]);

impl Bag {
    fn of(text: &[u8]) -> Bag {
        let mut bag = Bag([0; 64]);
        for &b in text {
            bag.0[usize::from(b & 63)] += 1;
        }
        bag
    }

    /// Whether `candidate` (ASCII, folded here) is certainly more than `bound` edits from the
    /// text: its bag distance is. Each edit changes the counts by one up and one down at most
    /// (a transposition not at all), so the larger of "in one, not in the other" each way is
    /// at most the distance; counting bytes together can only make it smaller.
    /// `len` is the length of the text the bag was made of.
    fn is_far(&mut self, candidate: &[u8], len: usize, bound: usize) -> bool {
        let (mut unmatched_word, mut unmatched_candidate) = (len, 0usize);
        for &b in candidate {
            let count = &mut self.0[usize::from(b.to_ascii_lowercase() & 63)];
            if *count > 0 {
                unmatched_word = unmatched_word.saturating_sub(1);
            } else {
                unmatched_candidate += 1;
            }
            *count -= 1;
        }
        for &b in candidate {
            self.0[usize::from(b.to_ascii_lowercase() & 63)] += 1;
        }
        unmatched_word.max(unmatched_candidate) > bound
    }
}

/// The three rows of the distance table that [`bounded_distance`] keeps.
#[derive(Default)]
pub(crate) struct Rows {
    before_previous: Vec<usize>,
    previous: Vec<usize>,
    current: Vec<usize>,
}

/// [`edit_distance`] of `a` and `b` (whose elements `eq` compares) when it is at most `bound`,
/// else `None`, in O(length × bound) time: only cells within `bound` of the diagonal can be
/// that small, so only those are computed (with the cells just outside the band set past the
/// bound), values are capped at `bound + 1`, and the work stops once two rows in a row are
/// past the bound (every later cell is one of those plus something).
pub(crate) fn bounded_distance<A: Copy, B: Copy>(
    a: &[A],
    b: &[B],
    eq: impl Fn(A, B) -> bool,
    bound: usize,
    rows: &mut Rows,
) -> Option<usize> {
    if a.len().abs_diff(b.len()) > bound {
        return None;
    }
    let far = bound + 1;
    let width = b.len() + 2;
    let Rows {
        before_previous,
        previous,
        current,
    } = rows;
    for row in [&mut *before_previous, &mut *previous, &mut *current] {
        row.clear();
        row.resize(width, far);
    }
    for (j, cell) in previous.iter_mut().enumerate() {
        *cell = j.min(far);
    }
    let mut previous_min = 0;
    for (i, &ac) in (1usize..).zip(a) {
        let low = i.saturating_sub(bound).max(1);
        let high = (i + bound).min(b.len());
        // The cells next to the band, which the band's cells read, stand for "too far".
        current[0] = i.min(far);
        current[low - 1] = if low == 1 { current[0] } else { far };
        current[high + 1] = far;
        let mut row_min = current[0];
        for j in low..=high {
            let bc = b[j - 1];
            let mut d = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + usize::from(!eq(ac, bc)));
            if i > 1 && j > 1 && eq(ac, b[j - 2]) && eq(a[i - 2], bc) {
                d = d.min(before_previous[j - 2] + 1);
            }
            let d = d.min(far);
            current[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > bound && previous_min > bound {
            return None;
        }
        previous_min = row_min;
        std::mem::swap(before_previous, previous);
        std::mem::swap(previous, current);
    }
    previous.get(b.len()).copied().filter(|&d| d <= bound)
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions), over chars.
/// The plain, unbounded definition, which [`bounded_distance`] is tested against.
#[cfg(test)]
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut rows = vec![0usize; (a.len() + 1) * width];
    for (j, cell) in rows.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i * width] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[(i - 1) * width + j] + 1)
                .min(rows[i * width + j - 1] + 1)
                .min(rows[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[(i - 2) * width + j - 2] + 1);
            }
            rows[i * width + j] = d;
        }
    }
    rows[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn suggests_case_fix() {
        assert_eq!(did_you_mean("allow", ["Allow", "Deny"]), Some("Allow"));
    }
    #[test]
    fn suggests_missing_letter() {
        assert_eq!(
            did_you_mean("StringEqual", ["StringEquals", "StringLike"]),
            Some("StringEquals")
        );
    }
    #[test]
    fn suggests_transposition() {
        assert_eq!(did_you_mean("Efefct", ["Effect"]), Some("Effect"));
    }
    #[test]
    fn no_suggestion_when_far() {
        assert_eq!(did_you_mean("Foo", ["Effect", "Action"]), None);
    }
    #[test]
    fn distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }
    #[test]
    fn ties_go_to_the_earlier_candidate() {
        assert_eq!(did_you_mean("Efect", ["Eject", "Effect"]), Some("Eject"));
        assert_eq!(did_you_mean("Efect", ["Effect", "Eject"]), Some("Effect"));
    }
    #[test]
    fn an_exact_match_is_not_suggested_but_a_case_variant_is() {
        assert_eq!(did_you_mean("Allow", ["Allow"]), None);
        assert_eq!(
            did_you_mean("Allow", ["Allow", "ALLOW", "allow"]),
            Some("ALLOW")
        );
    }
    #[test]
    fn non_ascii_candidates_fold_their_case_as_the_word_does() {
        // `str::to_lowercase` ends `ΟΔΟΣ` with a final sigma (U+03C2), not U+03C3.
        assert_eq!(
            did_you_mean(
                "ΟΔΟΣ",
                [
                    "\u{3bf}\u{3b4}\u{3bf}\u{3c3}",
                    "\u{3bf}\u{3b4}\u{3bf}\u{3c2}"
                ]
            ),
            Some("\u{3bf}\u{3b4}\u{3bf}\u{3c2}")
        );
        assert_eq!(did_you_mean("部门", ["部们", "部"]), Some("部们"));
    }
    #[test]
    fn bounded_distance_gives_up_past_the_bound() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        let mut rows = Rows::default();
        let mut distance = |a: &str, b: &str, bound| {
            bounded_distance(&chars(a), &chars(b), |x, y| x == y, bound, &mut rows)
        };
        assert_eq!(distance("kitten", "sitting", 3), Some(3));
        assert_eq!(distance("kitten", "sitting", 2), None);
        assert_eq!(distance("abcdef", "badcfe", 3), Some(3));
    }

    /// [`did_you_mean`] as it was: every candidate, lower-cased, at full distance.
    fn plain_did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
        let limit = match word.chars().count() {
            0..=3 => 1,
            4..=8 => 2,
            _ => 3,
        };
        let mut best: Option<(usize, &'a str)> = None;
        for &candidate in candidates {
            if candidate == word {
                continue;
            }
            let distance = edit_distance(&word.to_lowercase(), &candidate.to_lowercase());
            if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
                best = Some((distance, candidate));
            }
        }
        best.map(|(_, c)| c)
    }

    proptest! {
        #[test]
        fn bounded_distance_is_the_distance_within_the_bound(
            a in "[abcé]{0,12}",
            b in "[abcé]{0,12}",
            bound in 0usize..6,
        ) {
            let (ac, bc): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            let plain = edit_distance(&a, &b);
            let bounded = bounded_distance(&ac, &bc, |x, y| x == y, bound, &mut Rows::default());
            prop_assert_eq!(bounded, (plain <= bound).then_some(plain));
        }

        #[test]
        fn did_you_mean_is_the_plain_search_for_ascii(
            // `!` and `a`, `$` and `d` share their low six bits, so the bag counts them together.
            word in "[a-dA-D!$:]{0,14}",
            candidates in proptest::collection::vec("[a-dA-D!$:]{0,14}", 0..12),
        ) {
            let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
            prop_assert_eq!(
                did_you_mean(&word, candidates.iter().copied()),
                plain_did_you_mean(&word, &candidates)
            );
        }

        #[test]
        fn did_you_mean_is_the_plain_search(
            word in "[aAbBcé]{0,10}",
            candidates in proptest::collection::vec("[aAbBcÉé]{0,10}", 0..8),
        ) {
            let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
            prop_assert_eq!(
                did_you_mean(&word, candidates.iter().copied()),
                plain_did_you_mean(&word, &candidates)
            );
        }
    }
}
