//! Ports of CPython's `Lib/test/test_asyncio/test_timeouts.py` (class
//! `TimeoutTests`), on tokio's paused clock with exact times.
//!
//! Not ported, having no meaning in Rust: `test_timeout_already_entered`
//! and `test_timeout_double_enter` (`Timeout::run` takes the timeout by
//! value, so a second entry does not compile; a `compile_fail` doctest on
//! `Timeout::run` shows it), `test_timeout_exception_cause`'s chaining to
//! `CancelledError` (cancellation is a drop, not an exception; the error's
//! own shape is checked instead), and `test_timeout_without_task` (there is
//! no current task to miss; creating timeouts outside a runtime is checked
//! instead).

use std::error::Error as _;
use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::FutureExt as _;
use taskscope_timeout::{Timeout, current_deadline, timeout, timeout_at};
use tokio::time::{Instant, advance, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Sets its flag when dropped: shows that a cut-off future was dropped.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Panics when dropped, as a `finally: 1/0` would raise.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("cleanup failed");
    }
}

// test_timeouts.py: TimeoutTests.test_timeout_basic
#[tokio::test(start_paused = true)]
async fn cpython_timeout_basic() {
    let start = Instant::now();
    let cm = Timeout::after(ms(10));
    let handle = cm.handle();
    let err = cm.run(sleep(Duration::from_secs(10))).await.unwrap_err();
    assert_eq!(start.elapsed(), ms(10));
    assert_eq!(err.deadline(), start + ms(10));
    assert!(handle.expired());

    // The one-line form behaves the same.
    let start = Instant::now();
    assert!(timeout(ms(10), sleep(Duration::from_secs(10))).await.is_err());
    assert_eq!(start.elapsed(), ms(10));
}

// test_timeouts.py: TimeoutTests.test_timeout_at_basic
#[tokio::test(start_paused = true)]
async fn cpython_timeout_at_basic() {
    let deadline = Instant::now() + ms(10);
    let cm = Timeout::at(deadline);
    let handle = cm.handle();
    let err = cm.run(sleep(Duration::from_secs(10))).await.unwrap_err();
    assert_eq!(Instant::now(), deadline);
    assert_eq!(err.deadline(), deadline);
    assert!(handle.expired());
    assert_eq!(handle.deadline(), Some(deadline));
}

// test_timeouts.py: TimeoutTests.test_nested_timeouts
// Only the outermost of two equal deadlines reports; the inner future is
// dropped (asyncio: cancelled) and both timeouts count as expired.
#[tokio::test(start_paused = true)]
async fn cpython_nested_timeouts() {
    let deadline = Instant::now() + ms(10);
    let cancelled = Arc::new(AtomicBool::new(false));
    let cm1 = Timeout::at(deadline);
    let cm2 = Timeout::at(deadline);
    let (h1, h2) = (cm1.handle(), cm2.handle());
    let guard = SetOnDrop(cancelled.clone());
    let result = cm1
        .run(cm2.run(async move {
            let _guard = guard;
            sleep(Duration::from_secs(10)).await;
        }))
        .await;
    // `Err` from the outer timeout, not `Ok(Err)` from the inner one.
    assert_eq!(result.unwrap_err().deadline(), deadline);
    assert!(cancelled.load(Ordering::SeqCst));
    assert!(h1.expired());
    assert!(h2.expired());
}

// test_timeouts.py: TimeoutTests.test_waiter_cancelled
#[tokio::test(start_paused = true)]
async fn cpython_waiter_cancelled() {
    let cancelled = Arc::new(AtomicBool::new(false));
    let guard = SetOnDrop(cancelled.clone());
    let result = timeout(ms(10), async move {
        let _guard = guard;
        sleep(Duration::from_secs(10)).await;
    })
    .await;
    assert!(result.is_err());
    assert!(cancelled.load(Ordering::SeqCst));
}

// test_timeouts.py: TimeoutTests.test_timeout_not_called
#[tokio::test(start_paused = true)]
async fn cpython_timeout_not_called() {
    let cm = Timeout::after(Duration::from_secs(10));
    let handle = cm.handle();
    cm.run(sleep(ms(10))).await.unwrap();
    let t1 = Instant::now();
    assert!(!handle.expired());
    assert!(handle.deadline().unwrap() > t1);
}

// test_timeouts.py: TimeoutTests.test_timeout_disabled
#[tokio::test(start_paused = true)]
async fn cpython_timeout_disabled() {
    let cm = Timeout::never();
    let handle = cm.handle();
    cm.run(sleep(ms(10))).await.unwrap();
    assert!(!handle.expired());
    assert_eq!(handle.deadline(), None);
}

// test_timeouts.py: TimeoutTests.test_timeout_at_disabled
// `asyncio.timeout_at(None)`: a timeout whose deadline is removed before it
// runs.
#[tokio::test(start_paused = true)]
async fn cpython_timeout_at_disabled() {
    let cm = Timeout::at(Instant::now() + ms(1));
    let handle = cm.handle();
    handle.reschedule(None);
    cm.run(sleep(ms(10))).await.unwrap();
    assert!(!handle.expired());
    assert_eq!(handle.deadline(), None);
}

// test_timeouts.py: TimeoutTests.test_timeout_zero
#[tokio::test(start_paused = true)]
async fn cpython_timeout_zero() {
    let t0 = Instant::now();
    let cm = Timeout::after(Duration::ZERO);
    let handle = cm.handle();
    assert!(cm.run(sleep(Duration::from_secs(10))).await.is_err());
    assert_eq!(Instant::now(), t0);
    assert!(handle.expired());
    assert_eq!(handle.deadline(), Some(t0));
}

// test_timeouts.py: TimeoutTests.test_timeout_zero_sleep_zero
// A future that yields once is not ready at its first poll, so a zero
// timeout cuts it off.
#[tokio::test(start_paused = true)]
async fn cpython_timeout_zero_sleep_zero() {
    let t0 = Instant::now();
    let cm = Timeout::after(Duration::ZERO);
    let handle = cm.handle();
    assert!(cm.run(tokio::task::yield_now()).await.is_err());
    assert_eq!(Instant::now(), t0);
    assert!(handle.expired());
    assert_eq!(handle.deadline(), Some(t0));
}

// test_timeouts.py: TimeoutTests.test_timeout_in_the_past_sleep_zero
#[tokio::test(start_paused = true)]
async fn cpython_timeout_in_the_past_sleep_zero() {
    advance(Duration::from_secs(11)).await;
    let t0 = Instant::now();
    let past = t0 - Duration::from_secs(11);
    let cm = Timeout::at(past);
    let handle = cm.handle();
    let err = cm.run(tokio::task::yield_now()).await.unwrap_err();
    assert_eq!(err.deadline(), past);
    assert_eq!(Instant::now(), t0);
    assert!(handle.expired());
}

// test_timeouts.py: TimeoutTests.test_foreign_exception_passed
// The future's own error passes through untouched.
#[tokio::test(start_paused = true)]
async fn cpython_foreign_exception_passed() {
    #[derive(Debug, PartialEq)]
    struct KeyError;
    let cm = Timeout::after(ms(10));
    let handle = cm.handle();
    let result = cm.run(async { Err::<(), _>(KeyError) }).await;
    assert_eq!(result, Ok(Err(KeyError)));
    assert!(!handle.expired());
}

// test_timeouts.py: TimeoutTests.test_foreign_exception_on_timeout
// A cleanup that fails (here: panics in Drop) while the timeout drops the
// future is not swallowed by the timeout.
#[tokio::test(start_paused = true)]
async fn cpython_foreign_exception_on_timeout() {
    let crash = async {
        let _cleanup = PanicOnDrop;
        sleep(Duration::from_secs(1)).await;
    };
    let outcome = std::panic::AssertUnwindSafe(async {
        let _ = timeout(ms(10), crash).await;
    })
    .catch_unwind()
    .await;
    let message = outcome.unwrap_err();
    assert_eq!(message.downcast_ref::<&str>(), Some(&"cleanup failed"));
}

// test_timeouts.py: TimeoutTests.test_foreign_cancel_doesnt_timeout_if_not_expired
// Cancelling from outside (aborting the task) is not an expiry.
#[tokio::test(start_paused = true)]
async fn cpython_foreign_cancel_doesnt_timeout_if_not_expired() {
    let cm = Timeout::after(Duration::from_secs(10));
    let handle = cm.handle();
    let task = tokio::spawn(cm.run(sleep(Duration::from_secs(10))));
    tokio::task::yield_now().await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert!(!handle.expired());
    assert!(format!("{handle:?}").contains("finished"));
}

// test_timeouts.py: TimeoutTests.test_outer_task_is_not_cancelled
// A timeout inside a task ends the timed future, not the task.
#[tokio::test(start_paused = true)]
async fn cpython_outer_task_is_not_cancelled() {
    let task = tokio::spawn(async {
        assert!(timeout(ms(1), sleep(Duration::from_secs(10))).await.is_err());
        "task went on"
    });
    assert_eq!(task.await.unwrap(), "task went on");
}

// test_timeouts.py: TimeoutTests.test_nested_timeouts_concurrent
// The thread is "busy" past the outer deadline (the clock jumps inside the
// inner future): the outer timeout reports, the inner one never does.
#[tokio::test(start_paused = true)]
async fn cpython_nested_timeouts_concurrent() {
    let start = Instant::now();
    let result = timeout(ms(2), async {
        let inner = timeout(ms(100), async {
            advance(ms(10)).await; // pretend we crunch some numbers
            sleep(Duration::from_secs(1)).await;
        })
        .await;
        unreachable!("the inner timeout must not report: {inner:?}");
    })
    .await;
    assert_eq!(result.unwrap_err().deadline(), start + ms(2));
    assert_eq!(start.elapsed(), ms(10));
}

// test_timeouts.py: TimeoutTests.test_nested_timeouts_loop_busy
// DESIGN 15 decides against the peer here: asyncio lets the inner timeout
// (10 ms) report first and the outer one (100 ms) interrupt the next
// sleep, because its two deadlines fire in separate loop iterations. Here
// both have passed when the timeouts are next polled, and the outermost
// expired one reports, so the code after the inner timeout never runs on
// time that is already up.
#[tokio::test(start_paused = true)]
async fn cpython_nested_timeouts_loop_busy() {
    let start = Instant::now();
    let mut inner_reported = false;
    let result = timeout(ms(100), async {
        let inner = timeout(ms(10), async {
            advance(ms(100)).await; // the loop is busy for a while
            sleep(Duration::from_secs(1)).await;
        })
        .await;
        inner_reported = inner.is_err();
        sleep(Duration::from_secs(10)).await;
    })
    .await;
    assert_eq!(result.unwrap_err().deadline(), start + ms(100));
    assert!(!inner_reported);
    assert_eq!(start.elapsed(), ms(100));
}

// test_timeouts.py: TimeoutTests.test_reschedule
// Rescheduling from another task: later, then no deadline, then the
// running task is cancelled from outside.
#[tokio::test(start_paused = true)]
async fn cpython_reschedule() {
    let deadline1 = Instant::now() + Duration::from_secs(10);
    let deadline2 = deadline1 + Duration::from_secs(20);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let cm = Timeout::at(deadline1);
        tx.send(cm.handle()).unwrap();
        cm.run(sleep(Duration::from_secs(50))).await
    });
    let cm = rx.await.unwrap();
    assert_eq!(cm.deadline(), Some(deadline1));
    cm.reschedule(deadline2);
    assert_eq!(cm.deadline(), Some(deadline2));
    cm.reschedule(None);
    assert_eq!(cm.deadline(), None);
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert!(!cm.expired());
}

// test_timeouts.py: TimeoutTests.test_repr_active, test_repr_expired,
// test_repr_finished, test_repr_disabled (Debug plays the part of repr).
#[tokio::test(start_paused = true)]
async fn cpython_repr() {
    let cm = Timeout::after(Duration::from_secs(10));
    let handle = cm.handle();
    cm.run(async {
        let repr = format!("{handle:?}");
        assert!(repr.contains("\"active\""), "{repr}");
        assert!(repr.contains("deadline: Some("), "{repr}");
    })
    .await
    .unwrap();

    let cm = Timeout::after(ms(10));
    let expired = cm.handle();
    assert!(cm.run(sleep(Duration::from_secs(10))).await.is_err());
    assert!(format!("{expired:?}").contains("\"expired\""));

    let cm = Timeout::after(Duration::from_secs(10));
    let finished = cm.handle();
    cm.run(tokio::task::yield_now()).await.unwrap();
    assert!(format!("{finished:?}").contains("\"finished\""));

    let cm = Timeout::never();
    let disabled = cm.handle();
    cm.run(async {
        let repr = format!("{disabled:?}");
        assert!(repr.contains("\"active\"") && repr.contains("deadline: None"), "{repr}");
    })
    .await
    .unwrap();
}

// test_timeouts.py: TimeoutTests.test_nested_timeout_in_finally
// Python runs a second timeout while the first one's cancellation unwinds.
// Cleanup cannot await in Rust; what carries over is that an expired
// timeout leaves nothing behind: the next timeout in the same task runs by
// its own deadline alone.
#[tokio::test(start_paused = true)]
async fn cpython_nested_timeout_in_finally() {
    assert!(timeout(ms(10), sleep(Duration::from_secs(1))).await.is_err());
    assert_eq!(current_deadline(), None);
    let second = Instant::now();
    let err = timeout(ms(10), sleep(Duration::from_secs(10))).await.unwrap_err();
    assert_eq!(err.deadline(), second + ms(10));
    assert_eq!(second.elapsed(), ms(10));
}

// test_timeouts.py: TimeoutTests.test_timeout_after_cancellation
// A timeout that was dropped half-way (cancelled) does not disturb a zero
// timeout that runs afterwards.
#[tokio::test(start_paused = true)]
async fn cpython_timeout_after_cancellation() {
    let mut work = tokio_test::task::spawn(timeout(Duration::from_secs(1), pending::<()>()));
    tokio_test::assert_pending!(work.poll());
    drop(work);
    assert_eq!(current_deadline(), None);
    let start = Instant::now();
    assert!(timeout(Duration::ZERO, sleep(Duration::from_secs(1))).await.is_err());
    assert_eq!(start.elapsed(), Duration::ZERO);
}

// test_timeouts.py: TimeoutTests.test_cancel_in_timeout_after_cancellation
// A timeout cancelled from outside after an earlier cancellation neither
// expires nor reports.
#[tokio::test(start_paused = true)]
async fn cpython_cancel_in_timeout_after_cancellation() {
    let first = tokio::spawn(sleep(Duration::from_secs(1)));
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());

    let cm = Timeout::after(Duration::from_secs(1));
    let handle = cm.handle();
    let cleanup = tokio::spawn(cm.run(sleep(Duration::from_secs(2))));
    tokio::task::yield_now().await;
    cleanup.abort();
    assert!(cleanup.await.unwrap_err().is_cancelled());
    assert!(!handle.expired());
}

// test_timeouts.py: TimeoutTests.test_timeout_exception_cause
// The error: its message, no hidden cause, and its io::ErrorKind.
#[tokio::test(start_paused = true)]
async fn cpython_timeout_exception_cause() {
    let err = timeout(Duration::ZERO, sleep(Duration::from_secs(1))).await.unwrap_err();
    assert_eq!(err.to_string(), "deadline has elapsed");
    assert!(err.source().is_none());
    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
}

// test_timeouts.py: TimeoutTests.test_timeout_finished
// asyncio raises RuntimeError; here rescheduling a finished timeout is
// ignored (a decision recorded in `TimeoutHandle::reschedule`).
#[tokio::test(start_paused = true)]
async fn cpython_timeout_finished() {
    let cm = Timeout::after(ms(10));
    let handle = cm.handle();
    cm.run(async {}).await.unwrap();
    let before = handle.deadline();
    handle.reschedule(Instant::now() + ms(20));
    assert_eq!(handle.deadline(), before);
    assert!(!handle.expired());
}

// test_timeouts.py: TimeoutTests.test_timeout_not_entered
// asyncio raises RuntimeError; here rescheduling before `run` sets the
// deadline the timeout will run with.
#[tokio::test(start_paused = true)]
async fn cpython_timeout_not_entered() {
    let start = Instant::now();
    let cm = Timeout::after(ms(10));
    let handle = cm.handle();
    handle.reschedule(start + ms(20));
    let err = cm.run(pending::<()>()).await.unwrap_err();
    assert_eq!(err.deadline(), start + ms(20));
    assert_eq!(start.elapsed(), ms(20));
}

// test_timeouts.py: TimeoutTests.test_timeout_without_task
// Creating and rescheduling needs no runtime; only polling does.
#[test]
fn cpython_timeout_without_task() {
    let cm = Timeout::after(ms(10));
    cm.handle().reschedule_after(ms(20));
    let _unpolled = timeout_at(Instant::now(), async {});
    assert!(cm.deadline().is_some());
}
