//! `scope_local`: children that borrow and are not `Send`, fail-fast,
//! CollectAll and FirstSuccess, cancellation, panics, grace periods,
//! limits, timeouts, handles, nesting, and polling only what was woken.

mod support;

use std::cell::{Cell, RefCell};
use std::future::{Future, pending};
use std::rc::Rc;
use std::time::Duration;

use futures::FutureExt as _;
use taskscope::task_group::scope_local;
use taskscope::timeout::current_deadline;
use taskscope::{Policy, TaskGroup};
use tokio::time::{Instant, sleep};
use tokio_test::{assert_pending, assert_ready};

use support::LocalTracker;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test(start_paused = true)]
async fn children_borrow_from_the_callers_stack() {
    let words = [String::from("alpha"), String::from("beta"), String::from("gamma")];
    let seen = RefCell::new(Vec::new());
    let total = scope_local(async |tg| {
        let handles: Vec<_> = words
            .iter()
            .map(|word| {
                let seen = &seen;
                tg.spawn(async move {
                    sleep(ms(word.len() as u64)).await;
                    seen.borrow_mut().push(word.as_str());
                    Ok::<_, String>(word.len())
                })
            })
            .collect();
        let mut total = 0;
        for handle in handles {
            total += handle.await.unwrap();
        }
        Ok(total)
    })
    .await
    .unwrap();
    assert_eq!(total, 14);
    assert_eq!(seen.into_inner(), ["beta", "alpha", "gamma"], "concurrent, in wake order");
}

#[tokio::test(start_paused = true)]
async fn children_need_not_be_send() {
    let counter = Rc::new(RefCell::new(0));
    let result = scope_local(async |tg| {
        for _ in 0..10 {
            let counter = counter.clone();
            tg.spawn(async move {
                tokio::task::yield_now().await;
                *counter.borrow_mut() += 1;
                Ok::<_, ()>(())
            });
        }
        Ok(Rc::strong_count(&counter))
    })
    .await
    .unwrap();
    assert_eq!(result, 11);
    assert_eq!(*counter.borrow(), 10);
    assert_eq!(Rc::strong_count(&counter), 1, "no child kept a clone");
}

#[tokio::test(start_paused = true)]
async fn a_failure_drops_the_siblings_and_the_body_at_once() {
    let tracker = LocalTracker::default();
    let body_went_on = Cell::new(false);
    let start = Instant::now();
    let err = TaskGroup::builder()
        .name("parser")
        .scope_local(async |tg| {
            tg.spawn_named(
                "slow",
                tracker.track(async {
                    sleep(ms(3_600_000)).await;
                    Ok(())
                }),
            );
            tg.spawn_named(
                "broken",
                tracker.track(async {
                    sleep(ms(10)).await;
                    Err::<(), _>("unexpected token")
                }),
            );
            sleep(ms(3_600_000)).await;
            body_went_on.set(true);
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), ms(10));
    assert_eq!(err.len(), 1);
    let entry = err.first().unwrap();
    assert_eq!(entry.task().path(), "parser/broken");
    assert_eq!(entry.as_failed(), Some(&"unexpected token"));
    assert!(!body_went_on.get());
    tracker.assert_all_done();
}

#[tokio::test(start_paused = true)]
async fn collect_all_keeps_every_error_in_order() {
    let tracker = LocalTracker::default();
    let err = TaskGroup::builder()
        .policy(Policy::CollectAll)
        .scope_local(async |tg| {
            for i in [3u64, 1, 2] {
                tg.spawn_named(
                    format!("job-{i}"),
                    tracker.track(async move {
                        sleep(ms(i)).await;
                        Err::<(), _>(i)
                    }),
                );
            }
            Ok(())
        })
        .await
        .unwrap_err();
    let order: Vec<_> = err.iter().map(|e| *e.as_failed().unwrap()).collect();
    assert_eq!(order, [1, 2, 3]);
    tracker.assert_all_done();
}

#[tokio::test(start_paused = true)]
async fn first_success_stops_the_other_children_not_the_body() {
    let tracker = LocalTracker::default();
    let start = Instant::now();
    let out = TaskGroup::builder()
        .policy(Policy::FirstSuccess)
        .scope_local(async |tg| {
            let fast = tg.spawn(tracker.track(async {
                sleep(ms(5)).await;
                Ok::<_, String>("fast")
            }));
            tg.spawn(tracker.track(async {
                sleep(ms(3_600_000)).await;
                Ok("slow")
            }));
            let winner = fast.await.unwrap();
            sleep(ms(10)).await; // the body runs on
            Ok(winner)
        })
        .await
        .unwrap();
    assert_eq!(out, "fast");
    assert_eq!(start.elapsed(), ms(15));
    tracker.assert_all_done();
}

#[tokio::test(start_paused = true)]
async fn cancel_drops_the_children_and_stops_the_body() {
    let tracker = LocalTracker::default();
    let reached = Cell::new(false);
    let result = scope_local(async |tg| {
        tg.spawn(tracker.track(pending::<Result<(), ()>>()));
        tg.cancel();
        tokio::task::yield_now().await; // the body stops here
        reached.set(true);
        Ok(())
    })
    .await;
    assert!(result.unwrap_err().is_cancelled());
    assert!(!reached.get());
    tracker.assert_all_done();

    // A body that returned before the cancel keeps its value.
    let result = scope_local(async |tg| {
        tg.spawn(tracker.track(pending::<Result<(), ()>>()));
        tg.cancel();
        Ok("done")
    })
    .await;
    assert_eq!(result.unwrap(), "done");
    tracker.assert_all_done();
}

#[tokio::test(start_paused = true)]
async fn a_panic_is_resumed_after_the_siblings_are_dropped() {
    let tracker = LocalTracker::default();
    let scope = scope_local(async |tg| {
        tg.spawn(tracker.track(async {
            sleep(ms(3_600_000)).await;
            Ok::<_, ()>(())
        }));
        tg.spawn(tracker.track(async {
            sleep(ms(1)).await;
            panic!("local bug");
            #[allow(unreachable_code)]
            Ok::<_, ()>(())
        }));
        Ok(())
    });
    let payload = std::panic::AssertUnwindSafe(scope).catch_unwind().await.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"local bug"));
    tracker.assert_all_done();

    let err = TaskGroup::builder()
        .catch_panics()
        .scope_local(async |tg| {
            tg.spawn_named("parser", async {
                let v: Vec<u8> = Vec::new();
                Ok::<_, ()>(v[3])
            });
            Ok(())
        })
        .await
        .unwrap_err();
    let entry = err.first().unwrap();
    assert_eq!(entry.task().name(), "parser");
    assert!(entry.panic_message().unwrap().contains("index out of bounds"));
}

#[tokio::test(start_paused = true)]
async fn the_body_error_is_an_entry_named_body() {
    let err = scope_local(async |_tg| Err::<(), _>("bad config")).await.unwrap_err();
    let entry = err.first().unwrap();
    assert_eq!((entry.task().name(), entry.as_failed()), ("body", Some(&"bad config")));
}

#[tokio::test(start_paused = true)]
async fn a_grace_period_lets_children_finish_on_their_own() {
    let tracker = LocalTracker::default();
    let flushed = Cell::new(false);
    let start = Instant::now();
    let result = TaskGroup::builder()
        .grace(ms(100))
        .scope_local(async |tg| {
            let token = tg.token();
            let flushed = &flushed;
            tg.spawn(tracker.track(async move {
                token.cancelled().await;
                sleep(ms(20)).await; // flush
                flushed.set(true);
                Ok::<_, ()>(())
            }));
            tg.spawn(tracker.track(pending::<Result<(), ()>>())); // ignores the token: dropped at the end
            sleep(ms(5)).await;
            tg.cancel();
            Ok(())
        })
        .await;
    assert!(result.is_ok());
    assert!(flushed.get());
    assert_eq!(start.elapsed(), ms(105), "the stubborn child held the scope for the whole grace");
    tracker.assert_all_done();
}

#[tokio::test(start_paused = true)]
async fn a_limit_bounds_how_many_run_at_once() {
    let running = Cell::new(0);
    let high = Cell::new(0);
    let start = Instant::now();
    TaskGroup::builder()
        .limit(2)
        .unwrap()
        .scope_local(async |tg| {
            for _ in 0..6 {
                let (running, high) = (&running, &high);
                tg.spawn(async move {
                    running.set(running.get() + 1);
                    high.set(high.get().max(running.get()));
                    sleep(ms(10)).await;
                    running.set(running.get() - 1);
                    Ok::<_, ()>(())
                });
            }
            assert_eq!(tg.len(), 6, "queued children count as live");
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(high.get(), 2);
    assert_eq!(start.elapsed(), ms(30));
}

#[tokio::test(start_paused = true)]
async fn a_timeout_cancels_everything_and_is_an_error() {
    let tracker = LocalTracker::default();
    let start = Instant::now();
    let deadline = start + ms(50);
    let seen = Cell::new(None);
    let err = TaskGroup::builder()
        .name("batch")
        .timeout(ms(50))
        .scope_local(async |tg| {
            let seen = &seen;
            tg.spawn(tracker.track(async move {
                seen.set(current_deadline());
                sleep(ms(3_600_000)).await;
                Ok::<_, String>(())
            }));
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), ms(50));
    assert!(err.first().unwrap().is_timeout());
    assert_eq!(
        err.to_string(),
        "task group `batch` failed with 1 error:\n└─ batch timed out after 50ms"
    );
    assert_eq!(seen.get(), Some(deadline), "the deadline is visible inside");
    tracker.assert_all_done();
}

#[tokio::test(start_paused = true)]
async fn dropping_the_scope_drops_every_child_at_once() {
    let tracker = LocalTracker::default();
    let mut scope = tokio_test::task::spawn(scope_local(async |tg| {
        for _ in 0..5 {
            tg.spawn(tracker.track(pending::<Result<(), ()>>()));
        }
        pending::<Result<(), ()>>().await
    }));
    assert_pending!(scope.poll());
    assert_eq!(tracker.live(), 5);
    drop(scope);
    tracker.assert_all_done(); // synchronously: they lived inside it
}

#[tokio::test(start_paused = true)]
async fn handles_abort_and_detach() {
    let dropped = Rc::new(Cell::new(false));
    struct Value(Rc<Cell<bool>>);
    impl Drop for Value {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let start = Instant::now();
    scope_local(async |tg| {
        let slow = tg.spawn_named("slow", async {
            sleep(ms(3_600_000)).await;
            Ok::<_, ()>(())
        });
        slow.abort();
        let err = slow.await.unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(err.name(), Some("slow"));

        // A detached child's value is dropped as soon as it is produced.
        let value = dropped.clone();
        drop(tg.spawn(async move {
            sleep(ms(10)).await;
            Ok(Value(value))
        }));
        sleep(ms(11)).await;
        assert!(dropped.get(), "the output of a detached child is not kept");
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(start.elapsed(), ms(11));
}

#[tokio::test(start_paused = true)]
async fn children_spawn_siblings_and_a_closed_scope_refuses() {
    let count = Cell::new(0);
    let late = scope_local(async |tg| {
        let spawner = tg.clone();
        let count = &count;
        tg.spawn(async move {
            for _ in 0..3 {
                spawner.spawn(async move {
                    count.set(count.get() + 1);
                    Ok(())
                });
            }
            Ok::<_, ()>(())
        });
        Ok(tg)
    })
    .await
    .unwrap();
    assert_eq!(count.get(), 3);
    assert!(late.is_cancelled());
    assert!(late.spawn(async { Ok(()) }).await.unwrap_err().is_closed());
    assert!(late.try_spawn(async { Ok(()) }).unwrap_err().is_closed());
}

#[tokio::test(start_paused = true)]
async fn nested_in_a_group_it_takes_the_path_and_the_cancellation() {
    let tracker = LocalTracker::default();
    let start = Instant::now();
    let outer = TaskGroup::builder()
        .name("outer")
        .grace(ms(1000))
        .scope(async |tg| {
            let err = TaskGroup::builder()
                .name("inner")
                .scope_local(async |local| {
                    assert_eq!(local.path(), "outer/inner");
                    local.spawn(tracker.track(pending::<Result<(), String>>()));
                    tg.cancel(); // the outer group: with a grace period, this body runs on
                    pending::<()>().await;
                    Ok(())
                })
                .await
                .unwrap_err();
            assert!(err.is_cancelled());
            tracker.assert_all_done();
            Ok::<_, String>(())
        })
        .await;
    assert!(outer.is_ok(), "the body returned its value during the grace period");
    assert_eq!(start.elapsed(), Duration::ZERO);
}

// Only the children that were woken are polled: waking one of a thousand
// polls one.
#[tokio::test(start_paused = true)]
async fn only_woken_children_are_polled() {
    let polls = Cell::new(0u64);
    let mut senders = Vec::new();
    let mut receivers = Vec::new();
    for _ in 0..1000 {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        senders.push(tx);
        receivers.push(rx);
    }
    let polls_ref = &polls;
    let mut scope = tokio_test::task::spawn(scope_local(async move |tg| {
        for rx in receivers {
            tg.spawn(futures::future::poll_fn({
                let mut rx = rx;
                move |cx| {
                    polls_ref.set(polls_ref.get() + 1);
                    std::pin::Pin::new(&mut rx).poll(cx).map(|_| Ok::<_, ()>(()))
                }
            }));
        }
        Ok(())
    }));
    assert_pending!(scope.poll());
    // A child that waits on its first poll is polled once more at once,
    // with a waker of its own.
    while polls.get() < 2000 {
        assert_pending!(scope.poll()); // the scope yields now and then
    }
    assert_eq!(polls.get(), 2000);
    senders.pop().unwrap().send(()).unwrap();
    assert!(scope.is_woken());
    assert_pending!(scope.poll());
    assert_eq!(polls.get(), 2001, "one child woken, one child polled");
    for tx in senders {
        tx.send(()).unwrap();
    }
    // Completions spend tokio's budget; a real task would yield and get a
    // new one, so yield between polls as it would. A child is not polled
    // in vain once the budget is spent.
    while scope.poll().is_pending() {
        tokio::task::yield_now().await;
    }
    assert_eq!(polls.get(), 3000);
}

#[tokio::test(start_paused = true)]
async fn poll_level_the_scope_is_ready_when_the_last_child_is() {
    let (tx, rx) = tokio::sync::oneshot::channel::<u8>();
    let mut scope = tokio_test::task::spawn(scope_local(async |tg| {
        tg.spawn(async move { rx.await.map_err(|_| "dropped") });
        Ok(())
    }));
    assert_pending!(scope.poll());
    assert_pending!(scope.poll());
    tx.send(1).unwrap();
    assert!(scope.is_woken());
    assert_ready!(scope.poll()).unwrap();
}

// Wakes from other threads: local children waiting on tasks that run on
// the multi-thread runtime's workers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_children_woken_from_other_threads() {
    let tracker = LocalTracker::default();
    let total = scope_local(async |tg| {
        let handles: Vec<_> = (0..200u64)
            .map(|i| {
                tg.spawn(tracker.track(async move {
                    let spawned = tokio::spawn(async move {
                        tokio::task::yield_now().await;
                        i
                    });
                    spawned.await.map_err(|e| e.to_string())
                }))
            })
            .collect();
        let mut total = 0;
        for handle in handles {
            total += handle.await.unwrap();
        }
        Ok(total)
    })
    .await
    .unwrap();
    assert_eq!(total, (0..200).sum::<u64>());
    tracker.assert_all_done();
}

// The known trap (DESIGN, "Known traps"): a `FuturesUnordered` drained
// under tokio's budget re-polls every ready child once per turn of the
// task, which is quadratic. A local scope yields once the budget is spent,
// so 4,000 children completing at once are polled three times each: twice
// when they first wait (the second time with their own waker), once when
// they are woken.
#[tokio::test(start_paused = true)]
async fn many_children_completing_at_once_are_polled_a_linear_number_of_times() {
    const N: usize = 4_000;
    let polls = Cell::new(0usize);
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..N).map(|_| tokio::sync::oneshot::channel::<()>()).unzip();
    let senders = RefCell::new(senders);
    let (polls_ref, senders_ref) = (&polls, &senders);
    scope_local(async move |tg| {
        for mut rx in receivers {
            tg.spawn(futures::future::poll_fn(move |cx| {
                polls_ref.set(polls_ref.get() + 1);
                std::pin::Pin::new(&mut rx).poll(cx).map(|_| Ok::<_, ()>(()))
            }));
        }
        tokio::task::yield_now().await; // every child is waiting
        for tx in senders_ref.take() {
            tx.send(()).unwrap();
        }
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(polls.get(), 3 * N);
}

// A resource that keeps the waker of a child's first poll (against the
// `Future` contract, which asks it to wake the latest one) still gets its
// child polled: the scope polls every waiting child again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_first_waker_is_not_lost() {
    use std::sync::{Arc, Mutex};
    use std::task::{Poll, Waker};
    let kept: Arc<Mutex<Option<Waker>>> = Arc::default();
    let fired = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (kept2, fired2) = (kept.clone(), fired.clone());
    let waker_thread = tokio::spawn(async move {
        loop {
            tokio::task::yield_now().await;
            if let Some(waker) = kept2.lock().unwrap().as_ref() {
                fired2.store(true, std::sync::atomic::Ordering::SeqCst);
                waker.wake_by_ref();
                break;
            }
        }
    });
    let (kept3, fired3) = (kept.clone(), fired.clone());
    scope_local(async move |tg| {
        tg.spawn(futures::future::poll_fn(move |cx| {
            if fired3.load(std::sync::atomic::Ordering::SeqCst) {
                return Poll::Ready(Ok::<_, ()>(()));
            }
            let mut kept = kept3.lock().unwrap();
            if kept.is_none() {
                *kept = Some(cx.waker().clone()); // registered once, never updated
            }
            Poll::Pending
        }));
        Ok(())
    })
    .await
    .unwrap();
    waker_thread.await.unwrap();
}
