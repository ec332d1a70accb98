//! `scope`: run a body and its children; return when all are done.

use std::future::Future;

use taskscope_error_group::ErrorGroup;

use crate::{Builder, Spawner};

/// Runs `body` with a fresh task group and returns once the body **and
/// every child it spawned** have finished.
///
/// This is the heart of structured concurrency: a child cannot outlive the
/// scope that started it, so when `scope(..).await` returns there is
/// nothing left running, and every error is in the result. The body gets a
/// [`Spawner`] to spawn children with; children get clones to spawn
/// siblings.
///
/// What happens on failure (the default [`Policy::FailFast`](crate::Policy)):
/// the first child error, child panic, or body error cancels every other
/// child and the body. The scope waits for them to stop, then returns
/// `Err(ErrorGroup)` with every error that occurred, in occurrence order,
/// each naming its task; the body's error is named `body`. Cancelled
/// children are not errors.
///
/// Use [`TaskGroup::builder()`](crate::TaskGroup::builder) for a name, a
/// different policy, a grace period, or caught panics.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
///
/// async fn fetch(id: u32) -> Result<String, std::io::Error> {
///     tokio::time::sleep(Duration::from_millis(10 * id as u64)).await;
///     Ok(format!("page {id}"))
/// }
///
/// let (a, b) = taskscope::scope(async |tg| {
///     let a = tg.spawn(fetch(1));
///     let b = tg.spawn_named("second", fetch(2));
///     Ok((a.await.unwrap(), b.await.unwrap()))
/// })
/// .await
/// .unwrap();
/// assert_eq!((a.as_str(), b.as_str()), ("page 1", "page 2"));
/// # }
/// ```
///
/// A failure cancels the siblings and comes back with its task's name:
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use tokio::time::{Instant, sleep};
///
/// let start = Instant::now();
/// let err = taskscope::scope(async |tg| {
///     tg.spawn_named("slow", async {
///         sleep(Duration::from_secs(60)).await;
///         Ok(())
///     });
///     tg.spawn_named("broken", async {
///         sleep(Duration::from_secs(1)).await;
///         Err::<(), _>("disk full")
///     });
///     Ok(())
/// })
/// .await
/// .unwrap_err();
/// assert_eq!(start.elapsed(), Duration::from_secs(1)); // "slow" was cancelled
/// assert_eq!(err.len(), 1);
/// assert_eq!(err.first().unwrap().task().name(), "broken");
/// # }
/// ```
///
/// Children must be `'static`: they run as tokio tasks and may outlive a
/// borrow. (The scope itself may borrow from the caller.)
///
/// ```compile_fail
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let local = String::from("borrowed");
/// taskscope::scope(async |tg| {
///     tg.spawn(async { Ok::<_, ()>(local.len()) }); // error: `local` does not live long enough
///     Ok(())
/// })
/// .await
/// .unwrap();
/// # }
/// ```
///
/// # Cancel safety
///
/// Dropping the scope's future (an outer timeout, an outer group failing,
/// a `select!`) cancels the group: the body is dropped and every child is
/// aborted, nested groups included. Since `Drop` cannot wait, the aborted
/// children are dropped by the runtime right after, not before the drop
/// returns.
///
/// # Panics
///
/// If a child or the body panics, that is a failure: the siblings are
/// cancelled, every child is joined, and then the first panic is resumed
/// in the caller (like `std::thread::scope`). Later panics are logged with
/// `tracing` and dropped. Build with
/// [`catch_panics`](crate::Builder::catch_panics) to get them as entries
/// instead.
///
/// # Errors
///
/// An [`ErrorGroup`] holding every error of the body and the children, in
/// occurrence order. If the group was cancelled (by
/// [`Spawner::cancel`], or through its token) before the body returned a
/// value, there is no value to return: the scope returns an empty
/// `ErrorGroup` for which [`is_cancelled`](ErrorGroup::is_cancelled) is
/// true.
pub fn scope<F, T, E>(body: F) -> impl Future<Output = Result<T, ErrorGroup<E>>>
where
    F: AsyncFnOnce(Spawner<E>) -> Result<T, E>,
    E: Send + 'static,
{
    Builder::new().scope(body)
}
