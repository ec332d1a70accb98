//! `Semaphore` rules of DESIGN 9 and 17 that the ported suites do not
//! cover: closing wakes every waiter, timeouts on tokio's clock, the waiter
//! count through cancellation, bounded accounting with `forget` and
//! `add_permits`, permit merging and splitting, owned permits in tasks.

use std::time::Duration;

use taskscope::semaphore::{AcquireError, Semaphore, TryAcquireError};
use tokio::time::Instant;
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready, assert_ready_err, assert_ready_ok};

#[tokio::test(start_paused = true)]
async fn close_wakes_every_waiter_with_an_error() {
    let sem = Semaphore::bounded(3).unwrap();
    let held = sem.acquire_many(3).await.unwrap();
    let mut one = spawn(sem.acquire());
    let mut many = spawn(sem.acquire_many(2));
    let mut owned = spawn(sem.acquire_owned());
    let mut timed = spawn(sem.acquire_timeout(Duration::from_secs(5)));
    assert_pending!(one.poll());
    assert_pending!(many.poll());
    assert_pending!(owned.poll());
    assert_pending!(timed.poll());
    assert_eq!(sem.waiting(), 4);

    sem.close();
    assert!(one.is_woken() && many.is_woken() && owned.is_woken() && timed.is_woken());
    assert_eq!(assert_ready_err!(one.poll()), AcquireError::Closed);
    assert_eq!(assert_ready_err!(many.poll()), AcquireError::Closed);
    assert!(assert_ready_err!(owned.poll()).is_closed());
    assert!(assert_ready_err!(timed.poll()).is_closed());
    assert_eq!(sem.waiting(), 0);

    // Later acquires fail the same way; permits out stay valid.
    assert!(sem.acquire().await.unwrap_err().is_closed());
    assert!(sem.try_acquire().unwrap_err().is_closed());
    assert!(matches!(sem.try_acquire_many_owned(1), Err(TryAcquireError::Closed)));
    assert_eq!(held.num_permits(), 3);
    drop(held);
    assert!(sem.is_closed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_wakes_waiters_on_other_threads() {
    let sem = Semaphore::new(0).unwrap();
    let waiters: Vec<_> = (0..16)
        .map(|_| {
            let sem = sem.clone();
            tokio::spawn(async move { sem.acquire().await.map(drop) })
        })
        .collect();
    while sem.waiting() < 16 {
        tokio::task::yield_now().await;
    }
    sem.close();
    for waiter in waiters {
        assert!(waiter.await.unwrap().unwrap_err().is_closed());
    }
    assert_eq!(sem.waiting(), 0);
}

#[tokio::test(start_paused = true)]
async fn acquire_timeout_is_exact_and_ready_permits_win_at_zero() {
    let sem = Semaphore::new(1).unwrap();
    // A free permit is taken even with a zero timeout (tokio's rule).
    drop(sem.acquire_timeout(Duration::ZERO).await.unwrap());
    let held = sem.acquire_owned().await.unwrap();

    let start = Instant::now();
    let err = sem.acquire_timeout(Duration::from_millis(1_500)).await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_millis(1_500));
    assert_eq!(err.to_string(), "no permit acquired within 1.5s");
    assert!(err.is_timeout());
    assert_eq!(sem.waiting(), 0);

    // A permit that comes before the timeout wins.
    let releaser = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        drop(held);
    });
    let start = Instant::now();
    drop(sem.acquire_timeout(Duration::from_secs(1)).await.unwrap());
    assert_eq!(start.elapsed(), Duration::from_millis(200));
    releaser.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn waiting_counts_cancelled_and_failed_waiters_out() {
    let sem = Semaphore::bounded(2).unwrap();
    let held = sem.acquire_many(2).await.unwrap();
    let mut waiters: Vec<_> = (0..5).map(|_| spawn(sem.acquire())).collect();
    for w in &mut waiters {
        assert_pending!(w.poll());
    }
    assert_eq!(sem.waiting(), 5);
    waiters.truncate(2); // cancel three
    assert_eq!(sem.waiting(), 2);

    // An error before waiting is not counted at all.
    assert!(sem.acquire_many(3).await.is_err());
    assert_eq!(sem.waiting(), 2);

    drop(held);
    // Handed their permits, the two still count until they run.
    assert_eq!(sem.waiting(), 2);
    for w in &mut waiters {
        drop(assert_ready_ok!(w.poll()));
    }
    assert_eq!(sem.waiting(), 0);
}

#[tokio::test(start_paused = true)]
async fn uncontended_acquires_are_never_counted() {
    let sem = Semaphore::new(1).unwrap();
    let mut acquire = spawn(sem.acquire());
    let permit = assert_ready_ok!(acquire.poll());
    assert_eq!(sem.waiting(), 0);
    drop(permit);
}

#[tokio::test(start_paused = true)]
async fn bounded_forget_then_add_up_to_the_bound() {
    let sem = Semaphore::bounded(4).unwrap();
    sem.acquire_many(3).await.unwrap().forget();
    assert_eq!((sem.available(), sem.capacity()), (1, 4));
    // A request within the bound waits for permits to be added back.
    let mut all = spawn(sem.acquire_many(4));
    assert_pending!(all.poll());
    sem.add_permits(2).unwrap();
    assert_pending!(all.poll());
    let err = sem.add_permits(2).unwrap_err();
    assert_eq!((err.added(), err.held(), err.capacity()), (2, 3, 4));
    sem.add_permits(1).unwrap();
    let permit = assert_ready_ok!(all.poll());
    assert_eq!(permit.num_permits(), 4);
    assert!(sem.add_permits(1).is_err(), "all four are out: the bound is reached");
    drop(permit);
    assert_eq!(sem.available(), 4);
}

#[tokio::test(start_paused = true)]
async fn unbounded_grows_and_shrinks() {
    let sem = Semaphore::new(1).unwrap();
    sem.add_permits(9).unwrap();
    assert_eq!((sem.available(), sem.capacity()), (10, 10));
    sem.acquire_many(4).await.unwrap().forget();
    assert_eq!((sem.available(), sem.capacity()), (6, 6));
    let err = sem.add_permits(Semaphore::MAX_PERMITS).unwrap_err();
    assert_eq!(err.capacity(), Semaphore::MAX_PERMITS);
    assert_eq!(sem.capacity(), 6, "a refused add changes nothing");
}

#[tokio::test(start_paused = true)]
async fn merge_and_split_permits() {
    let other = Semaphore::new(1).unwrap();
    let sem = Semaphore::bounded(5).unwrap();
    let mut permit = sem.acquire_many(2).await.unwrap();
    permit.merge(sem.acquire_many(3).await.unwrap()).unwrap();
    assert_eq!((permit.num_permits(), sem.available()), (5, 0));

    let two = permit.split(2).unwrap();
    assert_eq!(
        permit.split(4).unwrap_err().to_string(),
        "cannot split 4 permits off a permit holding 3"
    );
    drop(two);
    assert_eq!(sem.available(), 2);

    let foreign = other.try_acquire().unwrap();
    let back = permit.merge(foreign).unwrap_err().into_inner();
    assert_eq!(other.available(), 0, "the foreign permit came back untouched");
    drop(back);
    assert_eq!(other.available(), 1);

    // Owned permits, and a clone of the semaphore counts as the same one.
    let mut owned = sem.acquire_owned().await.unwrap();
    owned.merge(sem.clone().acquire_owned().await.unwrap()).unwrap();
    assert_eq!(owned.num_permits(), 2);
    let split = owned.split(1).unwrap();
    assert!(split.semaphore().is_bounded());
    assert!(owned.merge(other.try_acquire_owned().unwrap()).is_err());
    drop((owned, split, permit));
    assert_eq!(sem.available(), 5);
}

// DESIGN 9: a permit held by a task is freed however the task ends.
#[tokio::test(start_paused = true)]
async fn owned_permit_is_freed_however_the_task_ends() {
    let sem = Semaphore::bounded(3).unwrap();
    let ok = tokio::spawn({
        let permit = sem.acquire_owned().await.unwrap();
        async move {
            let _permit = permit;
        }
    });
    let panics = tokio::spawn({
        let permit = sem.acquire_owned().await.unwrap();
        async move {
            let _permit = permit;
            panic!("child fails");
        }
    });
    let aborted = tokio::spawn({
        let permit = sem.acquire_owned().await.unwrap();
        async move {
            let _permit = permit;
            std::future::pending::<()>().await;
        }
    });
    assert_eq!(sem.available(), 0);
    ok.await.unwrap();
    assert!(panics.await.unwrap_err().is_panic());
    aborted.abort();
    assert!(aborted.await.unwrap_err().is_cancelled());
    assert_eq!(sem.available(), 3);
}

#[tokio::test(start_paused = true)]
async fn zero_permit_acquires_return_at_once() {
    let sem = Semaphore::new(0).unwrap();
    let mut zero = spawn(sem.acquire_many(0));
    let permit = assert_ready!(zero.poll()).unwrap();
    assert_eq!(permit.num_permits(), 0);
    assert_eq!(sem.try_acquire_many(0).unwrap().num_permits(), 0);
}

// Like tokio's own acquire, an acquire that never waits still spends the
// task's cooperative budget: a loop of them cannot starve the other tasks
// of a current-thread runtime.
#[tokio::test]
async fn acquire_loops_yield_to_the_scheduler() {
    let sem = Semaphore::new(1).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spinner = tokio::spawn({
        let (sem, stop) = (sem.clone(), std::sync::Arc::clone(&stop));
        async move {
            let mut rounds = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                drop(sem.acquire().await.unwrap());
                rounds += 1;
            }
            rounds
        }
    });
    tokio::task::yield_now().await; // the spinner runs until its budget is spent
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(spinner.await.unwrap() > 0);
}
