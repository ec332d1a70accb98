//! The running-children limit of a group: slots, a lazy FIFO queue of
//! children waiting to start, and `spawn_wait` callers waiting for room.
//!
//! Everything is under one mutex: the queue is touched once when a child
//! is queued and once when a slot passes on, so there is nothing to gain
//! from atomics here (and nothing for loom to check).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use futures::task::AtomicWaker;

/// Starts a queued child with the slot it is given, or gives the slot back
/// if it cannot start (no runtime, or its handle aborted it).
pub(crate) type Launch = Box<dyn FnOnce(Slot) -> Option<Slot> + Send>;

/// The limit of one group.
pub(crate) struct Slots {
    limit: usize,
    state: Mutex<State>,
}

struct State {
    running: usize,
    queue: VecDeque<Entry>,
    /// The group was cancelled: nothing queued will start.
    closed: bool,
}

enum Entry {
    Launch(Launch),
    Wait(Arc<Waiter>),
}

/// A `spawn_wait` caller in line for a slot.
struct Waiter {
    /// Set (under the lock) when the slot passed to this waiter.
    granted: AtomicBool,
    /// Set (under the lock) when the waiter gave up.
    cancelled: AtomicBool,
    waker: AtomicWaker,
}

/// The right to run one child. Dropping it passes the slot to the next in
/// line: a queued child starts, or a `spawn_wait` caller wakes.
pub(crate) struct Slot {
    slots: Option<Arc<Slots>>,
}

impl Slot {
    fn new(slots: &Arc<Slots>) -> Self {
        Slot { slots: Some(slots.clone()) }
    }

    /// Takes the slot apart without passing it on (the caller does).
    fn defuse(mut self) {
        self.slots = None;
    }

    /// A child takes the slot over: the child's `ChildGroup` gives it back
    /// (through [`Slots::release`]) when the child is dropped, so the
    /// child's task carries no pointer of its own for it.
    pub(crate) fn hand_over(self) {
        self.defuse();
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(slots) = self.slots.take() {
            slots.release();
        }
    }
}

impl Slots {
    pub(crate) fn new(limit: usize) -> Arc<Self> {
        Arc::new(Slots {
            limit,
            state: Mutex::new(State { running: 0, queue: VecDeque::new(), closed: false }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A slot now, if one is free and nobody is in line before us.
    pub(crate) fn try_take(self: &Arc<Self>) -> Option<Slot> {
        let mut state = self.lock();
        if state.running < self.limit && state.queue.is_empty() {
            state.running += 1;
            Some(Slot::new(self))
        } else {
            None
        }
    }

    /// Starts `launch` at once if a slot is free, else queues it.
    pub(crate) fn launch_or_queue(self: &Arc<Self>, launch: Launch) {
        let slot = {
            let mut state = self.lock();
            if state.closed {
                // Raced with the cancel: dropping the launch counts the
                // child out without starting it.
                drop(state);
                drop(launch);
                return;
            }
            if state.running < self.limit && state.queue.is_empty() {
                state.running += 1;
                Slot::new(self)
            } else {
                state.queue.push_back(Entry::Launch(launch));
                return;
            }
        };
        drop(launch(slot));
    }

    /// Waits for a slot behind everything already in line. `None` if the
    /// group was cancelled meanwhile.
    pub(crate) fn wait(self: &Arc<Self>) -> WaitSlot {
        WaitSlot { slots: self.clone(), waiter: None, done: false }
    }

    /// Passes a freed slot on: to the first queued child that can start, or
    /// the first waiter still waiting; otherwise the slot is free.
    pub(crate) fn release(self: &Arc<Self>) {
        loop {
            let launch = {
                let mut state = self.lock();
                match state.queue.pop_front() {
                    Some(Entry::Launch(launch)) => launch,
                    Some(Entry::Wait(waiter)) => {
                        if waiter.cancelled.load(Ordering::Relaxed) {
                            continue;
                        }
                        waiter.granted.store(true, Ordering::Release);
                        waiter.waker.wake();
                        return;
                    }
                    None => {
                        state.running -= 1;
                        return;
                    }
                }
            };
            // Outside the lock: starting a child spawns a task. A launch
            // that cannot start gives the slot back, and the loop passes it
            // on (iteratively, so a long queue never recurses).
            match launch(Slot::new(self)) {
                None => return,
                Some(slot) => slot.defuse(),
            }
        }
    }

    /// The group was cancelled: queued children will never start (they are
    /// dropped here, which counts them out), and waiters wake to find out.
    pub(crate) fn close(&self) {
        let queue = {
            let mut state = self.lock();
            state.closed = true;
            std::mem::take(&mut state.queue)
        };
        for entry in queue {
            match entry {
                Entry::Launch(launch) => drop(launch),
                Entry::Wait(waiter) => waiter.waker.wake(),
            }
        }
    }
}

/// Future of [`Slots::wait`]: a place in line, then a slot. Dropping it
/// gives up the place, or passes on a slot it was granted but never took.
pub(crate) struct WaitSlot {
    slots: Arc<Slots>,
    waiter: Option<Arc<Waiter>>,
    done: bool,
}

impl Future for WaitSlot {
    type Output = Option<Slot>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Slot>> {
        let this = &mut *self;
        let waiter = match &this.waiter {
            Some(waiter) => waiter.clone(),
            None => {
                let mut state = this.slots.lock();
                if state.closed {
                    this.done = true;
                    return Poll::Ready(None);
                }
                if state.running < this.slots.limit && state.queue.is_empty() {
                    state.running += 1;
                    this.done = true;
                    return Poll::Ready(Some(Slot::new(&this.slots)));
                }
                let waiter = Arc::new(Waiter {
                    granted: AtomicBool::new(false),
                    cancelled: AtomicBool::new(false),
                    waker: AtomicWaker::new(),
                });
                waiter.waker.register(cx.waker());
                state.queue.push_back(Entry::Wait(waiter.clone()));
                this.waiter = Some(waiter);
                return Poll::Pending;
            }
        };
        waiter.waker.register(cx.waker());
        if waiter.granted.load(Ordering::Acquire) {
            this.done = true;
            return Poll::Ready(Some(Slot::new(&this.slots)));
        }
        if this.slots.lock().closed {
            // Not granted before the close, and never will be.
            this.done = true;
            return Poll::Ready(None);
        }
        Poll::Pending
    }
}

impl Drop for WaitSlot {
    fn drop(&mut self) {
        let Some(waiter) = self.waiter.take() else { return };
        if self.done {
            return;
        }
        let granted = {
            let _state = self.slots.lock();
            waiter.cancelled.store(true, Ordering::Relaxed);
            waiter.granted.load(Ordering::Acquire)
        };
        if granted {
            // The slot was ours but we left: pass it on.
            drop(Slot::new(&self.slots));
        }
    }
}
