//! `TimeoutFuture`, the future every timeout in this crate runs in: it polls
//! the inner future, then its timer, and decides who reports an expiry.

use std::cmp::Ordering;
use std::fmt;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::task::coop;
use tokio::time::{Instant, Sleep, sleep_until};

use crate::Elapsed;
use crate::context::{self, Frame};
use crate::shared::{Phase, Shared};

/// The deadline has passed (the timer fired, or the deadline was found in
/// the past); from now on the outcome is `Elapsed`.
const FIRED: u8 = 1;
/// The inner future's last poll left a [`Shield`](crate::Shield) pending,
/// so a fired timeout keeps polling it.
const SHIELDED: u8 = 2;
/// The inner future completed after the deadline fired; its value was
/// dropped and it must not be polled again.
const DONE: u8 = 4;
/// The deadline is known to be at or before the clock's "now", so the
/// timer need not be consulted.
const PAST: u8 = 8;
/// The deadline may already be in the past when the timer is first needed
/// (an absolute deadline), so compare it with the clock before arming the
/// timer. A relative deadline lay in the future when it was set, and the
/// timer wheel catches the rare one that passed before the first poll.
const CHECK_PAST: u8 = 16;

pin_project! {
    /// Future returned by [`timeout`](crate::timeout),
    /// [`timeout_at`](crate::timeout_at), [`fail_after`](crate::fail_after),
    /// [`fail_at`](crate::fail_at), [`FutureExt`](crate::FutureExt) and
    /// [`Timeout::run`](crate::Timeout::run).
    ///
    /// Each poll polls the inner future first, then the timer: a future
    /// that is ready wins even at a zero or past deadline, and one that is
    /// still pending when the deadline has passed is cut off with
    /// [`Elapsed`]. While the inner future runs,
    /// [`current_deadline`](crate::current_deadline) reports the earliest of
    /// this deadline and the ones around it.
    ///
    /// When timeouts nest and more than one has expired by the time they
    /// are polled, the outermost expired one reports `Elapsed` and the inner
    /// ones stay pending until it does (see the [crate docs](crate)).
    ///
    /// The timer is created at the first poll that needs it, so a future
    /// that is ready at once never touches tokio's timer wheel.
    ///
    /// Dropping a `TimeoutFuture` drops the inner future and deregisters
    /// the timer; its [`TimeoutHandle`](crate::TimeoutHandle), if any, then
    /// reports it finished.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::{TimeoutFuture, timeout};
    ///
    /// let fut: TimeoutFuture<_> = timeout(Duration::from_secs(1), async { 7 });
    /// assert_eq!(fut.await, Ok(7));
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe only if the inner future is.
    ///
    /// # Panics
    ///
    /// A poll that has to start the timer panics outside a tokio runtime
    /// with the time driver enabled, like [`tokio::time::sleep`].
    ///
    /// # Errors
    ///
    /// The future resolves to `Err(`[`Elapsed`](crate::Elapsed)`)` if the deadline
    /// passes before the inner future completes.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct TimeoutFuture<F> {
        #[pin]
        future: F,
        #[pin]
        sleep: Option<Sleep>,
        deadline: Option<Instant>,
        flags: u8,
        link: Option<Link>,
    }
}

/// The connection of a running [`Timeout`](crate::Timeout) to its handles.
#[derive(Debug)]
struct Link {
    shared: Arc<Shared>,
    version: u64,
}

impl<F> TimeoutFuture<F> {
    /// A timeout `duration` from now (no deadline if that is too far for
    /// the clock).
    pub(crate) fn after(future: F, duration: Duration) -> TimeoutFuture<F> {
        let deadline = Instant::now().checked_add(duration);
        let flags = if duration.is_zero() { PAST } else { 0 };
        TimeoutFuture { future, sleep: None, deadline, flags, link: None }
    }

    /// A timeout at `deadline`, which may be in the past.
    pub(crate) fn at(future: F, deadline: Instant) -> TimeoutFuture<F> {
        TimeoutFuture {
            future,
            sleep: None,
            deadline: Some(deadline),
            flags: CHECK_PAST,
            link: None,
        }
    }

    pub(crate) fn linked(future: F, shared: Arc<Shared>) -> TimeoutFuture<F> {
        let (deadline, version) = {
            let state = shared.lock();
            (state.deadline, state.version)
        };
        let link = Some(Link { shared, version });
        TimeoutFuture { future, sleep: None, deadline, flags: CHECK_PAST, link }
    }

    /// The inner future.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::timeout;
    ///
    /// let fut = timeout(Duration::from_secs(1), std::future::ready(3));
    /// let _: &std::future::Ready<i32> = fut.get_ref();
    /// # }
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The inner future, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::timeout;
    ///
    /// let mut fut = timeout(Duration::from_secs(1), std::future::ready(3));
    /// let _: &mut std::future::Ready<i32> = fut.get_mut();
    /// # }
    /// ```
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// Gives up the timeout and returns the inner future.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::timeout;
    ///
    /// let fut = timeout(Duration::ZERO, async { 3 });
    /// assert_eq!(fut.into_inner().await, 3);
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe only if the inner future is.
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for TimeoutFuture<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut me = self.project();
        let mut flags = *me.flags;
        if let Some(link) = me.link.as_mut() {
            link.sync(Some(cx.waker()), me.deadline, &mut flags, me.sleep.as_mut());
        }

        // A fired timeout stops polling its future, unless a shield inside
        // it is still pending (then it runs the future until the shielded
        // part is done, and reports afterwards).
        let outer = if flags & FIRED == 0 || flags & (SHIELDED | DONE) == SHIELDED {
            let had_budget = coop::has_budget_remaining();
            let (deadline, fired) = (*me.deadline, flags & FIRED != 0);
            let entered = context::enter_with(|outer| inner_frame(outer, deadline, fired));
            let outer = entered.outer();
            let polled = me.future.poll(cx);
            let shielded = entered.exit();
            match polled {
                Poll::Ready(value) if flags & FIRED == 0 => {
                    *me.flags = flags;
                    if let Some(link) = me.link.as_ref() {
                        link.shared.finish();
                    }
                    return Poll::Ready(Ok(value));
                }
                Poll::Ready(_) => flags = (flags | DONE) & !SHIELDED,
                Poll::Pending if shielded => {
                    flags |= SHIELDED;
                    context::mark_shield_pending();
                }
                Poll::Pending => flags &= !SHIELDED,
            }
            if flags & FIRED == 0 {
                // A reschedule made while the future ran (by the future
                // itself, typically) applies at the wait it just reached.
                let moved = match me.link.as_mut() {
                    Some(link) => link.sync(None, me.deadline, &mut flags, me.sleep.as_mut()),
                    None => false,
                };
                let expired = match *me.deadline {
                    Some(deadline) => {
                        poll_timer(me.sleep.as_mut(), deadline, &mut flags, had_budget, cx)
                            .is_ready()
                    }
                    None => false,
                };
                if !expired {
                    *me.flags = flags;
                    return Poll::Pending;
                }
                flags |= FIRED;
                if let Some(link) = me.link.as_ref() {
                    link.shared.lock().fired = true;
                }
                if moved {
                    // The timeouts around this one may have been moved in
                    // the same poll, after they described themselves to it:
                    // who reports is decided at a fresh poll, which no
                    // longer polls the future.
                    cx.waker().wake_by_ref();
                    *me.flags = flags;
                    return Poll::Pending;
                }
            }
            if flags & (SHIELDED | DONE) == SHIELDED {
                *me.flags = flags;
                return Poll::Pending;
            }
            outer
        } else {
            context::current()
        };
        *me.flags = flags;
        let Some(deadline) = *me.deadline else {
            // Unreachable: only a timeout with a deadline fires, and a fired
            // one ignores reschedules.
            return Poll::Pending;
        };
        if defer_to_enclosing(outer, deadline, cx.waker()) {
            return Poll::Pending;
        }
        if let Some(link) = me.link.as_ref() {
            link.shared.finish();
        }
        Poll::Ready(Err(Elapsed::new(deadline)))
    }
}

impl<F> fmt::Debug for TimeoutFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeoutFuture")
            .field("deadline", &self.deadline)
            .field("fired", &(self.flags & FIRED != 0))
            .field("reschedulable", &self.link.is_some())
            .finish_non_exhaustive()
    }
}

impl Link {
    /// Registers the waker (if given), marks the timeout active and picks
    /// up a new deadline if one was set since the last look. Returns whether
    /// the deadline changed.
    fn sync(
        &mut self,
        waker: Option<&Waker>,
        deadline: &mut Option<Instant>,
        flags: &mut u8,
        sleep: Pin<&mut Option<Sleep>>,
    ) -> bool {
        let new = {
            let mut state = self.shared.lock();
            if state.phase == Phase::Created {
                state.phase = Phase::Active;
            }
            if let Some(waker) = waker {
                if !state.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
                    state.waker = Some(waker.clone());
                }
            }
            if state.version == self.version || *flags & FIRED != 0 {
                return false;
            }
            self.version = state.version;
            state.deadline
        };
        *deadline = new;
        *flags &= !PAST;
        if let Some(new) = new {
            if new <= Instant::now() {
                *flags |= PAST;
            } else if let Some(sleep) = sleep.as_pin_mut() {
                sleep.reset(new);
            }
        }
        true
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.shared.finish();
    }
}

/// The frame the inner future is polled in: this deadline joins the ones
/// around it.
#[inline]
fn inner_frame(outer: Frame, own: Option<Instant>, fired: bool) -> Frame {
    let mut frame = Frame { shield_pending: false, ..outer };
    if let Some(mine) = own {
        match outer.enforced.map(|theirs| theirs.cmp(&mine)) {
            Some(Ordering::Less) => {}
            Some(Ordering::Equal) => frame.enforced_fired |= fired,
            Some(Ordering::Greater) | None => {
                frame.enforced = own;
                frame.enforced_fired = fired;
            }
        }
    }
    frame
}

/// Polls the timer, creating it on first use. A deadline found to be in the
/// past fires without a timer, so "at once" does not wait for the timer
/// wheel to catch up with the clock.
fn poll_timer(
    mut sleep: Pin<&mut Option<Sleep>>,
    deadline: Instant,
    flags: &mut u8,
    had_budget: bool,
    cx: &mut Context<'_>,
) -> Poll<()> {
    if *flags & PAST != 0 {
        return Poll::Ready(());
    }
    if sleep.is_none() {
        if *flags & CHECK_PAST != 0 && deadline <= Instant::now() {
            *flags |= PAST;
            return Poll::Ready(());
        }
        sleep.set(Some(sleep_until(deadline)));
    }
    let Some(sleep) = sleep.as_pin_mut() else {
        return Poll::Pending;
    };
    if had_budget && !coop::has_budget_remaining() {
        // The inner future used up the task's budget; the timer must still
        // get its say, or a busy future could never time out (tokio's
        // `Timeout` does the same).
        pin!(coop::unconstrained(sleep)).poll(cx)
    } else {
        sleep.poll(cx)
    }
}

/// Whether an expired timeout must leave the report to an enclosing one in
/// the same task whose deadline has passed too (outermost wins). When that
/// one has not noticed yet, this asks to be polled again, so that a
/// reschedule of the enclosing timeout cannot strand it.
fn defer_to_enclosing(outer: Frame, deadline: Instant, waker: &Waker) -> bool {
    match outer.enforced {
        Some(enclosing) if enclosing <= deadline || enclosing <= Instant::now() => {
            if !outer.enforced_fired {
                waker.wake_by_ref();
            }
            true
        }
        _ => false,
    }
}
