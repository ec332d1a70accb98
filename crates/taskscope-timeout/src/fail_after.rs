//! `fail_after`: Trio's name for [`timeout`](crate::timeout).

use std::future::IntoFuture;
use std::time::Duration;

use crate::TimeoutFuture;

/// Runs `future` for at most `duration`, failing with
/// [`Elapsed`](crate::Elapsed) if it takes longer.
///
/// The same function as [`timeout`](crate::timeout) under Trio's name, for
/// code that reads better next to [`move_on_after`](crate::move_on_after),
/// which gives up quietly instead. Counted from this call (Trio counts
/// from entering the scope).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::timeout::fail_after;
/// use tokio::time::sleep;
///
/// let err = fail_after(Duration::from_secs(1), sleep(Duration::from_secs(2))).await.unwrap_err();
/// let io: std::io::Error = err.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
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
pub fn fail_after<F>(duration: Duration, future: F) -> TimeoutFuture<F::IntoFuture>
where
    F: IntoFuture,
{
    crate::timeout(duration, future)
}
