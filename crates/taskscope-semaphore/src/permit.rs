//! `Permit`: permits borrowed from a `Semaphore`, given back on drop.

use std::fmt;
use std::mem;

use crate::Semaphore;
use crate::error::{MergeError, SplitError};

/// Permits taken from a [`Semaphore`], borrowing it; dropping the permit
/// gives them back (to the first waiter, if any).
///
/// Use [`OwnedPermit`](crate::OwnedPermit) when the permit must outlive the
/// borrow, typically to move it into a spawned task.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::semaphore::Semaphore;
///
/// let sem = Semaphore::new(3).unwrap();
/// {
///     let permit = sem.acquire_many(2).await.unwrap();
///     assert_eq!((permit.num_permits(), sem.available()), (2, 1));
/// } // dropped: given back
/// assert_eq!(sem.available(), 3);
/// # }
/// ```
#[must_use = "permits are given back as soon as they are dropped"]
pub struct Permit<'a> {
    sem: &'a Semaphore,
    permits: usize,
}

impl<'a> Permit<'a> {
    #[inline]
    pub(crate) fn new(sem: &'a Semaphore, permits: usize) -> Self {
        Permit { sem, permits }
    }

    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(5).unwrap();
    /// assert_eq!(sem.try_acquire_many(4).unwrap().num_permits(), 4);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits came from.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(1).unwrap();
    /// let permit = sem.try_acquire().unwrap();
    /// assert_eq!(permit.semaphore().available(), 0);
    /// ```
    pub fn semaphore(&self) -> &'a Semaphore {
        self.sem
    }

    /// Keeps the permits out for good: the semaphore shrinks by this many
    /// (its [capacity](Semaphore::capacity), if unbounded), until someone
    /// calls [`add_permits`](Semaphore::add_permits). A bounded semaphore
    /// then accepts `add_permits` again up to its bound.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(2).unwrap();
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!((sem.available(), sem.capacity()), (1, 1));
    /// ```
    pub fn forget(mut self) {
        let permits = mem::take(&mut self.permits);
        self.sem.inner.total.remove(permits);
    }

    /// Takes over the permits of `other`, which must come from the same
    /// semaphore (or a clone of it).
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(3).unwrap();
    /// let mut permit = sem.try_acquire().unwrap();
    /// permit.merge(sem.try_acquire_many(2).unwrap()).unwrap();
    /// assert_eq!(permit.num_permits(), 3);
    /// ```
    ///
    /// # Errors
    ///
    /// [`MergeError`], holding `other` unchanged, if it comes from another
    /// semaphore (tokio panics here).
    pub fn merge(&mut self, mut other: Permit<'a>) -> Result<(), MergeError<Permit<'a>>> {
        if !self.sem.same_as(other.sem) {
            return Err(MergeError::new(other));
        }
        self.permits += mem::take(&mut other.permits);
        Ok(())
    }

    /// Splits `n` permits off into a new permit of the same semaphore.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(3).unwrap();
    /// let mut permit = sem.try_acquire_many(3).unwrap();
    /// let one = permit.split(1).unwrap();
    /// drop(one);
    /// assert_eq!((permit.num_permits(), sem.available()), (2, 1));
    /// ```
    ///
    /// # Errors
    ///
    /// [`SplitError`] if `n` is more than this permit holds; nothing
    /// changes then.
    pub fn split(&mut self, n: usize) -> Result<Permit<'a>, SplitError> {
        if n > self.permits {
            return Err(SplitError::new(n, self.permits));
        }
        self.permits -= n;
        Ok(Permit { sem: self.sem, permits: n })
    }
}

impl Drop for Permit<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.permits > 0 {
            self.sem.inner.sem.add_permits(self.permits);
        }
    }
}

impl fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").field("permits", &self.permits).finish_non_exhaustive()
    }
}
