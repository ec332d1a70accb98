//! `GetGuarded`: the future returned by `JoinableQueue::get_guarded`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use crate::shared::Shared;
use crate::{Get, QueueShutdown, Taken};

/// Future for [`JoinableQueue::get_guarded`](crate::JoinableQueue::get_guarded):
/// resolves to the next item inside a [`Taken`] guard, which marks it done
/// when dropped.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::queue::Queue;
///
/// let queue = Queue::unbounded();
/// queue.put(1).await.unwrap();
/// let one = queue.get_guarded().await.unwrap();
/// assert_eq!(*one, 1);
/// # }
/// ```
///
/// # Cancel safety
///
/// Cancel safe, but cancelling loses the place in line, as for [`Get`].
///
/// # Panics
///
/// Polling it again after it returned `Ready` panics, as for an `async fn`.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct GetGuarded<'a, T> {
    shared: &'a Arc<Shared<T>>,
    get: Get<'a, T>,
}

impl<'a, T> GetGuarded<'a, T> {
    pub(crate) fn new(shared: &'a Arc<Shared<T>>) -> Self {
        GetGuarded { shared, get: Get::new(shared) }
    }
}

impl<T> Future for GetGuarded<'_, T> {
    type Output = Result<Taken<T>, QueueShutdown>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let item = ready!(Pin::new(&mut this.get).poll(cx));
        Poll::Ready(item.map(|item| Taken::new(item, this.shared.clone())))
    }
}

impl<T> fmt::Debug for GetGuarded<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetGuarded").field("get", &self.get).finish()
    }
}
