//! `gather`: run futures as children of one group, results in input order,
//! the first failure cancels the rest.

use std::future::Future;

use taskscope_error_group::ErrorGroup;

use crate::Builder;

/// Runs every future in `futs` as a child task of a new group and returns
/// their values **in input order**; the first failure cancels the others.
///
/// This is asyncio's `gather(*aws)` with a task group's rules. Each future
/// is spawned — so they run in parallel on a multi-thread runtime, and
/// must be `Send + 'static` — as a child named `gather-<index>` of a group
/// named `gather`, which nests in the group of the code that calls
/// `gather` (the path of a failure reads `crawler/gather/gather-3`). The
/// group is [`Policy::FailFast`](crate::Policy::FailFast): the first
/// error or panic cancels every other child, and `gather` returns an
/// [`ErrorGroup`] with every error that occurred before the others
/// stopped — not only the first, and never the errors of the children it
/// cancelled (they have none). When `gather` returns, none of its children
/// is running.
///
/// Unlike asyncio, a failure *does* cancel the other inputs: their results
/// could never be returned, and nothing is left running that nobody will
/// await. For every outcome, failures included, use
/// [`gather_settled`](crate::gather_settled); for futures that are not
/// `Send` or borrow from your stack, [`gather_local`](crate::gather_local)
/// polls them in place.
///
/// An empty input returns an empty `Vec`.
///
/// # Examples
///
/// Before, with `join_all` over spawned tasks: ordered, but a failure
/// cancels nothing, every task runs to its end, and an early `?` leaves
/// the rest running unowned.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use tokio::time::{Instant, sleep};
///
/// async fn fetch(id: u64) -> Result<u64, String> {
///     sleep(Duration::from_secs(id)).await;
///     if id == 1 { Err(format!("page {id} is gone")) } else { Ok(id * 10) }
/// }
///
/// let start = Instant::now();
/// let handles: Vec<_> = [3, 1, 2].into_iter().map(|id| tokio::spawn(fetch(id))).collect();
/// let results: Vec<Result<u64, String>> =
///     futures::future::join_all(handles).await.into_iter().map(|joined| joined.unwrap()).collect();
/// assert_eq!(start.elapsed(), Duration::from_secs(3)); // waited for everything
/// assert!(results[1].is_err());
/// # }
/// ```
///
/// After: the failure at 1 s cancels the other two, and the error names
/// the input that failed.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::task_group::gather;
/// use tokio::time::{Instant, sleep};
///
/// async fn fetch(id: u64) -> Result<u64, String> {
///     sleep(Duration::from_secs(id)).await;
///     if id == 1 { Err(format!("page {id} is gone")) } else { Ok(id * 10) }
/// }
///
/// assert_eq!(gather([3, 2].map(fetch)).await.unwrap(), [30, 20]); // input order
///
/// let start = Instant::now();
/// let err = gather([3, 1, 2].map(fetch)).await.unwrap_err();
/// assert_eq!(start.elapsed(), Duration::from_secs(1));
/// assert_eq!(err.len(), 1);
/// assert_eq!(err.first().unwrap().task().name(), "gather-1");
/// assert_eq!(err.to_string(), "task group `gather` failed with 1 error:\n└─ gather/gather-1 failed: page 1 is gone");
/// # }
/// ```
///
/// # Cancel safety
///
/// Dropping the returned future cancels every child, as dropping a
/// [`scope`](crate::scope()) does; no result is kept.
///
/// # Panics
///
/// A panicking input is a failure: the others are cancelled and then the
/// panic is resumed in the caller, as in a scope. Panics outside a tokio
/// runtime, like `tokio::spawn`.
///
/// # Errors
///
/// An [`ErrorGroup`] with every error that occurred, in occurrence order,
/// each naming its input (`gather-<index>`). If the group around the
/// caller is cancelled first, an empty one for which
/// [`is_cancelled`](ErrorGroup::is_cancelled) is true.
pub fn gather<I, F, T, E>(futs: I) -> impl Future<Output = Result<Vec<T>, ErrorGroup<E>>>
where
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    Builder::new().name("gather").scope(async move |tg| {
        let handles: Vec<_> = futs
            .into_iter()
            .enumerate()
            .map(|(index, fut)| tg.spawn_indexed("gather", index, fut))
            .collect();
        let mut values = Vec::with_capacity(handles.len());
        for handle in handles {
            match handle.await {
                Ok(value) => values.push(value),
                // The child failed, panicked or was cancelled: either way
                // the group is stopping, and it drops this body at its next
                // await. There is no value to return, so wait for that.
                Err(_) => std::future::pending::<()>().await,
            }
        }
        Ok(values)
    })
}
