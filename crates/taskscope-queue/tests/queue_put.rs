//! `put`: waiting, cancellation, and waiting getters.
//!
//! Ported from CPython's `QueuePutTests` (Lib/test/test_asyncio/test_queues.py).

use std::time::Duration;

use taskscope::queue::Queue;
use tokio::time::{Instant, sleep, timeout};
use tokio_test::{assert_pending, assert_ready, task};

// Port of test_queues.py QueuePutTests.test_blocking_put: an unbounded put
// never waits.
#[tokio::test]
async fn cpython_test_blocking_put() {
    let q = Queue::unbounded();
    let mut put = task::spawn(q.put(1));
    assert_ready!(put.poll()).unwrap();
    assert_eq!(q.get().await.unwrap(), 1);
}

// Port of test_queues.py QueuePutTests.test_blocking_put_wait: the second
// put waits for the get scheduled 10 ms later.
#[tokio::test(start_paused = true)]
async fn cpython_test_blocking_put_wait() {
    let q = Queue::bounded(1).unwrap();
    let getter = {
        let q = q.clone();
        tokio::spawn(async move {
            sleep(Duration::from_millis(10)).await;
            q.try_get().unwrap()
        })
    };
    let start = Instant::now();
    q.put(1).await.unwrap();
    q.put(2).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(10));
    assert_eq!(getter.await.unwrap(), 1);
    assert_eq!(q.try_get(), Ok(2));
}

// Port of test_queues.py QueuePutTests.test_put_cancel_drop: a writer that
// was promised a slot and then cancelled inserts nothing; a new writer
// puts the item exactly once.
#[tokio::test]
async fn cpython_test_put_cancel_drop() {
    let q = Queue::bounded(1).unwrap();
    q.try_put(1).unwrap();
    let mut writer = task::spawn(q.put(2));
    assert_pending!(writer.poll());

    assert_eq!(q.try_get(), Ok(1));
    assert!(writer.is_woken());
    drop(writer); // cancelled after its slot was promised
    assert!(q.is_empty(), "a cancelled put never inserts");

    q.put(2).await.unwrap();
    assert_eq!(q.try_get(), Ok(2));
    assert_eq!(q.len(), 0);
}

// Port of test_queues.py QueuePutTests.test_put_cancelled: a put into an
// unbounded queue completes before the get.
#[tokio::test]
async fn cpython_test_put_cancelled() {
    let q = Queue::unbounded();
    let putter = {
        let q = q.clone();
        tokio::spawn(async move {
            q.put(1).await.unwrap();
            true
        })
    };
    assert_eq!(q.get().await.unwrap(), 1);
    assert!(putter.await.unwrap());
}

// Port of test_queues.py QueuePutTests.test_put_cancelled_race: of three
// putters into one slot, the third is cancelled; the other two go in, in
// order.
#[tokio::test]
async fn cpython_test_put_cancelled_race() {
    let q = Queue::bounded(1).unwrap();
    let mut put_a = task::spawn(q.put('a'));
    let mut put_b = task::spawn(q.put('b'));
    let mut put_x = task::spawn(q.put('X'));
    assert_ready!(put_a.poll()).unwrap();
    assert_pending!(put_b.poll());
    assert_pending!(put_x.poll());

    drop(put_x);
    assert_eq!(q.try_get(), Ok('a'));
    assert!(put_b.is_woken());
    assert_ready!(put_b.poll()).unwrap();
    assert_eq!(q.try_get(), Ok('b'));
    assert!(q.is_empty());
}

// Port of test_queues.py QueuePutTests.test_put_with_waiting_getters.
#[tokio::test]
async fn cpython_test_put_with_waiting_getters() {
    let q = Queue::unbounded();
    let mut getter = task::spawn(q.get());
    assert_pending!(getter.poll());
    q.put('a').await.unwrap();
    assert_eq!(assert_ready!(getter.poll()).unwrap(), 'a');
}

// Port of test_queues.py QueuePutTests.test_why_are_putters_waiting: four
// putters into two slots, and a getter that drains what it sees after
// one yield; everyone finishes.
#[tokio::test]
async fn cpython_test_why_are_putters_waiting() {
    let q = Queue::bounded(2).unwrap();
    taskscope::scope(async |tg| {
        let getter = q.clone();
        tg.spawn(async move {
            tokio::task::yield_now().await;
            for _ in 0..getter.len() {
                getter.try_get()?;
            }
            Ok(())
        });
        for i in 0..4 {
            let putter = q.clone();
            tg.spawn(async move { Ok(putter.put(i).await?) });
        }
        Ok::<_, taskscope::BoxError>(())
    })
    .await
    .unwrap();
    assert_eq!(q.len(), 2);
}

// Port of test_queues.py QueuePutTests
// .test_cancelled_puts_not_being_held_in_self_putters.
#[tokio::test]
async fn cpython_test_cancelled_puts_not_being_held() {
    let q = Queue::bounded(1).unwrap();
    q.try_put(1).unwrap();
    let mut putter = task::spawn(q.put(1));
    assert_pending!(putter.poll());
    assert!(format!("{q:?}").contains("waiting_putters: 1"));
    drop(putter);
    assert!(format!("{q:?}").contains("waiting_putters: 0"));
}

// Port of test_queues.py QueuePutTests
// .test_cancelled_put_silence_value_error_exception: a putter whose slot
// was promised and that is cancelled afterwards leaves cleanly, and the
// slot is free again.
#[tokio::test]
async fn cpython_test_cancelled_put_after_wakeup() {
    let q = Queue::bounded(1).unwrap();
    q.try_put(1).unwrap();
    let mut putter = task::spawn(q.put(1));
    assert_pending!(putter.poll());
    q.try_get().unwrap();
    drop(putter);
    assert!(q.is_empty());
    q.try_put(3).unwrap();
}

#[tokio::test(start_paused = true)]
async fn put_under_a_timeout_inserts_nothing() {
    let q = Queue::bounded(1).unwrap();
    q.try_put("kept").unwrap();
    assert!(timeout(Duration::from_secs(1), q.put("dropped")).await.is_err());
    assert_eq!(q.try_get(), Ok("kept"));
    assert!(q.is_empty());
    assert_eq!(q.unfinished(), 1);
}
