//! `shutdown` and `shutdown_immediate`, for each of the three orders.
//!
//! Ported from CPython 3.13's `_QueueShutdownTestMixin`
//! (Lib/test/test_asyncio/test_queues.py).

use taskscope::queue::{Fifo, JoinableQueue, Lifo, Order, Priority, Queue, TryGetError};
use tokio_test::{assert_pending, assert_ready, task};

fn unbounded<O: Order<&'static str>>() -> JoinableQueue<&'static str, O> {
    JoinableQueue::unbounded()
}

/// Every put and get fails, waiting or not, and the put hands its item back.
async fn assert_closed<O>(q: &JoinableQueue<&'static str, O>) {
    assert_eq!(q.put("data").await.unwrap_err().into_inner(), "data");
    assert!(q.try_put("data").unwrap_err().is_shutdown());
    assert!(q.get().await.is_err());
    assert_eq!(q.try_get(), Err(TryGetError::Shutdown));
}

// Port of test_queues.py _QueueShutdownTestMixin.test_format.
#[test]
fn cpython_test_shutdown_format() {
    let q = Queue::<u8>::unbounded();
    q.shutdown();
    assert!(format!("{q:?}").contains("shutdown: \"draining\""));
    q.shutdown_immediate();
    assert!(format!("{q:?}").contains("shutdown: \"immediate\""));
}

// Port of test_queues.py _QueueShutdownTestMixin.test_shutdown_empty: a
// waiting getter fails; join returns; every later put and get fails.
async fn shutdown_empty<O: Order<&'static str>>() {
    let q = unbounded::<O>();
    let mut get_task = task::spawn(q.get());
    assert_pending!(get_task.poll());

    q.shutdown(); // unfinished: 0 -> 0
    assert_eq!(q.len(), 0);
    q.join().await;
    assert!(get_task.is_woken());
    assert!(assert_ready!(get_task.poll()).is_err());
    assert_closed(&q).await;
}

#[tokio::test]
async fn cpython_test_shutdown_empty() {
    shutdown_empty::<Fifo>().await;
    shutdown_empty::<Lifo>().await;
    shutdown_empty::<Priority>().await;
}

// Port of test_queues.py _QueueShutdownTestMixin.test_shutdown_nonempty: a
// waiting putter fails with its item; the queued item can still be taken;
// join waits for its task_done.
async fn shutdown_nonempty<O: Order<&'static str>>() {
    let q = JoinableQueue::<&'static str, O>::bounded(1).unwrap();
    q.try_put("data").unwrap();
    let mut join_task = task::spawn(q.join());
    let mut put_task = task::spawn(q.put("data2"));
    assert_pending!(join_task.poll());
    assert_pending!(put_task.poll());

    q.shutdown(); // unfinished: 1 -> 1
    assert_eq!(q.len(), 1);

    assert!(put_task.is_woken());
    assert_eq!(assert_ready!(put_task.poll()).unwrap_err().into_inner(), "data2");

    assert_eq!(q.get().await.unwrap(), "data");
    assert_pending!(join_task.poll());
    assert_closed(&q).await;

    q.task_done().unwrap();
    assert!(join_task.is_woken());
    assert_ready!(join_task.poll());
    assert!(q.task_done().is_err(), "every task is done");
}

#[tokio::test]
async fn cpython_test_shutdown_nonempty() {
    shutdown_nonempty::<Fifo>().await;
    shutdown_nonempty::<Lifo>().await;
    shutdown_nonempty::<Priority>().await;
}

// Port of test_queues.py _QueueShutdownTestMixin.test_shutdown_immediate:
// the queued item is dropped and counts as done, so join returns.
async fn shutdown_immediate<O: Order<&'static str>>() {
    let q = unbounded::<O>();
    q.try_put("data").unwrap();
    let mut join_task = task::spawn(q.join());
    assert_pending!(join_task.poll());

    q.shutdown_immediate(); // unfinished: 1 -> 0
    assert_eq!(q.len(), 0);
    assert!(join_task.is_woken());
    assert_ready!(join_task.poll());
    assert_closed(&q).await;
    assert!(q.task_done().is_err(), "no task is unfinished");
}

#[tokio::test]
async fn cpython_test_shutdown_immediate() {
    shutdown_immediate::<Fifo>().await;
    shutdown_immediate::<Lifo>().await;
    shutdown_immediate::<Priority>().await;
}

// Port of test_queues.py _QueueShutdownTestMixin
// .test_shutdown_immediate_with_unfinished: the item already taken still
// needs its task_done.
async fn shutdown_immediate_with_unfinished<O: Order<&'static str>>() {
    let q = unbounded::<O>();
    q.try_put("data").unwrap();
    q.try_put("data").unwrap();
    let mut join_task = task::spawn(q.join());
    assert_pending!(join_task.poll());
    assert_eq!(q.get().await.unwrap(), "data");

    q.shutdown_immediate(); // unfinished: 2 -> 1
    assert_eq!(q.len(), 0);
    assert_pending!(join_task.poll());
    assert_closed(&q).await;

    q.task_done().unwrap();
    assert!(q.task_done().is_err());
    assert!(join_task.is_woken());
    assert_ready!(join_task.poll());
}

#[tokio::test]
async fn cpython_test_shutdown_immediate_with_unfinished() {
    shutdown_immediate_with_unfinished::<Fifo>().await;
    shutdown_immediate_with_unfinished::<Lifo>().await;
    shutdown_immediate_with_unfinished::<Priority>().await;
}

#[tokio::test]
async fn shutdown_wakes_every_waiting_putter_with_its_item() {
    let q = Queue::bounded(1).unwrap();
    q.try_put(0).unwrap();
    let mut putters: Vec<_> = (1..=3).map(|i| task::spawn(q.put(i))).collect();
    for p in &mut putters {
        assert_pending!(p.poll());
    }
    // The first putter was promised the slot a get frees; shutdown still
    // refuses it, as Python 3.13 does.
    assert_eq!(q.try_get(), Ok(0));
    q.shutdown();
    for (i, p) in (1..=3).zip(&mut putters) {
        assert!(p.is_woken());
        assert_eq!(assert_ready!(p.poll()).unwrap_err().into_inner(), i);
    }
    assert!(q.is_empty());
    assert_eq!(q.try_put(9).unwrap_err().into_inner(), 9);
}

#[tokio::test]
async fn shutdown_lets_woken_getters_drain_and_fails_the_rest() {
    let q = Queue::unbounded();
    let mut getters: Vec<_> = (0..3).map(|_| task::spawn(q.get())).collect();
    for g in &mut getters {
        assert_pending!(g.poll());
    }
    q.try_put('a').unwrap(); // promised to the first getter
    q.shutdown();
    assert_eq!(assert_ready!(getters[0].poll()).unwrap(), 'a');
    assert!(assert_ready!(getters[1].poll()).is_err());
    assert!(assert_ready!(getters[2].poll()).is_err());
}

#[tokio::test]
async fn shutdown_immediate_fails_getters_already_promised_an_item() {
    let q = Queue::unbounded();
    let mut getter = task::spawn(q.get());
    assert_pending!(getter.poll());
    q.try_put('a').unwrap();
    q.shutdown_immediate();
    assert!(assert_ready!(getter.poll()).is_err());
    assert_eq!(q.unfinished(), 0);
}

#[tokio::test]
async fn getters_drain_in_order_after_shutdown() {
    let q = Queue::unbounded();
    for i in 0..3 {
        q.try_put(i).unwrap();
    }
    q.shutdown();
    assert_eq!(q.try_get(), Ok(0));
    assert_eq!(q.get().await.unwrap(), 1);
    assert_eq!(q.get_guarded().await.map(|t| *t).unwrap(), 2);
    assert!(q.get().await.is_err());
    assert_eq!(q.unfinished(), 2);
}

#[test]
fn shutdown_is_idempotent_and_immediate_upgrades_it() {
    let q = Queue::unbounded();
    q.try_put(1).unwrap();
    q.shutdown();
    q.shutdown();
    assert_eq!(q.len(), 1);
    q.shutdown_immediate();
    assert_eq!((q.len(), q.unfinished()), (0, 0));
    q.shutdown(); // does not reopen or downgrade
    assert_eq!(q.try_get(), Err(TryGetError::Shutdown));
}

#[test]
fn shutdown_immediate_drops_items_outside_the_lock() {
    // An item whose Drop uses the queue would deadlock if items were
    // dropped under the lock.
    struct UsesQueue(Queue<UsesQueue>);
    impl Drop for UsesQueue {
        fn drop(&mut self) {
            assert!(self.0.is_shutdown());
            let _ = self.0.len();
        }
    }
    let q = Queue::unbounded();
    q.try_put(UsesQueue(q.clone())).unwrap();
    q.shutdown_immediate();
    assert!(q.is_empty());
}
