//! Error groups: every error of a task tree, in the order it happened.
//!
//! A task group can fail in more than one place at once. Go's `errgroup`
//! keeps only the first error and drops the rest; `try_join_all` does the
//! same. This crate holds the other answer, the one Python's
//! `ExceptionGroup` and Trio's `MultiError` gave: an [`ErrorGroup`] keeps
//! *every* error that occurred, in occurrence order, each as a
//! [`TaskError`] that names the task it came from with a [`TaskInfo`]
//! (name, tokio task id and path such as `crawler/fetch-17`).
//!
//! A nested group's errors stay nested ([`TaskError::Group`]), so the error
//! mirrors the task tree; [`ErrorGroup::iter_flat`] walks the leaves, and
//! [`ErrorGroup::split`] divides a group by a predicate the way Python's
//! `except*` does. The [`Display`](std::fmt::Display) impl prints the tree,
//! so a person sees at once which task failed with what.
//!
//! You normally meet these types through `taskscope`, whose scopes return
//! `Result<T, ErrorGroup<E>>`.
//!
//! # Examples
//!
//! ```
//! use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};
//!
//! let mut group = ErrorGroup::new(TaskInfo::new("crawler", "crawler"));
//! group.push(TaskError::failed(TaskInfo::new("fetch-17", "crawler/fetch-17"), "connection refused"));
//! group.push(TaskError::panicked(TaskInfo::new("parse", "crawler/parse"), "index out of bounds"));
//!
//! assert_eq!(group.len(), 2);
//! assert_eq!(group.first().map(|e| e.task().path()), Some("crawler/fetch-17"));
//! println!("{group}");
//! ```
#![forbid(unsafe_code)]

mod error_group;
mod foreign_errors;
mod iter;
mod task_error;
mod task_info;

pub use error_group::ErrorGroup;
pub use foreign_errors::ForeignErrors;
pub use iter::{IntoIter, Iter, IterFlat};
pub use task_error::TaskError;
pub use task_info::TaskInfo;
