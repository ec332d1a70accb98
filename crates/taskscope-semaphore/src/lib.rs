//! Limits for tokio: fair semaphores, capacity limiters and rate limiters,
//! on tokio's clock.
//!
//! # Why limits
//!
//! The most common production bug in async code is unbounded concurrency.
//! Spawning a task per item is so cheap that nothing stops a loop from
//! starting 100,000 requests against a server that handles 10, opening more
//! files than the process may, or holding a million responses in memory at
//! once. Everything works in the test with ten items and falls over in
//! production. The fix is always the same: decide how many may run at
//! once, or how many per second, and make the rest *wait their turn*.
//!
//! This crate gives you the three tools for that, as `taskscope::semaphore`:
//!
//! | you want to bound…                                   | use |
//! |------------------------------------------------------|-----|
//! | how many run at once (connections, requests in flight) | [`Semaphore::bounded`] |
//! | the same, weighted (bytes in flight, memory)         | [`Semaphore::acquire_many`] |
//! | a signal or a pool you grow by hand                  | [`Semaphore::new`] + [`add_permits`](Semaphore::add_permits) |
//! | how many *tasks* use a resource, resizable at run time | [`Limiter`] |
//! | how many per unit of time, with bursts               | [`RateLimiter::per_second`] + [`burst`](RateLimiter::burst) |
//! | at most N in any window ("100 requests per minute")  | [`RateLimiter::sliding_window`] |
//!
//! Task groups use the same [`Semaphore`] for `TaskGroup::builder().limit(n)`,
//! where the permit lives as long as the child.
//!
//! # Concepts
//!
//! **Fairness.** Every primitive here serves waiters first come, first
//! served. A weighted request at the head of the queue waits for all its
//! permits and the smaller requests behind it wait too, so a stream of
//! small requests cannot starve a large one. A `try_acquire` never takes
//! what a waiter is waiting for.
//!
//! **Cancellation.** Cancelling a wait (dropping its future — a timeout, a
//! `select!`, a cancelled task group) is always safe: the waiter leaves the
//! queue, anything set aside for it goes to the next one, and it loses
//! nothing but its place. This is checked by the tests: cancelled waiters
//! lose nothing and block nobody.
//!
//! **RAII.** Permits and tokens are given back when dropped, whatever way
//! the code holding them ends: by returning, by `?`, by panicking, or by
//! being cancelled. There is no `release()` to forget (and no release of
//! something never acquired, a runtime error in asyncio and a panic in Go).
//!
//! **Bad input is an error, never a panic or a hang.** `bounded(0)`, a
//! weighted acquire larger than a bounded semaphore, a zero or NaN rate, a
//! burst of 0: each returns a typed error whose message names the value
//! and the rule (`cannot acquire 12 permits from a semaphore of capacity
//! 10`).
//!
//! **Time is tokio's.** Timeouts and rate limiting run on
//! `tokio::time::Instant` and `sleep_until`, so a test under a paused clock
//! (`#[tokio::test(start_paused = true)]`) checks exact timings instantly.
//!
//! # Compared with what you may know
//!
//! * **tokio's `Semaphore`** is the engine of [`Semaphore`]: same queue,
//!   same fast path, same cost. On top: bounded semaphores, errors instead
//!   of panics, a waiter count, `acquire_timeout`, and `Clone` instead of
//!   `Arc<Semaphore>`.
//! * **asyncio's `Semaphore` / `BoundedSemaphore`** map to
//!   [`Semaphore::new`] / [`Semaphore::bounded`]; `release()` is dropping
//!   the permit, or [`add_permits`](Semaphore::add_permits) to grow.
//!   asyncio's `Semaphore(0)` is allowed here too, `BoundedSemaphore(0)`
//!   is not (it could never be acquired).
//! * **Go's `semaphore.Weighted`** is [`Semaphore::acquire_many`] with the
//!   same head-of-line rule; acquiring more than the size fails at once
//!   instead of waiting for the context to end, and releasing too much is
//!   an error, not a panic.
//! * **Trio's `CapacityLimiter`** is [`Limiter`]: tokens per borrower,
//!   `set_total` at run time, `acquire_on_behalf_of`, statistics.
//! * **governor** is the reference token bucket (GCRA, one atomic) and
//!   [`RateLimiter`] uses the same algorithm, but governor reads the
//!   system clock (through quanta) and its waiters are not queued, so under
//!   contention who goes next is luck and a paused tokio clock does not
//!   move it. [`RateLimiter`] adds a FIFO queue, cancel-safe waits, tokio's
//!   clock, and a sliding window.
//!
//! # Why built on tokio's semaphore
//!
//! A fair async semaphore is subtle code — an intrusive waiter list, permits
//! assigned partially to the head, cancellation that hands them on — and
//! tokio's has years of loom models and production use behind it. Writing
//! another would add risk and no speed: the benchmarks
//! (`benches/semaphore.rs`) show this crate's uncontended acquire/release
//! costing the same as tokio's, and its contended one within 10% (the
//! price of the exact waiter count). So [`Semaphore`] and [`Limiter`] are tokio's semaphore
//! plus bookkeeping, and [`RateLimiter`] uses it as its queue. What this
//! crate keeps in atomics of its own — the waiter counts, a semaphore's
//! total against its bound, the token bucket — is small, and model-checked
//! with loom (`RUSTFLAGS="--cfg loom" cargo test -p taskscope-semaphore
//! --release --test loom_semaphore`). The sliding window and the limiter's
//! borrower table are under a mutex, held for a few instructions and never
//! across an await.
//!
//! # Examples
//!
//! Fetch 100 pages, at most 8 at a time and at most 20 per second:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! use std::time::Duration;
//! use taskscope::semaphore::{RateLimiter, Semaphore};
//!
//! let in_flight = Semaphore::bounded(8).unwrap();
//! let rate = RateLimiter::per_second(20.0).unwrap();
//! let start = tokio::time::Instant::now();
//! let mut tasks = Vec::new();
//! for page in 0..100 {
//!     let (in_flight, rate) = (in_flight.clone(), rate.clone());
//!     tasks.push(tokio::spawn(async move {
//!         let _permit = in_flight.acquire().await.unwrap();
//!         rate.acquire().await;
//!         tokio::time::sleep(Duration::from_millis(100)).await; // fetch `page`
//!         page
//!     }));
//! }
//! for task in tasks {
//!     task.await.unwrap();
//! }
//! // The rate is the tighter limit: 100 starts at 50 ms intervals.
//! assert_eq!(start.elapsed(), Duration::from_millis(99 * 50 + 100));
//! # }
//! ```
#![forbid(unsafe_code)]

mod borrower;
mod error;
mod limiter;
mod limiter_token;
mod owned_permit;
mod permit;
mod rate_limiter;
mod semaphore;

// Internals with atomics of their own. Public (and hidden) only under
// `--cfg loom`, for the models in `tests/loom_*.rs`.
#[cfg_attr(not(loom), allow(unreachable_pub))] // pub only for `__loom`
mod gcra;
mod loom;
#[cfg_attr(not(loom), allow(unreachable_pub))] // pub only for `__loom`
mod total;
#[cfg_attr(not(loom), allow(unreachable_pub))] // pub only for `__loom`
mod wait_counter;
mod window;

pub use borrower::Borrower;
pub use error::{
    AcquireError, AddPermitsError, BorrowError, CapacityError, MergeError, RateError,
    RateLimitError, SplitError, TryAcquireError, TryBorrowError,
};
pub use limiter::Limiter;
pub use limiter_token::LimiterToken;
pub use owned_permit::OwnedPermit;
pub use permit::Permit;
pub use rate_limiter::RateLimiter;
pub use semaphore::Semaphore;

/// The crate's atomic internals, exposed for the loom models only.
#[cfg(loom)]
#[doc(hidden)]
pub mod __loom {
    pub use crate::gcra::Gcra;
    pub use crate::total::Total;
    pub use crate::wait_counter::{WaitCounter, WaitGuard};
}
