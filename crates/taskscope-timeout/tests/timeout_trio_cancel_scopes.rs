//! Ports of the cancel-scope and deadline tests in Trio's
//! `src/trio/_core/_tests/test_run.py`. A Trio cancel scope with a deadline
//! is a [`Timeout`] here, `scope.cancel()` is rescheduling it to "now",
//! `cancel_called` is `expired()`, and a shielded scope is [`shield`].
//!
//! Not ported, having no meaning here: `test_cancel_scope_validation` (a
//! `Duration` cannot be NaN or negative), `test_unshield_while_cancel_propagating`
//! and the shield toggling inside `test_cancel_shielding` (a shield is a
//! wrapper, not a flag that changes mid-scope), `test_cancel_scope_misnesting`
//! (futures nest by construction), `test_timekeeping` (wall clock), and the
//! garbage-collection tests.

use std::future::pending;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use taskscope_timeout::{Elapsed, Timeout, current_deadline, shield, timeout_at};
use tokio::task::yield_now;
use tokio::time::{Instant, advance, sleep};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Sets its flag when dropped: shows that a cut-off future was dropped.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

// test_run.py: test_cancel_scope_repr
// "unbound" / "active" / "cancelled" / "exited" are created / active /
// expired / finished in the Debug output.
#[tokio::test(start_paused = true)]
async fn trio_cancel_scope_repr() {
    let scope = Timeout::never();
    let handle = scope.handle();
    assert!(format!("{handle:?}").contains("\"created\""));
    let result = scope
        .run(async {
            assert!(format!("{handle:?}").contains("\"active\""));
            let deadline = Instant::now() + secs(10);
            handle.reschedule(deadline);
            assert!(format!("{handle:?}").contains(&format!("{deadline:?}")));
            handle.reschedule(Instant::now()); // cancel()
            pending::<()>().await;
        })
        .await;
    assert!(result.is_err());
    assert!(format!("{handle:?}").contains("\"expired\""));

    let scope = Timeout::never();
    let handle = scope.handle();
    scope.run(async {}).await.unwrap();
    assert!(format!("{handle:?}").contains("\"finished\""));
}

// test_run.py: test_cancel_points (main3 and main4)
// A cancelled scope cuts off the next wait; shielded waits go through first.
#[tokio::test(start_paused = true)]
async fn trio_cancel_points() {
    // main3
    let scope = Timeout::never();
    let handle = scope.handle();
    let result = scope
        .run(async {
            handle.reschedule(Instant::now());
            pending::<()>().await;
        })
        .await;
    assert!(result.is_err());

    // main4: two cancel-shielded checkpoints, then an ordinary one.
    let mut record = Vec::new();
    let scope = Timeout::never();
    let handle = scope.handle();
    let result = scope
        .run(async {
            handle.reschedule(Instant::now());
            shield(yield_now()).await;
            record.push("shielded 1");
            shield(yield_now()).await;
            record.push("shielded 2");
            yield_now().await;
            record.push("unreachable");
        })
        .await;
    assert!(result.is_err());
    assert_eq!(record, ["shielded 1", "shielded 2"]);
}

// test_run.py: test_cancel_edge_cases
// Two cancels in a row are one; the scope reports once.
#[tokio::test(start_paused = true)]
async fn trio_cancel_edge_cases() {
    let scope = Timeout::never();
    let handle = scope.handle();
    let result = scope
        .run(async {
            handle.reschedule(Instant::now());
            handle.reschedule(Instant::now());
            yield_now().await;
        })
        .await;
    assert!(result.is_err());
    assert!(handle.expired());
}

// test_run.py: test_cancel_shielding
// The outer scope is cancelled; a shield protects the code inside it, but
// not from a scope inside the shield; after the shield, the outer scope
// strikes at the next wait.
#[tokio::test(start_paused = true)]
async fn trio_cancel_shielding() {
    let mut record = Vec::new();
    let outer = Timeout::never();
    let outer_handle = outer.handle();
    let result = outer
        .run(async {
            yield_now().await;
            outer_handle.reschedule(Instant::now());
            shield(async {
                // The shield protects us from `outer`.
                yield_now().await;
                record.push("shielded checkpoint");
                // But not from a scope inside it.
                let innerest = Timeout::never();
                let innerest_handle = innerest.handle();
                let caught = innerest
                    .run(async {
                        innerest_handle.reschedule(Instant::now());
                        yield_now().await;
                    })
                    .await;
                record.push(if caught.is_err() { "innerest cancelled" } else { "innerest ran" });
                yield_now().await;
                record.push("shielded again");
            })
            .await;
            yield_now().await;
            record.push("unreachable");
        })
        .await;
    assert!(result.is_err());
    assert_eq!(record, ["shielded checkpoint", "innerest cancelled", "shielded again"]);
}

// test_run.py: test_cancel_shield_abort
// A shield cannot stop an abort: the task's future is dropped, shield or
// not.
#[tokio::test(start_paused = true)]
async fn trio_cancel_shield_abort() {
    let dropped = Arc::new(AtomicBool::new(false));
    let guard = SetOnDrop(dropped.clone());
    let sleeper = tokio::spawn(shield(async move {
        let _guard = guard;
        pending::<()>().await;
    }));
    yield_now().await;
    assert!(!dropped.load(Ordering::SeqCst));
    sleeper.abort();
    assert!(sleeper.await.unwrap_err().is_cancelled());
    assert!(dropped.load(Ordering::SeqCst));
}

// test_run.py: test_basic_timeout
#[tokio::test(start_paused = true)]
async fn trio_basic_timeout() {
    // A deadline set inside a scope that then finishes never fires.
    let start = Instant::now();
    let scope = Timeout::never();
    let handle = scope.handle();
    assert_eq!(handle.deadline(), None);
    scope
        .run(async {
            handle.reschedule(start + secs(1));
            assert_eq!(handle.deadline(), Some(start + secs(1)));
        })
        .await
        .unwrap();
    advance(secs(2)).await;
    yield_now().await;
    assert!(!handle.expired());

    // The clock jumps past the deadline inside the scope.
    let start = Instant::now();
    let scope = Timeout::at(start + secs(1));
    let handle = scope.handle();
    let result = scope
        .run(async {
            advance(secs(2)).await;
            pending::<()>().await;
        })
        .await;
    assert!(result.is_err());
    assert!(handle.expired());

    // Changing the deadline: later, then into the past, which fires at the
    // next wait.
    let start = Instant::now();
    let scope = Timeout::never();
    let handle = scope.handle();
    let mut after_move = false;
    let result = scope
        .run(async {
            yield_now().await;
            handle.reschedule(start + secs(10));
            yield_now().await;
            advance(secs(5)).await;
            yield_now().await;
            handle.reschedule(start + secs(1));
            after_move = true;
            yield_now().await;
            unreachable!("the past deadline fires at this wait");
        })
        .await;
    assert!(after_move);
    assert_eq!(result.unwrap_err().deadline(), start + secs(1));
    assert_eq!(start.elapsed(), secs(5));
}

// test_run.py: test_cancel_scope_nesting
#[tokio::test(start_paused = true)]
async fn trio_cancel_scope_nesting() {
    // If two trigger at once, the outer one wins.
    let (scope1, scope2, scope3) = (Timeout::never(), Timeout::never(), Timeout::never());
    let (h1, h2, h3) = (scope1.handle(), scope2.handle(), scope3.handle());
    let now = Instant::now();
    let result = scope1
        .run(scope2.run(scope3.run(async {
            h3.reschedule(now);
            h2.reschedule(now);
            pending::<()>().await;
        })))
        .await;
    // scope1 completed with scope2's report; scope3 never reported (that
    // would be `Ok(Ok(Err(_)))`).
    assert!(matches!(result, Ok(Err(elapsed)) if elapsed.deadline() == now), "{result:?}");
    assert!(h3.expired());
    assert!(h2.expired());
    assert!(!h1.expired());

    // Shielding: scope1 is cancelled; scope2 inside a shield is not, until
    // it is cancelled itself, and then it catches its own expiry.
    let scope1 = Timeout::never();
    let h1 = scope1.handle();
    let mut record = Vec::new();
    let result = scope1
        .run(async {
            h1.reschedule(Instant::now());
            let scope2 = Timeout::never();
            let h2 = scope2.handle();
            let inner = shield(scope2.run(async {
                yield_now().await;
                record.push("shielded checkpoint");
                h2.reschedule(Instant::now());
                yield_now().await;
            }))
            .await;
            record.push(if inner.is_err() { "scope2 caught" } else { "scope2 ran out" });
            yield_now().await;
        })
        .await;
    assert!(result.is_err());
    assert_eq!(record, ["shielded checkpoint", "scope2 caught"]);

    // A scope cancelled but left without waiting is not delivered.
    let scope = Timeout::never();
    let handle = scope.handle();
    let result = scope
        .run(async {
            handle.reschedule(Instant::now());
            "left without waiting"
        })
        .await;
    assert_eq!(result, Ok("left without waiting"));
    assert!(!handle.expired());
}

// test_run.py: test_cancel_unbound
#[tokio::test(start_paused = true)]
async fn trio_cancel_unbound() {
    // Cancel before entry.
    let scope = Timeout::after(secs(1));
    scope.handle().reschedule(Instant::now());
    let start = Instant::now();
    assert!(scope.run(pending::<()>()).await.is_err());
    assert_eq!(start.elapsed(), Duration::ZERO);

    // Cancel after entry, from another task.
    let scope = Timeout::after(secs(1));
    let handle = scope.handle();
    let task = tokio::spawn(scope.run(pending::<()>()));
    yield_now().await;
    handle.reschedule(Instant::now());
    assert!(task.await.unwrap().is_err());
    assert_eq!(start.elapsed(), Duration::ZERO);

    // Never become un-cancelled: a fired deadline stays fired.
    let deadline = handle.deadline();
    handle.reschedule(Instant::now() + secs(1));
    assert!(handle.expired());
    assert_eq!(handle.deadline(), deadline);
}

// test_run.py: test_yield_briefly_checks_for_timeout
#[tokio::test(start_paused = true)]
async fn trio_yield_briefly_checks_for_timeout() {
    let start = Instant::now();
    let result = timeout_at(start + secs(5), async {
        yield_now().await;
        advance(secs(10)).await;
        yield_now().await;
    })
    .await;
    assert_eq!(result.unwrap_err().deadline(), start + secs(5));
    assert_eq!(start.elapsed(), secs(10));
}

// test_run.py: test_current_effective_deadline
// Trio reports -inf in a cancelled scope; here it is the deadline that
// passed. A reschedule takes effect at the timeout's next poll, which it
// triggers.
#[tokio::test(start_paused = true)]
async fn trio_current_effective_deadline() {
    let t = Instant::now();
    assert_eq!(current_deadline(), None);
    let scope1 = Timeout::at(t + secs(5));
    let h1 = scope1.handle();
    scope1
        .run(async {
            let scope2 = Timeout::at(t + secs(10));
            let h2 = scope2.handle();
            scope2
                .run(async {
                    assert_eq!(current_deadline(), Some(t + secs(5)));
                    h2.reschedule(t + secs(3));
                    yield_now().await;
                    assert_eq!(current_deadline(), Some(t + secs(3)));
                    h2.reschedule(t + secs(10));
                    yield_now().await;
                    assert_eq!(current_deadline(), Some(t + secs(5)));
                })
                .await
                .unwrap();
            // Shielded from scope1: only the scope inside the shield counts.
            shield(timeout_at(t + secs(10), async {
                assert_eq!(current_deadline(), Some(t + secs(10)));
            }))
            .await
            .unwrap();
            shield(async { assert_eq!(current_deadline(), None) }).await;
            // scope1 cancelled: its deadline is in the past, and stays the
            // effective one, shielded parts aside.
            advance(secs(1)).await;
            h1.reschedule(t);
            shield(async {
                yield_now().await;
                assert_eq!(current_deadline(), None);
            })
            .await;
            assert_eq!(current_deadline(), Some(t));
        })
        .await
        .unwrap_err();
    assert_eq!(current_deadline(), None);
}

// test_run.py: test_cancel_scope_deadline_duplicates
#[tokio::test(start_paused = true)]
async fn trio_cancel_scope_deadline_duplicates() {
    let now = Instant::now();
    let scope = Timeout::never();
    let handle = scope.handle();
    scope
        .run(async {
            for _ in 0..2000 {
                handle.reschedule(now + secs(9998));
                handle.reschedule(now + secs(9999));
            }
            sleep(Duration::from_millis(10)).await;
        })
        .await
        .unwrap();
    assert_eq!(handle.deadline(), Some(now + secs(9999)));
}

// test_run.py: test_very_deep_cancel_scope_nesting
// A thousand nested timeouts with one deadline: the outermost reports, no
// inner one does. Run on a thread with a large stack, since each level
// adds a few frames to every poll.
#[test]
fn trio_very_deep_cancel_scope_nesting() {
    const DEPTH: usize = 1000;

    type Level = Pin<Box<dyn Future<Output = Result<(), Elapsed>> + Send>>;

    fn nest(depth: usize, deadline: Instant, inner_reports: Arc<AtomicUsize>) -> Level {
        if depth == 0 {
            return Box::pin(async { pending::<Result<(), Elapsed>>().await });
        }
        let inner = nest(depth - 1, deadline, inner_reports.clone());
        Box::pin(async move {
            match timeout_at(deadline, inner).await {
                Ok(Err(reported_below)) => {
                    inner_reports.fetch_add(1, Ordering::SeqCst);
                    Err(reported_below)
                }
                other => other.and_then(|inner| inner),
            }
        })
    }

    let thread = std::thread::Builder::new().stack_size(64 << 20).spawn(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let deadline = Instant::now() + secs(1);
            let inner_reports = Arc::new(AtomicUsize::new(0));
            let result = nest(DEPTH, deadline, inner_reports.clone()).await;
            assert_eq!(result.unwrap_err().deadline(), deadline);
            assert_eq!(inner_reports.load(Ordering::SeqCst), 0);
            assert_eq!(Instant::now(), deadline);
        });
    });
    thread.unwrap().join().unwrap();
}
