//! `wait`: wait on a set of children until one finishes, one fails, or all
//! finish, and get back the handles of those still running.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt as _};
use tokio::time::{Instant, Sleep};

use crate::{JoinError, ReturnWhen, TaskHandle};

/// A finished child, as [`wait`] reports it: its position among the
/// handles given to `wait`, and what awaiting its handle returned.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::task_group::{Done, ReturnWhen, wait};
///
/// taskscope::scope(async |tg| {
///     let handles = [tg.spawn(async { Ok(1) }), tg.spawn(async { Ok(2) })];
///     let (done, _): (Vec<Done<i32>>, _) = wait(handles, ReturnWhen::AllCompleted).await;
///     let sum: i32 = done.into_iter().map(|(_, result)| result.unwrap()).sum();
///     assert_eq!(sum, 3);
///     Ok::<_, ()>(())
/// })
/// .await
/// .unwrap();
/// # }
/// ```
pub type Done<T> = (usize, Result<T, JoinError>);

/// Waits on the children behind `handles` until `when` says to return,
/// and returns `(done, pending)`: what finished, and the handles of the
/// children still running.
///
/// This is asyncio's `wait(tasks, return_when=...)`. It takes
/// [`TaskHandle`]s rather than futures because the children still
/// pending when it returns must belong to a group that outlives the call:
/// spawn them on your group, and `wait` hands the unfinished ones back to
/// you. They keep running, owned by their group; wait on them again, abort
/// them, or drop the handles to let them run detached (the group still
/// waits for them). Nothing is cancelled by `wait` — not when it returns,
/// not when its [timeout](Wait::timeout) passes.
///
/// * `done` holds `(index, result)` pairs, where `index` is the position
///   of the handle in `handles` and `result` what awaiting it returned.
///   Both lists are in input order. Every child that has finished by the
///   time `wait` returns is in `done`, not only the one that ended the
///   wait.
/// * [`ReturnWhen::FirstError`] returns at the first child that failed
///   or panicked; a cancelled child is not a failure (DESIGN rule 22). A
///   child's error itself is in its group's
///   [`ErrorGroup`](crate::ErrorGroup); the [`JoinError`] says which
///   child and how it ended.
/// * An empty `handles` returns `([], [])` at once (asyncio raises
///   `ValueError`).
///
/// # Examples
///
/// Before, `select!` on handles kept in `Option`s, by hand, for every
/// shape of "whichever finishes first":
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use tokio::time::sleep;
///
/// let mut a = tokio::spawn(async { sleep(Duration::from_secs(10)).await; "a" });
/// let mut b = tokio::spawn(async { sleep(Duration::from_secs(1)).await; "b" });
/// let first = tokio::select! {
///     out = &mut a => out.unwrap(),
///     out = &mut b => out.unwrap(),
/// };
/// assert_eq!(first, "b");
/// a.abort(); // or keep both handles around and remember which one is done
/// # }
/// ```
///
/// After:
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::task_group::{ReturnWhen, wait};
/// use tokio::time::sleep;
///
/// taskscope::scope(async |tg| {
///     let a = tg.spawn(async { sleep(Duration::from_secs(10)).await; Ok("a") });
///     let b = tg.spawn(async { sleep(Duration::from_secs(1)).await; Ok("b") });
///     let (done, pending) = wait([a, b], ReturnWhen::FirstCompleted).await;
///     assert_eq!(done.len(), 1);
///     let (index, result) = &done[0];
///     assert_eq!((*index, result.as_ref().unwrap()), (1, &"b"));
///     assert_eq!(pending.len(), 1); // `a` still runs, and its handle is ours
///     for handle in pending {
///         handle.abort();
///     }
///     Ok::<_, std::io::Error>(())
/// })
/// .await
/// .unwrap();
/// # }
/// ```
///
/// With a timeout, nothing is cancelled:
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::task_group::{ReturnWhen, wait};
/// use tokio::time::sleep;
///
/// taskscope::scope(async |tg| {
///     let slow = tg.spawn(async { sleep(Duration::from_secs(5)).await; Ok(5) });
///     let (done, pending) =
///         wait([slow], ReturnWhen::AllCompleted).timeout(Duration::from_secs(1)).await;
///     assert!(done.is_empty());
///     let (done, _) = wait(pending, ReturnWhen::AllCompleted).await; // still running: wait again
///     assert_eq!(done[0].1.as_ref().unwrap(), &5);
///     Ok::<_, ()>(())
/// })
/// .await
/// .unwrap();
/// # }
/// ```
///
/// # Cancel safety
///
/// Cancel safe, but cancelling drops the handles: the children run on
/// detached in their group, and the results of those that finished are
/// lost.
pub fn wait<I, T>(handles: I, when: ReturnWhen) -> Wait<T>
where
    I: IntoIterator<Item = TaskHandle<T>>,
{
    let running: FuturesUnordered<Indexed<T>> = handles
        .into_iter()
        .enumerate()
        .map(|(index, handle)| Indexed { index, handle: Some(handle) })
        .collect();
    Wait {
        running,
        done: Vec::new(),
        when,
        created: Instant::now(),
        deadline: None,
        sleep: None,
        expired: false,
        finished: false,
    }
}

/// The future returned by [`wait`].
///
/// # Examples
///
/// See [`wait`].
///
/// # Cancel safety
///
/// Cancel safe, but cancelling drops the handles: the children run on
/// detached in their group, and the results of those that finished are
/// lost.
///
/// # Panics
///
/// Polling it again after it completed panics, as `async fn` futures do.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Wait<T> {
    running: FuturesUnordered<Indexed<T>>,
    done: Vec<Done<T>>,
    when: ReturnWhen,
    created: Instant,
    deadline: Option<Instant>,
    sleep: Option<Pin<Box<Sleep>>>,
    expired: bool,
    finished: bool,
}

impl<T> Wait<T> {
    /// Returns, at the latest, `timeout` after [`wait`] was called, with
    /// whatever has finished by then — a child finishing at that very
    /// instant included. Nothing is cancelled: the children still running
    /// come back as pending handles (asyncio's `timeout=`). A timeout too
    /// large for the clock is no timeout.
    ///
    /// # Examples
    ///
    /// See [`wait`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.deadline = self.created.checked_add(timeout);
        self.sleep = None;
        self.expired = false;
        self
    }

    /// Ends the wait: everything finished by now goes to `done`.
    fn finish(&mut self) -> (Vec<Done<T>>, Vec<TaskHandle<T>>) {
        self.finished = true;
        let mut done = std::mem::take(&mut self.done);
        let mut pending = Vec::new();
        for mut child in std::mem::take(&mut self.running) {
            let Some(handle) = child.handle.take() else { continue };
            if handle.is_finished() {
                // Ready at once: finished children hold their output, and
                // `unconstrained` keeps tokio's budget from saying "later".
                let mut handle = handle;
                let waker = std::task::Waker::noop();
                let mut cx = Context::from_waker(waker);
                let polled = tokio::task::unconstrained(&mut handle);
                let mut polled = std::pin::pin!(polled);
                if let Poll::Ready(result) = polled.as_mut().poll(&mut cx) {
                    done.push((child.index, result));
                    continue;
                }
                pending.push((child.index, handle));
            } else {
                pending.push((child.index, handle));
            }
        }
        done.sort_by_key(|(index, _)| *index);
        pending.sort_by_key(|(index, _)| *index);
        (done, pending.into_iter().map(|(_, handle)| handle).collect())
    }
}

// Nothing in a `Wait` is pinned: the handles are `Unpin`, the timer boxed.
impl<T> Unpin for Wait<T> {}

impl<T> Future for Wait<T> {
    type Output = (Vec<Done<T>>, Vec<TaskHandle<T>>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        assert!(!this.finished, "`Wait` polled after it completed");
        loop {
            match this.running.poll_next_unpin(cx) {
                Poll::Ready(Some((index, result))) => {
                    let failed = result.as_ref().is_err_and(|e| e.is_failed() || e.is_panic());
                    this.done.push((index, result));
                    let stop = match this.when {
                        ReturnWhen::FirstCompleted => true,
                        ReturnWhen::FirstError => failed,
                        ReturnWhen::AllCompleted => false,
                    };
                    if stop {
                        return Poll::Ready(this.finish());
                    }
                }
                Poll::Ready(None) => return Poll::Ready(this.finish()),
                Poll::Pending => break,
            }
        }
        if let Some(deadline) = this.deadline {
            if this.expired {
                return Poll::Ready(this.finish());
            }
            let sleep =
                this.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
            if sleep.as_mut().poll(cx).is_ready() {
                // Children due at the same instant as the deadline finish
                // in time: let them run once before returning.
                this.expired = true;
                cx.waker().wake_by_ref();
            }
        }
        Poll::Pending
    }
}

/// A handle that remembers its place among `wait`'s inputs, and can be
/// taken back out while still running.
struct Indexed<T> {
    index: usize,
    handle: Option<TaskHandle<T>>,
}

impl<T> Future for Indexed<T> {
    type Output = Done<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Done<T>> {
        let this = &mut *self;
        let Some(handle) = this.handle.as_mut() else {
            // Never polled again once it returned.
            return Poll::Pending;
        };
        // A handle is cheap to poll: exempt it from tokio's budget, so a
        // wait on thousands of children stays linear.
        let result = std::task::ready!(Pin::new(&mut tokio::task::unconstrained(handle)).poll(cx));
        this.handle = None;
        Poll::Ready((this.index, result))
    }
}

impl<T> fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("when", &self.when)
            .field("pending", &self.running.len())
            .field("done", &self.done.len())
            .field("deadline", &self.deadline)
            .finish()
    }
}
