//! The state one task group shares between its spawners, children and joiner.

use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::Duration;

use futures::task::AtomicWaker;
use taskscope_error_group::{ErrorGroup, ForeignErrors, TaskError, TaskInfo};
use tokio::task::{AbortHandle, Id};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::observe::{self, ChildMeta, DONE, FAILED, GroupView, Nest, RUNNING, WAITING};
use crate::slots::Slots;
use crate::state::GroupState;
use crate::{Builder, Policy, TaskKind, TaskNode, TaskState, TaskTree};

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
    /// The group's deadline passed.
    TimedOut,
}

/// The configuration a builder fixes for one group.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) policy: Policy,
    pub(crate) grace: Option<Duration>,
    pub(crate) catch_panics: bool,
    /// Keep per-child records for snapshots.
    pub(crate) track: bool,
    /// Warn when one poll of a child or the body takes longer than this.
    pub(crate) slow_poll: Option<Duration>,
    /// At most this many children run at once.
    pub(crate) limit: Option<usize>,
    /// The group's deadline, counted from its creation.
    pub(crate) timeout: Option<Duration>,
}

/// Called with a snapshot when the grace period ends with tasks still
/// running, just before they are aborted (`run` prints it).
pub(crate) type GraceHook = Box<dyn Fn(TaskTree) + Send + Sync>;

/// Shared state of one task group.
///
/// The hot path (spawn, child exit, `is_cancelled`) touches only `state`,
/// the registry mutex once per spawn, and the waker once per group: a child
/// that finishes decrements a counter, and only the last one wakes the
/// joiner.
pub(crate) struct Shared<E> {
    /// How many children are alive, and the cancelled and closed flags.
    state: GroupState,
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
    created: Instant,
    body_state: AtomicU8,
    body_polls: AtomicU64,
    pub(crate) grace_hook: OnceLock<GraceHook>,
    /// The group this one is nested in, held open until this group's
    /// children are all gone.
    parent: Mutex<Option<Arc<dyn GroupView>>>,
    /// This group's joiner was dropped before it finished: the group ends
    /// when its last (aborted) child is gone, and hands its errors up.
    orphaned: AtomicBool,
    /// The running-children limit, if the group has one.
    pub(crate) slots: Option<Arc<Slots>>,
    /// When the group's timeout fires, if it has one.
    deadline: Option<Instant>,
    /// Under `FirstSuccess`, what scopes nested in the *body* inherit: the
    /// first success stops the other children, not the body, so it must
    /// not cancel the body's own scopes either. Cancelled by every other
    /// stop, and when the group ends.
    body_token: Option<CancellationToken>,
    /// Holds nested groups keep on this group (counted in `state` too).
    holds: AtomicUsize,
    /// `release_parent`, captured where `E: Send + 'static` is known, so
    /// that code without that bound (a child's exit, `Drop`) can call it.
    release_parent_fn: fn(&Shared<E>),
}

/// The children, so that a cancel can reach every one and a snapshot can
/// describe them.
struct Registry {
    handles: Vec<AbortHandle>,
    /// Per-child records, in tracked groups only.
    metas: Vec<Arc<ChildMeta>>,
    /// Nested groups are not aborted: they are told to stop, and they
    /// abort and join their own children, so no grandchild outlives them.
    groups: Vec<Weak<dyn GroupView>>,
    /// The tasks that run nested groups: never aborted, only waited for
    /// (see `Shared::reap_finished`).
    group_tasks: Vec<AbortHandle>,
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
    /// The group's deadline fired: the result is an error whatever else
    /// happens (DESIGN rule 23).
    pub(crate) timed_out: bool,
    /// How many failures were recorded (errors are taken at the end).
    pub(crate) failures: usize,
}

const COMPACT_MIN: usize = 64;

impl<E: Send + 'static> GroupView for Shared<E> {
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn cancel(&self) {
        Shared::cancel(self, Reason::Cancelled);
    }

    fn stop_now(&self) {
        self.cancel_now();
    }

    fn snapshot(&self, now: Instant) -> TaskNode {
        self.snapshot_at(now)
    }

    fn hold(&self) {
        self.holds.fetch_add(1, Ordering::Relaxed);
        self.state.hold();
    }

    fn release(&self) {
        self.holds.fetch_sub(1, Ordering::Relaxed);
        self.exit();
    }

    fn nest(&self) -> Nest {
        Nest {
            path: self.path().clone(),
            token: self.token.child_token(),
            track: self.config.track,
            slow_poll: self.config.slow_poll,
            catch_panics: self.config.catch_panics,
        }
    }

    fn adopt(&self, task: TaskInfo, errors: Box<dyn Any + Send>, foreign: ForeignErrorsFn) {
        match errors.downcast::<ErrorGroup<E>>() {
            Ok(group) => self.fail(TaskError::group(task, *group)),
            // Another error type: kept whole, type-erased, so nothing is lost.
            Err(errors) => self.fail(TaskError::Foreign { task, errors: foreign(errors) }),
        }
    }

    fn adopt_panic(&self, task: TaskInfo, payload: Box<dyn Any + Send>) {
        self.panicked(task, payload);
    }

    fn register_nested(&self, group: Weak<dyn GroupView>) {
        self.register_group(group);
    }
}

/// The group as seen from its body under `FirstSuccess`: the same group,
/// except that scopes nested in the body inherit the body's token.
pub(crate) struct BodyView<E>(pub(crate) Arc<Shared<E>>);

impl<E: Send + 'static> GroupView for BodyView<E> {
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }

    fn cancel(&self) {
        GroupView::cancel(&*self.0);
    }

    fn stop_now(&self) {
        self.0.stop_now();
    }

    fn snapshot(&self, now: Instant) -> TaskNode {
        self.0.snapshot_at(now)
    }

    fn hold(&self) {
        self.0.hold();
    }

    fn release(&self) {
        GroupView::release(&*self.0);
    }

    fn nest(&self) -> Nest {
        let mut nest = self.0.nest();
        if let Some(body_token) = &self.0.body_token {
            nest.token = body_token.child_token();
        }
        nest
    }

    fn adopt(&self, task: TaskInfo, errors: Box<dyn Any + Send>, foreign: ForeignErrorsFn) {
        self.0.adopt(task, errors, foreign);
    }

    fn adopt_panic(&self, task: TaskInfo, payload: Box<dyn Any + Send>) {
        self.0.adopt_panic(task, payload);
    }

    fn register_nested(&self, group: Weak<dyn GroupView>) {
        self.0.register_nested(group);
    }
}

impl<E: Send + 'static> Shared<E> {
    /// The view the body runs under: the group itself, or under
    /// `FirstSuccess` a [`BodyView`].
    pub(crate) fn body_view(self: &Arc<Self>) -> Arc<dyn GroupView> {
        if self.body_token.is_some() { Arc::new(BodyView(self.clone())) } else { self.clone() }
    }

    /// Creates a group: a root, or a group nested in `parent`, which it
    /// inherits cancellation, path and settings from and holds open until
    /// its own children are gone.
    pub(crate) fn create(builder: Builder, parent: Option<Arc<dyn GroupView>>) -> Arc<Self> {
        match parent {
            None => {
                let shared =
                    Arc::new(Shared::new(builder.into_config(None), None, Self::release_parent));
                if shared.config.track {
                    observe::register_root(Arc::downgrade(&shared) as Weak<dyn GroupView>);
                }
                shared
            }
            Some(parent) => {
                let nest = parent.nest();
                let config = builder.into_config(Some(&nest));
                parent.hold();
                let parent_ = Some((nest, parent.clone()));
                let shared = Arc::new(Shared::new(config, parent_, Self::release_parent));
                parent.register_nested(Arc::downgrade(&shared) as Weak<dyn GroupView>);
                shared
            }
        }
    }

    /// Lets the parent finish, once this group's children are all gone.
    /// An orphaned group first hands its errors and panic to the parent,
    /// since nobody else will ever see them.
    pub(crate) fn release_parent(&self) {
        let Some(parent) = lock(&self.parent).take() else { return };

        if self.orphaned.load(Ordering::SeqCst) {
            let (errors, panic) = {
                let mut outcome = self.outcome();
                (std::mem::take(&mut outcome.errors), outcome.panic.take())
            };
            if !errors.is_empty() {
                // A cancel (its parent's, or the drop of its joiner) stopped it.
                let mut group = ErrorGroup::new(self.info());
                group.extend(errors);
                group.set_cancelled(true);
                parent.adopt(self.info(), Box::new(group), foreign_errors::<E>);
            }
            if let Some(payload) = panic {
                parent.adopt_panic(self.info(), payload);
            }
        }
        parent.release();
    }
}

/// A group dropped while still holding its parent (its joiner never ran,
/// or never finished) lets the parent go, handing up any errors.
impl<E> Drop for Shared<E> {
    fn drop(&mut self) {
        self.orphaned.store(true, Ordering::SeqCst);
        (self.release_parent_fn)(self);
    }
}

impl<E> Shared<E> {
    fn new(
        config: Config,
        parent: Option<(Nest, Arc<dyn GroupView>)>,
        release_parent_fn: fn(&Shared<E>),
    ) -> Self {
        let (parent_path, token, parent) = match parent {
            Some((nest, parent)) => (Some(nest.path), nest.token, Some(parent)),
            None => (None, CancellationToken::new(), None),
        };
        let created = Instant::now();
        let deadline = config.timeout.and_then(|t| created.checked_add(t));
        let slots = config.limit.map(Slots::new);
        let body_token = (config.policy == Policy::FirstSuccess).then(CancellationToken::new);
        Shared {
            body_token,
            slots,
            deadline,
            state: GroupState::new(),
            waker: AtomicWaker::new(),
            registry: Mutex::new(Registry {
                handles: Vec::new(),
                metas: Vec::new(),
                groups: Vec::new(),
                group_tasks: Vec::new(),
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
                timed_out: false,
                failures: 0,
            }),
            token,
            config,
            parent_path,
            task_id: OnceLock::new(),
            path: OnceLock::new(),
            created,
            body_state: AtomicU8::new(DONE),
            body_polls: AtomicU64::new(0),
            grace_hook: OnceLock::new(),
            parent: Mutex::new(parent),
            orphaned: AtomicBool::new(false),
            holds: AtomicUsize::new(0),
            release_parent_fn,
        }
    }

    pub(crate) fn token(&self) -> &CancellationToken {
        &self.token
    }

    pub(crate) fn register_waker(&self, waker: &std::task::Waker) {
        self.waker.register(waker);
    }

    /// Number of children that have not finished (a nested group counts
    /// once, though it also holds the group open until its own children
    /// are gone).
    pub(crate) fn live(&self) -> usize {
        self.state.load().live().saturating_sub(self.holds.load(Ordering::Relaxed))
    }

    /// Whether anything still keeps the group open.
    fn occupied(&self) -> bool {
        self.state.load().live() != 0
    }

    /// Lock-free: whether the group was cancelled or has finished.
    pub(crate) fn is_cancelled(&self) -> bool {
        let now = self.state.load();
        now.is_cancelled() || now.is_closed()
    }

    /// Counts a new child in, unless the group no longer takes children.
    pub(crate) fn try_enter(&self) -> bool {
        match self.state.try_enter() {
            Ok(()) => true,
            Err(last) => {
                if last {
                    self.last_out();
                }
                false
            }
        }
    }

    /// Counts a child out; the last one out wakes the joiner (or, when
    /// the joiner is gone, ends the group).
    pub(crate) fn exit(&self) {
        if self.state.exit() {
            self.last_out();
        }
    }

    fn last_out(&self) {
        let _ = self.reap_finished();
        self.waker.wake();
        if self.orphaned.load(Ordering::SeqCst) {
            (self.release_parent_fn)(self);
        }
    }

    /// Closes the group if no child is alive. Spawns racing with this either
    /// got in first (and the close fails) or see it closed and back out.
    pub(crate) fn try_close(&self) -> bool {
        self.state.try_close()
    }

    /// The group's joiner was dropped before the group finished: it ends
    /// when its last child is gone.
    pub(crate) fn orphan(&self) {
        self.orphaned.store(true, Ordering::SeqCst);
        if !self.occupied() {
            (self.release_parent_fn)(self);
        }
    }

    /// The group has finished: let its parent go.
    pub(crate) fn finished(&self) {
        if let Some(body_token) = &self.body_token {
            body_token.cancel();
        }
        self.record_end();
        (self.release_parent_fn)(self);
    }

    /// Adds the group's lifetime to a running trace recorder.
    pub(crate) fn record_end(&self) {
        #[cfg(feature = "trace-export")]
        if self.config.track {
            crate::trace_export::record(|| {
                let outcome = self.outcome();
                crate::trace_export::Event {
                    path: self.path().to_string(),
                    kind: "group",
                    id: self.own_id(),
                    start: self.created,
                    end: Instant::now(),
                    outcome: if outcome.failures > 0 {
                        "failed"
                    } else if outcome.reason == Some(Reason::Cancelled) {
                        "cancelled"
                    } else {
                        "done"
                    },
                }
            });
        }
    }

    /// Remembers a child's abort handle (and its record, in a tracked
    /// group); aborts it at once if the group's children were aborted.
    pub(crate) fn register(&self, handle: AbortHandle, meta: Option<Arc<ChildMeta>>) {
        let mut reg = lock(&self.registry);
        if reg.aborted {
            // Still kept, so that the group waits for tokio to finish it.
            handle.abort();
        }
        if reg.handles.len() >= reg.compact_at {
            reg.handles.retain(|h| !h.is_finished());
            reg.metas.retain(|m| m.is_live());
            reg.compact_at = (reg.handles.len() * 2).max(COMPACT_MIN);
        }
        reg.handles.push(handle);
        if let Some(meta) = meta {
            reg.metas.push(meta);
        }
    }

    /// Drops what the registry keeps of children whose tasks tokio has
    /// finished, and says whether none is left unfinished. A child counts
    /// itself out when its future is dropped and tokio marks its task
    /// complete just after, so on another worker thread the group can see
    /// its count reach zero in between: the driver calls this before it
    /// returns. The last child out calls it too, so that a long-lived group
    /// that went quiet frees its children's task cells now rather than at
    /// the registry's next compaction, which may never come. Each entry is
    /// dropped once (amortised O(1) per child). Per-child records of a
    /// tracked group stay until the compaction, so that a snapshot still
    /// shows how children ended.
    pub(crate) fn reap_finished(&self) -> bool {
        let mut reg = lock(&self.registry);
        reg.handles.retain(|h| !h.is_finished());
        reg.group_tasks.retain(|h| !h.is_finished());
        reg.compact_at = (reg.handles.len() * 2).max(COMPACT_MIN);
        reg.handles.is_empty() && reg.group_tasks.is_empty()
    }

    /// Remembers the task that runs a nested group, to wait for it.
    pub(crate) fn register_group_task(&self, handle: AbortHandle) {
        let mut reg = lock(&self.registry);
        if reg.group_tasks.len() >= reg.groups_compact_at {
            reg.group_tasks.retain(|h| !h.is_finished());
        }
        reg.group_tasks.push(handle);
    }

    /// Remembers a nested group, so that an abort of this group reaches it.
    fn register_group(&self, group: Weak<dyn GroupView>) {
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
        // Kept (those still running), so that the group waits for tokio to
        // finish them.
        let mut handles = handles;
        handles.retain(|h| !h.is_finished());
        lock(&self.registry).handles.append(&mut handles);
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
        self.state.cancel();
        if let (Some(body_token), false) = (&self.body_token, reason == Reason::Succeeded) {
            body_token.cancel();
        }
        if let Some(slots) = &self.slots {
            // Children still queued for a slot never started: nothing to
            // be graceful about.
            slots.close();
        }
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
        if !self.state.load().is_cancelled() {
            return false;
        }
        let outcome = self.outcome();
        match outcome.reason {
            None | Some(Reason::Succeeded) => outcome.forced,
            Some(Reason::Cancelled | Reason::Failure | Reason::TimedOut) => {
                outcome.forced || grace_over || self.config.grace.is_none()
            }
        }
    }

    pub(crate) fn outcome(&self) -> MutexGuard<'_, Outcome<E>> {
        lock(&self.outcome)
    }

    /// Records a failure and applies the policy to it.
    pub(crate) fn fail(&self, error: TaskError<E>) {
        {
            let mut outcome = self.outcome();
            outcome.errors.push(error);
            outcome.failures += 1;
        }
        self.after_failure();
    }

    /// Records an uncaught panic: resumed in the joiner unless the group
    /// catches panics, in which case it is an entry like any error.
    pub(crate) fn panicked(&self, task: TaskInfo, payload: Box<dyn Any + Send>) {
        let message = panic_message(&*payload);
        tracing::debug!(target: "taskscope", task = %task, %message, "task panicked");
        {
            let mut outcome = self.outcome();
            outcome.failures += 1;
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

    /// Whether a cancel (not a failure or a deadline) stopped the group.
    pub(crate) fn stopped_by_cancel(&self) -> bool {
        self.outcome().reason == Some(Reason::Cancelled)
    }

    /// When the group's timeout fires, if it has one.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The group's deadline passed: record it, then cancel the group.
    pub(crate) fn time_out(&self) {
        let after = self.config.timeout.unwrap_or_default();
        {
            let mut outcome = self.outcome();
            if outcome.reason.is_some() {
                // Already stopping (cancelled, failed, or timed out): the
                // deadline adds nothing.
                return;
            }
            outcome.timed_out = true;
            outcome.failures += 1;
            outcome.errors.push(TaskError::timed_out(self.info(), after));
        }
        tracing::debug!(target: "taskscope", group = %self.path(), ?after, "task group timed out");
        self.cancel(Reason::TimedOut);
    }

    /// Records the id of the task the group's body runs in.
    pub(crate) fn set_task_id(&self, id: Option<Id>) {
        let _ = self.task_id.set(id);
    }

    fn own_id(&self) -> Option<Id> {
        self.task_id.get().copied().flatten()
    }

    /// The group's own name: its builder name, or `task-<id>` when nested.
    pub(crate) fn name(&self) -> Arc<str> {
        match (&self.config.name, self.own_id()) {
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
        match self.own_id() {
            Some(id) => info.with_id(id),
            None => info,
        }
    }

    /// Describes a child: `name` or `task-<id>`, under the group's path.
    pub(crate) fn child_info(&self, name: Option<&Arc<str>>, id: Option<Id>) -> TaskInfo {
        let name = child_name(name, id);
        let info = TaskInfo::new(name.clone(), join_path(Some(self.path()), &name));
        match id {
            Some(id) => info.with_id(id),
            None => info,
        }
    }

    /// The body's entry in errors and snapshots.
    pub(crate) fn body_info(&self) -> TaskInfo {
        let info = TaskInfo::new("body", join_path(Some(self.path()), "body"));
        match tokio::task::try_id() {
            Some(id) => info.with_id(id),
            None => info,
        }
    }

    /// Marks the start and end of one poll of the body, for snapshots.
    pub(crate) fn body_polled(&self, state: u8) {
        if state == RUNNING {
            self.body_polls.fetch_add(1, Ordering::Relaxed);
        }
        self.body_state.store(state, Ordering::Relaxed);
    }

    /// A snapshot of this group, its body, its tracked children and its
    /// nested groups, taken at `now`.
    pub(crate) fn snapshot_at(&self, now: Instant) -> TaskNode {
        let flags = self.state.load();
        let cancelling = flags.is_cancelled();
        let state = if flags.is_closed() {
            if self.outcome().failures > 0 { TaskState::Failed } else { TaskState::Done }
        } else if cancelling {
            TaskState::Cancelling
        } else {
            TaskState::Running
        };
        let (metas, groups) = {
            let reg = lock(&self.registry);
            let metas: Vec<Arc<ChildMeta>> =
                reg.metas.iter().filter(|m| m.is_live()).cloned().collect();
            let groups: Vec<Arc<dyn GroupView>> =
                reg.groups.iter().filter_map(Weak::upgrade).collect();
            (metas, groups)
        };
        let mut children = Vec::new();
        let body = self.body_state.load(Ordering::Relaxed);
        if body < DONE {
            let info = TaskInfo::new("body", join_path(Some(self.path()), "body"));
            children.push(TaskNode {
                name: info.name().to_owned(),
                path: info.path().to_owned(),
                id: self.own_id(),
                kind: TaskKind::Body,
                state: live_state(body, cancelling),
                age: now.saturating_duration_since(self.created),
                polls: Some(self.body_polls.load(Ordering::Relaxed)),
                children: Vec::new(),
                untracked: 0,
            });
        }
        for meta in &metas {
            let id = meta.id.get().copied();
            let info = self.child_info(meta.name.as_ref(), id);
            children.push(TaskNode {
                name: info.name().to_owned(),
                path: info.path().to_owned(),
                id,
                kind: TaskKind::Task,
                state: live_state(meta.state.load(Ordering::Relaxed), cancelling),
                age: now.saturating_duration_since(meta.spawned),
                polls: Some(meta.polls.load(Ordering::Relaxed)),
                children: Vec::new(),
                untracked: 0,
            });
        }
        let nested: Vec<TaskNode> = groups
            .iter()
            .map(|g| g.snapshot(now))
            .filter(|n| !matches!(n.state, TaskState::Done | TaskState::Failed))
            .collect();
        let children_live = flags.live().saturating_sub(self.holds.load(Ordering::Relaxed));
        let untracked = children_live.saturating_sub(metas.len() + nested.len());
        children.extend(nested);
        TaskNode {
            name: self.name().to_string(),
            path: self.path().to_string(),
            id: self.own_id(),
            kind: TaskKind::Group,
            state,
            age: now.saturating_duration_since(self.created),
            polls: None,
            children,
            untracked,
        }
    }

    /// A snapshot of this group as a one-root tree.
    pub(crate) fn snapshot(&self) -> TaskTree {
        TaskTree::new(vec![self.snapshot_at(Instant::now())])
    }
}

/// Rebuilds the boxed `ErrorGroup<E>` of a nested group as
/// [`ForeignErrors`] for a parent of another error type.
pub(crate) type ForeignErrorsFn = fn(Box<dyn Any + Send>) -> ForeignErrors;

fn foreign_errors<E: Send + 'static>(group: Box<dyn Any + Send>) -> ForeignErrors {
    match group.downcast::<ErrorGroup<E>>() {
        Ok(group) => ForeignErrors::new(*group),
        // Unreachable by construction (the box is always an ErrorGroup<E>);
        // an empty foreign group rather than a panic.
        Err(_) => ForeignErrors::new(ErrorGroup::<E>::new(TaskInfo::new("", ""))),
    }
}

fn live_state(state: u8, cancelling: bool) -> TaskState {
    match state {
        _ if cancelling => TaskState::Cancelling,
        RUNNING => TaskState::Running,
        WAITING => TaskState::Waiting,
        FAILED => TaskState::Failed,
        _ => TaskState::Done,
    }
}

/// A child's name: the one it was given, or `task-<id>`.
pub(crate) fn child_name(name: Option<&Arc<str>>, id: Option<Id>) -> Arc<str> {
    match (name, id) {
        (Some(name), _) => name.clone(),
        (None, Some(id)) => format!("task-{id}").into(),
        (None, None) => "task".into(),
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
