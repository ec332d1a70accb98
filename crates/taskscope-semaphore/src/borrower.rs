//! `Borrower`: who holds a `Limiter` token.

use std::fmt;
use std::sync::Arc;
use std::thread::{self, ThreadId};

use tokio::task;

/// Who borrows a token from a [`Limiter`](crate::Limiter): a borrower may
/// hold one token of a limiter at a time.
///
/// By default ([`Limiter::acquire`](crate::Limiter::acquire)) the borrower
/// is [the current one](Self::current): the tokio task that polls the
/// acquire, or, outside any task (the future given to `block_on` or
/// `#[tokio::main]`), the current thread. For work that is not one task
/// per borrower — a worker pool acting for clients, a thread started for a
/// request — name the borrower yourself with
/// [`acquire_on_behalf_of`](crate::Limiter::acquire_on_behalf_of) and a
/// number, a string or a task id (Trio accepts any hashable object).
///
/// # Examples
///
/// ```
/// use taskscope::semaphore::Borrower;
///
/// assert_eq!(Borrower::from(7), Borrower::key(7));
/// assert_eq!(Borrower::from("db").to_string(), "borrower `db`");
/// assert_ne!(Borrower::from(7), Borrower::from("7"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Borrower(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    Task(task::Id),
    Thread(ThreadId),
    Key(u64),
    Name(Arc<str>),
}

impl Borrower {
    /// The current tokio task, or the current thread outside a task.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use taskscope::semaphore::Borrower;
    ///
    /// let outside = Borrower::current(); // the `block_on` future: this thread
    /// let inside = tokio::spawn(async { Borrower::current() }).await.unwrap();
    /// assert_ne!(outside, inside);
    /// assert!(inside.to_string().starts_with("task "));
    /// # }
    /// ```
    pub fn current() -> Self {
        match task::try_id() {
            Some(id) => Borrower(Repr::Task(id)),
            None => Borrower(Repr::Thread(thread::current().id())),
        }
    }

    /// A borrower named by a number.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Borrower;
    ///
    /// assert_eq!(Borrower::key(3).to_string(), "borrower 3");
    /// ```
    pub fn key(key: u64) -> Self {
        Borrower(Repr::Key(key))
    }

    /// A borrower named by a string.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::semaphore::Borrower;
    ///
    /// assert_eq!(Borrower::named("cache").to_string(), "borrower `cache`");
    /// ```
    pub fn named(name: impl Into<Arc<str>>) -> Self {
        Borrower(Repr::Name(name.into()))
    }
}

impl From<u64> for Borrower {
    fn from(key: u64) -> Self {
        Borrower::key(key)
    }
}

impl From<&str> for Borrower {
    fn from(name: &str) -> Self {
        Borrower::named(name)
    }
}

impl From<String> for Borrower {
    fn from(name: String) -> Self {
        Borrower::named(name)
    }
}

impl From<Arc<str>> for Borrower {
    fn from(name: Arc<str>) -> Self {
        Borrower::named(name)
    }
}

impl From<task::Id> for Borrower {
    fn from(id: task::Id) -> Self {
        Borrower(Repr::Task(id))
    }
}

impl fmt::Display for Borrower {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Task(id) => write!(f, "task {id}"),
            Repr::Thread(id) => write!(f, "thread {id:?}"),
            Repr::Key(key) => write!(f, "borrower {key}"),
            Repr::Name(name) => write!(f, "borrower `{name}`"),
        }
    }
}

impl fmt::Debug for Borrower {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Borrower({self})")
    }
}
