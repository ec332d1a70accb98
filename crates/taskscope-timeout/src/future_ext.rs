//! `FutureExt`: `.timeout(..)` and `.timeout_at(..)` on any future.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::TimeoutFuture;

/// Adds [`timeout`](Self::timeout) and [`timeout_at`](Self::timeout_at) to
/// every future, for method chains.
///
/// Import it anonymously if another `FutureExt` (futures', say) is in
/// scope: `use taskscope::timeout::FutureExt as _;`.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::timeout::FutureExt as _;
///
/// let value = async { 7 }.timeout(Duration::from_secs(1)).await;
/// assert_eq!(value, Ok(7));
/// # }
/// ```
pub trait FutureExt: Future + Sized {
    /// Runs `self` for at most `duration`; see [`timeout`](crate::timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::FutureExt as _;
    ///
    /// let slow = tokio::time::sleep(Duration::from_secs(2)).timeout(Duration::from_secs(1));
    /// assert!(slow.await.is_err());
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe only if `self` is.
    ///
    /// # Panics
    ///
    /// Polling the returned future panics outside a tokio runtime with the
    /// time driver enabled, once it needs its timer.
    ///
    /// # Errors
    ///
    /// The future resolves to `Err(`[`Elapsed`](crate::Elapsed)`)` if the deadline
    /// passes before `self` completes.
    fn timeout(self, duration: Duration) -> TimeoutFuture<Self> {
        crate::timeout(duration, self)
    }

    /// Runs `self` until `deadline` at most; see
    /// [`timeout_at`](crate::timeout_at).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::FutureExt as _;
    /// use tokio::time::Instant;
    ///
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(async { 1 }.timeout_at(deadline).await, Ok(1));
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe only if `self` is.
    ///
    /// # Panics
    ///
    /// Polling the returned future panics outside a tokio runtime with the
    /// time driver enabled, once it needs its timer.
    ///
    /// # Errors
    ///
    /// The future resolves to `Err(`[`Elapsed`](crate::Elapsed)`)` if the deadline
    /// passes before `self` completes.
    fn timeout_at(self, deadline: Instant) -> TimeoutFuture<Self> {
        crate::timeout_at(deadline, self)
    }
}

impl<F: Future> FutureExt for F {}
