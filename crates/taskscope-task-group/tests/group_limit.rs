//! `Builder::limit`, `spawn_wait` and `try_spawn` (DESIGN rule 9), with the
//! `SetLimit`/`TryGo` tests of Go's `errgroup/errgroup_test.go` ported.

use std::future::pending;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use taskscope::{BuildError, Policy, SpawnError, TaskGroup};
use tokio::sync::{Semaphore, oneshot};
use tokio::time::{Instant, sleep};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Counts children that are inside their body right now, and the most
/// that ever were.
#[derive(Clone, Default)]
struct Active {
    now: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    done: Arc<AtomicUsize>,
}

impl Active {
    fn enter(&self) -> ActiveGuard {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(n, Ordering::SeqCst);
        ActiveGuard(self.clone())
    }

    fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

struct ActiveGuard(Active);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
        self.0.done.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn limit_zero_is_a_build_error() {
    let err = TaskGroup::builder().limit(0).unwrap_err();
    assert_eq!(err, BuildError::ZeroLimit(0));
    assert!(err.to_string().starts_with("limit must be at least 1, got 0"));
}

// errgroup TestGoLimit: with SetLimit(10), 1025 goroutines never see more
// than 10 active at once. Here on both runtimes.
async fn go_limit() {
    let active = Active::default();
    TaskGroup::builder()
        .limit(10)
        .unwrap()
        .scope(async |tg| {
            for _ in 0..=1024 {
                let active = active.clone();
                tg.spawn(async move {
                    let _in = active.enter();
                    tokio::task::yield_now().await;
                    Ok::<_, ()>(())
                });
            }
            Ok(())
        })
        .await
        .unwrap();
    assert!(active.peak() <= 10, "peak {}", active.peak());
    assert_eq!(active.done.load(Ordering::SeqCst), 1025);
    assert_eq!(active.now.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn go_errgroup_go_limit_current_thread() {
    go_limit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_errgroup_go_limit_multi_thread() {
    go_limit().await;
}

// errgroup TestTryGo: with SetLimit(42), 42 TryGo succeed, the 43rd fails;
// once they finish TryGo succeeds again. (Go's SetLimit can change the
// limit of a live group; here the limit is fixed when the group is built,
// so the "switch limit" half runs on a second group.)
#[tokio::test(start_paused = true)]
async fn go_errgroup_try_go() {
    let gate = Arc::new(Semaphore::new(0));
    TaskGroup::builder()
        .limit(42)
        .unwrap()
        .scope(async |tg| {
            for i in 0..42 {
                let gate = gate.clone();
                let handle = tg.try_spawn(async move {
                    gate.acquire().await.unwrap().forget();
                    Ok::<_, ()>(())
                });
                assert!(handle.is_ok(), "try_spawn {i} should succeed");
            }
            match tg.try_spawn(async { Ok(()) }) {
                Err(SpawnError::Full(_)) => {}
                _ => panic!("the 43rd try_spawn must be refused as full"),
            }
            gate.add_permits(42);
            while !tg.is_empty() {
                tokio::task::yield_now().await;
            }
            assert!(tg.try_spawn(async { Ok(()) }).is_ok(), "room again once they finished");
            Ok(())
        })
        .await
        .unwrap();

    TaskGroup::builder()
        .limit(1)
        .unwrap()
        .scope(async |tg| {
            assert!(tg.try_spawn(pending::<Result<(), ()>>()).is_ok());
            assert!(tg.try_spawn(async { Ok(()) }).unwrap_err().is_full());
            tg.cancel();
            Ok(())
        })
        .await
        .unwrap();
}

// errgroup TestWithContext: the group's context (our token) is cancelled
// once Wait returns, whether or not a goroutine failed (DESIGN 20).
#[tokio::test(start_paused = true)]
async fn go_errgroup_with_context() {
    for fails in [false, true] {
        let mut token = None;
        let result = TaskGroup::builder()
            .limit(2)
            .unwrap()
            .scope(async |tg| {
                token = Some(tg.token());
                tg.spawn(async move { if fails { Err("doomed") } else { Ok(()) } });
                Ok(())
            })
            .await;
        assert_eq!(result.is_err(), fails);
        assert!(token.unwrap().is_cancelled());
    }
}

#[tokio::test(start_paused = true)]
async fn queued_children_start_in_spawn_order_as_slots_free() {
    let order = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    TaskGroup::builder()
        .limit(2)
        .unwrap()
        .scope(async |tg| {
            for i in 0..6u64 {
                let order = order.clone();
                tg.spawn(async move {
                    order.lock().unwrap().push((i, start.elapsed().as_secs()));
                    sleep(secs(1 + i % 2)).await;
                    Ok::<_, ()>(())
                });
            }
            Ok(())
        })
        .await
        .unwrap();
    // Even children take 1s, odd ones 2s. 0 and 1 start at 0; 2 takes 0's
    // slot at 1s; at 2s both 1 and 2 end, and 3 and 4 start, in spawn
    // order; 4 ends at 3s and 5 starts; 5 ends last, at 5s.
    assert_eq!(*order.lock().unwrap(), [(0, 0), (1, 0), (2, 1), (3, 2), (4, 2), (5, 3)]);
    assert_eq!(start.elapsed(), secs(5));
}

#[tokio::test(start_paused = true)]
async fn the_slot_frees_however_the_child_ends() {
    let ran = Arc::new(AtomicUsize::new(0));
    let err = TaskGroup::builder()
        .limit(1)
        .unwrap()
        .policy(Policy::CollectAll)
        .catch_panics()
        .scope(async |tg| {
            tg.spawn_named("fails", async { Err::<(), _>("boom") });
            tg.spawn_named("panics", async {
                if true {
                    panic!("bug");
                }
                Ok(())
            });
            let aborted = tg.spawn_named("aborted", async {
                sleep(secs(60)).await;
                Ok(())
            });
            let r = ran.clone();
            tg.spawn_named("last", async move {
                r.fetch_add(1, Ordering::SeqCst);
                Ok(())
            });
            // Let the first two run, then abort the third once it started.
            sleep(secs(1)).await;
            assert!(aborted.id().is_some(), "the third child has its slot");
            aborted.abort();
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(ran.load(Ordering::SeqCst), 1, "the last child got the slot");
    let names: Vec<&str> = err.iter().map(|e| e.task().name()).collect();
    assert_eq!(names, ["fails", "panics"]);
}

#[tokio::test(start_paused = true)]
async fn a_queued_child_aborted_before_it_starts_never_runs() {
    let ran = Arc::new(AtomicUsize::new(0));
    TaskGroup::builder()
        .limit(1)
        .unwrap()
        .scope(async |tg| {
            tg.spawn(async {
                sleep(secs(1)).await;
                Ok::<_, ()>(())
            });
            let r = ran.clone();
            let queued = tg.spawn(async move {
                r.fetch_add(1, Ordering::SeqCst);
                Ok(())
            });
            assert_eq!(queued.id(), None, "still queued");
            assert!(!queued.is_finished());
            queued.abort();
            assert!(queued.is_finished());
            assert!(queued.await.unwrap_err().is_cancelled());
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn a_queued_handle_resolves_once_the_child_ran() {
    let value = TaskGroup::builder()
        .limit(1)
        .unwrap()
        .scope(async |tg| {
            tg.spawn(async {
                sleep(secs(1)).await;
                Ok::<_, ()>(0)
            });
            let queued = tg.spawn(async { Ok(41) });
            Ok(queued.await.unwrap() + 1)
        })
        .await
        .unwrap();
    assert_eq!(value, 42);
}

#[tokio::test(start_paused = true)]
async fn failing_fast_drops_queued_children_unstarted() {
    let started = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let err = TaskGroup::builder()
        .limit(2)
        .unwrap()
        .scope(async |tg| {
            tg.spawn_named("fails", async {
                sleep(secs(1)).await;
                Err::<(), _>("boom")
            });
            for _ in 0..100 {
                let s = started.clone();
                tg.spawn(async move {
                    s.fetch_add(1, Ordering::SeqCst);
                    sleep(secs(10)).await;
                    Ok(())
                });
            }
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.len(), 1);
    assert_eq!(start.elapsed(), secs(1));
    assert_eq!(started.load(Ordering::SeqCst), 1, "only the child with the second slot ran");
}

#[tokio::test(start_paused = true)]
async fn spawn_wait_applies_back_pressure() {
    let active = Active::default();
    let start = Instant::now();
    TaskGroup::builder()
        .limit(3)
        .unwrap()
        .scope(async |tg| {
            for _ in 0..30 {
                let active = active.clone();
                tg.spawn_wait(async move {
                    let _in = active.enter();
                    sleep(secs(1)).await;
                    Ok::<_, ()>(())
                })
                .await;
                assert!(tg.len() <= 3, "the producer waited: {} children exist", tg.len());
            }
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(active.peak(), 3);
    assert_eq!(start.elapsed(), secs(10));
}

#[tokio::test(start_paused = true)]
async fn a_dropped_spawn_wait_loses_nothing() {
    let active = Active::default();
    TaskGroup::builder()
        .limit(1)
        .unwrap()
        .scope(async |tg| {
            let first = tg.spawn(async {
                sleep(secs(1)).await;
                Ok::<_, ()>(())
            });
            // Wait for room, but give up before it comes.
            let gave_up =
                tokio::time::timeout(Duration::from_millis(500), tg.spawn_wait(async { Ok(()) }))
                    .await;
            assert!(gave_up.is_err());
            first.await.unwrap();
            // The slot was not lost to the waiter that left: the limit of
            // one still admits one, and only one.
            for _ in 0..5 {
                let active = active.clone();
                tg.spawn(async move {
                    let _in = active.enter();
                    sleep(secs(1)).await;
                    Ok(())
                });
            }
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(active.peak(), 1);
    assert_eq!(active.done.load(Ordering::SeqCst), 5);
}

#[tokio::test(start_paused = true)]
async fn a_granted_but_abandoned_wait_passes_the_slot_on() {
    let ran = Arc::new(AtomicUsize::new(0));
    TaskGroup::builder()
        .limit(1)
        .unwrap()
        .scope(async |tg| {
            let (tx, rx) = oneshot::channel::<()>();
            tg.spawn(async move {
                rx.await.ok();
                Ok::<_, ()>(())
            });
            let mut wait = Box::pin(tg.spawn_wait(async { Ok(()) }));
            // Enqueue the waiter.
            assert!(futures::poll!(wait.as_mut()).is_pending());
            let r = ran.clone();
            tg.spawn(async move {
                r.fetch_add(1, Ordering::SeqCst);
                Ok(())
            });
            // The running child ends: the slot is granted to the waiter...
            tx.send(()).unwrap();
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
            // ...which is dropped without taking it: it must pass it on.
            drop(wait);
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 1, "the queued child got the abandoned slot");
}

#[tokio::test(start_paused = true)]
async fn spawn_wait_on_a_cancelled_group_is_refused() {
    TaskGroup::builder()
        .limit(1)
        .unwrap()
        .scope(async |tg| {
            tg.spawn(pending::<Result<(), ()>>());
            let group = tg.clone();
            tokio::spawn(async move {
                sleep(secs(1)).await;
                group.cancel();
            });
            let late = tg.spawn_wait(async { Ok(()) }).await;
            assert!(late.await.unwrap_err().is_closed());
            Ok(())
        })
        .await
        .ok();
}

#[tokio::test(start_paused = true)]
async fn a_nested_group_counts_as_one_child() {
    let active = Active::default();
    TaskGroup::builder()
        .limit(2)
        .unwrap()
        .scope(async |tg| {
            for _ in 0..4 {
                let active = active.clone();
                tg.spawn_group(TaskGroup::builder(), move |inner| async move {
                    let _in = active.enter(); // held while the nested group runs
                    let handles: Vec<_> = (0..3)
                        .map(|_| {
                            inner.spawn(async {
                                sleep(secs(1)).await;
                                Ok::<_, ()>(())
                            })
                        })
                        .collect();
                    for handle in handles {
                        handle.await.unwrap();
                    }
                    Ok(())
                });
            }
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(active.peak(), 2);
}

#[tokio::test(start_paused = true)]
async fn try_spawn_refuses_while_children_are_queued() {
    TaskGroup::builder()
        .limit(1)
        .unwrap()
        .scope(async |tg| {
            tg.spawn(async {
                sleep(secs(1)).await;
                Ok::<_, ()>(())
            });
            tg.spawn(async { Ok(()) }); // queued
            assert!(tg.try_spawn(async { Ok(()) }).unwrap_err().is_full());
            Ok(())
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_producers_never_exceed_the_limit() {
    let active = Active::default();
    TaskGroup::builder()
        .limit(4)
        .unwrap()
        .scope(async |tg| {
            // Producers outside the group: a child feeding its own group
            // through `spawn_wait` would hold a slot while it waits.
            let producers: Vec<_> = (0..4)
                .map(|_| {
                    let tg = tg.clone();
                    let active = active.clone();
                    tokio::spawn(async move {
                        for _ in 0..200 {
                            let active = active.clone();
                            tg.spawn_wait(async move {
                                let _in = active.enter();
                                tokio::task::yield_now().await;
                                Ok::<_, ()>(())
                            })
                            .await;
                        }
                    })
                })
                .collect();
            for producer in producers {
                producer.await.unwrap();
            }
            Ok(())
        })
        .await
        .unwrap();
    assert!(active.peak() <= 4, "peak {}", active.peak());
    assert_eq!(active.done.load(Ordering::SeqCst), 800);
}
