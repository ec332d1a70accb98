//! Errors of the task-group crate: `JoinError`, `SpawnError` and `BuildError`.

use std::fmt;
use std::sync::Arc;

use tokio::task::Id;

/// Why awaiting a [`TaskHandle`](crate::TaskHandle) (or a
/// [`start`](crate::Spawner::start)) did not produce the child's value.
///
/// A child's own error is not in here: it went to the group, which reports
/// it in its [`ErrorGroup`](crate::ErrorGroup) (an error can only live in
/// one place, and the group is the place that never loses it). The handle
/// learns only *that* the child failed, was cancelled, panicked, was never
/// spawned because the group was closed, or (for `start`) ended without
/// reporting that it started.
///
/// `JoinError` is `Send + Sync + 'static` and implements
/// [`std::error::Error`], so `handle.await?` works in a body whose error
/// type is `anyhow::Error` or `Box<dyn Error + Send + Sync>`; for your own
/// error enum, add a `#[from] taskscope::JoinError` variant.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::{Policy, TaskGroup};
///
/// let result = TaskGroup::builder()
///     .policy(Policy::CollectAll)
///     .scope(async |tg| {
///         let handle = tg.spawn_named("parse", async { Err::<(), _>("bad input") });
///         let err = handle.await.unwrap_err();
///         assert!(err.is_failed());
///         assert_eq!(err.to_string(), "task `parse` failed; its error is in the group's ErrorGroup");
///         Ok(())
///     })
///     .await;
/// assert_eq!(result.unwrap_err().first().and_then(|e| e.as_failed()), Some(&"bad input"));
/// # }
/// ```
#[derive(Clone)]
pub struct JoinError {
    kind: Kind,
    name: Option<Arc<str>>,
    id: Option<Id>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Failed,
    Panicked,
    Cancelled,
    Closed,
    NotStarted,
}

impl JoinError {
    pub(crate) fn failed(name: Option<Arc<str>>, id: Option<Id>) -> Self {
        JoinError { kind: Kind::Failed, name, id }
    }

    pub(crate) fn panicked(name: Option<Arc<str>>, id: Option<Id>) -> Self {
        JoinError { kind: Kind::Panicked, name, id }
    }

    pub(crate) fn cancelled(name: Option<Arc<str>>, id: Option<Id>) -> Self {
        JoinError { kind: Kind::Cancelled, name, id }
    }

    pub(crate) fn closed(name: Option<Arc<str>>) -> Self {
        JoinError { kind: Kind::Closed, name, id: None }
    }

    pub(crate) fn not_started(name: Option<Arc<str>>, id: Option<Id>) -> Self {
        JoinError { kind: Kind::NotStarted, name, id }
    }

    /// The child returned an error; the error itself is in the group's
    /// [`ErrorGroup`](crate::ErrorGroup).
    ///
    /// # Examples
    ///
    /// See the [type-level example](JoinError).
    pub fn is_failed(&self) -> bool {
        self.kind == Kind::Failed
    }

    /// The child panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::{Policy, TaskGroup};
    /// let result = TaskGroup::builder()
    ///     .catch_panics()
    ///     .policy(Policy::CollectAll)
    ///     .scope(async |tg| {
    ///         let handle = tg.spawn(async { if true { panic!("bug") }; Ok::<(), ()>(()) });
    ///         assert!(handle.await.unwrap_err().is_panic());
    ///         Ok(())
    ///     })
    ///     .await;
    /// assert!(result.unwrap_err().first().unwrap().is_panic());
    /// # }
    /// ```
    pub fn is_panic(&self) -> bool {
        self.kind == Kind::Panicked
    }

    /// The child was cancelled: aborted through its handle, or stopped by
    /// its group. Cancellation is never a failure of the group.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::future::pending;
    /// taskscope::scope(async |tg| {
    ///     let handle = tg.spawn(pending::<Result<(), ()>>());
    ///     handle.abort();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    ///     Ok(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.kind == Kind::Cancelled
    }

    /// The group was closed (cancelled or finished) when the child was
    /// spawned, so it never ran.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let mut kept = None;
    /// taskscope::scope(async |tg| {
    ///     kept = Some(tg.clone());
    ///     Ok::<_, ()>(())
    /// })
    /// .await
    /// .unwrap();
    /// let late = kept.unwrap().spawn(async { Ok(()) });
    /// assert!(late.await.unwrap_err().is_closed());
    /// # }
    /// ```
    pub fn is_closed(&self) -> bool {
        self.kind == Kind::Closed
    }

    /// The child given to [`start`](crate::Spawner::start) finished
    /// without calling [`Ready::started`](crate::Ready::started).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// taskscope::scope(async |tg| {
    ///     let err = tg.start(|_ready: taskscope::Ready<u16>| async { Ok(()) }).await.unwrap_err();
    ///     assert!(err.is_not_started());
    ///     Ok::<_, ()>(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    pub fn is_not_started(&self) -> bool {
        self.kind == Kind::NotStarted
    }

    /// The child's name, if it was spawned with one.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::future::pending;
    /// taskscope::scope(async |tg| {
    ///     let handle = tg.spawn_named("idle", pending::<Result<(), ()>>());
    ///     handle.abort();
    ///     assert_eq!(handle.await.unwrap_err().name(), Some("idle"));
    ///     Ok(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The child's tokio task id, if it was spawned.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::future::pending;
    /// taskscope::scope(async |tg| {
    ///     let handle = tg.spawn(pending::<Result<(), ()>>());
    ///     let id = handle.id();
    ///     handle.abort();
    ///     assert_eq!(handle.await.unwrap_err().id(), id);
    ///     Ok(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    pub fn id(&self) -> Option<Id> {
        self.id
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("JoinError");
        d.field("kind", &self.kind);
        if let Some(name) = &self.name {
            d.field("name", name);
        }
        if let Some(id) = self.id {
            d.field("id", &format_args!("{id}"));
        }
        d.finish()
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let task = TaskName(self);
        match self.kind {
            Kind::Failed => write!(f, "task {task} failed; its error is in the group's ErrorGroup"),
            Kind::Panicked => write!(f, "task {task} panicked"),
            Kind::Cancelled => write!(f, "task {task} was cancelled"),
            Kind::Closed => {
                write!(
                    f,
                    "task {task} was not spawned: the task group is closed (cancelled or finished)"
                )
            }
            Kind::NotStarted => write!(f, "task {task} finished without calling `Ready::started`"),
        }
    }
}

struct TaskName<'a>(&'a JoinError);

impl fmt::Display for TaskName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.0.name, self.0.id) {
            (Some(name), _) => write!(f, "`{name}`"),
            (None, Some(id)) => write!(f, "`task-{id}`"),
            (None, None) => f.write_str("(unnamed)"),
        }
    }
}

impl std::error::Error for JoinError {}

/// A child that could not be spawned, handed back so nothing is lost.
///
/// Returned by [`Spawner::try_spawn`](crate::Spawner::try_spawn). The
/// future inside never ran; take it back with
/// [`into_inner`](Self::into_inner) to run it elsewhere or drop it
/// knowingly.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::SpawnError;
///
/// let mut kept = None;
/// taskscope::scope(async |tg| {
///     kept = Some(tg.clone());
///     Ok::<_, ()>(())
/// })
/// .await
/// .unwrap();
///
/// match kept.unwrap().try_spawn(async { Ok(42) }) {
///     Err(SpawnError::Closed(fut)) => assert_eq!(fut.await, Ok(42)),
///     _ => unreachable!("the scope has finished"),
/// }
/// # }
/// ```
#[non_exhaustive]
pub enum SpawnError<F> {
    /// The group was cancelled or has finished; it takes no new children.
    Closed(F),
    /// The group is at its [limit](crate::Builder::limit) of running
    /// children.
    Full(F),
}

impl<F> SpawnError<F> {
    /// Whether the group was closed.
    ///
    /// # Examples
    ///
    /// See the [type-level example](SpawnError).
    pub fn is_closed(&self) -> bool {
        matches!(self, SpawnError::Closed(_))
    }

    /// Whether the group was at its limit.
    ///
    /// # Examples
    ///
    /// See [`Spawner::try_spawn`](crate::Spawner::try_spawn).
    pub fn is_full(&self) -> bool {
        matches!(self, SpawnError::Full(_))
    }

    /// Takes back the future that was not spawned.
    ///
    /// # Examples
    ///
    /// See the [type-level example](SpawnError).
    pub fn into_inner(self) -> F {
        match self {
            SpawnError::Closed(fut) | SpawnError::Full(fut) => fut,
        }
    }
}

impl<F> fmt::Debug for SpawnError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Closed(_) => f.write_str("Closed(..)"),
            SpawnError::Full(_) => f.write_str("Full(..)"),
        }
    }
}

impl<F> fmt::Display for SpawnError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Closed(_) => {
                f.write_str("cannot spawn: the task group is closed (cancelled or finished)")
            }
            SpawnError::Full(_) => {
                f.write_str("cannot spawn now: the task group is at its limit of running children")
            }
        }
    }
}

impl<F> std::error::Error for SpawnError<F> {}

/// A group setting that can never work, refused when the group is built.
///
/// # Examples
///
/// ```
/// let err = taskscope::TaskGroup::builder().limit(0).unwrap_err();
/// assert_eq!(err.to_string(), "limit must be at least 1, got 0 (a group that may run no child would wait forever)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// `limit(0)`.
    #[error("limit must be at least 1, got {0} (a group that may run no child would wait forever)")]
    ZeroLimit(usize),
}
