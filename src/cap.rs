//! A bound on what one document can make ramcheck keep: at most [`MAX_PER_KIND`] errors of one
//! kind from the parser, and findings of one rule from the linter.
//!
//! A finding costs a few hundred bytes and a line or more of output, and a hostile document can
//! hold one per two bytes (`[0,0,0,...]` under a condition key): 20 MB of it made ten gigabytes
//! of findings. No real policy comes near the bound (RAM takes 6,144 characters), and what is
//! past it is still reported, as one more error or finding of its kind that counts the rest,
//! so the exit status and the severity counts do not change.

use crate::policy::Span;

/// The most errors of one kind, or findings of one rule, kept for one document.
pub(crate) const MAX_PER_KIND: usize = 10_000;

/// Counts reports by kind, and says which to keep.
#[derive(Debug)]
pub(crate) struct Cap<K> {
    /// Per kind: how many were reported, and where the first one not kept is.
    kinds: Vec<(K, usize, Option<Span>)>,
}

impl<K> Default for Cap<K> {
    fn default() -> Self {
        Cap { kinds: Vec::new() }
    }
}

impl<K: PartialEq + Copy> Cap<K> {
    /// Counts a report of `kind` at `span`, and says whether to keep it: the first
    /// [`MAX_PER_KIND`] of each kind are kept.
    pub(crate) fn keep(&mut self, kind: K, span: Span) -> bool {
        // A document has a few kinds of fault, so a list beats a map.
        let slot = match self.kinds.iter().position(|(k, _, _)| *k == kind) {
            Some(i) => i,
            None => {
                self.kinds.push((kind, 0, None));
                self.kinds.len() - 1
            }
        };
        let Some((_, count, first_dropped)) = self.kinds.get_mut(slot) else {
            return true;
        };
        *count += 1;
        if *count <= MAX_PER_KIND {
            return true;
        }
        first_dropped.get_or_insert(span);
        false
    }

    /// Whether the next report of `kind` will not be kept.
    pub(crate) fn is_full(&self, kind: K) -> bool {
        self.kinds
            .iter()
            .any(|(k, count, _)| *k == kind && *count >= MAX_PER_KIND)
    }

    /// Each kind that had reports not kept: the kind, how many were not kept, and where the
    /// first of them is.
    pub(crate) fn dropped(&self) -> impl Iterator<Item = (K, usize, Span)> + '_ {
        self.kinds.iter().filter_map(|&(kind, count, first)| {
            Some((kind, count.checked_sub(MAX_PER_KIND)?, first?))
        })
    }
}

/// The help of the report that counts the reports of a kind not kept.
pub(crate) fn dropped_help() -> String {
    format!("ramcheck lists the first {MAX_PER_KIND} of each kind in a document; fix those and run it again")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::lint_document;
    use crate::policy::{Policy, PolicyErrorKind, PolicyKind};

    /// A policy whose one statement lists `n` copies of `entry` as its actions.
    fn actions(entry: &str, n: usize) -> String {
        format!(
            "{{\"Version\":\"1\",\"Statement\":[{{\"Effect\":\"Allow\",\"Resource\":\"*\",\"Action\":[{}]}}]}}",
            vec![entry; n].join(",")
        )
    }

    #[test]
    fn the_parser_keeps_the_first_errors_of_a_kind_and_counts_the_rest() {
        let text = actions("0", MAX_PER_KIND + 50);
        let (_, errors) = Policy::parse_with_errors(text.as_bytes(), PolicyKind::Identity);
        assert_eq!(errors.len(), MAX_PER_KIND + 1);
        assert!(errors
            .iter()
            .all(|e| e.kind() == PolicyErrorKind::InvalidType));
        let last = errors.last().expect("errors");
        assert_eq!(
            last.message(),
            "50 more errors like this in the document are not listed"
        );
        // The dropped ones start after the kept ones.
        let kept_end = errors[MAX_PER_KIND - 1].span().end;
        assert!(last.span().start > kept_end);
        // The strict reader still reports the first.
        let first = Policy::parse(&text).expect_err("invalid");
        assert_eq!(first.span(), errors[0].span());
    }

    #[test]
    fn the_linter_keeps_the_first_findings_of_a_rule_and_counts_the_rest() {
        let text = actions("\"oss:GetObject\"", MAX_PER_KIND + 2);
        let findings = lint_document(text.as_bytes(), None);
        let duplicates: Vec<_> = findings
            .iter()
            .filter(|f| f.rule == "duplicate-entry")
            .collect();
        assert_eq!(duplicates.len(), MAX_PER_KIND + 1);
        let last = duplicates.last().expect("findings");
        assert_eq!(
            last.message,
            "1 more finding of `duplicate-entry` in this document is not listed"
        );
        assert_eq!(
            last.position.column,
            text.rfind("\"oss").expect("entry") + 1
        );
    }

    #[test]
    fn keeps_the_first_of_each_kind_and_counts_the_rest() {
        let mut cap = Cap::default();
        for i in 0..MAX_PER_KIND + 5 {
            assert_eq!(cap.keep("a", Span::new(i, i + 1)), i < MAX_PER_KIND);
        }
        assert!(cap.keep("b", Span::new(0, 1)));
        let dropped: Vec<_> = cap.dropped().collect();
        assert_eq!(
            dropped,
            [("a", 5, Span::new(MAX_PER_KIND, MAX_PER_KIND + 1))]
        );
    }
}
