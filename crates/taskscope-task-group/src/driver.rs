//! The future that runs a group to its end: polls the body, reacts to
//! cancellation and failure, runs the grace period and joins the children.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use taskscope_error_group::{ErrorGroup, TaskError};
use tokio::time::Sleep;
use tokio_util::sync::WaitForCancellationFutureOwned;

use crate::Policy;
use crate::observe::{DONE, GroupView, PollTimer, RUNNING, WAITING, with_current};
use crate::shared::{Reason, Shared};

pin_project! {
    #[project = BodyProj]
    enum Body<B> {
        Running { #[pin] fut: B },
        Done,
    }
}

pin_project! {
    /// Drives one group. Dropping it before it finishes cancels the group
    /// and aborts every child (DESIGN rule 5).
    pub(crate) struct Driver<B, T, E> {
        shared: Arc<Shared<E>>,
        #[pin]
        body: Body<B>,
        value: Option<T>,
        // Fires when the group's token is cancelled from outside: by the
        // parent group, or by a user holding `token()`.
        #[pin]
        watch: WaitForCancellationFutureOwned,
        watching: bool,
        grace: Option<Pin<Box<Sleep>>>,
        grace_over: bool,
        // The group's own deadline (`Builder::timeout`), armed on first poll.
        deadline: Option<Pin<Box<Sleep>>>,
        done: bool,
        // This group, as the thread's current group while the body is
        // polled: a scope the body creates nests in it.
        view: Option<Arc<dyn GroupView>>,
    }

    impl<B, T, E> PinnedDrop for Driver<B, T, E> {
        fn drop(this: Pin<&mut Self>) {
            if !this.done {
                this.shared.cancel_now();
                this.shared.record_end();
                this.shared.orphan();
            }
        }
    }
}

impl<B, T, E> Driver<B, T, E>
where
    B: Future<Output = Result<T, E>>,
    E: Send + 'static,
{
    /// A driver for a scope whose body is `body`.
    pub(crate) fn new(shared: Arc<Shared<E>>, body: B) -> Self {
        shared.body_polled(WAITING);
        Self::with_body(shared, Body::Running { fut: body }, None)
    }

    /// A driver for an owned group: no body, its value is `value`.
    pub(crate) fn without_body(shared: Arc<Shared<E>>, value: T) -> Self {
        Self::with_body(shared, Body::Done, Some(value))
    }

    fn with_body(shared: Arc<Shared<E>>, body: Body<B>, value: Option<T>) -> Self {
        let watch = shared.token().clone().cancelled_owned();
        let view: Option<Arc<dyn GroupView>> = Some(shared.body_view());
        Driver {
            view,
            shared,
            body,
            value,
            watch,
            watching: true,
            grace: None,
            grace_over: false,
            deadline: None,
            done: false,
        }
    }
}

impl<B, T, E> Future for Driver<B, T, E>
where
    B: Future<Output = Result<T, E>>,
{
    type Output = Result<T, ErrorGroup<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let shared = &**this.shared;
        assert!(!*this.done, "a task group's future was polled after it completed");
        shared.register_waker(cx.waker());
        shared.set_task_id(tokio::task::try_id());

        if *this.watching && this.watch.as_mut().poll(cx).is_ready() {
            *this.watching = false;
            shared.cancel(Reason::Cancelled);
        }

        // The body: dropped once the group stops it, otherwise polled.
        if let BodyProj::Running { fut } = this.body.as_mut().project() {
            if !shared.must_stop_body(*this.grace_over) {
                let timer = PollTimer::start(shared.config.slow_poll);
                shared.body_polled(RUNNING);
                let polled =
                    with_current(this.view, || catch_unwind(AssertUnwindSafe(|| fut.poll(cx))));
                shared.body_polled(WAITING);
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
        // The group's deadline, checked after the body's poll so that a body
        // that is ready at once wins even at a zero timeout (DESIGN 21).
        if let Some(deadline) = shared.deadline() {
            let body_done = matches!(*this.body, Body::Done);
            let finished = body_done && shared.live() == 0;
            if !shared.is_cancelled() && !finished {
                let sleep = this
                    .deadline
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if sleep.as_mut().poll(cx).is_ready() {
                    shared.time_out();
                }
            }
        }

        // Checked again after the poll: a body that cancelled its own group
        // stops at the await it is parked on, as in asyncio and Trio.
        if matches!(*this.body, Body::Running { .. }) && shared.must_stop_body(*this.grace_over) {
            this.body.set(Body::Done);
        }
        if matches!(*this.body, Body::Done) {
            shared.body_polled(DONE);
        }

        // The grace period: cancelled children (and body) get `grace` to
        // finish on their own, then they are aborted.
        if let Some(grace) = shared.config.grace {
            if !*this.grace_over && shared.is_cancelled() {
                let start = shared.outcome().cancelled_at.unwrap_or_else(tokio::time::Instant::now);
                // A grace too long for the clock (`Duration::MAX`) never ends.
                let over = match start.checked_add(grace) {
                    Some(end) => {
                        let sleep = this
                            .grace
                            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(end)));
                        sleep.as_mut().poll(cx).is_ready()
                    }
                    None => false,
                };
                if over {
                    *this.grace_over = true;
                    if let Some(hook) = shared.grace_hook.get() {
                        hook(shared.snapshot());
                    }
                    shared.abort_all(true);
                    if shared.must_stop_body(true) {
                        this.body.set(Body::Done);
                    }
                }
            }
        }

        if matches!(*this.body, Body::Running { .. }) || !shared.try_close() {
            return Poll::Pending;
        }
        // Every child has counted itself out; on another worker thread
        // tokio may still be in its last step of finishing one (a few
        // instructions), and a handle must read finished once we return.
        if !shared.reap_finished() {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        *this.done = true;
        shared.token().cancel();
        shared.finished();
        Poll::Ready(finish(shared, this.value.take()))
    }
}

/// Builds the scope's result once the body and every child are done.
fn finish<T, E>(shared: &Shared<E>, value: Option<T>) -> Result<T, ErrorGroup<E>> {
    let mut outcome = shared.outcome();
    if let Some(payload) = outcome.panic.take() {
        drop(outcome);
        resume_unwind(payload);
    }
    let errors = std::mem::take(&mut outcome.errors);
    let cancelled = outcome.reason == Some(Reason::Cancelled);
    // A group that timed out fails, whatever finished after the deadline.
    let won =
        shared.config.policy == Policy::FirstSuccess && outcome.succeeded && !outcome.timed_out;
    drop(outcome);
    match value {
        Some(value) if won || errors.is_empty() => {
            if !errors.is_empty() {
                tracing::debug!(
                    target: "taskscope",
                    group = %shared.path(),
                    discarded = errors.len(),
                    "a child succeeded; the failed attempts are dropped"
                );
            }
            Ok(value)
        }
        _ if errors.is_empty() => Err(ErrorGroup::cancelled(shared.info())),
        _ => {
            let mut group = ErrorGroup::new(shared.info());
            group.extend(errors);
            group.set_cancelled(cancelled);
            Err(group)
        }
    }
}

impl<B, T, E> std::fmt::Debug for Driver<B, T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("group", self.shared.path())
            .field("live", &self.shared.live())
            .field("body_done", &matches!(self.body, Body::Done))
            .field("done", &self.done)
            .finish()
    }
}
