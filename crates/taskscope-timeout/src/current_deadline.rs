//! `current_deadline`: the deadline the code running now must meet.

use tokio::time::Instant;

use crate::context;

/// The effective deadline of the code calling it: the earliest deadline of
/// the timeouts around it, or `None` if there is none (Trio's
/// `current_effective_deadline`).
///
/// Pass it on to whatever takes a deadline of its own — a database
/// statement timeout, an HTTP header such as `grpc-timeout` — so that the
/// remote end gives up when you will.
///
/// What counts as "around":
///
/// * every [`timeout`](crate::timeout), [`Timeout`](crate::Timeout),
///   [`move_on_after`](crate::move_on_after) and the like that is polling
///   the calling code right now, however deeply nested, in this task;
/// * a deadline carried into a spawned task by [`inherit`](crate::inherit)
///   (the task group does this for its children);
/// * not the timeouts outside a [`shield`](crate::shield), since they
///   cannot cut the shielded code off.
///
/// A deadline that has already passed is still reported (it is in the
/// past). The answer comes from the poll that is running, so call it from
/// the future's own code, not from a `spawn_blocking` closure or a thread
/// of your own (those see `None`); it costs a thread-local read.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::timeout::{current_deadline, timeout};
/// use tokio::time::Instant;
///
/// let start = Instant::now();
/// assert_eq!(current_deadline(), None);
/// timeout(Duration::from_secs(10), async {
///     assert_eq!(current_deadline(), Some(start + Duration::from_secs(10)));
///     timeout(Duration::from_secs(3), async {
///         assert_eq!(current_deadline(), Some(start + Duration::from_secs(3)));
///     })
///     .await
///     .unwrap();
///     // A later inner deadline does not extend the outer one.
///     timeout(Duration::from_secs(30), async {
///         assert_eq!(current_deadline(), Some(start + Duration::from_secs(10)));
///     })
///     .await
///     .unwrap();
/// })
/// .await
/// .unwrap();
/// # }
/// ```
pub fn current_deadline() -> Option<Instant> {
    context::visible()
}
