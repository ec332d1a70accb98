//! `WorkerPool`: workers in a task group, errors in its `ErrorGroup`, no hangs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use taskscope::queue::{PriorityQueue, Queue, WorkerPool};
use taskscope::{Policy, TaskGroup};
use tokio::time::{Instant, sleep};

#[test]
fn zero_workers_is_an_error() {
    let err = WorkerPool::new(0).unwrap_err();
    assert_eq!(err.to_string(), "a worker pool needs at least 1 worker, got 0");
    assert_eq!(WorkerPool::new(1).unwrap().workers(), 1);
}

#[tokio::test(start_paused = true)]
async fn run_processes_every_item_concurrently_then_shuts_down() {
    let queue = Queue::bounded(2).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let log = seen.clone();
    WorkerPool::new(4)
        .unwrap()
        .run(
            &queue,
            async {
                for i in 0..8u32 {
                    queue.put(i).await?;
                }
                Ok(())
            },
            move |i| {
                let log = log.clone();
                async move {
                    sleep(Duration::from_secs(1)).await;
                    log.lock().unwrap().push(i);
                    Ok::<_, taskscope::BoxError>(())
                }
            },
        )
        .await
        .unwrap();
    // 8 one-second jobs on 4 workers.
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    let mut seen = seen.lock().unwrap().clone();
    seen.sort_unstable();
    assert_eq!(seen, (0..8).collect::<Vec<_>>());
    assert!(queue.is_shutdown());
    assert_eq!(queue.unfinished(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_failing_handler_cancels_the_pool_and_names_its_worker() {
    let queue = Queue::unbounded();
    let start = Instant::now();
    let err = WorkerPool::new(2)
        .unwrap()
        .name("parse")
        .run(
            &queue,
            async {
                for i in 0..10u64 {
                    queue.put(i).await.map_err(|e| e.to_string())?;
                }
                Ok(())
            },
            |i| async move {
                sleep(Duration::from_secs(1)).await;
                if i == 3 { Err(format!("bad item {i}")) } else { Ok(()) }
            },
        )
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    assert_eq!(err.len(), 1);
    let first = err.first().unwrap();
    assert!(first.task().name().starts_with("parse-"));
    assert_eq!(first.as_failed().unwrap(), "bad item 3");
    assert!(queue.is_shutdown());
    assert_eq!(queue.unfinished(), 0, "cancelled and dropped items count as done");
}

#[tokio::test(start_paused = true)]
async fn a_producer_error_is_reported_as_the_body() {
    let queue = Queue::<u8>::unbounded();
    let err = WorkerPool::new(1)
        .unwrap()
        .run(&queue, async { Err("no input") }, |_| async { Ok(()) })
        .await
        .unwrap_err();
    assert_eq!(err.first().unwrap().task().name(), "body");
    assert!(queue.is_shutdown());
}

// Under CollectAll a failure cancels nothing; once every worker has
// failed, the pool shuts the queue down immediately, so the producer's
// `put` and `join` do not wait forever for workers that are gone.
#[tokio::test(start_paused = true)]
async fn when_every_worker_is_gone_the_queue_is_shut_down_instead_of_hanging() {
    let queue = Queue::bounded(1).unwrap();
    let refused = Arc::new(AtomicUsize::new(0));
    let err = TaskGroup::builder()
        .policy(Policy::CollectAll)
        .scope(async |tg| {
            WorkerPool::new(2)
                .unwrap()
                .spawn(&tg, &queue, |_: u32| async {
                    sleep(Duration::from_secs(1)).await;
                    Err("broken")
                })
                .unwrap();
            for i in 0..10 {
                if queue.put(i).await.is_err() {
                    refused.fetch_add(1, Ordering::Relaxed);
                }
            }
            queue.join().await;
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.len(), 2);
    assert!(queue.is_shutdown());
    assert_eq!(refused.load(Ordering::Relaxed), 7, "2 taken, 1 dropped, 7 refused");
}

#[tokio::test]
async fn a_panicking_handler_marks_its_item_done_and_the_panic_reaches_the_caller() {
    let queue = Queue::unbounded();
    let result = TaskGroup::builder()
        .catch_panics()
        .scope(async |tg| {
            WorkerPool::new(1).unwrap().spawn(&tg, &queue, |i: u8| async move {
                assert_ne!(i, 1, "handler bug");
                Ok(())
            })?;
            queue.put(0).await?;
            queue.put(1).await?;
            queue.join().await;
            queue.shutdown();
            Ok::<_, taskscope::BoxError>(())
        })
        .await;
    let err = result.unwrap_err();
    assert!(err.first().unwrap().is_panic());
    assert_eq!(queue.unfinished(), 0);
}

#[tokio::test(start_paused = true)]
async fn workers_stop_when_the_queue_is_drained_after_shutdown() {
    let queue = PriorityQueue::unbounded();
    let order = Arc::new(Mutex::new(Vec::new()));
    for i in [3, 1, 2] {
        queue.put(i).await.unwrap();
    }
    queue.shutdown();
    let log = order.clone();
    taskscope::scope(async |tg| {
        WorkerPool::new(1)?.spawn(&tg, &queue, move |i: u8| {
            log.lock().unwrap().push(i);
            async { Ok(()) }
        })?;
        Ok::<_, taskscope::BoxError>(())
    })
    .await
    .unwrap();
    assert_eq!(*order.lock().unwrap(), [1, 2, 3]);
}

#[tokio::test]
async fn spawning_on_a_closed_group_is_an_error_and_shuts_the_queue_down() {
    let queue = Queue::<u8>::unbounded();
    let mut kept = None;
    taskscope::scope(async |tg| {
        kept = Some(tg.clone());
        Ok::<_, taskscope::BoxError>(())
    })
    .await
    .unwrap();
    let err = WorkerPool::new(2)
        .unwrap()
        .spawn(&kept.unwrap(), &queue, |_| async { Ok(()) })
        .unwrap_err();
    assert!(err.is_closed());
    assert!(queue.is_shutdown(), "no worker will ever come");
}

#[tokio::test(start_paused = true)]
async fn cancelling_run_aborts_the_workers_and_marks_their_items_done() {
    let queue = Queue::unbounded();
    for i in 0..5u8 {
        queue.put(i).await.unwrap();
    }
    let pool = WorkerPool::new(2).unwrap();
    let run = pool.run(&queue, std::future::pending::<Result<(), String>>(), |_| async {
        sleep(Duration::from_secs(60)).await;
        Ok(())
    });
    assert!(tokio::time::timeout(Duration::from_secs(1), run).await.is_err());
    // The aborted workers are dropped by the runtime right after.
    tokio::task::yield_now().await;
    assert!(queue.is_shutdown());
    assert_eq!(queue.unfinished(), 0);
    queue.join().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_on_the_multi_thread_runtime() {
    let queue = Queue::bounded(16).unwrap();
    let sum = Arc::new(AtomicUsize::new(0));
    let total = sum.clone();
    WorkerPool::new(4)
        .unwrap()
        .run(
            &queue,
            async {
                for i in 0..1_000usize {
                    queue.put(i).await?;
                }
                Ok(())
            },
            move |i| {
                let total = total.clone();
                async move {
                    total.fetch_add(i, Ordering::Relaxed);
                    Ok::<_, taskscope::BoxError>(())
                }
            },
        )
        .await
        .unwrap();
    assert_eq!(sum.load(Ordering::Relaxed), (0..1_000).sum::<usize>());
}

#[tokio::test]
async fn run_can_be_spawned_on_another_task() {
    let queue = Queue::unbounded();
    let pool = WorkerPool::new(2).unwrap();
    let producer = queue.clone();
    let queue_in_task = queue.clone();
    let handle = tokio::spawn(async move {
        pool.run(
            &queue_in_task,
            async move { producer.put(1u32).await.map_err(|e| e.to_string()) },
            |_| async { Ok(()) },
        )
        .await
    });
    handle.await.unwrap().unwrap();
    assert!(queue.is_shutdown());
    assert_eq!(queue.unfinished(), 0);
}
