//! What a tracked group records about its tasks, and the process-wide list
//! of tracked root groups behind `tasks()`.

use std::any::Any;
use std::cell::Cell;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::Duration;

use taskscope_error_group::TaskInfo;
use tokio::task::Id;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::TaskNode;

pub(crate) const WAITING: u8 = 0;
pub(crate) const RUNNING: u8 = 1;
pub(crate) const DONE: u8 = 2;
pub(crate) const FAILED: u8 = 3;

/// Per-child record of a tracked group: shared by the child's future
/// (which updates it on every poll) and the group's registry (which reads
/// it for snapshots).
#[derive(Debug)]
pub(crate) struct ChildMeta {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) id: OnceLock<Id>,
    pub(crate) spawned: Instant,
    pub(crate) polls: AtomicU64,
    pub(crate) state: AtomicU8,
    /// The child's path, kept only while a trace recorder runs.
    #[cfg(feature = "trace-export")]
    pub(crate) path: OnceLock<Arc<str>>,
}

impl ChildMeta {
    pub(crate) fn new(name: Option<Arc<str>>) -> Self {
        ChildMeta {
            name,
            id: OnceLock::new(),
            spawned: Instant::now(),
            polls: AtomicU64::new(0),
            state: AtomicU8::new(WAITING),
            #[cfg(feature = "trace-export")]
            path: OnceLock::new(),
        }
    }

    pub(crate) fn begin_poll(&self) {
        self.polls.fetch_add(1, Ordering::Relaxed);
        self.state.store(RUNNING, Ordering::Relaxed);
    }

    pub(crate) fn end_poll(&self, state: u8) {
        self.state.store(state, Ordering::Relaxed);
    }

    pub(crate) fn is_live(&self) -> bool {
        self.state.load(Ordering::Relaxed) < DONE
    }
}

/// Poll-level bookkeeping of a child: which name it carries and, in a
/// tracked group, its [`ChildMeta`]. `()` costs nothing.
pub(crate) trait Label: Send + Sync + 'static {
    fn name(&self) -> Option<&Arc<str>>;

    fn meta(&self) -> Option<&ChildMeta> {
        None
    }
}

impl Label for () {
    fn name(&self) -> Option<&Arc<str>> {
        None
    }
}

impl Label for Arc<str> {
    fn name(&self) -> Option<&Arc<str>> {
        Some(self)
    }
}

impl Label for Option<Arc<str>> {
    fn name(&self) -> Option<&Arc<str>> {
        self.as_ref()
    }
}

/// The label of a child in a tracked group. Dropping it (with the child's
/// future, however the child ended: finished, failed or aborted) marks the
/// record finished, so snapshots never show a child that is gone.
#[derive(Debug)]
pub(crate) struct Tracked(pub(crate) Arc<ChildMeta>);

impl Drop for Tracked {
    fn drop(&mut self) {
        let before = self.0.state.swap(DONE, Ordering::Relaxed);
        if before == FAILED {
            self.0.state.store(FAILED, Ordering::Relaxed);
        }
        #[cfg(feature = "trace-export")]
        crate::trace_export::record(|| {
            let meta = &self.0;
            crate::trace_export::Event {
                path: meta.path.get().map(|p| p.to_string()).unwrap_or_default(),
                kind: "task",
                id: meta.id.get().copied(),
                start: meta.spawned,
                end: Instant::now(),
                outcome: match before {
                    DONE => "done",
                    FAILED => "failed",
                    _ => "cancelled",
                },
            }
        });
    }
}

impl Label for Tracked {
    fn name(&self) -> Option<&Arc<str>> {
        self.0.name.as_ref()
    }

    fn meta(&self) -> Option<&ChildMeta> {
        Some(&self.0)
    }
}

/// A group seen without its error type: by its nested groups (hold it
/// open, hand it their errors), by its parent (stop it, snapshot it), and
/// by the process-wide list of root groups.
pub(crate) trait GroupView: Send + Sync {
    /// The group itself, to get the typed `Arc` back without touching its
    /// reference count.
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
    /// `cancel()`: stop gracefully.
    fn cancel(&self);
    fn stop_now(&self);
    fn snapshot(&self, now: Instant) -> TaskNode;
    /// Keeps the group from finishing (one more live child), even when
    /// it is cancelled: a nested group holds its parent until its own
    /// children are gone.
    fn hold(&self);
    /// Undoes one `hold`.
    fn release(&self);
    /// What a nested group takes from this one.
    fn nest(&self) -> Nest;
    /// Errors of a nested group that was dropped before it could report
    /// them (its `ErrorGroup<F>`, boxed): one nested-group entry if `F` is
    /// this group's error type, otherwise a `TaskError::Foreign` entry made
    /// by `foreign`, so that nothing is lost.
    fn adopt(
        &self,
        task: TaskInfo,
        errors: Box<dyn Any + Send>,
        foreign: crate::shared::ForeignErrorsFn,
    );
    /// The uncaught panic of a nested group that was dropped.
    fn adopt_panic(&self, task: TaskInfo, payload: Box<dyn Any + Send>);
    /// Remembers a nested group, for stops and snapshots.
    fn register_nested(&self, group: Weak<dyn GroupView>);
}

/// What a nested group inherits from its parent.
pub(crate) struct Nest {
    pub(crate) path: Arc<str>,
    pub(crate) token: CancellationToken,
    pub(crate) track: bool,
    pub(crate) slow_poll: Option<Duration>,
    pub(crate) catch_panics: bool,
}

thread_local! {
    /// The group whose body or child is being polled on this thread, so
    /// that a scope created there becomes a nested group of it.
    static CURRENT: Cell<Option<Arc<dyn GroupView>>> = const { Cell::new(None) };
}

/// The group whose code is running on this thread, if any.
pub(crate) fn current() -> Option<Arc<dyn GroupView>> {
    CURRENT.with(|cell| {
        let group = cell.take();
        let copy = group.clone();
        cell.set(group);
        copy
    })
}

/// Runs `f` with `group` as the current group, moving the `Arc` in and
/// out of the thread-local (no reference-count traffic).
pub(crate) fn with_current<R>(group: &mut Option<Arc<dyn GroupView>>, f: impl FnOnce() -> R) -> R {
    let prev = CURRENT.with(|cell| cell.replace(group.take()));
    let out = f();
    *group = CURRENT.with(|cell| cell.replace(prev));
    out
}

/// Cancels an owned group when its token is cancelled from outside: an owned
/// group has no joiner watching the token until `join` is awaited. Ends when
/// the token is cancelled, which the group does itself when it finishes or
/// is dropped, so it never outlives the group.
pub(crate) async fn watch_token(group: Weak<dyn GroupView>, token: CancellationToken) {
    token.cancelled().await;
    if let Some(group) = group.upgrade() {
        group.cancel();
    }
}

/// Weak references to every tracked root group, for `tasks()`.
struct Roots {
    groups: Vec<Weak<dyn GroupView>>,
    compact_at: usize,
}

static ROOTS: Mutex<Roots> = Mutex::new(Roots { groups: Vec::new(), compact_at: 16 });

pub(crate) fn register_root(group: Weak<dyn GroupView>) {
    let mut roots = ROOTS.lock().unwrap_or_else(PoisonError::into_inner);
    if roots.groups.len() >= roots.compact_at {
        roots.groups.retain(|g| g.strong_count() > 0);
        roots.compact_at = (roots.groups.len() * 2).max(16);
    }
    roots.groups.push(group);
}

/// Snapshots of every tracked root group that still exists.
pub(crate) fn root_snapshots() -> Vec<TaskNode> {
    let groups: Vec<Arc<dyn GroupView>> = {
        let roots = ROOTS.lock().unwrap_or_else(PoisonError::into_inner);
        roots.groups.iter().filter_map(Weak::upgrade).collect()
    };
    let now = Instant::now();
    groups.iter().map(|g| g.snapshot(now)).collect()
}

/// Measures one poll against the slow-poll threshold, if there is one.
pub(crate) struct PollTimer(Option<(std::time::Instant, Duration)>);

impl PollTimer {
    pub(crate) fn start(threshold: Option<Duration>) -> Self {
        PollTimer(threshold.map(|t| (std::time::Instant::now(), t)))
    }

    /// Warns, naming the task, if the poll blocked longer than allowed.
    pub(crate) fn finish(self, what: impl FnOnce() -> (Arc<str>, Option<Id>)) {
        if let Some((start, threshold)) = self.0 {
            let took = start.elapsed();
            if took > threshold {
                let (path, id) = what();
                tracing::warn!(
                    target: "taskscope",
                    task = %path,
                    task_id = ?id.map(|id| id.to_string()),
                    blocked_for = ?took,
                    threshold = ?threshold,
                    "a single poll of task `{path}` blocked the runtime for {took:?}"
                );
            }
        }
    }
}
