//! `Elapsed`, the error of a timeout whose deadline passed first.

use std::io;

use tokio::time::Instant;

/// The deadline passed before the future finished.
///
/// Returned by [`timeout`](crate::timeout), [`timeout_at`](crate::timeout_at),
/// [`fail_after`](crate::fail_after) and [`Timeout::run`](crate::Timeout::run).
/// When timeouts nest, the `Elapsed` comes from the outermost one that
/// expired, and [`deadline`](Self::deadline) says which deadline that was.
///
/// Only this crate creates it (like tokio's `Elapsed`), so a caller can
/// trust that an `Elapsed` means a deadline fired. It converts into an
/// [`io::Error`] of kind [`TimedOut`](io::ErrorKind::TimedOut) for `?` in
/// I/O code.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::timeout::timeout;
/// use tokio::time::Instant;
///
/// let start = Instant::now();
/// let err = timeout(Duration::from_secs(1), std::future::pending::<()>()).await.unwrap_err();
/// assert_eq!(err.to_string(), "deadline has elapsed");
/// assert_eq!(err.deadline(), start + Duration::from_secs(1));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("deadline has elapsed")]
pub struct Elapsed {
    deadline: Instant,
}

impl Elapsed {
    pub(crate) fn new(deadline: Instant) -> Elapsed {
        Elapsed { deadline }
    }

    /// The deadline that fired: the outermost expired one when timeouts
    /// nest.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskscope::timeout::timeout_at;
    /// use tokio::time::Instant;
    ///
    /// let deadline = Instant::now() + Duration::from_millis(5);
    /// let outer = timeout_at(deadline, timeout_at(deadline, std::future::pending::<()>()));
    /// // Both deadlines fire together; the outer one reports.
    /// assert_eq!(outer.await.unwrap_err().deadline(), deadline);
    /// # }
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

impl From<Elapsed> for io::Error {
    fn from(elapsed: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, elapsed)
    }
}
