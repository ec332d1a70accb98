//! `gather`, `gather_settled` and `race`: CPython's gather tests ported
//! (Lib/test/test_asyncio/test_tasks.py, `GatherTestsBase`,
//! `FutureGatherTests`, `CoroutineGatherTests`), plus races and nesting,
//! on the paused clock and on the multi-thread runtime.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::FutureExt as _;
use taskscope::task_group::{gather, gather_settled, race};
use taskscope::{Policy, TaskGroup};
use tokio::time::{Instant, sleep};
use tokio_test::{assert_pending, assert_ready};

use support::Tracker;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn after<T>(delay: Duration, value: T) -> Result<T, String> {
    sleep(delay).await;
    Ok(value)
}

async fn fail_after<T>(delay: Duration, error: &str) -> Result<T, String> {
    sleep(delay).await;
    Err(error.to_owned())
}

// Port of GatherTestsBase.test_success (_check_success): results come back
// in input order, whatever order the inputs finish in, and only once the
// last has finished.
#[tokio::test(start_paused = true)]
async fn cpython_gather_success_result_order() {
    let tracker = Tracker::default();
    let inputs = [(ms(20), 2), (ms(10), 1), (ms(30), 3)].map(|(d, v)| tracker.track(after(d, v)));
    let mut gathered = tokio_test::task::spawn(gather(inputs));
    assert_pending!(gathered.poll());
    sleep(ms(25)).await; // b and a are done, c is not
    assert_pending!(gathered.poll());
    sleep(ms(10)).await;
    assert_eq!(assert_ready!(gathered.poll()).unwrap(), [2, 1, 3]);
    tracker.assert_all_done();
}

// Port of test_result_exception_success: with every input succeeding,
// return_exceptions=True gives the same values.
#[tokio::test(start_paused = true)]
async fn cpython_gather_result_exception_success() {
    let outcomes =
        gather_settled([(ms(20), 2), (ms(10), 1), (ms(30), 3)].map(|(d, v)| after(d, v))).await;
    let values: Vec<_> = outcomes.into_iter().map(Result::unwrap).collect();
    assert_eq!(values, [2, 1, 3]);
}

// Port of test_one_exception, and "a failure while others sleep": gather
// returns the first error at once. asyncio leaves c, d and e running;
// DESIGN (gather is fail-fast, nothing left running that nobody awaits)
// cancels them, so the sleepers are dropped by the time gather returns.
#[tokio::test(start_paused = true)]
async fn cpython_gather_one_exception_cancels_the_sleepers() {
    let tracker = Tracker::default();
    let start = Instant::now();
    let err = gather([
        tracker.track(after(ms(5), 1)).boxed(),
        tracker.track(fail_after(ms(10), "zero division")).boxed(),
        tracker.track(after(ms(3_600_000), 3)).boxed(),
        tracker.track(after(ms(3_600_000), 4)).boxed(),
        tracker.track(fail_after(ms(3_600_000), "runtime error")).boxed(),
    ])
    .await
    .unwrap_err();
    assert_eq!(start.elapsed(), ms(10));
    assert_eq!(err.len(), 1, "the cancelled inputs add no error");
    let first = err.first().unwrap();
    assert_eq!(first.task().name(), "gather-1");
    assert_eq!(first.task().path(), "gather/gather-1");
    assert_eq!(first.as_failed().map(String::as_str), Some("zero division"));
    tracker.assert_all_done();
}

// Port of test_return_exceptions: every outcome, in input order, and the
// gather is done only when the last input is.
#[tokio::test(start_paused = true)]
async fn cpython_gather_return_exceptions() {
    let tracker = Tracker::default();
    let inputs = [
        tracker.track(after(ms(20), 3)).boxed(),
        tracker.track(after(ms(10), 1)).boxed(),
        tracker.track(fail_after(ms(15), "zero division")).boxed(),
        tracker.track(fail_after(ms(40), "runtime error")).boxed(),
    ];
    let mut gathered = tokio_test::task::spawn(gather_settled(inputs));
    assert_pending!(gathered.poll());
    sleep(ms(30)).await;
    assert_pending!(gathered.poll(), "d has not failed yet");
    sleep(ms(15)).await;
    let outcomes = assert_ready!(gathered.poll());
    assert_eq!(outcomes[0].as_ref().ok(), Some(&3));
    assert_eq!(outcomes[1].as_ref().ok(), Some(&1));
    let c = outcomes[2].as_ref().unwrap_err();
    assert_eq!(
        (c.task().name(), c.as_failed().unwrap().as_str()),
        ("gather_settled-2", "zero division")
    );
    let d = outcomes[3].as_ref().unwrap_err();
    assert_eq!(
        (d.task().name(), d.as_failed().unwrap().as_str()),
        ("gather_settled-3", "runtime error")
    );
    tracker.assert_all_done();
}

// return_exceptions=True catches everything; here a panic is an outcome
// too, with its message, and the other inputs are not disturbed.
#[tokio::test(start_paused = true)]
async fn gather_settled_reports_a_panic_as_an_outcome() {
    let outcomes = gather_settled((0..3u32).map(|i| async move {
        sleep(ms(u64::from(i))).await;
        if i == 1 {
            panic!("input {i} is a bug");
        }
        Ok::<_, String>(i)
    }))
    .await;
    assert_eq!(outcomes.len(), 3);
    let panicked = outcomes[1].as_ref().unwrap_err();
    assert!(panicked.is_panic());
    assert_eq!(panicked.panic_message(), Some("input 1 is a bug"));
    assert_eq!(outcomes[2].as_ref().ok(), Some(&2));
}

// Port of FutureGatherTests.test_constructor_empty_sequence.
#[tokio::test(start_paused = true)]
async fn cpython_gather_constructor_empty_sequence() {
    let empty: Vec<std::future::Ready<Result<u8, String>>> = Vec::new();
    assert_eq!(gather(empty.clone()).await.unwrap(), Vec::<u8>::new());
    assert!(gather_settled(empty).await.is_empty());
}

// Port of CoroutineGatherTests.test_cancellation_broadcast: cancelling
// the code that awaits the gather cancels every child.
#[tokio::test(start_paused = true)]
async fn cpython_gather_cancellation_broadcast() {
    let tracker = Tracker::default();
    let proof = Arc::new(AtomicUsize::new(0));
    let inputs = (0..2).map(|_| {
        let proof = proof.clone();
        tracker.track(async move {
            sleep(ms(3_600_000)).await;
            proof.fetch_add(1, Ordering::SeqCst);
            Ok::<_, String>(())
        })
    });
    let mut gathered = tokio_test::task::spawn(gather(inputs));
    assert_pending!(gathered.poll());
    sleep(ms(1)).await;
    drop(gathered); // the outer task is cancelled
    // Aborted tasks are dropped by the runtime right after the abort.
    tokio::task::yield_now().await;
    tracker.assert_all_done();
    assert_eq!(proof.load(Ordering::SeqCst), 0);
}

// Port of CoroutineGatherTests.test_exception_marking: the error of an
// input that fails after others succeed is the gather's error.
#[tokio::test(start_paused = true)]
async fn cpython_gather_exception_marking() {
    let err =
        gather([after(ms(1), ()).boxed(), fail_after(ms(2), "should not be ignored").boxed()])
            .await
            .unwrap_err();
    assert_eq!(err.first().unwrap().as_failed().map(String::as_str), Some("should not be ignored"));
}

// Inside a group, gather nests: error paths start with the group's path,
// and a panic is a failure resumed in the caller once the others are gone.
#[tokio::test(start_paused = true)]
async fn gather_nests_in_the_callers_group_and_resumes_panics() {
    let err = TaskGroup::builder()
        .name("crawler")
        .scope(async |_tg| {
            gather([after(ms(5), 1).boxed(), fail_after(ms(1), "404").boxed()]).await.map_err(|e| {
                assert_eq!(e.first().unwrap().task().path(), "crawler/gather/gather-1");
                "gather failed".to_owned()
            })
        })
        .await
        .unwrap_err();
    assert_eq!(err.first().unwrap().task().name(), "body");

    let tracker = Tracker::default();
    let panicked = std::panic::AssertUnwindSafe(gather([
        tracker.track(after(ms(3_600_000), 0)).boxed(),
        tracker
            .track(async {
                sleep(ms(1)).await;
                panic!("bug in input 1")
            })
            .boxed(),
    ]))
    .catch_unwind()
    .await
    .unwrap_err();
    assert_eq!(panicked.downcast_ref::<&str>(), Some(&"bug in input 1"));
    tracker.assert_all_done();
}

// A caught-panics group around gather: the panic becomes an entry.
#[tokio::test(start_paused = true)]
async fn gather_panic_is_an_entry_when_the_group_catches_panics() {
    TaskGroup::builder()
        .catch_panics()
        .scope(async |_tg| {
            let err = gather([async { panic!("boom") }.boxed(), after(ms(1), 1).boxed()])
                .await
                .unwrap_err();
            let entry = err.first().unwrap();
            assert!(entry.is_panic());
            assert_eq!(entry.task().name(), "gather-0");
            Ok::<_, String>(())
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gather_keeps_input_order_on_the_multi_thread_runtime() {
    let tracker = Tracker::default();
    let inputs = (0..200u64).map(|i| {
        tracker.track(async move {
            for _ in 0..(i % 5) {
                tokio::task::yield_now().await;
            }
            Ok::<_, String>(i * 2)
        })
    });
    let values = gather(inputs).await.unwrap();
    assert_eq!(values, (0..200u64).map(|i| i * 2).collect::<Vec<_>>());
    tracker.assert_all_done();

    let inputs = (0..200u64).map(|i| {
        tracker.track(async move {
            tokio::task::yield_now().await;
            if i % 50 == 7 { Err(format!("input {i}")) } else { Ok(i) }
        })
    });
    let err = gather(inputs).await.unwrap_err();
    // Which of the failing inputs got there first depends on the threads;
    // every error recorded is one of them, and nothing is left running.
    assert!(!err.is_empty());
    for entry in err.iter() {
        let index: u64 = entry.task().name().trim_start_matches("gather-").parse().unwrap();
        assert_eq!(index % 50, 7);
    }
    tracker.assert_all_done();
}

#[tokio::test(start_paused = true)]
async fn race_returns_the_first_success_and_cancels_the_rest() {
    let tracker = Tracker::default();
    let start = Instant::now();
    let winner = race([
        tracker.track(fail_after(ms(10), "refused")).boxed(),
        tracker.track(after(ms(30), "second")).boxed(),
        tracker.track(after(ms(3_600_000), "slow")).boxed(),
    ])
    .await
    .unwrap();
    assert_eq!(winner, "second");
    assert_eq!(start.elapsed(), ms(30));
    tracker.assert_all_done();
}

#[tokio::test(start_paused = true)]
async fn race_returns_every_error_when_nothing_succeeds() {
    let start = Instant::now();
    let err =
        race([fail_after::<()>(ms(20), "b"), fail_after(ms(10), "a"), fail_after(ms(30), "c")])
            .await
            .unwrap_err();
    assert_eq!(start.elapsed(), ms(30));
    let errors: Vec<_> =
        err.iter().map(|e| (e.task().name(), e.as_failed().unwrap().as_str())).collect();
    assert_eq!(errors, [("race-1", "a"), ("race-0", "b"), ("race-2", "c")], "occurrence order");

    let empty: Vec<std::future::Ready<Result<(), String>>> = Vec::new();
    let err = race(empty).await.unwrap_err();
    assert!(err.is_empty() && !err.is_cancelled());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn race_on_the_multi_thread_runtime() {
    let tracker = Tracker::default();
    let winner = race((0..20u64).map(|i| {
        tracker.track(async move {
            tokio::task::yield_now().await;
            if i % 2 == 0 { Err(i) } else { Ok(i) }
        })
    }))
    .await
    .unwrap();
    assert_eq!(winner % 2, 1);
    tracker.assert_all_done();
}

// Policy::CollectAll around gather_settled changes nothing: the inputs of
// gather_settled never fail their group.
#[tokio::test(start_paused = true)]
async fn gather_settled_inside_a_fail_fast_group_cancels_nothing() {
    let done = TaskGroup::builder()
        .policy(Policy::FailFast)
        .scope(async |_tg| {
            let outcomes = gather_settled([
                fail_after::<u8>(ms(1), "early").boxed(),
                after(ms(10), 7).boxed(),
            ])
            .await;
            Ok::<_, String>(outcomes.iter().filter(|o| o.is_ok()).count())
        })
        .await
        .unwrap();
    assert_eq!(done, 1);
}
