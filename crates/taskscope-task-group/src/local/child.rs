//! The future every local child runs inside: catches panics, records
//! failures, fills its handle's slot, and counts itself out when dropped.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use taskscope_error_group::TaskError;

use crate::JoinError;
use crate::local::local_handle::Slot;
use crate::local::state::LocalShared;
use crate::observe::PollTimer;

pin_project! {
    /// One child of a local scope. Field order is drop order: the user's
    /// future is dropped (its cleanup runs) before the guard counts the
    /// child out.
    pub(crate) struct LocalChild<'scope, F, T, E> {
        #[pin]
        fut: F,
        guard: ChildGuard<'scope, T, E>,
    }
}

/// Counts a child out of its scope when dropped, and tells its handle if
/// it never finished.
struct ChildGuard<'scope, T, E> {
    slot: Rc<Slot<T>>,
    shared: Rc<LocalShared<'scope, E>>,
    id: u64,
    finished: bool,
}

impl<'scope, F, T, E> LocalChild<'scope, F, T, E> {
    pub(crate) fn new(fut: F, slot: Rc<Slot<T>>, shared: Rc<LocalShared<'scope, E>>) -> Self {
        let id = shared.next_id();
        LocalChild { fut, guard: ChildGuard { slot, shared, id, finished: false } }
    }
}

impl<F, T, E> Future for LocalChild<'_, F, T, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let guard = this.guard;
        if guard.finished {
            return Poll::Ready(());
        }
        let shared = &guard.shared;
        let slot = &guard.slot;
        // Cancelled (through its handle, or with its scope): dropped at
        // this await point, without being polled again.
        if slot.is_aborted() || shared.children_must_stop() {
            guard.finished = true;
            slot.complete(Err(JoinError::cancelled(slot.name().cloned(), None)));
            return Poll::Ready(());
        }
        let timer = PollTimer::start(shared.slow_poll);
        let fut = this.fut;
        let polled = catch_unwind(AssertUnwindSafe(|| fut.poll(cx)));
        let id = guard.id;
        timer.finish(|| (shared.child_info(slot.name(), id).path().into(), None));
        let info = || shared.child_info(slot.name(), id);
        match polled {
            Ok(Poll::Pending) => {
                slot.child_waits(cx.waker());
                return Poll::Pending;
            }
            Ok(Poll::Ready(Ok(value))) => {
                guard.finished = true;
                slot.complete(Ok(value));
                shared.succeeded();
            }
            Ok(Poll::Ready(Err(error))) => {
                guard.finished = true;
                slot.complete(Err(JoinError::failed(slot.name().cloned(), None)));
                shared.fail(TaskError::failed(info(), error));
            }
            Err(payload) => {
                guard.finished = true;
                slot.complete(Err(JoinError::panicked(slot.name().cloned(), None)));
                shared.panicked(info(), payload);
            }
        }
        Poll::Ready(())
    }
}

impl<T, E> Drop for ChildGuard<'_, T, E> {
    fn drop(&mut self) {
        if !self.finished {
            self.slot.cancelled();
        }
        self.shared.child_exited();
    }
}
