//! The state a [`Timeout`](crate::Timeout), its handles and its running
//! future share: the deadline, a change counter and the future's waker.
//!
//! A plain mutex: it is only touched by timeouts that have a handle, once
//! per poll and once per reschedule, and an uncontended lock costs less
//! than the timer-wheel operation a reschedule triggers anyway.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::Waker;

use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
}

#[derive(Debug)]
pub(crate) struct State {
    pub(crate) deadline: Option<Instant>,
    /// Bumped by every effective reschedule; the running future compares it
    /// with the version it last saw.
    pub(crate) version: u64,
    pub(crate) phase: Phase,
    pub(crate) fired: bool,
    pub(crate) waker: Option<Waker>,
}

/// Where a timeout is in its one life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Created, its future not polled yet.
    Created,
    /// Its future is being polled.
    Active,
    /// Its future completed, timed out, or was dropped.
    Finished,
}

impl Phase {
    pub(crate) fn name(self, fired: bool) -> &'static str {
        match (self, fired) {
            (_, true) => "expired",
            (Phase::Created, false) => "created",
            (Phase::Active, false) => "active",
            (Phase::Finished, false) => "finished",
        }
    }
}

impl Shared {
    pub(crate) fn new(deadline: Option<Instant>) -> Shared {
        Shared {
            state: Mutex::new(State {
                deadline,
                version: 0,
                phase: Phase::Created,
                fired: false,
                waker: None,
            }),
        }
    }

    /// Locks the state. Nothing in this crate panics while holding the
    /// lock, but a poisoned lock is still usable: the state is plain data.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the deadline unless the timeout already fired or finished, and
    /// wakes the running future so that it re-arms its timer.
    pub(crate) fn reschedule(&self, deadline: Option<Instant>) {
        let waker = {
            let mut state = self.lock();
            if state.fired || state.phase == Phase::Finished || state.deadline == deadline {
                return;
            }
            state.deadline = deadline;
            state.version = state.version.wrapping_add(1);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Records that the running future finished (or was dropped).
    pub(crate) fn finish(&self) {
        let mut state = self.lock();
        state.phase = Phase::Finished;
        state.waker = None;
    }
}
