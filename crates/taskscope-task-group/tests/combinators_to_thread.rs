//! `Spawner::spawn_blocking`: CPython's to_thread tests ported
//! (Lib/test/test_asyncio/test_threads.py, `ToThreadTests`), plus what a
//! group adds: it waits for the closure, counts it against its limit,
//! and carries the `tracing` span and the deadline into it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures::FutureExt as _;
use taskscope::timeout::{current_deadline, timeout};
use taskscope::{Policy, TaskGroup};
use tokio::time::Instant;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

// Port of test_to_thread.
#[tokio::test]
async fn cpython_to_thread() {
    let result = taskscope::scope(async |tg| {
        Ok(tg.spawn_blocking(|| Ok::<_, ()>([40, 2].iter().sum::<i32>())).await.unwrap())
    })
    .await
    .unwrap();
    assert_eq!(result, 42);
}

// Port of test_to_thread_exception: the closure's error is the group's.
#[tokio::test]
async fn cpython_to_thread_exception() {
    let err = taskscope::scope(async |tg| {
        let handle = tg.spawn_blocking(|| Err::<(), _>("runtime error: test"));
        assert!(handle.await.unwrap_err().is_failed());
        Ok(())
    })
    .await
    .unwrap_err();
    assert_eq!(err.first().unwrap().as_failed(), Some(&"runtime error: test"));
}

// A panic in the closure is a child's panic: resumed in the caller, or an
// entry when the group catches panics.
#[tokio::test]
async fn a_panicking_closure_is_a_panicking_child() {
    let payload = std::panic::AssertUnwindSafe(taskscope::scope(async |tg| {
        tg.spawn_blocking(|| -> Result<(), ()> { panic!("blocking bug") });
        Ok::<_, ()>(())
    }))
    .catch_unwind()
    .await
    .unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"blocking bug"));

    let err = TaskGroup::builder()
        .catch_panics()
        .scope(async |tg| {
            let handle = tg.spawn_blocking(|| -> Result<(), ()> { panic!("blocking bug") });
            assert!(handle.await.unwrap_err().is_panic());
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.first().unwrap().panic_message(), Some("blocking bug"));
}

// Port of test_to_thread_once.
#[tokio::test]
async fn cpython_to_thread_once() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    taskscope::scope(async |tg| {
        tg.spawn_blocking(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(())
        });
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

// Port of test_to_thread_concurrent: ten closures, gathered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpython_to_thread_concurrent() {
    let calls = Arc::new(AtomicUsize::new(0));
    taskscope::scope(async |tg| {
        let handles: Vec<_> = (0..10)
            .map(|_| {
                let calls = calls.clone();
                tg.spawn_blocking(move || {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, ()>(1)
                })
            })
            .collect();
        let mut total = 0;
        for handle in handles {
            total += handle.await.unwrap();
        }
        assert_eq!(total, 10);
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 10);
}

// test_to_thread_args_kwargs has no counterpart: a closure captures its
// arguments.

// Port of test_to_thread_contextvars, for what travels into the thread
// here: the deadline of the spawning code.
#[tokio::test(start_paused = true)]
async fn cpython_to_thread_contextvars_deadline() {
    let deadline = Instant::now() + Duration::from_secs(5);
    taskscope::scope(async |tg| {
        assert_eq!(tg.spawn_blocking(|| Ok(current_deadline())).await.unwrap(), None);
        let seen = timeout(Duration::from_secs(5), async {
            tg.spawn_blocking(|| Ok(current_deadline())).await.unwrap()
        })
        .await
        .unwrap();
        assert_eq!(seen, Some(deadline));
        Ok::<_, ()>(())
    })
    .await
    .unwrap();
}

/// Records, for every event, the names of the spans around it.
struct SpanScopes;

/// Each event's message, with the names of the spans around it.
type Scopes = Mutex<Vec<(String, Vec<String>)>>;

fn scopes() -> &'static Scopes {
    static SCOPES: OnceLock<Scopes> = OnceLock::new();
    SCOPES.get_or_init(Mutex::default)
}

impl<S> tracing_subscriber::Layer<S> for SpanScopes
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = format!("{value:?}");
                }
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        let names = ctx
            .event_scope(event)
            .map(|scope| scope.map(|span| span.name().to_owned()).collect())
            .unwrap_or_default();
        scopes().lock().unwrap().push((message.0, names));
    }
}

// Port of test_to_thread_contextvars, for the `tracing` span: an event
// in the closure is inside the span that was current at the spawn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpython_to_thread_contextvars_span() {
    // The closure runs on another thread: the subscriber must be global.
    let _ =
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(SpanScopes));
    let request = tracing::info_span!("request");
    let _entered = request.clone().entered();
    taskscope::scope(async |tg| {
        tg.spawn_blocking(|| {
            tracing::info!("inside the blocking closure");
            Ok::<_, ()>(())
        })
        .await
        .unwrap();
        Ok::<_, ()>(())
    })
    .await
    .unwrap();
    let scopes = scopes().lock().unwrap();
    let (_, names) = scopes
        .iter()
        .find(|(message, _)| message == "inside the blocking closure")
        .expect("the event was recorded");
    assert_eq!(names.first().map(String::as_str), Some("task"), "the child's own span");
    assert!(names.iter().any(|n| n == "request"), "spans around the event: {names:?}");
}

// The group waits for a blocking closure it cannot interrupt: cancelling
// it does not make the scope return while the closure runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_group_waits_for_a_running_closure() {
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let finished = Arc::new(AtomicBool::new(false));
    let done = finished.clone();
    let scope = tokio::spawn(taskscope::scope(async move |tg| {
        tg.spawn_blocking(move || {
            let _ = started_tx.send(());
            let _ = release_rx.recv();
            done.store(true, Ordering::SeqCst);
            Ok::<_, ()>(())
        });
        started_rx.await.unwrap();
        tg.cancel(); // cannot interrupt the closure
        Ok(())
    }));
    for _ in 0..200 {
        tokio::task::yield_now().await;
    }
    assert!(!scope.is_finished(), "the scope returned while its blocking child ran");
    assert!(!finished.load(Ordering::SeqCst));
    release_tx.send(()).unwrap();
    scope.await.unwrap().unwrap();
    assert!(finished.load(Ordering::SeqCst), "the closure finished before the scope returned");
}

// A closure not started yet when the group is cancelled never starts.
#[tokio::test(start_paused = true)]
async fn a_cancelled_group_does_not_start_a_queued_closure() {
    let ran = Arc::new(AtomicBool::new(false));
    let flag = ran.clone();
    let result = TaskGroup::builder()
        .limit(1)
        .unwrap()
        .scope(async move |tg| {
            tg.spawn(std::future::pending::<Result<(), ()>>());
            let queued = tg.spawn_blocking(move || {
                flag.store(true, Ordering::SeqCst);
                Ok(())
            });
            tg.cancel();
            assert!(queued.await.unwrap_err().is_cancelled());
            Ok(())
        })
        .await;
    assert!(result.is_ok(), "a cancel is not a failure");
    assert!(!ran.load(Ordering::SeqCst));
}

// Under a limit, a blocking child takes a slot like any child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_child_takes_a_slot_under_the_limit() {
    let now = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    TaskGroup::builder()
        .limit(2)
        .unwrap()
        .policy(Policy::FailFast)
        .scope(async |tg| {
            for _ in 0..12 {
                let (now, max) = (now.clone(), max.clone());
                tg.spawn_blocking(move || {
                    let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(running, Ordering::SeqCst);
                    std::thread::yield_now();
                    now.fetch_sub(1, Ordering::SeqCst);
                    Ok::<_, ()>(())
                });
            }
            Ok(())
        })
        .await
        .unwrap();
    assert!(max.load(Ordering::SeqCst) <= 2, "high-water mark {}", max.load(Ordering::SeqCst));
}

// A closed group refuses it, like `spawn`.
#[tokio::test]
async fn a_closed_group_refuses_it() {
    let mut kept = None;
    taskscope::scope(async |tg| {
        kept = Some(tg.clone());
        Ok::<_, ()>(())
    })
    .await
    .unwrap();
    let late = kept.unwrap().spawn_blocking(|| Ok(1));
    assert!(late.await.unwrap_err().is_closed());
}
