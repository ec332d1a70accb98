//! `wait`: CPython's wait tests ported (Lib/test/test_asyncio/test_tasks.py,
//! `test_wait*`), plus DESIGN rule 22 (a cancelled child is not a failure
//! for `FirstError`), on the paused clock and the multi-thread runtime.

mod support;

use std::time::Duration;

use taskscope::task_group::{ReturnWhen, wait};
use taskscope::{Policy, TaskGroup, TaskHandle};
use tokio::time::{Instant, sleep};

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

fn indices<T>(done: &[(usize, T)]) -> Vec<usize> {
    done.iter().map(|(index, _)| *index).collect()
}

// Port of test_wait: ALL_COMPLETED returns when the last one is done.
#[tokio::test(start_paused = true)]
async fn cpython_wait() {
    let tracker = Tracker::default();
    let start = Instant::now();
    taskscope::scope(async |tg| {
        let a = tg.spawn(tracker.track(after(ms(100), "a")));
        let b = tg.spawn(tracker.track(after(ms(150), "b")));
        let (done, pending) = wait([b, a], ReturnWhen::AllCompleted).await;
        assert_eq!(start.elapsed(), ms(150));
        assert_eq!(indices(&done), [0, 1]);
        assert_eq!(done[0].1.as_ref().unwrap(), &"b");
        assert_eq!(done[1].1.as_ref().unwrap(), &"a");
        assert!(pending.is_empty());
        // Doing it again takes no time: an empty wait returns at once.
        let (done, pending) = wait(pending, ReturnWhen::AllCompleted).await;
        assert!(done.is_empty() && pending.is_empty());
        assert_eq!(start.elapsed(), ms(150));
        Ok::<_, String>(())
    })
    .await
    .unwrap();
    tracker.assert_all_done();
}

// Port of test_wait_first_completed.
#[tokio::test(start_paused = true)]
async fn cpython_wait_first_completed() {
    let tracker = Tracker::default();
    let start = Instant::now();
    taskscope::scope(async |tg| {
        let a = tg.spawn(tracker.track(after(ms(10_000), "a")));
        let b = tg.spawn(tracker.track(after(ms(100), "b")));
        let (done, pending) = wait([b, a], ReturnWhen::FirstCompleted).await;
        assert_eq!(start.elapsed(), ms(100));
        assert_eq!(indices(&done), [0]);
        assert_eq!(done[0].1.as_ref().unwrap(), &"b");
        assert_eq!(pending.len(), 1);
        assert!(!pending[0].is_finished(), "`a` keeps running, owned by the caller");
        // Move forward to let `a` finish: it was never cancelled.
        let (done, _) = wait(pending, ReturnWhen::AllCompleted).await;
        assert_eq!(done[0].1.as_ref().unwrap(), &"a");
        assert_eq!(start.elapsed(), ms(10_000));
        Ok::<_, String>(())
    })
    .await
    .unwrap();
    tracker.assert_all_done();
}

// Port of test_wait_really_done: every child finished by the time wait
// returns is in `done`, not only the one that ended the wait.
#[tokio::test(start_paused = true)]
async fn cpython_wait_really_done() {
    taskscope::scope(async |tg| {
        let a = tg.spawn(async {
            tokio::task::yield_now().await;
            Ok::<_, String>(())
        });
        let b = tg.spawn(async {
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
            Ok(())
        });
        sleep(ms(1)).await; // both are done before the wait starts
        let (done, pending) = wait([b, a], ReturnWhen::FirstCompleted).await;
        assert_eq!(indices(&done), [0, 1]);
        assert!(done.iter().all(|(_, result)| result.is_ok()));
        assert!(pending.is_empty());
        Ok(())
    })
    .await
    .unwrap();
}

// Port of test_wait_first_exception: a child that already failed ends a
// FIRST_EXCEPTION wait at once. (CollectAll: under FailFast the failure
// would cancel the group, and the body with its wait.)
#[tokio::test(start_paused = true)]
async fn cpython_wait_first_exception() {
    let tracker = Tracker::default();
    let start = Instant::now();
    let err = TaskGroup::builder()
        .policy(Policy::CollectAll)
        .scope(async |tg| {
            let a = tg.spawn(tracker.track(after(ms(10_000), ())));
            let b = tg.spawn(tracker.track(async { Err::<(), _>("zero division".to_owned()) }));
            let (done, pending) = wait([b, a], ReturnWhen::FirstError).await;
            assert_eq!(start.elapsed(), Duration::ZERO);
            assert_eq!(indices(&done), [0]);
            assert!(done[0].1.as_ref().unwrap_err().is_failed());
            assert_eq!(pending.len(), 1);
            pending[0].abort(); // instead of moving time forward
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.first().unwrap().as_failed().map(String::as_str), Some("zero division"));
    tracker.assert_all_done();
}

// Port of test_wait_first_exception_in_wait: the failure happens while
// the wait is running.
#[tokio::test(start_paused = true)]
async fn cpython_wait_first_exception_in_wait() {
    let start = Instant::now();
    TaskGroup::builder()
        .policy(Policy::CollectAll)
        .scope(async |tg| {
            let a = tg.spawn(after(ms(10_000), ()));
            let b = tg.spawn(fail_after::<()>(ms(10), "err"));
            let (done, pending) = wait([b, a], ReturnWhen::FirstError).await;
            assert_eq!(start.elapsed(), ms(10));
            assert_eq!(indices(&done), [0]);
            assert_eq!(pending.len(), 1);
            let (done, _) = wait(pending, ReturnWhen::AllCompleted).await;
            assert!(done[0].1.is_ok());
            assert_eq!(start.elapsed(), ms(10_000));
            Ok(())
        })
        .await
        .unwrap_err();
}

// Port of test_wait_with_exception: ALL_COMPLETED waits for everyone and
// reports which ones failed.
#[tokio::test(start_paused = true)]
async fn cpython_wait_with_exception() {
    let start = Instant::now();
    TaskGroup::builder()
        .policy(Policy::CollectAll)
        .scope(async |tg| {
            let a = tg.spawn(after(ms(100), ()));
            let b = tg.spawn(fail_after::<()>(ms(150), "really"));
            let (done, pending) = wait([b, a], ReturnWhen::AllCompleted).await;
            assert_eq!(start.elapsed(), ms(150));
            assert_eq!(done.len(), 2);
            assert!(pending.is_empty());
            let errors = done.iter().filter(|(_, result)| result.is_err()).count();
            assert_eq!(errors, 1);
            Ok(())
        })
        .await
        .unwrap_err();
}

// Port of test_wait_with_timeout: the timeout returns what is done and
// cancels nothing.
#[tokio::test(start_paused = true)]
async fn cpython_wait_with_timeout() {
    let tracker = Tracker::default();
    let start = Instant::now();
    taskscope::scope(async |tg| {
        let a = tg.spawn(tracker.track(after(ms(100), "a")));
        let b = tg.spawn(tracker.track(after(ms(150), "b")));
        let (done, pending) = wait([b, a], ReturnWhen::AllCompleted).timeout(ms(110)).await;
        assert_eq!(start.elapsed(), ms(110));
        assert_eq!(indices(&done), [1]);
        assert_eq!(pending.len(), 1);
        assert!(!pending[0].is_finished(), "the timeout cancelled nothing");
        let (done, _) = wait(pending, ReturnWhen::AllCompleted).await;
        assert_eq!(done[0].1.as_ref().unwrap(), &"b");
        assert_eq!(start.elapsed(), ms(150));
        Ok::<_, String>(())
    })
    .await
    .unwrap();
    tracker.assert_all_done();
}

// Port of test_wait_concurrent_complete: a child finishing exactly at the
// timeout is done.
#[tokio::test(start_paused = true)]
async fn cpython_wait_concurrent_complete() {
    let start = Instant::now();
    taskscope::scope(async |tg| {
        let a = tg.spawn(after(ms(100), "a"));
        let b = tg.spawn(after(ms(150), "b"));
        let (done, pending) = wait([b, a], ReturnWhen::AllCompleted).timeout(ms(100)).await;
        assert_eq!(start.elapsed(), ms(100));
        assert_eq!(indices(&done), [1]);
        assert_eq!(pending.len(), 1);
        Ok::<_, String>(())
    })
    .await
    .unwrap();
}

// FIRST_EXCEPTION with a cancelled task (DESIGN rule 22): the aborted
// child is done, but it did not fail, so the wait goes on until a real
// failure.
#[tokio::test(start_paused = true)]
async fn first_error_does_not_count_a_cancelled_child() {
    let tracker = Tracker::default();
    let start = Instant::now();
    TaskGroup::builder()
        .policy(Policy::CollectAll)
        .scope(async |tg| {
            let a = tg.spawn(tracker.track(after(ms(10_000), ())));
            let b = tg.spawn(tracker.track(after(ms(10_000), ())));
            let c = tg.spawn(tracker.track(fail_after::<()>(ms(50), "boom")));
            b.abort();
            let (done, pending) = wait([a, b, c], ReturnWhen::FirstError).await;
            assert_eq!(start.elapsed(), ms(50), "the cancellation at 0 did not end the wait");
            assert_eq!(indices(&done), [1, 2]);
            assert!(done[0].1.as_ref().unwrap_err().is_cancelled());
            assert!(done[1].1.as_ref().unwrap_err().is_failed());
            assert_eq!(pending.len(), 1);
            pending[0].abort();
            Ok(())
        })
        .await
        .unwrap_err();
    tracker.assert_all_done();
}

// A panicking child is a failure for FIRST_EXCEPTION.
#[tokio::test(start_paused = true)]
async fn first_error_counts_a_panic() {
    let err = TaskGroup::builder()
        .policy(Policy::CollectAll)
        .catch_panics()
        .scope(async |tg| {
            let a = tg.spawn(after(ms(10_000), ()));
            let b = tg.spawn(async {
                sleep(ms(5)).await;
                panic!("bug")
            });
            let (done, pending): (_, Vec<TaskHandle<()>>) =
                wait([a, b], ReturnWhen::FirstError).await;
            assert_eq!(indices(&done), [1]);
            assert!(done[0].1.as_ref().unwrap_err().is_panic());
            pending[0].abort();
            Ok::<_, String>(())
        })
        .await
        .unwrap_err();
    assert!(err.first().unwrap().is_panic());
}

// Port of test_wait_errors, where DESIGN differs: asyncio raises
// ValueError for an empty set; here an empty wait returns at once.
#[tokio::test(start_paused = true)]
async fn cpython_wait_errors_empty_returns_at_once() {
    let (done, pending) = wait(Vec::<TaskHandle<()>>::new(), ReturnWhen::FirstError).await;
    assert!(done.is_empty() && pending.is_empty());
}

// Dropping a wait detaches the children; the group still waits for them.
#[tokio::test(start_paused = true)]
async fn dropping_a_wait_detaches_the_children() {
    let tracker = Tracker::default();
    let start = Instant::now();
    taskscope::scope(async |tg| {
        let a = tg.spawn(tracker.track(after(ms(100), ())));
        let waiting = wait([a], ReturnWhen::AllCompleted);
        drop(waiting);
        Ok::<_, String>(())
    })
    .await
    .unwrap();
    assert_eq!(start.elapsed(), ms(100));
    tracker.assert_all_done();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_on_the_multi_thread_runtime() {
    let tracker = Tracker::default();
    taskscope::scope(async |tg| {
        let handles: Vec<_> = (0..100u64)
            .map(|i| {
                tg.spawn(tracker.track(async move {
                    for _ in 0..(i % 7) {
                        tokio::task::yield_now().await;
                    }
                    Ok::<_, String>(i)
                }))
            })
            .collect();
        let (done, pending) = wait(handles, ReturnWhen::FirstCompleted).await;
        assert!(!done.is_empty());
        assert_eq!(done.len() + pending.len(), 100);
        let (rest, none) = wait(pending, ReturnWhen::AllCompleted).await;
        assert!(none.is_empty());
        let mut all: Vec<u64> =
            done.into_iter().chain(rest).map(|(_, result)| result.unwrap()).collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        Ok(())
    })
    .await
    .unwrap();
    tracker.assert_all_done();
}
