//! The per-poll deadline context: what the enclosing timeouts of the future
//! being polled right now look like.
//!
//! A timeout cannot store its deadline in a tokio task-local, because the
//! deadlines nest *inside* one task and change from poll to poll. Instead
//! every [`TimeoutFuture`](crate::TimeoutFuture) and
//! [`Shield`](crate::Shield) swaps a [`Frame`] into a thread-local for the
//! duration of its inner future's `poll` and swaps the old one back
//! afterwards (also when the inner future panics); [`Inherit`](crate::Inherit)
//! and `Shield` do the same with the inherited deadline. A poll never moves
//! between threads, so the thread-local always describes the chain of
//! futures being polled on this thread, which is exactly the nesting of
//! timeouts around the code that asks. This is how `tokio::task_local!`
//! works too, minus its `RefCell` and its allocation.

use std::cell::Cell;
use std::mem::ManuallyDrop;

use tokio::time::Instant;

/// What a future being polled can learn about the timeouts around it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    /// The earliest deadline of the timeouts that enclose this poll *in this
    /// task* and will check their own timer after it returns. An inner
    /// timeout that expires leaves the reporting to them when this one has
    /// passed too (outermost wins).
    pub(crate) enforced: Option<Instant>,
    /// Whether the timeout owning `enforced` has already fired, so that a
    /// deferring inner timeout need not ask to be polled again.
    pub(crate) enforced_fired: bool,
    /// Set by a [`Shield`](crate::Shield) whose future is still pending,
    /// read by the timeout that owns this frame.
    pub(crate) shield_pending: bool,
}

impl Frame {
    /// No timeout around: the state at the top of every task's poll, and
    /// inside a shield.
    pub(crate) const ROOT: Frame =
        Frame { enforced: None, enforced_fired: false, shield_pending: false };
}

thread_local! {
    static CURRENT: Cell<Frame> = const { Cell::new(Frame::ROOT) };
    /// A deadline carried in from another task by
    /// [`inherit`](crate::inherit): visible, not enforced here. Kept apart
    /// from the frame, which every timeout swaps on every poll.
    static INHERITED: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// The earliest deadline around the running poll, inherited ones included:
/// what [`current_deadline`](crate::current_deadline) reports.
pub(crate) fn visible() -> Option<Instant> {
    earliest(CURRENT.get().enforced, INHERITED.get())
}

/// Makes `inner(current inherited deadline)` the inherited deadline until
/// the guard is dropped.
pub(crate) fn inherit_with(inner: impl FnOnce(Option<Instant>) -> Option<Instant>) -> Inherited {
    INHERITED.with(|cell| {
        let saved = cell.get();
        cell.set(inner(saved));
        Inherited { saved }
    })
}

/// Restores the inherited deadline that [`inherit_with`] replaced.
#[derive(Debug)]
pub(crate) struct Inherited {
    saved: Option<Instant>,
}

impl Drop for Inherited {
    fn drop(&mut self) {
        INHERITED.set(self.saved);
    }
}

/// The frame of the poll running on this thread.
#[inline]
pub(crate) fn current() -> Frame {
    CURRENT.get()
}

/// Records that a shielded future below the current frame is pending.
#[inline]
pub(crate) fn mark_shield_pending() {
    let mut frame = CURRENT.get();
    frame.shield_pending = true;
    CURRENT.set(frame);
}

/// Makes `frame` current until the returned guard is exited or dropped.
#[inline]
pub(crate) fn enter(frame: Frame) -> Entered {
    Entered { saved: CURRENT.replace(frame) }
}

/// Makes `inner(current frame)` current, in one thread-local access, and
/// returns the guard with the frame it replaced.
#[inline]
pub(crate) fn enter_with(inner: impl FnOnce(Frame) -> Frame) -> Entered {
    CURRENT.with(|cell| {
        let saved = cell.get();
        cell.set(inner(saved));
        Entered { saved }
    })
}

/// Restores the frame that was current before [`enter`], on
/// [`exit`](Entered::exit) or, if the inner poll panics, on drop.
#[derive(Debug)]
pub(crate) struct Entered {
    saved: Frame,
}

impl Entered {
    /// The frame that was current before this one.
    #[inline]
    pub(crate) fn outer(&self) -> Frame {
        self.saved
    }

    /// Restores the saved frame and returns whether a shield below was left
    /// pending.
    #[inline]
    pub(crate) fn exit(self) -> bool {
        let this = ManuallyDrop::new(self);
        CURRENT.replace(this.saved).shield_pending
    }
}

impl Drop for Entered {
    #[inline]
    fn drop(&mut self) {
        CURRENT.set(self.saved);
    }
}

/// The earlier of two optional deadlines, `None` meaning "never".
#[inline]
pub(crate) fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}
