//! `Spawner`: the cloneable handle that spawns into, and cancels, a group.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::child::Nested;
use crate::driver::Driver;
use crate::observe::GroupView;
use crate::shared::{Reason, Shared};
use crate::spawn::{Kind, Refused, Room};
use crate::{Builder, JoinError, Ready, SpawnError, TaskHandle, TaskTree};

/// A handle to a task group: spawns children into it and cancels it.
///
/// A scope's body receives one; an owned [`TaskGroup`](crate::TaskGroup)
/// dereferences to one. Clone it (an `Arc` clone) to let a child spawn
/// siblings into its own group: that is how a crawler's fetch task adds the
/// links it found. A `Spawner` does not keep the group open or running:
/// once the group has finished, spawning through a kept clone is refused
/// (see [`try_spawn`](Self::try_spawn)).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// let visited = Arc::new(AtomicUsize::new(0));
/// taskscope::scope(async |tg| {
///     fn visit(tg: taskscope::Spawner<()>, depth: u32, visited: Arc<AtomicUsize>) {
///         tg.clone().spawn(async move {
///             visited.fetch_add(1, Ordering::Relaxed);
///             if depth < 3 {
///                 visit(tg.clone(), depth + 1, visited.clone());
///                 visit(tg, depth + 1, visited);
///             }
///             Ok(())
///         });
///     }
///     visit(tg, 0, visited.clone());
///     Ok(())
/// })
/// .await
/// .unwrap();
/// assert_eq!(visited.load(Ordering::Relaxed), 15);
/// # }
/// ```
pub struct Spawner<E> {
    pub(crate) shared: Arc<Shared<E>>,
}

impl<E> Clone for Spawner<E> {
    fn clone(&self) -> Self {
        Spawner { shared: self.shared.clone() }
    }
}

impl<E: Send + 'static> Spawner<E> {
    pub(crate) fn from_shared(shared: Arc<Shared<E>>) -> Self {
        Spawner { shared }
    }

    /// Spawns `fut` as a child of the group and returns a handle to it.
    ///
    /// The child starts at once on the tokio runtime, in parallel with the
    /// body on a multi-thread runtime. If it returns `Err`, the error goes
    /// to the group: under the default [`Policy::FailFast`](crate::Policy)
    /// the group cancels every other child and the body, and the scope
    /// returns every error that occurred. If it panics, that is a failure
    /// too, and the panic is resumed in the scope's caller once every child
    /// is joined (unless the group catches panics).
    ///
    /// Dropping the returned handle detaches the child: the group still
    /// waits for it, and reaps it as soon as it ends.
    ///
    /// The child's value type `T` must be known where it is spawned: a
    /// child that only ever returns `Err(..)`, or loops forever, needs an
    /// annotation such as `Err::<(), _>(e)` or `Ok::<(), MyError>(())`
    /// after the loop (or an `async fn` with a return type), as with
    /// `tokio::spawn`.
    ///
    /// If the group is closed — cancelled, failed, or finished — the child
    /// is not spawned: the returned handle resolves to a [`JoinError`] for
    /// which [`is_closed`](JoinError::is_closed) is true, and a `tracing`
    /// warning is emitted. Use [`try_spawn`](Self::try_spawn) to get the
    /// future back instead.
    ///
    /// # Comparison with `JoinSet::spawn`
    ///
    /// `JoinSet` keeps every finished output until you call `join_next`, and
    /// an error is just an output you may never look at. A group keeps no
    /// output beyond its handle, and never loses an error.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let lengths = taskscope::scope(async |tg| {
    ///     let a = tg.spawn(async { Ok::<_, std::io::Error>("abc".len()) });
    ///     let b = tg.spawn(async { Ok("de".len()) });
    ///     Ok((a.await.unwrap(), b.await.unwrap()))
    /// })
    /// .await
    /// .unwrap();
    /// assert_eq!(lengths, (3, 2));
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime, like `tokio::spawn`.
    #[track_caller]
    pub fn spawn<F, T>(&self, fut: F) -> TaskHandle<T>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        self.spawn_child(fut, None, Kind::Task, Room::Queue).unwrap_or_else(|_| self.refused(None))
    }

    /// Spawns `fut` as a child called `name`, which appears in its
    /// `tracing` span, in its path (`crawler/fetch-17`) and in any error it
    /// causes. Otherwise the same as [`spawn`](Self::spawn).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let err = taskscope::TaskGroup::builder()
    ///     .name("crawler")
    ///     .scope(async |tg| {
    ///         tg.spawn_named("fetch-17", async { Err::<(), _>("connection refused") });
    ///         Ok(())
    ///     })
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(err.first().unwrap().task().path(), "crawler/fetch-17");
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime, like `tokio::spawn`.
    #[track_caller]
    pub fn spawn_named<F, T>(&self, name: impl Into<Arc<str>>, fut: F) -> TaskHandle<T>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        let name: Arc<str> = name.into();
        self.spawn_child(fut, Some(name.clone()), Kind::Task, Room::Queue)
            .unwrap_or_else(|_| self.refused(Some(name)))
    }

    /// Spawns `fut` if the group takes it now, and otherwise hands the
    /// future back inside the error: Go's `errgroup.TryGo`.
    ///
    /// In a group with a [limit](crate::Builder::limit) that is full (or
    /// has children queued for a slot), the child is refused rather than
    /// queued.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), taskscope::BuildError> {
    /// use std::future::pending;
    /// use taskscope::{SpawnError, TaskGroup};
    ///
    /// TaskGroup::builder()
    ///     .limit(1)?
    ///     .scope(async |tg| {
    ///         let first = tg.try_spawn(pending::<Result<(), ()>>()).expect("room for one");
    ///         match tg.try_spawn(async { Ok(()) }) {
    ///             Err(SpawnError::Full(fut)) => drop(fut), // or run it elsewhere
    ///             _ => unreachable!("the group is at its limit"),
    ///         }
    ///         first.abort();
    ///         tg.cancel();
    ///         assert!(tg.try_spawn(async { Ok(()) }).unwrap_err().is_closed());
    ///         Ok(())
    ///     })
    ///     .await
    ///     .unwrap();
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime, like `tokio::spawn`.
    ///
    /// # Errors
    ///
    /// [`SpawnError::Closed`] when the group was cancelled, failed, or has
    /// finished; [`SpawnError::Full`] when it is at its limit.
    #[track_caller]
    pub fn try_spawn<F, T>(&self, fut: F) -> Result<TaskHandle<T>, SpawnError<F>>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        self.spawn_child(fut, None, Kind::Task, Room::Now).map_err(|refused| match refused {
            Refused::Closed(fut) => SpawnError::Closed(fut),
            Refused::Full(fut) => SpawnError::Full(fut),
        })
    }

    /// Spawns `fut` once the group has room for it: in a group with a
    /// [limit](crate::Builder::limit), waits (in line, first come first
    /// served, with queued children) until fewer than `limit` children run,
    /// then spawns. This is back-pressure: a producer feeding a million
    /// items through `spawn_wait` keeps memory at `limit` children, where
    /// [`spawn`](Self::spawn) would queue them all. Without a limit it
    /// spawns at once.
    ///
    /// If the group is closed (before or while waiting), the child is not
    /// spawned and the handle resolves to a [`JoinError`] for which
    /// [`is_closed`](JoinError::is_closed) is true.
    ///
    /// Feed a group from its body or from outside it. A *child* that calls
    /// `spawn_wait` on its own group holds a slot while it waits; if every
    /// slot is held by such children, none can ever proceed (as with Go's
    /// `errgroup.Go` called from inside a limited group).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use taskscope::TaskGroup;
    ///
    /// TaskGroup::builder()
    ///     .limit(10)?
    ///     .scope(async |tg| {
    ///         for i in 0..1_000u64 {
    ///             // Never more than 10 children exist at once.
    ///             tg.spawn_wait(async move {
    ///                 tokio::time::sleep(Duration::from_millis(i % 7)).await;
    ///                 Ok::<_, std::io::Error>(())
    ///             })
    ///             .await;
    ///             assert!(tg.len() <= 10);
    ///         }
    ///         Ok(())
    ///     })
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in line, and `fut`,
    /// which is dropped unspawned.
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime, like `tokio::spawn`.
    pub async fn spawn_wait<F, T>(&self, fut: F) -> TaskHandle<T>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        self.spawn_waiting(None, fut).await
    }

    /// [`spawn_wait`](Self::spawn_wait) for a child called `name` (see
    /// [`spawn_named`](Self::spawn_named)): back-pressure with a name in
    /// spans, paths and errors.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let err = taskscope::TaskGroup::builder()
    ///     .name("import")
    ///     .limit(4)?
    ///     .scope(async |tg| {
    ///         for row in 0..100u32 {
    ///             tg.spawn_named_wait(format!("row-{row}"), async move {
    ///                 if row == 42 { Err(format!("row {row} is malformed")) } else { Ok(()) }
    ///             })
    ///             .await;
    ///         }
    ///         Ok(())
    ///     })
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(err.first().unwrap().task().path(), "import/row-42");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in line, and `fut`,
    /// which is dropped unspawned.
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime, like `tokio::spawn`.
    pub async fn spawn_named_wait<F, T>(&self, name: impl Into<Arc<str>>, fut: F) -> TaskHandle<T>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        self.spawn_waiting(Some(name.into()), fut).await
    }

    /// Waits in line for a slot (if the group has a limit), then spawns.
    async fn spawn_waiting<F, T>(&self, name: Option<Arc<str>>, fut: F) -> TaskHandle<T>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        let room = match &self.shared.slots {
            None => Room::Queue,
            Some(slots) => match slots.wait().await {
                Some(slot) => Room::Held(slot),
                None => return self.refused(name),
            },
        };
        self.spawn_child(fut, name.clone(), Kind::Task, room).unwrap_or_else(|_| self.refused(name))
    }

    /// Spawns a nested group as a child: `body` runs as the nested group's
    /// body, configured by `builder`, and the child ends when the nested
    /// group has joined all of *its* children.
    ///
    /// The nested group inherits cancellation: when this group is cancelled
    /// or fails, the nested group is cancelled too (with its own grace
    /// period), and it joins its children before it ends, so no grandchild
    /// outlives this group. When the nested group fails, its errors reach
    /// this group as one [`TaskError::Group`](crate::TaskError::Group)
    /// entry whose paths start with this group's path; no conversion code is
    /// needed. A nested group that was merely cancelled is not an error.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::{TaskError, TaskGroup};
    ///
    /// let err = TaskGroup::builder()
    ///     .name("crawler")
    ///     .scope(async |tg| {
    ///         tg.spawn_group(TaskGroup::builder().name("site-a"), |site| async move {
    ///             site.spawn_named("page-1", async { Err::<(), _>("404") });
    ///             Ok(())
    ///         });
    ///         Ok(())
    ///     })
    ///     .await
    ///     .unwrap_err();
    /// let TaskError::Group { task, errors } = &err.errors()[0] else { unreachable!() };
    /// assert_eq!(task.path(), "crawler/site-a");
    /// assert_eq!(errors.first().unwrap().task().path(), "crawler/site-a/page-1");
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime, like `tokio::spawn`.
    #[track_caller]
    pub fn spawn_group<F, Fut, T>(&self, builder: Builder, body: F) -> TaskHandle<T>
    where
        F: FnOnce(Spawner<E>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        let parent: Arc<dyn GroupView> = self.shared.clone();
        let name = builder.name_ref().cloned();
        let nested = Shared::create(builder, Some(parent));
        // The body is built inside the nested task, so the nested group
        // knows its task id (and so its name and path) before any of its
        // children can be spawned.
        let run = async move {
            nested.set_task_id(tokio::task::try_id());
            let fut = body(Spawner::from_shared(nested.clone()));
            let stopped = nested.clone();
            let result = Driver::new(nested, fut).await;
            Nested(result, stopped.stopped_by_cancel())
        };
        match self.spawn_child(run, name.clone(), Kind::Group, Room::Queue) {
            Ok(handle) => handle,
            Err(_) => self.refused(name),
        }
    }

    /// Spawns a child and waits until it reports that it is ready, then
    /// returns the value it reported while the child keeps running.
    ///
    /// `f` receives a [`Ready`]; the child calls
    /// [`started(value)`](Ready::started) once it is ready — a server
    /// after binding its port, a worker after loading its state. This is
    /// Trio's `nursery.start`. The child belongs to the group from the
    /// start: if it fails before `started`, the failure is the group's (and
    /// under FailFast cancels it) and `start` returns the [`JoinError`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::Ready;
    ///
    /// taskscope::scope(async |tg| {
    ///     let port = tg
    ///         .start(|ready: Ready<u16>| async move {
    ///             tokio::time::sleep(Duration::from_millis(10)).await; // bind...
    ///             ready.started(8080);
    ///             tokio::time::sleep(Duration::from_secs(1)).await; // serve...
    ///             Ok::<_, ()>(())
    ///         })
    ///         .await
    ///         .unwrap();
    ///     assert_eq!(port, 8080);
    ///     Ok(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the returned future before the child started
    /// only drops the wait; the child keeps running in the group, and its
    /// `started` value is discarded.
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime, like `tokio::spawn`.
    ///
    /// # Errors
    ///
    /// A [`JoinError`]: the child failed, panicked or was cancelled before it
    /// started, the group was closed, or the child ended `Ok` without
    /// calling `started` ([`is_not_started`](JoinError::is_not_started)).
    #[track_caller]
    pub fn start<F, Fut, V, T>(
        &self,
        f: F,
    ) -> impl Future<Output = Result<V, JoinError>> + use<F, Fut, V, T, E>
    where
        F: FnOnce(Ready<V>) -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        V: Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let handle = self.spawn(f(Ready::new(tx)));
        async move {
            match rx.await {
                Ok(value) => Ok(value),
                Err(_) => {
                    let name = handle.name().map(Arc::from);
                    let id = handle.id();
                    match handle.await {
                        Ok(_) => Err(JoinError::not_started(name, id)),
                        Err(err) => Err(err),
                    }
                }
            }
        }
    }

    /// Cancels the group: every child is cancelled, and so is the body at
    /// its next await point; new spawns are refused. This is an early exit,
    /// not a failure (asyncio's `TaskGroup.cancel`, Trio's
    /// `cancel_scope.cancel`).
    ///
    /// With a grace period, the group's [`token`](Self::token) is cancelled
    /// first and children (and the body) get the grace period to finish on
    /// their own before they are aborted. Idempotent; calling it after the
    /// group finished does nothing.
    ///
    /// What the scope then returns: `Ok(value)` if the body had already
    /// returned its value; otherwise there is no value to return, and the
    /// scope returns an empty `ErrorGroup` for which
    /// [`is_cancelled`](crate::ErrorGroup::is_cancelled) is true. Errors
    /// that happened before or during the cancel are still reported.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::future::pending;
    ///
    /// // A child that finds the answer stops the search.
    /// let result = taskscope::scope(async |tg| {
    ///     for i in 0..10 {
    ///         let group = tg.clone();
    ///         tg.spawn(async move {
    ///             if i == 3 {
    ///                 group.cancel();
    ///             }
    ///             pending::<Result<(), ()>>().await
    ///         });
    ///     }
    ///     Ok("body done")
    /// })
    /// .await;
    /// assert_eq!(result.unwrap(), "body done");
    /// # }
    /// ```
    pub fn cancel(&self) {
        self.shared.cancel(Reason::Cancelled);
    }

    /// The group's cancellation token: cancelled when the group is
    /// cancelled, fails fast, or finishes (success included, like Go's
    /// `errgroup.WithContext`), so anything holding a clone learns that the
    /// group is over. Cancelling it yourself cancels the group too, at the
    /// next scheduling point: the task joining the group (or, for an owned
    /// group built inside a runtime, a small watcher task) notices and
    /// cancels it. [`cancel`](Self::cancel) is the immediate way.
    ///
    /// Children that never look at the token pay nothing for it: the group
    /// stops them by aborting their tasks. Watch it when you want a
    /// cooperative stop within a [grace period](crate::Builder::grace), or
    /// to pass it to code that takes a `CancellationToken`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let mut token = None;
    /// taskscope::scope(async |tg| {
    ///     token = Some(tg.token());
    ///     assert!(!tg.token().is_cancelled());
    ///     Ok::<_, ()>(())
    /// })
    /// .await
    /// .unwrap();
    /// assert!(token.unwrap().is_cancelled());
    /// # }
    /// ```
    pub fn token(&self) -> CancellationToken {
        self.shared.token().clone()
    }

    /// Whether the group has been cancelled, has failed fast, or has
    /// finished. A single atomic load: cheap enough for a hot loop.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// taskscope::scope(async |tg| {
    ///     assert!(!tg.is_cancelled());
    ///     tg.cancel();
    ///     assert!(tg.is_cancelled());
    ///     Ok::<_, ()>(())
    /// })
    /// .await
    /// .ok();
    /// # }
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.shared.is_cancelled()
    }

    /// The number of children that have not finished yet.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// taskscope::scope(async |tg| {
    ///     tg.spawn(async { tokio::time::sleep(Duration::from_secs(1)).await; Ok::<_, ()>(()) });
    ///     assert_eq!(tg.len(), 1);
    ///     tokio::time::sleep(Duration::from_secs(2)).await;
    ///     assert_eq!(tg.len(), 0);
    ///     Ok(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.shared.live()
    }

    /// Whether every child has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// taskscope::scope(async |tg| {
    ///     assert!(tg.is_empty());
    ///     Ok::<_, ()>(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A snapshot of this group: its state, its body, its children and its
    /// nested groups, with their names, paths, states, ages and poll
    /// counts. Children of a group that does not
    /// [track its tasks](crate::Builder::track_tasks) are only counted
    /// ([`TaskNode::untracked`](crate::TaskNode::untracked)); nested groups
    /// always appear.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::{TaskGroup, TaskState};
    ///
    /// TaskGroup::builder()
    ///     .name("crawler")
    ///     .track_tasks(true)
    ///     .scope(async |tg| {
    ///         tg.spawn_named("fetch-1", std::future::pending::<Result<(), ()>>());
    ///         tokio::time::sleep(Duration::from_millis(300)).await;
    ///         let tree = tg.snapshot();
    ///         assert_eq!(
    ///             tree.to_string(),
    ///             "crawler [group, running, 300ms]\n\
    ///              ├─ body [body, running, 300ms, 2 polls]\n\
    ///              └─ fetch-1 [waiting, 300ms, 1 poll]"
    ///         );
    ///         assert_eq!(tree.find("crawler/fetch-1").unwrap().state, TaskState::Waiting);
    ///         tg.cancel();
    ///         Ok(())
    ///     })
    ///     .await
    ///     .unwrap();
    /// # }
    /// ```
    pub fn snapshot(&self) -> TaskTree {
        self.shared.snapshot()
    }

    /// The group's path in the task tree (`crawler/site-a`); empty for an
    /// unnamed top-level group.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// taskscope::TaskGroup::builder()
    ///     .name("crawler")
    ///     .scope(async |tg| {
    ///         assert_eq!(tg.path(), "crawler");
    ///         Ok::<_, ()>(())
    ///     })
    ///     .await
    ///     .unwrap();
    /// # }
    /// ```
    pub fn path(&self) -> &str {
        self.shared.path()
    }

    pub(crate) fn refused<T>(&self, name: Option<Arc<str>>) -> TaskHandle<T> {
        tracing::warn!(
            target: "taskscope",
            group = %self.shared.path(),
            task = name.as_deref().unwrap_or("(unnamed)"),
            "spawn refused: the task group is closed; the task was dropped unstarted"
        );
        TaskHandle::closed(name)
    }
}

impl<E> fmt::Debug for Spawner<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spawner")
            .field("path", self.shared.path())
            .field("live", &self.shared.live())
            .field("cancelled", &self.shared.is_cancelled())
            .finish()
    }
}
