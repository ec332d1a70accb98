//! `move_on_at`: run a future until an instant, then carry on without it.

use std::future::IntoFuture;

use tokio::time::Instant;

use crate::MoveOn;

/// Runs `future` until `deadline` at most; `Some(value)` if it finished,
/// `None` if the deadline came first (Trio's `move_on_at`).
///
/// As [`move_on_after`](crate::move_on_after) with an absolute deadline,
/// which may be in the past.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::timeout::move_on_at;
/// use tokio::time::Instant;
///
/// // A deadline of "now" cuts off anything that has to wait.
/// assert_eq!(move_on_at(Instant::now(), tokio::task::yield_now()).await, None);
/// assert_eq!(move_on_at(Instant::now(), async { 1 }).await, Some(1));
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
pub fn move_on_at<F>(deadline: Instant, future: F) -> MoveOn<F::IntoFuture>
where
    F: IntoFuture,
{
    MoveOn::new(crate::timeout_at(deadline, future))
}
