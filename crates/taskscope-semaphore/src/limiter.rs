//! `Limiter`: Trio's `CapacityLimiter`, a semaphore whose size changes at
//! run time and whose tokens belong to borrowers.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::error::{BorrowError, CapacityError, TryBorrowError};
use crate::{Borrower, LimiterToken, Semaphore};

/// A capacity limiter (Trio's `CapacityLimiter`): at most `total` borrowers
/// at once, each holding one token, with a total you can change while it
/// runs.
///
/// Where a [`Semaphore`] counts permits, a limiter counts *borrowers*: the
/// tasks (or other things you name, see [`Borrower`]) that use a resource —
/// database connections, worker threads, open files. Two rules follow from
/// that, both taken from Trio:
///
/// * A borrower holds at most one token. Acquiring a second one while
///   holding (or awaiting) the first is an error
///   ([`BorrowError::AlreadyBorrowing`]) instead of the classic
///   self-deadlock of a task that takes a second slot of a full pool.
/// * [`set_total`](Self::set_total) resizes the limiter at run time:
///   raising it wakes waiters at once; lowering it takes back no token
///   already held — the limiter simply hands out no new ones until enough
///   have come back.
///
/// Waiters are served in FIFO order (the queue is tokio's semaphore), and
/// a cancelled waiter leaves no trace. [`borrowed`](Self::borrowed),
/// [`available`](Self::available), [`waiting`](Self::waiting) and
/// [`borrowers`](Self::borrowers) tell how it is used, for metrics or a
/// dashboard.
///
/// The limiter is cheap to clone (one `Arc`); clones share the tokens. Its
/// bookkeeping is under a mutex held for a few instructions and never
/// across an await: a limiter costs a little more than a `Semaphore` per
/// acquire, which is the price of knowing who holds what.
///
/// # Examples
///
/// At most three blocking jobs at once, resized at run time:
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::semaphore::Limiter;
///
/// let limiter = Limiter::new(3).unwrap();
/// let mut jobs = Vec::new();
/// for i in 0..10 {
///     let limiter = limiter.clone();
///     jobs.push(tokio::spawn(async move {
///         let _token = limiter.acquire().await.unwrap(); // this task is the borrower
///         tokio::task::spawn_blocking(move || i * 2).await.unwrap()
///     }));
/// }
/// limiter.set_total(5).unwrap(); // more room: waiters wake
/// let mut sum = 0;
/// for job in jobs {
///     sum += job.await.unwrap();
/// }
/// assert_eq!(sum, 90);
/// assert_eq!(limiter.borrowed(), 0);
/// # }
/// ```
#[derive(Clone)]
pub struct Limiter {
    inner: Arc<Inner>,
}

struct Inner {
    sem: tokio::sync::Semaphore,
    state: Mutex<State>,
}

/// Everything but the queue, under one mutex. The invariant, kept by every
/// change under the lock: the semaphore's permits in existence (free, set
/// aside for a waiter, or held as tokens) number `total + debt`.
struct State {
    total: usize,
    /// Tokens still out beyond a lowered total: the next `debt` tokens
    /// given back are dropped instead of returned to the semaphore.
    debt: usize,
    waiting: usize,
    /// Every borrower holding (`true`) or awaiting (`false`) a token.
    borrowers: HashMap<Borrower, bool>,
}

impl Limiter {
    /// The largest total a limiter accepts (tokio's semaphore limit).
    pub const MAX_TOTAL: usize = Semaphore::MAX_PERMITS;

    /// A limiter of `total` tokens.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Limiter;
    ///
    /// let limiter = Limiter::new(2).unwrap();
    /// assert_eq!((limiter.total(), limiter.available(), limiter.borrowed()), (2, 2, 0));
    /// assert_eq!(Limiter::new(0).unwrap_err().to_string(), "total must be at least 1, got 0");
    /// ```
    ///
    /// # Errors
    ///
    /// [`CapacityError`] if `total` is 0 (nobody could ever borrow) or above
    /// [`MAX_TOTAL`](Self::MAX_TOTAL).
    pub fn new(total: usize) -> Result<Self, CapacityError> {
        check_total(total)?;
        Ok(Limiter {
            inner: Arc::new(Inner {
                sem: tokio::sync::Semaphore::new(total),
                state: Mutex::new(State { total, debt: 0, waiting: 0, borrowers: HashMap::new() }),
            }),
        })
    }

    /// Waits for a token on behalf of the [current](Borrower::current) task
    /// (or thread, outside a task).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::semaphore::Limiter;
    ///
    /// let limiter = Limiter::new(1).unwrap();
    /// let token = limiter.acquire().await.unwrap();
    /// assert!(limiter.acquire().await.is_err()); // the same borrower, twice
    /// drop(token);
    /// assert!(limiter.acquire().await.is_ok());
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in the queue.
    ///
    /// # Errors
    ///
    /// [`BorrowError::AlreadyBorrowing`] if the current task already holds
    /// or awaits a token of this limiter.
    pub async fn acquire(&self) -> Result<LimiterToken, BorrowError> {
        self.acquire_on_behalf_of(Borrower::current()).await
    }

    /// Waits for a token on behalf of `borrower`: a number, a string, a
    /// task id or a [`Borrower`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::semaphore::Limiter;
    ///
    /// let limiter = Limiter::new(2).unwrap();
    /// let a = limiter.acquire_on_behalf_of("client a").await.unwrap();
    /// let b = limiter.acquire_on_behalf_of("client b").await.unwrap();
    /// assert_eq!(limiter.borrowed(), 2);
    /// assert_eq!(b.borrower().to_string(), "borrower `client b`");
    /// # drop(a);
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, but cancelling loses the place in the queue. The
    /// borrower may then ask again.
    ///
    /// # Errors
    ///
    /// [`BorrowError::AlreadyBorrowing`] if `borrower` already holds or
    /// awaits a token of this limiter.
    pub async fn acquire_on_behalf_of(
        &self,
        borrower: impl Into<Borrower>,
    ) -> Result<LimiterToken, BorrowError> {
        let borrower = borrower.into();
        {
            let mut state = self.lock();
            if state.borrowers.contains_key(&borrower) {
                return Err(BorrowError::AlreadyBorrowing { borrower });
            }
            if let Ok(permit) = self.inner.sem.try_acquire() {
                permit.forget();
                state.borrowers.insert(borrower.clone(), true);
                return Ok(LimiterToken::new(self.clone(), borrower));
            }
            state.borrowers.insert(borrower.clone(), false);
            state.waiting += 1;
        }
        let mut pending = Pending { limiter: self, borrower: &borrower, done: false };
        let acquired = self.inner.sem.acquire().await;
        let mut state = self.lock();
        state.waiting -= 1;
        pending.done = true;
        match acquired {
            Ok(permit) => permit.forget(),
            Err(_) => unreachable!("a limiter's semaphore is never closed"),
        }
        state.borrowers.insert(borrower.clone(), true);
        drop(state);
        drop(pending);
        Ok(LimiterToken::new(self.clone(), borrower))
    }

    /// Takes a token for the [current](Borrower::current) task if one is
    /// free and nobody is waiting (Trio's `acquire_nowait`).
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Limiter;
    ///
    /// let limiter = Limiter::new(1).unwrap();
    /// let token = limiter.try_acquire().unwrap();
    /// assert_eq!(limiter.available(), 0);
    /// # drop(token);
    /// ```
    ///
    /// # Errors
    ///
    /// [`TryBorrowError::AlreadyBorrowing`] if the current task already
    /// holds or awaits a token; [`TryBorrowError::NoTokens`] if none is free
    /// or others wait first.
    pub fn try_acquire(&self) -> Result<LimiterToken, TryBorrowError> {
        self.try_acquire_on_behalf_of(Borrower::current())
    }

    /// Takes a token for `borrower` if one is free and nobody is waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Limiter;
    ///
    /// let limiter = Limiter::new(1).unwrap();
    /// let token = limiter.try_acquire_on_behalf_of(1).unwrap();
    /// assert!(limiter.try_acquire_on_behalf_of(2).is_err());
    /// drop(token);
    /// assert!(limiter.try_acquire_on_behalf_of(2).is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`TryBorrowError::AlreadyBorrowing`] if `borrower` already holds or
    /// awaits a token; [`TryBorrowError::NoTokens`] if none is free or
    /// others wait first.
    pub fn try_acquire_on_behalf_of(
        &self,
        borrower: impl Into<Borrower>,
    ) -> Result<LimiterToken, TryBorrowError> {
        let borrower = borrower.into();
        let mut state = self.lock();
        if state.borrowers.contains_key(&borrower) {
            return Err(TryBorrowError::AlreadyBorrowing { borrower });
        }
        match self.inner.sem.try_acquire() {
            Ok(permit) => {
                permit.forget();
                state.borrowers.insert(borrower.clone(), true);
                drop(state);
                Ok(LimiterToken::new(self.clone(), borrower))
            }
            Err(_) => Err(TryBorrowError::NoTokens {
                total: state.total,
                borrowed: self.borrowed_locked(&state),
            }),
        }
    }

    /// Changes the number of tokens.
    ///
    /// Raising it hands the new tokens to waiters at once, in order.
    /// Lowering it takes back no token already held: if more are borrowed
    /// than the new total, the limiter hands out none until enough have
    /// been given back (Trio's rule).
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Limiter;
    ///
    /// let limiter = Limiter::new(3).unwrap();
    /// let a = limiter.try_acquire_on_behalf_of(1).unwrap();
    /// let b = limiter.try_acquire_on_behalf_of(2).unwrap();
    /// limiter.set_total(1).unwrap();
    /// assert_eq!((limiter.total(), limiter.borrowed(), limiter.available()), (1, 2, 0));
    /// drop(a);
    /// assert_eq!(limiter.available(), 0); // still one borrowed, of a total of one
    /// drop(b);
    /// assert_eq!(limiter.available(), 1);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CapacityError`] if `total` is 0 or above
    /// [`MAX_TOTAL`](Self::MAX_TOTAL); nothing changes then.
    pub fn set_total(&self, total: usize) -> Result<(), CapacityError> {
        check_total(total)?;
        let mut state = self.lock();
        if total > state.total {
            let raise = total - state.total;
            let forgiven = raise.min(state.debt);
            state.debt -= forgiven;
            self.inner.sem.add_permits(raise - forgiven);
        } else {
            let lower = state.total - total;
            let taken = self.inner.sem.forget_permits(lower);
            state.debt += lower - taken;
        }
        state.total = total;
        Ok(())
    }

    /// The number of tokens.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Limiter;
    ///
    /// let limiter = Limiter::new(4).unwrap();
    /// limiter.set_total(6).unwrap();
    /// assert_eq!(limiter.total(), 6);
    /// ```
    pub fn total(&self) -> usize {
        self.lock().total
    }

    /// Tokens borrowed right now; more than [`total`](Self::total) after the
    /// total was lowered below it. A waiter that was just handed a token
    /// counts as borrowing.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Limiter;
    ///
    /// let limiter = Limiter::new(4).unwrap();
    /// let _token = limiter.try_acquire().unwrap();
    /// assert_eq!(limiter.borrowed(), 1);
    /// ```
    pub fn borrowed(&self) -> usize {
        let state = self.lock();
        self.borrowed_locked(&state)
    }

    /// Tokens free right now: 0 while tasks wait, or while more are borrowed
    /// than the total.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Limiter;
    ///
    /// let limiter = Limiter::new(4).unwrap();
    /// let _token = limiter.try_acquire().unwrap();
    /// assert_eq!(limiter.available(), 3);
    /// ```
    pub fn available(&self) -> usize {
        self.inner.sem.available_permits()
    }

    /// Tasks waiting for a token right now. A task counts until its acquire
    /// returns or is cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::semaphore::Limiter;
    ///
    /// let limiter = Limiter::new(1).unwrap();
    /// let token = limiter.acquire().await.unwrap();
    /// let waiter = tokio::spawn({
    ///     let limiter = limiter.clone();
    ///     async move { limiter.acquire().await.map(drop) }
    /// });
    /// tokio::task::yield_now().await;
    /// assert_eq!(limiter.waiting(), 1);
    /// drop(token);
    /// waiter.await.unwrap().unwrap();
    /// assert_eq!(limiter.waiting(), 0);
    /// # }
    /// ```
    pub fn waiting(&self) -> usize {
        self.lock().waiting
    }

    /// The borrowers holding a token right now, in no particular order.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::{Borrower, Limiter};
    ///
    /// let limiter = Limiter::new(2).unwrap();
    /// let _token = limiter.try_acquire_on_behalf_of("a").unwrap();
    /// assert_eq!(limiter.borrowers(), vec![Borrower::from("a")]);
    /// ```
    pub fn borrowers(&self) -> Vec<Borrower> {
        let state = self.lock();
        state.borrowers.iter().filter(|&(_, &holding)| holding).map(|(b, _)| b.clone()).collect()
    }

    /// Gives back the token of `borrower`; called by the token's `Drop`.
    pub(crate) fn release(&self, borrower: &Borrower) {
        let mut state = self.lock();
        state.borrowers.remove(borrower);
        if state.debt > 0 {
            state.debt -= 1;
        } else {
            self.inner.sem.add_permits(1);
        }
    }

    fn borrowed_locked(&self, state: &State) -> usize {
        (state.total + state.debt).saturating_sub(self.inner.sem.available_permits())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics under this lock; a poisoned one is still coherent.
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn check_total(total: usize) -> Result<(), CapacityError> {
    if total == 0 {
        return Err(CapacityError::at_least("total", 1, 0));
    }
    if total > Limiter::MAX_TOTAL {
        return Err(CapacityError::at_most("total", Limiter::MAX_TOTAL, total));
    }
    Ok(())
}

/// Uncounts a waiter whose acquire was cancelled (its future dropped).
struct Pending<'a> {
    limiter: &'a Limiter,
    borrower: &'a Borrower,
    done: bool,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if !self.done {
            let mut state = self.limiter.lock();
            state.waiting -= 1;
            state.borrowers.remove(self.borrower);
        }
    }
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Limiter")
            .field("total", &state.total)
            .field("borrowed", &self.borrowed_locked(&state))
            .field("waiting", &state.waiting)
            .finish()
    }
}
