//! The lock-free word at the heart of a group: how many children are alive,
//! and whether the group was cancelled or has closed.
//!
//! It is the only state the hot path touches: a spawn counts in (and backs
//! out if the group no longer takes children), a child's exit counts out
//! (and the last one learns it was last), `is_cancelled` is one load, and
//! the joiner closes the group only when no child is alive — so a spawn
//! racing with the close either gets in first (and the close fails) or
//! sees the group closed. A loom model checks those races (`cargo xtask
//! loom`).

#[cfg(loom)]
use loom::sync::atomic::{AtomicUsize, Ordering};
#[cfg(not(loom))]
use std::sync::atomic::{AtomicUsize, Ordering};

/// No new children: the group was cancelled or has failed fast.
const CANCELLED: usize = 1;
/// The group has finished: its body and every child are done.
const CLOSED: usize = 2;
/// One live child in the word; the low bits are flags.
const ONE: usize = 4;

/// `live children * ONE | CLOSED | CANCELLED`.
#[derive(Debug)]
pub(crate) struct GroupState(AtomicUsize);

/// What the word said at one instant.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Snapshot(usize);

impl Snapshot {
    pub(crate) fn live(self) -> usize {
        self.0 / ONE
    }

    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }

    pub(crate) fn is_closed(self) -> bool {
        self.0 & CLOSED != 0
    }
}

impl GroupState {
    pub(crate) fn new() -> Self {
        GroupState(AtomicUsize::new(0))
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Ordering::Acquire))
    }

    /// Counts a new child in, unless the group was cancelled or closed;
    /// then it backs out and returns `false` (and, if that backing out
    /// left nothing alive, the caller must wake the joiner: see `exit`).
    pub(crate) fn try_enter(&self) -> Result<(), bool> {
        let prev = self.0.fetch_add(ONE, Ordering::AcqRel);
        if prev & (CANCELLED | CLOSED) == 0 {
            return Ok(());
        }
        Err(self.exit())
    }

    /// Counts one in without looking at the flags (a nested group holding
    /// its parent open, even while the parent is cancelling).
    pub(crate) fn hold(&self) {
        self.0.fetch_add(ONE, Ordering::AcqRel);
    }

    /// Counts one out; `true` when it was the last.
    pub(crate) fn exit(&self) -> bool {
        self.0.fetch_sub(ONE, Ordering::AcqRel) / ONE == 1
    }

    /// Refuses new children from now on.
    pub(crate) fn cancel(&self) {
        self.0.fetch_or(CANCELLED, Ordering::AcqRel);
    }

    /// Closes the group if no child is alive; `false` if one is.
    pub(crate) fn try_close(&self) -> bool {
        let mut cur = self.0.load(Ordering::Acquire);
        loop {
            if cur / ONE != 0 {
                return false;
            }
            match self.0.compare_exchange_weak(
                cur,
                cur | CLOSED | CANCELLED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(actual) => cur = actual,
            }
        }
    }
}

#[cfg(all(test, loom))]
mod loom_models {
    //! Run with `cargo xtask loom`.

    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicUsize, Ordering};
    use loom::thread;

    use super::GroupState;

    /// A spawn racing the close: either the child got in (and the close
    /// waits for it) or the group closed first (and the spawn is refused);
    /// never a child inside a closed group.
    #[test]
    fn spawn_races_close() {
        loom::model(|| {
            let state = Arc::new(GroupState::new());
            let spawner = {
                let state = state.clone();
                thread::spawn(move || match state.try_enter() {
                    Ok(()) => {
                        assert!(!state.load().is_closed(), "a child got into a closed group");
                        state.exit();
                        true
                    }
                    Err(_) => false,
                })
            };
            let closed = loop {
                if state.try_close() {
                    break true;
                }
                thread::yield_now();
            };
            let entered = spawner.join().unwrap();
            assert!(closed);
            assert_eq!(state.load().live(), 0);
            let _ = entered;
        });
    }

    /// Two children exiting at once: exactly one learns it was the last.
    #[test]
    fn exactly_one_last_exit() {
        loom::model(|| {
            let state = Arc::new(GroupState::new());
            state.try_enter().unwrap();
            state.try_enter().unwrap();
            let lasts = Arc::new(AtomicUsize::new(0));
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let state = state.clone();
                    let lasts = lasts.clone();
                    thread::spawn(move || {
                        if state.exit() {
                            lasts.fetch_add(1, Ordering::SeqCst);
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.join().unwrap();
            }
            assert_eq!(lasts.load(Ordering::SeqCst), 1);
            assert!(state.try_close());
        });
    }

    /// A cancel racing a spawn: after the cancel, no spawn gets in; a
    /// refused spawn leaves the count as it found it.
    #[test]
    fn cancel_races_spawn() {
        loom::model(|| {
            let state = Arc::new(GroupState::new());
            let spawner = {
                let state = state.clone();
                thread::spawn(move || state.try_enter().is_ok())
            };
            state.cancel();
            let after_cancel = state.try_enter();
            assert!(after_cancel.is_err());
            let entered = spawner.join().unwrap();
            assert_eq!(state.load().live(), usize::from(entered));
        });
    }
}
