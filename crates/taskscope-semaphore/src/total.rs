//! The number of permits a semaphore holds in all, checked against its bound.

use crate::loom::{AtomicUsize, Ordering};

/// How many permits a semaphore holds in all: available plus handed out.
///
/// tokio's semaphore keeps no such total, so `add_permits` could not tell
/// whether a bounded semaphore would overflow. The rule that keeps tokio's
/// own count at or below this one (so tokio's `add_permits` can never hit
/// its `MAX_PERMITS` panic): raise this total *before* adding permits to
/// tokio, lower it *after* a permit was forgotten.
#[derive(Debug)]
pub struct Total {
    held: AtomicUsize,
    limit: usize,
}

impl Total {
    /// A total of `held` permits that may never exceed `limit`.
    pub fn new(held: usize, limit: usize) -> Self {
        Total { held: AtomicUsize::new(held), limit }
    }

    /// The permits held in all right now.
    pub fn get(&self) -> usize {
        self.held.load(Ordering::Acquire)
    }

    /// The most permits this total may reach.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Counts `n` more permits, or returns the current total if that would
    /// pass the limit (and then changes nothing).
    pub fn try_add(&self, n: usize) -> Result<(), usize> {
        let mut held = self.held.load(Ordering::Acquire);
        loop {
            match held.checked_add(n) {
                Some(next) if next <= self.limit => {}
                _ => return Err(held),
            }
            match self.held.compare_exchange_weak(
                held,
                held + n,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => held = actual,
            }
        }
    }

    /// Counts `n` permits fewer; they were handed out and then forgotten,
    /// so they are part of the total and this cannot underflow.
    pub fn remove(&self, n: usize) {
        self.held.fetch_sub(n, Ordering::AcqRel);
    }
}
