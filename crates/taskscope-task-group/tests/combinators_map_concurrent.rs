//! `map_concurrent`: results in input order, the limit never exceeded
//! (an atomic high-water mark), fail-fast, lazy reading of an endless
//! iterator, and `limit(0)` as a typed error; paused clock and
//! multi-thread runtime.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use taskscope::BuildError;
use taskscope::task_group::map_concurrent;
use tokio::time::{Instant, sleep};

use support::Tracker;

/// How many are in flight now, and the most there ever were.
#[derive(Clone, Default)]
struct HighWater {
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
}

impl HighWater {
    fn enter(&self) -> InFlight {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
        InFlight(self.now.clone())
    }

    fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test(start_paused = true)]
async fn results_follow_the_input_order() {
    let tracker = Tracker::default();
    let start = Instant::now();
    // Later items finish first.
    let values = map_concurrent(0..6u64, 6, |i| {
        tracker.track(async move {
            sleep(ms(60 - 10 * i)).await;
            Ok::<_, String>(i * i)
        })
    })
    .unwrap()
    .await
    .unwrap();
    assert_eq!(values, [0, 1, 4, 9, 16, 25]);
    assert_eq!(start.elapsed(), ms(60));
    tracker.assert_all_done();
}

#[tokio::test(start_paused = true)]
async fn the_limit_is_never_exceeded_and_is_used() {
    let tracker = Tracker::default();
    let high = HighWater::default();
    let start = Instant::now();
    let values = map_concurrent(0..20u64, 4, |i| {
        let high = high.clone();
        tracker.track(async move {
            let _in_flight = high.enter();
            sleep(ms(10)).await;
            Ok::<_, String>(i)
        })
    })
    .unwrap()
    .await
    .unwrap();
    assert_eq!(values, (0..20).collect::<Vec<_>>());
    assert_eq!(high.max(), 4);
    assert_eq!(start.elapsed(), ms(50), "20 items, 4 at a time, 10 ms each");
    tracker.assert_all_done();
}

// A slow item does not hold the next ones back (unlike `buffered`, which
// waits for the head): a slot that frees up is refilled at once.
#[tokio::test(start_paused = true)]
async fn a_slow_item_does_not_block_the_window() {
    let start = Instant::now();
    let values = map_concurrent(0..5u64, 2, |i| async move {
        sleep(ms(if i == 0 { 40 } else { 10 })).await;
        Ok::<_, String>(i)
    })
    .unwrap()
    .await
    .unwrap();
    assert_eq!(values, [0, 1, 2, 3, 4]);
    assert_eq!(start.elapsed(), ms(40));
}

#[tokio::test(start_paused = true)]
async fn the_first_failure_cancels_the_rest() {
    let tracker = Tracker::default();
    let start = Instant::now();
    let err = map_concurrent(0..10u64, 5, |i| {
        tracker.track(async move {
            sleep(ms(if i == 3 { 5 } else { 3_600_000 })).await;
            if i == 3 { Err(format!("item {i} failed")) } else { Ok(i) }
        })
    })
    .unwrap()
    .await
    .unwrap_err();
    assert_eq!(start.elapsed(), ms(5));
    assert_eq!(err.len(), 1);
    let entry = err.first().unwrap();
    assert_eq!(entry.task().name(), "map_concurrent-3");
    assert_eq!(entry.task().path(), "map_concurrent/map_concurrent-3");
    tracker.assert_all_done();
}

// An endless iterator with an early failure: items are taken only as
// room frees up, so the failure stops the reading after a bounded number
// of items.
#[tokio::test(start_paused = true)]
async fn an_endless_iterator_is_read_lazily_and_stops_at_the_failure() {
    let tracker = Tracker::default();
    let taken = Arc::new(AtomicUsize::new(0));
    let items = {
        let taken = taken.clone();
        (0u64..).inspect(move |_| {
            taken.fetch_add(1, Ordering::SeqCst);
        })
    };
    let err = map_concurrent(items, 3, |i| {
        tracker.track(async move {
            sleep(ms(10)).await;
            if i == 7 { Err(format!("item {i}")) } else { Ok(i) }
        })
    })
    .unwrap()
    .await
    .unwrap_err();
    assert_eq!(err.first().unwrap().task().name(), "map_concurrent-7");
    let taken = taken.load(Ordering::SeqCst);
    assert!(taken <= 7 + 3, "took {taken} items from an endless iterator");
    tracker.assert_all_done();
}

#[tokio::test(start_paused = true)]
async fn limit_zero_is_a_typed_error() {
    let Err(err) = map_concurrent(0..3, 0, |i| async move { Ok::<_, String>(i) }) else {
        panic!("limit 0 was accepted");
    };
    assert_eq!(err, BuildError::ZeroLimit(0));
}

#[tokio::test(start_paused = true)]
async fn an_empty_input_is_an_empty_vec() {
    let values =
        map_concurrent(Vec::<u8>::new(), 3, |i| async move { Ok::<_, String>(i) }).unwrap().await;
    assert!(values.unwrap().is_empty());
}

// `f` runs in the caller's task, and a panic in a child is resumed once
// the rest are cancelled.
#[tokio::test(start_paused = true)]
async fn a_panicking_child_cancels_the_rest_then_panics() {
    use futures::FutureExt as _;
    let tracker = Tracker::default();
    let mapped = map_concurrent(0..4u64, 4, |i| {
        tracker.track(async move {
            sleep(ms(if i == 1 { 1 } else { 3_600_000 })).await;
            if i == 1 {
                panic!("item 1 is a bug");
            }
            Ok::<_, String>(i)
        })
    })
    .unwrap();
    let payload = std::panic::AssertUnwindSafe(mapped).catch_unwind().await.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"item 1 is a bug"));
    tracker.assert_all_done();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_holds_on_the_multi_thread_runtime() {
    let tracker = Tracker::default();
    let high = HighWater::default();
    let values = map_concurrent(0..300u64, 8, |i| {
        let high = high.clone();
        tracker.track(async move {
            let _in_flight = high.enter();
            for _ in 0..(i % 5) {
                tokio::task::yield_now().await;
            }
            Ok::<_, String>(i + 1)
        })
    })
    .unwrap()
    .await
    .unwrap();
    assert_eq!(values, (1..=300).collect::<Vec<_>>());
    assert!(high.max() <= 8, "high-water mark {}", high.max());
    tracker.assert_all_done();

    let err = map_concurrent(0u64.., 8, |i| {
        tracker.track(async move {
            tokio::task::yield_now().await;
            if i == 50 { Err(i) } else { Ok(i) }
        })
    })
    .unwrap()
    .await
    .unwrap_err();
    assert_eq!(err.first().unwrap().as_failed(), Some(&50));
    tracker.assert_all_done();
}
