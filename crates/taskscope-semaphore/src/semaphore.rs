//! `Semaphore`: tokio's fair semaphore, with bounds, capacity checks, a
//! waiter count and cheap clones.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::coop;

use crate::error::{AcquireError, AddPermitsError, CapacityError, TryAcquireError};
use crate::total::Total;
use crate::wait_counter::WaitCounter;
use crate::{OwnedPermit, Permit};

/// A fair counting semaphore: at most N permits out at once, handed to
/// waiters in the order they asked.
///
/// This is tokio's [`Semaphore`](tokio::sync::Semaphore) — the same FIFO
/// queue, the same cost — with what asyncio, Go and Trio users expect on
/// top:
///
/// * a [bounded](Self::bounded) form that refuses to grow past its size
///   ([`add_permits`](Self::add_permits) returns an error, where asyncio's
///   `BoundedSemaphore` raises and Go panics);
/// * a weighted [`acquire_many`](Self::acquire_many) larger than a bounded
///   semaphore's capacity fails at once instead of waiting forever;
/// * [`waiting`](Self::waiting), the number of tasks in the queue, kept
///   exact through cancellation;
/// * [`acquire_timeout`](Self::acquire_timeout) on tokio's clock;
/// * cheap [`Clone`] (one `Arc`), so you share it without wrapping it, and
///   [owned permits](OwnedPermit) that move into spawned tasks.
///
/// Dropping a [`Permit`] gives its permits back; dropping the last clone of
/// the semaphore while permits are out is fine (owned permits keep it
/// alive).
///
/// # Fairness
///
/// Permits go to waiters strictly in arrival order. A weighted request at
/// the head of the queue blocks smaller ones behind it until it is served
/// (no barging: otherwise a stream of small requests could starve a large
/// one forever, which is what Go's `semaphore.Weighted` also prevents).
/// `try_acquire` never takes a permit while others wait. A waiter that is
/// cancelled leaves the queue and gives back whatever permits it had
/// partly been assigned, so it blocks nobody.
///
/// # Comparison with tokio's `Semaphore`
///
/// Same queue, same cost uncontended; under contention a waiter also
/// counts itself in and out of [`waiting`](Self::waiting), two atomic
/// additions, within 10% of tokio in the crate's benchmarks. Errors instead of panics for bad sizes
/// ([`MAX_PERMITS`](Self::MAX_PERMITS), `bounded(0)`), permit merging
/// across semaphores or splitting too much; a waiter count; and `Clone`
/// instead of `Arc<Semaphore>` plus `acquire_owned(self: Arc<Self>)`.
///
/// # Examples
///
/// At most two downloads at a time:
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::semaphore::Semaphore;
///
/// let sem = Semaphore::bounded(2).unwrap();
/// let mut handles = Vec::new();
/// for i in 0..6 {
///     let sem = sem.clone();
///     handles.push(tokio::spawn(async move {
///         let _permit = sem.acquire().await.unwrap();
///         tokio::time::sleep(Duration::from_secs(1)).await; // the download
///         i
///     }));
/// }
/// let start = tokio::time::Instant::now();
/// for handle in handles {
///     handle.await.unwrap();
/// }
/// // Six one-second downloads, two at a time.
/// assert_eq!(start.elapsed(), Duration::from_secs(3));
/// # }
/// ```
#[derive(Clone)]
pub struct Semaphore {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) sem: tokio::sync::Semaphore,
    pub(crate) total: Total,
    bounded: bool,
    waiting: WaitCounter,
}

impl Semaphore {
    /// The most permits a semaphore can hold: tokio's limit,
    /// `usize::MAX >> 3`.
    pub const MAX_PERMITS: usize = tokio::sync::Semaphore::MAX_PERMITS;

    /// An unbounded semaphore starting with `permits` permits.
    ///
    /// *Unbounded* means [`add_permits`](Self::add_permits) may grow it
    /// (up to [`MAX_PERMITS`](Self::MAX_PERMITS)), like asyncio's
    /// `Semaphore` and tokio's. Zero permits is allowed: the semaphore
    /// then works as a signal, each `add_permits(1)` letting one waiter
    /// through.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(0).unwrap();
    /// assert!(sem.try_acquire().is_err());
    /// sem.add_permits(1).unwrap();
    /// assert!(sem.try_acquire().is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CapacityError`] if `permits` is above
    /// [`MAX_PERMITS`](Self::MAX_PERMITS).
    pub fn new(permits: usize) -> Result<Self, CapacityError> {
        Self::build(permits, false)
    }

    /// A bounded semaphore of `permits` permits: it starts full and can
    /// never hold more.
    ///
    /// Use this one to limit concurrency: an extra `add_permits` is then a
    /// bug that shows as an error rather than one more task running than
    /// you meant (asyncio's `BoundedSemaphore`). Its capacity is fixed, so
    /// [`acquire_many`](Self::acquire_many) of more than `permits` is an
    /// immediate error instead of a hang.
    ///
    /// `bounded(0)` is an error: such a semaphore could never hand out a
    /// permit. (For a semaphore used as a signal, starting at zero, use
    /// [`new`](Self::new).)
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::bounded(3).unwrap();
    /// assert_eq!((sem.available(), sem.capacity()), (3, 3));
    /// assert!(sem.add_permits(1).is_err());
    /// assert_eq!(Semaphore::bounded(0).unwrap_err().to_string(), "permits must be at least 1, got 0");
    /// ```
    ///
    /// # Errors
    ///
    /// [`CapacityError`] if `permits` is 0 or above
    /// [`MAX_PERMITS`](Self::MAX_PERMITS).
    pub fn bounded(permits: usize) -> Result<Self, CapacityError> {
        if permits == 0 {
            return Err(CapacityError::at_least("permits", 1, 0));
        }
        Self::build(permits, true)
    }

    fn build(permits: usize, bounded: bool) -> Result<Self, CapacityError> {
        if permits > Self::MAX_PERMITS {
            return Err(CapacityError::at_most("permits", Self::MAX_PERMITS, permits));
        }
        let limit = if bounded { permits } else { Self::MAX_PERMITS };
        Ok(Semaphore {
            inner: Arc::new(Inner {
                sem: tokio::sync::Semaphore::new(permits),
                total: Total::new(permits, limit),
                bounded,
                waiting: WaitCounter::new(),
            }),
        })
    }

    /// Waits for one permit.
    ///
    /// Returns at once if a permit is free and nobody is waiting; otherwise
    /// joins the back of the queue.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(1).unwrap();
    /// let permit = sem.acquire().await.unwrap();
    /// assert_eq!(sem.available(), 0);
    /// drop(permit);
    /// assert_eq!(sem.available(), 1);
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in the queue.
    ///
    /// # Errors
    ///
    /// [`AcquireError::Closed`] if the semaphore is or gets
    /// [closed](Self::close).
    pub async fn acquire(&self) -> Result<Permit<'_>, AcquireError> {
        self.acquire_raw(1).await?;
        Ok(Permit::new(self, 1))
    }

    /// Waits for `n` permits at once.
    ///
    /// The request waits in the queue as one: while it is at the head,
    /// permits that come free are set aside for it and smaller requests
    /// behind it wait (no barging, see [Fairness](Self#fairness)). `n = 0`
    /// returns an empty permit at once.
    ///
    /// On a bounded semaphore, `n` above its [capacity](Self::capacity) is
    /// an immediate error. On an unbounded one the request waits until
    /// enough permits have been [added](Self::add_permits), which may be
    /// never: meanwhile it blocks every request behind it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::bounded(10).unwrap();
    /// let permit = sem.acquire_many(4).await.unwrap();
    /// assert_eq!(permit.num_permits(), 4);
    /// assert_eq!(sem.available(), 6);
    /// assert!(sem.acquire_many(11).await.unwrap_err().to_string().contains("capacity 10"));
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in the queue. Permits
    /// already set aside for the request go back (to the next waiter).
    ///
    /// # Errors
    ///
    /// [`AcquireError::ExceedsCapacity`] if the semaphore is bounded and
    /// `n` is above its capacity; [`AcquireError::Closed`] if it is or gets
    /// closed.
    pub async fn acquire_many(&self, n: u32) -> Result<Permit<'_>, AcquireError> {
        self.acquire_raw(n).await?;
        Ok(Permit::new(self, n as usize))
    }

    /// Waits for one permit that owns a handle to the semaphore, so it can
    /// move into a spawned task (tokio's `acquire_owned`, without needing
    /// an `Arc`).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::bounded(1).unwrap();
    /// let permit = sem.acquire_owned().await.unwrap();
    /// let task = tokio::spawn(async move {
    ///     let _permit = permit; // held for the task's whole life
    /// });
    /// task.await.unwrap();
    /// assert_eq!(sem.available(), 1);
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in the queue.
    ///
    /// # Errors
    ///
    /// [`AcquireError::Closed`] if the semaphore is or gets closed.
    pub async fn acquire_owned(&self) -> Result<OwnedPermit, AcquireError> {
        self.acquire_raw(1).await?;
        Ok(OwnedPermit::new(self.clone(), 1))
    }

    /// Waits for `n` permits at once, as an [`OwnedPermit`]; see
    /// [`acquire_many`](Self::acquire_many).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::bounded(4).unwrap();
    /// let permit = sem.acquire_many_owned(3).await.unwrap();
    /// assert_eq!((permit.num_permits(), sem.available()), (3, 1));
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in the queue.
    ///
    /// # Errors
    ///
    /// [`AcquireError::ExceedsCapacity`] if the semaphore is bounded and
    /// `n` is above its capacity; [`AcquireError::Closed`] if it is or gets
    /// closed.
    pub async fn acquire_many_owned(&self, n: u32) -> Result<OwnedPermit, AcquireError> {
        self.acquire_raw(n).await?;
        Ok(OwnedPermit::new(self.clone(), n as usize))
    }

    /// Waits for one permit, at most `timeout` on tokio's clock.
    ///
    /// A permit that is free at once is returned even with a zero timeout
    /// (the acquire is tried before the clock, tokio's rule). For weighted
    /// or owned acquires, wrap them in `tokio::time::timeout` or
    /// `taskscope::timeout::timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(1).unwrap();
    /// let _held = sem.acquire().await.unwrap();
    /// let start = tokio::time::Instant::now();
    /// let err = sem.acquire_timeout(Duration::from_millis(250)).await.unwrap_err();
    /// assert!(err.is_timeout());
    /// assert_eq!(start.elapsed(), Duration::from_millis(250));
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in the queue.
    ///
    /// # Panics
    ///
    /// If it has to wait outside a tokio runtime with the time driver
    /// enabled (tokio's timer panics).
    ///
    /// # Errors
    ///
    /// [`AcquireError::TimedOut`] when the timeout expires first;
    /// [`AcquireError::Closed`] if the semaphore is or gets closed.
    pub async fn acquire_timeout(&self, timeout: Duration) -> Result<Permit<'_>, AcquireError> {
        match tokio::time::timeout(timeout, self.acquire()).await {
            Ok(result) => result,
            Err(_) => Err(AcquireError::TimedOut { timeout }),
        }
    }

    /// Takes one permit if one is free and nobody is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(1).unwrap();
    /// let permit = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().unwrap_err().is_no_permits());
    /// drop(permit);
    /// assert!(sem.try_acquire().is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] if no permit is free (or others
    /// wait first); [`TryAcquireError::Closed`] if the semaphore is closed.
    #[inline]
    pub fn try_acquire(&self) -> Result<Permit<'_>, TryAcquireError> {
        self.try_acquire_raw(1)?;
        Ok(Permit::new(self, 1))
    }

    /// Takes `n` permits if they are free and nobody is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::bounded(3).unwrap();
    /// let permit = sem.try_acquire_many(2).unwrap();
    /// assert!(sem.try_acquire_many(2).is_err());
    /// assert!(sem.try_acquire_many(4).unwrap_err().to_string().contains("capacity 3"));
    /// # drop(permit);
    /// ```
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::ExceedsCapacity`] if the semaphore is bounded and
    /// `n` is above its capacity; [`TryAcquireError::NoPermits`] if not
    /// enough are free (or others wait first); [`TryAcquireError::Closed`]
    /// if the semaphore is closed.
    pub fn try_acquire_many(&self, n: u32) -> Result<Permit<'_>, TryAcquireError> {
        self.try_acquire_raw(n)?;
        Ok(Permit::new(self, n as usize))
    }

    /// Takes one permit as an [`OwnedPermit`] if one is free and nobody is
    /// waiting (Go's `TryGo` building block).
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::bounded(1).unwrap();
    /// let permit = sem.try_acquire_owned().unwrap();
    /// assert!(sem.try_acquire_owned().is_err());
    /// drop(permit);
    /// ```
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] if no permit is free (or others
    /// wait first); [`TryAcquireError::Closed`] if the semaphore is closed.
    #[inline]
    pub fn try_acquire_owned(&self) -> Result<OwnedPermit, TryAcquireError> {
        self.try_acquire_raw(1)?;
        Ok(OwnedPermit::new(self.clone(), 1))
    }

    /// Takes `n` permits as an [`OwnedPermit`] if they are free and nobody
    /// is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::bounded(3).unwrap();
    /// let permit = sem.try_acquire_many_owned(3).unwrap();
    /// assert_eq!(sem.available(), 0);
    /// # drop(permit);
    /// ```
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::ExceedsCapacity`] if the semaphore is bounded and
    /// `n` is above its capacity; [`TryAcquireError::NoPermits`] if not
    /// enough are free (or others wait first); [`TryAcquireError::Closed`]
    /// if the semaphore is closed.
    pub fn try_acquire_many_owned(&self, n: u32) -> Result<OwnedPermit, TryAcquireError> {
        self.try_acquire_raw(n)?;
        Ok(OwnedPermit::new(self.clone(), n as usize))
    }

    /// Adds `n` permits, waking waiters in order (asyncio's `release()`,
    /// Go's `Release`, tokio's `add_permits`).
    ///
    /// Permits you hold go back by dropping them; this is for growing the
    /// semaphore, or for giving back permits you
    /// [forgot](Permit::forget). A bounded semaphore refuses to hold more
    /// than its capacity: on a fresh `bounded(n)` every `add_permits` is an
    /// error, which is the point (an accidental extra release is a bug).
    /// Adding to a closed semaphore is allowed and has no visible effect.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::bounded(2).unwrap();
    /// sem.try_acquire().unwrap().forget(); // handed out for good
    /// assert_eq!(sem.available(), 1);
    /// sem.add_permits(1).unwrap(); // back to two
    /// assert!(sem.add_permits(1).is_err()); // a third would pass the bound
    /// ```
    ///
    /// # Errors
    ///
    /// [`AddPermitsError`] if the semaphore would then hold more than its
    /// capacity (bounded) or than [`MAX_PERMITS`](Self::MAX_PERMITS); the
    /// semaphore is left unchanged.
    #[doc(alias = "release")]
    pub fn add_permits(&self, n: usize) -> Result<(), AddPermitsError> {
        let total = &self.inner.total;
        total.try_add(n).map_err(|held| AddPermitsError::new(n, held, total.limit()))?;
        self.inner.sem.add_permits(n);
        Ok(())
    }

    /// Closes the semaphore: every waiter wakes with
    /// [`AcquireError::Closed`], and every later acquire fails the same way.
    ///
    /// Permits already out stay valid and may be dropped as usual.
    /// Closing twice is harmless.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(0).unwrap();
    /// let waiter = tokio::spawn({
    ///     let sem = sem.clone();
    ///     async move { sem.acquire().await.map(drop) }
    /// });
    /// tokio::task::yield_now().await;
    /// sem.close();
    /// assert!(waiter.await.unwrap().unwrap_err().is_closed());
    /// assert!(sem.is_closed());
    /// # }
    /// ```
    pub fn close(&self) {
        self.inner.sem.close();
    }

    /// Whether [`close`](Self::close) was called.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(1).unwrap();
    /// assert!(!sem.is_closed());
    /// sem.close();
    /// assert!(sem.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.sem.is_closed()
    }

    /// Permits free right now. While tasks wait this is 0: freed permits
    /// go straight to the head of the queue.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(2).unwrap();
    /// let _p = sem.try_acquire().unwrap();
    /// assert_eq!(sem.available(), 1);
    /// ```
    #[inline]
    pub fn available(&self) -> usize {
        self.inner.sem.available_permits()
    }

    /// Tasks waiting in an acquire right now.
    ///
    /// A task counts from the moment its acquire finds no permit until the
    /// acquire returns, fails, or is cancelled (its future dropped), so the
    /// count never leaks. A waiter that was just handed its permit still
    /// counts until it runs again.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(0).unwrap();
    /// let waiter = tokio::spawn({
    ///     let sem = sem.clone();
    ///     async move { drop(sem.acquire().await) }
    /// });
    /// tokio::task::yield_now().await;
    /// assert_eq!(sem.waiting(), 1);
    /// waiter.abort();
    /// let _ = waiter.await;
    /// assert_eq!(sem.waiting(), 0);
    /// # }
    /// ```
    pub fn waiting(&self) -> usize {
        self.inner.waiting.get()
    }

    /// The most permits the semaphore can hand out at once.
    ///
    /// For a bounded semaphore, its bound. For an unbounded one, the
    /// permits it holds in all right now (free plus handed out), which
    /// [`add_permits`](Self::add_permits) raises and
    /// [`forget`](Permit::forget) lowers.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(2).unwrap();
    /// let _p = sem.try_acquire().unwrap();
    /// sem.add_permits(3).unwrap();
    /// assert_eq!((sem.available(), sem.capacity()), (4, 5));
    /// ```
    pub fn capacity(&self) -> usize {
        if self.inner.bounded { self.inner.total.limit() } else { self.inner.total.get() }
    }

    /// Whether this semaphore was made with [`bounded`](Self::bounded).
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// assert!(Semaphore::bounded(1).unwrap().is_bounded());
    /// assert!(!Semaphore::new(1).unwrap().is_bounded());
    /// ```
    pub fn is_bounded(&self) -> bool {
        self.inner.bounded
    }

    #[inline]
    fn check_capacity(&self, n: u32) -> Result<(), (u32, usize)> {
        let capacity =
            if self.inner.bounded { self.inner.total.limit() } else { Self::MAX_PERMITS };
        if n as usize > capacity { Err((n, capacity)) } else { Ok(()) }
    }

    /// Acquires `n` tokio permits and forgets them; the caller wraps them.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in the queue.
    async fn acquire_raw(&self, n: u32) -> Result<(), AcquireError> {
        self.check_capacity(n).map_err(|(requested, capacity)| AcquireError::ExceedsCapacity {
            requested,
            capacity,
        })?;
        // Fast path: one compare-and-swap, no waiter to build. Like tokio's
        // own acquire it spends the task's cooperative budget (and yields
        // first when that is spent), so a loop of acquires that never wait
        // still lets the scheduler run other tasks.
        loop {
            if coop::has_budget_remaining() {
                match self.inner.sem.try_acquire_many(n) {
                    Ok(permit) => {
                        // Budget remains, so this does not yield; if it
                        // did and were cancelled, the permit would go back.
                        coop::consume_budget().await;
                        permit.forget();
                        return Ok(());
                    }
                    Err(tokio::sync::TryAcquireError::Closed) => return Err(AcquireError::Closed),
                    // Not enough free permits, so (tokio hands freed
                    // permits to waiters first) maybe others waiting.
                    Err(tokio::sync::TryAcquireError::NoPermits) => break,
                }
            }
            coop::consume_budget().await;
        }
        self.acquire_queued(n).await
    }

    /// The slow path: waits in tokio's queue, counted in `waiting`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in the queue.
    async fn acquire_queued(&self, n: u32) -> Result<(), AcquireError> {
        let mut acquire = pin!(self.inner.sem.acquire_many(n));
        // Counted as a waiter once a poll found no permit. The guard lives
        // in this future: dropping the future (cancellation) uncounts it.
        let mut waiting = None;
        let result = poll_fn(|cx| {
            let poll = acquire.as_mut().poll(cx);
            if poll.is_pending() && waiting.is_none() {
                waiting = Some(self.inner.waiting.enter());
            }
            poll
        })
        .await;
        drop(waiting);
        match result {
            Ok(permit) => {
                permit.forget();
                Ok(())
            }
            Err(_) => Err(AcquireError::Closed),
        }
    }

    #[inline]
    fn try_acquire_raw(&self, n: u32) -> Result<(), TryAcquireError> {
        self.check_capacity(n).map_err(|(requested, capacity)| {
            TryAcquireError::ExceedsCapacity { requested, capacity }
        })?;
        match self.inner.sem.try_acquire_many(n) {
            Ok(permit) => {
                permit.forget();
                Ok(())
            }
            Err(tokio::sync::TryAcquireError::Closed) => Err(TryAcquireError::Closed),
            Err(tokio::sync::TryAcquireError::NoPermits) => {
                Err(TryAcquireError::NoPermits { requested: n, available: self.available() })
            }
        }
    }

    pub(crate) fn same_as(&self, other: &Semaphore) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.available())
            .field("capacity", &self.capacity())
            .field("waiting", &self.waiting())
            .field("bounded", &self.is_bounded())
            .field("closed", &self.is_closed())
            .finish()
    }
}
