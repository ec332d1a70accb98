//! `MoveOn`, the future of [`move_on_after`](crate::move_on_after) and
//! [`move_on_at`](crate::move_on_at).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use crate::TimeoutFuture;

pin_project! {
    /// Future returned by [`move_on_after`](crate::move_on_after) and
    /// [`move_on_at`](crate::move_on_at): `Some(value)` if the inner future
    /// finished in time, `None` if the deadline cut it off.
    ///
    /// It follows every rule of [`TimeoutFuture`] (ready first, outermost
    /// expired deadline wins, shields respected); only the output differs.
    /// Dropping it drops the inner future.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::{MoveOn, move_on_after};
    ///
    /// let fut: MoveOn<_> = move_on_after(Duration::from_secs(1), std::future::pending::<()>());
    /// assert_eq!(fut.await, None);
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe only if the inner future is.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct MoveOn<F> {
        #[pin]
        inner: TimeoutFuture<F>,
    }
}

impl<F> MoveOn<F> {
    pub(crate) fn new(inner: TimeoutFuture<F>) -> MoveOn<F> {
        MoveOn { inner }
    }
}

impl<F: Future> Future for MoveOn<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(ready!(self.project().inner.poll(cx)).ok())
    }
}

impl<F> fmt::Debug for MoveOn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MoveOn").field("inner", &self.inner).finish()
    }
}
