//! Send, Sync and Unpin of every public type and named future.

use std::rc::Rc;

use taskscope::queue::{
    CapacityError, Fifo, Get, GetGuarded, Join, JoinableQueue, Lifo, LifoQueue, Priority,
    PriorityQueue, Put, Queue, QueueShutdown, Taken, TaskDoneError, TryGetError, TryPutError,
    WorkerPool, WorkersError,
};

fn send<T: Send>() {}
fn sync<T: Sync>() {}
fn unpin<T: Unpin>() {}

#[test]
fn public_types_are_send_sync_unpin() {
    type T = String;
    send::<Queue<T>>();
    sync::<Queue<T>>();
    unpin::<Queue<T>>();
    send::<LifoQueue<T>>();
    sync::<PriorityQueue<T>>();
    send::<JoinableQueue<T, Priority>>();
    sync::<JoinableQueue<T, Lifo>>();
    send::<JoinableQueue<T, Fifo>>();

    send::<Put<'static, T>>();
    sync::<Put<'static, T>>();
    unpin::<Put<'static, T>>();
    send::<Get<'static, T>>();
    sync::<Get<'static, T>>();
    unpin::<Get<'static, T>>();
    send::<GetGuarded<'static, T>>();
    sync::<GetGuarded<'static, T>>();
    unpin::<GetGuarded<'static, T>>();
    send::<Join<'static, T>>();
    sync::<Join<'static, T>>();
    unpin::<Join<'static, T>>();
    send::<Taken<T>>();
    sync::<Taken<T>>();
    unpin::<Taken<T>>();

    send::<WorkerPool>();
    sync::<WorkerPool>();
    send::<QueueShutdown<T>>();
    sync::<QueueShutdown>();
    send::<TryPutError<T>>();
    sync::<TryGetError>();
    send::<TaskDoneError>();
    sync::<CapacityError>();
    send::<WorkersError>();
}

#[test]
fn futures_are_unpin_even_for_items_that_are_not() {
    type NotUnpin = std::marker::PhantomPinned;
    unpin::<Put<'static, NotUnpin>>();
    unpin::<Get<'static, NotUnpin>>();
}

#[test]
fn a_queue_of_non_send_items_works_locally() {
    let q = Queue::unbounded();
    q.try_put(Rc::new(1)).unwrap();
    assert_eq!(*q.try_get().unwrap(), 1);
}
