//! Ports of Trio's `CapacityLimiter` tests in src/trio/_tests/test_sync.py,
//! and of its generic lock tests run against `CapacityLimiter(1)` and
//! `Semaphore(1)`.
//!
//! Trio's `wait_all_tasks_blocked()` becomes explicit polls of `tokio_test`
//! tasks. Trio's `release()` / `release_on_behalf_of()` without a token
//! becomes dropping the token (RAII), so "release what you never acquired"
//! cannot be written and is not ported.

use std::sync::{Arc, Mutex};

use taskscope::semaphore::{Borrower, Limiter, Semaphore, TryBorrowError};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready_ok};

fn set(borrowers: Vec<Borrower>) -> Vec<String> {
    let mut names: Vec<_> = borrowers.iter().map(ToString::to_string).collect();
    names.sort();
    names
}

// test_CapacityLimiter
#[tokio::test(start_paused = true)]
async fn trio_capacity_limiter() {
    assert_eq!(Limiter::new(0).unwrap_err().to_string(), "total must be at least 1, got 0");
    let c = Limiter::new(2).unwrap();
    assert!(format!("{c:?}").contains("total: 2")); // repr smoke test
    assert_eq!((c.total(), c.borrowed(), c.available()), (2, 0, 2));

    let mine = c.try_acquire().unwrap();
    assert_eq!((c.borrowed(), c.available()), (1, 1));
    assert_eq!(c.borrowers(), [Borrower::current()]);
    assert_eq!(c.waiting(), 0);

    // Can't re-acquire when we already have it.
    assert!(matches!(c.try_acquire(), Err(TryBorrowError::AlreadyBorrowing { .. })));
    assert_eq!(c.borrowed(), 1);
    assert!(c.acquire().await.is_err());
    assert_eq!(c.borrowed(), 1);

    // We can acquire on behalf of someone else though.
    let someone = c.acquire_on_behalf_of("someone").await.unwrap();

    // But then we've run out of capacity.
    assert_eq!(c.borrowed(), 2);
    assert!(matches!(
        c.try_acquire_on_behalf_of("third party"),
        Err(TryBorrowError::NoTokens { total: 2, borrowed: 2, .. })
    ));
    let mut expected = set(vec![Borrower::current(), Borrower::from("someone")]);
    assert_eq!(set(c.borrowers()), expected);

    // Until we release one.
    drop(mine);
    expected.retain(|b| b == "borrower `someone`");
    assert_eq!(set(c.borrowers()), expected);
    drop(someone);
    assert_eq!(c.borrowed(), 0);
    {
        let _token = c.acquire().await.unwrap();
        assert_eq!(c.borrowed(), 1);
    }

    let v1 = c.acquire_on_behalf_of("value 1").await.unwrap();
    let v2 = c.acquire_on_behalf_of("value 2").await.unwrap();
    let mut v3 = spawn(c.acquire_on_behalf_of("value 3"));
    assert_pending!(v3.poll());
    assert_eq!(c.borrowed(), 2);
    assert_eq!(c.waiting(), 1);
    drop(v2);
    // Fairness: the token went to the waiter, not to a newcomer.
    assert_eq!(c.borrowed(), 2);
    assert!(matches!(c.try_acquire(), Err(TryBorrowError::NoTokens { .. })));
    let v3 = assert_ready_ok!(v3.poll());
    drop((v3, v1));
    assert_eq!((c.borrowed(), c.available(), c.waiting()), (0, 2, 0));
}

// test_CapacityLimiter_inf: Trio accepts `math.inf`; the largest total
// here is `Limiter::MAX_TOTAL`, and one past it is an error.
#[tokio::test(start_paused = true)]
async fn trio_capacity_limiter_inf() {
    let c = Limiter::new(Limiter::MAX_TOTAL).unwrap();
    assert_eq!(
        (c.total(), c.borrowed(), c.available()),
        (Limiter::MAX_TOTAL, 0, Limiter::MAX_TOTAL)
    );
    let _token = c.try_acquire().unwrap();
    assert_eq!((c.borrowed(), c.available()), (1, Limiter::MAX_TOTAL - 1));
    assert!(Limiter::new(Limiter::MAX_TOTAL + 1).is_err());
    assert!(c.set_total(Limiter::MAX_TOTAL + 1).is_err());
}

// test_CapacityLimiter_change_total_tokens
#[tokio::test(start_paused = true)]
async fn trio_capacity_limiter_change_total_tokens() {
    let c = Limiter::new(2).unwrap();
    assert_eq!(c.set_total(0).unwrap_err().to_string(), "total must be at least 1, got 0");
    assert_eq!(c.total(), 2);

    let mut waiters: Vec<_> = (0..5u64).map(|i| spawn(c.acquire_on_behalf_of(i))).collect();
    let mut tokens = Vec::new();
    for waiter in &mut waiters[..2] {
        tokens.push(Some(assert_ready_ok!(waiter.poll())));
    }
    for waiter in &mut waiters[2..] {
        assert_pending!(waiter.poll());
    }
    let names = |keys: &[u64]| set(keys.iter().map(|&k| Borrower::key(k)).collect());
    assert_eq!(set(c.borrowers()), names(&[0, 1]));
    assert_eq!(c.waiting(), 3);

    c.set_total(4).unwrap();
    // Raising the total hands the new tokens to the first two waiters at
    // once; they count as borrowers when they run.
    assert_eq!(c.borrowed(), 4);
    for waiter in &mut waiters[2..4] {
        tokens.push(Some(assert_ready_ok!(waiter.poll())));
    }
    assert_pending!(waiters[4].poll());
    assert_eq!(set(c.borrowers()), names(&[0, 1, 2, 3]));
    assert_eq!(c.waiting(), 1);

    c.set_total(1).unwrap();
    assert_eq!((c.borrowed(), c.total()), (4, 1));
    for token in &mut tokens[..3] {
        token.take();
    }
    assert_eq!(set(c.borrowers()), names(&[3]));
    assert_eq!(c.waiting(), 1);
    assert!(!waiters[4].is_woken());

    tokens[3].take();
    let last = assert_ready_ok!(waiters[4].poll());
    assert_eq!(set(c.borrowers()), names(&[4]));
    assert_eq!(c.waiting(), 0);
    drop(last);
    assert_eq!((c.borrowed(), c.available()), (0, 1));
}

// test_CapacityLimiter_memleak_548: a cancelled acquire leaves nothing
// behind (no pending borrower, no waiter count).
#[tokio::test(start_paused = true)]
async fn trio_capacity_limiter_memleak_548() {
    let limiter = Limiter::new(1).unwrap();
    let _token = limiter.acquire().await.unwrap();
    let task = tokio::spawn({
        let limiter = limiter.clone();
        async move { limiter.acquire().await.map(drop) }
    });
    tokio::task::yield_now().await;
    assert_eq!(limiter.waiting(), 1);
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(limiter.waiting(), 0);
    assert_eq!(limiter.borrowers(), [Borrower::current()]);
    // The cancelled borrower may ask again: it was not left "awaiting".
    let again = limiter.try_acquire_on_behalf_of(Borrower::key(1));
    assert!(matches!(again, Err(TryBorrowError::NoTokens { .. })));
}

/// The lock-like objects the generic tests run against.
#[derive(Clone)]
enum LockLike {
    Limiter(Limiter),
    Semaphore(Semaphore),
}

/// A held token or permit, kept only for its `Drop`.
type Guard = Box<dyn std::any::Any + Send>;

impl LockLike {
    fn all() -> [(&'static str, LockLike); 3] {
        [
            ("CapacityLimiter(1)", LockLike::Limiter(Limiter::new(1).unwrap())),
            ("Semaphore(1)", LockLike::Semaphore(Semaphore::new(1).unwrap())),
            ("BoundedSemaphore(1)", LockLike::Semaphore(Semaphore::bounded(1).unwrap())),
        ]
    }

    async fn acquire(&self) -> Guard {
        match self {
            LockLike::Limiter(l) => Box::new(l.acquire().await.unwrap()),
            LockLike::Semaphore(s) => Box::new(s.acquire_owned().await.unwrap()),
        }
    }

    fn try_acquire(&self) -> Option<Guard> {
        match self {
            LockLike::Limiter(l) => l.try_acquire().ok().map(|t| Box::new(t) as Guard),
            LockLike::Semaphore(s) => s.try_acquire_owned().ok().map(|p| Box::new(p) as Guard),
        }
    }
}

// test_generic_lock_exclusion: only one worker in the critical section.
#[tokio::test(start_paused = true)]
async fn trio_generic_lock_exclusion() {
    const LOOPS: usize = 10;
    const WORKERS: usize = 5;
    for (name, lock) in LockLike::all() {
        let state = Arc::new(Mutex::new((false, 0usize))); // (in critical section, acquires)
        let mut workers = Vec::new();
        for _ in 0..WORKERS {
            let (lock, state) = (lock.clone(), Arc::clone(&state));
            workers.push(tokio::spawn(async move {
                for _ in 0..LOOPS {
                    let _guard = lock.acquire().await;
                    {
                        let mut s = state.lock().unwrap();
                        assert!(!s.0, "{name}: two workers in the critical section");
                        *s = (true, s.1 + 1);
                    }
                    tokio::task::yield_now().await;
                    tokio::task::yield_now().await;
                    state.lock().unwrap().0 = false;
                }
            }));
        }
        for worker in workers {
            worker.await.unwrap();
        }
        assert_eq!(*state.lock().unwrap(), (false, LOOPS * WORKERS), "{name}");
    }
}

// test_generic_lock_fifo_fairness: workers queue on the lock and get it in
// the same order every round. In Trio every `async with lock` is a
// checkpoint; a tokio acquire that finds the lock free does not yield, so
// the critical section yields once to let the others queue.
#[tokio::test(start_paused = true)]
async fn trio_generic_lock_fifo_fairness() {
    const LOOPS: usize = 5;
    for (name, lock) in LockLike::all() {
        let initial_order = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::new(Mutex::new(Vec::new()));
        let mut workers = Vec::new();
        for id in 1..=3 {
            let (lock, initial_order, record) =
                (lock.clone(), Arc::clone(&initial_order), Arc::clone(&record));
            workers.push(tokio::spawn(async move {
                initial_order.lock().unwrap().push(id);
                for _ in 0..LOOPS {
                    let _guard = lock.acquire().await;
                    record.lock().unwrap().push(id);
                    tokio::task::yield_now().await;
                }
            }));
        }
        for worker in workers {
            worker.await.unwrap();
        }
        let initial_order = initial_order.lock().unwrap().clone();
        let record = record.lock().unwrap();
        for round in record.chunks(3) {
            assert_eq!(round, initial_order, "{name}: {record:?}");
        }
    }
}

// test_generic_lock_acquire_nowait_blocks_acquire
#[tokio::test(start_paused = true)]
async fn trio_generic_lock_acquire_nowait_blocks_acquire() {
    for (name, lock) in LockLike::all() {
        let record = Arc::new(Mutex::new(Vec::new()));
        let held = lock.try_acquire().unwrap_or_else(|| panic!("{name}"));
        let taker = tokio::spawn({
            let (lock, record) = (lock.clone(), Arc::clone(&record));
            async move {
                record.lock().unwrap().push("started");
                drop(lock.acquire().await);
                record.lock().unwrap().push("finished");
            }
        });
        tokio::task::yield_now().await;
        assert_eq!(*record.lock().unwrap(), ["started"], "{name}");
        drop(held);
        taker.await.unwrap();
        assert_eq!(*record.lock().unwrap(), ["started", "finished"], "{name}");
    }
}
