//! Shared helpers for the conformance tests: a leak tracker and a clock.
#![allow(dead_code, unreachable_pub)] // each test binary uses a different subset

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Counts the futures it wrapped that are still alive (not yet dropped),
/// so a test can assert that nothing it spawned outlived the scope.
#[derive(Clone, Debug, Default)]
pub struct Tracker {
    live: Arc<AtomicUsize>,
    started: Arc<AtomicUsize>,
    zero: Arc<tokio::sync::Notify>,
}

/// Held by a tracked future; its drop counts the future out.
#[derive(Debug)]
pub struct Alive {
    live: Arc<AtomicUsize>,
    zero: Arc<tokio::sync::Notify>,
}

impl Drop for Alive {
    fn drop(&mut self) {
        if self.live.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.zero.notify_waiters();
        }
    }
}

impl Tracker {
    pub fn new() -> Self {
        Tracker::default()
    }

    /// Wraps `fut` so that it is counted as alive from now until it is
    /// dropped (completed or cancelled).
    pub fn track<F: Future>(&self, fut: F) -> impl Future<Output = F::Output> + use<F> {
        let alive = self.alive();
        async move {
            let _alive = alive;
            fut.await
        }
    }

    /// A guard counted as alive until dropped; move it into a future.
    pub fn alive(&self) -> Alive {
        self.live.fetch_add(1, Ordering::SeqCst);
        self.started.fetch_add(1, Ordering::SeqCst);
        Alive { live: self.live.clone(), zero: self.zero.clone() }
    }

    /// How many tracked futures are still alive.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }

    /// How many futures were ever tracked.
    pub fn started(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }

    /// Waits until every tracked future has been dropped: for code paths
    /// that abort from `Drop` and so cannot wait themselves. No clock.
    pub async fn wait_all_done(&self) {
        loop {
            let notified = self.zero.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.live() == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Asserts that every tracked future has been dropped.
    #[track_caller]
    pub fn assert_all_done(&self) {
        assert_eq!(
            self.live(),
            0,
            "{} of {} tracked tasks are still alive",
            self.live(),
            self.started()
        );
    }
}

/// Milliseconds, for readable paused-clock tests.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Seconds, for readable paused-clock tests.
pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Whether `cargo xtask stress` runs the tests (it sets
/// `TASKSCOPE_STRESS=1`): stress tests then run at full size.
pub fn stress() -> bool {
    std::env::var_os("TASKSCOPE_STRESS").is_some_and(|v| v != "0")
}

/// `ci` under `cargo test`, `full` under `cargo xtask stress`.
pub fn sized(ci: usize, full: usize) -> usize {
    if stress() { full } else { ci }
}

/// A small xorshift generator: random choices for stress tests, without
/// a dependency, reproducible from its seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
