//! `OwnedPermit`: permits that own a handle to their `Semaphore`.

use std::fmt;
use std::mem;

use crate::Semaphore;
use crate::error::{MergeError, SplitError};

/// Permits taken from a [`Semaphore`] that keep a handle to it, so they are
/// `'static` and can move into a spawned task; dropping the permit gives
/// them back.
///
/// This is what a limited task group holds for each running child: the
/// permit goes into the child's task and is freed however the child ends
/// (returns, fails, panics or is aborted), because dropping the task's
/// future drops the permit.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::semaphore::Semaphore;
///
/// let sem = Semaphore::bounded(2).unwrap();
/// let mut tasks = Vec::new();
/// for _ in 0..4 {
///     let permit = sem.acquire_owned().await.unwrap();
///     tasks.push(tokio::spawn(async move {
///         let _permit = permit;
///         tokio::task::yield_now().await;
///     }));
/// }
/// for task in tasks {
///     task.await.unwrap();
/// }
/// assert_eq!(sem.available(), 2);
/// # }
/// ```
#[must_use = "permits are given back as soon as they are dropped"]
pub struct OwnedPermit {
    sem: Semaphore,
    permits: usize,
}

impl OwnedPermit {
    #[inline]
    pub(crate) fn new(sem: Semaphore, permits: usize) -> Self {
        OwnedPermit { sem, permits }
    }

    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(5).unwrap();
    /// assert_eq!(sem.try_acquire_many_owned(4).unwrap().num_permits(), 4);
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
    /// let permit = sem.try_acquire_owned().unwrap();
    /// assert_eq!(permit.semaphore().available(), 0);
    /// ```
    pub fn semaphore(&self) -> &Semaphore {
        &self.sem
    }

    /// Keeps the permits out for good; see [`Permit::forget`](crate::Permit::forget).
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::bounded(2).unwrap();
    /// sem.try_acquire_owned().unwrap().forget();
    /// assert_eq!(sem.available(), 1);
    /// sem.add_permits(1).unwrap();
    /// assert_eq!(sem.available(), 2);
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
    /// let sem = Semaphore::new(2).unwrap();
    /// let mut permit = sem.try_acquire_owned().unwrap();
    /// permit.merge(sem.clone().try_acquire_owned().unwrap()).unwrap();
    /// assert_eq!(permit.num_permits(), 2);
    /// ```
    ///
    /// # Errors
    ///
    /// [`MergeError`], holding `other` unchanged, if it comes from another
    /// semaphore.
    pub fn merge(&mut self, mut other: OwnedPermit) -> Result<(), MergeError<OwnedPermit>> {
        if !self.sem.same_as(&other.sem) {
            return Err(MergeError::new(other));
        }
        self.permits += mem::take(&mut other.permits);
        Ok(())
    }

    /// Splits `n` permits off into a new owned permit of the same
    /// semaphore.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Semaphore;
    ///
    /// let sem = Semaphore::new(3).unwrap();
    /// let mut permit = sem.try_acquire_many_owned(3).unwrap();
    /// let two = permit.split(2).unwrap();
    /// assert_eq!((permit.num_permits(), two.num_permits()), (1, 2));
    /// ```
    ///
    /// # Errors
    ///
    /// [`SplitError`] if `n` is more than this permit holds; nothing
    /// changes then.
    pub fn split(&mut self, n: usize) -> Result<OwnedPermit, SplitError> {
        if n > self.permits {
            return Err(SplitError::new(n, self.permits));
        }
        self.permits -= n;
        Ok(OwnedPermit { sem: self.sem.clone(), permits: n })
    }
}

impl Drop for OwnedPermit {
    #[inline]
    fn drop(&mut self) {
        if self.permits > 0 {
            self.sem.inner.sem.add_permits(self.permits);
        }
    }
}

impl fmt::Debug for OwnedPermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").field("permits", &self.permits).finish_non_exhaustive()
    }
}
