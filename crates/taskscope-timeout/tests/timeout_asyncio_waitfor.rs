//! Ports of CPython's `Lib/test/test_asyncio/test_waitfor.py`
//! (`AsyncioWaitForTest`): `asyncio.wait_for` is `timeout` here.
//!
//! Two differences run through the file. A timed-out future is dropped,
//! synchronously, so its cleanup has finished when `timeout` returns and
//! nothing can refuse to be cancelled; and a `JoinHandle` under a timeout
//! is only a way to wait for a task, so the timeout detaches the task
//! rather than cancelling it. Not ported, having no meaning in Rust:
//! `test_wait_for_cancellation_race_condition` and
//! `test_wait_for_cancel_suppressed` (a future cannot catch its own drop
//! and return a value instead).

use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::FutureExt as _;
use taskscope_timeout::{Timeout, timeout, timeout_at};
use tokio::sync::oneshot;
use tokio::time::{Instant, sleep};

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

/// A task that runs for 200 ms from its start and then reports the time it
/// got to the end.
fn slow_task() -> (tokio::task::JoinHandle<()>, oneshot::Receiver<Instant>) {
    let (exited, exit_time) = oneshot::channel();
    let task = tokio::spawn(async move {
        sleep(ms(200)).await;
        exited.send(Instant::now()).unwrap();
    });
    (task, exit_time)
}

// test_waitfor.py: AsyncioWaitForTest.test_asyncio_wait_for_cancelled
// Cancelling the waiter (aborting its task) leaves the awaited task running
// to its end.
#[tokio::test(start_paused = true)]
async fn cpython_asyncio_wait_for_cancelled() {
    let start = Instant::now();
    let (slow, exited) = slow_task();
    let waiter = tokio::spawn(timeout(ms(400), slow));
    tokio::task::yield_now().await;
    waiter.abort();
    assert!(waiter.await.unwrap_err().is_cancelled());
    assert_eq!(exited.await.unwrap(), start + ms(200));
}

// test_waitfor.py: AsyncioWaitForTest.test_asyncio_wait_for_timeout
#[tokio::test(start_paused = true)]
async fn cpython_asyncio_wait_for_timeout() {
    let start = Instant::now();
    let (slow, exited) = slow_task();
    assert!(timeout(ms(100), slow).await.is_err());
    assert_eq!(start.elapsed(), ms(100));
    // The task was detached, not cancelled: it still gets to the end.
    assert_eq!(exited.await.unwrap(), start + ms(200));
}

// test_waitfor.py: AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_future_done
#[tokio::test(start_paused = true)]
async fn cpython_wait_for_timeout_less_then_0_or_0_future_done() {
    let t0 = Instant::now();
    let ret = timeout(Duration::ZERO, std::future::ready("done")).await;
    assert_eq!(ret, Ok("done"));
    assert_eq!(t0.elapsed(), Duration::ZERO);
}

// test_waitfor.py: AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started
// DESIGN 21 decides against the peer: asyncio does not even start the
// coroutine, here it is polled first and, being ready, wins.
#[tokio::test(start_paused = true)]
async fn cpython_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started() {
    let t0 = Instant::now();
    let mut foo_started = false;
    let result = timeout(Duration::ZERO, async {
        foo_started = true;
    })
    .await;
    assert_eq!(result, Ok(()));
    assert!(foo_started);
    assert_eq!(t0.elapsed(), Duration::ZERO);
}

// test_waitfor.py: AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0
// For a zero and for a past deadline, a running future is cut off at once
// and its cleanup has run.
#[tokio::test(start_paused = true)]
async fn cpython_wait_for_timeout_less_then_0_or_0() {
    tokio::time::advance(Duration::from_secs(1)).await;
    for deadline in [Instant::now(), Instant::now() - Duration::from_secs(1)] {
        let started = Arc::new(AtomicBool::new(false));
        let stopped = Arc::new(AtomicBool::new(false));
        let (s, guard) = (started.clone(), SetOnDrop(stopped.clone()));
        let foo = async move {
            let _guard = guard;
            s.store(true, Ordering::SeqCst);
            sleep(Duration::from_secs(10)).await;
            "done"
        };
        let t0 = Instant::now();
        assert!(timeout_at(deadline, foo).await.is_err());
        assert_eq!(t0.elapsed(), Duration::ZERO);
        assert!(started.load(Ordering::SeqCst));
        assert!(stopped.load(Ordering::SeqCst));
    }
}

// test_waitfor.py: AsyncioWaitForTest.test_wait_for
#[tokio::test(start_paused = true)]
async fn cpython_wait_for() {
    let stopped = Arc::new(AtomicBool::new(false));
    let guard = SetOnDrop(stopped.clone());
    let foo = async move {
        let _guard = guard;
        sleep(Duration::from_secs(10)).await;
        "done"
    };
    let t0 = Instant::now();
    assert!(timeout(ms(100), foo).await.is_err());
    assert_eq!(t0.elapsed(), ms(100));
    assert!(stopped.load(Ordering::SeqCst));
}

// test_waitfor.py: AsyncioWaitForTest.test_wait_for_blocking
// `timeout=None`: a timeout without a deadline, in both spellings.
#[tokio::test(start_paused = true)]
async fn cpython_wait_for_blocking() {
    assert_eq!(Timeout::never().run(async { "done" }).await, Ok("done"));
    assert_eq!(timeout(Duration::MAX, async { "done" }).await, Ok("done"));
}

// test_waitfor.py: AsyncioWaitForTest.test_wait_for_race_condition
#[tokio::test(start_paused = true)]
async fn cpython_wait_for_race_condition() {
    let t0 = Instant::now();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let setter = tokio::spawn(async move {
        sleep(ms(100)).await;
        tx.send("ok").unwrap();
    });
    let res = timeout(ms(200), rx).await;
    assert_eq!(res, Ok(Ok("ok")));
    assert_eq!(t0.elapsed(), ms(100));
    setter.await.unwrap();
}

// test_waitfor.py: AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation
// The cut-off future's cleanup is complete by the time `timeout` returns.
#[tokio::test(start_paused = true)]
async fn cpython_wait_for_waits_for_task_cancellation() {
    let task_done = Arc::new(AtomicBool::new(false));
    let guard = SetOnDrop(task_done.clone());
    let inner = async move {
        let _guard = guard;
        sleep(Duration::from_secs(10)).await;
    };
    assert!(timeout(ms(1), inner).await.is_err());
    assert!(task_done.load(Ordering::SeqCst));
}

// test_waitfor.py: AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation_w_timeout_0
#[tokio::test(start_paused = true)]
async fn cpython_wait_for_waits_for_task_cancellation_w_timeout_0() {
    let task_done = Arc::new(AtomicBool::new(false));
    let guard = SetOnDrop(task_done.clone());
    let inner = async move {
        let _guard = guard;
        sleep(Duration::from_secs(10)).await;
    };
    sleep(ms(1)).await;
    assert!(timeout(Duration::ZERO, inner).await.is_err());
    assert!(task_done.load(Ordering::SeqCst));
}

// test_waitfor.py: AsyncioWaitForTest.test_wait_for_reraises_exception_during_cancellation
// A panic in the cut-off future's cleanup reaches the caller.
#[tokio::test(start_paused = true)]
async fn cpython_wait_for_reraises_exception_during_cancellation() {
    struct FooException;
    impl Drop for FooException {
        fn drop(&mut self) {
            panic!("FooException");
        }
    }
    let inner = async {
        let _finally = FooException;
        sleep(ms(200)).await;
    };
    let outcome = std::panic::AssertUnwindSafe(async {
        let _ = timeout(ms(1), inner).await;
    })
    .catch_unwind()
    .await;
    assert_eq!(outcome.unwrap_err().downcast_ref::<&str>(), Some(&"FooException"));
}

// test_waitfor.py: AsyncioWaitForTest.test_wait_for_self_cancellation
// Cancelling the waiter is prompt even though the awaited task goes on; the
// task still delivers its 42.
#[tokio::test(start_paused = true)]
async fn cpython_wait_for_self_cancellation() {
    let (answer, answered) = oneshot::channel();
    let inner = tokio::spawn(async move {
        sleep(ms(900)).await;
        answer.send(42).unwrap();
    });
    let wait = tokio::spawn(timeout(ms(100), inner));
    wait.abort();
    assert!(wait.await.unwrap_err().is_cancelled());
    assert_eq!(answered.await, Ok(42));
}

// test_waitfor.py: AsyncioWaitForTest.test_cancel_blocking_wait_for and
// test_cancel_wait_for (via _test_cancel_wait_for; Python issue #23219):
// cancelling the wait also cancels the awaited future, with or without a
// deadline.
#[tokio::test(start_paused = true)]
async fn cpython_cancel_wait_for() {
    for deadline in [None, Some(Duration::from_secs(60))] {
        let cancelled = Arc::new(AtomicBool::new(false));
        let guard = SetOnDrop(cancelled.clone());
        let blocking = async move {
            let _guard = guard;
            pending::<()>().await;
        };
        let wait = match deadline {
            None => tokio::spawn(Timeout::never().run(blocking)),
            Some(d) => tokio::spawn(timeout(d, blocking)),
        };
        tokio::task::yield_now().await;
        wait.abort();
        assert!(wait.await.unwrap_err().is_cancelled());
        assert!(cancelled.load(Ordering::SeqCst));
    }
}

// test_waitfor.py: AsyncioWaitForTest.test_wait_for_issue86296
// A timeout that completed does not swallow a later cancellation.
#[tokio::test(start_paused = true)]
async fn cpython_wait_for_issue86296() {
    let reached_end = Arc::new(AtomicBool::new(false));
    let flag = reached_end.clone();
    let task = tokio::spawn(async move {
        timeout(Duration::from_secs(100), async {}).await.unwrap();
        sleep(Duration::from_secs(1)).await;
        flag.store(true, Ordering::SeqCst);
    });
    tokio::task::yield_now().await;
    assert!(!task.is_finished());
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert!(!reached_end.load(Ordering::SeqCst));
}
