//! `Get`: the future returned by `JoinableQueue::get`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::task::coop;

use crate::QueueShutdown;
use crate::shared::Shared;

/// Future for [`JoinableQueue::get`](crate::JoinableQueue::get): resolves
/// to the next item.
///
/// While the queue is empty the future waits in line. An item leaves the
/// queue only in the poll that returns it, so dropping the future never
/// loses one.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::queue::Queue;
///
/// let queue = Queue::<u32>::unbounded();
/// let timed_out = tokio::time::timeout(Duration::from_secs(1), queue.get()).await;
/// assert!(timed_out.is_err()); // nothing came; nothing was lost
/// # }
/// ```
///
/// # Cancel safety
///
/// Cancel safe, but cancelling loses the place in line: no item is lost,
/// and an item the getter had been promised passes to the next waiting
/// getter, or stays in the queue.
///
/// # Panics
///
/// Polling it again after it returned `Ready` panics, as for an `async fn`.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Get<'a, T> {
    shared: &'a Shared<T>,
    /// Our slot in the getters' line, while parked.
    key: Option<usize>,
    done: bool,
}

impl<'a, T> Get<'a, T> {
    pub(crate) fn new(shared: &'a Shared<T>) -> Self {
        Get { shared, key: None, done: false }
    }
}

impl<T> Unpin for Get<'_, T> {}

impl<T> Future for Get<'_, T> {
    type Output = Result<T, QueueShutdown>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        assert!(!this.done, "`Get` polled after completion");
        // Take part in tokio's cooperative scheduling, as tokio's channels
        // do: a worker that always finds an item yields now and then.
        let budget = ready!(coop::poll_proceed(cx));
        let out = this.shared.poll_get(&mut this.key, cx);
        if out.is_ready() {
            budget.made_progress();
            this.done = true;
        }
        out
    }
}

impl<T> Drop for Get<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.shared.cancel_get(key);
        }
    }
}

impl<T> fmt::Debug for Get<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get")
            .field("waiting", &self.key.is_some())
            .field("done", &self.done)
            .finish()
    }
}
