//! Asking the processor to start loading memory that a request will read soon.
//!
//! A Large account's index is several megabytes and a gateway's requests name principals at
//! random, so the principal and its pool's candidates are rarely in a core's cache: deciding is
//! a chain of loads that each wait for the one before. Naming the next links early (the
//! principal when its name is resolved, its candidates as soon as its line arrives) lets those
//! loads run while the request is still being read.
//!
//! A prefetch is only a hint: it never faults, never changes what a load returns, and on
//! targets without one it is nothing at all.

/// Starts loading the cache line that holds the start of `item`.
#[inline(always)]
pub(crate) fn line<T>(item: &T) {
    at(std::ptr::from_ref(item).cast());
}

/// Starts loading the cache lines that hold `items`, up to `MAX_LINES` of them.
#[inline(always)]
pub(crate) fn lines<T, const MAX_LINES: usize>(items: &[T]) {
    let start: *const u8 = items.as_ptr().cast();
    let bytes = std::mem::size_of_val(items);
    let mut offset = 0;
    for _ in 0..MAX_LINES {
        if offset >= bytes {
            break;
        }
        at(start.wrapping_add(offset));
        offset += LINE;
    }
}

/// The cache line size of the processors this runs on.
const LINE: usize = 64;

#[cfg(all(target_arch = "x86_64", target_feature = "sse"))]
#[inline(always)]
fn at(address: *const u8) {
    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
    // SAFETY: `prefetcht0` needs SSE, which this is compiled only for (every x86_64 target has
    // it). It reads nothing the program sees and cannot fault, whatever the address; the
    // addresses passed are within a live slice anyway.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(address.cast()) }
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse")))]
#[inline(always)]
fn at(_address: *const u8) {}
