//! Ports of Trio's `src/trio/_tests/test_timeouts.py`: `move_on_*` and
//! `fail_*`, on tokio's paused clock, where Trio's `check_takes_about`
//! fudge factor becomes an exact equality.
//!
//! Not ported: `test_timeouts_raise_value_error`, because a negative or NaN
//! timeout cannot be expressed — timeouts here are `Duration`s, and the
//! float conversion that could fail is std's `Duration::try_from_secs_f64`.
//! `test_sleep` is ported for its part about this crate (the trivial
//! `move_on_at`); its timing of plain sleeps is tokio's business.

use std::future::pending;
use std::time::Duration;

use taskscope_timeout::{
    Timeout, current_deadline, fail_after, fail_at, move_on_after, move_on_at,
};
use tokio::task::yield_now;
use tokio::time::{Instant, advance, sleep};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

// test_timeouts.py: test_sleep ("this also serves as a test of the trivial
// move_on_at")
#[tokio::test(start_paused = true)]
async fn trio_sleep() {
    let start = Instant::now();
    assert_eq!(move_on_at(Instant::now(), yield_now()).await, None);
    assert_eq!(start.elapsed(), Duration::ZERO);
    // A checkpoint outside any deadline goes through.
    assert_eq!(move_on_at(Instant::now() + secs(1), yield_now()).await, Some(()));
}

// test_timeouts.py: test_move_on_after
#[tokio::test(start_paused = true)]
async fn trio_move_on_after() {
    let start = Instant::now();
    assert_eq!(move_on_after(secs(1), sleep(secs(100))).await, None);
    assert_eq!(start.elapsed(), secs(1));
}

// test_timeouts.py: test_fail
#[tokio::test(start_paused = true)]
async fn trio_fail() {
    let start = Instant::now();
    let err = fail_at(Instant::now() + secs(1), sleep(secs(100))).await.unwrap_err();
    assert_eq!(start.elapsed(), secs(1));
    assert_eq!(err.deadline(), start + secs(1));

    assert_eq!(fail_at(Instant::now() + secs(100), yield_now()).await, Ok(()));

    let start = Instant::now();
    assert!(fail_after(secs(1), sleep(secs(100))).await.is_err());
    assert_eq!(start.elapsed(), secs(1));

    assert_eq!(fail_after(secs(100), yield_now()).await, Ok(()));
}

// test_timeouts.py: test_timeout_deadline_on_entry
// DESIGN 21 decides against the peer: Trio now counts a relative timeout
// from entering the scope, this crate from creating it. A timeout created
// 3 s before it runs has 2 s left, and says so.
#[tokio::test(start_paused = true)]
async fn trio_timeout_deadline_on_entry() {
    let created = Instant::now();
    let cs = Timeout::after(secs(5));
    advance(secs(3)).await;
    let entered = Instant::now();
    let deadline = cs.run(async { current_deadline() }).await.unwrap();
    assert_eq!(deadline, Some(created + secs(5)));
    assert_eq!(deadline, Some(entered + secs(2)));

    // The same for move_on_after and fail_after, created and awaited later.
    let created = Instant::now();
    let mo = move_on_after(secs(5), pending::<()>());
    let fa = fail_after(secs(5), pending::<()>());
    advance(secs(3)).await;
    assert_eq!(mo.await, None);
    assert_eq!(created.elapsed(), secs(5));
    let err = fa.await.unwrap_err();
    assert_eq!(err.deadline(), created + secs(5));
}

// test_timeouts.py: test_timeout_deadline_not_on_entry
// Trio's old (now deprecated) behaviour, which is this crate's rule: the
// deadline minus the time at entry is 2 s after a 3 s jump.
#[tokio::test(start_paused = true)]
async fn trio_timeout_deadline_not_on_entry() {
    let cs = Timeout::after(secs(5));
    let handle = cs.handle();
    advance(secs(3)).await;
    cs.run(async {
        assert_eq!(handle.deadline().unwrap() - Instant::now(), secs(2));
        assert_eq!(current_deadline().unwrap() - Instant::now(), secs(2));
    })
    .await
    .unwrap();
}
