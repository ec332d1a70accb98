//! `get`: waiting, cancellation, and waiting putters.
//!
//! Ported from CPython's `QueueGetTests` (Lib/test/test_asyncio/test_queues.py).

use std::collections::BTreeSet;
use std::time::Duration;

use taskscope::queue::Queue;
use tokio::time::{Instant, sleep, timeout};
use tokio_test::{assert_pending, assert_ready, task};

// Port of test_queues.py QueueGetTests.test_blocking_get.
#[tokio::test]
async fn cpython_test_blocking_get() {
    let q = Queue::unbounded();
    q.try_put(1).unwrap();
    assert_eq!(q.get().await.unwrap(), 1);
}

// Port of test_queues.py QueueGetTests.test_get_with_putters: a get on a
// full queue frees a slot and wakes the waiting putter.
#[tokio::test]
async fn cpython_test_get_with_putters() {
    let q = Queue::bounded(1).unwrap();
    q.put(1).await.unwrap();
    let mut putter = task::spawn(q.put(2));
    assert_pending!(putter.poll());

    assert_eq!(q.get().await.unwrap(), 1);
    assert!(putter.is_woken());
    assert_ready!(putter.poll()).unwrap();
    assert_eq!(q.try_get(), Ok(2));
}

// Port of test_queues.py QueueGetTests.test_blocking_get_wait: the getter
// waits until an item is put 10 ms later.
#[tokio::test(start_paused = true)]
async fn cpython_test_blocking_get_wait() {
    let q = Queue::unbounded();
    let putter = {
        let q = q.clone();
        tokio::spawn(async move {
            sleep(Duration::from_millis(10)).await;
            q.try_put(1).unwrap();
        })
    };
    let start = Instant::now();
    assert_eq!(q.get().await.unwrap(), 1);
    assert_eq!(start.elapsed(), Duration::from_millis(10));
    putter.await.unwrap();
}

// Port of the older test_queues.py QueueGetTests.test_get_cancelled: a get
// under a 51 ms timeout receives the item put at 10 ms.
#[tokio::test(start_paused = true)]
async fn cpython_test_get_cancelled() {
    let q = Queue::unbounded();
    let putter = {
        let q = q.clone();
        tokio::spawn(async move {
            sleep(Duration::from_millis(10)).await;
            q.try_put(1).unwrap();
        })
    };
    let start = Instant::now();
    let got = timeout(Duration::from_millis(51), q.get()).await.unwrap().unwrap();
    assert_eq!(got, 1);
    assert_eq!(start.elapsed(), Duration::from_millis(10));
    putter.await.unwrap();
}

// Port of test_queues.py QueueGetTests.test_get_cancelled_race: the first
// of two waiting getters is cancelled; the item goes to the second.
#[tokio::test]
async fn cpython_test_get_cancelled_race() {
    let q = Queue::unbounded();
    let mut t1 = task::spawn(q.get());
    let mut t2 = task::spawn(q.get());
    assert_pending!(t1.poll());
    assert_pending!(t2.poll());
    drop(t1);
    q.put('a').await.unwrap();
    assert!(t2.is_woken());
    assert_eq!(assert_ready!(t2.poll()).unwrap(), 'a');
}

// Port of test_queues.py QueueGetTests.test_get_with_waiting_putters.
#[tokio::test]
async fn cpython_test_get_with_waiting_putters() {
    let q = Queue::bounded(1).unwrap();
    let mut put_a = task::spawn(q.put('a'));
    let mut put_b = task::spawn(q.put('b'));
    assert_ready!(put_a.poll()).unwrap();
    assert_pending!(put_b.poll());
    assert_eq!(q.get().await.unwrap(), 'a');
    assert_ready!(put_b.poll()).unwrap();
    assert_eq!(q.get().await.unwrap(), 'b');
}

// Port of test_queues.py QueueGetTests.test_why_are_getters_waiting: a
// producer and a consumer through a queue of one slot both finish.
#[tokio::test]
async fn cpython_test_why_are_getters_waiting() {
    let q = Queue::bounded(1).unwrap();
    taskscope::scope(async |tg| {
        let producer = q.clone();
        tg.spawn(async move {
            for i in 0..5 {
                producer.put(i).await?;
            }
            Ok(())
        });
        let consumer = q.clone();
        let got = tg.spawn(async move {
            let mut got = Vec::new();
            for _ in 0..5 {
                got.push(consumer.get().await?);
            }
            Ok(got)
        });
        assert_eq!(got.await.unwrap(), [0, 1, 2, 3, 4]);
        Ok::<_, taskscope::BoxError>(())
    })
    .await
    .unwrap();
}

// Port of test_queues.py QueueGetTests
// .test_cancelled_getters_not_being_held_in_self_getters.
#[tokio::test(start_paused = true)]
async fn cpython_test_cancelled_getters_not_being_held() {
    let q = Queue::<u8>::bounded(5).unwrap();
    assert!(timeout(Duration::from_millis(100), q.get()).await.is_err());
    assert!(format!("{q:?}").contains("waiting_getters: 0"));
    // Nothing is left to claim the next item.
    q.try_put(1).unwrap();
    assert_eq!(q.try_get(), Ok(1));
}

// Port of test_queues.py QueuePutTests
// .test_get_cancel_drop_one_pending_reader: the reader was promised item 1,
// then cancelled; item 1 is not lost.
#[tokio::test]
async fn cpython_test_get_cancel_drop_one_pending_reader() {
    let q = Queue::unbounded();
    let mut reader = task::spawn(q.get());
    assert_pending!(reader.poll());
    q.try_put(1).unwrap();
    q.try_put(2).unwrap();
    drop(reader); // cancelled before it ran
    assert_eq!(q.get().await.unwrap(), 1, "if we get 2, item 1 was dropped");
}

// Port of test_queues.py QueuePutTests
// .test_get_cancel_drop_many_pending_readers: the cancelled reader's item
// passes to the next reader in line.
#[tokio::test]
async fn cpython_test_get_cancel_drop_many_pending_readers() {
    let q = Queue::unbounded();
    let mut reader1 = task::spawn(q.get());
    let mut reader2 = task::spawn(q.get());
    let mut reader3 = task::spawn(q.get());
    assert_pending!(reader1.poll());
    assert_pending!(reader2.poll());
    assert_pending!(reader3.poll());

    q.try_put(1).unwrap();
    q.try_put(2).unwrap();
    assert!(reader1.is_woken() && reader2.is_woken());
    assert!(!reader3.is_woken());
    drop(reader1);
    assert!(reader3.is_woken(), "the cancelled reader's turn passes on");

    let got: BTreeSet<_> =
        [assert_ready!(reader2.poll()).unwrap(), assert_ready!(reader3.poll()).unwrap()].into();
    assert_eq!(got, [1, 2].into());
}
