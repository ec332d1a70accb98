//! `Put`: the future returned by `JoinableQueue::put`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::task::coop;

use crate::QueueShutdown;
use crate::shared::Shared;

/// Future for [`JoinableQueue::put`](crate::JoinableQueue::put): resolves
/// once the item is in the queue.
///
/// While the queue is full the future waits in line for a free slot. The
/// item stays inside the future until it goes in, so dropping the future
/// drops the item and never inserts it.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::queue::Queue;
///
/// let queue = Queue::bounded(1).unwrap();
/// queue.put(1).await.unwrap();
/// // Full: give up after a second; the item is not inserted.
/// let timed_out = tokio::time::timeout(Duration::from_secs(1), queue.put(2)).await;
/// assert!(timed_out.is_err());
/// assert_eq!(queue.len(), 1);
/// # }
/// ```
///
/// # Cancel safety
///
/// Cancel safe, but cancelling loses the place in line: the item is
/// dropped with the future, never inserted, and a slot it had been
/// promised passes to the next waiting putter.
///
/// # Panics
///
/// Polling it again after it returned `Ready` panics, as for an `async fn`.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Put<'a, T> {
    shared: &'a Shared<T>,
    item: Option<T>,
    /// Our slot in the putters' line, while parked.
    key: Option<usize>,
}

impl<'a, T> Put<'a, T> {
    pub(crate) fn new(shared: &'a Shared<T>, item: T) -> Self {
        Put { shared, item: Some(item), key: None }
    }
}

// The item is moved, never pinned, so `Put` is `Unpin` whatever `T` is.
impl<T> Unpin for Put<'_, T> {}

impl<T> Future for Put<'_, T> {
    type Output = Result<(), QueueShutdown<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        assert!(this.item.is_some(), "`Put` polled after completion");
        // Take part in tokio's cooperative scheduling, as tokio's channels
        // do: a task that only ever finds room yields now and then.
        let budget = ready!(coop::poll_proceed(cx));
        match this.shared.poll_put(&mut this.key, &mut this.item, cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(())) => {
                budget.made_progress();
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(())) => match this.item.take() {
                Some(item) => Poll::Ready(Err(QueueShutdown::new(item))),
                None => unreachable!("a refused put keeps its item"),
            },
        }
    }
}

impl<T> Drop for Put<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.shared.cancel_put(key);
        }
    }
}

impl<T> fmt::Debug for Put<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put")
            .field("waiting", &self.key.is_some())
            .field("done", &self.item.is_none())
            .finish()
    }
}
