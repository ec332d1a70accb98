//! `TaskGroup`: an owned group, for a struct that holds its tasks.

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use taskscope_error_group::ErrorGroup;

use crate::driver::Driver;
use crate::shared::Shared;
use crate::{Builder, Spawner};

/// The error type of a [`TaskGroup`] whose error type is not spelled out.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An owned task group: for a struct that holds its tasks, such as a
/// server holding its connections.
///
/// A [`scope`](crate::scope()) is the first choice; use an owned group when
/// the group must live in a struct or across calls. It dereferences to a
/// [`Spawner`], so it has `spawn`, `spawn_named`, `cancel`, `token` and
/// the rest; [`join`](Self::join) waits for every child and returns every
/// error.
///
/// Dropping a `TaskGroup` without joining it **aborts every child**, as
/// dropping a tokio `JoinSet` does: nothing it started keeps running.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::TaskGroup;
///
/// struct Server {
///     connections: TaskGroup<std::io::Error>,
/// }
///
/// let server = Server { connections: TaskGroup::new() };
/// for id in 0..3 {
///     server.connections.spawn_named(format!("conn-{id}"), async move { Ok(()) });
/// }
/// server.connections.join().await.unwrap();
/// # }
/// ```
pub struct TaskGroup<E = BoxError> {
    spawner: Spawner<E>,
    joined: bool,
}

impl TaskGroup {
    /// Starts configuring a group; see [`Builder`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let out = taskscope::TaskGroup::builder()
    ///     .name("jobs")
    ///     .scope(async |tg| Ok::<_, ()>(tg.path().to_owned()))
    ///     .await
    ///     .unwrap();
    /// assert_eq!(out, "jobs");
    /// # }
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }
}

impl<E: Send + 'static> TaskGroup<E> {
    /// Creates an owned group with the default settings (FailFast, no grace
    /// period, unnamed).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let tg = taskscope::TaskGroup::<std::io::Error>::new();
    /// tg.spawn(async { Ok(()) });
    /// tg.join().await.unwrap();
    /// # }
    /// ```
    pub fn new() -> Self {
        Builder::new().build()
    }

    pub(crate) fn from_shared(shared: Arc<Shared<E>>) -> Self {
        TaskGroup { spawner: Spawner::from_shared(shared), joined: false }
    }

    /// A cloneable handle to this group, for children that spawn siblings
    /// or for other parts of a program.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let tg = taskscope::TaskGroup::<()>::new();
    /// let spawner = tg.spawner();
    /// tg.spawn(async move {
    ///     spawner.spawn(async { Ok(()) });
    ///     Ok(())
    /// });
    /// tg.join().await.unwrap();
    /// # }
    /// ```
    pub fn spawner(&self) -> Spawner<E> {
        self.spawner.clone()
    }

    /// Waits until every child has finished and returns every error.
    ///
    /// Children may still spawn siblings while the group is joining; the
    /// group finishes when the last one is done, and refuses spawns after.
    /// A group that was [cancelled](Spawner::cancel) joins with `Ok(())`
    /// unless a child failed.
    ///
    /// # Examples
    ///
    /// See the [type-level example](TaskGroup).
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future aborts every child, exactly like
    /// dropping the group.
    pub fn join(mut self) -> Join<E> {
        self.joined = true;
        Join { driver: Driver::without_body(self.spawner.shared.clone(), ()) }
    }
}

impl<E: Send + 'static> Default for TaskGroup<E> {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl<E> Deref for TaskGroup<E> {
    type Target = Spawner<E>;

    fn deref(&self) -> &Spawner<E> {
        &self.spawner
    }
}

/// Aborts every child that is still running.
impl<E> Drop for TaskGroup<E> {
    fn drop(&mut self) {
        if !self.joined {
            self.spawner.shared.cancel_now();
        }
    }
}

impl<E> fmt::Debug for TaskGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup").field("spawner", &self.spawner).finish()
    }
}

pin_project! {
    /// The future returned by [`TaskGroup::join`].
    ///
    /// # Cancel safety
    ///
    /// Dropping it aborts every child of the group.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Join<E> {
        #[pin]
        driver: Driver<std::future::Ready<Result<(), E>>, (), E>,
    }
}

impl<E> Future for Join<E> {
    type Output = Result<(), ErrorGroup<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project().driver.poll(cx)
    }
}

impl<E> fmt::Debug for Join<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join").field("driver", &self.driver).finish()
    }
}
