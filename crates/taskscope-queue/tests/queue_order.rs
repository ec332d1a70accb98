//! LIFO and priority order.
//!
//! Ported from CPython's `LifoQueueTests` and `PriorityQueueTests`
//! (Lib/test/test_asyncio/test_queues.py).

use std::cmp::Reverse;

use taskscope::queue::{LifoQueue, PriorityQueue};

// Port of test_queues.py LifoQueueTests.test_order.
#[tokio::test]
async fn cpython_lifo_test_order() {
    let q = LifoQueue::unbounded();
    for i in [1, 3, 2] {
        q.put(i).await.unwrap();
    }
    let mut items = Vec::new();
    for _ in 0..3 {
        items.push(q.get().await.unwrap());
    }
    assert_eq!(items, [2, 3, 1]);
}

// Port of test_queues.py PriorityQueueTests.test_order: smallest first,
// like heapq.
#[tokio::test]
async fn cpython_priority_test_order() {
    let q = PriorityQueue::unbounded();
    for i in [1, 3, 2] {
        q.put(i).await.unwrap();
    }
    let mut items = Vec::new();
    for _ in 0..3 {
        items.push(q.get().await.unwrap());
    }
    assert_eq!(items, [1, 2, 3]);
}

#[test]
fn priority_tuples_and_reverse() {
    let q = PriorityQueue::unbounded();
    for (seq, prio) in [5, 1, 5, 0, 1].into_iter().enumerate() {
        q.try_put((prio, seq)).unwrap();
    }
    let out: Vec<_> = std::iter::from_fn(|| q.try_get().ok()).collect();
    assert_eq!(out, [(0, 3), (1, 1), (1, 4), (5, 0), (5, 2)]);

    let q = PriorityQueue::unbounded();
    for i in [1, 3, 2] {
        q.try_put(Reverse(i)).unwrap();
    }
    assert_eq!(q.try_get().unwrap().0, 3);
}

#[test]
fn lifo_and_priority_respect_capacity() {
    let q = LifoQueue::bounded(2).unwrap();
    q.try_put(1).unwrap();
    q.try_put(2).unwrap();
    assert!(q.try_put(3).unwrap_err().is_full());
    let q = PriorityQueue::bounded(1).unwrap();
    q.try_put(9).unwrap();
    assert!(q.is_full());
    assert!(q.try_put(0).unwrap_err().is_full());
}

#[tokio::test]
async fn priority_get_waits_then_takes_the_smallest_available() {
    let q = PriorityQueue::unbounded();
    let mut getter = tokio_test::task::spawn(q.get());
    tokio_test::assert_pending!(getter.poll());
    // The getter was promised an item when 7 came; by the time it runs, 4
    // is there too, and it takes the smallest.
    q.try_put(7).unwrap();
    q.try_put(4).unwrap();
    assert_eq!(tokio_test::assert_ready!(getter.poll()).unwrap(), 4);
    assert_eq!(q.try_get(), Ok(7));
}
