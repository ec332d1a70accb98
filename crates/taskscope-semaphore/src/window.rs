//! The sliding window: a log of the last acquisitions, under a mutex.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// At most `max` tokens in any half-open window `[t, t + period)`: a log of
/// the times (ns since the limiter was made) of the last `max` tokens
/// taken. A new token may be taken once the oldest logged one is `period`
/// old. Exact, at the price of `max` timestamps of memory and a mutex (held
/// for a few comparisons, never across an await).
#[derive(Debug)]
pub(crate) struct Window {
    max: u32,
    period: u64,
    log: Mutex<VecDeque<u64>>,
}

impl Window {
    pub(crate) fn new(max: u32, period: u64) -> Self {
        Window { max, period, log: Mutex::new(VecDeque::new()) }
    }

    pub(crate) fn max(&self) -> u32 {
        self.max
    }

    pub(crate) fn period(&self) -> u64 {
        self.period
    }

    /// Takes `n` tokens at `now`, or returns the earliest time at which
    /// they could be taken and takes nothing. `n <= max` (callers check).
    pub(crate) fn try_take(&self, n: u32, now: u64) -> Result<(), u64> {
        let mut log = self.prune(now);
        Self::check(&log, self.max, self.period, n)?;
        log.extend(std::iter::repeat_n(now, n as usize));
        Ok(())
    }

    /// Like [`try_take`](Self::try_take), but only looks.
    pub(crate) fn peek(&self, n: u32, now: u64) -> Result<(), u64> {
        let log = self.prune(now);
        Self::check(&log, self.max, self.period, n)
    }

    /// Tokens that could be taken at `now`.
    pub(crate) fn available(&self, now: u64) -> u64 {
        let log = self.prune(now);
        u64::from(self.max) - log.len() as u64
    }

    fn prune(&self, now: u64) -> MutexGuard<'_, VecDeque<u64>> {
        // Nothing panics while the lock is held, but never let a poisoned
        // lock turn into a panic here either.
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        while log.front().is_some_and(|&t| t.saturating_add(self.period) <= now) {
            log.pop_front();
        }
        log
    }

    fn check(log: &VecDeque<u64>, max: u32, period: u64, n: u32) -> Result<(), u64> {
        let room = max as usize - log.len();
        if n as usize <= room {
            return Ok(());
        }
        // The oldest `n - room` entries must leave the window first.
        let last_to_leave = log[n as usize - room - 1];
        Err(last_to_leave.saturating_add(period))
    }
}
