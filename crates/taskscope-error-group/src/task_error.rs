//! `TaskError`: one entry of an error group, the way one task failed.

use std::error::Error;
use std::fmt;
use std::time::Duration;

use crate::{ErrorGroup, ForeignErrors, TaskInfo};

/// How one task failed, with the [`TaskInfo`] of the task.
///
/// A task fails by returning `Err(e)` ([`Failed`](Self::Failed)), by
/// panicking when the group catches panics ([`Panicked`](Self::Panicked)),
/// by running past its group's deadline ([`TimedOut`](Self::TimedOut)), or,
/// when the task is itself a nested group, because the nested group failed
/// ([`Group`](Self::Group), which holds the nested [`ErrorGroup`]). A task
/// that was *cancelled* never produces a `TaskError`: cancellation is how a
/// group stops work it no longer needs, not a failure.
///
/// # Examples
///
/// ```
/// use taskscope::error_group::{TaskError, TaskInfo};
///
/// let err = TaskError::failed(TaskInfo::new("fetch", "crawler/fetch"), "timed out talking to db");
/// assert!(err.is_failed());
/// assert_eq!(err.as_failed(), Some(&"timed out talking to db"));
/// assert_eq!(err.to_string(), "crawler/fetch failed: timed out talking to db");
/// ```
#[non_exhaustive]
pub enum TaskError<E> {
    /// The task returned `Err(error)`.
    Failed {
        /// The task that failed.
        task: TaskInfo,
        /// The error it returned.
        error: E,
    },
    /// The task panicked and its group was built with `catch_panics`.
    Panicked {
        /// The task that panicked.
        task: TaskInfo,
        /// The panic message, when the payload was a string.
        message: String,
    },
    /// The group's deadline passed before the task finished.
    TimedOut {
        /// The group (or task) whose deadline passed.
        task: TaskInfo,
        /// The timeout that was exceeded.
        after: Duration,
    },
    /// The task was a nested group, and that group failed.
    Group {
        /// The nested group, as a task of its parent.
        task: TaskInfo,
        /// Every error of the nested group.
        errors: ErrorGroup<E>,
    },
    /// The task was a nested group with another error type, cancelled
    /// before anyone could convert its errors: they are kept whole, type
    /// erased (see [`ForeignErrors`]).
    Foreign {
        /// The nested group, as a task of its parent.
        task: TaskInfo,
        /// The nested group's errors.
        errors: ForeignErrors,
    },
}

impl<E> TaskError<E> {
    /// Builds a [`Failed`](Self::Failed) entry.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{TaskError, TaskInfo};
    /// let err = TaskError::failed(TaskInfo::new("a", "a"), 7);
    /// assert_eq!(err.into_failed(), Some(7));
    /// ```
    pub fn failed(task: TaskInfo, error: E) -> Self {
        TaskError::Failed { task, error }
    }

    /// Builds a [`Panicked`](Self::Panicked) entry.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{TaskError, TaskInfo};
    /// let err = TaskError::<&str>::panicked(TaskInfo::new("a", "a"), "oops");
    /// assert!(err.is_panic());
    /// assert_eq!(err.to_string(), "a panicked: oops");
    /// ```
    pub fn panicked(task: TaskInfo, message: impl Into<String>) -> Self {
        TaskError::Panicked { task, message: message.into() }
    }

    /// Builds a [`TimedOut`](Self::TimedOut) entry.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskscope::error_group::{TaskError, TaskInfo};
    /// let err = TaskError::<&str>::timed_out(TaskInfo::new("crawl", "crawl"), Duration::from_secs(30));
    /// assert!(err.is_timeout());
    /// assert_eq!(err.to_string(), "crawl timed out after 30s");
    /// ```
    pub fn timed_out(task: TaskInfo, after: Duration) -> Self {
        TaskError::TimedOut { task, after }
    }

    /// Builds a [`Group`](Self::Group) entry for a failed nested group.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};
    /// let mut inner = ErrorGroup::new(TaskInfo::new("sub", "root/sub"));
    /// inner.push(TaskError::failed(TaskInfo::new("x", "root/sub/x"), "boom"));
    /// let err = TaskError::group(TaskInfo::new("sub", "root/sub"), inner);
    /// assert!(err.is_group());
    /// ```
    pub fn group(task: TaskInfo, errors: ErrorGroup<E>) -> Self {
        TaskError::Group { task, errors }
    }

    /// The task this entry is about.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{TaskError, TaskInfo};
    /// let err = TaskError::failed(TaskInfo::new("a", "g/a"), ());
    /// assert_eq!(err.task().path(), "g/a");
    /// ```
    pub fn task(&self) -> &TaskInfo {
        match self {
            TaskError::Failed { task, .. }
            | TaskError::Panicked { task, .. }
            | TaskError::TimedOut { task, .. }
            | TaskError::Group { task, .. }
            | TaskError::Foreign { task, .. } => task,
        }
    }

    /// Whether the task returned an error.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{TaskError, TaskInfo};
    /// assert!(TaskError::failed(TaskInfo::new("a", "a"), ()).is_failed());
    /// ```
    pub fn is_failed(&self) -> bool {
        matches!(self, TaskError::Failed { .. })
    }

    /// Whether the task panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{TaskError, TaskInfo};
    /// assert!(TaskError::<()>::panicked(TaskInfo::new("a", "a"), "x").is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, TaskError::Panicked { .. })
    }

    /// Whether a deadline passed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskscope::error_group::{TaskError, TaskInfo};
    /// assert!(TaskError::<()>::timed_out(TaskInfo::new("a", "a"), Duration::ZERO).is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, TaskError::TimedOut { .. })
    }

    /// Whether this entry is a failed nested group.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};
    /// let err = TaskError::<()>::group(TaskInfo::new("a", "a"), ErrorGroup::new(TaskInfo::new("a", "a")));
    /// assert!(err.is_group());
    /// ```
    pub fn is_group(&self) -> bool {
        matches!(self, TaskError::Group { .. })
    }

    /// The error the task returned, if it returned one.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{TaskError, TaskInfo};
    /// let err = TaskError::failed(TaskInfo::new("a", "a"), "boom");
    /// assert_eq!(err.as_failed(), Some(&"boom"));
    /// ```
    pub fn as_failed(&self) -> Option<&E> {
        match self {
            TaskError::Failed { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Takes the error the task returned, if it returned one.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{TaskError, TaskInfo};
    /// let err = TaskError::failed(TaskInfo::new("a", "a"), String::from("boom"));
    /// assert_eq!(err.into_failed().as_deref(), Some("boom"));
    /// ```
    pub fn into_failed(self) -> Option<E> {
        match self {
            TaskError::Failed { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The nested group's errors, if this entry is a failed nested group.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};
    /// let err = TaskError::<()>::group(TaskInfo::new("a", "a"), ErrorGroup::new(TaskInfo::new("a", "a")));
    /// assert_eq!(err.as_group().map(ErrorGroup::len), Some(0));
    /// ```
    pub fn as_group(&self) -> Option<&ErrorGroup<E>> {
        match self {
            TaskError::Group { errors, .. } => Some(errors),
            _ => None,
        }
    }

    /// The panic message, if the task panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{TaskError, TaskInfo};
    /// let err = TaskError::<()>::panicked(TaskInfo::new("a", "a"), "oops");
    /// assert_eq!(err.panic_message(), Some("oops"));
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            TaskError::Panicked { message, .. } => Some(message),
            _ => None,
        }
    }

    /// Converts the error type, keeping the task information and the shape of
    /// nested groups.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{TaskError, TaskInfo};
    /// let err = TaskError::failed(TaskInfo::new("a", "a"), 7).map_err(|n| n * 2);
    /// assert_eq!(err.into_failed(), Some(14));
    /// ```
    pub fn map_err<F>(self, mut f: impl FnMut(E) -> F) -> TaskError<F> {
        self.map_err_mut(&mut f)
    }

    pub(crate) fn map_err_mut<F>(self, f: &mut dyn FnMut(E) -> F) -> TaskError<F> {
        match self {
            TaskError::Failed { task, error } => TaskError::Failed { task, error: f(error) },
            TaskError::Panicked { task, message } => TaskError::Panicked { task, message },
            TaskError::TimedOut { task, after } => TaskError::TimedOut { task, after },
            TaskError::Group { task, errors } => {
                TaskError::Group { task, errors: errors.map_err_mut(f) }
            }
            TaskError::Foreign { task, errors } => TaskError::Foreign { task, errors },
        }
    }

    /// Writes this entry's own line: `path failed: error`.
    pub(crate) fn fmt_head(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result
    where
        E: fmt::Display,
    {
        match self {
            TaskError::Failed { task, error } => write!(f, "{task} failed: {error}"),
            TaskError::Panicked { task, message } => write!(f, "{task} panicked: {message}"),
            TaskError::TimedOut { task, after } => write!(f, "{task} timed out after {after:?}"),
            TaskError::Group { task, errors } => {
                let n = errors.len();
                write!(
                    f,
                    "{task} failed: nested group had {n} error{}",
                    if n == 1 { "" } else { "s" }
                )
            }
            TaskError::Foreign { task, errors } => {
                let n = errors.len();
                write!(
                    f,
                    "{task} failed: nested group was cancelled with {n} error{} of type `{}`",
                    if n == 1 { "" } else { "s" },
                    errors.type_name()
                )
            }
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for TaskError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Failed { task, error } => {
                f.debug_struct("Failed").field("task", task).field("error", error).finish()
            }
            TaskError::Panicked { task, message } => {
                f.debug_struct("Panicked").field("task", task).field("message", message).finish()
            }
            TaskError::TimedOut { task, after } => {
                f.debug_struct("TimedOut").field("task", task).field("after", after).finish()
            }
            TaskError::Group { task, errors } => {
                f.debug_struct("Group").field("task", task).field("errors", errors).finish()
            }
            TaskError::Foreign { task, errors } => {
                f.debug_struct("Foreign").field("task", task).field("errors", errors).finish()
            }
        }
    }
}

/// One line for a leaf; a nested group prints its own tree below the line.
impl<E: fmt::Display> fmt::Display for TaskError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Group { errors, .. } => {
                self.fmt_head(f)?;
                errors.fmt_entries(f, "")
            }
            _ => self.fmt_head(f),
        }
    }
}

impl<E> Error for TaskError<E>
where
    E: Error + 'static,
{
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            TaskError::Failed { error, .. } => Some(error),
            TaskError::Group { errors, .. } => Some(errors),
            _ => None,
        }
    }
}
