//! `Taken`: a taken item that marks itself done when dropped.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::shared::Shared;

/// An item taken from a queue, which marks itself done (as
/// [`task_done`](crate::JoinableQueue::task_done) would) when dropped.
///
/// Returned by [`get_guarded`](crate::JoinableQueue::get_guarded) and
/// [`try_get_guarded`](crate::JoinableQueue::try_get_guarded). It
/// dereferences to the item. Keep it alive while you process the item:
/// however the processing ends — success, an early `return` or `?`, a
/// panic, or the task being cancelled — the guard is dropped and the item
/// is counted as done, so [`join`](crate::JoinableQueue::join) cannot hang
/// on a worker that went away.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::queue::Queue;
///
/// let queue = Queue::unbounded();
/// queue.put(vec![1, 2, 3]).await.unwrap();
///
/// let worker = {
///     let queue = queue.clone();
///     tokio::spawn(async move {
///         let mut job = queue.get_guarded().await.unwrap();
///         job.push(4); // `DerefMut` to the item
///         if job.len() > 3 {
///             panic!("this worker fails mid-job");
///         }
///     })
/// };
/// assert!(worker.await.unwrap_err().is_panic());
/// queue.join().await; // the guard marked the job done during the unwind
/// # }
/// ```
pub struct Taken<T> {
    item: T,
    done: MarkDone<T>,
}

/// Marks one item done when dropped, unless disarmed.
pub(crate) struct MarkDone<T> {
    shared: Option<Arc<Shared<T>>>,
}

impl<T> Taken<T> {
    pub(crate) fn new(item: T, shared: Arc<Shared<T>>) -> Self {
        Taken { item, done: MarkDone { shared: Some(shared) } }
    }

    /// Takes the item out of the guard **without** marking it done: you
    /// now owe the queue a [`task_done`](crate::JoinableQueue::task_done),
    /// as after a plain [`get`](crate::JoinableQueue::get).
    ///
    /// This disarms the guard (like `scopeguard::ScopeGuard::into_inner`).
    /// It is an associated function, `Taken::into_inner(taken)`, so that it
    /// never hides a method of the item. To hand the item on and keep it
    /// unfinished until the next step is done — a pipeline stage putting it
    /// in the next queue — keep the guard and clone or borrow instead, or
    /// call `task_done` after the hand-over.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::queue::{Queue, Taken};
    ///
    /// let stage1 = Queue::unbounded();
    /// let stage2 = Queue::unbounded();
    /// stage1.put(String::from("raw")).await.unwrap();
    ///
    /// let item = Taken::into_inner(stage1.get_guarded().await.unwrap());
    /// assert_eq!(stage1.unfinished(), 1); // not done yet
    /// stage2.put(item.to_uppercase()).await.unwrap();
    /// stage1.task_done().unwrap(); // done once stage 2 has it
    /// assert_eq!((stage1.unfinished(), stage2.unfinished()), (0, 1));
    /// # }
    /// ```
    pub fn into_inner(this: Self) -> T {
        let (item, mut done) = Taken::into_parts(this);
        done.shared = None;
        item
    }

    /// The item and the part of the guard that marks it done on drop.
    pub(crate) fn into_parts(this: Self) -> (T, MarkDone<T>) {
        let Taken { item, done } = this;
        (item, done)
    }
}

impl<T> Deref for Taken<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.item
    }
}

impl<T> DerefMut for Taken<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.item
    }
}

impl<T> Drop for MarkDone<T> {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            if let Err(err) = shared.task_done() {
                // Only possible if `task_done` was also called by hand for
                // this item; the count is left as it was.
                tracing::warn!(target: "taskscope", %err, "a dropped `Taken` guard could not mark its item done");
            }
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Taken<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Taken").field(&self.item).finish()
    }
}
