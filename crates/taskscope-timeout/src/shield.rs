//! `shield`: let a future finish even when the timeout around it expires.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::context::{self, Frame};

/// Protects `future` from the timeouts around it: an enclosing timeout that
/// expires while `future` is pending keeps polling it until it completes,
/// and only then reports [`Elapsed`](crate::Elapsed) (Trio's shielded
/// cancel scope).
///
/// Use it for work that must not be cut in half: committing a transaction,
/// flushing a write-ahead log, sending the "goodbye" frame of a protocol.
/// Keep shielded work short and bounded — give it a timeout of its own
/// inside the shield, which works as usual, since nothing outside can stop
/// it.
///
/// The rules:
///
/// * Inside the shield, [`current_deadline`](crate::current_deadline) is
///   `None` (or the deadline of a timeout inside the shield): the outer
///   deadlines no longer apply.
/// * An enclosing timeout whose deadline passes while the shield is
///   pending does not drop its future; it polls it on, until the shield's
///   future completes and the code around it next waits on something
///   unshielded — then it drops the future and reports `Elapsed`. Once a
///   deadline has fired, the result is `Elapsed` even if the whole future
///   completes in the meantime.
/// * Rust can only cancel a future by dropping all of it, so while a
///   shield is pending, the *unshielded* futures polled next to it (the
///   other branches of a `join!`, say) run on too; they are dropped
///   together when the timeout reports.
///
/// What a shield cannot do: stop a task from being **aborted**.
/// `JoinHandle::abort`, dropping a runtime, or a task group that aborts its
/// children (see `taskscope::task_group`, which will learn to wait for
/// shielded children during its grace period) drop the task's future
/// wherever it is, shield or not. Dropping the `Shield` itself also drops
/// `future`, as for any future.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::timeout::{current_deadline, shield, timeout};
/// use tokio::time::{Instant, sleep};
///
/// let start = Instant::now();
/// let mut committed = false;
/// let result = timeout(Duration::from_millis(10), async {
///     shield(async {
///         assert_eq!(current_deadline(), None);
///         sleep(Duration::from_millis(50)).await; // longer than the timeout
///         committed = true;
///     })
///     .await;
///     std::future::pending::<()>().await // cut off here
/// })
/// .await;
/// assert!(result.is_err());
/// assert!(committed);
/// assert_eq!(start.elapsed(), Duration::from_millis(50));
/// # }
/// ```
///
/// # Cancel safety
///
/// Cancel safe only if `future` is: a shield protects against timeouts,
/// not against being dropped.
pub fn shield<F>(future: F) -> Shield<F::IntoFuture>
where
    F: IntoFuture,
{
    Shield { future: future.into_future() }
}

pin_project! {
    /// Future returned by [`shield`]: runs the inner future outside the
    /// reach of the timeouts around it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::timeout::{Shield, shield};
    ///
    /// let fut: Shield<_> = shield(async { 5 });
    /// assert_eq!(fut.await, 5);
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe only if the inner future is.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Shield<F> {
        #[pin]
        future: F,
    }
}

impl<F> Shield<F> {
    /// Removes the shield and returns the inner future.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::timeout::shield;
    ///
    /// assert_eq!(shield(async { 5 }).into_inner().await, 5);
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe only if the inner future is.
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Shield<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let entered = context::enter(Frame::ROOT);
        let inherited = context::inherit_with(|_| None);
        let polled = self.project().future.poll(cx);
        drop(inherited);
        entered.exit();
        if polled.is_pending() {
            context::mark_shield_pending();
        }
        polled
    }
}

impl<F> fmt::Debug for Shield<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shield").finish_non_exhaustive()
    }
}
