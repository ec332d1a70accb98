//! `RateLimiter`: a token bucket or a sliding window on tokio's clock, with
//! a FIFO queue of waiters.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::coop;
use tokio::time::Instant;

use crate::error::{RateError, RateLimitError};
use crate::gcra::Gcra;
use crate::wait_counter::WaitCounter;
use crate::window::Window;

/// A rate limiter: at most so many acquisitions per unit of time, on
/// tokio's clock.
///
/// Two algorithms, chosen by the constructor:
///
/// * **Token bucket** — [`per_second(r)`](Self::per_second) or
///   [`per(interval)`](Self::per), then optionally
///   [`burst(b)`](Self::burst). A bucket of `b` tokens (default 1) refills
///   at one token per interval; each acquisition takes one. With the
///   default burst of 1, acquisitions are *paced*: never two closer than
///   the interval. A larger burst lets idle time be saved up, so up to `b`
///   may go at once, while the long-run rate stays `r`. Kept as a single
///   atomic number (GCRA, as in governor): one compare-and-swap per
///   acquisition, no lock.
/// * **Sliding window** — [`sliding_window(max, period)`](Self::sliding_window):
///   at most `max` acquisitions in *any* window of length `period`, exactly.
///   The promise most API quotas make ("100 requests per minute"), which a
///   token bucket only approximates. Costs `max` timestamps of memory and a
///   short mutex.
///
/// Both share the same waiting discipline:
///
/// * **Fair.** Waiters are served in FIFO order, weighted ones
///   ([`acquire_many`](Self::acquire_many)) included: a large request at
///   the head waits for its tokens, and smaller ones behind it wait too.
///   Only the head of the queue sleeps on the timer.
/// * **Cancel safe.** A waiter that is cancelled has consumed nothing, and
///   the next in line moves up.
/// * **On tokio's clock.** Waiting is `tokio::time::sleep_until` on
///   `tokio::time::Instant`, so under a paused clock
///   (`#[tokio::test(start_paused = true)]`) tests are exact and instant:
///   1,000 acquisitions at 100 per second with a burst of 1 take exactly
///   9.99 s. (governor and most rate-limit crates read the system clock,
///   so such tests have to really wait.)
///
/// Clones share the same limiter (one `Arc`); hand one to each task.
///
/// # Cost
///
/// An acquisition that does not wait reads tokio's clock once and does one
/// compare-and-swap (token bucket) or takes a short mutex (sliding window).
/// The clock read is most of it: `tokio::time::Instant::now()` is the
/// system clock when time is not paused (about 30 ns on the benchmark
/// machine), where governor reads the CPU's time-stamp counter through
/// quanta (a few ns), so governor admits 2–5× faster. That is the price
/// of a limiter that paused-clock tests can drive; it matters only at
/// millions of admissions per second.
///
/// # Timer resolution
///
/// tokio's timer wakes sleepers on millisecond ticks, so a waiter may run
/// up to about a millisecond late. With a burst of 1 that lateness is not
/// made up (the next token counts from the late acquisition, as in any
/// token bucket), so on a real clock a high rate paced with burst 1 comes
/// out a little slow; a burst of 2 or more absorbs it.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::semaphore::RateLimiter;
/// use tokio::time::Instant;
///
/// // 10 requests per second, up to 5 at once after a quiet spell.
/// let limiter = RateLimiter::per_second(10.0).unwrap().burst(5).unwrap();
/// let start = Instant::now();
/// for _ in 0..25 {
///     limiter.acquire().await;
/// }
/// // 5 at once, then the other 20 at 100 ms intervals.
/// assert_eq!(start.elapsed(), Duration::from_secs(2));
/// # }
/// ```
#[derive(Clone)]
pub struct RateLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    base: Instant,
    algorithm: Algorithm,
    /// The FIFO queue: the waiter holding its one permit is the head, and
    /// the only one sleeping on the timer.
    turnstile: tokio::sync::Semaphore,
    waiting: WaitCounter,
}

enum Algorithm {
    Bucket { gcra: Gcra, interval: u64, burst: u32 },
    Window(Window),
}

/// The longest span the limiter can count: `u64::MAX` nanoseconds, about
/// 584 years.
const MAX_SPAN: Duration = Duration::from_nanos(u64::MAX);

impl RateLimiter {
    /// A token bucket refilled at `rate` tokens per second, burst 1.
    ///
    /// One token's interval is `1 / rate` seconds, rounded to the
    /// nanosecond. Fractional rates are fine (`0.5` is one every two
    /// seconds). Change the burst with [`burst`](Self::burst).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::semaphore::RateLimiter;
    ///
    /// let limiter = RateLimiter::per_second(4.0).unwrap();
    /// let start = tokio::time::Instant::now();
    /// for _ in 0..5 {
    ///     limiter.acquire().await;
    /// }
    /// assert_eq!(start.elapsed(), Duration::from_secs(1));
    /// assert!(RateLimiter::per_second(0.0).is_err());
    /// assert!(RateLimiter::per_second(-1.0).is_err());
    /// assert!(RateLimiter::per_second(f64::INFINITY).is_err());
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`RateError::NotPositive`] for a zero, negative, NaN or infinite
    /// rate; [`RateError::OutOfRange`] if one interval would be under a
    /// nanosecond (rate above 10⁹) or over `u64::MAX` nanoseconds.
    pub fn per_second(rate: f64) -> Result<Self, RateError> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(RateError::NotPositive(rate));
        }
        let interval = (1e9 / rate).round();
        // `u64::MAX as f64` rounds up to 2^64, hence `<` rather than `<=`.
        if !(1.0..(u64::MAX as f64)).contains(&interval) {
            return Err(RateError::OutOfRange { got: rate, min: 1e9 / u64::MAX as f64, max: 1e9 });
        }
        Self::bucket(interval as u64, 1)
    }

    /// A token bucket refilled with one token every `interval`, burst 1.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::semaphore::RateLimiter;
    ///
    /// let limiter = RateLimiter::per(Duration::from_millis(250)).unwrap();
    /// limiter.acquire().await;
    /// let start = tokio::time::Instant::now();
    /// limiter.acquire().await;
    /// assert_eq!(start.elapsed(), Duration::from_millis(250));
    /// assert!(RateLimiter::per(Duration::ZERO).is_err());
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`RateError::ZeroPeriod`] for a zero interval;
    /// [`RateError::PeriodTooLong`] above `u64::MAX` nanoseconds.
    pub fn per(interval: Duration) -> Result<Self, RateError> {
        let nanos = nanos("interval", interval)?;
        Self::bucket(nanos, 1)
    }

    /// This token bucket with room for `burst` tokens: up to `burst`
    /// acquisitions may go at once after the limiter was idle, while the
    /// long-run rate is unchanged.
    ///
    /// Meant for building: it returns a new limiter with a full bucket, and
    /// clones of the old one (if you made any) keep the old one.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::RateLimiter;
    ///
    /// let limiter = RateLimiter::per_second(1.0).unwrap().burst(3).unwrap();
    /// assert_eq!(limiter.capacity(), 3);
    /// for _ in 0..3 {
    ///     limiter.try_acquire().unwrap();
    /// }
    /// assert!(limiter.try_acquire().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`RateError::Zero`] for a burst of 0; [`RateError::PeriodTooLong`]
    /// if `burst × interval` passes `u64::MAX` nanoseconds;
    /// [`RateError::BurstOnWindow`] on a sliding window, whose burst is its
    /// `max`.
    pub fn burst(self, burst: u32) -> Result<Self, RateError> {
        match &self.inner.algorithm {
            Algorithm::Bucket { interval, .. } => Self::bucket(*interval, burst),
            Algorithm::Window(window) => Err(RateError::BurstOnWindow { max: window.max() }),
        }
    }

    /// A sliding window: at most `max` acquisitions in any window
    /// `[t, t + period)`.
    ///
    /// An acquisition at time `t` leaves the window at `t + period`, so a
    /// full window frees a place exactly `period` after its oldest
    /// acquisition.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::semaphore::RateLimiter;
    /// use tokio::time::{Instant, sleep};
    ///
    /// let limiter = RateLimiter::sliding_window(3, Duration::from_secs(1)).unwrap();
    /// let start = Instant::now();
    /// limiter.acquire().await; // t = 0
    /// sleep(Duration::from_millis(400)).await;
    /// limiter.acquire().await; // t = 0.4
    /// limiter.acquire().await; // t = 0.4
    /// limiter.acquire().await; // the window is full until the first leaves
    /// assert_eq!(start.elapsed(), Duration::from_secs(1));
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`RateError::Zero`] for `max` 0; [`RateError::ZeroPeriod`] for a
    /// zero period; [`RateError::PeriodTooLong`] above `u64::MAX`
    /// nanoseconds.
    pub fn sliding_window(max: u32, period: Duration) -> Result<Self, RateError> {
        if max == 0 {
            return Err(RateError::Zero { what: "max" });
        }
        let period = nanos("period", period)?;
        Ok(Self::from_algorithm(Algorithm::Window(Window::new(max, period))))
    }

    fn bucket(interval: u64, burst: u32) -> Result<Self, RateError> {
        if burst == 0 {
            return Err(RateError::Zero { what: "burst" });
        }
        let gcra = Gcra::new(interval, burst).ok_or(RateError::PeriodTooLong {
            what: "burst × interval",
            got: Duration::from_nanos(interval).saturating_mul(burst),
            max: MAX_SPAN,
        })?;
        Ok(Self::from_algorithm(Algorithm::Bucket { gcra, interval, burst }))
    }

    fn from_algorithm(algorithm: Algorithm) -> Self {
        RateLimiter {
            inner: Arc::new(Inner {
                base: Instant::now(),
                algorithm,
                turnstile: tokio::sync::Semaphore::new(1),
                waiting: WaitCounter::new(),
            }),
        }
    }

    /// Waits for one token.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::semaphore::RateLimiter;
    ///
    /// let limiter = RateLimiter::per_second(50.0).unwrap();
    /// for _ in 0..3 {
    ///     limiter.acquire().await;
    ///     // send one request
    /// }
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in the queue. A
    /// cancelled wait consumes no token.
    ///
    /// # Panics
    ///
    /// If it has to wait outside a tokio runtime with the time driver
    /// enabled (tokio's timer panics).
    pub async fn acquire(&self) {
        self.acquire_raw(1).await;
    }

    /// Waits for `n` tokens at once.
    ///
    /// The request is served as one, in its turn: while it waits at the
    /// head of the queue, smaller requests behind it wait too. `n = 0`
    /// returns at once.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::semaphore::RateLimiter;
    ///
    /// // 1 MB/s of bandwidth, 100 KB at a time: tokens are kilobytes.
    /// let limiter = RateLimiter::per_second(1000.0).unwrap().burst(100).unwrap();
    /// let start = tokio::time::Instant::now();
    /// for _ in 0..11 {
    ///     limiter.acquire_many(100).await.unwrap();
    /// }
    /// // The first 100 KB at once (a full bucket), ten more at 100 ms each.
    /// assert_eq!(start.elapsed(), Duration::from_secs(1));
    /// assert!(limiter.acquire_many(101).await.is_err());
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in the queue. A
    /// cancelled wait consumes no token.
    ///
    /// # Panics
    ///
    /// If it has to wait outside a tokio runtime with the time driver
    /// enabled (tokio's timer panics).
    ///
    /// # Errors
    ///
    /// [`RateLimitError::ExceedsCapacity`] if `n` is above the
    /// [capacity](Self::capacity): such a request could never be served.
    pub async fn acquire_many(&self, n: u32) -> Result<(), RateLimitError> {
        self.check_capacity(n)?;
        self.acquire_raw(n).await;
        Ok(())
    }

    /// Takes one token if there is one now and nobody is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::semaphore::RateLimiter;
    ///
    /// let limiter = RateLimiter::per_second(2.0).unwrap();
    /// assert!(limiter.try_acquire().is_ok());
    /// let err = limiter.try_acquire().unwrap_err();
    /// assert_eq!(err.retry_after(), Some(Duration::from_millis(500))); // e.g. for an HTTP 429
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`RateLimitError::Limited`], with how long until a token comes, if
    /// there is none now or others are waiting first.
    #[inline]
    pub fn try_acquire(&self) -> Result<(), RateLimitError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` tokens if there are that many now and nobody is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::RateLimiter;
    ///
    /// let limiter = RateLimiter::per_second(1.0).unwrap().burst(5).unwrap();
    /// assert!(limiter.try_acquire_many(3).is_ok());
    /// assert!(limiter.try_acquire_many(3).is_err());
    /// assert!(limiter.try_acquire_many(2).is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`RateLimitError::ExceedsCapacity`] if `n` is above the
    /// [capacity](Self::capacity); [`RateLimitError::Limited`] if there are
    /// not enough tokens now or others are waiting first.
    #[inline]
    pub fn try_acquire_many(&self, n: u32) -> Result<(), RateLimitError> {
        self.check_capacity(n)?;
        let inner = &*self.inner;
        let now = inner.now();
        let taken = if inner.waiting.get() == 0 {
            inner.try_take(n, now)
        } else {
            // Others are first in line: do not take, only say how long.
            inner.peek(n, now).and(Err(now))
        };
        taken.map_err(|ready_at| RateLimitError::Limited {
            retry_after: Duration::from_nanos(ready_at.saturating_sub(now)),
        })
    }

    /// The most tokens one acquisition may take: the burst of a token
    /// bucket, the `max` of a sliding window.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskscope::semaphore::RateLimiter;
    ///
    /// assert_eq!(RateLimiter::per_second(5.0).unwrap().capacity(), 1);
    /// assert_eq!(RateLimiter::sliding_window(100, Duration::from_secs(60)).unwrap().capacity(), 100);
    /// ```
    #[inline]
    pub fn capacity(&self) -> u32 {
        match &self.inner.algorithm {
            Algorithm::Bucket { burst, .. } => *burst,
            Algorithm::Window(window) => window.max(),
        }
    }

    /// The refill interval of a token bucket (one token per interval), or
    /// the period of a sliding window.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskscope::semaphore::RateLimiter;
    ///
    /// assert_eq!(RateLimiter::per_second(4.0).unwrap().period(), Duration::from_millis(250));
    /// ```
    pub fn period(&self) -> Duration {
        match &self.inner.algorithm {
            Algorithm::Bucket { interval, .. } => Duration::from_nanos(*interval),
            Algorithm::Window(window) => Duration::from_nanos(window.period()),
        }
    }

    /// Tokens that could be taken right now, ignoring waiters.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::RateLimiter;
    ///
    /// let limiter = RateLimiter::per_second(1.0).unwrap().burst(4).unwrap();
    /// limiter.try_acquire().unwrap();
    /// assert_eq!(limiter.available(), 3);
    /// ```
    pub fn available(&self) -> u64 {
        let now = self.inner.now();
        match &self.inner.algorithm {
            Algorithm::Bucket { gcra, .. } => gcra.available(now),
            Algorithm::Window(window) => window.available(now),
        }
    }

    /// Tasks waiting in an acquire right now. A task counts from the moment
    /// its acquire found no token until it returns or is cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::semaphore::RateLimiter;
    ///
    /// let limiter = RateLimiter::per_second(1.0).unwrap();
    /// limiter.acquire().await;
    /// let waiter = tokio::spawn({
    ///     let limiter = limiter.clone();
    ///     async move { limiter.acquire().await }
    /// });
    /// tokio::task::yield_now().await;
    /// assert_eq!(limiter.waiting(), 1);
    /// waiter.await.unwrap();
    /// assert_eq!(limiter.waiting(), 0);
    /// # }
    /// ```
    pub fn waiting(&self) -> usize {
        self.inner.waiting.get()
    }

    #[inline]
    fn check_capacity(&self, n: u32) -> Result<(), RateLimitError> {
        let capacity = self.capacity();
        if n > capacity {
            return Err(RateLimitError::ExceedsCapacity { requested: n, capacity });
        }
        Ok(())
    }

    /// Waits for `n <= capacity` tokens.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in the queue.
    async fn acquire_raw(&self, n: u32) {
        let inner = &*self.inner;
        if n == 0 {
            return;
        }
        // Fast path: nobody in line, and the tokens are there. It spends
        // the task's cooperative budget (and yields first when that is
        // spent), so a loop of acquires that never wait still lets the
        // scheduler run other tasks.
        // The budget is spent before the tokens are taken, so a yield here
        // can never lose tokens.
        coop::consume_budget().await;
        if inner.waiting.get() == 0 && inner.try_take(n, inner.now()).is_ok() {
            return;
        }
        let _waiting = inner.waiting.enter();
        // Wait for our turn. The turnstile is never closed; the `Err` arm
        // cannot happen, and would only cost fairness.
        let _turn = inner.turnstile.acquire().await.ok();
        loop {
            match inner.try_take(n, inner.now()) {
                Ok(()) => return,
                Err(ready_at) => {
                    tokio::time::sleep_until(inner.base + Duration::from_nanos(ready_at)).await;
                }
            }
        }
    }
}

impl Inner {
    /// Nanoseconds since the limiter was made, on tokio's clock.
    #[inline]
    fn now(&self) -> u64 {
        let elapsed = Instant::now().saturating_duration_since(self.base);
        u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX)
    }

    #[inline]
    fn try_take(&self, n: u32, now: u64) -> Result<(), u64> {
        match &self.algorithm {
            Algorithm::Bucket { gcra, .. } => gcra.try_take(n, now),
            Algorithm::Window(window) => window.try_take(n, now),
        }
    }

    fn peek(&self, n: u32, now: u64) -> Result<(), u64> {
        match &self.algorithm {
            Algorithm::Bucket { gcra, .. } => gcra.peek(n, now),
            Algorithm::Window(window) => window.peek(n, now),
        }
    }
}

/// `duration` in nanoseconds, if it is above zero and fits in a `u64`.
fn nanos(what: &'static str, duration: Duration) -> Result<u64, RateError> {
    if duration.is_zero() {
        return Err(RateError::ZeroPeriod { what, got: duration });
    }
    u64::try_from(duration.as_nanos()).map_err(|_| RateError::PeriodTooLong {
        what,
        got: duration,
        max: MAX_SPAN,
    })
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.inner.algorithm {
            Algorithm::Bucket { .. } => "token bucket",
            Algorithm::Window(_) => "sliding window",
        };
        f.debug_struct("RateLimiter")
            .field("kind", &kind)
            .field("capacity", &self.capacity())
            .field("period", &self.period())
            .field("waiting", &self.waiting())
            .finish()
    }
}
