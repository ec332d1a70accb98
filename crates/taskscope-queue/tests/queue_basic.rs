//! Basic behaviour: emptiness, fullness, order, capacity, Debug.
//!
//! Ported from CPython's `QueueBasicTests` (Lib/test/test_asyncio/test_queues.py).

use std::cell::RefCell;

use taskscope::queue::{LifoQueue, PriorityQueue, Queue, TryGetError, TryPutError};
use tokio_test::{assert_pending, assert_ready, task};

// Port of test_queues.py QueueBasicTests.test_empty.
#[tokio::test]
async fn cpython_test_empty() {
    let q = Queue::unbounded();
    assert!(q.is_empty());
    q.put(1).await.unwrap();
    assert!(!q.is_empty());
    assert_eq!(q.get().await.unwrap(), 1);
    assert!(q.is_empty());
}

// Port of test_queues.py QueueBasicTests.test_full.
#[tokio::test]
async fn cpython_test_full() {
    let q = Queue::<i32>::unbounded();
    assert!(!q.is_full());
    let q = Queue::bounded(1).unwrap();
    q.put(1).await.unwrap();
    assert!(q.is_full());
}

// Port of test_queues.py QueueBasicTests.test_order (FIFO).
#[tokio::test]
async fn cpython_test_order_fifo() {
    let q = Queue::unbounded();
    for i in [1, 3, 2] {
        q.put(i).await.unwrap();
    }
    let mut items = Vec::new();
    for _ in 0..3 {
        items.push(q.get().await.unwrap());
    }
    assert_eq!(items, [1, 3, 2]);
}

// Port of test_queues.py QueueBasicTests.test_maxsize: a putter blocks
// after filling the queue and resumes once a get frees a slot.
#[tokio::test]
async fn cpython_test_maxsize() {
    let q = Queue::bounded(2).unwrap();
    assert_eq!(q.capacity(), Some(2));
    let have_been_put = RefCell::new(Vec::new());
    let mut putter = task::spawn(async {
        for i in 0..3 {
            q.put(i).await.unwrap();
            have_been_put.borrow_mut().push(i);
        }
        true
    });

    assert_pending!(putter.poll());
    assert_eq!(*have_been_put.borrow(), [0, 1]); // blocked after two items
    assert_eq!(q.try_get(), Ok(0));

    assert!(putter.is_woken());
    assert!(assert_ready!(putter.poll()));
    assert_eq!(*have_been_put.borrow(), [0, 1, 2]);
    assert_eq!(q.try_get(), Ok(1));
    assert_eq!(q.try_get(), Ok(2));
}

// Port of test_queues.py QueuePutTests.test_float_maxsize, reduced to what
// Rust can express: a capacity is an integer, and `bounded(0)` is refused
// (DESIGN rule 24) where asyncio's `maxsize=0` means unbounded.
#[test]
fn cpython_test_float_maxsize_and_zero_capacity() {
    let err = Queue::<u8>::bounded(0).unwrap_err();
    assert!(err.to_string().contains("got 0"));
    assert!(err.to_string().contains("unbounded()"));
    assert!(LifoQueue::<u8>::bounded(0).is_err());
    assert!(PriorityQueue::<u8>::bounded(0).is_err());

    let q = Queue::bounded(1).unwrap();
    q.try_put(1).unwrap();
    assert!(q.is_full());
    assert!(matches!(q.try_put(2), Err(TryPutError::Full(2))));
}

// Port of test_queues.py QueueGetTests.test_nonblocking_get and
// test_nonblocking_get_exception, and QueuePutTests.test_nonblocking_put
// and test_nonblocking_put_exception.
#[test]
fn cpython_test_nonblocking_get_and_put() {
    let q = Queue::unbounded();
    assert_eq!(q.try_get(), Err(TryGetError::Empty));
    q.try_put(1).unwrap();
    assert_eq!(q.try_get(), Ok(1));

    let q = Queue::bounded(1).unwrap();
    q.try_put(1).unwrap();
    let err = q.try_put(2).unwrap_err();
    assert!(err.is_full());
    assert_eq!(err.into_inner(), 2);
}

// Port of test_queues.py QueueBasicTests.test_repr / test_str: the Debug
// output names the order, the sizes and the waiters (never the items).
#[tokio::test]
async fn cpython_test_repr() {
    let q = Queue::bounded(1).unwrap();
    q.try_put(1).unwrap();
    let mut putter = task::spawn(q.put(2));
    assert_pending!(putter.poll());
    let shown = format!("{q:?}");
    assert!(shown.starts_with("JoinableQueue {"), "{shown}");
    for part in
        ["order: \"fifo\"", "len: 1", "capacity: Some(1)", "unfinished: 1", "waiting_putters: 1"]
    {
        assert!(shown.contains(part), "{part} not in {shown}");
    }
    drop(putter);
    q.shutdown();
    assert!(format!("{q:?}").contains("shutdown: \"draining\""));
    assert!(format!("{:?}", PriorityQueue::<u8>::unbounded()).contains("priority"));
}

#[test]
fn len_capacity_and_clones_share_one_queue() {
    let q = Queue::bounded(3).unwrap();
    let other = q.clone();
    other.try_put('a').unwrap();
    other.try_put('b').unwrap();
    assert_eq!((q.len(), q.capacity(), q.unfinished()), (2, Some(3), 2));
    assert_eq!(q.try_get(), Ok('a'));
    assert_eq!((other.len(), other.unfinished()), (1, 2));
    assert_eq!(Queue::<u8>::unbounded().capacity(), None);
}

#[test]
fn items_are_dropped_with_the_last_handle() {
    use std::rc::Rc;
    let item = Rc::new(());
    let q = Queue::unbounded();
    q.try_put(item.clone()).unwrap();
    let clone = q.clone();
    drop(q);
    assert_eq!(Rc::strong_count(&item), 2);
    drop(clone);
    assert_eq!(Rc::strong_count(&item), 1);
}

#[test]
fn works_without_a_tokio_runtime() {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    let mut cx = Context::from_waker(Waker::noop());
    let q = Queue::bounded(1).unwrap();
    assert!(matches!(pin!(q.put(1)).poll(&mut cx), Poll::Ready(Ok(()))));
    assert!(matches!(pin!(q.get()).poll(&mut cx), Poll::Ready(Ok(1))));
    q.task_done().unwrap();
    assert!(matches!(pin!(q.join()).poll(&mut cx), Poll::Ready(())));
}
