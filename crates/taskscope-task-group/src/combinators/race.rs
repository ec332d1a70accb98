//! `race`: the first success wins, the other attempts are cancelled.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use taskscope_error_group::ErrorGroup;

use crate::{Builder, Policy};

/// Runs every future in `futs` as a child task and returns the value of
/// the **first to succeed**, cancelling the others; if none succeeds,
/// returns every error.
///
/// This is the happy-eyeballs pattern (connect to every address, keep the
/// first connection) and Trio's "first one wins" nursery, built on a group
/// with [`Policy::FirstSuccess`]. The children are spawned (parallel;
/// `Send + 'static`) into a group named `race`, each named
/// `race-<index>`. A failing attempt does not stop the race: its error is
/// kept, and dropped only if another attempt succeeds. When `race`
/// returns, none of its children is running.
///
/// Racing no futures at all is an error with no entries: nothing
/// succeeded.
///
/// # Examples
///
/// Before, with `select_ok`: no parallelism, the errors of the attempts
/// that failed are dropped, and the losers are only dropped when the
/// `SelectOk` is, not stopped when the winner is found.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use tokio::time::sleep;
///
/// async fn connect(addr: &'static str, ms: u64, ok: bool) -> Result<&'static str, String> {
///     sleep(Duration::from_millis(ms)).await;
///     if ok { Ok(addr) } else { Err(format!("{addr}: refused")) }
/// }
///
/// let attempts = vec![
///     Box::pin(connect("[::1]:80", 10, false)),
///     Box::pin(connect("127.0.0.1:80", 30, true)),
///     Box::pin(connect("10.0.0.1:80", 5_000, true)),
/// ];
/// let (winner, _losers) = futures::future::select_ok(attempts).await.unwrap();
/// assert_eq!(winner, "127.0.0.1:80");
/// # }
/// ```
///
/// After: the first success cancels the rest; if all fail, every error
/// comes back, named after its attempt.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::task_group::race;
/// use tokio::time::{Instant, sleep};
///
/// async fn connect(addr: &'static str, ms: u64, ok: bool) -> Result<&'static str, String> {
///     sleep(Duration::from_millis(ms)).await;
///     if ok { Ok(addr) } else { Err(format!("{addr}: refused")) }
/// }
///
/// let start = Instant::now();
/// let winner = race([
///     connect("[::1]:80", 10, false),
///     connect("127.0.0.1:80", 30, true),
///     connect("10.0.0.1:80", 5_000, true),
/// ])
/// .await
/// .unwrap();
/// assert_eq!(winner, "127.0.0.1:80");
/// assert_eq!(start.elapsed(), Duration::from_millis(30)); // the slow one was cancelled
///
/// let err = race([connect("a:80", 10, false), connect("b:80", 20, false)]).await.unwrap_err();
/// let names: Vec<_> = err.iter().map(|e| e.task().name().to_owned()).collect();
/// assert_eq!(names, ["race-0", "race-1"]);
/// # }
/// ```
///
/// # Cancel safety
///
/// Dropping the returned future cancels every attempt; a value already
/// found is lost.
///
/// # Panics
///
/// A panicking attempt is a failure; as in a scope, the panic is resumed
/// in the caller once every attempt has stopped, even if another attempt
/// succeeded. Panics outside a tokio runtime, like `tokio::spawn`.
///
/// # Errors
///
/// When no attempt succeeds, an [`ErrorGroup`] with the error of every
/// attempt, in occurrence order (empty for an empty input). If the group
/// around the caller is cancelled first, an empty one for which
/// [`is_cancelled`](ErrorGroup::is_cancelled) is true.
pub fn race<I, F, T, E>(futs: I) -> impl Future<Output = Result<T, ErrorGroup<E>>>
where
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let group = Builder::new().name("race").policy(Policy::FirstSuccess).scope(async move |tg| {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let winner = Arc::new(Mutex::new(Some(tx)));
        for (index, fut) in futs.into_iter().enumerate() {
            let winner = winner.clone();
            tg.spawn_indexed("race", index, async move {
                let value = fut.await?;
                let tx = winner.lock().unwrap_or_else(PoisonError::into_inner).take();
                if let Some(tx) = tx {
                    let _ = tx.send(value);
                }
                Ok(())
            });
        }
        drop(winner);
        // The channel closes without a value once every attempt is gone.
        Ok(rx.await.map_err(|_| tg.shared.info()))
    });
    async move {
        match group.await {
            Ok(Ok(value)) => Ok(value),
            // Nothing to race: no attempt, so no success and no error.
            Ok(Err(info)) => Err(ErrorGroup::new(info)),
            Err(errors) => Err(errors),
        }
    }
}
