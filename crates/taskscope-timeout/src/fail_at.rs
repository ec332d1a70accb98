//! `fail_at`: Trio's name for [`timeout_at`](crate::timeout_at).

use std::future::IntoFuture;

use tokio::time::Instant;

use crate::TimeoutFuture;

/// Runs `future` until `deadline` at most, failing with
/// [`Elapsed`](crate::Elapsed) if it is still running then.
///
/// The same function as [`timeout_at`](crate::timeout_at) under Trio's
/// name.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::timeout::fail_at;
/// use tokio::time::{Instant, sleep};
///
/// let deadline = Instant::now() + Duration::from_secs(100);
/// assert_eq!(fail_at(deadline, async { sleep(Duration::from_secs(1)).await; 1 }).await, Ok(1));
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
pub fn fail_at<F>(deadline: Instant, future: F) -> TimeoutFuture<F::IntoFuture>
where
    F: IntoFuture,
{
    crate::timeout_at(deadline, future)
}
