//! The future that runs a local scope: polls the body and the woken
//! children, applies the policy, the grace period and the deadline.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use taskscope_error_group::{ErrorGroup, TaskError};
use tokio::time::Sleep;
use tokio_util::sync::WaitForCancellationFutureOwned;

use crate::local::state::{LocalShared, Reason};
use crate::observe::PollTimer;

pin_project! {
    #[project = BodyProj]
    enum Body<B> {
        Running { #[pin] fut: B },
        Done,
    }
}

pin_project! {
    /// Drives one local scope. Dropping it before it finishes drops every
    /// child and the body, right away: they live inside it.
    pub(crate) struct LocalDriver<'scope, B, T, E> {
        shared: Rc<LocalShared<'scope, E>>,
        #[pin]
        body: Body<B>,
        value: Option<T>,
        // Fires when the scope's token is cancelled from outside: by the
        // group the scope runs in, or by a user holding `token()`.
        #[pin]
        watch: WaitForCancellationFutureOwned,
        watching: bool,
        grace: Option<Pin<Box<Sleep>>>,
        deadline: Option<Pin<Box<Sleep>>>,
        done: bool,
    }

    impl<'scope, B, T, E> PinnedDrop for LocalDriver<'scope, B, T, E> {
        fn drop(this: Pin<&mut Self>) {
            if !this.done {
                this.shared.shutdown();
            }
        }
    }
}

impl<'scope, B, T, E> LocalDriver<'scope, B, T, E>
where
    B: Future<Output = Result<T, E>>,
{
    pub(crate) fn new(shared: Rc<LocalShared<'scope, E>>, body: B) -> Self {
        let watch = shared.token().clone().cancelled_owned();
        LocalDriver {
            shared,
            body: Body::Running { fut: body },
            value: None,
            watch,
            watching: true,
            grace: None,
            deadline: None,
            done: false,
        }
    }
}

impl<B, T, E> Future for LocalDriver<'_, B, T, E>
where
    B: Future<Output = Result<T, E>>,
{
    type Output = Result<T, ErrorGroup<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let shared = &**this.shared;
        assert!(!*this.done, "a local scope's future was polled after it completed");
        let _polling = shared.enter_poll(cx.waker());

        if *this.watching && this.watch.as_mut().poll(cx).is_ready() {
            *this.watching = false;
            shared.cancel(Reason::Cancelled);
        }

        if let BodyProj::Running { fut } = this.body.as_mut().project() {
            if !shared.body_must_stop() {
                let timer = PollTimer::start(shared.slow_poll);
                let polled = catch_unwind(AssertUnwindSafe(|| fut.poll(cx)));
                timer.finish(|| {
                    let info = shared.body_info();
                    (info.path().into(), info.id())
                });
                match polled {
                    Ok(Poll::Pending) => {}
                    Ok(Poll::Ready(Ok(value))) => {
                        this.body.set(Body::Done);
                        *this.value = Some(value);
                    }
                    Ok(Poll::Ready(Err(error))) => {
                        this.body.set(Body::Done);
                        shared.fail(TaskError::failed(shared.body_info(), error));
                    }
                    Err(payload) => {
                        this.body.set(Body::Done);
                        shared.panicked(shared.body_info(), payload);
                    }
                }
            }
        }

        // The deadline, checked after the body's poll so that a body that
        // is ready at once wins even at a zero timeout (DESIGN rule 21).
        if let Some(deadline) = shared.deadline {
            let finished = matches!(*this.body, Body::Done) && shared.live() == 0;
            if !shared.is_cancelled() && !finished {
                let sleep = this
                    .deadline
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if sleep.as_mut().poll(cx).is_ready() {
                    shared.time_out();
                }
            }
        }

        shared.poll_children(cx);

        // The grace period: stopped children (and body) get `grace` to
        // finish on their own, then they are dropped.
        if let Some(end) = shared.grace_deadline() {
            let sleep = this.grace.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(end)));
            if sleep.as_mut().poll(cx).is_ready() {
                shared.end_grace();
            }
        }
        if shared.children_must_stop() {
            shared.stop_children();
        }
        // Checked after the poll too: a body that cancelled its own scope
        // stops at the await it is parked on, as in asyncio and Trio.
        if matches!(*this.body, Body::Running { .. }) && shared.body_must_stop() {
            this.body.set(Body::Done);
        }

        if matches!(*this.body, Body::Running { .. }) || shared.live() != 0 {
            return Poll::Pending;
        }
        *this.done = true;
        shared.close();
        Poll::Ready(shared.finish(this.value.take()))
    }
}

impl<B, T, E> std::fmt::Debug for LocalDriver<'_, B, T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalDriver")
            .field("scope", &self.shared.path())
            .field("live", &self.shared.live())
            .field("body_done", &matches!(self.body, Body::Done))
            .field("done", &self.done)
            .finish()
    }
}
