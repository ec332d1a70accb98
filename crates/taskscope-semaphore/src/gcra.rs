//! The token bucket as a single atomic: GCRA, the "generic cell rate
//! algorithm" of ATM networks, as governor uses it.

use crate::loom::{AtomicU64, Ordering};

/// A token bucket kept as one number, the *theoretical arrival time* (TAT):
/// the instant at which the bucket will be full again. Times are
/// nanoseconds since the limiter was made, on tokio's clock.
///
/// Taking `n` tokens at `now` moves the TAT to `max(tat, now) + n × interval`
/// and is allowed while the TAT stays within `burst × interval` of `now`
/// (the bucket is never more than `burst` tokens in debt). A bucket that has
/// been idle is full: `tat <= now`. One compare-and-swap per take, no lock.
#[derive(Debug)]
pub struct Gcra {
    tat: AtomicU64,
    interval: u64,
    span: u64,
}

impl Gcra {
    /// A full bucket of `burst` tokens refilled by one every `interval` ns;
    /// `None` if `burst × interval` does not fit in a `u64`.
    pub fn new(interval: u64, burst: u32) -> Option<Self> {
        let span = interval.checked_mul(u64::from(burst))?;
        Some(Gcra { tat: AtomicU64::new(0), interval, span })
    }

    /// Takes `n` tokens at `now`, or returns the earliest time at which
    /// they could be taken (strictly after `now`) and takes nothing.
    ///
    /// `n` must be at most the burst (callers check).
    #[inline]
    pub fn try_take(&self, n: u32, now: u64) -> Result<(), u64> {
        if n == 0 {
            return Ok(());
        }
        let mut tat = self.tat.load(Ordering::Acquire);
        loop {
            let next = self.check(tat, n, now)?;
            match self.tat.compare_exchange_weak(tat, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Ok(()),
                Err(actual) => tat = actual,
            }
        }
    }

    /// The TAT after taking `n` tokens at `now`, or the earliest time they
    /// could be taken. In 128-bit arithmetic: an interval near `u64::MAX`
    /// nanoseconds must refuse the second token, not wrap or saturate into
    /// letting everything through. A TAT past the `u64` horizon is stored
    /// as `u64::MAX` ("not in this process's lifetime").
    #[inline]
    fn check(&self, tat: u64, n: u32, now: u64) -> Result<u64, u64> {
        let cost = u128::from(self.interval) * u128::from(n);
        let next = u128::from(tat.max(now)) + cost;
        if next - u128::from(now) > u128::from(self.span) {
            // Only possible when tat > now (cost <= span), so the answer is
            // in the future.
            let at = u128::from(tat) + cost - u128::from(self.span);
            return Err(u64::try_from(at).unwrap_or(u64::MAX));
        }
        Ok(u64::try_from(next).unwrap_or(u64::MAX))
    }

    /// Like [`try_take`](Self::try_take), but only looks.
    pub fn peek(&self, n: u32, now: u64) -> Result<(), u64> {
        if n == 0 {
            return Ok(());
        }
        self.check(self.tat.load(Ordering::Acquire), n, now).map(|_| ())
    }

    /// Whole tokens in the bucket at `now`.
    pub fn available(&self, now: u64) -> u64 {
        let debt = self.tat.load(Ordering::Acquire).saturating_sub(now);
        (self.span - debt.min(self.span)) / self.interval
    }
}
