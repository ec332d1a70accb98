//! `LocalSpawner`: spawns futures that are not `Send` or not `'static`
//! into a local scope.

use std::fmt;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::SpawnError;
use crate::local::child::LocalChild;
use crate::local::local_handle::{LocalHandle, Slot};
use crate::local::state::{LocalShared, Reason};

/// A handle to a [`scope_local`](crate::scope_local()) scope: spawns
/// children into it and cancels it. The local counterpart of
/// [`Spawner`](crate::Spawner).
///
/// Its children are futures that need not be `Send` and may borrow
/// anything that outlives the scope (`'scope`): they are polled inside the
/// scope's own task, concurrently but never in parallel, the way asyncio
/// runs everything on one loop. Clone it (an `Rc` clone) to let a child
/// spawn siblings. It is neither `Send` nor `Sync`.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::cell::RefCell;
/// use taskscope::task_group::scope_local;
///
/// let log = RefCell::new(Vec::new()); // not Sync: no `Send` task could share it
/// scope_local(async |tg| {
///     for i in 0..3 {
///         let log = &log;
///         tg.spawn(async move {
///             log.borrow_mut().push(i);
///             Ok::<_, ()>(())
///         });
///     }
///     Ok(())
/// })
/// .await
/// .unwrap();
/// assert_eq!(log.into_inner(), [0, 1, 2]);
/// # }
/// ```
pub struct LocalSpawner<'scope, E> {
    pub(crate) shared: Rc<LocalShared<'scope, E>>,
}

impl<E> Clone for LocalSpawner<'_, E> {
    fn clone(&self) -> Self {
        LocalSpawner { shared: self.shared.clone() }
    }
}

impl<'scope, E: 'scope> LocalSpawner<'scope, E> {
    /// Spawns `fut` as a child of the scope and returns a handle to it.
    ///
    /// The child is polled by the scope's task, next to the body and the
    /// other children, starting at the scope's next turn (not inside
    /// `spawn`). An error or panic is the scope's, with the same rules as
    /// in a [`scope`](crate::scope()): under FailFast it cancels the other
    /// children and the body. If the scope is closed — cancelled, failed,
    /// or finished — the child is not spawned: the handle resolves to a
    /// [`JoinError`](crate::JoinError) for which
    /// [`is_closed`](crate::JoinError::is_closed) is true.
    ///
    /// Under a [limit](crate::Builder::limit), a child spawned while the
    /// scope is full waits, unpolled, for a running child to end.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::rc::Rc;
    /// use taskscope::task_group::scope_local;
    ///
    /// let shared = Rc::new(5); // `Rc` is not `Send`
    /// let doubled = scope_local(async |tg| {
    ///     let shared = shared.clone();
    ///     let handle = tg.spawn(async move { Ok::<_, ()>(*shared * 2) });
    ///     Ok(handle.await.unwrap())
    /// })
    /// .await
    /// .unwrap();
    /// assert_eq!(doubled, 10);
    /// # }
    /// ```
    pub fn spawn<F, T>(&self, fut: F) -> LocalHandle<T>
    where
        F: Future<Output = Result<T, E>> + 'scope,
        T: 'scope,
    {
        self.spawn_child(fut, None).unwrap_or_else(|_| self.refused(None))
    }

    /// Spawns `fut` as a child called `name`, which appears in its path and
    /// in any error it causes. Otherwise the same as
    /// [`spawn`](Self::spawn).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::TaskGroup;
    ///
    /// let err = TaskGroup::builder()
    ///     .name("parser")
    ///     .scope_local(async |tg| {
    ///         tg.spawn_named("line-7", async { Err::<(), _>("unexpected token") });
    ///         Ok(())
    ///     })
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(err.first().unwrap().task().path(), "parser/line-7");
    /// # }
    /// ```
    pub fn spawn_named<F, T>(&self, name: impl Into<Arc<str>>, fut: F) -> LocalHandle<T>
    where
        F: Future<Output = Result<T, E>> + 'scope,
        T: 'scope,
    {
        let name: Arc<str> = name.into();
        self.spawn_child(fut, Some(name.clone())).unwrap_or_else(|_| self.refused(Some(name)))
    }

    /// Spawns `fut` if the scope still takes children, and otherwise hands
    /// the future back inside the error.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::task_group::scope_local;
    ///
    /// scope_local(async |tg| {
    ///     assert!(tg.try_spawn(async { Ok::<_, ()>(1) }).is_ok());
    ///     tg.cancel();
    ///     assert!(tg.try_spawn(async { Ok(2) }).unwrap_err().is_closed());
    ///     Ok(())
    /// })
    /// .await
    /// .ok();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnError::Closed`] when the scope was cancelled, failed, or has
    /// finished.
    pub fn try_spawn<F, T>(&self, fut: F) -> Result<LocalHandle<T>, SpawnError<F>>
    where
        F: Future<Output = Result<T, E>> + 'scope,
        T: 'scope,
    {
        self.spawn_child(fut, None).map_err(SpawnError::Closed)
    }

    fn spawn_child<F, T>(&self, fut: F, name: Option<Arc<str>>) -> Result<LocalHandle<T>, F>
    where
        F: Future<Output = Result<T, E>> + 'scope,
        T: 'scope,
    {
        if self.shared.is_cancelled() {
            return Err(fut);
        }
        let slot = Slot::new(name);
        let child = LocalChild::new(fut, slot.clone(), self.shared.clone());
        self.shared.admit(Box::pin(child));
        Ok(LocalHandle::new(slot))
    }

    fn refused<T>(&self, name: Option<Arc<str>>) -> LocalHandle<T> {
        tracing::warn!(
            target: "taskscope",
            group = %self.shared.path(),
            task = name.as_deref().unwrap_or("(unnamed)"),
            "spawn refused: the local scope is closed; the task was dropped unstarted"
        );
        LocalHandle::closed(name)
    }

    /// Cancels the scope: every child is dropped, and so is the body at its
    /// next await point; new spawns are refused. An early exit, not a
    /// failure, exactly as [`Spawner::cancel`](crate::Spawner::cancel).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::future::pending;
    /// use taskscope::task_group::scope_local;
    ///
    /// let result = scope_local(async |tg| {
    ///     tg.spawn(pending::<Result<(), ()>>());
    ///     tg.cancel();
    ///     Ok("body done")
    /// })
    /// .await;
    /// assert_eq!(result.unwrap(), "body done");
    /// # }
    /// ```
    pub fn cancel(&self) {
        self.shared.cancel(Reason::Cancelled);
    }

    /// The scope's cancellation token: cancelled when the scope is
    /// cancelled, fails fast, or finishes. A child of the token of the
    /// group the scope runs in, if any, so cancelling that group cancels
    /// this scope. Cancelling it yourself cancels the scope.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::task_group::scope_local;
    ///
    /// let token = scope_local(async |tg| Ok::<_, ()>(tg.token())).await.unwrap();
    /// assert!(token.is_cancelled()); // the scope is over
    /// # }
    /// ```
    pub fn token(&self) -> CancellationToken {
        self.shared.token().clone()
    }

    /// Whether the scope has been cancelled, has failed fast, or has
    /// finished.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::task_group::scope_local;
    ///
    /// scope_local(async |tg| {
    ///     assert!(!tg.is_cancelled());
    ///     tg.cancel();
    ///     assert!(tg.is_cancelled());
    ///     Ok::<_, ()>(())
    /// })
    /// .await
    /// .ok();
    /// # }
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.shared.is_cancelled()
    }

    /// The number of children that have not finished yet, queued ones
    /// included.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::task_group::scope_local;
    ///
    /// scope_local(async |tg| {
    ///     let handle = tg.spawn(async { Ok::<_, ()>(()) });
    ///     assert_eq!(tg.len(), 1);
    ///     handle.await.unwrap();
    ///     assert_eq!(tg.len(), 0);
    ///     Ok(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.shared.live()
    }

    /// Whether every child has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::task_group::scope_local;
    ///
    /// scope_local(async |tg| {
    ///     assert!(tg.is_empty());
    ///     Ok::<_, ()>(())
    /// })
    /// .await
    /// .unwrap();
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The scope's path in the task tree: its name under the path of the
    /// group it runs in.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::TaskGroup;
    ///
    /// TaskGroup::builder()
    ///     .name("crawler")
    ///     .scope(async |_tg| {
    ///         let path = TaskGroup::builder()
    ///             .name("parse")
    ///             .scope_local(async |local| Ok::<_, ()>(local.path().to_owned()))
    ///             .await
    ///             .unwrap();
    ///         assert_eq!(path, "crawler/parse");
    ///         Ok::<_, ()>(())
    ///     })
    ///     .await
    ///     .unwrap();
    /// # }
    /// ```
    pub fn path(&self) -> &str {
        self.shared.path()
    }
}

impl<E> fmt::Debug for LocalSpawner<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSpawner")
            .field("path", &self.shared.path())
            .field("live", &self.shared.live())
            .field("cancelled", &self.shared.is_cancelled())
            .finish()
    }
}
