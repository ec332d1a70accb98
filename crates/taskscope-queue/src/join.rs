//! `Join`: the future returned by `JoinableQueue::join`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::shared::Shared;

/// Future for [`JoinableQueue::join`](crate::JoinableQueue::join):
/// resolves once every item ever put has been marked done.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::queue::Queue;
///
/// let queue = Queue::unbounded();
/// queue.join().await; // nothing put: returns at once
/// queue.put(1).await.unwrap();
/// let one = queue.get().await.unwrap();
/// queue.task_done().unwrap();
/// queue.join().await;
/// # let _ = one;
/// # }
/// ```
///
/// # Cancel safety
///
/// This method is cancel safe.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Join<'a, T> {
    shared: &'a Shared<T>,
    key: Option<usize>,
}

impl<'a, T> Join<'a, T> {
    pub(crate) fn new(shared: &'a Shared<T>) -> Self {
        Join { shared, key: None }
    }
}

impl<T> Unpin for Join<'_, T> {}

impl<T> Future for Join<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        this.shared.poll_join(&mut this.key, cx)
    }
}

impl<T> Drop for Join<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.shared.cancel_join(key);
        }
    }
}

impl<T> fmt::Debug for Join<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join").field("waiting", &self.key.is_some()).finish()
    }
}
