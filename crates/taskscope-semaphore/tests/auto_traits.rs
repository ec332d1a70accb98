//! Send, Sync, Unpin and 'static of every public type and of the futures
//! the async methods return, so they can be held across awaits, shared,
//! and spawned.

use std::future::Future;
use std::time::Duration;

use taskscope::semaphore::{
    AcquireError, AddPermitsError, BorrowError, Borrower, CapacityError, Limiter, LimiterToken,
    MergeError, OwnedPermit, Permit, RateError, RateLimitError, RateLimiter, Semaphore, SplitError,
    TryAcquireError, TryBorrowError,
};

fn send_sync_unpin<T: Send + Sync + Unpin>() {}
fn send_sync_static<T: Send + Sync + Unpin + 'static>() {}
fn send_future<F: Future + Send>(_: &F) {}
fn error<E: std::error::Error + Send + Sync + 'static>() {}

#[test]
fn public_types_are_send_sync_unpin() {
    send_sync_static::<Semaphore>();
    send_sync_static::<OwnedPermit>();
    send_sync_unpin::<Permit<'static>>();
    send_sync_static::<Limiter>();
    send_sync_static::<LimiterToken>();
    send_sync_static::<Borrower>();
    send_sync_static::<RateLimiter>();
}

#[test]
fn errors_are_std_errors_and_send_sync() {
    error::<CapacityError>();
    error::<AddPermitsError>();
    error::<AcquireError>();
    error::<TryAcquireError>();
    error::<MergeError<OwnedPermit>>();
    error::<SplitError>();
    error::<BorrowError>();
    error::<TryBorrowError>();
    error::<RateError>();
    error::<RateLimitError>();
}

#[test]
fn futures_are_send() {
    let sem = Semaphore::new(1).unwrap();
    send_future(&sem.acquire());
    send_future(&sem.acquire_many(1));
    send_future(&sem.acquire_owned());
    send_future(&sem.acquire_many_owned(1));
    send_future(&sem.acquire_timeout(Duration::from_secs(1)));
    let limiter = Limiter::new(1).unwrap();
    send_future(&limiter.acquire());
    send_future(&limiter.acquire_on_behalf_of(1));
    let rate = RateLimiter::per_second(1.0).unwrap();
    send_future(&rate.acquire());
    send_future(&rate.acquire_many(1));
}

// The owned acquires only borrow the semaphore while waiting; once the
// permit is in hand it is 'static and can be spawned with.
#[tokio::test(start_paused = true)]
async fn owned_permits_and_tokens_move_into_spawned_tasks() {
    let sem = Semaphore::bounded(1).unwrap();
    let limiter = Limiter::new(1).unwrap();
    let permit = sem.acquire_owned().await.unwrap();
    let token = limiter.acquire().await.unwrap();
    let task = tokio::spawn(async move { (permit.num_permits(), token.borrower().clone()) });
    let (permits, borrower) = task.await.unwrap();
    assert_eq!(permits, 1);
    assert_eq!(borrower, Borrower::current());
    assert_eq!((sem.available(), limiter.available()), (1, 1));
}
