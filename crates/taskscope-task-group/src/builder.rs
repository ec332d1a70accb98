//! `Builder`: configures a task group before it runs.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use taskscope_error_group::ErrorGroup;

use crate::driver::Driver;
use crate::observe::{self, Nest};
use crate::shared::{Config, Shared};
use crate::{BuildError, Policy, Spawner, TaskGroup};

/// Configures a task group: its name, failure policy, grace period and
/// panic handling. Finish with [`scope`](Self::scope) for a scoped group or
/// [`build`](Self::build) for an owned [`TaskGroup`].
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::{Policy, TaskGroup};
///
/// let pages = TaskGroup::builder()
///     .name("crawler")
///     .policy(Policy::FailFast)
///     .grace(Duration::from_millis(500))
///     .scope(async |tg| {
///         let page = tg.spawn_named("fetch-1", async { Ok::<_, std::io::Error>("<html>") });
///         Ok(vec![page.await.unwrap()])
///     })
///     .await
///     .unwrap();
/// assert_eq!(pages, ["<html>"]);
/// # }
/// ```
#[derive(Clone, Debug, Default)]
#[must_use = "a builder does nothing until you call `scope` or `build`"]
pub struct Builder {
    name: Option<Arc<str>>,
    policy: Policy,
    grace: Option<Duration>,
    catch_panics: Option<bool>,
    track: Option<bool>,
    slow_poll: Option<Duration>,
    limit: Option<usize>,
    timeout: Option<Duration>,
}

impl Builder {
    /// A builder with the defaults: unnamed, [`Policy::FailFast`], no grace
    /// period (cancelled children are aborted at once), panics resumed in
    /// the caller.
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = taskscope::Builder::new().name("jobs");
    /// # let _ = builder;
    /// ```
    pub fn new() -> Self {
        Builder::default()
    }

    /// Names the group. The name starts the path of every task inside it
    /// (`crawler/fetch-17`), in `tracing` spans and in errors.
    ///
    /// # Examples
    ///
    /// See the [type-level example](Builder).
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets what a failure (or a success) does to the rest of the group.
    ///
    /// # Examples
    ///
    /// See [`Policy`].
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Gives cancelled children — and the body — `grace` to finish on their
    /// own before they are aborted.
    ///
    /// Without a grace period, cancelling drops every child's future at its
    /// next await point (tokio's abort), which runs its `Drop` cleanup but
    /// not any async cleanup. With one, the group first cancels its
    /// [`token`](crate::Spawner::token); children that watch it can flush,
    /// close connections, or say goodbye, and an error they return then is
    /// still recorded. When `grace` has passed since the cancel, whatever is
    /// still running is aborted.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use tokio::time::{Instant, sleep};
    ///
    /// let start = Instant::now();
    /// let result = taskscope::TaskGroup::builder()
    ///     .grace(Duration::from_secs(1))
    ///     .scope(async |tg| {
    ///         let token = tg.token();
    ///         tg.spawn(async move {
    ///             token.cancelled().await;
    ///             sleep(Duration::from_millis(200)).await; // flush
    ///             Ok::<_, ()>("flushed")
    ///         });
    ///         tg.cancel();
    ///         Ok(())
    ///     })
    ///     .await;
    /// assert!(result.is_ok());
    /// assert_eq!(start.elapsed(), Duration::from_millis(200));
    /// # }
    /// ```
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = Some(grace);
        self
    }

    /// Lets at most `limit` children run at once (Go's `errgroup.SetLimit`,
    /// a semaphore around every spawn, built in).
    ///
    /// [`spawn`](crate::Spawner::spawn) never blocks: a child spawned while
    /// the group is full is queued — not yet a task, only its future — and
    /// starts, first come first served, when a running child ends, however
    /// it ends. [`spawn_wait`](crate::Spawner::spawn_wait) waits for room
    /// first (back-pressure: memory stays at `limit` children however many
    /// items a producer feeds), and [`try_spawn`](crate::Spawner::try_spawn)
    /// refuses with [`SpawnError::Full`](crate::SpawnError::Full). A nested
    /// group counts as one child. Cancelling the group drops the queued
    /// children unstarted.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use taskscope::TaskGroup;
    /// use tokio::time::{Instant, sleep};
    ///
    /// let start = Instant::now();
    /// TaskGroup::builder()
    ///     .limit(10)?
    ///     .scope(async |tg| {
    ///         for _ in 0..100 {
    ///             tg.spawn(async {
    ///                 sleep(Duration::from_secs(1)).await;
    ///                 Ok::<_, std::io::Error>(())
    ///             });
    ///         }
    ///         Ok(())
    ///     })
    ///     .await?;
    /// assert_eq!(start.elapsed(), Duration::from_secs(10)); // 100 jobs, 10 at a time
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroLimit`] for `limit(0)`: a group that may run no
    /// child would wait forever.
    pub fn limit(mut self, limit: usize) -> Result<Self, BuildError> {
        if limit == 0 {
            return Err(BuildError::ZeroLimit(limit));
        }
        self.limit = Some(limit);
        Ok(self)
    }

    /// Gives the whole group a deadline `timeout` after it is created (not
    /// after its first poll: DESIGN rule 21, as tokio and asyncio count).
    ///
    /// When it passes, the group records a
    /// [`TaskError::TimedOut`](crate::TaskError::TimedOut) entry and is
    /// cancelled: with the [grace period](Self::grace) if there is one,
    /// at once otherwise. The scope then returns the error group even if a
    /// child or the body finishes during the grace period (DESIGN rule
    /// 23). The deadline is visible inside through
    /// [`current_deadline`](taskscope_timeout::current_deadline), in the body
    /// and in every child, so they can pass the remaining budget on.
    ///
    /// A timeout too large to add to the clock (`Duration::MAX`) means no
    /// deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::TaskGroup;
    ///
    /// let err = TaskGroup::builder()
    ///     .name("crawl")
    ///     .timeout(Duration::from_secs(30))
    ///     .scope(async |tg| {
    ///         tg.spawn(async {
    ///             tokio::time::sleep(Duration::from_secs(3600)).await;
    ///             Ok::<_, std::io::Error>(())
    ///         });
    ///         Ok(())
    ///     })
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(err.to_string(), "task group `crawl` failed with 1 error:\n└─ crawl timed out after 30s");
    /// # }
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Turns panics in children (and the body) into
    /// [`TaskError::Panicked`](crate::TaskError::Panicked) entries, with the
    /// panic message, instead of resuming the first panic in the caller.
    /// A caught panic is still a failure: under FailFast it cancels the
    /// group.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let err = taskscope::TaskGroup::builder()
    ///     .catch_panics()
    ///     .scope(async |tg| {
    ///         tg.spawn_named("parser", async {
    ///             let v: Vec<u8> = Vec::new();
    ///             Ok::<_, ()>(v[3])
    ///         });
    ///         Ok(())
    ///     })
    ///     .await
    ///     .unwrap_err();
    /// let entry = err.first().unwrap();
    /// assert_eq!(entry.task().name(), "parser");
    /// assert!(entry.panic_message().unwrap().contains("index out of bounds"));
    /// # }
    /// ```
    pub fn catch_panics(mut self) -> Self {
        self.catch_panics = Some(true);
        self
    }

    /// Keeps a record of every child — spawn time, poll count, state — so
    /// that [`snapshot`](crate::Spawner::snapshot) and
    /// [`tasks()`](crate::tasks()) can describe each one, and makes a root
    /// group visible to `tasks()`. Nested groups inherit the setting unless
    /// their own builder says otherwise; [`run`](crate::run()) turns it on.
    ///
    /// Off by default, because it costs an allocation per child (about 60
    /// bytes) and two relaxed atomic stores per poll: `cargo xtask bench`
    /// measured about 230 ns more per trivial child (522 against 292 ns
    /// for 10k children on the current-thread runtime, `observe/*`), which
    /// is small beside any child that does I/O. Untracked groups still
    /// appear in snapshots, with their children counted.
    ///
    /// # Examples
    ///
    /// See [`Spawner::snapshot`](crate::Spawner::snapshot).
    pub fn track_tasks(mut self, track: bool) -> Self {
        self.track = Some(track);
        self
    }

    /// Warns (a `tracing` warning, target `taskscope`) whenever a single
    /// poll of a child or of the body takes longer than `threshold`: the
    /// task blocked its worker thread instead of awaiting, so every other
    /// task on that thread waited. This is asyncio's debug-mode
    /// "Executing `<Task>` took 0.2 seconds". The warning names the task,
    /// its path, and how long it blocked. Nested groups inherit it.
    ///
    /// It costs two reads of the monotonic clock per poll: `cargo xtask
    /// bench` measured about 50 ns more per trivial child (344 against
    /// 292 ns, `observe/*`).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    /// taskscope::TaskGroup::builder()
    ///     .warn_slow_polls(Duration::from_millis(50))
    ///     .scope(async |tg| {
    ///         tg.spawn_named("cpu-bound", async {
    ///             // Blocks its worker: this logs "a single poll of task
    ///             // `cpu-bound` blocked the runtime for ...".
    ///             std::thread::sleep(Duration::from_millis(60));
    ///             Ok::<_, ()>(())
    ///         });
    ///         Ok(())
    ///     })
    ///     .await
    ///     .unwrap();
    /// # }
    /// ```
    pub fn warn_slow_polls(mut self, threshold: Duration) -> Self {
        self.slow_poll = Some(threshold);
        self
    }

    pub(crate) fn name_ref(&self) -> Option<&Arc<str>> {
        self.name.as_ref()
    }

    /// The group's configuration; unset inheritable options come from
    /// the parent.
    pub(crate) fn into_config(self, parent: Option<&Nest>) -> Config {
        Config {
            name: self.name,
            policy: self.policy,
            grace: self.grace,
            catch_panics: self.catch_panics.or(parent.map(|p| p.catch_panics)).unwrap_or(false),
            track: self.track.or(parent.map(|p| p.track)).unwrap_or(false),
            slow_poll: self.slow_poll.or(parent.and_then(|p| p.slow_poll)),
            limit: self.limit,
            timeout: self.timeout,
        }
    }

    /// Runs `body` as the body of a new scoped group and returns once the
    /// body and every child it spawned have finished.
    ///
    /// See [`scope`](crate::scope()) for the whole contract; this is the
    /// same with the builder's settings.
    ///
    /// # Examples
    ///
    /// See the [type-level example](Builder).
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future cancels the group: every child is
    /// aborted and nothing keeps running. Since `Drop` cannot wait, the
    /// aborted children are dropped by the runtime shortly after, not
    /// before the drop returns.
    ///
    /// # Panics
    ///
    /// Resumes the first panic of a child or of the body once every child
    /// has finished, unless the group [catches panics](Self::catch_panics).
    ///
    /// # Errors
    ///
    /// An [`ErrorGroup`] with every error of the body and the children, in
    /// occurrence order; or, if the group was cancelled before the body
    /// returned a value, an empty one for which
    /// [`is_cancelled`](ErrorGroup::is_cancelled) is true.
    pub fn scope<F, T, E>(self, body: F) -> impl Future<Output = Result<T, ErrorGroup<E>>>
    where
        F: AsyncFnOnce(Spawner<E>) -> Result<T, E>,
        E: Send + 'static,
    {
        let shared = Shared::create(self, observe::current());
        async move {
            let fut = body(Spawner::from_shared(shared.clone()));
            match shared.deadline() {
                // The group's own deadline is visible to its body (and so
                // to the children it spawns).
                Some(deadline) => {
                    let fut = taskscope_timeout::Inherit::with_deadline(fut, Some(deadline));
                    Driver::new(shared, fut).await
                }
                None => Driver::new(shared, fut).await,
            }
        }
    }

    /// Builds an owned [`TaskGroup`] with these settings.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::{Policy, TaskGroup};
    /// let tg: TaskGroup<std::io::Error> = TaskGroup::builder().policy(Policy::CollectAll).build();
    /// tg.spawn(async { Ok(()) });
    /// tg.join().await.unwrap();
    /// # }
    /// ```
    pub fn build<E: Send + 'static>(self) -> TaskGroup<E> {
        let shared = Shared::create(self, None);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let group: std::sync::Weak<dyn observe::GroupView> = Arc::downgrade(&shared) as _;
            runtime.spawn(observe::watch_token(group, shared.token().clone()));
        }
        TaskGroup::from_shared(shared)
    }
}
