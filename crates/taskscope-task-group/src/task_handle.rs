//! `TaskHandle`: await a child's value, abort it, or let it run detached.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering, fence};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker, ready};

use tokio::task::{Id, JoinHandle};

use crate::JoinError;
use crate::child::ChildOutput;

/// A handle to one child of a task group.
///
/// Await it for the child's value. The child's *error* goes to the group
/// (which reports every error in its [`ErrorGroup`](crate::ErrorGroup)), so
/// a failed child resolves the handle to a [`JoinError`] that only says it
/// failed.
///
/// Dropping a handle **detaches** the child: it runs on, the group still
/// waits for it, and its output is freed as soon as it ends (a group never
/// keeps the output of a child nobody can ask for). Call
/// [`abort`](Self::abort) to cancel just this child; that is not an error
/// for the group.
///
/// # Comparison with `tokio::task::JoinHandle`
///
/// A `JoinHandle` is the only owner of its task's fate: drop it and nothing
/// waits for the task any more. A `TaskHandle` is only a way to reach the
/// value; the group owns the task, waits for it, and cancels it when the
/// group fails.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let sum = taskscope::scope(async |tg| {
///     let a = tg.spawn(async { Ok::<_, std::io::Error>(1) });
///     let b = tg.spawn_named("two", async { Ok(2) });
///     assert_eq!(b.name(), Some("two"));
///     Ok(a.await.unwrap() + b.await.unwrap())
/// })
/// .await
/// .unwrap();
/// assert_eq!(sum, 3);
/// # }
/// ```
///
/// # Cancel safety
///
/// This method is cancel safe: dropping the `.await` (in a `select!`,
/// say) neither cancels the child nor loses its value, which a later await
/// of the same handle still returns.
pub struct TaskHandle<T> {
    inner: Inner<T>,
    name: Option<Arc<str>>,
}

enum Inner<T> {
    Spawned(JoinHandle<ChildOutput<T>>),
    /// Waiting for a slot in a group with a limit: not a task yet.
    Queued(Arc<Pending<T>>),
    Closed,
    Taken,
}

/// A child queued behind a group's limit, shared by its handle and the
/// [`Ticket`] of the code that will start it.
pub(crate) struct Pending<T> {
    /// Set (with the state, under its lock) once the child will never
    /// start; read without the lock by the launch.
    gone: AtomicBool,
    state: Mutex<PendingState<T>>,
}

enum PendingState<T> {
    Queued(Option<Waker>),
    Started(JoinHandle<ChildOutput<T>>),
    /// Aborted through the handle, or dropped with the group's queue.
    Gone,
}

/// The launch's side of a queued child. Dropped without
/// [`started`](Self::started), it tells the handle the child never will.
///
/// Most children of a limited group are spawned with their handle dropped
/// at once; the ticket then notices it is the last holder and touches no
/// lock, and the launch reads the abort flag without one (3–6 % of
/// `limit(64)` with `spawn` on a current-thread runtime).
pub(crate) struct Ticket<T>(Option<Arc<Pending<T>>>);

impl<T> Pending<T> {
    /// A queued child's handle state, and the ticket that starts it.
    pub(crate) fn new() -> (Arc<Self>, Ticket<T>) {
        let pending = Arc::new(Pending {
            gone: AtomicBool::new(false),
            state: Mutex::new(PendingState::Queued(None)),
        });
        (pending.clone(), Ticket(Some(pending)))
    }

    fn lock(&self) -> MutexGuard<'_, PendingState<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The child will never start.
    fn gone(&self) {
        let mut state = self.lock();
        if let PendingState::Queued(waker) = &mut *state {
            let waker = waker.take();
            *state = PendingState::Gone;
            self.gone.store(true, Ordering::Release);
            drop(state);
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    fn abort(&self) {
        let state = self.lock();
        match &*state {
            PendingState::Started(handle) => handle.abort(),
            PendingState::Queued(_) => {
                drop(state);
                self.gone();
            }
            PendingState::Gone => {}
        }
    }
}

impl<T> Ticket<T> {
    /// Whether the child may start now: its handle did not abort it, and
    /// there is a runtime to start it on (there is none while the runtime
    /// shuts down).
    pub(crate) fn may_start(&self) -> bool {
        self.0.as_ref().is_some_and(|pending| !pending.gone.load(Ordering::Acquire))
            && tokio::runtime::Handle::try_current().is_ok()
    }

    /// The child started as a task: hand its `JoinHandle` to the handle.
    pub(crate) fn started(mut self, handle: JoinHandle<ChildOutput<T>>) {
        let Some(pending) = self.0.take() else { return };
        if Arc::strong_count(&pending) == 1 {
            // The TaskHandle was dropped: the child runs detached, unless
            // the handle aborted it (after `may_start`) before it went. The
            // fence pairs with the handle's release of its reference.
            fence(Ordering::Acquire);
            if pending.gone.load(Ordering::Acquire) {
                handle.abort();
            }
            return;
        }
        let mut state = pending.lock();
        match std::mem::replace(&mut *state, PendingState::Started(handle)) {
            PendingState::Queued(Some(waker)) => waker.wake(),
            PendingState::Gone => {
                // Aborted while it was being started.
                if let PendingState::Started(handle) = &*state {
                    handle.abort();
                }
            }
            _ => {}
        }
    }
}

impl<T> Drop for Ticket<T> {
    fn drop(&mut self) {
        if let Some(pending) = self.0.take() {
            // Nobody to tell once the handle is gone.
            if Arc::strong_count(&pending) > 1 {
                pending.gone();
            }
        }
    }
}

impl<T> TaskHandle<T> {
    pub(crate) fn new(handle: JoinHandle<ChildOutput<T>>, name: Option<Arc<str>>) -> Self {
        TaskHandle { inner: Inner::Spawned(handle), name }
    }

    pub(crate) fn closed(name: Option<Arc<str>>) -> Self {
        TaskHandle { inner: Inner::Closed, name }
    }

    pub(crate) fn queued(pending: Arc<Pending<T>>, name: Option<Arc<str>>) -> Self {
        TaskHandle { inner: Inner::Queued(pending), name }
    }

    /// Cancels the child: its future is dropped at its next await point, so
    /// its `Drop` cleanup runs. The group records no error for it, and
    /// awaiting the handle then yields a [`JoinError`] for which
    /// [`is_cancelled`](JoinError::is_cancelled) is true — unless the child
    /// had already finished, in which case its result is kept.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// taskscope::scope(async |tg| {
    ///     let slow = tg.spawn(async {
    ///         tokio::time::sleep(Duration::from_secs(60)).await;
    ///         Ok::<_, ()>(())
    ///     });
    ///     slow.abort();
    ///     assert!(slow.await.unwrap_err().is_cancelled());
    ///     Ok(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    pub fn abort(&self) {
        match &self.inner {
            Inner::Spawned(handle) => handle.abort(),
            Inner::Queued(pending) => pending.abort(),
            Inner::Closed | Inner::Taken => {}
        }
    }

    /// Whether the child has finished (or never ran: the group was closed,
    /// or it was aborted while queued behind the group's limit). Never
    /// blocks. Once the child's scope has returned (or its owned group's
    /// `join` has), this is `true` for every child of it, on any runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// taskscope::scope(async |tg| {
    ///     let handle = tg.spawn(async { Ok::<_, ()>(1) });
    ///     assert!(!handle.is_finished());
    ///     tokio::task::yield_now().await;
    ///     assert!(handle.is_finished());
    ///     Ok(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    pub fn is_finished(&self) -> bool {
        match &self.inner {
            Inner::Spawned(handle) => handle.is_finished(),
            Inner::Queued(pending) => match &*pending.lock() {
                PendingState::Queued(_) => false,
                PendingState::Started(handle) => handle.is_finished(),
                PendingState::Gone => true,
            },
            Inner::Closed | Inner::Taken => true,
        }
    }

    /// The child's tokio task id, or `None` if it was never spawned (or is
    /// still queued behind the group's limit).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// taskscope::scope(async |tg| {
    ///     let handle = tg.spawn(async { Ok::<_, ()>(tokio::task::id()) });
    ///     let id = handle.id();
    ///     assert_eq!(Some(handle.await.unwrap()), id);
    ///     Ok(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    pub fn id(&self) -> Option<Id> {
        match &self.inner {
            Inner::Spawned(handle) => Some(handle.id()),
            Inner::Queued(pending) => match &*pending.lock() {
                PendingState::Started(handle) => Some(handle.id()),
                _ => None,
            },
            Inner::Closed | Inner::Taken => None,
        }
    }

    /// The name the child was spawned with, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// taskscope::scope(async |tg| {
    ///     let handle = tg.spawn_named("fetch-1", async { Ok::<_, ()>(()) });
    ///     assert_eq!(handle.name(), Some("fetch-1"));
    ///     Ok(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl<T> Future for TaskHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        loop {
            match &mut this.inner {
                Inner::Spawned(handle) => {
                    let id = Some(handle.id());
                    let out = ready!(Pin::new(handle).poll(cx));
                    this.inner = Inner::Taken;
                    let name = this.name.clone();
                    return Poll::Ready(match out {
                        Ok(ChildOutput::Value(value)) => Ok(value),
                        Ok(ChildOutput::Failed) => Err(JoinError::failed(name, id)),
                        Ok(ChildOutput::Panicked) => Err(JoinError::panicked(name, id)),
                        Ok(ChildOutput::Cancelled) => Err(JoinError::cancelled(name, id)),
                        Err(err) if err.is_panic() => Err(JoinError::panicked(name, id)),
                        Err(_) => Err(JoinError::cancelled(name, id)),
                    });
                }
                Inner::Queued(pending) => {
                    let pending = pending.clone();
                    let mut state = pending.lock();
                    match std::mem::replace(&mut *state, PendingState::Gone) {
                        PendingState::Queued(_) => {
                            *state = PendingState::Queued(Some(cx.waker().clone()));
                            return Poll::Pending;
                        }
                        PendingState::Started(handle) => this.inner = Inner::Spawned(handle),
                        PendingState::Gone => this.inner = Inner::Taken,
                    }
                }
                Inner::Closed => return Poll::Ready(Err(JoinError::closed(this.name.clone()))),
                Inner::Taken => {
                    return Poll::Ready(Err(JoinError::cancelled(this.name.clone(), None)));
                }
            }
        }
    }
}

impl<T> fmt::Debug for TaskHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("TaskHandle");
        if let Some(name) = &self.name {
            d.field("name", name);
        }
        if let Some(id) = self.id() {
            d.field("id", &format_args!("{id}"));
        }
        d.field("finished", &self.is_finished()).finish()
    }
}
