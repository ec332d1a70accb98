//! `task_done`, `join` and the `Taken` guard, for each of the three orders.
//!
//! Ported from CPython's `_QueueJoinTestMixin` (Lib/test/test_asyncio/test_queues.py).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use taskscope::queue::{Fifo, JoinableQueue, Lifo, Order, Priority, Queue, Taken};
use tokio::time::{Instant, sleep};
use tokio_test::{assert_pending, assert_ready, task};

// Port of test_queues.py _QueueJoinTestMixin.test_task_done_underflow.
fn task_done_underflow<O: Order<u64>>() {
    let q = JoinableQueue::<u64, O>::unbounded();
    let err = q.task_done().unwrap_err();
    assert_eq!((err.put(), err.done()), (0, 0));
    assert_eq!(
        err.to_string(),
        "task_done called more times than items were put: 0 put, 0 already done"
    );
}

#[test]
fn cpython_test_task_done_underflow() {
    task_done_underflow::<Fifo>();
    task_done_underflow::<Lifo>();
    task_done_underflow::<Priority>();
}

// Port of test_queues.py _QueueJoinTestMixin.test_task_done: two workers
// take 100 items and call task_done after each; join returns once all are
// processed; then the workers are stopped with one extra item each.
async fn task_done<O: Order<u64>>() {
    let q = JoinableQueue::<u64, O>::unbounded();
    for i in 0..100 {
        q.try_put(i).unwrap();
    }
    let accumulator = Arc::new(AtomicU64::new(0));
    let running = Arc::new(AtomicBool::new(true));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (q, accumulator, running) = (q.clone(), accumulator.clone(), running.clone());
            tokio::spawn(async move {
                while running.load(Ordering::SeqCst) {
                    let item = q.get().await.unwrap();
                    accumulator.fetch_add(item, Ordering::SeqCst);
                    q.task_done().unwrap();
                }
            })
        })
        .collect();

    q.join().await;
    assert_eq!(accumulator.load(Ordering::SeqCst), (0..100).sum::<u64>());

    running.store(false, Ordering::SeqCst);
    for _ in 0..workers.len() {
        q.try_put(0).unwrap();
    }
    for worker in workers {
        worker.await.unwrap();
    }
}

#[tokio::test]
async fn cpython_test_task_done() {
    task_done::<Fifo>().await;
    task_done::<Lifo>().await;
    task_done::<Priority>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpython_test_task_done_multi_thread() {
    task_done::<Fifo>().await;
    task_done::<Priority>().await;
}

// Port of test_queues.py _QueueJoinTestMixin.test_join_empty_queue: join
// returns at once, twice.
#[tokio::test]
async fn cpython_test_join_empty_queue() {
    for_each_order(|q| {
        let mut join = task::spawn(q.join());
        assert_ready!(join.poll());
        let mut join = task::spawn(q.join());
        assert_ready!(join.poll());
    });
}

// Port of test_queues.py _QueueJoinTestMixin.test_format: the unfinished
// count shows in Debug.
#[test]
fn cpython_test_format() {
    let q = Queue::unbounded();
    assert!(format!("{q:?}").contains("unfinished: 0"));
    q.try_put(1).unwrap();
    q.try_put(2).unwrap();
    assert!(format!("{q:?}").contains("unfinished: 2"));
}

fn for_each_order(check: impl Fn(&dyn QueueLike)) {
    check(&JoinableQueue::<u64, Fifo>::unbounded());
    check(&JoinableQueue::<u64, Lifo>::unbounded());
    check(&JoinableQueue::<u64, Priority>::unbounded());
}

trait QueueLike {
    fn join(&self) -> taskscope::queue::Join<'_, u64>;
}

impl<O> QueueLike for JoinableQueue<u64, O> {
    fn join(&self) -> taskscope::queue::Join<'_, u64> {
        JoinableQueue::join(self)
    }
}

#[tokio::test]
async fn join_waits_for_items_taken_but_not_done() {
    let q = Queue::unbounded();
    q.try_put('a').unwrap();
    q.try_put('b').unwrap();
    let mut join = task::spawn(q.join());
    assert_pending!(join.poll());

    q.get().await.unwrap();
    q.get().await.unwrap();
    assert!(q.is_empty());
    assert_pending!(join.poll(), "taken is not done");
    q.task_done().unwrap();
    assert!(!join.is_woken());
    assert_pending!(join.poll());
    q.task_done().unwrap();
    assert!(join.is_woken());
    assert_ready!(join.poll());
    assert!(q.task_done().is_err());
}

#[tokio::test]
async fn join_wakes_every_joiner_and_a_dropped_joiner_blocks_nobody() {
    let q = Queue::unbounded();
    q.try_put(1).unwrap();
    let mut first = task::spawn(q.join());
    let mut dropped = task::spawn(q.join());
    let mut last = task::spawn(q.join());
    assert_pending!(first.poll());
    assert_pending!(dropped.poll());
    assert_pending!(last.poll());
    drop(dropped);
    q.try_get().unwrap();
    q.task_done().unwrap();
    assert!(first.is_woken() && last.is_woken());
    assert_ready!(first.poll());
    assert_ready!(last.poll());
}

// asyncio's rule: once the count reached zero, a waiting join returns even
// if a new item arrives before it runs.
#[tokio::test]
async fn join_returns_when_the_count_reached_zero_while_it_waited() {
    let q = Queue::unbounded();
    q.try_put(1).unwrap();
    let mut join = task::spawn(q.join());
    assert_pending!(join.poll());
    q.try_get().unwrap();
    q.task_done().unwrap();
    q.try_put(2).unwrap();
    assert_ready!(join.poll());
    // A new join waits for the new item.
    let mut join = task::spawn(q.join());
    assert_pending!(join.poll());
}

#[tokio::test(start_paused = true)]
async fn join_waits_for_processing_time() {
    let q = Queue::unbounded();
    q.put(Duration::from_secs(3)).await.unwrap();
    let worker = {
        let q = q.clone();
        tokio::spawn(async move {
            let job = q.get_guarded().await.unwrap();
            sleep(*job).await;
        })
    };
    let start = Instant::now();
    q.join().await;
    assert_eq!(start.elapsed(), Duration::from_secs(3));
    worker.await.unwrap();
}

#[tokio::test]
async fn taken_guard_marks_done_on_drop_and_into_inner_does_not() {
    let q = Queue::unbounded();
    q.try_put(String::from("a")).unwrap();
    q.try_put(String::from("b")).unwrap();

    let mut a = q.get_guarded().await.unwrap();
    a.push('!');
    assert_eq!(&*a, "a!");
    assert_eq!(format!("{a:?}"), "Taken(\"a!\")");
    drop(a);
    assert_eq!(q.unfinished(), 1);

    let b = Taken::into_inner(q.try_get_guarded().unwrap());
    assert_eq!(b, "b");
    assert_eq!(q.unfinished(), 1, "into_inner leaves the item unfinished");
    q.task_done().unwrap();
    assert_eq!(q.unfinished(), 0);
}

#[tokio::test]
async fn taken_guard_marks_done_when_the_worker_panics() {
    let q = Queue::unbounded();
    q.try_put(1).unwrap();
    let worker = {
        let q = q.clone();
        tokio::spawn(async move {
            let job = q.get_guarded().await.unwrap();
            assert_eq!(*job, 2, "the worker fails mid-job");
        })
    };
    assert!(worker.await.unwrap_err().is_panic());
    assert_eq!(q.unfinished(), 0);
    q.join().await;
}

#[tokio::test(start_paused = true)]
async fn taken_guard_marks_done_when_the_worker_is_cancelled() {
    let q = Queue::unbounded();
    q.try_put(1).unwrap();
    let worker = {
        let q = q.clone();
        tokio::spawn(async move {
            let _job = q.get_guarded().await.unwrap();
            sleep(Duration::from_secs(3600)).await;
        })
    };
    tokio::task::yield_now().await;
    assert_eq!((q.len(), q.unfinished()), (0, 1));
    worker.abort();
    assert!(worker.await.unwrap_err().is_cancelled());
    assert_eq!(q.unfinished(), 0);
    q.join().await;
}

#[tokio::test]
async fn taken_guard_after_a_manual_task_done_leaves_the_count_alone() {
    let q = Queue::unbounded();
    q.try_put(1).unwrap();
    q.try_put(2).unwrap();
    let one = q.try_get_guarded().unwrap();
    q.task_done().unwrap(); // by mistake, for the same item
    q.try_get().unwrap();
    q.task_done().unwrap(); // the second item
    drop(one); // once too often: logged, not a panic, count unchanged
    assert_eq!(q.unfinished(), 0);
    assert_eq!(q.task_done().unwrap_err().done(), 2);
}
