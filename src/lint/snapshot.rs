//! Linting an account snapshot as a whole: the faults `check --account` would stop at, found by
//! the account loader itself ([`Account::check_snapshot`]), so the two cannot disagree, and the
//! resource groups whose patterns can claim one resource, on which every request fails (E4.3).
//! The inline policies are linted as documents by [`super::lint_file_at`].

use std::path::Path;

use super::rules::{arn_intersects, wrapper::INVALID_ACCOUNT};
use super::Finding;
use crate::account::{Account, AccountError};
use crate::policy::{Position, Source, Span};

/// The most pairs of patterns of different resource groups compared for overlaps: far above
/// real accounts (a few groups of a few patterns), and a bound on the time a hostile file can
/// take.
const MAX_PAIRS: usize = 250_000;

/// The findings about the account file at `path` (`None`: standard input, whose policy paths
/// are relative to the current directory), in the file's positions; `source` is the file's
/// text, for where their spans end.
pub(super) fn findings(
    bytes: &[u8],
    source: &Source,
    path: Option<&Path>,
    max_file_size: u64,
) -> Vec<Finding> {
    let base = path.and_then(Path::parent);
    let file = path.map(|p| p.display().to_string());
    let (faults, account) = Account::check_snapshot(bytes, base, file.as_deref(), max_file_size);
    let mut out = Vec::new();
    for fault in faults {
        // An inline policy's faults are the findings of its own document.
        if fault.inline_policy {
            continue;
        }
        let finding = match fault.error {
            AccountError::Invalid {
                position,
                span,
                message,
                help,
                ..
            } => finding(span, position, message, help),
            // A fault of a document inline in this file (a trust policy, T1): at its place.
            // Its span is in the document's own text, its position the file's: the span is
            // moved to where the position is, so that it is the file's too.
            AccountError::Policy(e) if e.file() == file.as_deref() => finding(
                source.offset(e.position()).map_or(e.span(), |start| {
                    Span::new(start, start + e.span().end.saturating_sub(e.span().start))
                }),
                e.position(),
                e.message().to_owned(),
                e.help().map(str::to_owned),
            ),
            other => {
                let help = other.help().map(str::to_owned);
                finding(Span::default(), Position::START, other.to_string(), help)
            }
        };
        out.push(finding);
    }
    if let Some(account) = account {
        overlaps(&account, &mut out);
    }
    // The account loader gives where each fault starts; where it ends is the file's.
    for finding in &mut out {
        finding.end = source.position(finding.span.end).max(finding.position);
    }
    out
}

fn finding(span: Span, position: Position, message: String, help: Option<String>) -> Finding {
    Finding {
        rule: INVALID_ACCOUNT.id,
        severity: INVALID_ACCOUNT.severity,
        span,
        position,
        // Set by `findings` from the file's text, which the account loader does not keep.
        end: position,
        path: String::new(),
        message,
        help,
        related: None,
        fix: None,
    }
}

/// A finding at each pattern that can claim a resource an earlier group's pattern claims too,
/// with that earlier pattern as the related place.
fn overlaps(account: &Account, out: &mut Vec<Finding>) {
    let groups = account.resource_groups();
    let total: usize = groups.iter().map(|g| g.claims().len()).sum();
    let pairs = total.saturating_mul(total) / 2;
    if pairs > MAX_PAIRS {
        let at = groups.iter().flat_map(|g| g.claims()).next();
        out.push(finding(
            at.map(|c| c.span()).unwrap_or_default(),
            at.map_or(Position::START, |c| c.position()),
            format!(
                "`resource_groups` has {total} patterns, too many to check that no two groups \
                 can claim one resource"
            ),
            Some(
                "split the account, or check requests with `check --account`, which refuses a \
                 resource claimed twice"
                    .to_owned(),
            ),
        ));
        return;
    }
    for (j, later) in groups.iter().enumerate() {
        for claim in later.claims() {
            let earlier = groups.iter().take(j).find_map(|g| {
                g.claims()
                    .iter()
                    .find(|c| arn_intersects(c.pattern(), claim.pattern()))
                    .map(|c| (g, c))
            });
            let Some((group, other)) = earlier else {
                continue;
            };
            let mut f = finding(
                claim.span(),
                claim.position(),
                format!(
                    "resource group `{}` can claim a resource that resource group `{}` claims \
                     too: `{}` and `{}` can match the same resource",
                    later.id(),
                    group.id(),
                    claim.pattern(),
                    other.pattern()
                ),
                Some(
                    "a resource belongs to at most one resource group: `check --account` \
                     refuses every request on such a resource; narrow one of the patterns"
                        .to_owned(),
                ),
            );
            f.related = Some(other.position());
            out.push(f);
        }
    }
}
