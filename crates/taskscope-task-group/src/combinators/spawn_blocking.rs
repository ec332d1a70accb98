//! `Spawner::spawn_blocking`: a blocking closure as a child of the group
//! (asyncio's `to_thread`).

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use taskscope_error_group::TaskError;
use tokio::task::JoinHandle;

use crate::child::{ChildOutput, Guard};
use crate::observe::{ChildMeta, DONE, FAILED, GroupView, with_current};
use crate::slots::{Launch, Slot};
use crate::task_handle::Pending;
use crate::{Spawner, TaskHandle};

impl<E: Send + 'static> Spawner<E> {
    /// Runs the blocking closure `f` on tokio's blocking thread pool as a
    /// child of the group, and returns a handle to its value: asyncio's
    /// `to_thread`, with a group's rules.
    ///
    /// Use it for work that would block an async worker thread: a
    /// synchronous file or database API, compression, a CPU-heavy
    /// computation. The closure counts as a child for everything:
    ///
    /// * **The group waits for it.** The scope does not return while the
    ///   closure runs, and neither does a cancelled or failed group. This
    ///   matters because **a blocking closure cannot be interrupted**:
    ///   cancelling the group (or [aborting](TaskHandle::abort) the
    ///   handle) only prevents a closure that has not started yet from
    ///   starting; one that is running runs to its end, and the group
    ///   waits. To stop early, have it check a flag or the group's
    ///   [`token`](Self::token) (`token.is_cancelled()`) between steps.
    /// * **Errors and panics are a child's:** `Err(e)` goes to the group
    ///   (under FailFast, cancelling the rest), and a panic is caught and
    ///   treated like a child's panic.
    /// * **Its context travels with it:** the closure runs inside the
    ///   current `tracing` span (as the parent of its `task` span), and
    ///   [`current_deadline`](taskscope_timeout::current_deadline) inside it
    ///   returns the deadline of the code that spawned it — the one thing
    ///   you would otherwise lose on another thread — so it can pass the
    ///   remaining budget to a blocking client.
    /// * It takes one of the group's slots under a
    ///   [limit](crate::Builder::limit), like any child.
    ///
    /// Like [`spawn`](Self::spawn), a closed group refuses it: the handle
    /// then resolves to a [`JoinError`](crate::JoinError) for which
    /// [`is_closed`](crate::JoinError::is_closed) is true.
    ///
    /// # Examples
    ///
    /// Before, `tokio::task::spawn_blocking`: its error is a value nobody
    /// must forget to check, and dropping the handle leaves it unowned.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let sum = tokio::task::spawn_blocking(|| (1..=100u64).sum::<u64>()).await.unwrap();
    /// assert_eq!(sum, 5050);
    /// # }
    /// ```
    ///
    /// After: a child of the group, which waits for it and reports its
    /// error like any other.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let sum = taskscope::scope(async |tg| {
    ///     let sum = tg.spawn_blocking(|| Ok::<_, std::io::Error>((1..=100u64).sum::<u64>()));
    ///     tg.spawn_blocking(|| {
    ///         std::fs::metadata("/definitely/not/here")?; // an error for the group
    ///         Ok(0)
    ///     });
    ///     Ok(sum.await.unwrap_or(0))
    /// })
    /// .await;
    /// assert!(sum.unwrap_err().first().unwrap().as_failed().is_some());
    /// # }
    /// ```
    ///
    /// The deadline of the spawning code is visible in the closure:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::{current_deadline, timeout};
    /// use tokio::time::Instant;
    ///
    /// let deadline = Instant::now() + Duration::from_secs(5);
    /// taskscope::scope(async |tg| {
    ///     let seen = timeout(Duration::from_secs(5), async {
    ///         tg.spawn_blocking(|| Ok(current_deadline())).await.unwrap()
    ///     })
    ///     .await
    ///     .unwrap();
    ///     assert_eq!(seen, Some(deadline));
    ///     Ok::<_, ()>(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime, like
    /// `tokio::task::spawn_blocking`. A panic of `f` is a child's panic:
    /// see [`scope`](crate::scope()).
    #[track_caller]
    pub fn spawn_blocking<F, T>(&self, f: F) -> TaskHandle<T>
    where
        F: FnOnce() -> Result<T, E> + Send + 'static,
        T: Send + 'static,
    {
        if !self.shared.try_enter() {
            return self.refused(None);
        }
        let job = Blocking::new(self, f);
        let Some(slots) = &self.shared.slots else {
            return TaskHandle::new(job.spawn(self, None), None);
        };
        if let Some(slot) = slots.try_take() {
            return TaskHandle::new(job.spawn(self, Some(slot)), None);
        }
        // Queued behind the limit, like `spawn` queues a future.
        let (pending, ticket) = Pending::new();
        let spawner = self.clone();
        let launch: Launch = Box::new(move |slot: Slot| {
            if !ticket.may_start() {
                drop(job);
                return Some(slot);
            }
            ticket.started(job.spawn(&spawner, Some(slot)));
            None
        });
        slots.launch_or_queue(launch);
        TaskHandle::queued(pending, None)
    }
}

/// A blocking child, counted in its group, not started yet.
struct Blocking<F, E> {
    /// Runs `f` where it will see the spawner's deadline.
    run: taskscope_timeout::Inherit<CallOnce<F>>,
    guard: Guard<E>,
    span: tracing::Span,
    /// Whether `span` is the child's own `task` span (else the caller's).
    own_span: bool,
    meta: Option<Arc<ChildMeta>>,
}

impl<F, T, E> Blocking<F, E>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    #[track_caller]
    fn new(spawner: &Spawner<E>, f: F) -> Self {
        let span = tracing::debug_span!(
            target: "taskscope",
            "task",
            name = tracing::field::Empty,
            path = tracing::field::Empty
        );
        // Without a subscriber for taskscope's spans, the caller's span
        // still travels.
        let own_span = !span.is_disabled();
        let span = if own_span { span } else { tracing::Span::current() };
        let shared = &spawner.shared;
        Blocking {
            run: taskscope_timeout::inherit(CallOnce(Some(f))),
            guard: Guard::new(shared.clone()),
            span,
            own_span,
            meta: shared.config.track.then(|| Arc::new(ChildMeta::new(None))),
        }
    }

    /// Starts the closure on the blocking pool, holding `slot` (if the
    /// group has a limit) for as long as it runs.
    #[track_caller]
    fn spawn(self, spawner: &Spawner<E>, slot: Option<Slot>) -> JoinHandle<ChildOutput<T>> {
        let Blocking { run, guard, span, own_span, meta } = self;
        let child_meta = meta.clone();
        let record = own_span.then(|| span.clone());
        let handle = tokio::task::spawn_blocking(move || {
            // Dropped in reverse: the slot passes on, then the group counts
            // the child out, as for a future child.
            let guard = guard;
            let _slot = slot;
            let shared = guard.shared();
            if let Some(meta) = &child_meta {
                meta.begin_poll();
            }
            let mut view: Option<Arc<dyn GroupView>> = guard.view();
            let out = span.in_scope(|| with_current(&mut view, || block_on_ready(run)));
            let info = || shared.child_info(None, tokio::task::try_id());
            let end = |state| {
                if let Some(meta) = &child_meta {
                    meta.end_poll(state);
                }
            };
            match out {
                Ok(Ok(value)) => {
                    end(DONE);
                    shared.succeeded();
                    ChildOutput::Value(value)
                }
                Ok(Err(error)) => {
                    end(FAILED);
                    shared.fail(TaskError::failed(info(), error));
                    ChildOutput::Failed
                }
                Err(payload) => {
                    end(FAILED);
                    shared.panicked(info(), payload);
                    ChildOutput::Panicked
                }
            }
        });
        let shared = &spawner.shared;
        if let Some(span) = record {
            let info = shared.child_info(None, Some(handle.id()));
            span.record("name", tracing::field::display(info.name()))
                .record("path", tracing::field::display(info.path()));
        }
        if let Some(meta) = &meta {
            let _ = meta.id.set(handle.id());
        }
        shared.register(handle.abort_handle(), meta);
        handle
    }
}

/// Calls the closure when polled, catching a panic: a future, so that
/// [`inherit`](taskscope_timeout::inherit) can carry the deadline in.
struct CallOnce<F>(Option<F>);

impl<F, T> Future for CallOnce<F>
where
    F: FnOnce() -> T,
{
    type Output = std::thread::Result<T>;

    fn poll(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        match self.0.take() {
            Some(f) => Poll::Ready(catch_unwind(AssertUnwindSafe(f))),
            // Only polled once, by `block_on_ready`.
            None => Poll::Pending,
        }
    }
}

impl<F> Unpin for CallOnce<F> {}

/// Runs a future that is ready on its first poll, on this thread.
fn block_on_ready<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        // Not reached: `CallOnce` is ready at once.
        std::thread::yield_now();
    }
}
