//! `tasks()`: a snapshot of every tracked task group in the process.

use crate::TaskTree;
use crate::observe::root_snapshots;

/// A snapshot of every task group in the process that tracks its tasks
/// (groups built with [`track_tasks`](crate::Builder::track_tasks), and
/// every group under [`run`](crate::run())), as a forest of task trees.
///
/// This is Python 3.14's `python -m asyncio ps` for taskscope, on stable
/// Rust: print it from a signal handler or a debug endpoint to see what a
/// service is doing.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let tg = taskscope::TaskGroup::builder().name("jobs-7").track_tasks(true).build::<()>();
/// tg.spawn_named("sync", std::future::pending::<Result<(), ()>>());
/// let all = taskscope::tasks();
/// assert!(all.find("jobs-7/sync").is_some());
/// # }
/// ```
pub fn tasks() -> TaskTree {
    TaskTree::new(root_snapshots())
}
