//! DESIGN 15, nesting: the earliest deadline is in force, and when several
//! have expired by the time they are polled, the outermost expired one
//! reports and the inner ones never do.

use std::future::pending;
use std::time::Duration;

use taskscope_timeout::{Timeout, move_on_after, timeout, timeout_at};
use tokio::time::{Instant, advance, sleep};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// Three timeouts with one deadline: the outermost reports.
#[tokio::test(start_paused = true)]
async fn nested_equal_deadlines_outermost_reports() {
    let deadline = Instant::now() + ms(10);
    let result = timeout_at(deadline, timeout_at(deadline, timeout_at(deadline, pending::<()>())));
    let mut fut = spawn(result);
    assert_pending!(fut.poll());
    advance(ms(10)).await;
    let outcome = assert_ready!(fut.poll());
    assert!(matches!(outcome, Err(e) if e.deadline() == deadline), "{outcome:?}");
}

// Equal deadlines with handles: every one counts as expired, one reports.
#[tokio::test(start_paused = true)]
async fn nested_equal_deadlines_all_expired() {
    let deadline = Instant::now() + ms(10);
    let (outer, inner) = (Timeout::at(deadline), Timeout::at(deadline));
    let (ho, hi) = (outer.handle(), inner.handle());
    let result = outer.run(inner.run(sleep(ms(50)))).await;
    assert!(matches!(result, Err(e) if e.deadline() == deadline));
    assert!(ho.expired() && hi.expired());
    assert_eq!(Instant::now(), deadline);
}

// An outer deadline earlier than the inner one: the outer reports, at its
// own deadline.
#[tokio::test(start_paused = true)]
async fn outer_earlier_than_inner_outer_reports() {
    let start = Instant::now();
    let result = timeout(ms(10), timeout(ms(50), pending::<()>())).await;
    assert!(matches!(result, Err(e) if e.deadline() == start + ms(10)));
    assert_eq!(start.elapsed(), ms(10));
}

// An inner deadline earlier than the outer one: the inner reports, and the
// code after it runs under the outer deadline.
#[tokio::test(start_paused = true)]
async fn inner_earlier_than_outer_inner_reports() {
    let start = Instant::now();
    let result = timeout(ms(50), async {
        let inner = timeout(ms(10), pending::<()>()).await;
        assert_eq!(inner.unwrap_err().deadline(), start + ms(10));
        assert_eq!(start.elapsed(), ms(10));
        sleep(ms(5)).await;
        "after the inner timeout"
    })
    .await;
    assert_eq!(result, Ok("after the inner timeout"));
    assert_eq!(start.elapsed(), ms(15));
}

// Both deadlines passed while the thread was away (the inner's first): the
// outermost expired one still reports.
#[tokio::test(start_paused = true)]
async fn both_passed_outer_reports_even_if_inner_was_earlier() {
    let start = Instant::now();
    let mut fut = spawn(timeout(ms(20), timeout(ms(10), pending::<()>())));
    assert_pending!(fut.poll());
    advance(ms(30)).await;
    let outcome = assert_ready!(fut.poll());
    assert!(matches!(outcome, Err(e) if e.deadline() == start + ms(20)), "{outcome:?}");
}

// Only expired deadlines take part: an inner one that has passed reports
// when the outer one has not.
#[tokio::test(start_paused = true)]
async fn only_expired_outer_deadlines_claim() {
    let start = Instant::now();
    let mut fut = spawn(timeout(ms(100), timeout(ms(10), pending::<()>())));
    assert_pending!(fut.poll());
    advance(ms(30)).await;
    let outcome = assert_ready!(fut.poll());
    assert!(matches!(outcome, Ok(Err(e)) if e.deadline() == start + ms(10)), "{outcome:?}");
}

// A timeout in a sibling branch (join) defers to the enclosing expired one
// just as a directly nested one does.
#[tokio::test(start_paused = true)]
async fn sibling_branches_defer_to_the_enclosing_timeout() {
    let start = Instant::now();
    let result = timeout(ms(10), async {
        let (a, b) =
            tokio::join!(timeout(ms(10), pending::<()>()), move_on_after(ms(10), pending::<()>()));
        unreachable!("no inner timeout reports: {a:?} {b:?}");
    })
    .await;
    assert!(matches!(result, Err(e) if e.deadline() == start + ms(10)));
}

// After a nested expiry the outer timeout keeps no trace: the next one in
// the same task behaves on its own.
#[tokio::test(start_paused = true)]
async fn nothing_leaks_between_sequential_timeouts() {
    let start = Instant::now();
    let _ = timeout(ms(10), timeout(ms(10), pending::<()>())).await;
    let again = timeout(ms(10), async { timeout(ms(20), sleep(ms(15))).await }).await;
    assert!(matches!(again, Err(e) if e.deadline() == start + ms(20)));
}
