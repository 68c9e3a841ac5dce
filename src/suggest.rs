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
    let word_lower = word.to_lowercase();
    let limit = match word.chars().count() {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let distance = edit_distance(&word_lower, &candidate.to_lowercase());
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions), over chars.
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
}
