//! Timeouts and deadlines that nest: reschedulable, outermost-wins,
//! shieldable, and visible to the code they limit.
//!
//! # Why nested deadlines
//!
//! Every network call needs a deadline, and the hard part is never one
//! timeout but several at once: a 2-second budget per request, inside a
//! 30-second budget for the crawl that makes the requests, inside the
//! 5-second grace period of a shutdown. tokio gives you
//! [`tokio::time::timeout`] around one future and leaves the rest to you:
//! which of two timeouts that expire together reports the error, how the
//! code inside learns how much time it has left, how to move a deadline
//! that is already running, how to finish a commit that must not be cut in
//! half. asyncio answers these with `asyncio.timeout()` and
//! `Timeout.reschedule()`, Trio with cancel scopes, `move_on_after` /
//! `fail_after` and `current_effective_deadline()`. This crate brings those
//! answers to tokio, on tokio's clock, so `#[tokio::test(start_paused =
//! true)]` drives every deadline here.
//!
//! # The pieces
//!
//! * [`timeout`] / [`timeout_at`] (also as [`FutureExt::timeout`]): run a
//!   future until a deadline; `Err(`[`Elapsed`]`)` if it passes first.
//!   [`fail_after`] / [`fail_at`] are the same under Trio's names;
//!   [`move_on_after`] / [`move_on_at`] return `None` instead of an error.
//! * [`Timeout`]: a deadline you can move while it runs. Its
//!   [`TimeoutHandle`]s [`reschedule`](TimeoutHandle::reschedule) it later,
//!   earlier or into the past from any task, and tell whether it
//!   [`expired`](TimeoutHandle::expired).
//! * [`current_deadline`]: the earliest deadline around the calling code,
//!   to hand on to a database or an HTTP request. [`inherit`] carries it
//!   into a spawned task; the task group does that for its children.
//! * [`shield`]: work that the timeouts around it let finish.
//!
//! # The rules
//!
//! **A relative timeout counts from its creation.** `timeout(d, fut)` and
//! [`Timeout::after`] fix the deadline when they are called, as tokio and
//! asyncio do; Trio (since 0.27) counts from entering the scope. Creating a
//! timeout early and running it later does not give it more time.
//!
//! **The future is polled first, so a ready future wins.** Even at a zero
//! or past deadline, a future that completes when first polled returns
//! `Ok` (tokio's rule; asyncio's `wait_for` would not even start it). A
//! future that has to wait — even once, like `yield_now()` — is cut off at
//! that first poll. Once a deadline has fired, the result is `Elapsed`;
//! it is never taken back, not by a later reschedule, not by the future
//! finishing while a shield held the timeout open.
//!
//! **When timeouts nest, the earliest deadline is the one in force, and
//! the outermost expired one reports.** Inside `timeout(10s, timeout(60s,
//! fut))` the effective deadline is 10 s ([`current_deadline`] says so),
//! and when it passes the *outer* timeout returns `Err(Elapsed)` — not an
//! `Ok(Err(..))` from the inner one. When several have expired by the time
//! they are polled (equal deadlines, or a thread that was blocked past
//! both), the inner ones stay silent and the outermost expired one
//! reports, as in Trio ("if two trigger at once, the outer one wins"), so
//! code between them never runs on borrowed time.
//! [`Elapsed::deadline`] tells which deadline fired.
//!
//! **A shield holds the timeouts around it open.** An enclosing timeout
//! that expires while a [`shield`] inside it is pending keeps polling until
//! the shielded future is done, then reports `Elapsed`. Inside the shield,
//! [`current_deadline`] is `None`, and timeouts of its own work normally. A
//! shield cannot stop a task from being aborted: see [`shield`].
//!
//! **Bad input never panics.** A duration too large for the clock (such as
//! [`Duration::MAX`](std::time::Duration::MAX)) means "no deadline", where
//! `Instant + Duration` would panic. A deadline in the past is a deadline
//! that has fired. Durations cannot be negative or NaN: they are
//! [`Duration`](std::time::Duration)s, not floats.
//!
//! # Examples
//!
//! A crawl with an overall budget, whose requests pass the time left on:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! use std::time::Duration;
//! use taskscope::timeout::{current_deadline, move_on_after, timeout};
//! use tokio::time::{Instant, sleep};
//!
//! async fn fetch(page: u32) -> u32 {
//!     // A real client would put this into its request.
//!     let budget = current_deadline().map(|d| d - Instant::now());
//!     assert!(budget <= Some(Duration::from_secs(2)));
//!     sleep(Duration::from_millis(700)).await;
//!     page
//! }
//!
//! let start = Instant::now();
//! let crawled = move_on_after(Duration::from_secs(3), async {
//!     let mut pages = Vec::new();
//!     for page in 0.. {
//!         match timeout(Duration::from_secs(2), fetch(page)).await {
//!             Ok(page) => pages.push(page),
//!             Err(_) => continue, // one slow page is not the end of the crawl
//!         }
//!     }
//!     pages
//! })
//! .await;
//! // The crawl's own budget ran out in the middle of the fifth page.
//! assert_eq!(crawled, None);
//! assert_eq!(start.elapsed(), Duration::from_secs(3));
//! # }
//! ```
//!
//! # Comparison
//!
//! * `tokio::time::timeout`: the same signature, the same ready-first
//!   rule, and no extra cost — a future that is ready at once never
//!   creates a timer here (the crate's benchmark compares both). It has no
//!   nesting rule, no deadline the inner code can read, no reschedule, no
//!   shield.
//! * asyncio's `asyncio.timeout()`: the same relative-from-creation rule,
//!   `reschedule()` and `expired()` on [`TimeoutHandle`]. Rescheduling a
//!   finished timeout is ignored here where asyncio raises; cancellation
//!   is dropping the future, so nothing can swallow it.
//! * Trio's cancel scopes: the same outermost-wins rule and shields, and
//!   [`current_deadline`] is `current_effective_deadline()`. Trio cancels
//!   each task at its next checkpoint; here a timeout drops its future as a
//!   whole, which is why the unshielded code next to a pending shield runs
//!   on until the shield is done.
//!
//! # How it works, and what it costs
//!
//! A timeout is a future that wraps yours ([`TimeoutFuture`]). While it
//! polls your future it puts its deadline in a thread-local frame, which
//! [`current_deadline`] reads and nested timeouts consult; a poll never
//! moves between threads, so the frame always describes the timeouts
//! polling the code that asks, on either runtime. The timer (a tokio
//! `Sleep`) is created at the first poll that needs it. A [`Timeout`] with
//! handles adds one `Arc` and a mutex taken once per poll. No locks or
//! allocations otherwise; built on tokio's own timer, no other crates.
#![forbid(unsafe_code)]

mod context;
mod current_deadline;
mod error;
mod fail_after;
mod fail_at;
mod future_ext;
mod inherit;
mod move_on;
mod move_on_after;
mod move_on_at;
mod shared;
mod shield;
mod timeout;
mod timeout_at;
mod timeout_future;
mod timeout_handle;

pub use current_deadline::current_deadline;
pub use error::Elapsed;
pub use fail_after::fail_after;
pub use fail_at::fail_at;
pub use future_ext::FutureExt;
pub use inherit::{Inherit, inherit};
pub use move_on::MoveOn;
pub use move_on_after::move_on_after;
pub use move_on_at::move_on_at;
pub use shield::{Shield, shield};
pub use timeout::{Timeout, timeout};
pub use timeout_at::timeout_at;
pub use timeout_future::TimeoutFuture;
pub use timeout_handle::TimeoutHandle;
