//! `JoinableQueue`: the work queue behind `Queue`, `LifoQueue` and `PriorityQueue`.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::error::{CapacityError, TaskDoneError, TryGetError, TryPutError};
use crate::order::Order;
use crate::shared::Shared;
use crate::{Fifo, Get, GetGuarded, Join, Put, Taken};

/// A multi-producer, multi-consumer work queue that knows when its work is
/// *processed*: `put`/`get`, `task_done`/`join`, and shutdown.
///
/// You normally name it through its three aliases: [`Queue`](crate::Queue)
/// (first in, first out), [`LifoQueue`](crate::LifoQueue) and
/// [`PriorityQueue`](crate::PriorityQueue) (smallest first). The order `O`
/// is a type parameter so that all three share this one implementation;
/// every method works the same for each, only the item `get` returns
/// differs.
///
/// * **Bounded or not.** [`bounded(n)`](Self::bounded) holds at most `n`
///   items, and [`put`](Self::put) waits for a free slot: that is the
///   back-pressure that keeps a fast producer from running away from slow
///   workers. [`unbounded()`](Self::unbounded) never makes `put` wait.
/// * **Cheap to clone.** A clone is an `Arc` clone; every clone is the same
///   queue. Give one to each producer and each worker.
/// * **Joinable.** Every item put counts as *unfinished* until it is
///   marked done — by [`task_done`](Self::task_done), or by dropping the
///   [`Taken`] guard that [`get_guarded`](Self::get_guarded) returns.
///   [`join`](Self::join) waits until nothing is unfinished: every item is
///   not just taken but processed.
/// * **Shut down explicitly.** [`shutdown`](Self::shutdown) refuses new
///   items and lets getters drain the rest;
///   [`shutdown_immediate`](Self::shutdown_immediate) drops the rest too.
///   Either wakes everyone who waits, with [`QueueShutdown`](crate::QueueShutdown).
///
/// Waiting getters and waiting putters are each served first come, first
/// served: an item put while getters wait is promised to the first of them
/// in line, and nobody who arrives later — not even `try_get` — takes it
/// first (the same holds for the free slots that waiting putters are
/// promised). A woken getter takes the item at the front of the queue when
/// it runs, so items still leave in the queue's order.
///
/// # Dropping
///
/// Dropping a handle does nothing to the queue; the items are dropped when
/// the last handle (and the last [`Taken`] guard) is gone. Unlike a
/// channel, a queue has no sender side whose drop could close it: call
/// [`shutdown`](Self::shutdown) to tell getters that no more items will
/// come.
///
/// # Comparison with channels
///
/// `tokio::sync::mpsc` has one consumer; `async-channel` has many, and
/// both close when the last sender is dropped. Neither can tell a producer
/// when the items it sent were *processed*, and neither has another order
/// than first in, first out. That is what this queue adds, following
/// asyncio's `Queue` (including the `shutdown` of Python 3.13). For plain
/// message passing with no need for `join`, a channel is the simpler tool.
///
/// # Examples
///
/// The producer-worker pattern by hand (see
/// [`WorkerPool`](crate::WorkerPool) for the helper that does this):
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use taskscope::queue::Queue;
///
/// let queue = Queue::bounded(4).unwrap();
/// let total = Arc::new(AtomicU64::new(0));
///
/// let workers: Vec<_> = (0..3)
///     .map(|_| {
///         let (queue, total) = (queue.clone(), total.clone());
///         tokio::spawn(async move {
///             // `get` fails once the queue is shut down and drained.
///             while let Ok(job) = queue.get_guarded().await {
///                 total.fetch_add(*job, Ordering::Relaxed);
///             } // dropping the guard marks the job done
///         })
///     })
///     .collect();
///
/// for n in 1..=100 {
///     queue.put(n).await.unwrap(); // waits while 4 jobs are queued
/// }
/// queue.join().await; // every job processed, not just taken
/// assert_eq!(total.load(Ordering::Relaxed), 5050);
///
/// queue.shutdown(); // the workers' `get` now fails, and they stop
/// for worker in workers {
///     worker.await.unwrap();
/// }
/// # }
/// ```
pub struct JoinableQueue<T, O = Fifo> {
    shared: Arc<Shared<T>>,
    order: PhantomData<fn() -> O>,
}

impl<T, O: Order<T>> JoinableQueue<T, O> {
    /// Creates a queue that holds at most `capacity` items; `put` waits
    /// while it is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::queue::Queue;
    ///
    /// let queue = Queue::bounded(2).unwrap();
    /// queue.try_put('a').unwrap();
    /// queue.try_put('b').unwrap();
    /// assert!(queue.is_full());
    /// assert!(queue.try_put('c').unwrap_err().is_full());
    /// assert_eq!(queue.capacity(), Some(2));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CapacityError`] if `capacity` is 0: a queue with no room could
    /// never take an item. asyncio reads `maxsize=0` as "no limit"; use
    /// [`unbounded()`](Self::unbounded) for that.
    pub fn bounded(capacity: usize) -> Result<Self, CapacityError> {
        if capacity == 0 {
            return Err(CapacityError::new());
        }
        Ok(JoinableQueue::from_shared(Shared::new(O::store(), Some(capacity))))
    }

    /// Creates a queue without a limit: `put` never waits.
    ///
    /// Memory is then the only limit; prefer [`bounded`](Self::bounded)
    /// when producers can outrun the workers.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::queue::Queue;
    ///
    /// let queue = Queue::unbounded();
    /// for i in 0..10_000 {
    ///     queue.try_put(i).unwrap();
    /// }
    /// assert_eq!(queue.len(), 10_000);
    /// assert_eq!(queue.capacity(), None);
    /// assert!(!queue.is_full());
    /// ```
    pub fn unbounded() -> Self {
        JoinableQueue::from_shared(Shared::new(O::store(), None))
    }
}

impl<T, O> JoinableQueue<T, O> {
    fn from_shared(shared: Shared<T>) -> Self {
        JoinableQueue { shared: Arc::new(shared), order: PhantomData }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared<T>> {
        &self.shared
    }

    /// Puts `item` in the queue, waiting for a free slot while the queue is
    /// full.
    ///
    /// Putters that wait are served first come, first served. The item
    /// counts as unfinished until it is marked done (see
    /// [`task_done`](Self::task_done)).
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
    ///
    /// // The queue is full: the next put waits until a get frees the slot.
    /// let getter = {
    ///     let queue = queue.clone();
    ///     tokio::spawn(async move {
    ///         tokio::time::sleep(Duration::from_secs(1)).await;
    ///         queue.get().await.unwrap()
    ///     })
    /// };
    /// let start = tokio::time::Instant::now();
    /// queue.put(2).await.unwrap();
    /// assert_eq!(start.elapsed(), Duration::from_secs(1));
    /// assert_eq!(getter.await.unwrap(), 1);
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in line. A cancelled
    /// `put` never inserts its item (it is dropped with the future), and a
    /// slot it had been promised passes to the next waiting putter.
    ///
    /// # Errors
    ///
    /// [`QueueShutdown`](crate::QueueShutdown), holding the item, if the
    /// queue is shut down before the item is in, including while the put
    /// waits.
    pub fn put(&self, item: T) -> Put<'_, T> {
        Put::new(&self.shared, item)
    }

    /// Puts `item` if there is a free slot now, and hands it back if not.
    ///
    /// A slot that was promised to a putter already waiting does not count
    /// as free: `try_put` never overtakes a waiting `put`.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::queue::{Queue, TryPutError};
    ///
    /// let queue = Queue::bounded(1).unwrap();
    /// assert!(queue.try_put("a").is_ok());
    /// assert!(matches!(queue.try_put("b"), Err(TryPutError::Full("b"))));
    /// ```
    ///
    /// # Errors
    ///
    /// [`TryPutError::Full`] if the queue is full, and
    /// [`TryPutError::Shutdown`] if it is shut down; both hold the item.
    pub fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        self.shared.try_put(item)
    }

    /// Takes the next item, waiting while the queue is empty.
    ///
    /// The item stays unfinished: call [`task_done`](Self::task_done) once
    /// it is processed, or use [`get_guarded`](Self::get_guarded), whose
    /// guard does that for you even if the worker fails or is cancelled.
    /// Getters that wait are served first come, first served.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::queue::Queue;
    ///
    /// let queue = Queue::unbounded();
    /// let getter = {
    ///     let queue = queue.clone();
    ///     tokio::spawn(async move { queue.get().await })
    /// };
    /// queue.put("job").await.unwrap();
    /// assert_eq!(getter.await.unwrap().unwrap(), "job");
    /// queue.task_done().unwrap();
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in line. A cancelled
    /// `get` never loses an item: an item leaves the queue only when `get`
    /// returns it, and an item it had been promised passes to the next
    /// waiting getter (or stays for the next `get`).
    ///
    /// # Errors
    ///
    /// [`QueueShutdown`](crate::QueueShutdown) once the queue is shut down
    /// and no item is left for this getter: after
    /// [`shutdown`](Self::shutdown), getters first drain what is left.
    pub fn get(&self) -> Get<'_, T> {
        Get::new(&self.shared)
    }

    /// Takes the next item like [`get`](Self::get), inside a guard that
    /// marks it done when dropped.
    ///
    /// This is the safe way to write a worker: however its processing ends
    /// — normally, with `?`, by a panic, or because the worker was
    /// cancelled — the guard is dropped and the item is counted as done, so
    /// [`join`](Self::join) can never hang on a worker that went away.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::queue::Queue;
    ///
    /// let queue = Queue::unbounded();
    /// queue.put(String::from("report.pdf")).await.unwrap();
    ///
    /// let job = queue.get_guarded().await.unwrap();
    /// assert_eq!(job.len(), 10); // the guard dereferences to the item
    /// assert_eq!(queue.unfinished(), 1);
    /// drop(job);
    /// assert_eq!(queue.unfinished(), 0);
    /// queue.join().await; // returns at once
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in line, as for
    /// [`get`](Self::get).
    ///
    /// # Errors
    ///
    /// [`QueueShutdown`](crate::QueueShutdown) once the queue is shut down
    /// and no item is left for this getter.
    pub fn get_guarded(&self) -> GetGuarded<'_, T> {
        GetGuarded::new(&self.shared)
    }

    /// Takes the next item if one is available now.
    ///
    /// An item promised to a getter that was already waiting is not
    /// available: `try_get` never overtakes a waiting `get`. The item stays
    /// unfinished, as with [`get`](Self::get).
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::queue::{Queue, TryGetError};
    ///
    /// let queue = Queue::unbounded();
    /// assert_eq!(queue.try_get(), Err(TryGetError::Empty));
    /// queue.try_put(7).unwrap();
    /// assert_eq!(queue.try_get(), Ok(7));
    /// ```
    ///
    /// # Errors
    ///
    /// [`TryGetError::Empty`] if no item is available, and
    /// [`TryGetError::Shutdown`] if none is and the queue is shut down.
    pub fn try_get(&self) -> Result<T, TryGetError> {
        self.shared.try_get()
    }

    /// Takes the next item if one is available now, inside a guard that
    /// marks it done when dropped (see [`get_guarded`](Self::get_guarded)).
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::queue::Queue;
    ///
    /// let queue = Queue::unbounded();
    /// queue.try_put(7).unwrap();
    /// {
    ///     let item = queue.try_get_guarded().unwrap();
    ///     assert_eq!(*item, 7);
    /// }
    /// assert_eq!(queue.unfinished(), 0);
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`try_get`](Self::try_get).
    pub fn try_get_guarded(&self) -> Result<Taken<T>, TryGetError> {
        self.shared.try_get().map(|item| Taken::new(item, self.shared.clone()))
    }

    /// Marks one taken item as processed.
    ///
    /// Each item put counts as unfinished; each call takes one off that
    /// count, and when it reaches zero every [`join`](Self::join) returns.
    /// Call it once per item taken with [`get`](Self::get) or
    /// [`try_get`](Self::try_get), after the work on it is done; the
    /// [`Taken`] guard of [`get_guarded`](Self::get_guarded) calls it for
    /// you. The queue cannot check *which* item you mean, only how many.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::queue::Queue;
    ///
    /// let queue = Queue::unbounded();
    /// queue.try_put("job").unwrap();
    /// let _job = queue.try_get().unwrap();
    /// assert_eq!(queue.unfinished(), 1);
    /// queue.task_done().unwrap();
    /// assert_eq!(queue.unfinished(), 0);
    /// assert!(queue.task_done().is_err()); // once too often
    /// ```
    ///
    /// # Errors
    ///
    /// [`TaskDoneError`] if nothing is unfinished: it was called more times
    /// than items were put (asyncio raises `ValueError`). The count is left
    /// unchanged.
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.shared.task_done()
    }

    /// Waits until every item ever put has been marked done.
    ///
    /// Returns at once if nothing is unfinished. Items dropped by
    /// [`shutdown_immediate`](Self::shutdown_immediate) count as done;
    /// items taken but not yet marked done keep `join` waiting, even after
    /// a shutdown. If the count reaches zero while `join` waits, it
    /// returns, even if new items are put before it is next polled
    /// (asyncio's rule).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::queue::Queue;
    ///
    /// let queue = Queue::unbounded();
    /// queue.put(Duration::from_secs(2)).await.unwrap();
    /// let worker = {
    ///     let queue = queue.clone();
    ///     tokio::spawn(async move {
    ///         let job = queue.get_guarded().await.unwrap();
    ///         tokio::time::sleep(*job).await; // "processing"
    ///     })
    /// };
    /// let start = tokio::time::Instant::now();
    /// queue.join().await;
    /// assert_eq!(start.elapsed(), Duration::from_secs(2));
    /// worker.await.unwrap();
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe.
    pub fn join(&self) -> Join<'_, T> {
        Join::new(&self.shared)
    }

    /// Shuts the queue down: no more items go in, and getters drain what is
    /// left before they fail.
    ///
    /// After this, every `put` and `try_put` — those waiting included —
    /// fails with [`QueueShutdown`](crate::QueueShutdown) and gets its item
    /// back. Getters go on taking the items still queued; once none is left
    /// for them, `get` fails with `QueueShutdown` (waiting getters are
    /// woken to fail at once). This is how workers learn to stop: their
    /// `get` loop ends. Unfinished items stay unfinished, so `join` still
    /// waits for their `task_done`. Calling it again does nothing.
    /// Matches Python 3.13's `Queue.shutdown()`.
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
    /// queue.shutdown();
    /// assert!(queue.is_shutdown());
    /// assert!(queue.put(2).await.is_err());
    /// assert_eq!(queue.get().await.unwrap(), 1);
    /// assert!(queue.get().await.is_err());
    /// # }
    /// ```
    pub fn shutdown(&self) {
        self.shared.shutdown(false);
    }

    /// Shuts the queue down and drops every item still in it.
    ///
    /// Like [`shutdown`](Self::shutdown), but getters get nothing more:
    /// every waiter — putter or getter, even one already promised an item
    /// — wakes with [`QueueShutdown`](crate::QueueShutdown). The dropped
    /// items count as done, so a `join` that waited only for them returns;
    /// items already taken still need their `task_done`. The items are
    /// dropped before this returns, outside the queue's lock. Matches
    /// Python 3.13's `Queue.shutdown(immediate=True)`.
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
    /// queue.put(2).await.unwrap();
    /// queue.shutdown_immediate();
    /// assert!(queue.is_empty());
    /// assert!(queue.get().await.is_err());
    /// queue.join().await; // the dropped items count as done
    /// # }
    /// ```
    pub fn shutdown_immediate(&self) {
        self.shared.shutdown(true);
    }

    /// Whether [`shutdown`](Self::shutdown) or
    /// [`shutdown_immediate`](Self::shutdown_immediate) was called.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::queue::Queue;
    ///
    /// let queue = Queue::<u8>::unbounded();
    /// assert!(!queue.is_shutdown());
    /// queue.shutdown();
    /// assert!(queue.is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.shared.is_shutdown()
    }

    /// The number of items in the queue (asyncio's `qsize()`).
    ///
    /// Items promised to a woken getter that has not taken them yet are
    /// still counted. With several tasks at work the number may be stale by
    /// the time you read it.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::queue::Queue;
    ///
    /// let queue = Queue::unbounded();
    /// queue.try_put(1).unwrap();
    /// queue.try_put(2).unwrap();
    /// assert_eq!(queue.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.len()
    }

    /// Whether the queue holds no items.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::queue::Queue;
    ///
    /// let queue = Queue::unbounded();
    /// assert!(queue.is_empty());
    /// queue.try_put(1).unwrap();
    /// assert!(!queue.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the queue holds [`capacity`](Self::capacity) items; never
    /// true for an unbounded queue.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::queue::Queue;
    ///
    /// let queue = Queue::bounded(1).unwrap();
    /// assert!(!queue.is_full());
    /// queue.try_put(1).unwrap();
    /// assert!(queue.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.shared.is_full()
    }

    /// The most items the queue holds, or `None` if it is unbounded
    /// (asyncio's `maxsize`).
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::queue::Queue;
    ///
    /// assert_eq!(Queue::<u8>::bounded(8).unwrap().capacity(), Some(8));
    /// assert_eq!(Queue::<u8>::unbounded().capacity(), None);
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.shared.capacity()
    }

    /// The number of items put but not yet marked done: those still in the
    /// queue plus those taken and being processed. [`join`](Self::join)
    /// waits for this to reach zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::queue::Queue;
    ///
    /// let queue = Queue::unbounded();
    /// queue.try_put('a').unwrap();
    /// queue.try_put('b').unwrap();
    /// let _a = queue.try_get().unwrap();
    /// assert_eq!((queue.len(), queue.unfinished()), (1, 2));
    /// ```
    pub fn unfinished(&self) -> usize {
        self.shared.unfinished()
    }
}

impl<T, O> Clone for JoinableQueue<T, O> {
    /// Another handle to the same queue (an `Arc` clone).
    fn clone(&self) -> Self {
        JoinableQueue { shared: self.shared.clone(), order: PhantomData }
    }
}

impl<T, O> fmt::Debug for JoinableQueue<T, O> {
    /// Shows the order, length, capacity, unfinished count, shutdown state
    /// and the number of waiters; never the items.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.debug("JoinableQueue", f)
    }
}
