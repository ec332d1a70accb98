//! DESIGN 14, 16, 21 and 23 at the poll level: ready wins at a zero or past
//! deadline, a pending future is cut off at once, relative timeouts count
//! from creation, and an unrepresentable deadline means none.

use std::future::{pending, ready};
use std::time::Duration;

use taskscope_timeout::{
    FutureExt as _, Timeout, current_deadline, move_on_after, timeout, timeout_at,
};
use tokio::time::{Instant, advance, sleep};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready_err, assert_ready_ok};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// DESIGN 16/21: a zero timeout on a ready future returns its value.
#[tokio::test(start_paused = true)]
async fn zero_timeout_on_ready_future_is_ok() {
    let mut fut = spawn(timeout(Duration::ZERO, ready(5)));
    assert_eq!(assert_ready_ok!(fut.poll()), 5);
    let mut fut = spawn(Timeout::after(Duration::ZERO).run(ready(5)));
    assert_eq!(assert_ready_ok!(fut.poll()), 5);
    let mut fut = spawn(ready(5).timeout(Duration::ZERO));
    assert_eq!(assert_ready_ok!(fut.poll()), 5);
}

// DESIGN 16/21: a zero timeout on a pending future elapses at the first
// poll, without the clock moving.
#[tokio::test(start_paused = true)]
async fn zero_timeout_on_pending_future_elapses_at_once() {
    let start = Instant::now();
    let mut fut = spawn(timeout(Duration::ZERO, pending::<()>()));
    let err = assert_ready_err!(fut.poll());
    assert_eq!(err.deadline(), start);
    let mut fut = spawn(Timeout::after(Duration::ZERO).run(pending::<()>()));
    assert_ready_err!(fut.poll());
    assert_eq!(Instant::now(), start);
}

// DESIGN 21: the same at a deadline in the past.
#[tokio::test(start_paused = true)]
async fn past_deadline_ready_wins_pending_elapses() {
    advance(Duration::from_secs(1)).await;
    let past = Instant::now() - ms(500);
    let mut fut = spawn(timeout_at(past, ready("value")));
    assert_eq!(assert_ready_ok!(fut.poll()), "value");
    let mut fut = spawn(timeout_at(past, pending::<()>()));
    assert_eq!(assert_ready_err!(fut.poll()).deadline(), past);
}

// DESIGN 21: a relative timeout counts from its creation, not its first
// poll.
#[tokio::test(start_paused = true)]
async fn relative_timeout_counts_from_creation() {
    let created = Instant::now();
    let mut fut = spawn(timeout(ms(10), pending::<()>()));
    advance(ms(6)).await;
    assert_pending!(fut.poll());
    advance(ms(4)).await;
    assert_eq!(assert_ready_err!(fut.poll()).deadline(), created + ms(10));

    // Created, then left unpolled past its deadline: elapsed at first poll.
    let mut late = spawn(timeout(ms(10), pending::<()>()));
    advance(ms(20)).await;
    assert_ready_err!(late.poll());
}

// DESIGN 14: expiry drops the inner future (its output is never produced)
// and a value that arrives later is not reported.
#[tokio::test(start_paused = true)]
async fn expiry_drops_the_future() {
    let (tx, rx) = tokio::sync::oneshot::channel::<u8>();
    let mut fut = spawn(timeout(ms(5), rx));
    assert_pending!(fut.poll());
    advance(ms(5)).await;
    assert_ready_err!(fut.poll());
    drop(fut);
    assert_eq!(tx.send(1), Err(1), "the receiver was dropped with the timeout");
}

// DESIGN 23: once fired, the result is Elapsed even if the future is ready
// at the next poll.
#[tokio::test(start_paused = true)]
async fn fired_deadline_is_not_taken_back() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let timer = Timeout::after(ms(5));
    let handle = timer.handle();
    let mut fut = spawn(timer.run(rx));
    assert_pending!(fut.poll());
    advance(ms(5)).await;
    assert_ready_err!(fut.poll());
    handle.reschedule(Instant::now() + Duration::from_secs(60));
    let _ = tx.send(1);
    assert!(handle.expired());
}

// Bad input: Duration::MAX (and any deadline past the clock's range) means
// no deadline, where `Instant + Duration::MAX` panics.
#[tokio::test(start_paused = true)]
async fn duration_max_means_no_deadline() {
    let start = Instant::now();
    let day = Duration::from_secs(24 * 3600);
    let value = timeout(Duration::MAX, async {
        assert_eq!(current_deadline(), None);
        sleep(day).await;
        7
    })
    .await;
    assert_eq!(value, Ok(7));
    assert_eq!(start.elapsed(), day);

    assert_eq!(Timeout::after(Duration::MAX).deadline(), None);
    assert_eq!(move_on_after(Duration::MAX, ready(1)).await, Some(1));

    let timer = Timeout::after(ms(1));
    let handle = timer.handle();
    handle.reschedule_after(Duration::MAX);
    assert_eq!(handle.deadline(), None);
    assert_eq!(timer.run(sleep(ms(10))).await, Ok(()));
}

// A future that uses up the task's coop budget still times out: the timer
// is then polled outside the budget (tokio's `Timeout` does the same).
#[tokio::test(start_paused = true)]
async fn budget_exhausting_future_still_times_out() {
    let start = Instant::now();
    let busy = async {
        loop {
            tokio::task::coop::consume_budget().await;
        }
    };
    let mut fut = spawn(timeout(ms(10), busy));
    assert_pending!(fut.poll());
    advance(ms(10)).await;
    assert_eq!(assert_ready_err!(fut.poll()).deadline(), start + ms(10));
}
