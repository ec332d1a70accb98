//! `as_completed`: CPython's as_completed tests ported
//! (Lib/test/test_asyncio/test_tasks.py, `test_as_completed*`), plus the
//! stream being dropped halfway, limits, laziness and nesting, on the
//! paused clock and the multi-thread runtime.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt as _;
use taskscope::task_group::as_completed;
use taskscope::{BuildError, TaskGroup};
use tokio::sync::Notify;
use tokio::time::{Instant, sleep};

/// Counts the futures it wrapped that have not been dropped yet, and
/// wakes `all_done` waiters when none is left.
#[derive(Clone, Default)]
struct Tracker {
    live: Arc<AtomicUsize>,
    zero: Arc<Notify>,
}

struct Alive(Tracker);

impl Drop for Alive {
    fn drop(&mut self) {
        if self.0.live.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.zero.notify_waiters();
        }
    }
}

impl Tracker {
    fn track<F: Future>(&self, fut: F) -> impl Future<Output = F::Output> + use<F> {
        self.live.fetch_add(1, Ordering::SeqCst);
        let alive = Alive(self.clone());
        async move {
            let _alive = alive;
            fut.await
        }
    }

    /// For code that aborts from `Drop`: waits (no clock) until every
    /// tracked future is gone.
    async fn all_done(&self) {
        loop {
            let notified = self.zero.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.live.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }

    #[track_caller]
    fn assert_all_done(&self) {
        assert_eq!(self.live.load(Ordering::SeqCst), 0, "tracked futures still alive");
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn after<T>(delay: Duration, value: T) -> Result<T, String> {
    sleep(delay).await;
    Ok(value)
}

// Port of test_as_completed: values in completion order, the whole in the
// time of the slowest.
#[tokio::test(start_paused = true)]
async fn cpython_as_completed() {
    let tracker = Tracker::default();
    let start = Instant::now();
    let sleepers =
        [(ms(10), "b"), (ms(150), "c"), (ms(10), "a")].map(|(d, v)| tracker.track(after(d, v)));
    let values: Vec<_> = as_completed(sleepers).map(Result::unwrap).collect().await;
    assert_eq!(start.elapsed(), ms(150));
    assert!(values[..2].contains(&"a") && values[..2].contains(&"b"));
    assert_eq!(values[2], "c");
    tracker.assert_all_done();
}

// Port of test_as_completed_with_timeout: the input still running at the
// deadline is reported as timed out (and, unlike asyncio, cancelled:
// nothing could read it any more).
#[tokio::test(start_paused = true)]
async fn cpython_as_completed_with_timeout() {
    let tracker = Tracker::default();
    let start = Instant::now();
    let inputs = [(ms(100), "a"), (ms(150), "b")].map(|(d, v)| tracker.track(after(d, v)));
    let values: Vec<_> = as_completed(inputs).timeout(ms(120)).collect().await;
    assert_eq!(values.len(), 2, "{values:?}");
    assert_eq!(values[0].as_ref().unwrap(), &"a");
    let timed_out = values[1].as_ref().unwrap_err();
    assert!(timed_out.is_timeout());
    assert_eq!(timed_out.task().name(), "as_completed");
    assert_eq!(start.elapsed(), ms(120));
    tracker.assert_all_done();
}

// Port of test_as_completed_with_unused_timeout.
#[tokio::test(start_paused = true)]
async fn cpython_as_completed_with_unused_timeout() {
    let start = Instant::now();
    let values: Vec<_> =
        as_completed([after(ms(10), "a")]).timeout(ms(1000)).map(Result::unwrap).collect().await;
    assert_eq!(values, ["a"]);
    assert_eq!(start.elapsed(), ms(10));
}

// Port of test_as_completed_concurrent: two inputs finishing together
// both come out.
#[tokio::test(start_paused = true)]
async fn cpython_as_completed_concurrent() {
    let mut values: Vec<_> =
        as_completed([after(ms(50), "a"), after(ms(50), "b")]).map(Result::unwrap).collect().await;
    values.sort_unstable();
    assert_eq!(values, ["a", "b"]);
}

// Port of test_as_completed_duplicate_coroutines, where Rust differs: a
// future cannot be passed twice, so every input is its own child and
// each one yields once.
#[tokio::test(start_paused = true)]
async fn cpython_as_completed_duplicate_inputs() {
    let mut values: Vec<_> =
        as_completed([after(ms(1), "ham"), after(ms(1), "ham"), after(ms(1), "spam")])
            .map(Result::unwrap)
            .collect()
            .await;
    values.sort_unstable();
    assert_eq!(values, ["ham", "ham", "spam"]);
}

// as_completed dropped halfway: what is left is cancelled.
#[tokio::test(start_paused = true)]
async fn dropped_halfway_cancels_the_rest() {
    let tracker = Tracker::default();
    let finished = Arc::new(AtomicUsize::new(0));
    let inputs = [10, 20, 3_600_000, 3_600_000].map(|d| {
        let finished = finished.clone();
        tracker.track(async move {
            sleep(ms(d)).await;
            finished.fetch_add(1, Ordering::SeqCst);
            Ok::<_, String>(d)
        })
    });
    let mut stream = as_completed(inputs);
    assert_eq!(stream.next().await.unwrap().unwrap(), 10);
    assert_eq!(stream.next().await.unwrap().unwrap(), 20);
    drop(stream);
    tracker.all_done().await;
    assert_eq!(finished.load(Ordering::SeqCst), 2);
}

// Inside a group, the stream's children nest in it: the group does not
// return before the children a dropped stream cancelled are gone.
#[tokio::test(start_paused = true)]
async fn dropped_inside_a_scope_the_scope_joins_the_cancelled_children() {
    let tracker = Tracker::default();
    let start = Instant::now();
    TaskGroup::builder()
        .name("mirrors")
        .scope(async |_tg| {
            let inputs = [50, 3_600_000, 3_600_000].map(|d| tracker.track(after(ms(d), d)));
            let first = as_completed(inputs).next().await.unwrap().unwrap();
            assert_eq!(first, 50);
            Ok::<_, String>(())
        })
        .await
        .unwrap();
    assert_eq!(start.elapsed(), ms(50));
    tracker.assert_all_done();
}

// Failures and panics are items, named after their input; they cancel
// nothing.
#[tokio::test(start_paused = true)]
async fn failures_and_panics_are_items() {
    let tracker = Tracker::default();
    let inputs = (0..4u64).map(|i| {
        tracker.track(async move {
            sleep(ms(10 * (4 - i))).await;
            match i {
                1 => Err(format!("input {i} failed")),
                2 => panic!("input {i} panicked"),
                _ => Ok(i),
            }
        })
    });
    let items: Vec<_> = as_completed(inputs).collect().await;
    assert_eq!(items.len(), 4);
    assert_eq!(items[0].as_ref().unwrap(), &3);
    let panicked = items[1].as_ref().unwrap_err();
    assert_eq!(panicked.task().name(), "as_completed-2");
    assert_eq!(panicked.panic_message(), Some("input 2 panicked"));
    let failed = items[2].as_ref().unwrap_err();
    assert_eq!(failed.task().path(), "as_completed/as_completed-1");
    assert_eq!(failed.as_failed().unwrap(), "input 1 failed");
    assert_eq!(items[3].as_ref().unwrap(), &0);
    tracker.assert_all_done();
}

// A limit: never more than `n` running, inputs taken lazily, so an
// endless iterator works and stops being read when the stream is dropped.
#[tokio::test(start_paused = true)]
async fn limit_bounds_concurrency_and_reads_lazily() {
    let tracker = Tracker::default();
    let running = Arc::new(AtomicUsize::new(0));
    let high = Arc::new(AtomicUsize::new(0));
    let taken = Arc::new(AtomicUsize::new(0));
    let inputs = {
        let (running, high, taken, tracker) =
            (running.clone(), high.clone(), taken.clone(), tracker.clone());
        (0u64..).map(move |i| {
            taken.fetch_add(1, Ordering::SeqCst);
            let (running, high) = (running.clone(), high.clone());
            tracker.track(async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                high.fetch_max(now, Ordering::SeqCst);
                sleep(ms(10 + i % 3)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, String>(i)
            })
        })
    };
    let start = Instant::now();
    let mut stream = as_completed(inputs).limit(3).unwrap();
    let mut got = Vec::new();
    while got.len() < 9 {
        got.push(stream.next().await.unwrap().unwrap());
    }
    assert_eq!(high.load(Ordering::SeqCst), 3);
    assert!(taken.load(Ordering::SeqCst) <= 9 + 3, "read lazily");
    assert!(start.elapsed() >= ms(30) && start.elapsed() <= ms(40));
    drop(stream);
    tracker.all_done().await;
    let taken_at_drop = taken.load(Ordering::SeqCst);
    sleep(ms(100)).await;
    assert_eq!(taken.load(Ordering::SeqCst), taken_at_drop, "nothing read after the drop");
}

#[tokio::test(start_paused = true)]
async fn limit_zero_is_a_typed_error() {
    let err = as_completed([after(ms(1), 1)]).limit(0).unwrap_err();
    assert_eq!(err, BuildError::ZeroLimit(0));
    assert!(err.to_string().starts_with("limit must be at least 1, got 0"));
}

// A cancelled enclosing group cancels the stream's children and ends it.
#[tokio::test(start_paused = true)]
async fn enclosing_group_cancel_ends_the_stream() {
    let tracker = Tracker::default();
    let start = Instant::now();
    let result = TaskGroup::builder()
        .grace(ms(1000))
        .scope(async |tg| {
            let inputs = [10, 3_600_000].map(|d| tracker.track(after(ms(d), d)));
            let mut stream = as_completed(inputs);
            assert_eq!(stream.next().await.unwrap().unwrap(), 10);
            tg.cancel(); // with a grace period, the body runs on
            assert!(stream.next().await.is_none());
            assert_eq!(start.elapsed(), ms(10));
            Ok::<_, String>(())
        })
        .await;
    assert!(result.is_ok());
    tracker.assert_all_done();
}

#[tokio::test(start_paused = true)]
async fn an_empty_input_ends_at_once() {
    let none: Vec<std::future::Ready<Result<u8, String>>> = Vec::new();
    assert!(as_completed(none).next().await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_completed_on_the_multi_thread_runtime() {
    let tracker = Tracker::default();
    let inputs = (0..200u64).map(|i| {
        tracker.track(async move {
            for _ in 0..(i % 4) {
                tokio::task::yield_now().await;
            }
            if i % 10 == 3 { Err(i) } else { Ok(i) }
        })
    });
    let mut ok: Vec<u64> = Vec::new();
    let mut failed: Vec<u64> = Vec::new();
    let mut stream = as_completed(inputs).limit(16).unwrap();
    while let Some(item) = stream.next().await {
        match item {
            Ok(i) => ok.push(i),
            Err(e) => failed.push(*e.as_failed().unwrap()),
        }
    }
    ok.sort_unstable();
    failed.sort_unstable();
    assert_eq!(ok, (0..200).filter(|i| i % 10 != 3).collect::<Vec<_>>());
    assert_eq!(failed, (0..200).filter(|i| i % 10 == 3).collect::<Vec<_>>());
    tracker.assert_all_done();

    // Dropped halfway on the multi-thread runtime.
    let inputs =
        (0..100u64).map(|i| tracker.track(after(ms(if i == 0 { 0 } else { 3_600_000 }), i)));
    let mut stream = as_completed(inputs);
    assert_eq!(stream.next().await.unwrap().unwrap(), 0);
    drop(stream);
    tracker.all_done().await;
}
