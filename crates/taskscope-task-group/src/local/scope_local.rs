//! `scope_local`: the scope API for futures that are not `Send` or not
//! `'static`, polled inside the scope's own task.

use std::future::Future;
use std::rc::Rc;

use taskscope_error_group::ErrorGroup;

use crate::local::driver::LocalDriver;
use crate::local::state::LocalShared;
use crate::observe;
use crate::{Builder, LocalSpawner};

/// Runs `body` with a local scope, whose children are polled **inside the
/// scope's own task**, and returns once the body and every child have
/// finished (DESIGN rule 13).
///
/// This is [`scope`](crate::scope()) for futures that a tokio task could
/// not run: futures that are not `Send` (they hold an `Rc`, a `RefCell`
/// borrow, a `!Send` database handle) or that borrow from the caller's
/// stack. The scope does not spawn tasks; it polls its children itself,
/// concurrently but never in parallel, the way asyncio runs everything on
/// one loop. Everything else is a scope's: the first failure cancels the
/// others (which, here, means their futures are dropped at once), every
/// error comes back in an [`ErrorGroup`] naming its task, a panic is
/// resumed after the others are gone, [`cancel`](LocalSpawner::cancel)
/// and the [token](LocalSpawner::token) work the same, and
/// [`TaskGroup::builder()`](crate::TaskGroup::builder) configures it
/// through [`Builder::scope_local`]: name, policy, grace period, caught
/// panics, limit and timeout.
///
/// Called inside a group's body or child, the scope nests in that group:
/// its path starts with the group's, and cancelling the group cancels it.
/// Unnamed children are called `local-<n>` (there is no tokio task id).
///
/// # Choosing between `scope` and `scope_local`
///
/// A local scope uses one thread: CPU-heavy children slow each other
/// down, and a child that blocks stalls them all. In exchange there is no
/// `Send` or `'static` requirement, no task to spawn, and polling a child
/// costs about what `FuturesUnordered` costs: the scope polls only the
/// children that were woken. Use it for many small I/O-bound futures that
/// share state, and `scope` for work that should spread over the runtime's
/// threads.
///
/// # Examples
///
/// Before, a hand-driven `FuturesUnordered`: it borrows fine, but a
/// failure stops nothing unless you write it, and errors do not say where
/// they came from.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use futures::StreamExt;
/// use futures::stream::FuturesUnordered;
///
/// let words = vec!["alpha", "beta", "gamma"];
/// let mut lengths: FuturesUnordered<_> =
///     words.iter().map(|w| async move { Ok::<_, String>(w.len()) }).collect();
/// let mut total = 0;
/// while let Some(len) = lengths.next().await {
///     total += len.unwrap();
/// }
/// assert_eq!(total, 14);
/// # }
/// ```
///
/// After: children borrow `words`, and the scope keeps the group rules.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::task_group::scope_local;
///
/// let words = vec!["alpha", "beta", "gamma"];
/// let total = scope_local(async |tg| {
///     let handles: Vec<_> =
///         words.iter().map(|w| tg.spawn(async move { Ok::<_, String>(w.len()) })).collect();
///     let mut total = 0;
///     for handle in handles {
///         total += handle.await.unwrap();
///     }
///     Ok(total)
/// })
/// .await
/// .unwrap();
/// assert_eq!(total, 14);
/// # }
/// ```
///
/// A failure cancels the siblings, as in any scope:
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::rc::Rc;
/// use std::time::Duration;
/// use taskscope::task_group::scope_local;
/// use tokio::time::{Instant, sleep};
///
/// let start = Instant::now();
/// let config = Rc::new(String::from("retries=3")); // not Send
/// let err = scope_local(async |tg| {
///     let c = config.clone();
///     tg.spawn_named("slow", async move {
///         sleep(Duration::from_secs(60)).await;
///         Ok(c.len())
///     });
///     tg.spawn_named("broken", async { Err::<usize, _>("disk full") });
///     Ok(())
/// })
/// .await
/// .unwrap_err();
/// assert_eq!(start.elapsed(), Duration::ZERO);
/// assert_eq!(err.first().unwrap().task().name(), "broken");
/// # }
/// ```
///
/// What it still refuses: a child may not borrow something that does not
/// outlive the scope, such as a local of the body (the child may run after
/// the body has returned).
///
/// ```compile_fail
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// taskscope::task_group::scope_local(async |tg| {
///     let local = String::from("dropped when the body returns");
///     tg.spawn(async { Ok::<_, ()>(local.len()) }); // error: the child may outlive `local`
///     Ok(())
/// })
/// .await
/// .unwrap();
/// # }
/// ```
///
/// And a `!Send` future still cannot go to a `Send` group's `spawn`:
///
/// ```compile_fail
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::rc::Rc;
/// taskscope::scope(async |tg| {
///     let shared = Rc::new(1);
///     tg.spawn(async move { Ok::<_, ()>(*shared) }); // error: `Rc<i32>` cannot be sent between threads
///     Ok(())
/// })
/// .await
/// .unwrap();
/// # }
/// ```
///
/// # Cancel safety
///
/// Dropping the returned future cancels the scope: the body and every
/// child are dropped right away, before the drop returns, since they live
/// inside it.
///
/// # Panics
///
/// If a child or the body panics, that is a failure: the others are
/// cancelled, and then the first panic is resumed in the caller. Build
/// with [`catch_panics`](crate::Builder::catch_panics) to get them as
/// entries instead.
///
/// # Errors
///
/// An [`ErrorGroup`] holding every error of the body and the children, in
/// occurrence order; or, if the scope was cancelled before the body
/// returned a value, an empty one for which
/// [`is_cancelled`](ErrorGroup::is_cancelled) is true.
pub fn scope_local<'scope, F, T, E>(
    body: F,
) -> impl Future<Output = Result<T, ErrorGroup<E>>> + 'scope
where
    F: AsyncFnOnce(LocalSpawner<'scope, E>) -> Result<T, E> + 'scope,
    T: 'scope,
    E: 'scope,
{
    Builder::new().scope_local(body)
}

impl Builder {
    /// Runs `body` as the body of a new local scope with these settings
    /// and returns once the body and every child have finished.
    ///
    /// See [`scope_local`](crate::scope_local()) for the whole contract.
    /// Every setting applies: name, policy (FailFast, CollectAll,
    /// FirstSuccess), grace period, caught panics, limit and timeout.
    /// Tracking and slow-poll warnings apply to the scope as a whole (its
    /// children are not tokio tasks, so they do not appear in snapshots).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::cell::Cell;
    /// use taskscope::{Policy, TaskGroup};
    ///
    /// let seen = Cell::new(0); // not Sync
    /// let err = TaskGroup::builder()
    ///     .policy(Policy::CollectAll)
    ///     .scope_local(async |tg| {
    ///         for i in 0..4 {
    ///             let seen = &seen;
    ///             tg.spawn(async move {
    ///                 seen.set(seen.get() + 1);
    ///                 if i % 2 == 1 { Err(i) } else { Ok(()) }
    ///             });
    ///         }
    ///         Ok(())
    ///     })
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(seen.get(), 4); // CollectAll: nothing was cancelled
    /// assert_eq!(err.len(), 2);
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future drops the body and every child right
    /// away.
    ///
    /// # Panics
    ///
    /// Resumes the first panic of a child or of the body once the others
    /// are gone, unless the scope [catches panics](Self::catch_panics).
    ///
    /// # Errors
    ///
    /// An [`ErrorGroup`] with every error of the body and the children, in
    /// occurrence order; or, if the scope was cancelled before the body
    /// returned a value, an empty one for which
    /// [`is_cancelled`](ErrorGroup::is_cancelled) is true.
    pub fn scope_local<'scope, F, T, E>(
        self,
        body: F,
    ) -> impl Future<Output = Result<T, ErrorGroup<E>>> + 'scope
    where
        F: AsyncFnOnce(LocalSpawner<'scope, E>) -> Result<T, E> + 'scope,
        T: 'scope,
        E: 'scope,
    {
        let parent = observe::current().map(|group| group.nest());
        let config = self.into_config(parent.as_ref());
        let shared = Rc::new(LocalShared::new(config, parent));
        let deadline = shared.deadline;
        async move {
            let fut = body(LocalSpawner { shared: shared.clone() });
            let driver = LocalDriver::new(shared, fut);
            match deadline {
                // The scope's deadline is visible to its body and children.
                Some(deadline) => {
                    taskscope_timeout::Inherit::with_deadline(driver, Some(deadline)).await
                }
                None => driver.await,
            }
        }
    }
}
