//! The same rules on the multi-thread runtime, where tasks move between
//! workers between polls and handles are used from other threads. The clock
//! cannot be paused here, so every deadline is either already past or far
//! away, and nothing depends on timing.

use std::future::pending;
use std::time::Duration;

use taskscope_timeout::{Timeout, current_deadline, inherit, shield, timeout_at};
use tokio::sync::{Barrier, Notify, oneshot};
use tokio::task::yield_now;
use tokio::time::Instant;

const FAR: Duration = Duration::from_secs(3600);

// Rescheduling from another task (on another worker) into the past stops
// the timed task at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reschedule_from_another_task_multi_thread() {
    let mut handles = Vec::new();
    let mut workers = Vec::new();
    for _ in 0..16 {
        let timer = Timeout::after(FAR);
        handles.push(timer.handle());
        workers.push(tokio::spawn(timer.run(pending::<()>())));
    }
    let now = Instant::now();
    let reschedulers: Vec<_> =
        handles.iter().cloned().map(|h| tokio::spawn(async move { h.reschedule(now) })).collect();
    for r in reschedulers {
        r.await.unwrap();
    }
    for worker in workers {
        assert_eq!(worker.await.unwrap().unwrap_err().deadline(), now);
    }
    assert!(handles.iter().all(|h| h.expired()));
}

// Rescheduling later from another thread keeps the worker running; it
// finishes on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reschedule_later_from_another_thread() {
    let timer = Timeout::after(FAR);
    let handle = timer.handle();
    let (go, wait) = oneshot::channel::<()>();
    let worker = tokio::spawn(timer.run(wait));
    let far_later = Instant::now() + FAR * 2;
    std::thread::spawn(move || handle.reschedule(far_later)).join().unwrap();
    go.send(()).unwrap();
    assert_eq!(worker.await.unwrap(), Ok(Ok(())));
}

// Each task sees only its own deadline, across yields that may move it to
// another worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn current_deadline_is_per_task_multi_thread() {
    let base = Instant::now() + FAR;
    let barrier = std::sync::Arc::new(Barrier::new(64));
    let tasks: Vec<_> = (0..64u64)
        .map(|i| {
            let barrier = barrier.clone();
            let mine = base + Duration::from_secs(i);
            tokio::spawn(timeout_at(mine, async move {
                for round in 0..20 {
                    assert_eq!(current_deadline(), Some(mine), "task {i} round {round}");
                    if round == 10 {
                        barrier.wait().await;
                    }
                    yield_now().await;
                }
            }))
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(current_deadline(), None);
}

// `inherit` carries the deadline to a task on any worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inherit_multi_thread() {
    let deadline = Instant::now() + FAR;
    let seen = timeout_at(deadline, async {
        let children: Vec<_> = (0..16)
            .map(|_| {
                tokio::spawn(inherit(async {
                    yield_now().await;
                    current_deadline()
                }))
            })
            .collect();
        let mut seen = Vec::new();
        for child in children {
            seen.push(child.await.unwrap());
        }
        seen
    })
    .await
    .unwrap();
    assert!(seen.iter().all(|d| *d == Some(deadline)));
}

// Equal deadlines that have passed: the outermost reports, on any worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_equal_deadlines_multi_thread() {
    let now = Instant::now();
    let tasks: Vec<_> =
        (0..16).map(|_| tokio::spawn(timeout_at(now, timeout_at(now, pending::<()>())))).collect();
    for task in tasks {
        assert!(matches!(task.await.unwrap(), Err(e) if e.deadline() == now));
    }
}

// A shielded part finishes even though the deadline has passed; the
// timeout reports afterwards. The shielded part is released from another
// task.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shield_multi_thread() {
    let release = std::sync::Arc::new(Notify::new());
    let (done_tx, done_rx) = oneshot::channel();
    let timer = Timeout::after(FAR);
    let handle = timer.handle();
    let waiting = release.clone();
    let worker = tokio::spawn(timer.run(async move {
        shield(async move {
            waiting.notified().await;
            done_tx.send(()).unwrap();
        })
        .await;
        pending::<()>().await
    }));
    handle.reschedule(Instant::now());
    // The deadline has fired, but the shield holds the worker open.
    while !handle.expired() {
        yield_now().await;
    }
    assert!(!worker.is_finished());
    release.notify_one();
    done_rx.await.unwrap();
    assert!(worker.await.unwrap().is_err());
}
