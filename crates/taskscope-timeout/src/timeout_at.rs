//! `timeout_at`: run a future until an instant.

use std::future::IntoFuture;

use tokio::time::Instant;

use crate::TimeoutFuture;

/// Runs `future` until it completes or the clock reaches `deadline`,
/// whichever comes first.
///
/// As [`timeout`](crate::timeout), with an absolute deadline. A deadline
/// in the past is allowed: a future that is ready at its first poll still
/// returns `Ok` (it is polled before the deadline is checked), any other is
/// cut off at that first poll.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::timeout::timeout_at;
/// use tokio::time::{Instant, sleep};
///
/// let deadline = Instant::now() + Duration::from_millis(50);
/// let first = timeout_at(deadline, sleep(Duration::from_millis(20))).await;
/// assert!(first.is_ok());
/// // The same deadline covers the next step: 30 ms are left, not 50.
/// let second = timeout_at(deadline, sleep(Duration::from_millis(40))).await;
/// assert!(second.is_err());
/// assert_eq!(Instant::now(), deadline);
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
/// driver enabled, once it needs its timer.
///
/// # Errors
///
/// The future resolves to `Err(`[`Elapsed`](crate::Elapsed)`)` if the deadline
/// passes before `future` completes.
pub fn timeout_at<F>(deadline: Instant, future: F) -> TimeoutFuture<F::IntoFuture>
where
    F: IntoFuture,
{
    TimeoutFuture::at(future.into_future(), deadline)
}
