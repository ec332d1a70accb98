//! `move_on_after`: give a future some time, then carry on without it.

use std::future::IntoFuture;
use std::time::Duration;

use crate::MoveOn;

/// Runs `future` for at most `duration`; `Some(value)` if it finished,
/// `None` if time ran out (Trio's `move_on_after`).
///
/// Use it where running out of time is a normal outcome — a best-effort
/// cache refresh, an optional enrichment — and [`fail_after`] where it is
/// an error. Counted from this call; a future that is ready at once wins
/// even with a zero `duration`; a `duration` too large for the clock means
/// no deadline.
///
/// [`fail_after`]: crate::fail_after
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::timeout::move_on_after;
/// use tokio::time::{Instant, sleep};
///
/// let start = Instant::now();
/// let hint = move_on_after(Duration::from_millis(100), async {
///     sleep(Duration::from_secs(3)).await;
///     "slow hint"
/// })
/// .await;
/// assert_eq!(hint, None);
/// assert_eq!(start.elapsed(), Duration::from_millis(100));
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
pub fn move_on_after<F>(duration: Duration, future: F) -> MoveOn<F::IntoFuture>
where
    F: IntoFuture,
{
    MoveOn::new(crate::timeout(duration, future))
}
