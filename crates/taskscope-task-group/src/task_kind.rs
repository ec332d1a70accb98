//! `TaskKind`: whether a node of a task-tree snapshot is a group, a body or a task.

/// What kind of node a [`TaskNode`](crate::TaskNode) is.
///
/// # Examples
///
/// ```
/// use taskscope::TaskKind;
/// assert_ne!(TaskKind::Group, TaskKind::Task);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskKind {
    /// A task group (a scope, an owned group, or a nested group).
    Group,
    /// The body of a scope, polled inside the scope's own future.
    Body,
    /// A child task.
    Task,
}
