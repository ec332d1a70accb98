//! `as_completed`: a stream of outcomes in completion order; dropping it
//! cancels what is left.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::FutureExt as _;
use futures::Stream;
use taskscope_error_group::TaskError;
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};

use crate::combinators::indexed;
use crate::driver::Driver;
use crate::observe::{self, GroupView};
use crate::shared::{Reason, Shared, panic_message};
use crate::{BuildError, Builder, Spawner};

/// Runs the futures in `futs` as child tasks and yields each outcome **as
/// it completes**: `Ok(value)` or the [`TaskError`] of that input.
///
/// This is asyncio's `as_completed` and `JoinSet::join_next`, as a
/// [`Stream`] with a task group's rules:
///
/// * The children are spawned (parallel; `Send + 'static`) into a group
///   named `as_completed` that nests in the caller's group, each named
///   `as_completed-<index>`; a failure or panic is an item naming its
///   input (a panic as [`TaskError::Panicked`]), and cancels nothing.
/// * **Dropping the stream cancels** every child still running, and any
///   input not started yet never starts. Nothing is left running that
///   nobody will read.
/// * The stream does nothing until polled, like any stream: the first
///   poll starts the children. It ends (`None`) once every input has been
///   yielded and every child has finished.
/// * [`limit(n)`](AsCompleted::limit) runs at most `n` at once, taking inputs
///   from the iterator lazily, so an endless iterator is fine and memory
///   stays bounded by `n`.
/// * [`timeout(d)`](AsCompleted::timeout) stops it all `d` after the stream was
///   created: the children still running are cancelled, and the stream
///   yields one [`TaskError::TimedOut`] and ends.
///
/// If the group around the caller is cancelled, so are the children, and
/// the stream ends early.
///
/// # Examples
///
/// Before, a `JoinSet` loop: completion order, but you tell failures from
/// cancellations and panics by hand, and an error does not say which
/// input it came from unless you carry that along.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use tokio::task::JoinSet;
///
/// let mut set = JoinSet::new();
/// for ms in [30u64, 10, 20] {
///     set.spawn(async move {
///         tokio::time::sleep(Duration::from_millis(ms)).await;
///         Ok::<_, String>(ms)
///     });
/// }
/// let mut order = Vec::new();
/// while let Some(joined) = set.join_next().await {
///     order.push(joined.expect("a panic or a cancellation").expect("a failure"));
/// }
/// assert_eq!(order, [10, 20, 30]);
/// # }
/// ```
///
/// After:
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use futures::StreamExt;
/// use taskscope::task_group::as_completed;
///
/// let inputs = [30u64, 10, 20].map(|ms| async move {
///     tokio::time::sleep(Duration::from_millis(ms)).await;
///     if ms == 20 { Err(format!("{ms} ms is unlucky")) } else { Ok(ms) }
/// });
/// let mut done = as_completed(inputs);
/// assert_eq!(done.next().await.unwrap().unwrap(), 10);
/// let failed = done.next().await.unwrap().unwrap_err();
/// assert_eq!(failed.task().name(), "as_completed-2");
/// assert_eq!(done.next().await.unwrap().unwrap(), 30);
/// assert!(done.next().await.is_none());
/// # }
/// ```
///
/// Dropping the stream halfway cancels the rest:
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use futures::StreamExt;
/// use taskscope::task_group::as_completed;
///
/// let mirrors = [200u64, 50, 100].map(|ms| async move {
///     tokio::time::sleep(Duration::from_millis(ms)).await;
///     Ok::<_, std::io::Error>(ms)
/// });
/// let fastest = as_completed(mirrors).next().await.unwrap().unwrap(); // the other two are cancelled
/// assert_eq!(fastest, 50);
/// # }
/// ```
///
/// # Panics
///
/// Polling the stream panics outside a tokio runtime, like `tokio::spawn`.
/// Panics of the inputs are items, not panics.
pub fn as_completed<I, F, T, E>(futs: I) -> AsCompleted<I::IntoIter, T, E>
where
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let shared = Shared::create(Builder::new().name("as_completed"), observe::current());
    // The stream holds its group open, as a scope's body does, until it
    // has started every input; the driver then joins the children.
    GroupView::hold(&*shared);
    let driver = Box::pin(Driver::without_body(shared.clone(), ()));
    let (tx, rx) = mpsc::unbounded_channel();
    AsCompleted {
        futs: Some(futs.into_iter()),
        next_index: 0,
        running: 0,
        limit: usize::MAX,
        spawner: Spawner::from_shared(shared),
        tx,
        rx,
        created: Instant::now(),
        timeout: None,
        sleep: None,
        state: State::Running,
        held: true,
        unhold: release_hold::<E>,
        driver,
    }
}

/// The stream returned by [`as_completed`]: each input's outcome, in
/// completion order.
///
/// Dropping it cancels every child still running; inputs not started yet
/// never start.
///
/// # Examples
///
/// See [`as_completed`].
///
/// # Cancel safety
///
/// Cancel safe: dropping a `next()` before it completes loses no outcome
/// (the next call yields it). Dropping the stream itself cancels the
/// children still running, and their outcomes are lost.
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<I, T, E> {
    /// The inputs not started yet; `None` once exhausted or stopped.
    futs: Option<I>,
    next_index: usize,
    /// Started and not yet yielded.
    running: usize,
    limit: usize,
    spawner: Spawner<E>,
    tx: mpsc::UnboundedSender<Outcome<T, E>>,
    rx: mpsc::UnboundedReceiver<Outcome<T, E>>,
    created: Instant,
    timeout: Option<(Instant, Duration)>,
    sleep: Option<Pin<Box<Sleep>>>,
    state: State,
    /// The stream's hold on its group (released once it stops starting
    /// children), so that the group cannot close between two spawns.
    held: bool,
    unhold: fn(&Shared<E>),
    /// Joins the group; dropping it unfinished cancels the group.
    driver: GroupJoin<E>,
}

/// What a child sends: its error boxed, so that the outcomes waiting in
/// the channel take the room of a value, not of a `TaskError`.
type Outcome<T, E> = Result<T, Box<TaskError<E>>>;

/// Joins the stream's group, as `TaskGroup::join` does.
type GroupJoin<E> = Pin<Box<Driver<std::future::Ready<Result<(), E>>, (), E>>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Running,
    /// Every item is out, or the group stopped: waiting for the children
    /// to be gone before the stream ends.
    Finishing,
    Done,
}

impl<I, T, E> AsCompleted<I, T, E>
where
    I: Iterator,
    I::Item: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    /// Runs at most `limit` inputs at once. The next input is taken from
    /// the iterator, and started, only when a running one has been
    /// yielded, so memory stays bounded by `limit` however long the
    /// iterator is. Set it before the first poll; inputs already started
    /// keep running.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use futures::StreamExt;
    /// use taskscope::task_group::as_completed;
    /// use tokio::time::{Instant, sleep};
    ///
    /// let start = Instant::now();
    /// let jobs = (0..6u32).map(|i| async move {
    ///     sleep(Duration::from_secs(1)).await;
    ///     Ok::<_, std::io::Error>(i)
    /// });
    /// let done: Vec<_> = as_completed(jobs).limit(2).unwrap().collect().await;
    /// assert_eq!(done.len(), 6);
    /// assert_eq!(start.elapsed(), Duration::from_secs(3)); // 6 jobs, 2 at a time
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroLimit`] for `limit(0)`: nothing could ever run.
    pub fn limit(mut self, limit: usize) -> Result<Self, BuildError> {
        if limit == 0 {
            return Err(BuildError::ZeroLimit(limit));
        }
        self.limit = limit;
        Ok(self)
    }

    /// Stops everything `timeout` after [`as_completed`] was called: the
    /// children still running are cancelled, inputs not started never
    /// start, and the stream yields one
    /// [`TaskError::TimedOut`] (for the `as_completed` group) and ends.
    /// Outcomes of inputs that finished in time are all yielded before it;
    /// an input finishing after the deadline is not.
    ///
    /// Like asyncio's `as_completed(fs, timeout=...)`, except that the
    /// children do not keep running unseen: nothing could read them.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use futures::StreamExt;
    /// use taskscope::task_group::as_completed;
    /// use tokio::time::{Instant, sleep};
    ///
    /// let start = Instant::now();
    /// let jobs = [1u64, 5].map(|s| async move {
    ///     sleep(Duration::from_secs(s)).await;
    ///     Ok::<_, std::io::Error>(s)
    /// });
    /// let done: Vec<_> = as_completed(jobs).timeout(Duration::from_secs(2)).collect().await;
    /// assert_eq!(done[0].as_ref().unwrap(), &1);
    /// assert!(done[1].as_ref().unwrap_err().is_timeout());
    /// assert_eq!(done.len(), 2);
    /// assert_eq!(start.elapsed(), Duration::from_secs(2));
    /// # }
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        // A timeout too large for the clock is no timeout.
        self.timeout = self.created.checked_add(timeout).map(|deadline| (deadline, timeout));
        self.sleep = None;
        self
    }

    /// Starts inputs while there is room under the limit.
    fn fill(&mut self) {
        if self.state != State::Running {
            return;
        }
        while self.running < self.limit && !self.spawner.is_cancelled() {
            let Some(fut) = self.futs.as_mut().and_then(Iterator::next) else {
                self.futs = None;
                return;
            };
            let index = self.next_index;
            self.next_index += 1;
            self.running += 1;
            let child = report(
                self.spawner.shared.clone(),
                index,
                fut,
                self.tx.clone(),
                self.timeout.map(|(deadline, _)| deadline),
            );
            self.spawner.spawn_settling(PREFIX, index, child);
        }
    }
}

const PREFIX: &str = "as_completed";

/// Runs `fut` and sends its outcome to the stream, unless the deadline
/// passed first; the group itself never sees a failure.
async fn report<F, T, E>(
    shared: Arc<Shared<E>>,
    index: usize,
    fut: F,
    tx: mpsc::UnboundedSender<Outcome<T, E>>,
    deadline: Option<Instant>,
) -> Result<(), E>
where
    F: Future<Output = Result<T, E>>,
    E: Send + 'static,
{
    let info = || indexed::info(&shared, PREFIX, index);
    let outcome = match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(Box::new(TaskError::failed(info(), error))),
        Err(payload) => Err(Box::new(TaskError::panicked(info(), panic_message(&*payload)))),
    };
    if deadline.is_none_or(|deadline| Instant::now() < deadline) {
        let _ = tx.send(outcome);
    }
    Ok(())
}

// Nothing is pinned: the inputs are taken out of the iterator by value and
// spawned, and the group's driver is boxed.
impl<I, T, E> Unpin for AsCompleted<I, T, E> {}

impl<I, T, E> Stream for AsCompleted<I, T, E>
where
    I: Iterator,
    I::Item: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    type Item = Result<T, TaskError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.state == State::Running {
            this.fill();
            if let Poll::Ready(Some(outcome)) = this.rx.poll_recv(cx) {
                this.running -= 1;
                this.fill();
                return Poll::Ready(Some(outcome.map_err(|error| *error)));
            }
            // Nothing ready: before waiting, watch the group's token (the
            // group around the caller may cancel this one) through the
            // driver, which cannot finish the group while the stream holds
            // it.
            let _ = this.driver.as_mut().poll(cx);
            if let Some((deadline, after)) = this.timeout {
                let sleep =
                    this.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if sleep.as_mut().poll(cx).is_ready() {
                    this.finishing();
                    this.spawner.shared.cancel(Reason::Cancelled);
                    let info = this.spawner.shared.info();
                    return Poll::Ready(Some(Err(TaskError::timed_out(info, after))));
                }
            }
            let all_out = this.futs.is_none() && this.running == 0;
            if all_out || this.spawner.is_cancelled() {
                this.finishing();
            }
        }
        if this.state == State::Finishing {
            // Whatever arrives now came too late (a deadline) or from a
            // cancelled group: dropped.
            while let Poll::Ready(Some(_)) = this.rx.poll_recv(cx) {}
            if this.driver.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.state = State::Done;
        }
        if this.state == State::Done {
            return Poll::Ready(None);
        }
        Poll::Pending
    }
}

impl<I, T, E> AsCompleted<I, T, E> {
    /// Stops starting inputs and lets the group finish once its children
    /// are gone.
    fn finishing(&mut self) {
        self.state = State::Finishing;
        self.futs = None;
        self.release();
    }

    fn release(&mut self) {
        if std::mem::take(&mut self.held) {
            (self.unhold)(&self.spawner.shared);
        }
    }
}

/// Undoes the stream's `hold` on its group; a plain function so that
/// `Drop`, which cannot have the `E: Send + 'static` bound, can call it.
fn release_hold<E: Send + 'static>(shared: &Shared<E>) {
    GroupView::release(shared);
}

/// Dropping the stream cancels the group (the driver's drop) and lets go
/// of it.
impl<I, T, E> Drop for AsCompleted<I, T, E> {
    fn drop(&mut self) {
        self.release();
    }
}

impl<I, T, E> fmt::Debug for AsCompleted<I, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("group", &self.spawner)
            .field("running", &self.running)
            .field("limit", &self.limit)
            .field("timeout", &self.timeout.map(|(_, after)| after))
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}
