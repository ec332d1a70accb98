//! `LocalHandle`: await a local child's value, or abort it.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::JoinError;

/// A handle to one child of a [`scope_local`](crate::scope_local()) scope:
/// what [`TaskHandle`](crate::TaskHandle) is to a spawned child.
///
/// Await it for the child's value; the child's *error* goes to the scope's
/// [`ErrorGroup`](crate::ErrorGroup), so a failed child resolves the
/// handle to a [`JoinError`] that only says it failed. Dropping the handle
/// **detaches** the child: it runs on, the scope still waits for it, and
/// its value is dropped as soon as it is produced.
/// [`abort`](Self::abort) cancels just this child, which is not an error.
///
/// A `LocalHandle` is neither `Send` nor `Sync`: like the child, it stays
/// on the scope's thread.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::task_group::scope_local;
///
/// let sum = scope_local(async |tg| {
///     let a = tg.spawn(async { Ok::<_, ()>(1) });
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
/// This future is cancel safe: dropping the `.await` neither cancels the
/// child nor loses its value, which a later await of the same handle still
/// returns.
pub struct LocalHandle<T> {
    slot: Option<Rc<Slot<T>>>,
    name: Option<Arc<str>>,
}

/// Where a local child leaves its outcome for its handle.
pub(crate) struct Slot<T> {
    state: RefCell<State<T>>,
    /// The handle asked the child to stop (checked on every poll).
    aborted: Cell<bool>,
    name: Option<Arc<str>>,
}

enum State<T> {
    Running {
        /// The task awaiting the handle.
        waiter: Option<Waker>,
        /// The child's own waker, so that an abort gets it polled (and
        /// dropped) promptly.
        child: Option<Waker>,
    },
    Done(Result<T, JoinError>),
    Taken,
}

impl<T> Slot<T> {
    pub(crate) fn new(name: Option<Arc<str>>) -> Rc<Self> {
        Rc::new(Slot {
            state: RefCell::new(State::Running { waiter: None, child: None }),
            aborted: Cell::new(false),
            name,
        })
    }

    pub(crate) fn name(&self) -> Option<&Arc<str>> {
        self.name.as_ref()
    }

    /// Whether the handle asked the child to stop.
    pub(crate) fn is_aborted(&self) -> bool {
        self.aborted.get()
    }

    /// Remembers the child's waker (cheap when it has not changed).
    pub(crate) fn child_waits(&self, waker: &Waker) {
        if let State::Running { child, .. } = &mut *self.state.borrow_mut() {
            if !child.as_ref().is_some_and(|w| w.will_wake(waker)) {
                *child = Some(waker.clone());
            }
        }
    }

    /// The child's outcome. Kept only if a handle can still read it
    /// (DESIGN rule 10: a detached child's value is dropped at once).
    pub(crate) fn complete(self: &Rc<Self>, result: Result<T, JoinError>) {
        let detached = Rc::strong_count(self) == 1;
        let waiter = {
            let mut state = self.state.borrow_mut();
            let waiter = match &mut *state {
                State::Running { waiter, .. } => waiter.take(),
                _ => None,
            };
            *state = if detached { State::Taken } else { State::Done(result) };
            waiter
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }

    /// The child was dropped before it finished.
    pub(crate) fn cancelled(self: &Rc<Self>) {
        if matches!(*self.state.borrow(), State::Running { .. }) {
            self.complete(Err(JoinError::cancelled(self.name.clone(), None)));
        }
    }
}

impl<T> LocalHandle<T> {
    pub(crate) fn new(slot: Rc<Slot<T>>) -> Self {
        let name = slot.name.clone();
        LocalHandle { slot: Some(slot), name }
    }

    /// The handle of a child the scope refused: it is closed.
    pub(crate) fn closed(name: Option<Arc<str>>) -> Self {
        LocalHandle { slot: None, name }
    }

    /// Cancels the child: its future is dropped the next time the scope
    /// gets to it, which is at its next await point. The scope records no
    /// error for it, and awaiting the handle yields a [`JoinError`] for
    /// which [`is_cancelled`](JoinError::is_cancelled) is true — unless
    /// the child had already finished.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::task_group::scope_local;
    ///
    /// scope_local(async |tg| {
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
        let Some(slot) = &self.slot else { return };
        let child = match &mut *slot.state.borrow_mut() {
            State::Running { child, .. } => {
                slot.aborted.set(true);
                child.take()
            }
            _ => None,
        };
        if let Some(child) = child {
            child.wake();
        }
    }

    /// Whether the child has finished (or never ran because the scope was
    /// closed).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::task_group::scope_local;
    ///
    /// scope_local(async |tg| {
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
        match &self.slot {
            Some(slot) => !matches!(*slot.state.borrow(), State::Running { .. }),
            None => true,
        }
    }

    /// The name the child was spawned with, if any.
    ///
    /// # Examples
    ///
    /// See the [type-level example](LocalHandle).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl<T> Future for LocalHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let Some(slot) = &this.slot else {
            return Poll::Ready(Err(JoinError::closed(this.name.clone())));
        };
        let mut state = slot.state.borrow_mut();
        match &mut *state {
            State::Running { waiter, .. } => {
                if !waiter.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    *waiter = Some(cx.waker().clone());
                }
                Poll::Pending
            }
            State::Done(_) => match std::mem::replace(&mut *state, State::Taken) {
                State::Done(result) => Poll::Ready(result),
                _ => Poll::Pending,
            },
            State::Taken => Poll::Ready(Err(JoinError::cancelled(this.name.clone(), None))),
        }
    }
}

// The slot is shared through an `Rc`; nothing is pinned.
impl<T> Unpin for LocalHandle<T> {}

impl<T> fmt::Debug for LocalHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("LocalHandle");
        if let Some(name) = &self.name {
            d.field("name", name);
        }
        d.field("finished", &self.is_finished()).finish()
    }
}
