//! Ports of the `SemaphoreTests` (Semaphore and BoundedSemaphore) of
//! CPython's Lib/test/test_asyncio/test_locks.py.
//!
//! asyncio's `await asyncio.sleep(0)` ("let every ready task run once")
//! becomes explicit polls of `tokio_test` tasks, which also lets the tests
//! cancel a waiter at an exact point by dropping it. Tests about
//! asyncio-only API (`await sem` raising `TypeError`, the `loop=`
//! argument, `with await lock`) have no meaning in Rust and are not ported.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use taskscope::semaphore::{Semaphore, TryAcquireError};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready, assert_ready_ok};

// test_initial_value_zero
#[test]
fn cpython_semaphore_initial_value_zero() {
    let sem = Semaphore::new(0).unwrap();
    assert_eq!(sem.available(), 0);
    assert!(sem.try_acquire().unwrap_err().is_no_permits());
}

// test_repr: the Debug output shows the free permits and the waiters.
#[tokio::test(start_paused = true)]
async fn cpython_semaphore_repr() {
    let sem = Semaphore::new(1).unwrap();
    let repr = format!("{sem:?}");
    assert!(repr.contains("available: 1"), "{repr}");
    assert!(repr.contains("waiting: 0"), "{repr}");

    let _held = sem.acquire().await.unwrap();
    assert!(format!("{sem:?}").contains("available: 0"));

    let mut w1 = spawn(sem.acquire());
    assert_pending!(w1.poll());
    assert!(format!("{sem:?}").contains("waiting: 1"));
    let mut w2 = spawn(sem.acquire());
    assert_pending!(w2.poll());
    assert!(format!("{sem:?}").contains("waiting: 2"));
}

// test_semaphore_value: asyncio rejects `Semaphore(-1)` with ValueError.
// A `usize` cannot be negative; the counts Rust can express but tokio
// cannot hold, and `BoundedSemaphore(0)` (which could never be acquired,
// DESIGN rejects it), are the typed errors here.
#[test]
fn cpython_semaphore_value() {
    let err = Semaphore::new(Semaphore::MAX_PERMITS + 1).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "permits must be at most {}, got {}",
            Semaphore::MAX_PERMITS,
            Semaphore::MAX_PERMITS + 1
        )
    );
    assert_eq!(Semaphore::bounded(0).unwrap_err().to_string(), "permits must be at least 1, got 0");
    assert!(Semaphore::new(Semaphore::MAX_PERMITS).is_ok());
}

// test_acquire
#[tokio::test(start_paused = true)]
async fn cpython_semaphore_acquire() {
    let sem = Semaphore::new(3).unwrap();
    let p1 = sem.acquire().await.unwrap();
    let p2 = sem.acquire().await.unwrap();
    assert_eq!(sem.available(), 1);

    let mut t1 = spawn(sem.acquire());
    let mut t2 = spawn(sem.acquire());
    let mut t3 = spawn(sem.acquire());
    let held1 = assert_ready_ok!(t1.poll());
    assert_pending!(t2.poll());
    assert_pending!(t3.poll());
    assert_eq!(sem.available(), 0);
    assert_eq!(sem.waiting(), 2);

    let mut t4 = spawn(sem.acquire());
    drop(p1);
    drop(p2);
    // The two freed permits went straight to the two waiters.
    assert_eq!(sem.available(), 0);
    assert!(t2.is_woken() && t3.is_woken());

    // asyncio only promises that two of t2, t3, t4 got one; tokio's queue
    // is FIFO, so it is exactly the two that waited.
    assert_pending!(t4.poll());
    let held2 = assert_ready_ok!(t2.poll());
    let held3 = assert_ready_ok!(t3.poll());
    assert_eq!(sem.waiting(), 1);
    assert_eq!(sem.available(), 0);

    // cleanup: one more release lets t4 through.
    drop(held1);
    let held4 = assert_ready_ok!(t4.poll());
    assert_eq!(sem.waiting(), 0);
    drop((held2, held3, held4));
    assert_eq!(sem.available(), 3);
}

// test_acquire_cancel
#[tokio::test(start_paused = true)]
async fn cpython_semaphore_acquire_cancel() {
    let sem = Semaphore::new(1).unwrap();
    let held = sem.acquire().await.unwrap();
    let mut acquire = spawn(sem.acquire());
    assert_pending!(acquire.poll());
    assert_eq!(sem.waiting(), 1);
    drop(acquire); // cancel
    assert_eq!(sem.waiting(), 0);
    drop(held);
    assert_eq!(sem.available(), 1);
}

// test_acquire_cancel_before_awoken
#[tokio::test(start_paused = true)]
async fn cpython_semaphore_acquire_cancel_before_awoken() {
    let sem = Semaphore::new(0).unwrap();
    let mut t1 = spawn(sem.acquire());
    let mut t2 = spawn(sem.acquire());
    let mut t3 = spawn(sem.acquire());
    let mut t4 = spawn(sem.acquire());
    for t in [&mut t1, &mut t2, &mut t3, &mut t4] {
        assert_pending!(t.poll());
    }

    drop(t1);
    drop(t2);
    sem.add_permits(1).unwrap();

    let _p3 = assert_ready_ok!(t3.poll());
    assert_pending!(t4.poll());
    assert_eq!(sem.waiting(), 1);
}

// test_acquire_hang
#[tokio::test(start_paused = true)]
async fn cpython_semaphore_acquire_hang() {
    let sem = Semaphore::new(0).unwrap();
    let mut t1 = spawn(sem.acquire());
    let mut t2 = spawn(sem.acquire());
    assert_pending!(t1.poll());
    assert_pending!(t2.poll());

    drop(t1);
    sem.add_permits(1).unwrap();
    let _p2 = assert_ready_ok!(t2.poll());
    assert_eq!(sem.available(), 0); // "locked"
}

// test_acquire_no_hang: a waiter that is handed the permit and cancelled
// before it runs must give the permit back.
#[tokio::test(start_paused = true)]
async fn cpython_semaphore_acquire_no_hang() {
    let sem = Semaphore::new(1).unwrap();
    let ran = Arc::new(Mutex::new(false));
    let held = sem.acquire().await.unwrap();
    let mut c2 = spawn({
        let ran = Arc::clone(&ran);
        let sem = &sem;
        async move {
            let _p = sem.acquire().await.unwrap();
            *ran.lock().unwrap() = true;
        }
    });
    assert_pending!(c2.poll());
    drop(held); // hands the permit to c2...
    assert!(c2.is_woken());
    drop(c2); // ...which is cancelled before it runs
    assert!(!*ran.lock().unwrap());

    let permit = sem.acquire_timeout(Duration::from_secs(1)).await.unwrap();
    assert_eq!(permit.num_permits(), 1);
}

// test_release_not_acquired (BoundedSemaphore): releasing past the bound
// is an error.
#[test]
fn cpython_bounded_semaphore_release_not_acquired() {
    let sem = Semaphore::bounded(1).unwrap();
    let err = sem.add_permits(1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot add 1 permits to a semaphore of capacity 1 that already holds 1"
    );
    assert_eq!(sem.available(), 1);
    assert_eq!(sem.capacity(), 1);
}

// test_release_no_waiters
#[tokio::test(start_paused = true)]
async fn cpython_semaphore_release_no_waiters() {
    let sem = Semaphore::new(1).unwrap();
    let permit = sem.acquire().await.unwrap();
    assert_eq!(sem.available(), 0);
    drop(permit);
    assert_eq!(sem.available(), 1);
}

// test_acquire_fifo_order: three tasks take turns, twice each.
#[tokio::test(start_paused = true)]
async fn cpython_semaphore_acquire_fifo_order() {
    let sem = Semaphore::new(1).unwrap();
    let result = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for tag in ["c1", "c2", "c3"] {
        let (sem, result) = (sem.clone(), Arc::clone(&result));
        tasks.push(tokio::spawn(async move {
            for round in 1..=2 {
                let _permit = sem.acquire().await.unwrap();
                result.lock().unwrap().push(format!("{tag}_{round}"));
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(*result.lock().unwrap(), ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"]);
}

// test_acquire_fifo_order_2. asyncio asserts [1, 2, 3, 4]: c2 releases and
// re-acquires, and must queue behind c3. In tokio the two releases hand
// their permits to c2 and c3 *at release time*, so c3 already owns its
// permit when c2 re-acquires the one c2 just freed: nobody is passed over
// and both get in, which is DESIGN's FIFO rule (17). What this test holds:
// c3 was served by the releases (before c2's second acquire), and c2's
// second acquire took no permit c3 was waiting for.
#[tokio::test(start_paused = true)]
async fn cpython_semaphore_acquire_fifo_order_2() {
    let sem = Semaphore::new(1).unwrap();
    let mut t1 = spawn(sem.acquire());
    let mut t2 = spawn(sem.acquire());
    let mut t3 = spawn(sem.acquire());
    let p1 = assert_ready_ok!(t1.poll());
    assert_pending!(t2.poll());
    assert_pending!(t3.poll());

    sem.add_permits(2).unwrap();
    assert!(t2.is_woken() && t3.is_woken());
    let p2 = assert_ready_ok!(t2.poll());
    drop(p2);
    // c2 re-acquires: the permit it freed is free, c3 holds its own.
    let p2_again = sem.try_acquire().unwrap();
    let p3 = assert_ready_ok!(t3.poll());
    assert_eq!(sem.available(), 0);
    assert!(sem.try_acquire().unwrap_err().is_no_permits());
    drop((p1, p2_again, p3));
    assert_eq!(sem.available(), 3);
}

// test_acquire_fifo_order_3
#[tokio::test(start_paused = true)]
async fn cpython_semaphore_acquire_fifo_order_3() {
    let sem = Semaphore::new(0).unwrap();
    let result = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for tag in 1..=3 {
        let (sem, result) = (sem.clone(), Arc::clone(&result));
        tasks.push(tokio::spawn(async move {
            let permit = sem.acquire().await.unwrap();
            permit.forget();
            result.lock().unwrap().push(tag);
        }));
    }
    tokio::task::yield_now().await;
    assert_eq!(sem.waiting(), 3);

    tasks[0].abort();
    tokio::task::yield_now().await;
    assert_eq!(sem.waiting(), 2);

    sem.add_permits(2).unwrap();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.map_err(|e| e.is_cancelled()));
    }
    assert_eq!(outcomes, [Err(true), Ok(()), Ok(())]);
    assert_eq!(*result.lock().unwrap(), [2, 3]);
}

// test_acquire (tail) and the BoundedSemaphore docs: try_acquire never
// jumps the queue.
#[tokio::test(start_paused = true)]
async fn cpython_semaphore_try_acquire_respects_waiters() {
    let sem = Semaphore::bounded(2).unwrap();
    let mut held = sem.acquire_many(2).await.unwrap();
    let mut big = spawn(sem.acquire_many(2));
    assert_pending!(big.poll());
    drop(held.split(1).unwrap()); // one permit back: set aside for `big`
    assert!(matches!(
        sem.try_acquire().unwrap_err(),
        TryAcquireError::NoPermits { requested: 1, available: 0, .. }
    ));
    drop(held);
    let both = assert_ready!(big.poll()).unwrap();
    assert_eq!(both.num_permits(), 2);
}
