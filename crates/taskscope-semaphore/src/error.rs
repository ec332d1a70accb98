//! Errors of the semaphore crate: bad sizes, failed acquires, bad rates.

use std::fmt;
use std::time::Duration;

use crate::Borrower;

/// A permit count or limiter total that is out of range.
///
/// Returned by [`Semaphore::new`](crate::Semaphore::new),
/// [`Semaphore::bounded`](crate::Semaphore::bounded),
/// [`Limiter::new`](crate::Limiter::new) and
/// [`Limiter::set_total`](crate::Limiter::set_total). The message names the
/// value and the rule; [`value`](Self::value) gives the value back.
///
/// # Examples
///
/// ```
/// use taskscope::semaphore::Semaphore;
///
/// let err = Semaphore::bounded(0).unwrap_err();
/// assert_eq!(err.to_string(), "permits must be at least 1, got 0");
/// assert_eq!(err.value(), 0);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} must be {rule}, got {got}")]
pub struct CapacityError {
    what: &'static str,
    rule: Rule,
    got: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    AtLeast(usize),
    AtMost(usize),
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::AtLeast(n) => write!(f, "at least {n}"),
            Rule::AtMost(n) => write!(f, "at most {n}"),
        }
    }
}

impl CapacityError {
    pub(crate) fn at_least(what: &'static str, min: usize, got: usize) -> Self {
        CapacityError { what, rule: Rule::AtLeast(min), got }
    }

    pub(crate) fn at_most(what: &'static str, max: usize, got: usize) -> Self {
        CapacityError { what, rule: Rule::AtMost(max), got }
    }

    /// The value that was refused.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Limiter;
    ///
    /// assert_eq!(Limiter::new(0).unwrap_err().value(), 0);
    /// ```
    pub fn value(&self) -> usize {
        self.got
    }
}

/// [`Semaphore::add_permits`](crate::Semaphore::add_permits) would have
/// grown the semaphore past its bound.
///
/// A [bounded](crate::Semaphore::bounded) semaphore never holds more
/// permits than it was created with (asyncio's `BoundedSemaphore` raises
/// `ValueError` here; Go's `semaphore.Weighted` panics). An unbounded one
/// stops at [`Semaphore::MAX_PERMITS`](crate::Semaphore::MAX_PERMITS).
///
/// # Examples
///
/// ```
/// use taskscope::semaphore::Semaphore;
///
/// let sem = Semaphore::bounded(2).unwrap();
/// let err = sem.add_permits(1).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "cannot add 1 permits to a semaphore of capacity 2 that already holds 2"
/// );
/// assert_eq!((err.added(), err.held(), err.capacity()), (1, 2, 2));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot add {added} permits to a semaphore of capacity {capacity} that already holds {held}"
)]
pub struct AddPermitsError {
    added: usize,
    held: usize,
    capacity: usize,
}

impl AddPermitsError {
    pub(crate) fn new(added: usize, held: usize, capacity: usize) -> Self {
        AddPermitsError { added, held, capacity }
    }

    /// How many permits the call tried to add.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::bounded(1).unwrap();
    /// assert_eq!(sem.add_permits(3).unwrap_err().added(), 3);
    /// ```
    pub fn added(&self) -> usize {
        self.added
    }

    /// How many permits the semaphore held (available plus handed out) at
    /// the time.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::bounded(1).unwrap();
    /// assert_eq!(sem.add_permits(3).unwrap_err().held(), 1);
    /// ```
    pub fn held(&self) -> usize {
        self.held
    }

    /// The most permits the semaphore may hold.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::bounded(1).unwrap();
    /// assert_eq!(sem.add_permits(3).unwrap_err().capacity(), 1);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// Why [`Semaphore::acquire`](crate::Semaphore::acquire) and its siblings
/// returned no permit.
///
/// `Closed` can come from every acquire, `ExceedsCapacity` from the
/// weighted ones on a bounded semaphore, `TimedOut` only from
/// [`acquire_timeout`](crate::Semaphore::acquire_timeout).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::semaphore::{AcquireError, Semaphore};
///
/// let sem = Semaphore::bounded(10).unwrap();
/// let err = sem.acquire_many(12).await.unwrap_err();
/// assert!(matches!(err, AcquireError::ExceedsCapacity { requested: 12, capacity: 10, .. }));
/// assert_eq!(err.to_string(), "cannot acquire 12 permits from a semaphore of capacity 10");
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AcquireError {
    /// The semaphore was [closed](crate::Semaphore::close), before or while
    /// the caller waited.
    #[error("semaphore is closed")]
    Closed,
    /// More permits were requested than a bounded semaphore can ever hold,
    /// so waiting would never end.
    #[error("cannot acquire {requested} permits from a semaphore of capacity {capacity}")]
    #[non_exhaustive]
    ExceedsCapacity {
        /// Permits requested.
        requested: u32,
        /// The semaphore's capacity.
        capacity: usize,
    },
    /// No permit came within the timeout.
    #[error("no permit acquired within {timeout:?}")]
    #[non_exhaustive]
    TimedOut {
        /// The timeout that expired.
        timeout: Duration,
    },
}

impl AcquireError {
    /// Whether the semaphore was closed.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(1).unwrap();
    /// sem.close();
    /// assert!(sem.acquire().await.unwrap_err().is_closed());
    /// # }
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, AcquireError::Closed)
    }

    /// Whether the timeout of
    /// [`acquire_timeout`](crate::Semaphore::acquire_timeout) expired.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(0).unwrap();
    /// assert!(sem.acquire_timeout(Duration::from_secs(1)).await.unwrap_err().is_timeout());
    /// # }
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, AcquireError::TimedOut { .. })
    }
}

/// Why [`Semaphore::try_acquire`](crate::Semaphore::try_acquire) and its
/// siblings returned no permit.
///
/// # Examples
///
/// ```
/// use taskscope::semaphore::{Semaphore, TryAcquireError};
///
/// let sem = Semaphore::new(1).unwrap();
/// let _held = sem.try_acquire().unwrap();
/// let err = sem.try_acquire().unwrap_err();
/// assert!(matches!(err, TryAcquireError::NoPermits { requested: 1, available: 0, .. }));
/// assert_eq!(err.to_string(), "not enough permits: 1 requested, 0 available");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TryAcquireError {
    /// The semaphore was [closed](crate::Semaphore::close).
    #[error("semaphore is closed")]
    Closed,
    /// More permits were requested than a bounded semaphore can ever hold.
    #[error("cannot acquire {requested} permits from a semaphore of capacity {capacity}")]
    #[non_exhaustive]
    ExceedsCapacity {
        /// Permits requested.
        requested: u32,
        /// The semaphore's capacity.
        capacity: usize,
    },
    /// Not enough permits are free right now, or other tasks are waiting
    /// for them first (a `try_acquire` never jumps the queue).
    #[error("not enough permits: {requested} requested, {available} available")]
    #[non_exhaustive]
    NoPermits {
        /// Permits requested.
        requested: u32,
        /// Permits that were free at the time.
        available: usize,
    },
}

impl TryAcquireError {
    /// Whether the semaphore was closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(1).unwrap();
    /// sem.close();
    /// assert!(sem.try_acquire().unwrap_err().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TryAcquireError::Closed)
    }

    /// Whether the semaphore simply had no permits to spare.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(0).unwrap();
    /// assert!(sem.try_acquire().unwrap_err().is_no_permits());
    /// ```
    pub fn is_no_permits(&self) -> bool {
        matches!(self, TryAcquireError::NoPermits { .. })
    }
}

/// Two permits of different semaphores cannot be merged; the error gives
/// back the permit that was passed in.
///
/// # Examples
///
/// ```
/// use taskscope::semaphore::Semaphore;
///
/// let a = Semaphore::new(1).unwrap();
/// let b = Semaphore::new(1).unwrap();
/// let mut pa = a.try_acquire().unwrap();
/// let err = pa.merge(b.try_acquire().unwrap()).unwrap_err();
/// assert_eq!(err.to_string(), "cannot merge permits of different semaphores");
/// let pb = err.into_inner();
/// assert_eq!(pb.num_permits(), 1);
/// ```
#[derive(thiserror::Error)]
#[error("cannot merge permits of different semaphores")]
pub struct MergeError<P>(P);

impl<P> MergeError<P> {
    pub(crate) fn new(permit: P) -> Self {
        MergeError(permit)
    }

    /// Gives back the permit that could not be merged.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let a = Semaphore::new(1).unwrap();
    /// let b = Semaphore::new(2).unwrap();
    /// let mut pa = a.try_acquire_owned().unwrap();
    /// let pb = pa.merge(b.try_acquire_many_owned(2).unwrap()).unwrap_err().into_inner();
    /// assert_eq!(pb.num_permits(), 2);
    /// ```
    pub fn into_inner(self) -> P {
        self.0
    }
}

impl<P> fmt::Debug for MergeError<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MergeError").finish_non_exhaustive()
    }
}

/// A permit was asked to split off more permits than it holds.
///
/// # Examples
///
/// ```
/// use taskscope::semaphore::Semaphore;
///
/// let sem = Semaphore::new(3).unwrap();
/// let mut permit = sem.try_acquire_many(3).unwrap();
/// let err = permit.split(5).unwrap_err();
/// assert_eq!(err.to_string(), "cannot split 5 permits off a permit holding 3");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot split {requested} permits off a permit holding {held}")]
pub struct SplitError {
    requested: usize,
    held: usize,
}

impl SplitError {
    pub(crate) fn new(requested: usize, held: usize) -> Self {
        SplitError { requested, held }
    }
}

/// Why [`Limiter::acquire`](crate::Limiter::acquire) returned no token.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::semaphore::{BorrowError, Limiter};
///
/// let limiter = Limiter::new(2).unwrap();
/// let _token = limiter.acquire_on_behalf_of("db").await.unwrap();
/// let err = limiter.acquire_on_behalf_of("db").await.unwrap_err();
/// assert!(matches!(err, BorrowError::AlreadyBorrowing { .. }));
/// assert_eq!(
///     err.to_string(),
///     "borrower `db` already holds or awaits a token of this limiter"
/// );
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BorrowError {
    /// The borrower already holds a token of this limiter, or is already
    /// waiting for one. Trio raises `RuntimeError` here: a task that takes a
    /// second token of the same limiter is the classic self-deadlock.
    #[error("{borrower} already holds or awaits a token of this limiter")]
    #[non_exhaustive]
    AlreadyBorrowing {
        /// Who asked twice.
        borrower: Borrower,
    },
}

/// Why [`Limiter::try_acquire`](crate::Limiter::try_acquire) returned no
/// token.
///
/// # Examples
///
/// ```
/// use taskscope::semaphore::{Limiter, TryBorrowError};
///
/// let limiter = Limiter::new(1).unwrap();
/// let _token = limiter.try_acquire_on_behalf_of(1).unwrap();
/// let err = limiter.try_acquire_on_behalf_of(2).unwrap_err();
/// assert!(matches!(err, TryBorrowError::NoTokens { total: 1, borrowed: 1, .. }));
/// assert_eq!(err.to_string(), "no tokens available: 1 of 1 borrowed");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TryBorrowError {
    /// The borrower already holds or awaits a token of this limiter.
    #[error("{borrower} already holds or awaits a token of this limiter")]
    #[non_exhaustive]
    AlreadyBorrowing {
        /// Who asked twice.
        borrower: Borrower,
    },
    /// Every token is borrowed, or other tasks are waiting first.
    #[error("no tokens available: {borrowed} of {total} borrowed")]
    #[non_exhaustive]
    NoTokens {
        /// The limiter's total at the time.
        total: usize,
        /// Tokens borrowed at the time.
        borrowed: usize,
    },
}

/// A rate, interval, burst or window that a
/// [`RateLimiter`](crate::RateLimiter) cannot honour.
///
/// # Examples
///
/// ```
/// use taskscope::semaphore::RateLimiter;
///
/// let err = RateLimiter::per_second(f64::NAN).unwrap_err();
/// assert_eq!(err.to_string(), "rate must be a finite number above 0 per second, got NaN");
/// let err = RateLimiter::per_second(10.0).unwrap().burst(0).unwrap_err();
/// assert_eq!(err.to_string(), "burst must be at least 1, got 0");
/// ```
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RateError {
    /// The rate is zero, negative, NaN or infinite.
    #[error("rate must be a finite number above 0 per second, got {0}")]
    NotPositive(f64),
    /// The rate is so low or so high that one token's interval does not fit
    /// between 1 ns and `u64::MAX` ns.
    #[error("rate must be between {min:e} and {max:e} per second, got {got}")]
    #[non_exhaustive]
    OutOfRange {
        /// The rate given.
        got: f64,
        /// The lowest rate accepted.
        min: f64,
        /// The highest rate accepted.
        max: f64,
    },
    /// An interval or window period of zero.
    #[error("{what} must be above zero, got {got:?}")]
    #[non_exhaustive]
    ZeroPeriod {
        /// `interval` or `period`.
        what: &'static str,
        /// The duration given.
        got: Duration,
    },
    /// An interval or period too long to count in nanoseconds (`u64`).
    #[error("{what} must be at most {max:?}, got {got:?}")]
    #[non_exhaustive]
    PeriodTooLong {
        /// `interval`, `period`, or `burst × interval`.
        what: &'static str,
        /// The duration given.
        got: Duration,
        /// The longest duration accepted.
        max: Duration,
    },
    /// A burst or window maximum of zero.
    #[error("{what} must be at least 1, got 0")]
    #[non_exhaustive]
    Zero {
        /// `burst` or `max`.
        what: &'static str,
    },
    /// [`burst`](crate::RateLimiter::burst) called on a sliding window,
    /// whose burst is its maximum.
    #[error(
        "burst applies to a token bucket, not to a sliding window (its burst is its max, {max})"
    )]
    #[non_exhaustive]
    BurstOnWindow {
        /// The window's maximum.
        max: u32,
    },
}

/// Why a [`RateLimiter`](crate::RateLimiter) acquire returned without
/// tokens.
///
/// # Examples
///
/// ```
/// use taskscope::semaphore::{RateLimitError, RateLimiter};
///
/// let limiter = RateLimiter::per_second(100.0).unwrap().burst(10).unwrap();
/// let err = limiter.try_acquire_many(12).unwrap_err();
/// assert_eq!(err.to_string(), "cannot acquire 12 tokens at once from a rate limiter of capacity 10");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RateLimitError {
    /// More tokens at once than the burst (or window maximum): the request
    /// could never be served.
    #[error("cannot acquire {requested} tokens at once from a rate limiter of capacity {capacity}")]
    #[non_exhaustive]
    ExceedsCapacity {
        /// Tokens requested.
        requested: u32,
        /// The burst or window maximum.
        capacity: u32,
    },
    /// `try_acquire` only: no tokens right now.
    #[error("rate limited: retry after {retry_after:?}")]
    #[non_exhaustive]
    Limited {
        /// How long until the limiter could serve this request, not
        /// counting tasks already waiting (which go first): a lower bound,
        /// fit for an HTTP `Retry-After`.
        retry_after: Duration,
    },
}

impl RateLimitError {
    /// For [`Limited`](Self::Limited), how long until the request could be
    /// served (a lower bound); `None` otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::semaphore::RateLimiter;
    ///
    /// let limiter = RateLimiter::per_second(10.0).unwrap();
    /// limiter.try_acquire().unwrap();
    /// let err = limiter.try_acquire().unwrap_err();
    /// assert_eq!(err.retry_after(), Some(Duration::from_millis(100)));
    /// # }
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            RateLimitError::Limited { retry_after } => Some(*retry_after),
            RateLimitError::ExceedsCapacity { .. } => None,
        }
    }
}
