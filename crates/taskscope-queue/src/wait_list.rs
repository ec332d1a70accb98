//! `WaitList`: parked getters, putters or joiners, served first come, first served.

use std::collections::VecDeque;
use std::task::Waker;

/// Where one parked waiter stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitState {
    /// In line, waiting for its turn.
    Waiting,
    /// Its turn came: a getter holds a claim on one item, a putter holds
    /// a reserved slot, a joiner may return. The claim or slot passes on
    /// to the next in line if the waiter is dropped before it uses it.
    Woken,
    /// The queue was shut down: the waiter fails when it is next polled.
    Closed,
}

/// A first-come, first-served line of waiters, with O(1) park, wake and
/// state checks.
///
/// Each waiter owns one slot, named by a key that its future keeps. The
/// line only ever changes a slot's state; the slot is freed by its owner
/// (when the future completes or is dropped), so a key is never reused
/// while a future still holds it. All of this lives under the queue's
/// mutex.
#[derive(Default)]
pub(crate) struct WaitList {
    slots: Vec<Slot>,
    free: Vec<usize>,
    /// Keys of the `Waiting` slots, oldest first.
    line: VecDeque<usize>,
}

struct Slot {
    state: WaitState,
    waker: Option<Waker>,
}

impl WaitList {
    /// Parks a new waiter at the end of the line and returns its key.
    pub(crate) fn park(&mut self, waker: &Waker) -> usize {
        let slot = Slot { state: WaitState::Waiting, waker: Some(waker.clone()) };
        let key = match self.free.pop() {
            Some(key) => {
                self.slots[key] = slot;
                key
            }
            None => {
                self.slots.push(slot);
                self.slots.len() - 1
            }
        };
        self.line.push_back(key);
        key
    }

    pub(crate) fn state(&self, key: usize) -> WaitState {
        self.slots[key].state
    }

    /// Replaces the waker of a waiting slot, unless it would wake the same
    /// task anyway.
    pub(crate) fn update(&mut self, key: usize, waker: &Waker) {
        let slot = &mut self.slots[key];
        match &slot.waker {
            Some(old) if old.will_wake(waker) => {}
            _ => slot.waker = Some(waker.clone()),
        }
    }

    /// Frees the slot of `key` and returns the state it was in. A waiter
    /// that was still in line leaves it (O(position) in the line).
    pub(crate) fn release(&mut self, key: usize) -> WaitState {
        let slot = &mut self.slots[key];
        let state = slot.state;
        slot.waker = None;
        if state == WaitState::Waiting {
            if let Some(at) = self.line.iter().position(|&k| k == key) {
                self.line.remove(at);
            }
        }
        // Parked-and-released keys go back to the free list; the state of a
        // free slot is never read, since no future holds its key.
        slot.state = WaitState::Closed;
        self.free.push(key);
        state
    }

    /// Gives the first waiter in line its turn, and returns its waker.
    pub(crate) fn wake_first(&mut self) -> Option<Waker> {
        let key = self.line.pop_front()?;
        let slot = &mut self.slots[key];
        slot.state = WaitState::Woken;
        slot.waker.take()
    }

    /// Whether anyone is waiting in line.
    pub(crate) fn has_waiters(&self) -> bool {
        !self.line.is_empty()
    }

    /// How many are waiting in line.
    pub(crate) fn waiting(&self) -> usize {
        self.line.len()
    }

    /// Gives every waiter in line its turn (joiners: the count reached zero).
    pub(crate) fn wake_all(&mut self, wakers: &mut Vec<Waker>) {
        while let Some(waker) = self.wake_first() {
            wakers.push(waker);
        }
    }

    /// Closes every waiter in line, and also those already woken if
    /// `woken_too`: they fail when next polled.
    pub(crate) fn close(&mut self, woken_too: bool, wakers: &mut Vec<Waker>) {
        for key in self.line.drain(..) {
            let slot = &mut self.slots[key];
            slot.state = WaitState::Closed;
            wakers.extend(slot.waker.take());
        }
        if woken_too {
            // A woken slot's owner still holds its key; it has been woken
            // already and will see `Closed` when it polls or drops.
            for slot in &mut self.slots {
                if slot.state == WaitState::Woken {
                    slot.state = WaitState::Closed;
                }
            }
        }
    }
}
