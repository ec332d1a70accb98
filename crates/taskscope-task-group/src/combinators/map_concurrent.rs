//! `map_concurrent`: map an iterator through an async function, at most
//! `limit` at a time, results in input order, the first failure cancels
//! the rest.

use std::future::Future;

use taskscope_error_group::ErrorGroup;
use tokio::sync::mpsc;

use crate::{BuildError, Builder};

/// Calls `f` on every item of `iter` and runs the futures it returns as
/// child tasks, **at most `limit` at once**, and returns their values in
/// input order; the first failure cancels the rest.
///
/// The bounded, ordered, fail-fast map every crawler and batch job needs:
/// `buffered(limit)` + `try_collect` with parallelism and every error
/// kept, or Go's `errgroup.SetLimit` with results.
///
/// * **Lazy:** the next item is taken from `iter` (and `f` called on it)
///   only when fewer than `limit` children are running, so `iter` may be
///   endless or expensive, and the memory of what is in flight stays
///   bounded by `limit`, not by the input. Only the results (one per item
///   finished) accumulate.
/// * **Ordered:** the `Vec` follows the input order, whatever order the
///   children finish in; a slow item does not stop the next ones from
///   starting.
/// * **Fail-fast:** the first error (or panic) cancels the running
///   children and stops taking items; the error group holds every error
///   that occurred, each child named `map_concurrent-<index>` in a group
///   named `map_concurrent`.
///
/// The children are spawned (parallel; `Send + 'static`); `iter` and `f`
/// run in the caller's task and need not be `Send`.
///
/// # Examples
///
/// Before, `buffered` + `try_collect`: bounded and ordered, but not
/// parallel (every future is polled by the one task), and only the first
/// error survives.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use futures::{StreamExt, TryStreamExt};
///
/// async fn fetch(id: u32) -> Result<String, String> {
///     Ok(format!("page {id}"))
/// }
///
/// let pages: Vec<String> =
///     futures::stream::iter(1..=3).map(fetch).buffered(2).try_collect().await.unwrap();
/// assert_eq!(pages, ["page 1", "page 2", "page 3"]);
/// # }
/// ```
///
/// After:
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use taskscope::task_group::map_concurrent;
/// use tokio::time::{Instant, sleep};
///
/// async fn fetch(id: u32) -> Result<String, std::io::Error> {
///     sleep(Duration::from_secs(1)).await;
///     Ok(format!("page {id}"))
/// }
///
/// let start = Instant::now();
/// let pages = map_concurrent(1..=6, 3, fetch)?.await?;
/// assert_eq!(pages.len(), 6);
/// assert_eq!(pages[0], "page 1");
/// assert_eq!(start.elapsed(), Duration::from_secs(2)); // 6 pages, 3 at a time
///
/// // An endless input is fine: the failure at item 2 stops it.
/// let err = map_concurrent(0.., 4, |i: u64| async move {
///     if i == 2 { Err(format!("item {i} is bad")) } else { Ok(i) }
/// })?
/// .await
/// .unwrap_err();
/// assert_eq!(err.first().unwrap().task().name(), "map_concurrent-2");
/// # Ok(())
/// # }
/// ```
///
/// # Cancel safety
///
/// Dropping the returned future cancels every running child; items not
/// taken from `iter` yet are never taken, and the results are lost.
///
/// # Panics
///
/// A panicking child, or `f` panicking, is a failure: the rest are
/// cancelled and the panic is resumed in the caller, as in a scope.
/// Polling the returned future panics outside a tokio runtime, like
/// `tokio::spawn`.
///
/// # Errors
///
/// [`BuildError::ZeroLimit`] at once, for `limit == 0`: nothing could
/// ever run. The returned future then resolves to an [`ErrorGroup`] with
/// every error that occurred, in occurrence order (or, if the group
/// around the caller was cancelled, an empty one for which
/// [`is_cancelled`](ErrorGroup::is_cancelled) is true).
pub fn map_concurrent<I, F, Fut, T, E>(
    iter: I,
    limit: usize,
    mut f: F,
) -> Result<impl Future<Output = Result<Vec<T>, ErrorGroup<E>>>, BuildError>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    if limit == 0 {
        return Err(BuildError::ZeroLimit(limit));
    }
    Ok(Builder::new().name("map_concurrent").scope(async move |tg| {
        // Children hand their value back with their index; a failing child
        // sends nothing, and fails the group, which stops this body.
        let (tx, mut rx) = mpsc::unbounded_channel::<(usize, T)>();
        let mut results: Vec<Option<T>> = Vec::new();
        let mut items = iter.into_iter().fuse();
        let mut running = 0;
        loop {
            while running < limit {
                let Some(item) = items.next() else { break };
                let index = results.len();
                results.push(None);
                let fut = f(item);
                let tx = tx.clone();
                tg.spawn_indexed("map_concurrent", index, async move {
                    let value = fut.await?;
                    let _ = tx.send((index, value));
                    Ok(())
                });
                running += 1;
            }
            if running == 0 {
                break;
            }
            match rx.recv().await {
                Some((index, value)) => {
                    results[index] = Some(value);
                    running -= 1;
                }
                // Never: this body holds a sender.
                None => break,
            }
        }
        // Every slot is filled once the loop ends.
        Ok(results.into_iter().flatten().collect())
    }))
}
