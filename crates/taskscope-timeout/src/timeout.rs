//! `timeout`, the one-line form, and `Timeout`, the reschedulable one (the
//! function and the type share a name, as in tokio's `time/timeout.rs`).

use std::fmt;
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::shared::Shared;
use crate::{TimeoutFuture, TimeoutHandle};

/// Runs `future` until it completes or `duration` has passed, whichever
/// comes first.
///
/// The deadline is fixed now, when `timeout` is called, not at the first
/// poll (asyncio and tokio count the same way; Trio counts from entering
/// the scope). Each poll polls `future` first, so a future that is ready
/// returns `Ok` even with a zero `duration`; one that is still pending at
/// the deadline is dropped and `Err(`[`Elapsed`](crate::Elapsed)`)` is
/// returned. Inside, [`current_deadline`](crate::current_deadline) reports
/// the deadline (or an earlier one from an enclosing timeout).
///
/// A `duration` too large for the clock (such as [`Duration::MAX`]) means
/// no deadline at all: the future runs to completion. That is what a
/// "practically infinite" timeout asks for, and unlike `Instant +
/// Duration` it never panics.
///
/// # Comparison with `tokio::time::timeout`
///
/// Same signature and the same ready-first rule, and it costs no more (see
/// the crate's benchmark). What it adds: nested timeouts agree on who
/// reports an expiry (the outermost expired one), the inner future can ask
/// for its [`current_deadline`](crate::current_deadline), and a
/// [`shield`](crate::shield) inside is respected. For a deadline you can
/// move while it runs, use [`Timeout`].
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::timeout::timeout;
/// use tokio::time::{Instant, sleep};
///
/// let start = Instant::now();
/// let slow = timeout(Duration::from_millis(10), sleep(Duration::from_secs(5))).await;
/// assert!(slow.is_err());
/// assert_eq!(start.elapsed(), Duration::from_millis(10));
///
/// let quick = timeout(Duration::ZERO, async { "ready" }).await;
/// assert_eq!(quick, Ok("ready"));
/// # }
/// ```
///
/// # Cancel safety
///
/// Cancel safe only if `future` is.
///
/// # Panics
///
/// Polling the returned future panics outside a tokio runtime with the time
/// driver enabled, once it needs its timer (as [`tokio::time::sleep`]
/// does). Calling `timeout` itself never panics.
///
/// # Errors
///
/// The future resolves to `Err(`[`Elapsed`](crate::Elapsed)`)` if the deadline
/// passes before `future` completes.
pub fn timeout<F>(duration: Duration, future: F) -> TimeoutFuture<F::IntoFuture>
where
    F: IntoFuture,
{
    TimeoutFuture::after(future.into_future(), duration)
}

/// A deadline you can move while the future under it runs: asyncio's
/// `asyncio.timeout()` context manager, Trio's cancel scope with a
/// deadline.
///
/// Create it with [`after`](Self::after), [`at`](Self::at) or
/// [`never`](Self::never), take as many [`TimeoutHandle`]s as you like
/// with [`handle`](Self::handle), then [`run`](Self::run) a future under
/// it. A handle can [`reschedule`](TimeoutHandle::reschedule) the deadline
/// from anywhere — the future itself, another task, another thread — later,
/// earlier, or into the past (which fires at once), and can ask whether the
/// timeout [`expired`](TimeoutHandle::expired).
///
/// A `Timeout` runs one future, once: [`run`](Self::run) takes it by
/// value. Dropping a `Timeout` that never ran changes nothing; its handles
/// go on reporting it as `created`, with its deadline.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::timeout::Timeout;
/// use tokio::time::{Instant, sleep};
///
/// let start = Instant::now();
/// let timeout = Timeout::after(Duration::from_secs(1));
/// let handle = timeout.handle();
/// let result = timeout
///     .run(async {
///         // Each bit of progress buys another second.
///         for _ in 0..3 {
///             sleep(Duration::from_millis(800)).await;
///             handle.reschedule_after(Duration::from_secs(1));
///         }
///         "done"
///     })
///     .await;
/// assert_eq!(result, Ok("done"));
/// assert_eq!(start.elapsed(), Duration::from_millis(2400));
/// # }
/// ```
pub struct Timeout {
    shared: Arc<Shared>,
}

impl Timeout {
    /// A timeout whose deadline is `duration` from now (counted from this
    /// call, not from [`run`](Self::run)).
    ///
    /// A `duration` too large for the clock means no deadline, as for
    /// [`timeout`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::Timeout;
    /// use tokio::time::Instant;
    ///
    /// let timeout = Timeout::after(Duration::from_secs(3));
    /// assert_eq!(timeout.deadline(), Some(Instant::now() + Duration::from_secs(3)));
    /// assert_eq!(Timeout::after(Duration::MAX).deadline(), None);
    /// # }
    /// ```
    pub fn after(duration: Duration) -> Timeout {
        Timeout::with_deadline(Instant::now().checked_add(duration))
    }

    /// A timeout with the deadline `deadline`, which may be in the past.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::Timeout;
    /// use tokio::time::Instant;
    ///
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// let result = Timeout::at(deadline).run(std::future::pending::<()>()).await;
    /// assert_eq!(result.unwrap_err().deadline(), deadline);
    /// # }
    /// ```
    pub fn at(deadline: Instant) -> Timeout {
        Timeout::with_deadline(Some(deadline))
    }

    /// A timeout without a deadline, until a handle sets one
    /// (`asyncio.timeout(None)`).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::Timeout;
    /// use tokio::time::Instant;
    ///
    /// let timeout = Timeout::never();
    /// let handle = timeout.handle();
    /// let result = timeout
    ///     .run(async {
    ///         handle.reschedule(Instant::now() + Duration::from_secs(1));
    ///         std::future::pending::<()>().await
    ///     })
    ///     .await;
    /// assert!(result.is_err());
    /// # }
    /// ```
    pub fn never() -> Timeout {
        Timeout::with_deadline(None)
    }

    fn with_deadline(deadline: Option<Instant>) -> Timeout {
        Timeout { shared: Arc::new(Shared::new(deadline)) }
    }

    /// A handle to reschedule or watch this timeout. Handles are cheap to
    /// clone, `Send` and `Sync`, and stay usable after the timeout is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::Timeout;
    ///
    /// let timeout = Timeout::after(Duration::from_millis(5));
    /// let handle = timeout.handle();
    /// let _ = timeout.run(std::future::pending::<()>()).await;
    /// assert!(handle.expired());
    /// # }
    /// ```
    pub fn handle(&self) -> TimeoutHandle {
        TimeoutHandle::new(self.shared.clone())
    }

    /// The current deadline; `None` when there is none.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::timeout::Timeout;
    ///
    /// assert_eq!(Timeout::never().deadline(), None);
    /// # }
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.shared.lock().deadline
    }

    /// Runs `future` under this timeout: as [`timeout`], but with the
    /// deadline its handles set.
    ///
    /// A `Timeout` runs one future; using it twice does not compile:
    ///
    /// ```compile_fail,E0382
    /// # async fn f() {
    /// use std::time::Duration;
    /// use taskscope::timeout::Timeout;
    ///
    /// let timeout = Timeout::after(Duration::from_secs(1));
    /// let _ = timeout.run(async {}).await;
    /// let _ = timeout.run(async {}).await; // error: use of moved value
    /// # }
    /// ```
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::Timeout;
    ///
    /// let result = Timeout::after(Duration::from_secs(1)).run(async { 42 }).await;
    /// assert_eq!(result, Ok(42));
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe only if `future` is.
    ///
    /// # Panics
    ///
    /// Polling the returned future panics outside a tokio runtime with the
    /// time driver enabled, once it needs its timer.
    ///
    /// # Errors
    ///
    /// The future resolves to `Err(`[`Elapsed`](crate::Elapsed)`)` if the deadline
    /// passes before `future` completes.
    pub fn run<F>(self, future: F) -> TimeoutFuture<F::IntoFuture>
    where
        F: IntoFuture,
    {
        TimeoutFuture::linked(future.into_future(), self.shared)
    }
}

impl fmt::Debug for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("Timeout")
            .field("state", &state.phase.name(state.fired))
            .field("deadline", &state.deadline)
            .finish()
    }
}
