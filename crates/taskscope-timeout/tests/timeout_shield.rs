//! `shield`: the timeouts around a shielded future wait for it, then
//! report; inside, their deadlines are out of sight; an abort still drops
//! it.

use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use taskscope_timeout::{current_deadline, move_on_after, shield, timeout};
use tokio::task::yield_now;
use tokio::time::{Instant, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Sets its flag when dropped.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

// The outer deadline passes during the shielded part: it completes, and
// the timeout reports at the next unshielded wait.
#[tokio::test(start_paused = true)]
async fn shielded_part_completes_then_timeout_reports() {
    let start = Instant::now();
    let mut steps = Vec::new();
    let result = timeout(ms(10), async {
        steps.push("start");
        shield(sleep(ms(30))).await;
        steps.push("shield done");
        sleep(ms(30)).await;
        steps.push("unreachable");
    })
    .await;
    assert_eq!(result.unwrap_err().deadline(), start + ms(10));
    assert_eq!(steps, ["start", "shield done"]);
    assert_eq!(start.elapsed(), ms(30));
}

// DESIGN 23: the whole future completing right after the shield is still
// an Elapsed; its value is dropped.
#[tokio::test(start_paused = true)]
async fn future_done_after_fired_shield_is_still_elapsed() {
    let start = Instant::now();
    let result = timeout(ms(10), async {
        shield(sleep(ms(30))).await;
        "committed"
    })
    .await;
    assert!(result.is_err());
    assert_eq!(start.elapsed(), ms(30));
}

// A shield that finishes before the deadline changes nothing.
#[tokio::test(start_paused = true)]
async fn shield_within_the_deadline_is_transparent() {
    let value = timeout(ms(10), async { shield(async { 3 }).await + 1 }).await;
    assert_eq!(value, Ok(4));
}

// Inside a shield the outer deadlines are out of sight; a timeout inside
// the shield works by itself, and reports its own expiry.
#[tokio::test(start_paused = true)]
async fn timeouts_inside_a_shield_are_independent() {
    let start = Instant::now();
    let result = timeout(ms(10), async {
        assert_eq!(current_deadline(), Some(start + ms(10)));
        let inner = shield(async {
            assert_eq!(current_deadline(), None);
            timeout(ms(20), async {
                assert_eq!(current_deadline(), Some(start + ms(20)));
                pending::<()>().await
            })
            .await
        })
        .await;
        assert_eq!(inner.unwrap_err().deadline(), start + ms(20));
        assert_eq!(current_deadline(), Some(start + ms(10)));
        yield_now().await;
    })
    .await;
    assert_eq!(result.unwrap_err().deadline(), start + ms(10));
    assert_eq!(start.elapsed(), ms(20));
}

// Nested timeouts outside one shield: every one of them waits for it, and
// the outermost reports.
#[tokio::test(start_paused = true)]
async fn nested_timeouts_all_wait_for_the_shield() {
    let start = Instant::now();
    let result = timeout(
        ms(10),
        timeout(ms(10), async {
            shield(sleep(ms(40))).await;
            pending::<()>().await
        }),
    )
    .await;
    assert!(matches!(result, Err(e) if e.deadline() == start + ms(10)), "{result:?}");
    assert_eq!(start.elapsed(), ms(40));
}

// Unshielded futures polled next to a pending shield run on with it (a
// timeout can only drop its future whole); they are dropped together when
// the timeout reports.
#[tokio::test(start_paused = true)]
async fn unshielded_siblings_run_on_with_the_shield() {
    let start = Instant::now();
    let ticks = std::cell::Cell::new(0);
    let result = move_on_after(ms(10), async {
        tokio::join!(shield(sleep(ms(50))), async {
            loop {
                sleep(ms(10)).await;
                ticks.set(ticks.get() + 1);
            }
        });
    })
    .await;
    assert_eq!(result, None);
    assert_eq!(start.elapsed(), ms(50));
    assert_eq!(ticks.get(), 5);
}

// A shield does not stop an abort: the task's future is dropped.
#[tokio::test(start_paused = true)]
async fn shield_cannot_stop_an_abort() {
    let dropped = Arc::new(AtomicBool::new(false));
    let guard = SetOnDrop(dropped.clone());
    let task = tokio::spawn(timeout(
        ms(10),
        shield(async move {
            let _guard = guard;
            sleep(ms(100)).await;
        }),
    ));
    sleep(ms(20)).await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert!(dropped.load(Ordering::SeqCst));
}

// Dropping the Shield itself drops the future inside.
#[tokio::test(start_paused = true)]
async fn dropping_the_shield_drops_its_future() {
    let dropped = Arc::new(AtomicBool::new(false));
    let guard = SetOnDrop(dropped.clone());
    let mut fut = tokio_test::task::spawn(shield(async move {
        let _guard = guard;
        pending::<()>().await;
    }));
    tokio_test::assert_pending!(fut.poll());
    drop(fut);
    assert!(dropped.load(Ordering::SeqCst));
}

// A timeout held open by a shield reports when the shielded part ends —
// unless an outer timeout has expired by then, which then reports instead
// (outermost expired wins, evaluated when the report is made). Found by
// the property test in `timeout_nesting_props.rs`.
#[tokio::test(start_paused = true)]
async fn held_open_timeout_yields_to_an_outer_one_expired_meanwhile() {
    let start = Instant::now();
    let tower = |outer: u64| timeout(ms(outer), timeout(Duration::ZERO, shield(sleep(ms(6)))));
    // The outer deadline (6 ms) has passed when the shield ends: it reports.
    let result = tower(6).await;
    assert!(matches!(result, Err(e) if e.deadline() == start + ms(6)), "{result:?}");
    // The outer deadline (7 ms) has not: the inner, held-open one reports.
    let start = Instant::now();
    let result = tower(7).await;
    assert!(matches!(result, Ok(Err(e)) if e.deadline() == start), "{result:?}");
    assert_eq!(start.elapsed(), ms(6));
}
