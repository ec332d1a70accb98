//! `Limiter` rules beyond the Trio ports: one token per borrower even while
//! waiting, tokens handed to a waiter that is cancelled come back, tokens
//! moved to other tasks stay their borrower's, resizing on many threads.

use taskscope::semaphore::{BorrowError, Borrower, Limiter, TryBorrowError};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready_err, assert_ready_ok};

#[tokio::test(start_paused = true)]
async fn a_borrower_cannot_wait_twice() {
    let limiter = Limiter::new(1).unwrap();
    let _held = limiter.acquire_on_behalf_of("other").await.unwrap();
    let mut first = spawn(limiter.acquire_on_behalf_of("me"));
    assert_pending!(first.poll());
    // The same borrower asking again while it waits would deadlock
    // itself once served: refused at once.
    let mut second = spawn(limiter.acquire_on_behalf_of("me"));
    let err = assert_ready_err!(second.poll());
    assert!(
        matches!(err, BorrowError::AlreadyBorrowing { ref borrower, .. } if *borrower == Borrower::from("me"))
    );
    assert!(matches!(
        limiter.try_acquire_on_behalf_of("me"),
        Err(TryBorrowError::AlreadyBorrowing { .. })
    ));
    assert_eq!(limiter.waiting(), 1);
    // Once the first wait is cancelled, the borrower may ask again.
    drop(first);
    let mut third = spawn(limiter.acquire_on_behalf_of("me"));
    assert_pending!(third.poll());
    assert_eq!(limiter.waiting(), 1);
}

#[tokio::test(start_paused = true)]
async fn token_handed_to_a_cancelled_waiter_comes_back() {
    let limiter = Limiter::new(1).unwrap();
    let held = limiter.acquire_on_behalf_of(1).await.unwrap();
    let mut waiter = spawn(limiter.acquire_on_behalf_of(2));
    assert_pending!(waiter.poll());
    drop(held); // the token goes to the waiter...
    assert!(waiter.is_woken());
    assert_eq!(limiter.available(), 0);
    drop(waiter); // ...which is cancelled before it runs
    assert_eq!((limiter.available(), limiter.borrowed(), limiter.waiting()), (1, 0, 0));
    assert!(limiter.borrowers().is_empty());
    let _again = limiter.try_acquire_on_behalf_of(2).unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_moved_token_still_belongs_to_its_borrower() {
    let limiter = Limiter::new(2).unwrap();
    let token = limiter.acquire().await.unwrap();
    let me = Borrower::current();
    let holder = tokio::spawn(async move {
        let token = token;
        tokio::task::yield_now().await;
        token.borrower().clone()
    });
    tokio::task::yield_now().await;
    assert!(limiter.try_acquire().is_err(), "still borrowed by this task");
    assert_eq!(holder.await.unwrap(), me);
    assert!(limiter.try_acquire().is_ok());
}

#[tokio::test(start_paused = true)]
async fn raising_the_total_serves_waiters_in_order() {
    let limiter = Limiter::new(1).unwrap();
    let _held = limiter.acquire_on_behalf_of(0).await.unwrap();
    let mut waiters: Vec<_> = (1..=3u64).map(|i| spawn(limiter.acquire_on_behalf_of(i))).collect();
    for w in &mut waiters {
        assert_pending!(w.poll());
    }
    limiter.set_total(3).unwrap();
    assert!(waiters[0].is_woken() && waiters[1].is_woken());
    let one = assert_ready_ok!(waiters[0].poll());
    let two = assert_ready_ok!(waiters[1].poll());
    assert_pending!(waiters[2].poll());
    assert_eq!((one.borrower(), two.borrower()), (&Borrower::key(1), &Borrower::key(2)));
    assert_eq!((limiter.borrowed(), limiter.waiting()), (3, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raising_the_total_wakes_waiters_on_other_threads() {
    let limiter = Limiter::new(1).unwrap();
    let held = limiter.acquire().await.unwrap();
    let waiters: Vec<_> = (0..8)
        .map(|_| {
            let limiter = limiter.clone();
            tokio::spawn(
                async move { limiter.acquire().await.map(|token| token.borrower().clone()) },
            )
        })
        .collect();
    while limiter.waiting() < 8 {
        tokio::task::yield_now().await;
    }
    limiter.set_total(9).unwrap();
    let mut borrowers = Vec::new();
    for waiter in waiters {
        borrowers.push(waiter.await.unwrap().unwrap());
    }
    borrowers.sort_by_key(ToString::to_string);
    borrowers.dedup();
    assert_eq!(borrowers.len(), 8, "every task was its own borrower");
    drop(held);
    assert_eq!((limiter.borrowed(), limiter.available(), limiter.waiting()), (0, 9, 0));
}
