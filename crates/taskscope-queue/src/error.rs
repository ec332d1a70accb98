//! Errors of the queue crate: shutdown, full and empty queues, bad arguments.

use std::fmt;

/// The queue was shut down: a put was refused, or a get found nothing left.
///
/// Returned by [`put`](crate::JoinableQueue::put) (with the item inside, so
/// nothing is lost: take it back with [`into_inner`](Self::into_inner)),
/// and by [`get`](crate::JoinableQueue::get) once the queue is shut down
/// and has no item left for the caller (`QueueShutdown<()>`, the default).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::queue::Queue;
///
/// let queue = Queue::unbounded();
/// queue.put("first").await.unwrap();
/// queue.shutdown();
///
/// let refused = queue.put("late").await.unwrap_err();
/// assert_eq!(refused.to_string(), "the queue is shut down");
/// assert_eq!(refused.into_inner(), "late");
///
/// assert_eq!(queue.get().await.unwrap(), "first"); // getters drain what is left
/// assert!(queue.get().await.is_err());              // then fail
/// # }
/// ```
#[derive(thiserror::Error)]
#[error("the queue is shut down")]
pub struct QueueShutdown<T = ()> {
    item: T,
}

impl<T> QueueShutdown<T> {
    pub(crate) fn new(item: T) -> Self {
        QueueShutdown { item }
    }

    /// Takes back the item that was not put (`()` for a get).
    ///
    /// # Examples
    ///
    /// See the [type-level example](QueueShutdown).
    pub fn into_inner(self) -> T {
        self.item
    }
}

impl<T> fmt::Debug for QueueShutdown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueShutdown(..)")
    }
}

/// Why [`try_put`](crate::JoinableQueue::try_put) did not put the item,
/// which it hands back.
///
/// # Examples
///
/// ```
/// use taskscope::queue::{Queue, TryPutError};
///
/// let queue = Queue::bounded(1).unwrap();
/// queue.try_put(1).unwrap();
/// match queue.try_put(2) {
///     Err(TryPutError::Full(item)) => assert_eq!(item, 2),
///     other => panic!("expected a full queue, got {other:?}"),
/// }
/// queue.shutdown();
/// assert!(queue.try_put(3).unwrap_err().is_shutdown());
/// ```
#[derive(thiserror::Error)]
pub enum TryPutError<T> {
    /// The queue is at capacity (or its free slots are promised to putters
    /// that were waiting first).
    #[error("the queue is full")]
    Full(T),
    /// The queue was shut down.
    #[error("the queue is shut down")]
    Shutdown(T),
}

impl<T> TryPutError<T> {
    /// Whether the queue was full.
    ///
    /// # Examples
    ///
    /// See the [type-level example](TryPutError).
    pub fn is_full(&self) -> bool {
        matches!(self, TryPutError::Full(_))
    }

    /// Whether the queue was shut down.
    ///
    /// # Examples
    ///
    /// See the [type-level example](TryPutError).
    pub fn is_shutdown(&self) -> bool {
        matches!(self, TryPutError::Shutdown(_))
    }

    /// Takes back the item that was not put.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::queue::Queue;
    ///
    /// let queue = Queue::bounded(1).unwrap();
    /// queue.try_put("a").unwrap();
    /// assert_eq!(queue.try_put("b").unwrap_err().into_inner(), "b");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(item) | TryPutError::Shutdown(item) => item,
        }
    }
}

impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("Full(..)"),
            TryPutError::Shutdown(_) => f.write_str("Shutdown(..)"),
        }
    }
}

/// Why [`try_get`](crate::JoinableQueue::try_get) returned no item.
///
/// # Examples
///
/// ```
/// use taskscope::queue::{Queue, TryGetError};
///
/// let queue = Queue::<u32>::unbounded();
/// assert_eq!(queue.try_get(), Err(TryGetError::Empty));
/// queue.shutdown();
/// assert_eq!(queue.try_get(), Err(TryGetError::Shutdown));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum TryGetError {
    /// No item is available now (or the items there are promised to
    /// getters that were waiting first).
    #[error("the queue is empty")]
    Empty,
    /// The queue was shut down and no item is left for the caller.
    #[error("the queue is shut down and drained")]
    Shutdown,
}

/// [`task_done`](crate::JoinableQueue::task_done) was called more times
/// than items were put: every item is already marked done.
///
/// # Examples
///
/// ```
/// use taskscope::queue::Queue;
///
/// let queue = Queue::unbounded();
/// queue.try_put("job").unwrap();
/// queue.try_get().unwrap();
/// queue.task_done().unwrap();
///
/// let err = queue.task_done().unwrap_err();
/// assert_eq!((err.put(), err.done()), (1, 1));
/// assert_eq!(
///     err.to_string(),
///     "task_done called more times than items were put: 1 put, 1 already done",
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("task_done called more times than items were put: {put} put, {done} already done")]
pub struct TaskDoneError {
    put: u64,
    done: u64,
}

impl TaskDoneError {
    pub(crate) fn new(put: u64, done: u64) -> Self {
        TaskDoneError { put, done }
    }

    /// How many items were ever put in the queue.
    ///
    /// # Examples
    ///
    /// See the [type-level example](TaskDoneError).
    pub fn put(&self) -> u64 {
        self.put
    }

    /// How many items were already marked done (by `task_done`, a dropped
    /// [`Taken`](crate::Taken) guard, or
    /// [`shutdown_immediate`](crate::JoinableQueue::shutdown_immediate));
    /// always equal to [`put`](Self::put).
    ///
    /// # Examples
    ///
    /// See the [type-level example](TaskDoneError).
    pub fn done(&self) -> u64 {
        self.done
    }
}

/// A queue cannot be built with room for zero items.
///
/// Returned by [`bounded(0)`](crate::JoinableQueue::bounded). asyncio reads
/// `maxsize=0` as "no limit"; here that is spelled
/// [`unbounded()`](crate::JoinableQueue::unbounded), and zero is a
/// mistake caught early (like tokio's channels, which panic on it).
///
/// # Examples
///
/// ```
/// use taskscope::queue::Queue;
///
/// let err = Queue::<u32>::bounded(0).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "queue capacity must be at least 1, got 0; use `unbounded()` for a queue without a limit",
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("queue capacity must be at least 1, got 0; use `unbounded()` for a queue without a limit")]
pub struct CapacityError(());

impl CapacityError {
    pub(crate) fn new() -> Self {
        CapacityError(())
    }
}

/// A worker pool cannot have zero workers: nothing would ever take an item.
///
/// Returned by [`WorkerPool::new(0)`](crate::WorkerPool::new).
///
/// # Examples
///
/// ```
/// use taskscope::queue::WorkerPool;
///
/// let err = WorkerPool::new(0).unwrap_err();
/// assert_eq!(err.to_string(), "a worker pool needs at least 1 worker, got 0");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a worker pool needs at least 1 worker, got 0")]
pub struct WorkersError(());

impl WorkersError {
    pub(crate) fn new() -> Self {
        WorkersError(())
    }
}
