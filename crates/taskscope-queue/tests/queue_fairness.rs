//! Waiters are served first come, first served; a cancelled one blocks nobody.
//!
//! DESIGN rules 17 and 18.

use taskscope::queue::{LifoQueue, Queue, TryGetError};
use tokio_test::{assert_pending, assert_ready, task};

#[tokio::test]
async fn waiting_getters_are_served_in_arrival_order() {
    let q = Queue::unbounded();
    let mut getters: Vec<_> = (0..5).map(|_| task::spawn(q.get())).collect();
    for g in &mut getters {
        assert_pending!(g.poll());
    }
    // Two items: the first two in line are served, the others wait on.
    q.try_put(0).unwrap();
    q.try_put(1).unwrap();
    let woken: Vec<_> = getters.iter().map(|g| g.is_woken()).collect();
    assert_eq!(woken, [true, true, false, false, false]);
    for g in &mut getters[2..] {
        assert_pending!(g.poll());
    }
    // A woken getter is promised *an* item; it takes the front of the
    // queue when it runs, so items still leave in order.
    assert_eq!(assert_ready!(getters[1].poll()).unwrap(), 0);
    assert_eq!(assert_ready!(getters[0].poll()).unwrap(), 1);
    q.try_put(2).unwrap();
    assert!(getters[2].is_woken() && !getters[3].is_woken());
    assert_eq!(assert_ready!(getters[2].poll()).unwrap(), 2);
}

#[tokio::test]
async fn waiting_putters_are_served_in_arrival_order() {
    let q = Queue::bounded(1).unwrap();
    q.try_put(0).unwrap();
    let mut putters: Vec<_> = (1..=4).map(|i| task::spawn(q.put(i))).collect();
    for p in &mut putters {
        assert_pending!(p.poll());
    }
    for (expected, next) in (0..).zip(&mut putters) {
        assert_eq!(q.try_get(), Ok(expected));
        assert!(next.is_woken());
        assert_ready!(next.poll()).unwrap();
    }
    assert_eq!(q.try_get(), Ok(4));
}

#[tokio::test]
async fn try_get_does_not_overtake_a_woken_getter() {
    let q = Queue::unbounded();
    let mut getter = task::spawn(q.get());
    assert_pending!(getter.poll());
    q.try_put('a').unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q.try_get(), Err(TryGetError::Empty), "'a' is promised to the getter");
    let mut newcomer = task::spawn(q.get());
    assert_pending!(newcomer.poll());
    assert_eq!(assert_ready!(getter.poll()).unwrap(), 'a');
}

#[tokio::test]
async fn try_put_does_not_overtake_a_woken_putter() {
    let q = Queue::bounded(1).unwrap();
    q.try_put('a').unwrap();
    let mut putter = task::spawn(q.put('b'));
    assert_pending!(putter.poll());
    q.try_get().unwrap();
    assert!(q.try_put('x').unwrap_err().is_full(), "the slot is promised to the putter");
    assert_ready!(putter.poll()).unwrap();
    assert_eq!(q.try_get(), Ok('b'));
}

#[tokio::test]
async fn a_woken_getter_that_is_dropped_passes_its_item_on() {
    let q = Queue::unbounded();
    let mut first = task::spawn(q.get());
    let mut second = task::spawn(q.get());
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    q.try_put('a').unwrap();
    assert!(first.is_woken());
    assert!(!second.is_woken());
    drop(first);
    assert!(second.is_woken());
    assert_eq!(assert_ready!(second.poll()).unwrap(), 'a');
}

#[tokio::test]
async fn a_woken_getter_dropped_with_nobody_behind_leaves_the_item_queued() {
    let q = LifoQueue::unbounded();
    let mut getter = task::spawn(q.get());
    assert_pending!(getter.poll());
    q.try_put('a').unwrap();
    drop(getter);
    assert_eq!(q.try_get(), Ok('a'));
}

#[tokio::test]
async fn a_woken_putter_that_is_dropped_passes_its_slot_on() {
    let q = Queue::bounded(1).unwrap();
    q.try_put('a').unwrap();
    let mut first = task::spawn(q.put('b'));
    let mut second = task::spawn(q.put('c'));
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    q.try_get().unwrap();
    assert!(first.is_woken());
    assert!(!second.is_woken());
    drop(first);
    assert!(second.is_woken());
    assert_ready!(second.poll()).unwrap();
    assert_eq!(q.try_get(), Ok('c'));
    assert!(q.is_empty());
}

#[tokio::test]
async fn a_getter_cancelled_while_waiting_leaves_the_line() {
    let q = Queue::unbounded();
    let mut getters: Vec<_> = (0..3).map(|_| task::spawn(q.get())).collect();
    for g in &mut getters {
        assert_pending!(g.poll());
    }
    let mut last = getters.pop().unwrap();
    let middle = getters.pop().unwrap();
    drop(middle);
    q.try_put(1).unwrap();
    q.try_put(2).unwrap();
    assert_eq!(assert_ready!(getters[0].poll()).unwrap(), 1);
    assert_eq!(assert_ready!(last.poll()).unwrap(), 2);
}

#[tokio::test]
async fn repolling_a_waiting_future_keeps_its_place() {
    let q = Queue::unbounded();
    let mut first = task::spawn(q.get());
    let mut second = task::spawn(q.get());
    assert_pending!(first.poll());
    assert_pending!(second.poll());
    assert_pending!(first.poll());
    assert_pending!(first.poll());
    q.try_put(1).unwrap();
    assert!(first.is_woken());
    assert_eq!(assert_ready!(first.poll()).unwrap(), 1);
    drop(second);
    assert!(format!("{q:?}").contains("waiting_getters: 0"));
}

#[tokio::test]
#[should_panic(expected = "`Get` polled after completion")]
async fn polling_a_finished_get_panics() {
    let q = Queue::unbounded();
    q.try_put(1).unwrap();
    let mut get = task::spawn(q.get());
    assert_ready!(get.poll()).unwrap();
    let _ = get.poll();
}
