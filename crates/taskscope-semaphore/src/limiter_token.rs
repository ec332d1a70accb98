//! `LimiterToken`: one borrowed token of a `Limiter`, given back on drop.

use std::fmt;

use crate::{Borrower, Limiter};

/// A token borrowed from a [`Limiter`] by one [`Borrower`]; dropping it
/// gives the token back (to the first waiter, if any, unless the limiter's
/// total was lowered below what is borrowed).
///
/// The token owns a handle to its limiter, so it is `'static` and may move
/// into another task; it still belongs to the borrower that acquired it,
/// who cannot acquire another until it is dropped.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::semaphore::Limiter;
///
/// let limiter = Limiter::new(1).unwrap();
/// let token = limiter.acquire_on_behalf_of(42).await.unwrap();
/// assert_eq!(token.borrower().to_string(), "borrower 42");
/// drop(token);
/// assert_eq!(limiter.available(), 1);
/// # }
/// ```
#[must_use = "the token is given back as soon as it is dropped"]
pub struct LimiterToken {
    limiter: Limiter,
    borrower: Borrower,
}

impl LimiterToken {
    pub(crate) fn new(limiter: Limiter, borrower: Borrower) -> Self {
        LimiterToken { limiter, borrower }
    }

    /// Who borrowed this token.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::{Borrower, Limiter};
    ///
    /// let limiter = Limiter::new(1).unwrap();
    /// let token = limiter.try_acquire_on_behalf_of("job").unwrap();
    /// assert_eq!(token.borrower(), &Borrower::from("job"));
    /// ```
    pub fn borrower(&self) -> &Borrower {
        &self.borrower
    }

    /// The limiter the token came from.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Limiter;
    ///
    /// let limiter = Limiter::new(2).unwrap();
    /// let token = limiter.try_acquire().unwrap();
    /// assert_eq!(token.limiter().borrowed(), 1);
    /// ```
    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }
}

impl Drop for LimiterToken {
    fn drop(&mut self) {
        self.limiter.release(&self.borrower);
    }
}

impl fmt::Debug for LimiterToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LimiterToken").field("borrower", &self.borrower).finish_non_exhaustive()
    }
}
