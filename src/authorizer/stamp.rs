//! Stamps: the process-wide id space that binds every id an [`Authorizer`](super::Authorizer)
//! or [`SessionPolicy`](super::SessionPolicy) hands out to the one that made it.
//!
//! Each authorizer reserves a block of consecutive numbers when it is compiled: one for the
//! account's root, then one per user, then one per role. A [`PrincipalId`](super::PrincipalId)
//! is the principal's number in that block (with its kind above it), so an id lies in exactly
//! one authorizer's block and the check that it is this authorizer's is the bounds check that
//! finding its compiled form does anyway. A block's first number is the authorizer's stamp,
//! which its [`StatementId`](super::StatementId)s and decisions carry; a session policy reserves
//! one number for its own.
//!
//! Blocks come from one counter and are never handed out twice: the counter only grows, and a
//! reservation that would take it past [`LIMIT`] fails ([`CompileError::IdsExhausted`]) instead
//! of wrapping around. 2^62 numbers outlast any process: compiling the 2,500 principals of the
//! benchmarks' Large account a million times a second would take 58 years to use them up.

use std::sync::atomic::{AtomicU64, Ordering};

use super::CompileError;

/// The numbers below this are handed out; a [`PrincipalId`](super::PrincipalId) keeps its
/// kind in the two bits above.
pub(crate) const LIMIT: u64 = 1 << 62;

/// The next number to hand out. Zero is never handed out: it is the stamp of a default
/// [`StatementId`](super::StatementId), which no authorizer accepts.
static NEXT: AtomicU64 = AtomicU64::new(1);

/// Reserves `count` consecutive numbers, returning the first.
pub(crate) fn reserve(count: u64) -> Result<u64, CompileError> {
    reserve_from(&NEXT, count)
}

/// [`reserve`] from a given counter.
fn reserve_from(counter: &AtomicU64, count: u64) -> Result<u64, CompileError> {
    // Relaxed suffices: the read-modify-write alone makes blocks disjoint, and nothing else is
    // published through the counter.
    counter
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |next| {
            next.checked_add(count).filter(|end| *end <= LIMIT)
        })
        .map_err(|_| CompileError::IdsExhausted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_reserved_from_many_threads_never_overlap() {
        let counter = AtomicU64::new(1);
        let mut blocks: Vec<(u64, u64)> = std::thread::scope(|s| {
            let workers: Vec<_> = (1..=4u64)
                .map(|t| {
                    let counter = &counter;
                    s.spawn(move || {
                        (0..500)
                            .map(|i| {
                                let count = (t * 7 + i) % 13;
                                (reserve_from(counter, count).unwrap(), count)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect()
        });
        blocks.sort_unstable();
        for pair in blocks.windows(2) {
            let ((first, count), (next, _)) = (pair[0], pair[1]);
            assert!(first + count <= next, "{pair:?}");
        }
        assert!(blocks.iter().all(|(first, _)| *first >= 1));
    }

    #[test]
    fn an_exhausted_id_space_refuses_instead_of_wrapping_around() {
        let counter = AtomicU64::new(LIMIT - 3);
        assert_eq!(reserve_from(&counter, 2), Ok(LIMIT - 3));
        assert_eq!(reserve_from(&counter, 2), Err(CompileError::IdsExhausted));
        // A refused reservation takes nothing: what is left can still be handed out, once.
        assert_eq!(reserve_from(&counter, 1), Ok(LIMIT - 1));
        assert_eq!(reserve_from(&counter, 1), Err(CompileError::IdsExhausted));
        assert_eq!(reserve_from(&counter, 0), Ok(LIMIT));
        let near_overflow = AtomicU64::new(u64::MAX - 1);
        assert_eq!(
            reserve_from(&near_overflow, 5),
            Err(CompileError::IdsExhausted)
        );
    }
}
