//! `gather_settled`: every outcome of a set of children, in input order,
//! cancelling nothing.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt as _;
use taskscope_error_group::TaskError;

use crate::Builder;
use crate::combinators::indexed;
use crate::shared::{Shared, panic_message};

/// Runs every future in `futs` as a child task and returns **every**
/// outcome, in input order: `Ok(value)` or the [`TaskError`] of that input.
/// A failure cancels nothing.
///
/// This is asyncio's `gather(*aws, return_exceptions=True)`, and
/// JavaScript's `Promise.allSettled`. The children are spawned (parallel;
/// `Send + 'static`) into a group named `gather_settled`, each named
/// `gather_settled-<index>`, so each `TaskError` says which input it is
/// about. An input that panics is reported as
/// [`TaskError::Panicked`] with its message, like any other outcome (the
/// panic is not resumed). When `gather_settled` returns, none of its
/// children is running.
///
/// # Examples
///
/// Before, `join_all` over spawned tasks: the errors are there, but which
/// task produced each, and a panic, are yours to sort out.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let handles: Vec<_> = (0..3u32)
///     .map(|i| tokio::spawn(async move { if i == 1 { Err("bad input") } else { Ok(i) } }))
///     .collect();
/// let outcomes = futures::future::join_all(handles).await;
/// assert!(matches!(outcomes[1], Ok(Err("bad input"))));
/// # }
/// ```
///
/// After:
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::task_group::gather_settled;
///
/// let outcomes =
///     gather_settled((0..3u32).map(|i| async move { if i == 1 { Err("bad input") } else { Ok(i) } }))
///         .await;
/// assert_eq!(outcomes[0].as_ref().ok(), Some(&0));
/// let failed = outcomes[1].as_ref().unwrap_err();
/// assert_eq!(failed.task().name(), "gather_settled-1");
/// assert_eq!(failed.as_failed(), Some(&"bad input"));
/// assert_eq!(outcomes[2].as_ref().ok(), Some(&2));
/// # }
/// ```
///
/// # Cancel safety
///
/// Dropping the returned future cancels every child; the outcomes are
/// lost. If the group around the caller is cancelled (its token, a
/// grace period), the children are cancelled with it and, since a
/// cancelled input has no outcome to report, the returned future never
/// completes: it is cancelled too, and its caller is dropped when the
/// grace period ends.
///
/// # Panics
///
/// Panics outside a tokio runtime, like `tokio::spawn`. Panics of the
/// inputs are outcomes, not panics.
pub fn gather_settled<I, F, T, E>(futs: I) -> impl Future<Output = Vec<Result<T, TaskError<E>>>>
where
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let group = Builder::new().name("gather_settled").scope(async move |tg| {
        let handles: Vec<_> = futs
            .into_iter()
            .enumerate()
            .map(|(index, fut)| {
                tg.spawn_settling(PREFIX, index, settle(tg.shared.clone(), index, fut))
            })
            .collect();
        let mut outcomes = Vec::with_capacity(handles.len());
        for handle in handles {
            match handle.await {
                Ok(outcome) => outcomes.push(outcome),
                // Only a cancelled group cancels a child that never fails:
                // this body is dropped at its next await.
                Err(_) => std::future::pending::<()>().await,
            }
        }
        Ok::<_, E>(outcomes)
    });
    async move {
        match group.await {
            Ok(outcomes) => outcomes,
            // Cancelled from outside before every input settled.
            Err(_) => std::future::pending().await,
        }
    }
}

const PREFIX: &str = "gather_settled";

/// Runs `fut` to its outcome, which it returns as its value: the group
/// sees no failure, so it cancels nothing.
async fn settle<F, T, E>(
    shared: Arc<Shared<E>>,
    index: usize,
    fut: F,
) -> Result<Result<T, TaskError<E>>, E>
where
    F: Future<Output = Result<T, E>>,
    E: Send + 'static,
{
    let info = || indexed::info(&shared, PREFIX, index);
    Ok(match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(TaskError::failed(info(), error)),
        Err(payload) => Err(TaskError::panicked(info(), panic_message(&*payload))),
    })
}
