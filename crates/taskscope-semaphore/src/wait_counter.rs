//! Counts the tasks waiting inside an acquire, cancellation included.

use crate::loom::{AtomicUsize, Ordering};

/// The number of tasks inside a waiting acquire. tokio's semaphore does not
/// expose its queue length, so every primitive here keeps its own.
///
/// A waiter enters with [`enter`](Self::enter) and leaves when the guard is
/// dropped: when its acquire returns, fails, or is cancelled (its future
/// dropped), so the count can never leak.
///
/// Aligned to its own cache line (128 bytes covers the adjacent-line
/// prefetch of x86 and the line size of Apple's ARM cores), so waiters
/// counting themselves do not bounce the line that holds tokio's permits.
#[derive(Debug)]
#[repr(align(128))]
pub struct WaitCounter {
    waiting: AtomicUsize,
}

/// Decrements its [`WaitCounter`] on drop.
#[derive(Debug)]
#[must_use = "the waiter leaves the count as soon as the guard is dropped"]
pub struct WaitGuard<'a> {
    counter: &'a WaitCounter,
}

impl WaitCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        WaitCounter { waiting: AtomicUsize::new(0) }
    }

    /// The number of guards alive. A snapshot: it may change at once.
    pub fn get(&self) -> usize {
        // Relaxed: the count publishes no other data; the RMWs below keep
        // it exact, and readers only need some recent value.
        self.waiting.load(Ordering::Relaxed)
    }

    /// Counts one more waiter until the guard is dropped.
    pub fn enter(&self) -> WaitGuard<'_> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        WaitGuard { counter: self }
    }
}

impl Default for WaitCounter {
    fn default() -> Self {
        WaitCounter::new()
    }
}

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        self.counter.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}
