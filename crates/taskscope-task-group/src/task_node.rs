//! `TaskNode`: one task or group in a task-tree snapshot.

use std::time::Duration;

use tokio::task::Id;

use crate::{TaskKind, TaskState};

/// One task or group in a [`TaskTree`](crate::TaskTree) snapshot.
///
/// The fields are a copy taken at one instant: they do not change as the
/// task runs on.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::{TaskGroup, TaskKind, TaskState};
///
/// let tg = TaskGroup::builder().name("svc").track_tasks(true).build::<()>();
/// tg.spawn_named("idle", std::future::pending::<Result<(), ()>>());
/// tokio::task::yield_now().await;
/// let tree = tg.snapshot();
/// let group = &tree.roots[0];
/// assert_eq!(group.kind, TaskKind::Group);
/// assert_eq!(group.children[0].path, "svc/idle");
/// assert_eq!(group.children[0].state, TaskState::Waiting);
/// assert_eq!(group.children[0].polls, Some(1));
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskNode {
    /// The task's name (`fetch-17`, `body`, or `task-<id>`).
    pub name: String,
    /// The task's path from its root group (`crawler/site-b/fetch-17`).
    pub path: String,
    /// The tokio task id, when known.
    pub id: Option<Id>,
    /// Group, body or task.
    pub kind: TaskKind,
    /// What it was doing.
    pub state: TaskState,
    /// Time since it was spawned (or the group created), on tokio's clock.
    pub age: Duration,
    /// How many times it was polled, when the group tracks its tasks.
    pub polls: Option<u64>,
    /// Its children, for a group: the body, then tasks in spawn order,
    /// then nested groups.
    pub children: Vec<TaskNode>,
    /// Live children this snapshot cannot describe because their group does
    /// not track tasks (see [`Builder::track_tasks`](crate::Builder::track_tasks)).
    pub untracked: usize,
}
