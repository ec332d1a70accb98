//! `WorkerPool`: N workers draining a queue inside a task group.

use std::future::Future;
use std::sync::Arc;

use taskscope_task_group::{ErrorGroup, SpawnError, Spawner};

use crate::error::WorkersError;
use crate::shared::Shared;
use crate::{GetGuarded, JoinableQueue, Taken};

/// A fixed number of workers that take items from a queue and run a
/// handler on each, as children of a task group.
///
/// This is the pattern every asyncio tutorial writes by hand — start N
/// workers, put the work in, `join` the queue, shut it down, wait for the
/// workers — with the failure cases handled:
///
/// * Each worker is a named child of the group (`worker-0`, `worker-1`, …,
///   or the [`name`](Self::name) you give). A handler that returns `Err`
///   ends its worker, and the error goes to the group's
///   [`ErrorGroup`] under the worker's name; under the default fail-fast
///   policy that cancels the other workers and the producer too.
/// * The handler gets the item by value; the worker holds the item's
///   [`Taken`] guard until the handler's future has finished, however it
///   finishes (success, error, panic, cancellation). So an item counts as
///   done only once it is *processed*, and `join` never hangs on a worker
///   that went away.
/// * Workers stop when their queue is shut down and drained.
/// * If the last worker on a queue stops for any other reason — it
///   failed, panicked or was cancelled — nobody is left to process items,
///   so the pool calls
///   [`shutdown_immediate`](JoinableQueue::shutdown_immediate): producers
///   waiting to put and tasks waiting in `join` wake up instead of hanging.
///
/// Use [`run`](Self::run) for the whole producer-join-shutdown pattern in
/// one call, or [`spawn`](Self::spawn) to add workers to a group of your
/// own (a pipeline has one pool per stage, in one scope).
///
/// A handler may put new items in its own queue (a crawler adding the
/// links it found): `join` waits for those too, since they are put before
/// the handler's item is done. Make that queue unbounded, or every worker
/// may end up waiting to put into a full queue that only they empty.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use taskscope::queue::{Queue, WorkerPool};
///
/// let queue = Queue::bounded(16).unwrap();
/// let resized = Arc::new(Mutex::new(Vec::new()));
///
/// let done = resized.clone();
/// let result = WorkerPool::new(4)
///     .unwrap()
///     .name("resize")
///     .run(
///         &queue,
///         // The producer: runs as the group's body, in this task.
///         async {
///             for id in 0..10u32 {
///                 queue.put(id).await?; // waits while 16 images are queued
///             }
///             Ok(())
///         },
///         // The handler: runs in the workers, once per item.
///         move |id: u32| {
///             let done = done.clone();
///             async move {
///                 tokio::time::sleep(Duration::from_millis(100)).await;
///                 done.lock().unwrap().push(id);
///                 Ok::<_, taskscope::BoxError>(())
///             }
///         },
///     )
///     .await;
///
/// assert!(result.is_ok());
/// assert_eq!(resized.lock().unwrap().len(), 10);
/// assert!(queue.is_shutdown()); // `run` shut the queue down when the work was done
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a worker pool does nothing until you call `run` or `spawn`"]
pub struct WorkerPool {
    workers: usize,
    name: Arc<str>,
}

impl WorkerPool {
    /// A pool of `workers` workers, named `worker-0`, `worker-1`, ….
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::queue::WorkerPool;
    ///
    /// let pool = WorkerPool::new(8).unwrap();
    /// assert_eq!(pool.workers(), 8);
    /// ```
    ///
    /// # Errors
    ///
    /// [`WorkersError`] if `workers` is 0: no item would ever be taken, and
    /// every producer and `join` would wait forever.
    pub fn new(workers: usize) -> Result<Self, WorkersError> {
        if workers == 0 {
            return Err(WorkersError::new());
        }
        Ok(WorkerPool { workers, name: Arc::from("worker") })
    }

    /// Names the workers `{name}-0`, `{name}-1`, …; the names appear in
    /// their `tracing` spans and in the errors they cause.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::queue::{Queue, WorkerPool};
    ///
    /// let queue = Queue::unbounded();
    /// let err = WorkerPool::new(1)
    ///     .unwrap()
    ///     .name("thumbnail")
    ///     .run(&queue, async { queue.put("corrupt.png").await.map_err(|e| e.to_string()) }, |file| async move {
    ///         Err(format!("cannot decode {file}"))
    ///     })
    ///     .await
    ///     .unwrap_err();
    /// let first = err.first().unwrap();
    /// assert_eq!(first.task().name(), "thumbnail-0");
    /// assert_eq!(first.as_failed().unwrap(), "cannot decode corrupt.png");
    /// # }
    /// ```
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.name = name.into();
        self
    }

    /// The number of workers.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::queue::WorkerPool;
    ///
    /// assert_eq!(WorkerPool::new(3).unwrap().workers(), 3);
    /// ```
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Spawns the workers into the group of `tg`, where they take items
    /// from `queue` and run `handler` on each until the queue is shut down
    /// and drained.
    ///
    /// The workers are children of that group: the group waits for them,
    /// collects their errors and cancels them with the rest. Your code
    /// puts the items, waits for them with
    /// [`join`](JoinableQueue::join), and calls
    /// [`shutdown`](JoinableQueue::shutdown) so that the workers stop.
    ///
    /// # Examples
    ///
    /// The producer-join-shutdown pattern, spelled out:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use taskscope::queue::{Queue, WorkerPool};
    ///
    /// let queue = Queue::bounded(8).unwrap();
    /// let bytes = Arc::new(AtomicUsize::new(0));
    ///
    /// taskscope::scope(async |tg| {
    ///     let counter = bytes.clone();
    ///     WorkerPool::new(3)?.spawn(&tg, &queue, move |line: String| {
    ///         let counter = counter.clone();
    ///         async move {
    ///             counter.fetch_add(line.len(), Ordering::Relaxed);
    ///             Ok(())
    ///         }
    ///     })?;
    ///
    ///     for line in ["alpha", "beta", "gamma"] {
    ///         queue.put(line.to_string()).await?; // 1. produce
    ///     }
    ///     queue.join().await; //                     2. wait until all are processed
    ///     queue.shutdown(); //                       3. let the workers stop
    ///     Ok::<_, taskscope::BoxError>(())
    /// }) //                                          4. the scope waits for them
    /// .await
    /// .unwrap();
    /// assert_eq!(bytes.load(Ordering::Relaxed), 14);
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime, like `tokio::spawn`.
    ///
    /// # Errors
    ///
    /// [`SpawnError::Closed`] if the group was closed (cancelled, failed,
    /// or finished), so the workers could not all be spawned. Those that
    /// were spawned belong to the closed group and are being cancelled;
    /// with no worker left, the queue is shut down immediately.
    #[track_caller]
    pub fn spawn<T, O, E, F, Fut>(
        &self,
        tg: &Spawner<E>,
        queue: &JoinableQueue<T, O>,
        handler: F,
    ) -> Result<(), SpawnError<()>>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: Fn(T) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let shared = queue.shared();
        // Attach every worker before any starts, so that a worker that stops
        // at once cannot look like the last one.
        shared.attach_workers(self.workers);
        let mut closed = false;
        for i in 0..self.workers {
            let attached = Attached { shared: shared.clone(), drained: false };
            let worker = work(attached, handler.clone());
            // A closed group drops the future unstarted, which detaches it.
            let handle = tg.spawn_named(format!("{}-{i}", self.name), worker);
            closed |= handle.id().is_none();
        }
        if closed { Err(SpawnError::Closed(())) } else { Ok(()) }
    }

    /// Runs the whole pattern in a new scope: spawns the workers, runs
    /// `producer` as the scope's body, then waits for the queue's
    /// [`join`](JoinableQueue::join), shuts the queue down, and returns once
    /// every worker has stopped.
    ///
    /// The scope is fail-fast: the first error of a handler or of the
    /// producer cancels the rest, and every error that occurred comes back
    /// in the [`ErrorGroup`], the producer's named `body`. Whatever
    /// happens, the queue is shut down when `run` returns. For another
    /// policy, or more children beside the workers, open your own scope and
    /// use [`spawn`](Self::spawn).
    ///
    /// # Examples
    ///
    /// A failing item cancels the rest:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::queue::{Queue, WorkerPool};
    ///
    /// let queue = Queue::unbounded();
    /// let start = tokio::time::Instant::now();
    /// let err = WorkerPool::new(2)
    ///     .unwrap()
    ///     .run(
    ///         &queue,
    ///         async {
    ///             for n in [1, 2, 13, 4] {
    ///                 queue.put(n).await.map_err(|e| e.to_string())?;
    ///             }
    ///             Ok(())
    ///         },
    ///         |n: u64| async move {
    ///             tokio::time::sleep(Duration::from_secs(n)).await;
    ///             if n == 13 { Err(format!("unlucky {n}")) } else { Ok(()) }
    ///         },
    ///     )
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(err.len(), 1);
    /// assert_eq!(start.elapsed(), Duration::from_secs(14)); // 1, then 13 on the same worker
    /// assert!(queue.is_shutdown());
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe only if `producer` is. Dropping the future cancels the
    /// scope: the workers are aborted (their items are marked done by
    /// their guards), and once the last one is gone the queue is shut down
    /// immediately.
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime. A panic in a handler or
    /// in the producer cancels the rest and is resumed here once every
    /// worker has stopped, as for [`scope`](taskscope_task_group::scope).
    ///
    /// # Errors
    ///
    /// An [`ErrorGroup`] with every error of the handlers and the producer,
    /// in the order they occurred.
    pub async fn run<T, O, E, P, F, Fut>(
        &self,
        queue: &JoinableQueue<T, O>,
        producer: P,
        handler: F,
    ) -> Result<(), ErrorGroup<E>>
    where
        T: Send + 'static,
        E: Send + 'static,
        P: Future<Output = Result<(), E>>,
        F: Fn(T) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
    {
        taskscope_task_group::scope(async move |tg| {
            // The group is new and its body is running: it cannot be closed.
            let _ = self.spawn(&tg, queue, handler);
            producer.await?;
            queue.join().await;
            queue.shutdown();
            Ok(())
        })
        .await
    }
}

/// One worker: take, handle, mark done, until the queue is drained.
async fn work<T, E, F, Fut>(mut attached: Attached<T>, handler: Arc<F>) -> Result<(), E>
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    loop {
        let item = match GetGuarded::new(&attached.shared).await {
            Ok(taken) => taken,
            Err(_) => {
                attached.drained = true;
                return Ok(());
            }
        };
        let (item, done) = Taken::into_parts(item);
        handler(item).await?;
        drop(done);
    }
}

/// Keeps a worker counted on its queue; see `Shared::detach_worker`.
struct Attached<T> {
    shared: Arc<Shared<T>>,
    /// The worker stopped because the queue was shut down and drained.
    drained: bool,
}

impl<T> Drop for Attached<T> {
    fn drop(&mut self) {
        self.shared.detach_worker(self.drained);
    }
}
