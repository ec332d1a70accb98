//! `TaskState`: what a node of a task-tree snapshot is doing.

use std::fmt;

/// What a task (or group) was doing when the snapshot was taken.
///
/// # Examples
///
/// ```
/// use taskscope::TaskState;
/// assert_eq!(TaskState::Waiting.to_string(), "waiting");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Being polled right now, on some worker thread.
    Running,
    /// Parked at an await point until something wakes it.
    Waiting,
    /// Its group was cancelled and it has not stopped yet (it may be in a
    /// grace period, or about to be dropped).
    Cancelling,
    /// Finished successfully (a group: joined with no error).
    Done,
    /// Finished with an error (a group: joined with errors).
    Failed,
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskState::Running => "running",
            TaskState::Waiting => "waiting",
            TaskState::Cancelling => "cancelling",
            TaskState::Done => "done",
            TaskState::Failed => "failed",
        })
    }
}
