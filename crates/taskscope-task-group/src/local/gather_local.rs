//! `gather_local`: `gather` without spawning, for futures that are not
//! `Send` or not `'static`.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::TryFuture;
use futures::stream::{FuturesUnordered, StreamExt as _};
use pin_project_lite::pin_project;
use taskscope_error_group::{ErrorGroup, TaskError, TaskInfo};

use crate::combinators::names;
use crate::observe::{self, GroupView};
use crate::shared::panic_message;

/// Polls every future in `futs` **in place**, concurrently, and returns
/// their values in input order; the first failure drops the rest.
///
/// The local counterpart of [`gather`](crate::gather), for futures a task
/// could not run: not `Send`, or borrowing from the caller. Nothing is
/// spawned — the futures are polled by the task that awaits
/// `gather_local`, like a [`scope_local`](crate::scope_local()) whose
/// children are all of one type, and only the futures that were woken are
/// polled — so they run concurrently but not in parallel, and cost about
/// what `FuturesUnordered` costs. The rules are `gather`'s: results in
/// input order; the first error (or panic) cancels the others (here:
/// drops their futures at once) and comes back in an [`ErrorGroup`]
/// naming its input `gather_local-<index>`, in a group named
/// `gather_local` under the path of the group the caller runs in; a panic
/// is resumed once the others are dropped, unless that group catches
/// panics.
///
/// # Examples
///
/// Before, `try_join_all`: ordered and local, but the error does not say
/// which input failed.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let lines = ["1", "2", "x"];
/// let err = futures::future::try_join_all(lines.iter().map(|l| async move { l.parse::<u32>() }))
///     .await
///     .unwrap_err();
/// assert_eq!(err.to_string(), "invalid digit found in string"); // which line?
/// # }
/// ```
///
/// After:
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::task_group::gather_local;
///
/// let lines = vec![String::from("1"), String::from("2")];
/// let parsed = gather_local(lines.iter().map(|l| async move { l.parse::<u32>() })).await.unwrap();
/// assert_eq!(parsed, [1, 2]);
///
/// let lines = ["1", "2", "x"];
/// let err = gather_local(lines.iter().map(|l| async move { l.parse::<u32>() })).await.unwrap_err();
/// assert_eq!(err.first().unwrap().task().name(), "gather_local-2");
/// # }
/// ```
///
/// # Cancel safety
///
/// Dropping the returned future drops every input right away; no result
/// is kept.
///
/// # Panics
///
/// A panicking input is a failure: the others are dropped, then the panic
/// is resumed in the caller (or recorded, if the group the caller runs in
/// catches panics).
///
/// # Errors
///
/// An [`ErrorGroup`] with the first error. Since nothing runs in
/// parallel, the others are dropped before they can fail too.
pub fn gather_local<I>(futs: I) -> GatherLocal<I::Item>
where
    I: IntoIterator,
    I::Item: TryFuture,
{
    let children: FuturesUnordered<_> =
        futs.into_iter().enumerate().map(|(index, fut)| Indexed { index, fut }).collect();
    let results = std::iter::repeat_with(|| None).take(children.len()).collect();
    GatherLocal { children, results, parent: observe::current(), done: false }
}

/// The future returned by [`gather_local`].
///
/// # Examples
///
/// See [`gather_local`].
///
/// # Cancel safety
///
/// Dropping it drops every input right away; no result is kept.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct GatherLocal<F: TryFuture> {
    children: FuturesUnordered<Indexed<F>>,
    results: Vec<Option<F::Ok>>,
    /// The group the caller runs in: the errors' paths start with its.
    parent: Option<Arc<dyn GroupView>>,
    done: bool,
}

pin_project! {
    /// One input, with its position, its panics caught.
    struct Indexed<F> {
        index: usize,
        #[pin]
        fut: F,
    }
}

impl<F: TryFuture> Future for Indexed<F> {
    type Output = (usize, std::thread::Result<Result<F::Ok, F::Error>>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Spent budget: yield rather than poll every ready input in vain
        // (see `LocalChild::poll`).
        if !tokio::task::coop::has_budget_remaining() {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let this = self.project();
        let fut = this.fut;
        match catch_unwind(AssertUnwindSafe(|| fut.try_poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(out)) => Poll::Ready((*this.index, Ok(out))),
            Err(payload) => Poll::Ready((*this.index, Err(payload))),
        }
    }
}

impl<F: TryFuture> GatherLocal<F> {
    /// Ends the gather: the inputs still pending are dropped.
    fn fail(&mut self, index: usize, error: Failure<F::Error>) -> ErrorGroup<F::Error> {
        self.done = true;
        drop(std::mem::take(&mut self.children));
        let nest = self.parent.as_ref().map(|parent| parent.nest());
        let path = match nest.as_ref().map(|nest| &*nest.path) {
            Some(parent) if !parent.is_empty() => format!("{parent}/gather_local"),
            _ => "gather_local".to_owned(),
        };
        let id = tokio::task::try_id();
        let with_id = |info: TaskInfo| match id {
            Some(id) => info.with_id(id),
            None => info,
        };
        let name = names::indexed("gather_local", index);
        let child = with_id(TaskInfo::new(name.clone(), format!("{path}/{name}")));
        let entry = match error {
            Failure::Error(error) => TaskError::failed(child, error),
            Failure::Panic(payload) => {
                if !nest.is_some_and(|nest| nest.catch_panics) {
                    resume_unwind(payload);
                }
                TaskError::panicked(child, panic_message(&*payload))
            }
        };
        let mut group = ErrorGroup::new(with_id(TaskInfo::new("gather_local", path)));
        group.push(entry);
        group
    }
}

enum Failure<E> {
    Error(E),
    Panic(Box<dyn std::any::Any + Send>),
}

impl<F: TryFuture> Future for GatherLocal<F> {
    type Output = Result<Vec<F::Ok>, ErrorGroup<F::Error>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        assert!(!this.done, "`GatherLocal` polled after it completed");
        loop {
            match this.children.poll_next_unpin(cx) {
                Poll::Ready(Some((index, Ok(Ok(value))))) => {
                    if let Some(slot) = this.results.get_mut(index) {
                        *slot = Some(value);
                    }
                }
                Poll::Ready(Some((index, Ok(Err(error))))) => {
                    return Poll::Ready(Err(this.fail(index, Failure::Error(error))));
                }
                Poll::Ready(Some((index, Err(payload)))) => {
                    return Poll::Ready(Err(this.fail(index, Failure::Panic(payload))));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    let results = std::mem::take(&mut this.results);
                    return Poll::Ready(Ok(results.into_iter().flatten().collect()));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

// Nothing is pinned: the inputs sit in a `FuturesUnordered`.
impl<F: TryFuture> Unpin for GatherLocal<F> {}

impl<F: TryFuture> fmt::Debug for GatherLocal<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatherLocal")
            .field("pending", &self.children.len())
            .field("inputs", &self.results.len())
            .field("done", &self.done)
            .finish()
    }
}
