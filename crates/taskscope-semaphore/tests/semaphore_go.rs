//! Ports of Go's golang.org/x/sync semaphore/semaphore_test.go
//! (`semaphore.Weighted`): weighted acquires, try-acquire, head-of-line
//! blocking, starvation and cancelled large requests.
//!
//! Go's tests sleep on the wall clock; here they run on tokio's paused
//! clock with exact times, except the hammer test, which runs on the
//! multi-thread runtime with `yield_now` instead of sleeps.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use taskscope::semaphore::{AcquireError, Semaphore, TryAcquireError};
use tokio::time::{Instant, sleep};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready_ok};

/// A tiny deterministic PRNG (xorshift), to vary the tests without a
/// dependency.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

// TestWeighted: n workers, worker i acquires i permits (0..n) in a loop,
// checking the weight in use never passes the size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_weighted() {
    const N: u32 = 4;
    const LOOPS: usize = 2_500 / N as usize;
    let sem = Semaphore::bounded(N as usize).unwrap();
    let in_use = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for i in 0..N {
        let (sem, in_use) = (sem.clone(), Arc::clone(&in_use));
        workers.push(tokio::spawn(async move {
            let mut rng = 0x9e37_79b9_7f4a_7c15 ^ u64::from(i + 1);
            for _ in 0..LOOPS {
                let permit = sem.acquire_many(i).await.unwrap();
                let now = in_use.fetch_add(i as usize, Ordering::SeqCst) + i as usize;
                assert!(now <= N as usize, "{now} permits in use of {N}");
                for _ in 0..xorshift(&mut rng) % 3 {
                    tokio::task::yield_now().await;
                }
                in_use.fetch_sub(i as usize, Ordering::SeqCst);
                drop(permit);
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
    assert_eq!((sem.available(), sem.waiting()), (N as usize, 0));
}

// TestWeightedPanic: Go panics when releasing what was never acquired;
// DESIGN makes it a typed error, for bounded semaphores.
#[test]
fn go_weighted_release_unacquired_is_an_error() {
    let sem = Semaphore::bounded(1).unwrap();
    let err = sem.add_permits(1).unwrap_err();
    assert_eq!((err.added(), err.held(), err.capacity()), (1, 1, 1));
    assert_eq!(sem.available(), 1);
}

// TestWeightedTryAcquire
#[tokio::test(start_paused = true)]
async fn go_weighted_try_acquire() {
    let sem = Semaphore::bounded(2).unwrap();
    let mut tries = Vec::new();
    let first = sem.acquire().await.unwrap();
    let second = sem.try_acquire();
    tries.push(second.is_ok());
    tries.push(sem.try_acquire().is_ok());

    drop((first, second));

    let third = sem.try_acquire();
    tries.push(third.is_ok());
    let _fourth = sem.acquire().await.unwrap();
    tries.push(sem.try_acquire().is_ok());

    assert_eq!(tries, [true, false, true, false]);
}

// TestWeightedAcquire: like the above, with 10 ms timeouts; the failed
// tries take exactly the timeout.
#[tokio::test(start_paused = true)]
async fn go_weighted_acquire() {
    let sem = Semaphore::bounded(2).unwrap();
    let timeout = Duration::from_millis(10);
    let first = sem.acquire().await.unwrap();

    let second = sem.acquire_timeout(timeout).await;
    let start = Instant::now();
    let fails = sem.acquire_timeout(timeout).await;
    assert_eq!(start.elapsed(), timeout);
    assert!(matches!(fails, Err(AcquireError::TimedOut { .. })));
    let mut tries = vec![second.is_ok(), fails.is_ok()];

    drop((first, second));

    let third = sem.acquire_timeout(timeout).await;
    tries.push(third.is_ok());
    let _fourth = sem.acquire().await.unwrap();
    tries.push(sem.acquire_timeout(timeout).await.is_ok());

    assert_eq!(tries, [true, false, true, false]);
    assert_eq!(sem.waiting(), 0);
}

// TestWeightedDoesntBlockIfTooBig: a request larger than the semaphore
// must not block the others. Go parks it outside the queue until its
// context ends; DESIGN (17) fails it at once on a bounded semaphore.
#[tokio::test(start_paused = true)]
async fn go_weighted_doesnt_block_if_too_big() {
    const N: usize = 2;
    let sem = Semaphore::bounded(N).unwrap();
    let err = sem.acquire_many(N as u32 + 1).await.unwrap_err();
    assert!(matches!(err, AcquireError::ExceedsCapacity { requested: 3, capacity: 2, .. }));
    assert!(matches!(sem.try_acquire_many(3), Err(TryAcquireError::ExceedsCapacity { .. })));
    assert!(matches!(sem.acquire_many_owned(3).await, Err(AcquireError::ExceedsCapacity { .. })));

    let mut tasks = Vec::new();
    for _ in 0..N * 3 {
        let sem = sem.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire().await?;
            sleep(Duration::from_millis(1)).await;
            Ok::<_, AcquireError>(())
        }));
    }
    let start = Instant::now();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(start.elapsed(), Duration::from_millis(3));
}

// The unbounded side of the same rule (documented on `acquire_many`): an
// unbounded semaphore may still grow, so a request above its current
// permits waits at the head of the queue, and blocks the requests behind
// it until it is served or cancelled.
#[tokio::test(start_paused = true)]
async fn go_weighted_too_big_on_unbounded_blocks_until_cancelled() {
    let sem = Semaphore::new(2).unwrap();
    let mut big = spawn(sem.acquire_many(3));
    assert_pending!(big.poll());
    let mut small = spawn(sem.acquire());
    assert_pending!(small.poll()); // head-of-line: 2 permits set aside for `big`
    assert_eq!(sem.waiting(), 2);

    drop(big); // cancelling the big request hands its permits on
    assert!(small.is_woken());
    let _permit = assert_ready_ok!(small.poll());
    assert_eq!((sem.available(), sem.waiting()), (1, 0));
}

// TestLargeAcquireDoesntStarve: workers keep releasing and re-acquiring
// one permit each; a request for all of them still gets through, because
// each freed permit is set aside for it instead of going back to a worker.
#[tokio::test(start_paused = true)]
async fn go_large_acquire_doesnt_starve() {
    const N: u32 = 4;
    let sem = Semaphore::bounded(N as usize).unwrap();
    let running = Arc::new(AtomicBool::new(true));
    let mut workers = Vec::new();
    for _ in 0..N {
        let mut permit = sem.acquire_owned().await.unwrap();
        let (sem, running) = (sem.clone(), Arc::clone(&running));
        workers.push(tokio::spawn(async move {
            while running.load(Ordering::SeqCst) {
                sleep(Duration::from_millis(1)).await;
                drop(permit);
                permit = sem.acquire_owned().await.unwrap();
            }
        }));
    }

    let start = Instant::now();
    let all = sem.acquire_many(N).await.unwrap();
    // Every worker gave its permit back once, after its first 1 ms sleep.
    assert_eq!(start.elapsed(), Duration::from_millis(1));
    running.store(false, Ordering::SeqCst);
    drop(all);
    for worker in workers {
        worker.await.unwrap();
    }
    assert_eq!(sem.available(), N as usize);
}

// TestAllocCancelDoesntStarve: a large request that gives up must let
// the small one queued behind it through, at the moment it gives up.
#[tokio::test(start_paused = true)]
async fn go_alloc_cancel_doesnt_starve() {
    let sem = Semaphore::bounded(10).unwrap();
    let _read = sem.acquire().await.unwrap();
    let start = Instant::now();

    let writer = tokio::spawn({
        let sem = sem.clone();
        async move {
            let result =
                tokio::time::timeout(Duration::from_millis(300), sem.acquire_many(10)).await;
            assert!(result.is_err(), "the write lock must not be granted");
        }
    });
    sleep(Duration::from_millis(100)).await;
    assert_eq!(sem.waiting(), 1);

    let reader = tokio::spawn({
        let sem = sem.clone();
        async move {
            let _permit = sem.acquire().await.unwrap();
            Instant::now()
        }
    });
    let acquired_at = reader.await.unwrap();
    writer.await.unwrap();
    assert_eq!(acquired_at - start, Duration::from_millis(300));
    assert_eq!(sem.waiting(), 0);
}
