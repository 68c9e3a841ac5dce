//! Pools and their evaluation: the statements one stage of the procedure pools (E1, E4),
//! indexed by action, and the merge of their exact, service and global lists that visits
//! candidates in the reference's order.

use super::candidate::Evaluation;
use super::catalog::Lookup;
use super::tuning::HotList;
use super::tuning::{evaluate_resolved, HOT};
use crate::authorizer::condition::ClauseError;
use crate::authorizer::pattern::gram::GramPair;
use crate::authorizer::StatementNumber;

/// The statements of one pool, indexed by action.
///
/// For a hot action (the one a gateway decides on every call), the pool holds its policies'
/// resolved candidates ([`Catalog::policy_hot`](super::catalog::Catalog::policy_hot)) copied back
/// to back ([`Catalog::pooled`](super::catalog::Catalog::pooled)):
/// every statement whose action part matches it (exact names, wildcards and `NotAction` worked
/// out when compiling), in pool order, each carrying what the hot loop needs (effect, resource
/// patterns, anchors, gram filter, condition) in 28 bytes. Any other action merges the exact,
/// service and global lists.
///
/// The hot lists come first (`repr(C)`): a principal's pool starts its cache line, beside its
/// ARN (see `CompiledPrincipal`), so that a request for a principal not decided lately waits
/// for one line there, not two.
#[derive(Debug, Clone, Default)]
#[repr(C)]
pub(crate) struct Pool {
    /// The hot actions' candidate lists, inline (one load fewer on the hot path).
    pub(super) hot: [HotList; HOT],
    /// Member position → statement id, in the reference's order.
    pub(super) members: Box<[u32]>,
    /// `(action id, start, end)`: members with that exact action, sorted by action id.
    pub(super) exact: Box<[(u32, u32, u32)]>,
    /// `(service id, start, end)`: members with a wildcard action of that literal service.
    pub(super) service: Box<[(u32, u32, u32)]>,
    /// Members with `NotAction` or a wildcard in the service part.
    pub(super) global: (u32, u32),
    pub(super) lists: Box<[Entry]>,
}

/// A candidate: its member position and its inline resource filter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub(super) position: u32,
    pub(super) grams: GramPair,
}

/// Below this many candidates, reading the statements is cheaper than hashing the resource.
pub(crate) const FILTER_FROM: usize = 8;

/// Where a pool's deciding statements go: a `Vec` when materializing, a fixed-capacity inline
/// list on the hot path.
pub(crate) trait Sink {
    fn push(&mut self, id: StatementNumber);
    fn clear(&mut self);
    fn count(&self) -> usize;
}

impl Sink for Vec<StatementNumber> {
    fn push(&mut self, id: StatementNumber) {
        Vec::push(self, id);
    }
    fn clear(&mut self) {
        Vec::clear(self);
    }
    fn count(&self) -> usize {
        self.len()
    }
}

/// A statement of a pool whose condition could not be evaluated (C7).
#[derive(Debug)]
pub(crate) struct PoolError {
    pub(crate) statement: u32,
    pub(crate) error: ClauseError,
}

pub(crate) fn range_of(entries: &[(u32, u32, u32)], key: Option<u32>) -> (u32, u32) {
    let Some(key) = key else { return (0, 0) };
    match entries.binary_search_by_key(&key, |e| e.0) {
        Ok(i) => entries.get(i).map_or((0, 0), |e| (e.1, e.2)),
        Err(_) => (0, 0),
    }
}

impl Pool {
    /// Tests every candidate statement (M6, E1), pushing applying Deny statements to `denies`
    /// and applying Allow statements to `allows`, in pool order; the first condition that cannot
    /// be evaluated is an error (C7, E6). `lookup` is the request's in `eval`'s catalog, the
    /// one the pool is of.
    #[inline]
    pub(crate) fn evaluate<S: Sink>(
        &self,
        lookup: Lookup,
        eval: &mut Evaluation<'_, '_, S>,
    ) -> Result<(), PoolError> {
        if let Some(action) = lookup.action {
            if let Some(hot) = self.hot.iter().find(|h| h.action == action) {
                return evaluate_resolved(hot, eval);
            }
        }
        let (catalog, request) = (eval.catalog, eval.request);
        let (es, ee) = range_of(&self.exact, lookup.action);
        let (ss, se) = range_of(&self.service, catalog.services.get(request.service()));
        let empty: &[Entry] = &[];
        let exact = self.lists.get(es as usize..ee as usize).unwrap_or(empty);
        let service = self.lists.get(ss as usize..se as usize).unwrap_or(empty);
        let global = self
            .lists
            .get(self.global.0 as usize..self.global.1 as usize)
            .unwrap_or(empty);
        let (mut i, mut j, mut k) = (0, 0, 0);
        let mut last = u32::MAX;
        let filter = exact.len() + service.len() + global.len() >= FILTER_FROM;
        let none = Entry {
            position: u32::MAX,
            grams: GramPair::NONE,
        };
        loop {
            let a = exact.get(i).copied().unwrap_or(none);
            let b = service.get(j).copied().unwrap_or(none);
            let c = global.get(k).copied().unwrap_or(none);
            let position = a.position.min(b.position).min(c.position);
            if position == u32::MAX {
                return Ok(());
            }
            let known_action = a.position == position;
            let entry = if a.position == position {
                i += 1;
                a
            } else if b.position == position {
                b
            } else {
                c
            };
            if b.position == position {
                j += 1;
            }
            if c.position == position {
                k += 1;
            }
            if position == last {
                continue;
            }
            last = position;
            if filter && entry.grams.is_set() && !eval.scratch.may_have_either(entry.grams) {
                continue;
            }
            let Some(&id) = self.members.get(position as usize) else {
                continue;
            };
            let Some(statement) = catalog.statements.get(id as usize) else {
                continue;
            };
            if !known_action && !statement.action_matches(request.action()) {
                continue;
            }
            let candidate = statement.candidate(id, &catalog.resources);
            candidate.apply(eval)?;
        }
    }

    /// Heap bytes, for memory reports (the shared candidate lists are the catalog's).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.members.len() * 4 + self.lists.len() * 8 + (self.exact.len() + self.service.len()) * 12
    }
}

/// Asks the processor to start loading the cache line that holds `value`, and goes on: a
/// hint, which reads nothing the program sees.
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse"))]
    // SAFETY: `_mm_prefetch` needs SSE, which this is compiled only for (every x86_64 target
    // has it); a prefetch of any address neither faults nor changes memory.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast());
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse")))]
    let _ = value;
}
