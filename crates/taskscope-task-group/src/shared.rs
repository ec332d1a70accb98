//! The state one task group shares between its spawners, children and joiner.

use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::Duration;

use futures::task::AtomicWaker;
use taskscope_error_group::{TaskError, TaskInfo};
use tokio::task::{AbortHandle, Id};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::Policy;

/// No new children: the group was cancelled or has failed fast.
const CANCELLED: usize = 1;
/// The group has finished: its body and every child are done.
const CLOSED: usize = 2;
/// One live child in the state word; the low bits are flags.
const ONE: usize = 4;

/// Why a group stopped its children. The first reason wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// `cancel()`, the group's token, or the parent group.
    Cancelled,
    /// A failure under `Policy::FailFast`.
    Failure,
    /// A child succeeded under `Policy::FirstSuccess`: the other children
    /// stop, the body runs on.
    Succeeded,
}

/// The configuration a builder fixes for one group.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) policy: Policy,
    pub(crate) grace: Option<Duration>,
    pub(crate) catch_panics: bool,
}

/// Shared state of one task group.
///
/// The hot path (spawn, child exit, `is_cancelled`) touches only `state`,
/// the registry mutex once per spawn, and the waker once per group: a child
/// that finishes decrements a counter, and only the last one wakes the
/// joiner.
pub(crate) struct Shared<E> {
    /// `live children * ONE | CLOSED | CANCELLED`.
    state: AtomicUsize,
    /// The task that joins the group (a scope's future or `join`).
    waker: AtomicWaker,
    registry: Mutex<Registry>,
    outcome: Mutex<Outcome<E>>,
    token: CancellationToken,
    pub(crate) config: Config,
    /// Path of the parent group, for nested groups.
    parent_path: Option<Arc<str>>,
    /// The tokio task the group's body runs in, recorded on first poll.
    task_id: OnceLock<Option<Id>>,
    path: OnceLock<Arc<str>>,
}

/// Abort handles of the children, so that a cancel can reach every one.
struct Registry {
    handles: Vec<AbortHandle>,
    /// Nested groups are not aborted: they are told to stop now, and they
    /// abort and join their own children, so no grandchild outlives them.
    groups: Vec<Weak<dyn Stop>>,
    /// Set once the children were aborted: late registrations abort at once.
    aborted: bool,
    /// Length at which finished entries are dropped (amortised O(1)).
    compact_at: usize,
    groups_compact_at: usize,
}

/// What went wrong, in occurrence order, and how the group was stopped.
pub(crate) struct Outcome<E> {
    pub(crate) errors: Vec<TaskError<E>>,
    /// The first uncaught panic, resumed in the joiner.
    pub(crate) panic: Option<Box<dyn Any + Send>>,
    pub(crate) reason: Option<Reason>,
    pub(crate) cancelled_at: Option<Instant>,
    /// Under `FirstSuccess`: a child has returned `Ok`.
    pub(crate) succeeded: bool,
    /// Stopped without a grace period: by a drop, or by the parent's abort.
    pub(crate) forced: bool,
}

/// A group that can be told to stop at once (its parent's abort).
pub(crate) trait Stop: Send + Sync {
    fn stop_now(&self);
}

impl<E: Send> Stop for Shared<E> {
    fn stop_now(&self) {
        self.cancel_now();
    }
}

const COMPACT_MIN: usize = 64;

impl<E> Shared<E> {
    pub(crate) fn new(config: Config, parent: Option<(&Arc<str>, &CancellationToken)>) -> Self {
        let (parent_path, token) = match parent {
            Some((path, token)) => (Some(path.clone()), token.child_token()),
            None => (None, CancellationToken::new()),
        };
        Shared {
            state: AtomicUsize::new(0),
            waker: AtomicWaker::new(),
            registry: Mutex::new(Registry {
                handles: Vec::new(),
                groups: Vec::new(),
                aborted: false,
                compact_at: COMPACT_MIN,
                groups_compact_at: COMPACT_MIN,
            }),
            outcome: Mutex::new(Outcome {
                errors: Vec::new(),
                panic: None,
                reason: None,
                cancelled_at: None,
                succeeded: false,
                forced: false,
            }),
            token,
            config,
            parent_path,
            task_id: OnceLock::new(),
            path: OnceLock::new(),
        }
    }

    pub(crate) fn token(&self) -> &CancellationToken {
        &self.token
    }

    pub(crate) fn register_waker(&self, waker: &std::task::Waker) {
        self.waker.register(waker);
    }

    /// Number of children that have not finished.
    pub(crate) fn live(&self) -> usize {
        self.state.load(Ordering::Acquire) / ONE
    }

    /// Lock-free: whether the group was cancelled or has finished.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.state.load(Ordering::Acquire) & (CANCELLED | CLOSED) != 0
    }

    /// Counts a new child in, unless the group no longer takes children.
    pub(crate) fn try_enter(&self) -> bool {
        let prev = self.state.fetch_add(ONE, Ordering::AcqRel);
        if prev & (CANCELLED | CLOSED) == 0 {
            return true;
        }
        self.exit();
        false
    }

    /// Counts a child out; the last one out wakes the joiner.
    pub(crate) fn exit(&self) {
        let prev = self.state.fetch_sub(ONE, Ordering::AcqRel);
        if prev / ONE == 1 {
            self.waker.wake();
        }
    }

    /// Closes the group if no child is alive. Spawns racing with this either
    /// got in first (and the close fails) or see `CLOSED` and back out.
    pub(crate) fn try_close(&self) -> bool {
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            if cur / ONE != 0 {
                return false;
            }
            match self.state.compare_exchange_weak(
                cur,
                cur | CLOSED | CANCELLED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Remembers a child's abort handle; aborts it at once if the group's
    /// children were already aborted.
    pub(crate) fn register(&self, handle: AbortHandle) {
        let mut reg = lock(&self.registry);
        if reg.aborted {
            drop(reg);
            handle.abort();
            return;
        }
        if reg.handles.len() >= reg.compact_at {
            reg.handles.retain(|h| !h.is_finished());
            reg.compact_at = (reg.handles.len() * 2).max(COMPACT_MIN);
        }
        reg.handles.push(handle);
    }

    /// Remembers a nested group, so that an abort of this group reaches it.
    pub(crate) fn register_group(&self, group: Weak<dyn Stop>) {
        let mut reg = lock(&self.registry);
        if reg.aborted && self.outcome().forced {
            drop(reg);
            if let Some(group) = group.upgrade() {
                group.stop_now();
            }
            return;
        }
        if reg.groups.len() >= reg.groups_compact_at {
            reg.groups.retain(|g| g.strong_count() > 0);
            reg.groups_compact_at = (reg.groups.len() * 2).max(COMPACT_MIN);
        }
        reg.groups.push(group);
    }

    /// Aborts every child task now. Nested groups are never aborted as
    /// tasks: they learn of the cancel through their token (a child of this
    /// group's), stop with their own grace period and join their children.
    /// With `force`, they are told to stop at once instead, without grace:
    /// what this group's own expired grace period or drop demands.
    pub(crate) fn abort_all(&self, force: bool) {
        let (handles, groups) = {
            let mut reg = lock(&self.registry);
            reg.aborted = true;
            let groups = if force { std::mem::take(&mut reg.groups) } else { Vec::new() };
            (std::mem::take(&mut reg.handles), groups)
        };
        for group in &groups {
            if let Some(group) = group.upgrade() {
                group.stop_now();
            }
        }
        for handle in &handles {
            handle.abort();
        }
    }

    /// Stops the group: no new children, the token is cancelled, and
    /// without a grace period every child is aborted at once. Idempotent;
    /// the first reason is the one remembered.
    pub(crate) fn cancel(&self, reason: Reason) {
        {
            let mut outcome = self.outcome();
            if outcome.reason.is_some() {
                return;
            }
            outcome.reason = Some(reason);
            outcome.cancelled_at = Some(Instant::now());
        }
        self.state.fetch_or(CANCELLED, Ordering::AcqRel);
        self.token.cancel();
        if self.config.grace.is_none() {
            self.abort_all(false);
        }
        self.waker.wake();
    }

    /// Cancels the group and aborts every child at once: what dropping an
    /// unfinished scope or an owned group does.
    pub(crate) fn cancel_now(&self) {
        self.cancel(Reason::Cancelled);
        self.outcome().forced = true;
        self.abort_all(true);
        self.waker.wake();
    }

    /// Whether the body must be dropped now: the group was stopped for a
    /// reason that includes the body, and the grace period (if any) is over.
    pub(crate) fn must_stop_body(&self, grace_over: bool) -> bool {
        if self.state.load(Ordering::Acquire) & CANCELLED == 0 {
            return false;
        }
        let outcome = self.outcome();
        match outcome.reason {
            None | Some(Reason::Succeeded) => outcome.forced,
            Some(Reason::Cancelled | Reason::Failure) => {
                outcome.forced || grace_over || self.config.grace.is_none()
            }
        }
    }

    pub(crate) fn outcome(&self) -> MutexGuard<'_, Outcome<E>> {
        lock(&self.outcome)
    }

    /// Records a failure and applies the policy to it.
    pub(crate) fn fail(&self, error: TaskError<E>) {
        self.outcome().errors.push(error);
        self.after_failure();
    }

    /// Records an uncaught panic: resumed in the joiner unless the group
    /// catches panics, in which case it is an entry like any error.
    pub(crate) fn panicked(&self, task: TaskInfo, payload: Box<dyn Any + Send>) {
        let message = panic_message(&*payload);
        tracing::debug!(target: "taskscope", task = %task, %message, "task panicked");
        {
            let mut outcome = self.outcome();
            if self.config.catch_panics {
                outcome.errors.push(TaskError::panicked(task, message));
            } else if outcome.panic.is_none() {
                outcome.panic = Some(payload);
            } else {
                tracing::error!(
                    target: "taskscope",
                    task = %task,
                    %message,
                    "a second task panicked; only the first panic is resumed"
                );
            }
        }
        self.after_failure();
    }

    fn after_failure(&self) {
        match self.config.policy {
            Policy::FailFast => self.cancel(Reason::Failure),
            Policy::CollectAll => {}
            Policy::FirstSuccess => self.waker.wake(),
        }
    }

    /// Under `FirstSuccess`, the first success stops the other children.
    pub(crate) fn succeeded(&self) {
        if self.config.policy == Policy::FirstSuccess {
            self.outcome().succeeded = true;
            self.cancel(Reason::Succeeded);
        }
    }

    /// Records the id of the task the group's body runs in.
    pub(crate) fn set_task_id(&self, id: Option<Id>) {
        let _ = self.task_id.set(id);
    }

    /// The group's own name: its builder name, or `task-<id>` when nested.
    pub(crate) fn name(&self) -> Arc<str> {
        match (&self.config.name, self.task_id.get().copied().flatten()) {
            (Some(name), _) => name.clone(),
            (None, Some(id)) if self.parent_path.is_some() => format!("task-{id}").into(),
            (None, _) => "".into(),
        }
    }

    /// The group's path from the root: parent path, then the group's name.
    pub(crate) fn path(&self) -> &Arc<str> {
        self.path.get_or_init(|| join_path(self.parent_path.as_deref(), &self.name()))
    }

    /// Describes the group itself as a task.
    pub(crate) fn info(&self) -> TaskInfo {
        let info = TaskInfo::new(self.name(), self.path().clone());
        match self.task_id.get().copied().flatten() {
            Some(id) => info.with_id(id),
            None => info,
        }
    }

    /// Describes a child: `name` or `task-<id>`, under the group's path.
    pub(crate) fn child_info(&self, name: Option<&Arc<str>>, id: Option<Id>) -> TaskInfo {
        let name: Arc<str> = match (name, id) {
            (Some(name), _) => name.clone(),
            (None, Some(id)) => format!("task-{id}").into(),
            (None, None) => "task".into(),
        };
        let info = TaskInfo::new(name.clone(), join_path(Some(self.path()), &name));
        match id {
            Some(id) => info.with_id(id),
            None => info,
        }
    }
}

fn join_path(parent: Option<&str>, name: &str) -> Arc<str> {
    match parent {
        Some(parent) if !parent.is_empty() => format!("{parent}/{name}").into(),
        _ => name.into(),
    }
}

/// Locks a mutex, ignoring poisoning: no code panics while holding these.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The message of a panic payload, when it is a string.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}
