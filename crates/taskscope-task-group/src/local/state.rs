//! The state a local scope shares between its driver, its spawners and its
//! children: the children themselves, the errors, and why it stopped.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::resume_unwind;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Waker};
use std::time::Duration;

use taskscope_error_group::{ErrorGroup, TaskError, TaskInfo};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::Policy;
use crate::local::run_queue::RunQueue;
use crate::observe::Nest;
use crate::shared::{Config, panic_message};

/// A child of a local scope, type-erased: its output went to its handle
/// and its errors to the scope, so the scope only polls it to the end.
pub(crate) type BoxChild<'scope> = Pin<Box<dyn Future<Output = ()> + 'scope>>;

/// Why a local scope stopped its children. The first reason wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    Cancelled,
    Failure,
    /// A child succeeded under `FirstSuccess`: the children stop, the body
    /// runs on.
    Succeeded,
    TimedOut,
}

/// What went wrong, in occurrence order, and how the scope was stopped.
struct Outcome<E> {
    errors: Vec<TaskError<E>>,
    panic: Option<Box<dyn Any + Send>>,
    reason: Option<Reason>,
    cancelled_at: Option<Instant>,
    succeeded: bool,
    timed_out: bool,
}

/// Shared state of one local scope. Everything lives on one thread, so
/// cells do what atomics and mutexes do for a `Send` group.
///
/// The children sit in a [`RunQueue`], which polls only the children that
/// are new or were woken.
pub(crate) struct LocalShared<'scope, E> {
    pub(crate) policy: Policy,
    pub(crate) grace: Option<Duration>,
    pub(crate) catch_panics: bool,
    pub(crate) slow_poll: Option<Duration>,
    limit: Option<usize>,
    timeout: Option<Duration>,
    pub(crate) deadline: Option<Instant>,
    name: Arc<str>,
    path: Arc<str>,
    id: Option<tokio::task::Id>,
    token: CancellationToken,
    run: RunQueue<'scope>,
    /// Children waiting for room under the limit, first come first served.
    queued: RefCell<VecDeque<BoxChild<'scope>>>,
    /// Children started (polled, or about to be); counted under a limit
    /// only.
    running: Cell<usize>,
    /// Children spawned and not yet dropped, queued ones included.
    live: Cell<usize>,
    next_id: Cell<u64>,
    outcome: RefCell<Outcome<E>>,
    /// No new children: cancelled, failed fast, or finished.
    cancelled: Cell<bool>,
    closed: Cell<bool>,
    /// The children were dropped (the cancel took effect).
    stopped: Cell<bool>,
    grace_over: Cell<bool>,
    /// The driver's waker, for spawns and exits that happen outside its
    /// poll (a `LocalSpawner` moved into a `spawn_local` task).
    waker: RefCell<Option<Waker>>,
    polling: Cell<bool>,
}

impl<'scope, E> LocalShared<'scope, E> {
    /// A local scope configured by `config`, nested (for its path and its
    /// cancellation) in the group described by `parent`, if any.
    pub(crate) fn new(config: Config, parent: Option<Nest>) -> Self {
        let id = tokio::task::try_id();
        let (parent_path, token) = match parent {
            Some(nest) => (Some(nest.path), nest.token),
            None => (None, CancellationToken::new()),
        };
        let name: Arc<str> = match (config.name, id) {
            (Some(name), _) => name,
            (None, Some(id)) if parent_path.is_some() => format!("task-{id}").into(),
            (None, _) => "".into(),
        };
        let path = join_path(parent_path.as_deref(), &name);
        let deadline = config.timeout.and_then(|t| Instant::now().checked_add(t));
        LocalShared {
            policy: config.policy,
            grace: config.grace,
            catch_panics: config.catch_panics,
            slow_poll: config.slow_poll,
            limit: config.limit,
            timeout: config.timeout,
            deadline,
            name,
            path,
            id,
            token,
            run: RunQueue::new(),
            queued: RefCell::new(VecDeque::new()),
            running: Cell::new(0),
            live: Cell::new(0),
            next_id: Cell::new(0),
            outcome: RefCell::new(Outcome {
                errors: Vec::new(),
                panic: None,
                reason: None,
                cancelled_at: None,
                succeeded: false,
                timed_out: false,
            }),
            cancelled: Cell::new(false),
            closed: Cell::new(false),
            stopped: Cell::new(false),
            grace_over: Cell::new(false),
            waker: RefCell::new(None),
            polling: Cell::new(false),
        }
    }

    pub(crate) fn token(&self) -> &CancellationToken {
        &self.token
    }

    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// Children not finished yet (queued ones included).
    pub(crate) fn live(&self) -> usize {
        self.live.get()
    }

    /// Whether the scope takes no new children: cancelled, failed fast, or
    /// finished.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.get() || self.closed.get()
    }

    /// A number for a new child, for its default name.
    pub(crate) fn next_id(&self) -> u64 {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        id
    }

    /// Takes in a child: starts it, or queues it behind the limit.
    pub(crate) fn admit(&self, child: BoxChild<'scope>) {
        self.live.set(self.live.get() + 1);
        if self.limit.is_some_and(|limit| self.running.get() >= limit) {
            self.queued.borrow_mut().push_back(child);
        } else {
            self.start(child);
        }
    }

    fn start(&self, child: BoxChild<'scope>) {
        if self.limit.is_some() {
            self.running.set(self.running.get() + 1);
        }
        self.run.push(child);
        self.wake();
    }

    /// A child was dropped (finished or cancelled): counts it out and
    /// starts the next queued child.
    pub(crate) fn child_exited(&self) {
        self.live.set(self.live.get() - 1);
        if self.limit.is_some() && !self.stopped.get() {
            self.running.set(self.running.get().saturating_sub(1));
            let next = self.queued.borrow_mut().pop_front();
            if let Some(next) = next {
                self.start(next);
            }
        }
        if self.live.get() == 0 {
            self.wake();
        }
    }

    /// Wakes the driver, unless it is the code running now.
    fn wake(&self) {
        if !self.polling.get() {
            if let Some(waker) = &*self.waker.borrow() {
                waker.wake_by_ref();
            }
        }
    }

    /// Records the driver's waker and marks the driver as polling.
    pub(crate) fn enter_poll(&self, waker: &Waker) -> Polling<'_, 'scope, E> {
        let mut slot = self.waker.borrow_mut();
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
        self.polling.set(true);
        Polling(self)
    }

    /// Polls the children that are new or were woken, until none is left
    /// or the scope stops them.
    pub(crate) fn poll_children(&self, cx: &mut Context<'_>) {
        self.run.poll(cx, || self.children_must_stop());
    }

    /// Drops every child (running and queued), outside any borrow, since
    /// their `Drop` may use the scope.
    pub(crate) fn stop_children(&self) {
        self.stopped.set(true);
        self.cancelled.set(true);
        let children = self.run.take_all();
        let queued = std::mem::take(&mut *self.queued.borrow_mut());
        drop(children);
        drop(queued);
    }

    /// Stops the scope for `reason`: no new children, the token is
    /// cancelled, and the driver stops the children (at once, or after the
    /// grace period). Idempotent; the first reason is remembered.
    pub(crate) fn cancel(&self, reason: Reason) {
        {
            let mut outcome = self.outcome.borrow_mut();
            if outcome.reason.is_some() {
                return;
            }
            outcome.reason = Some(reason);
            outcome.cancelled_at = Some(Instant::now());
        }
        self.cancelled.set(true);
        self.token.cancel();
        self.wake();
    }

    /// The scope's deadline passed: record it, then cancel.
    pub(crate) fn time_out(&self) {
        {
            let mut outcome = self.outcome.borrow_mut();
            if outcome.reason.is_some() {
                return;
            }
            outcome.timed_out = true;
            let after = self.timeout.unwrap_or_default();
            outcome.errors.push(TaskError::timed_out(self.info(), after));
        }
        self.cancel(Reason::TimedOut);
    }

    /// Whether the children must be dropped now.
    pub(crate) fn children_must_stop(&self) -> bool {
        self.cancelled.get() && (self.grace.is_none() || self.grace_over.get())
    }

    /// Whether the body must be dropped now: it is stopped along with the
    /// children, except when a child's success stopped them.
    pub(crate) fn body_must_stop(&self) -> bool {
        self.children_must_stop()
            && !matches!(self.outcome.borrow().reason, None | Some(Reason::Succeeded))
    }

    /// When the grace period ends, if the scope is in one.
    pub(crate) fn grace_deadline(&self) -> Option<Instant> {
        let grace = self.grace?;
        if !self.cancelled.get() || self.grace_over.get() {
            return None;
        }
        let start = self.outcome.borrow().cancelled_at.unwrap_or_else(Instant::now);
        // A grace too long for the clock never ends.
        start.checked_add(grace)
    }

    pub(crate) fn end_grace(&self) {
        self.grace_over.set(true);
    }

    /// Records a failure and applies the policy to it.
    pub(crate) fn fail(&self, error: TaskError<E>) {
        self.outcome.borrow_mut().errors.push(error);
        self.after_failure();
    }

    /// Records a panic: resumed in the caller at the end, unless the scope
    /// catches panics, in which case it is an entry like any error.
    pub(crate) fn panicked(&self, task: TaskInfo, payload: Box<dyn Any + Send>) {
        let message = panic_message(&*payload);
        tracing::debug!(target: "taskscope", task = %task, %message, "local task panicked");
        {
            let mut outcome = self.outcome.borrow_mut();
            if self.catch_panics {
                outcome.errors.push(TaskError::panicked(task, message));
            } else if outcome.panic.is_none() {
                outcome.panic = Some(payload);
            } else {
                tracing::error!(
                    target: "taskscope",
                    task = %task,
                    %message,
                    "a second local task panicked; only the first panic is resumed"
                );
            }
        }
        self.after_failure();
    }

    fn after_failure(&self) {
        match self.policy {
            Policy::FailFast => self.cancel(Reason::Failure),
            Policy::CollectAll | Policy::FirstSuccess => {}
        }
    }

    /// A child returned `Ok`: under `FirstSuccess`, the other children stop.
    pub(crate) fn succeeded(&self) {
        if self.policy == Policy::FirstSuccess {
            self.outcome.borrow_mut().succeeded = true;
            self.cancel(Reason::Succeeded);
        }
    }

    /// The scope has finished: no more children, the token is cancelled
    /// (DESIGN rule 20).
    pub(crate) fn close(&self) {
        self.closed.set(true);
        self.token.cancel();
    }

    /// The scope was dropped before it finished: every child is dropped.
    pub(crate) fn shutdown(&self) {
        self.cancel(Reason::Cancelled);
        self.closed.set(true);
        self.stop_children();
    }

    /// The scope itself, as a task.
    pub(crate) fn info(&self) -> TaskInfo {
        with_id(TaskInfo::new(self.name.clone(), self.path.clone()), self.id)
    }

    /// A child: `name`, or `local-<n>`, under the scope's path.
    pub(crate) fn child_info(&self, name: Option<&Arc<str>>, id: u64) -> TaskInfo {
        let name: Arc<str> = match name {
            Some(name) => name.clone(),
            None => format!("local-{id}").into(),
        };
        let path = join_path(Some(&self.path), &name);
        with_id(TaskInfo::new(name, path), self.id)
    }

    /// The body's entry in errors.
    pub(crate) fn body_info(&self) -> TaskInfo {
        with_id(TaskInfo::new("body", join_path(Some(&self.path), "body")), self.id)
    }

    /// The scope's result once the body and every child are done.
    pub(crate) fn finish<T>(&self, value: Option<T>) -> Result<T, ErrorGroup<E>> {
        let mut outcome = self.outcome.borrow_mut();
        if let Some(payload) = outcome.panic.take() {
            drop(outcome);
            resume_unwind(payload);
        }
        let errors = std::mem::take(&mut outcome.errors);
        let won = self.policy == Policy::FirstSuccess && outcome.succeeded && !outcome.timed_out;
        drop(outcome);
        match value {
            Some(value) if won || errors.is_empty() => Ok(value),
            _ if errors.is_empty() => Err(ErrorGroup::cancelled(self.info())),
            _ => {
                let mut group = ErrorGroup::new(self.info());
                group.extend(errors);
                Err(group)
            }
        }
    }
}

/// Marks the driver as polling until dropped: wakes from inside its own
/// poll are not needed.
pub(crate) struct Polling<'a, 'scope, E>(&'a LocalShared<'scope, E>);

impl<E> Drop for Polling<'_, '_, E> {
    fn drop(&mut self) {
        self.0.polling.set(false);
    }
}

/// Local children run in the task of their scope: errors carry its id.
fn with_id(info: TaskInfo, id: Option<tokio::task::Id>) -> TaskInfo {
    match id {
        Some(id) => info.with_id(id),
        None => info,
    }
}

fn join_path(parent: Option<&str>, name: &str) -> Arc<str> {
    match parent {
        Some(parent) if !parent.is_empty() => format!("{parent}/{name}").into(),
        _ => name.into(),
    }
}
