//! DESIGN.md's group semantics (rules 1–13, 19, 20, 22, 25), one test per
//! rule, on both runtimes where scheduling could change the outcome.

mod support;

use std::future::pending;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures::FutureExt;
use support::{Tracker, ms, secs};
use taskscope::{Policy, Ready, SpawnError, TaskError, TaskGroup};
use tokio::sync::{Notify, oneshot};
use tokio::time::{Instant, sleep};

/// Runs one scenario on the current-thread runtime (paused clock) and on
/// the multi-thread runtime; scenarios must not depend on the clock.
macro_rules! both_runtimes {
    ($($name:ident => $scenario:ident;)*) => {$(
        mod $name {
            #[tokio::test(start_paused = true)]
            async fn current_thread() {
                super::$scenario().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn multi_thread() {
                super::$scenario().await;
            }
        }
    )*};
}

both_runtimes! {
    rule_01_scope_waits_for_every_child => scope_waits_for_every_child;
    rule_02_body_error_cancels_children => body_error_cancels_children;
    rule_05_dropping_the_scope_cancels_children => dropping_the_scope_cancels_children;
    rule_06_nested_group_joins_grandchildren_before_parent_returns => nested_joins_grandchildren;
    rule_07_spawn_after_finish_is_refused => spawn_after_finish_is_refused;
    rule_11_children_spawn_siblings => children_spawn_siblings;
    rule_22_aborted_child_is_not_a_failure => aborted_child_is_not_a_failure;
    start_returns_the_started_value => start_returns_the_started_value;
    start_failure_before_started_fails_start_and_group => start_failure_fails_start_and_group;
}

// Rule 1: a scope returns only after the body and every child are done.
async fn scope_waits_for_every_child() {
    let tracker = Tracker::new();
    let finished = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = oneshot::channel::<()>();
    let value = taskscope::scope(async |tg| {
        let done = finished.clone();
        tg.spawn(tracker.track(async move {
            rx.await.expect("sender kept");
            done.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(())
        }));
        for _ in 0..10 {
            let done = finished.clone();
            tg.spawn(tracker.track(async move {
                tokio::task::yield_now().await;
                done.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }));
        }
        tx.send(()).expect("child waits");
        Ok("body value")
    })
    .await
    .expect("no child fails");
    assert_eq!(value, "body value");
    assert_eq!(finished.load(Ordering::SeqCst), 11);
    tracker.assert_all_done();
}

// Rule 1 (owned group) and rule 5: dropping an owned group without join
// aborts every child; their Drop cleanup runs.
#[tokio::test(start_paused = true)]
async fn rule_01_dropping_an_owned_group_aborts_children() {
    let tracker = Tracker::new();
    let tg = TaskGroup::<()>::new();
    for _ in 0..5 {
        tg.spawn(tracker.track(pending::<Result<(), ()>>()));
    }
    tokio::task::yield_now().await;
    assert_eq!(tracker.live(), 5);
    drop(tg);
    tokio::task::yield_now().await;
    tracker.assert_all_done();
}

// Rule 2: the first child error cancels the siblings and the body; the
// scope returns when they have stopped, with the error and its task name.
#[tokio::test(start_paused = true)]
async fn rule_02_first_error_cancels_siblings_and_body() {
    let tracker = Tracker::new();
    let body_finished = AtomicBool::new(false);
    let start = Instant::now();
    let err = TaskGroup::builder()
        .name("g")
        .scope(async |tg| {
            for i in 0..3 {
                tg.spawn_named(
                    format!("sleeper-{i}"),
                    tracker.track(async {
                        sleep(secs(60)).await;
                        Ok(())
                    }),
                );
            }
            tg.spawn_named(
                "failing",
                tracker.track(async {
                    sleep(secs(1)).await;
                    Err::<(), _>("boom")
                }),
            );
            sleep(secs(30)).await;
            body_finished.store(true, Ordering::SeqCst);
            Ok(())
        })
        .await
        .unwrap_err();
    tracker.assert_all_done();
    assert_eq!(start.elapsed(), secs(1));
    assert!(!body_finished.load(Ordering::SeqCst), "the body was cancelled at its await");
    assert_eq!(err.len(), 1, "cancelled siblings are not errors: {err:?}");
    let entry = err.first().unwrap();
    assert_eq!(entry.task().path(), "g/failing");
    assert_eq!(entry.as_failed(), Some(&"boom"));
    assert!(entry.task().id().is_some());
}

// Rules 2 and 19: the body's error is an entry named `body`, and it
// cancels the children.
async fn body_error_cancels_children() {
    let tracker = Tracker::new();
    let err = taskscope::scope(async |tg| {
        for _ in 0..4 {
            tg.spawn(tracker.track(pending::<Result<(), &str>>()));
        }
        tokio::task::yield_now().await;
        Err::<(), _>("body failed")
    })
    .await
    .unwrap_err();
    tracker.assert_all_done();
    assert_eq!(err.len(), 1);
    assert_eq!(err.first().unwrap().task().name(), "body");
    assert_eq!(err.first().unwrap().task().path(), "body");
    assert_eq!(err.first().unwrap().as_failed(), Some(&"body failed"));
}

// Rules 2 and 19: errors come back in the order they happened, the body's
// included, never only the first.
#[tokio::test(start_paused = true)]
async fn rule_19_errors_are_in_occurrence_order() {
    let tracker = Tracker::new();
    let err = TaskGroup::builder()
        .policy(Policy::CollectAll)
        .scope(async |tg| {
            for (name, at) in [("third", 3), ("first", 1), ("fourth", 4)] {
                tg.spawn_named(
                    name,
                    tracker.track(async move {
                        sleep(secs(at)).await;
                        Err::<(), _>(name)
                    }),
                );
            }
            sleep(secs(2)).await;
            Err::<(), _>("second (body)")
        })
        .await
        .unwrap_err();
    tracker.assert_all_done();
    let order: Vec<&str> = err.iter().map(|e| *e.as_failed().unwrap()).collect();
    assert_eq!(order, ["first", "second (body)", "third", "fourth"]);
    assert_eq!(err.errors()[1].task().name(), "body");
}

// Rule 3: cancelling drops the child's future at its await point, so its
// Drop cleanup runs before the scope returns.
#[tokio::test(start_paused = true)]
async fn rule_03_cancellation_runs_drop_cleanup_before_return() {
    struct Cleanup(Arc<AtomicUsize>);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let cleaned = Arc::new(AtomicUsize::new(0));
    let result = taskscope::scope(async |tg| {
        for _ in 0..3 {
            let guard = Cleanup(cleaned.clone());
            tg.spawn(async move {
                let _guard = guard;
                pending::<Result<(), ()>>().await
            });
        }
        tg.spawn(async { Err::<(), ()>(()) });
        Ok(())
    })
    .await;
    assert!(result.is_err());
    assert_eq!(cleaned.load(Ordering::SeqCst), 3, "every cancelled child ran its Drop");
}

// Rule 3: with a grace period, children see the token first; those that
// finish within the grace are not aborted, an error they return then is
// recorded, and the rest are aborted exactly when the grace ends.
#[tokio::test(start_paused = true)]
async fn rule_03_grace_period_then_abort() {
    let tracker = Tracker::new();
    let start = Instant::now();
    let polite_done = Arc::new(AtomicBool::new(false));
    let err = TaskGroup::builder()
        .name("g")
        .grace(ms(500))
        .scope(async |tg| {
            let token = tg.token();
            let done = polite_done.clone();
            tg.spawn_named(
                "polite",
                tracker.track(async move {
                    token.cancelled().await;
                    sleep(ms(200)).await;
                    done.store(true, Ordering::SeqCst);
                    Ok(())
                }),
            );
            let token = tg.token();
            tg.spawn_named(
                "complains",
                tracker.track(async move {
                    token.cancelled().await;
                    sleep(ms(100)).await;
                    Err::<(), _>("flush failed")
                }),
            );
            tg.spawn_named("deaf", tracker.track(pending::<Result<(), &str>>()));
            tg.spawn_named(
                "failing",
                tracker.track(async {
                    sleep(secs(1)).await;
                    Err::<(), _>("boom")
                }),
            );
            Ok(())
        })
        .await
        .unwrap_err();
    tracker.assert_all_done();
    assert_eq!(start.elapsed(), ms(1500), "the deaf child was aborted when the grace ended");
    assert!(polite_done.load(Ordering::SeqCst));
    let names: Vec<&str> = err.iter().map(|e| e.task().name()).collect();
    assert_eq!(names, ["failing", "complains"]);
}

// Rule 4: a panicking child cancels its siblings; after all are joined the
// panic resumes in the caller.
#[tokio::test(start_paused = true)]
async fn rule_04_panic_cancels_siblings_then_resumes() {
    let tracker = Tracker::new();
    let start = Instant::now();
    let outcome = AssertUnwindSafe(taskscope::scope(async |tg| {
        tg.spawn(tracker.track(async {
            sleep(secs(60)).await;
            Ok::<_, ()>(())
        }));
        tg.spawn(tracker.track(async {
            sleep(secs(1)).await;
            panic!("child exploded");
            #[allow(unreachable_code)] // gives the child its type
            Ok::<(), ()>(())
        }));
        Ok(())
    }))
    .catch_unwind()
    .await;
    let payload = outcome.expect_err("the panic resumes in the caller");
    tracker.assert_all_done();
    assert_eq!(start.elapsed(), secs(1));
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"child exploded"));
}

// Rule 4: with catch_panics, the panic is an entry with its message.
#[tokio::test(start_paused = true)]
async fn rule_04_caught_panic_is_an_entry() {
    let tracker = Tracker::new();
    let err = TaskGroup::builder()
        .catch_panics()
        .scope(async |tg| {
            tg.spawn(tracker.track(pending::<Result<(), ()>>()));
            tg.spawn_named(
                "bad",
                tracker.track(async {
                    let n: u32 = "x".parse().unwrap_or(0);
                    if n == 0 {
                        panic!("bad input {n}");
                    }
                    Ok(())
                }),
            );
            Ok(())
        })
        .await
        .unwrap_err();
    tracker.assert_all_done();
    assert_eq!(err.len(), 1);
    let entry = err.first().unwrap();
    assert!(entry.is_panic());
    assert_eq!(entry.panic_message(), Some("bad input 0"));
    assert_eq!(entry.task().name(), "bad");
}

// Rule 4: a panic in the body also waits for the children first.
#[tokio::test(start_paused = true)]
async fn rule_04_body_panic_joins_children_first() {
    let tracker = Tracker::new();
    let outcome = AssertUnwindSafe(taskscope::scope(async |tg| {
        tg.spawn(tracker.track(pending::<Result<(), ()>>()));
        sleep(secs(1)).await;
        if tg.len() == 1 {
            panic!("body exploded");
        }
        Ok(())
    }))
    .catch_unwind()
    .await;
    assert!(outcome.is_err());
    tracker.assert_all_done();
}

// Rule 5: dropping the scope's future (here: an outer timeout) cancels
// every child, nested groups' children included; nothing keeps running.
async fn dropping_the_scope_cancels_children() {
    let tracker = Tracker::new();
    let (started_tx, started_rx) = oneshot::channel::<()>();
    let scope = taskscope::scope(async |tg| {
        for _ in 0..3 {
            tg.spawn(tracker.track(pending::<Result<(), ()>>()));
        }
        let inner_tracker = tracker.clone();
        tg.spawn_group(TaskGroup::builder().name("inner"), move |inner| async move {
            inner.spawn(inner_tracker.track(pending::<Result<(), ()>>()));
            started_tx.send(()).ok();
            pending::<Result<(), ()>>().await
        });
        pending::<Result<(), ()>>().await
    });
    tokio::select! {
        _ = scope => unreachable!("the scope never finishes on its own"),
        _ = started_rx => {}
    }
    // The select! dropped the scope. Drop cannot wait, so the runtime reaps
    // the aborted tasks right after; this would hang if any were leaked.
    tracker.wait_all_done().await;
    assert_eq!(tracker.started(), 4);
}

// Rule 6: a nested group inherits its parent's cancellation, and joins its
// own children before it ends, so when the outer scope returns no
// grandchild is left — without any yield after the return.
async fn nested_joins_grandchildren() {
    let tracker = Tracker::new();
    let (ready_tx, ready_rx) = oneshot::channel::<()>();
    let err = TaskGroup::builder()
        .name("outer")
        .scope(async |tg| {
            let inner_tracker = tracker.clone();
            tg.spawn_group(TaskGroup::builder().name("inner"), move |inner| async move {
                for _ in 0..5 {
                    inner.spawn(inner_tracker.track(pending::<Result<(), &str>>()));
                }
                ready_tx.send(()).ok();
                pending::<Result<(), &str>>().await
            });
            ready_rx.await.ok();
            tg.spawn_named("failing", async { Err::<(), _>("boom") });
            Ok(())
        })
        .await
        .unwrap_err();
    tracker.assert_all_done();
    assert_eq!(tracker.started(), 5);
    assert_eq!(err.len(), 1, "the cancelled nested group is not an error: {err}");
    assert_eq!(err.first().unwrap().task().path(), "outer/failing");
}

// Rule 6: a nested group's errors reach the parent with their paths,
// without conversion code.
#[tokio::test(start_paused = true)]
async fn rule_06_nested_errors_reach_the_parent_with_paths() {
    let err = TaskGroup::builder()
        .name("crawler")
        .scope(async |tg| {
            tg.spawn_group(TaskGroup::builder().name("site"), |site| async move {
                site.spawn_group(TaskGroup::builder().name("page"), |page| async move {
                    page.spawn_named("parse", async { Err::<(), _>("bad html") });
                    Ok(())
                });
                Ok(())
            });
            Ok(())
        })
        .await
        .unwrap_err();
    let leaf = err.first().unwrap();
    assert_eq!(leaf.task().path(), "crawler/site/page/parse");
    assert_eq!(leaf.as_failed(), Some(&"bad html"));
    let TaskError::Group { task, errors } = &err.errors()[0] else { panic!("{err:?}") };
    assert_eq!(task.path(), "crawler/site");
    assert_eq!(errors.group().path(), "crawler/site");
    assert_eq!(
        err.to_string(),
        "task group `crawler` failed with 1 error:\n\
         └─ crawler/site failed: nested group had 1 error\n   \
            └─ crawler/site/page failed: nested group had 1 error\n      \
               └─ crawler/site/page/parse failed: bad html"
    );
}

// Rules 7 and 25: spawning on a finished group is refused; `try_spawn`
// gives the future back, `spawn` gives a handle that says so.
async fn spawn_after_finish_is_refused() {
    let mut kept = None;
    taskscope::scope(async |tg| {
        kept = Some(tg.clone());
        Ok::<_, ()>(())
    })
    .await
    .unwrap();
    let tg = kept.unwrap();
    assert!(tg.is_cancelled());
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    match tg.try_spawn(async move {
        flag.store(true, Ordering::SeqCst);
        Ok(7)
    }) {
        Err(SpawnError::Closed(fut)) => assert_eq!(fut.await, Ok(7)),
        Err(other) => panic!("unexpected {other}"),
        Ok(_) => panic!("a finished group took a child"),
    }
    assert!(ran.load(Ordering::SeqCst), "the future came back intact and ran when awaited");
    let handle = tg.spawn(async { Ok(8) });
    assert!(handle.is_finished());
    assert!(handle.await.unwrap_err().is_closed());
}

// Rule 7: a cancelled group refuses new children too.
#[tokio::test(start_paused = true)]
async fn rule_07_spawn_on_cancelled_group_is_refused() {
    let tg = TaskGroup::<()>::new();
    tg.cancel();
    assert!(tg.try_spawn(async { Ok(()) }).unwrap_err().is_closed());
    tg.join().await.unwrap();
}

// Rule 8: CollectAll never cancels siblings for a failure.
#[tokio::test(start_paused = true)]
async fn rule_08_collect_all_runs_everything() {
    let tracker = Tracker::new();
    let completed = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let err = TaskGroup::builder()
        .policy(Policy::CollectAll)
        .scope(async |tg| {
            for i in 0..6u64 {
                let completed = completed.clone();
                tg.spawn(tracker.track(async move {
                    sleep(secs(i)).await;
                    completed.fetch_add(1, Ordering::SeqCst);
                    if i % 2 == 0 { Err(i) } else { Ok(()) }
                }));
            }
            Ok(())
        })
        .await
        .unwrap_err();
    tracker.assert_all_done();
    assert_eq!(start.elapsed(), secs(5));
    assert_eq!(completed.load(Ordering::SeqCst), 6);
    let failed: Vec<u64> = err.iter().map(|e| *e.as_failed().unwrap()).collect();
    assert_eq!(failed, [0, 2, 4]);
}

// Rule 8: FirstSuccess returns at the first Ok and cancels the rest.
#[tokio::test(start_paused = true)]
async fn rule_08_first_success_cancels_the_rest() {
    let tracker = Tracker::new();
    let start = Instant::now();
    let winner = Arc::new(std::sync::Mutex::new(None));
    let result = TaskGroup::builder()
        .policy(Policy::FirstSuccess)
        .scope(async |tg| {
            for (name, at, ok) in [("a", 3, true), ("b", 1, false), ("c", 2, true), ("d", 9, true)]
            {
                let winner = winner.clone();
                tg.spawn_named(
                    name,
                    tracker.track(async move {
                        sleep(secs(at)).await;
                        if !ok {
                            return Err(format!("{name} failed"));
                        }
                        winner.lock().unwrap().get_or_insert(name);
                        Ok(())
                    }),
                );
            }
            Ok("body")
        })
        .await;
    tracker.assert_all_done();
    assert_eq!(result.unwrap(), "body");
    assert_eq!(start.elapsed(), secs(2));
    assert_eq!(*winner.lock().unwrap(), Some("c"));
}

// Rule 8: FirstSuccess with no success reports every error.
#[tokio::test(start_paused = true)]
async fn rule_08_first_success_without_success_reports_all() {
    let err = TaskGroup::builder()
        .policy(Policy::FirstSuccess)
        .scope(async |tg| {
            for i in 0..3u64 {
                tg.spawn(async move {
                    sleep(secs(i)).await;
                    Err::<(), _>(i)
                });
            }
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.iter().map(|e| *e.as_failed().unwrap()).collect::<Vec<_>>(), [0, 1, 2]);
}

// Rule 10: a child whose handle was dropped is reaped as soon as it ends:
// its output is freed at once, not kept until the group is joined.
#[tokio::test(start_paused = true)]
async fn rule_10_dropped_handle_output_is_freed_at_once() {
    let outputs = Tracker::new();
    let tg = TaskGroup::<()>::new();
    for _ in 0..100 {
        let alive = outputs.alive();
        tg.spawn(async move { Ok(alive) }); // the output holds a tracker guard
    }
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(tg.len(), 0);
    outputs.assert_all_done();
    tg.join().await.unwrap();
}

// Rule 11: a child can spawn siblings into its own group, and the group
// waits for them.
async fn children_spawn_siblings() {
    let tracker = Tracker::new();
    let count = Arc::new(AtomicUsize::new(0));
    taskscope::scope(async |tg| {
        fn branch(
            tg: taskscope::Spawner<()>,
            depth: u32,
            tracker: Tracker,
            count: Arc<AtomicUsize>,
        ) {
            let inner = tg.clone();
            let t = tracker.clone();
            tg.spawn(tracker.track(async move {
                tokio::task::yield_now().await;
                count.fetch_add(1, Ordering::SeqCst);
                if depth < 6 {
                    branch(inner.clone(), depth + 1, t.clone(), count.clone());
                    branch(inner, depth + 1, t, count);
                }
                Ok(())
            }));
        }
        branch(tg, 0, tracker.clone(), count.clone());
        Ok(())
    })
    .await
    .unwrap();
    tracker.assert_all_done();
    assert_eq!(count.load(Ordering::SeqCst), 127);
}

// Rule 12: `is_cancelled` flips with cancel and with the group's end.
#[tokio::test(start_paused = true)]
async fn rule_12_is_cancelled_tracks_the_group() {
    let tg = TaskGroup::<()>::new();
    let spawner = tg.spawner();
    assert!(!spawner.is_cancelled());
    tg.join().await.unwrap();
    assert!(spawner.is_cancelled(), "a finished group reads as cancelled");
}

// Rule 20: the token is cancelled when the scope exits, success included.
#[tokio::test(start_paused = true)]
async fn rule_20_token_cancelled_on_successful_exit() {
    let mut token = None;
    taskscope::scope(async |tg| {
        token = Some(tg.token());
        tg.spawn(async { Ok::<_, ()>(()) });
        Ok(())
    })
    .await
    .unwrap();
    assert!(token.unwrap().is_cancelled());
}

// Rule 20, the other way: cancelling the token from outside cancels the group.
#[tokio::test(start_paused = true)]
async fn rule_20_cancelling_the_token_cancels_the_group() {
    let tracker = Tracker::new();
    let start = Instant::now();
    let err = taskscope::scope(async |tg| {
        tg.spawn(tracker.track(pending::<Result<(), ()>>()));
        let token = tg.token();
        tokio::spawn(async move {
            sleep(secs(2)).await;
            token.cancel();
        });
        pending::<Result<(), ()>>().await
    })
    .await
    .unwrap_err();
    tracker.assert_all_done();
    assert_eq!(start.elapsed(), secs(2));
    assert!(err.is_cancelled() && err.is_empty());
}

// Rule 22: a child cancelled through its handle is not a failure.
async fn aborted_child_is_not_a_failure() {
    let tracker = Tracker::new();
    taskscope::scope(async |tg| {
        let handle = tg.spawn(tracker.track(pending::<Result<(), ()>>()));
        handle.abort();
        assert!(handle.await.unwrap_err().is_cancelled());
        Ok(())
    })
    .await
    .expect("an aborted child is not an error");
    tracker.assert_all_done();
}

// `cancel()` is an early exit, not a failure: Ok with the body's value if
// the body had returned, an empty cancelled group if it had not.
#[tokio::test(start_paused = true)]
async fn cancel_after_body_returned_keeps_the_value() {
    let tracker = Tracker::new();
    let value = taskscope::scope(async |tg| {
        let group = tg.clone();
        tg.spawn(tracker.track(async move {
            sleep(secs(1)).await;
            group.cancel();
            Ok::<_, ()>(())
        }));
        tg.spawn(tracker.track(pending::<Result<(), ()>>()));
        Ok(42)
    })
    .await
    .unwrap();
    assert_eq!(value, 42);
    tracker.assert_all_done();
}

#[tokio::test(start_paused = true)]
async fn cancel_before_body_returned_is_an_empty_cancelled_group() {
    let start = Instant::now();
    let err = taskscope::scope(async |tg| {
        let group = tg.clone();
        tg.spawn(async move {
            sleep(secs(1)).await;
            group.cancel();
            Ok::<_, &str>(())
        });
        sleep(secs(10)).await;
        Ok(42)
    })
    .await
    .unwrap_err();
    assert_eq!(start.elapsed(), secs(1));
    assert!(err.is_cancelled());
    assert!(err.is_empty());
    assert_eq!(err.to_string(), "task group was cancelled before its body finished");
}

// `start`: the value arrives when the child says it is ready, and the
// child keeps running in the group.
async fn start_returns_the_started_value() {
    let tracker = Tracker::new();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let served = taskscope::scope(async |tg| {
        let port = tg
            .start(|ready: Ready<u16>| {
                tracker.track(async move {
                    tokio::task::yield_now().await;
                    ready.started(8080);
                    stop_rx.await.expect("stop sent");
                    Ok::<_, ()>("served")
                })
            })
            .await
            .expect("started");
        assert_eq!(port, 8080);
        assert_eq!(tg.len(), 1, "the started child keeps running");
        stop_tx.send(()).unwrap();
        Ok(port)
    })
    .await
    .unwrap();
    assert_eq!(served, 8080);
    tracker.assert_all_done();
}

// `start`: failing before `started` fails `start` and (FailFast) the group.
async fn start_failure_fails_start_and_group() {
    let tracker = Tracker::new();
    let start_error = Arc::new(std::sync::Mutex::new(None));
    let err = taskscope::scope(async |tg| {
        tg.spawn(tracker.track(pending::<Result<(), &str>>()));
        let result = tg
            .start(|_ready: Ready<u16>| tracker.track(async { Err::<(), _>("bind failed") }))
            .await;
        *start_error.lock().unwrap() = Some(result.unwrap_err());
        Ok(())
    })
    .await
    .unwrap_err();
    tracker.assert_all_done();
    assert_eq!(err.len(), 1);
    assert_eq!(err.first().unwrap().as_failed(), Some(&"bind failed"));
    // The body may be cancelled before it sees `start`'s error; if it saw
    // it, the error says the child failed.
    if let Some(e) = start_error.lock().unwrap().take() {
        assert!(e.is_failed());
    }
}

// `start`: ending Ok without `started` is a NotStarted error for `start`
// only, not a failure of the group.
#[tokio::test(start_paused = true)]
async fn start_without_started_is_not_started() {
    taskscope::scope(async |tg| {
        let err = tg.start(|_ready: Ready<u16>| async { Ok::<_, ()>(()) }).await.unwrap_err();
        assert!(err.is_not_started());
        Ok(())
    })
    .await
    .expect("NotStarted is not a group failure");
}

// The owned group: children may spawn siblings while the owner joins.
#[tokio::test(start_paused = true)]
async fn owned_group_join_waits_for_late_siblings() {
    let tracker = Tracker::new();
    let tg = TaskGroup::<()>::new();
    let spawner = tg.spawner();
    let t = tracker.clone();
    tg.spawn(tracker.track(async move {
        sleep(secs(1)).await;
        spawner.spawn(t.track(async {
            sleep(secs(1)).await;
            Ok(())
        }));
        Ok(())
    }));
    let start = Instant::now();
    tg.join().await.unwrap();
    assert_eq!(start.elapsed(), secs(2));
    tracker.assert_all_done();
}

// A notified waiter does not keep a cancelled scope alive (sanity check of
// the waker path: the last child's exit wakes the joiner exactly once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_children_on_both_workers_all_counted() {
    let tracker = Tracker::new();
    let notify = Arc::new(Notify::new());
    taskscope::scope(async |tg| {
        for _ in 0..2_000 {
            let n = notify.clone();
            tg.spawn(tracker.track(async move {
                tokio::task::yield_now().await;
                n.notify_one();
                Ok::<_, ()>(())
            }));
        }
        Ok(())
    })
    .await
    .unwrap();
    tracker.assert_all_done();
    assert_eq!(tracker.started(), 2_000);
}

// Rule 8: under FirstSuccess the first success stops the other children,
// not the body, and so not a scope the body is running either.
#[tokio::test(start_paused = true)]
async fn rule_08_first_success_spares_the_bodys_own_scopes() {
    let start = Instant::now();
    let inner = TaskGroup::builder()
        .policy(Policy::FirstSuccess)
        .scope(async |tg| {
            tg.spawn(async { Ok::<_, String>(1) });
            let inner = taskscope::scope(async |i| {
                i.spawn(async {
                    sleep(secs(1)).await;
                    Ok::<_, String>(())
                });
                sleep(secs(2)).await;
                Ok("inner")
            })
            .await;
            Ok(inner.map_err(|e| e.to_string()))
        })
        .await
        .unwrap();
    assert_eq!(inner, Ok("inner"));
    assert_eq!(start.elapsed(), secs(2));
}
