//! `Builder::timeout` (DESIGN rules 14, 15, 21, 23): the group's deadline,
//! its `TimedOut` entry, grace periods after it, and the deadline children
//! see through `current_deadline`.

use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use taskscope::timeout::{current_deadline, timeout};
use taskscope::{TaskError, TaskGroup};
use tokio::time::{Instant, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[tokio::test(start_paused = true)]
async fn rule_14_expiry_cancels_children_and_reports_timed_out() {
    let dropped = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let err = TaskGroup::builder()
        .name("crawl")
        .timeout(secs(30))
        .scope(async |tg| {
            let d = dropped.clone();
            tg.spawn(async move {
                struct Flag(Arc<AtomicBool>);
                impl Drop for Flag {
                    fn drop(&mut self) {
                        self.0.store(true, Ordering::SeqCst);
                    }
                }
                let _flag = Flag(d);
                sleep(secs(3600)).await;
                Ok::<_, ()>(())
            });
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), secs(30));
    assert!(dropped.load(Ordering::SeqCst), "the child was cancelled before the scope returned");
    assert_eq!(err.len(), 1);
    let TaskError::TimedOut { task, after } = &err.errors()[0] else { panic!("{err:?}") };
    assert_eq!((task.path(), *after), ("crawl", secs(30)));
}

#[tokio::test(start_paused = true)]
async fn a_group_that_finishes_in_time_is_ok() {
    let value = TaskGroup::builder()
        .timeout(secs(10))
        .scope(async |tg| {
            let h = tg.spawn(async {
                sleep(secs(9)).await;
                Ok::<_, ()>(9)
            });
            Ok(h.await.unwrap())
        })
        .await
        .unwrap();
    assert_eq!(value, 9);
}

#[tokio::test(start_paused = true)]
async fn the_body_is_cancelled_too() {
    let body_done = AtomicBool::new(false);
    let err = TaskGroup::builder()
        .timeout(secs(1))
        .scope(async |_tg| {
            sleep(secs(5)).await;
            body_done.store(true, Ordering::SeqCst);
            Ok::<_, ()>(())
        })
        .await
        .unwrap_err();
    assert!(!body_done.load(Ordering::SeqCst));
    assert!(err.first().unwrap().is_timeout());
}

// DESIGN 21: the deadline counts from the group's creation, not from the
// first poll of its future.
#[tokio::test(start_paused = true)]
async fn rule_21_the_deadline_counts_from_creation() {
    let start = Instant::now();
    let scope = TaskGroup::builder().timeout(secs(10)).scope(async |tg| {
        tg.spawn(pending::<Result<(), ()>>());
        Ok(())
    });
    sleep(secs(4)).await;
    let err = scope.await.unwrap_err();
    assert_eq!(start.elapsed(), secs(10));
    assert!(err.first().unwrap().is_timeout());
}

// DESIGN 21: a body that is ready at once wins even at a zero timeout.
#[tokio::test(start_paused = true)]
async fn rule_21_a_ready_body_wins_at_zero() {
    let value =
        TaskGroup::builder().timeout(Duration::ZERO).scope(async |_tg| Ok::<_, ()>(5)).await;
    assert_eq!(value.unwrap(), 5);
    let err = TaskGroup::builder()
        .timeout(Duration::ZERO)
        .scope(async |_tg| {
            tokio::task::yield_now().await;
            Ok::<_, ()>(5)
        })
        .await
        .unwrap_err();
    assert!(err.first().unwrap().is_timeout());
}

// DESIGN 23: once the deadline fired, the result is TimedOut even if the
// children (and the body) finish within the grace period that follows.
#[tokio::test(start_paused = true)]
async fn rule_23_finishing_during_the_grace_period_still_times_out() {
    let start = Instant::now();
    let err = TaskGroup::builder()
        .timeout(secs(2))
        .grace(secs(1))
        .scope(async |tg| {
            let token = tg.token();
            tg.spawn_named("polite", async move {
                token.cancelled().await;
                sleep(ms(300)).await;
                Ok::<_, &str>(())
            });
            let token = tg.token();
            tg.spawn_named("complains", async move {
                token.cancelled().await;
                Err::<(), _>("flush failed")
            });
            tg.token().cancelled().await;
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), ms(2300), "the polite child finished within the grace");
    let names: Vec<&str> = err.iter().map(|e| e.task().name()).collect();
    assert_eq!(names, ["", "complains"], "TimedOut first, then the error returned during grace");
    assert!(err.errors()[0].is_timeout());
}

#[tokio::test(start_paused = true)]
async fn children_that_ignore_the_token_are_aborted_when_the_grace_ends() {
    let start = Instant::now();
    let err = TaskGroup::builder()
        .timeout(secs(2))
        .grace(secs(1))
        .scope(async |tg| {
            tg.spawn(pending::<Result<(), ()>>());
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), secs(3));
    assert_eq!(err.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_deadline_is_visible_in_the_body_and_every_child() {
    let start = Instant::now();
    let deadline = start + secs(30);
    TaskGroup::builder()
        .timeout(secs(30))
        .scope(async |tg| {
            assert_eq!(current_deadline(), Some(deadline), "in the body");
            let inner = tg.clone();
            tg.spawn(async move {
                assert_eq!(current_deadline(), Some(deadline), "in a child");
                let grandchild = inner.spawn(async move {
                    sleep(secs(1)).await;
                    assert_eq!(current_deadline(), Some(deadline), "in a sibling it spawned");
                    Ok::<_, ()>(())
                });
                grandchild.await.unwrap();
                Ok(())
            });
            tg.spawn_group(TaskGroup::builder(), move |nested| async move {
                nested.spawn(async move {
                    assert_eq!(current_deadline(), Some(deadline), "in a nested group's child");
                    Ok(())
                });
                Ok(())
            });
            Ok(())
        })
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_earlier_of_an_outer_timeout_and_the_group_deadline_is_visible() {
    let start = Instant::now();
    timeout(secs(5), async {
        TaskGroup::builder()
            .timeout(secs(30))
            .scope(async |tg| {
                tg.spawn(async move {
                    assert_eq!(current_deadline(), Some(start + secs(5)));
                    Ok::<_, ()>(())
                });
                Ok(())
            })
            .await
            .unwrap();
    })
    .await
    .unwrap();
}

// DESIGN 15: when an outer deadline fires, the outer one reports: a
// nested group with a later deadline is cancelled, not timed out.
#[tokio::test(start_paused = true)]
async fn rule_15_an_outer_expiry_is_the_outers() {
    let start = Instant::now();
    let err = TaskGroup::builder()
        .name("outer")
        .timeout(secs(5))
        .scope(async |tg| {
            tg.spawn_group(
                TaskGroup::builder().name("inner").timeout(secs(60)),
                |inner| async move {
                    inner.spawn(pending::<Result<(), ()>>());
                    Ok(())
                },
            );
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), secs(5));
    assert_eq!(err.len(), 1, "{err:?}");
    assert_eq!(err.first().unwrap().task().path(), "outer");
    assert!(err.first().unwrap().is_timeout());
}

#[tokio::test(start_paused = true)]
async fn an_inner_expiry_reaches_the_parent_as_a_nested_entry() {
    let err = TaskGroup::builder()
        .name("outer")
        .scope(async |tg| {
            tg.spawn_group(
                TaskGroup::builder().name("inner").timeout(secs(1)),
                |inner| async move {
                    inner.spawn(pending::<Result<(), ()>>());
                    Ok(())
                },
            );
            Ok(())
        })
        .await
        .unwrap_err();
    let leaf = err.first().unwrap();
    assert_eq!(leaf.task().path(), "outer/inner");
    assert!(leaf.is_timeout());
}

#[tokio::test(start_paused = true)]
async fn an_owned_group_times_out_too() {
    let start = Instant::now();
    let tg = TaskGroup::builder().timeout(secs(3)).build::<()>();
    tg.spawn(pending::<Result<(), ()>>());
    sleep(secs(1)).await;
    let err = tg.join().await.unwrap_err();
    assert_eq!(start.elapsed(), secs(3));
    assert!(err.first().unwrap().is_timeout());
}

#[tokio::test(start_paused = true)]
async fn a_timeout_too_large_for_the_clock_means_no_deadline() {
    TaskGroup::builder()
        .timeout(Duration::MAX)
        .scope(async |tg| {
            assert_eq!(current_deadline(), None);
            tg.spawn(async {
                sleep(secs(1_000_000)).await;
                Ok::<_, ()>(())
            });
            Ok(())
        })
        .await
        .unwrap();
}
