//! The future every child runs inside: catches panics, records failures,
//! and counts the child out of its group when it is dropped.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use taskscope_error_group::{ErrorGroup, TaskError};

use crate::observe::{DONE, FAILED, GroupView, Label, PollTimer, WAITING, with_current};
use crate::shared::Shared;
use crate::slots::Slot;

/// How a child's future ended, as the group sees it.
pub(crate) enum Exit<T, E> {
    Value(T),
    /// A value, but from a nested group that was stopped by a cancel: not
    /// a success under `FirstSuccess` (nor a failure).
    StoppedWith(T),
    Failed(E),
    Group(ErrorGroup<E>),
    Cancelled,
}

/// The output of a child's future, turned into an [`Exit`].
pub(crate) trait IntoExit<E> {
    type Value;
    fn into_exit(self) -> Exit<Self::Value, E>;
}

impl<T, E> IntoExit<E> for Result<T, E> {
    type Value = T;

    fn into_exit(self) -> Exit<T, E> {
        match self {
            Ok(value) => Exit::Value(value),
            Err(error) => Exit::Failed(error),
        }
    }
}

/// The result of a nested group, run as a child of its parent, and
/// whether a cancel stopped it.
pub(crate) struct Nested<T, E>(pub(crate) Result<T, ErrorGroup<E>>, pub(crate) bool);

impl<T, E> IntoExit<E> for Nested<T, E> {
    type Value = T;

    fn into_exit(self) -> Exit<T, E> {
        match self.0 {
            Ok(value) if self.1 => Exit::StoppedWith(value),
            Ok(value) => Exit::Value(value),
            Err(group) if group.is_empty() && group.is_cancelled() => Exit::Cancelled,
            Err(group) => Exit::Group(group),
        }
    }
}

/// What a child's tokio task returns to its [`TaskHandle`](crate::TaskHandle).
/// Errors themselves go to the group, so the handle only learns the kind.
#[derive(Debug)]
pub(crate) enum ChildOutput<T> {
    Value(T),
    Failed,
    Panicked,
    Cancelled,
}

/// Counts a child out of its group when dropped, after the child's future.
pub(crate) struct Guard<E> {
    shared: Option<Arc<Shared<E>>>,
}

impl<E> Guard<E> {
    pub(crate) fn new(shared: Arc<Shared<E>>) -> Self {
        Guard { shared: Some(shared) }
    }

    /// The group the child is counted in.
    pub(crate) fn shared(&self) -> &Shared<E> {
        self.shared.as_deref().expect("a guard holds its group until dropped")
    }
}

impl<E: Send + 'static> Guard<E> {
    /// A type-erased pointer to the group, e.g. to make it the current one.
    pub(crate) fn view(&self) -> Option<Arc<dyn GroupView>> {
        self.shared.clone().map(|shared| shared as Arc<dyn GroupView>)
    }

    /// The same count, held as the child's one pointer to its group. In a
    /// group with a limit the child also takes over its `slot`, which it
    /// gives back when it is dropped (see [`ChildGroup`]).
    pub(crate) fn into_group(mut self, slot: Option<Slot>) -> ChildGroup<E> {
        debug_assert_eq!(
            slot.is_some(),
            self.shared().slots.is_some(),
            "a child of a limited group, and only such a child, holds a slot"
        );
        if let Some(slot) = slot {
            slot.hand_over();
        }
        ChildGroup { shared: self.shared.take() }
    }
}

impl<E> Drop for Guard<E> {
    fn drop(&mut self) {
        if let Some(shared) = &self.shared {
            shared.exit();
        }
    }
}

/// A spawned child's only pointer to its group. Dropped (after the child's
/// future), it gives back the child's slot if the group has a limit, then
/// counts the child out.
///
/// A thin pointer, and the slot is not a field of its own: every byte of
/// the wrapper counts, since a small child's tokio task must stay in the
/// 128-byte cell that a bare `tokio::spawn` of it gets. One byte over
/// costs a 256-byte cell; measured on `spawn_join` (10,000 trivial
/// children, current-thread runtime) that was 20 % of the time, most of
/// it page faults once the allocator had returned the memory.
pub(crate) struct ChildGroup<E> {
    shared: Option<Arc<Shared<E>>>,
}

impl<E: Send + 'static> ChildGroup<E> {
    /// The typed group; `None` only while the pointer is lent to the
    /// thread-local during a poll.
    fn shared(&self) -> Option<&Shared<E>> {
        self.shared.as_deref()
    }

    /// Runs `f` with the group as the thread's current one (a scope the
    /// child creates nests in it), lending it the pointer: no reference
    /// count changes hands.
    fn lend<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let mut view = self.shared.take().map(|shared| shared as Arc<dyn GroupView>);
        let out = with_current(&mut view, f);
        self.shared = view.and_then(|view| view.into_any().downcast::<Shared<E>>().ok());
        out
    }
}

impl<E> Drop for ChildGroup<E> {
    fn drop(&mut self) {
        if let Some(shared) = &self.shared {
            if let Some(slots) = &shared.slots {
                slots.release();
            }
            shared.exit();
        }
    }
}

pin_project! {
    /// The future spawned for each child. Field order is drop order: the
    /// user's future is dropped (its cleanup runs) before the guard counts
    /// the child out, so a group never returns while a child's `Drop` runs.
    pub(crate) struct Child<F, L, E> {
        #[pin]
        pub(crate) fut: F,
        pub(crate) label: L,
        pub(crate) group: ChildGroup<E>,
    }
}

impl<F, L, E> Future for Child<F, L, E>
where
    F: Future,
    F::Output: IntoExit<E>,
    L: Label,
    E: Send + 'static,
{
    type Output = ChildOutput<<F::Output as IntoExit<E>>::Value>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let label = &*this.label;
        let slow_poll = this.group.shared().and_then(|shared| shared.config.slow_poll);
        let timer = PollTimer::start(slow_poll);
        if let Some(meta) = label.meta() {
            meta.begin_poll();
        }
        let fut = this.fut;
        let polled = this.group.lend(|| catch_unwind(AssertUnwindSafe(|| fut.poll(cx))));
        let Some(shared) = this.group.shared() else {
            // Unreachable: the pointer is back from the thread-local.
            return Poll::Pending;
        };
        timer.finish(|| {
            let id = tokio::task::try_id();
            (shared.child_info(label.name(), id).path().into(), id)
        });
        let info = || shared.child_info(label.name(), tokio::task::try_id());
        let end = |state| {
            if let Some(meta) = label.meta() {
                meta.end_poll(state);
            }
        };
        if polled.is_err() || matches!(polled, Ok(Poll::Ready(_))) {
            end(DONE);
        }
        Poll::Ready(match polled {
            Ok(Poll::Pending) => {
                end(WAITING);
                return Poll::Pending;
            }
            Ok(Poll::Ready(out)) => match out.into_exit() {
                Exit::Value(value) => {
                    shared.succeeded();
                    ChildOutput::Value(value)
                }
                Exit::StoppedWith(value) => ChildOutput::Value(value),
                Exit::Failed(error) => {
                    end(FAILED);
                    shared.fail(TaskError::failed(info(), error));
                    ChildOutput::Failed
                }
                Exit::Group(errors) => {
                    end(FAILED);
                    shared.fail(TaskError::group(info(), errors));
                    ChildOutput::Failed
                }
                Exit::Cancelled => ChildOutput::Cancelled,
            },
            Err(payload) => {
                end(FAILED);
                shared.panicked(info(), payload);
                ChildOutput::Panicked
            }
        })
    }
}
