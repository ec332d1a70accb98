//! `inherit`: carry the current deadline into a future that another task
//! will poll.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tokio::time::Instant;

use crate::context::{self, earliest};

/// Wraps `future` so that, wherever it is polled, it sees the
/// [`current_deadline`](crate::current_deadline) of the code calling
/// `inherit` now.
///
/// A deadline lives in the poll that is running, so a task spawned inside
/// a timeout starts without one: it is not polled by that timeout. This is
/// the hook for spawners — the task group calls it for every child — so
/// that a child can still pass its remaining budget to a database or HTTP
/// call:
///
/// ```text
/// let child = if current_deadline().is_some() { inherit(child) } ...
/// ```
///
/// or simply always `inherit(child)`: without a deadline the wrapper costs
/// one branch per poll.
///
/// The inherited deadline is *informational*: `inherit` does not make the
/// spawned task time out. Cutting the child off when the deadline passes
/// remains the job of whoever owns it (the task group cancels its children
/// when the timeout around it drops the group). Timeouts inside the child
/// work as usual and, since no timeout in the child's task enforces the
/// inherited deadline, report their own expiry.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::timeout::{current_deadline, inherit, timeout};
/// use tokio::time::Instant;
///
/// let deadline = Instant::now() + Duration::from_secs(5);
/// timeout(Duration::from_secs(5), async {
///     let plain = tokio::spawn(async { current_deadline() });
///     let inherited = tokio::spawn(inherit(async { current_deadline() }));
///     assert_eq!(plain.await.unwrap(), None);
///     assert_eq!(inherited.await.unwrap(), Some(deadline));
/// })
/// .await
/// .unwrap();
/// # }
/// ```
///
/// # Cancel safety
///
/// Cancel safe only if `future` is.
pub fn inherit<F>(future: F) -> Inherit<F::IntoFuture>
where
    F: IntoFuture,
{
    Inherit { future: future.into_future(), deadline: context::visible() }
}

pin_project! {
    /// Future returned by [`inherit`]: polls the inner future with the
    /// deadline captured when it was created.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::timeout::{Inherit, inherit};
    ///
    /// let fut: Inherit<_> = inherit(async { 1 });
    /// assert_eq!(fut.deadline(), None);
    /// assert_eq!(fut.await, 1);
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe only if the inner future is.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Inherit<F> {
        #[pin]
        future: F,
        deadline: Option<Instant>,
    }
}

impl<F> Inherit<F> {
    /// Polls `future` with `deadline` visible to
    /// [`current_deadline`](crate::current_deadline) (together with any
    /// earlier deadline around it), without enforcing it: for code that
    /// enforces the deadline itself, such as a task group with a timeout
    /// running its body.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::{Inherit, current_deadline};
    /// use tokio::time::Instant;
    ///
    /// let deadline = Instant::now() + Duration::from_secs(5);
    /// let seen = Inherit::with_deadline(async { current_deadline() }, Some(deadline)).await;
    /// assert_eq!(seen, Some(deadline));
    /// # }
    /// ```
    pub fn with_deadline(future: F, deadline: Option<Instant>) -> Self {
        Inherit { future, deadline }
    }

    /// Takes back the inner future.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::timeout::inherit;
    /// assert_eq!(inherit(async { 7 }).into_inner().await, 7);
    /// # }
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }

    /// The deadline this future carries; `None` if there was none.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::{inherit, timeout};
    /// use tokio::time::Instant;
    ///
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// let mut child = None;
    /// timeout(Duration::from_secs(1), async { child = Some(inherit(async {})) }).await.unwrap();
    /// assert_eq!(child.unwrap().deadline(), Some(deadline));
    /// # }
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }
}

impl<F: Future> Future for Inherit<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let me = self.project();
        let Some(deadline) = *me.deadline else {
            return me.future.poll(cx);
        };
        let inherited = context::inherit_with(|outer| earliest(outer, Some(deadline)));
        let polled = me.future.poll(cx);
        drop(inherited);
        polled
    }
}

impl<F> fmt::Debug for Inherit<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inherit").field("deadline", &self.deadline).finish_non_exhaustive()
    }
}
