//! `TimeoutHandle`: reschedule or watch a [`Timeout`](crate::Timeout) from
//! anywhere.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::shared::Shared;

/// A cloneable handle to a [`Timeout`](crate::Timeout), from
/// [`Timeout::handle`](crate::Timeout::handle).
///
/// It works from any task or thread: a reschedule wakes the running
/// timeout, which re-arms its timer at its next poll. Dropping a handle
/// does nothing to the timeout.
///
/// The Debug output names the timeout's state — `created` (not run yet),
/// `active`, `expired` (its deadline fired) or `finished` — and its
/// deadline, like the repr of asyncio's `Timeout`.
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
/// let start = Instant::now();
/// let timeout = Timeout::never();
/// let handle = timeout.handle();
/// let worker = tokio::spawn(timeout.run(std::future::pending::<()>()));
///
/// // Another task decides when the worker has had enough.
/// tokio::time::sleep(Duration::from_secs(2)).await;
/// handle.reschedule(Instant::now() + Duration::from_secs(1));
///
/// assert!(worker.await.unwrap().is_err());
/// assert_eq!(start.elapsed(), Duration::from_secs(3));
/// assert!(handle.expired());
/// # }
/// ```
#[derive(Clone)]
pub struct TimeoutHandle {
    shared: Arc<Shared>,
}

impl TimeoutHandle {
    pub(crate) fn new(shared: Arc<Shared>) -> TimeoutHandle {
        TimeoutHandle { shared }
    }

    /// Moves the deadline to `deadline`: an [`Instant`], or `None` for no
    /// deadline.
    ///
    /// The new deadline may be later or earlier than the old one, and one
    /// at or before now fires at once: called from inside the timed
    /// future, at the next await that has to wait; called from elsewhere,
    /// at the timeout's next poll, which this call triggers (the future is
    /// polled first there, so if it is ready by then, its value wins).
    /// [`current_deadline`](crate::current_deadline) shows the new deadline
    /// from the timeout's next poll on.
    ///
    /// Rescheduling a timeout that has not run yet changes the deadline it
    /// will run with. Once its deadline has fired, or its future has
    /// finished, a timeout never changes again and `reschedule` does
    /// nothing (asyncio raises an error here; Trio, like this crate,
    /// ignores it, and a fired deadline is never taken back).
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
    /// let start = Instant::now();
    /// let timeout = Timeout::after(Duration::from_secs(10));
    /// let handle = timeout.handle();
    /// handle.reschedule(start + Duration::from_secs(20));
    /// assert_eq!(handle.deadline(), Some(start + Duration::from_secs(20)));
    /// handle.reschedule(None);
    /// assert_eq!(handle.deadline(), None);
    ///
    /// // Into the past: fires at once.
    /// let result = timeout
    ///     .run(async {
    ///         handle.reschedule(start);
    ///         std::future::pending::<()>().await
    ///     })
    ///     .await;
    /// assert!(result.is_err());
    /// assert_eq!(start.elapsed(), Duration::ZERO);
    /// # }
    /// ```
    pub fn reschedule(&self, deadline: impl Into<Option<Instant>>) {
        self.shared.reschedule(deadline.into());
    }

    /// Moves the deadline to `duration` from now; a `duration` too large for
    /// the clock removes the deadline. Otherwise as
    /// [`reschedule`](Self::reschedule).
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
    /// handle.reschedule_after(Duration::from_secs(5));
    /// assert_eq!(handle.deadline(), Some(Instant::now() + Duration::from_secs(5)));
    /// handle.reschedule_after(Duration::MAX);
    /// assert_eq!(handle.deadline(), None);
    /// # }
    /// ```
    pub fn reschedule_after(&self, duration: Duration) {
        self.shared.reschedule(Instant::now().checked_add(duration));
    }

    /// The current deadline; `None` when there is none.
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
    /// assert_eq!(Timeout::at(deadline).handle().deadline(), Some(deadline));
    /// # }
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.shared.lock().deadline
    }

    /// Whether the deadline fired while the future was running: true once
    /// the timeout cut its future off, also when an enclosing timeout that
    /// expired at the same time reported the [`Elapsed`](crate::Elapsed).
    /// False if the future finished first or was dropped from outside.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::Timeout;
    ///
    /// let timeout = Timeout::after(Duration::from_secs(1));
    /// let handle = timeout.handle();
    /// assert!(!handle.expired());
    /// let _ = timeout.run(tokio::time::sleep(Duration::from_secs(2))).await;
    /// assert!(handle.expired());
    /// # }
    /// ```
    pub fn expired(&self) -> bool {
        self.shared.lock().fired
    }
}

impl fmt::Debug for TimeoutHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("TimeoutHandle")
            .field("state", &state.phase.name(state.fired))
            .field("deadline", &state.deadline)
            .finish()
    }
}
