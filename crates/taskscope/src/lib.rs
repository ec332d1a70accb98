//! Structured concurrency for tokio: task groups whose children never
//! outlive them, where the first failure cancels the siblings and every
//! error comes back.
//!
//! # Why structured concurrency
//!
//! `tokio::spawn` starts a task that belongs to nobody. The code that
//! spawned it may return, fail or be cancelled, and the task runs on: it
//! holds connections, writes to closed channels, and when it fails, its
//! error goes into a `JoinHandle` that nobody awaits. Hand-written fixes
//! each get one part right: `join_all` waits for everything but cancels
//! nothing when one fails; `try_join_all` stops at the first error but
//! keeps only that one and does not run in parallel; a `JoinSet` aborts on
//! drop but hands you errors one at a time, keeps every finished output
//! until you ask for it, and leaves cancelling the siblings to you.
//!
//! taskscope makes the right thing the default, the way Python's
//! `asyncio.TaskGroup`, Trio's nurseries, Go's `errgroup` and Java's
//! `StructuredTaskScope` did. Its promise, in one sentence: **no task
//! outlives the scope that started it, no error is ever lost, and a
//! failure cancels exactly the work that depends on it.**
//!
//! # The task tree
//!
//! A [`scope`] runs a *body* and gives it a [`Spawner`]; everything the
//! body spawns is a *child* of the scope, and children may spawn siblings
//! or whole nested groups ([`Spawner::spawn_group`]). The program's tasks
//! thus form a tree, and every node has a path — `crawler/site-a/page-17` —
//! that appears in its `tracing` span and in its errors. The scope returns
//! only when its body and every child have finished; so, recursively,
//! when a scope returns, its whole subtree is gone.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! use std::time::Duration;
//!
//! async fn fetch(page: u32) -> Result<String, std::io::Error> {
//!     tokio::time::sleep(Duration::from_millis(10)).await;
//!     Ok(format!("page {page}"))
//! }
//!
//! let pages = taskscope::TaskGroup::builder()
//!     .name("crawler")
//!     .scope(async |tg| {
//!         let handles: Vec<_> =
//!             (1..=3).map(|p| tg.spawn_named(format!("fetch-{p}"), fetch(p))).collect();
//!         let mut pages = Vec::new();
//!         for handle in handles {
//!             pages.push(handle.await.expect("a failure would have cancelled the body"));
//!         }
//!         Ok(pages)
//!     })
//!     .await
//!     .unwrap();
//! assert_eq!(pages, ["page 1", "page 2", "page 3"]);
//! # }
//! ```
//!
//! # What a failing child does
//!
//! Under the default [`Policy::FailFast`], the first failure — a child
//! returning `Err`, a child panicking, or the body returning `Err` —
//! cancels every other child and the body. The scope waits until they have
//! stopped, then returns `Err(`[`ErrorGroup`]`)` holding **every** error
//! that occurred before the cancellation took effect, in the order they
//! occurred, each with the [`TaskInfo`] (name, id, path) of its task.
//! Children that were cancelled because of the failure are not errors.
//! Printing the group shows the tree:
//!
//! ```text
//! task group `crawler` failed with 2 errors:
//! ├─ crawler/fetch-17 failed: connection refused
//! └─ crawler/site-b failed: nested group had 1 error
//!    └─ crawler/site-b/parse panicked: index out of bounds
//! ```
//!
//! [`Policy::CollectAll`] lets every child finish and reports all errors;
//! [`Policy::FirstSuccess`] stops at the first child that succeeds. A
//! panic is resumed in the scope's caller after every child is joined
//! (like `std::thread::scope`), unless the group was built with
//! [`catch_panics`](Builder::catch_panics).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! use std::time::Duration;
//! use tokio::time::{Instant, sleep};
//!
//! let start = Instant::now();
//! let err = taskscope::scope(async |tg| {
//!     tg.spawn_named("slow", async {
//!         sleep(Duration::from_secs(3600)).await;
//!         Ok(())
//!     });
//!     tg.spawn_named("bad", async {
//!         sleep(Duration::from_secs(1)).await;
//!         Err::<(), _>("disk full")
//!     });
//!     Ok(())
//! })
//! .await
//! .unwrap_err();
//! assert_eq!(start.elapsed(), Duration::from_secs(1)); // `slow` did not hold the scope up
//! assert_eq!(err.to_string(), "task group failed with 1 error:\n└─ bad failed: disk full");
//! # }
//! ```
//!
//! # How cancellation flows
//!
//! Cancelling a task means dropping its future at its next `.await` — what
//! `JoinHandle::abort` does — so its `Drop` cleanup runs but no more of its
//! code does. Cancellation flows *down* the tree: a group that fails,
//! times out, is [cancelled](Spawner::cancel), or whose own future is
//! dropped (by an outer timeout, an outer failing group, a `select!`)
//! cancels its body and its children, and nested groups cancel theirs and
//! wait for them before they report back, so no grandchild outlives its
//! group.
//!
//! Some children need to say goodbye: flush a buffer, close a connection
//! politely. Give the group a [grace period](Builder::grace): on
//! cancellation it first cancels its [`token`](Spawner::token), which such
//! children watch, and aborts what is still running only when the grace
//! period is over. Children that never look at the token pay nothing for
//! it.
//!
//! # The cancel-safety rule
//!
//! Everything in taskscope that returns a future documents what dropping
//! that future loses, in a `# Cancel safety` section, in tokio's words.
//! The rule across the crate: dropping a future never leaves a task
//! running unowned, never loses an error that has already happened, and
//! never loses an item or a permit that was not handed to you.
//!
//! # Modules
//!
//! * [`task_group`]: scopes, owned groups, handles and policies; its main
//!   items are also at the crate root.
//! * [`error_group`]: [`ErrorGroup`], [`TaskError`], [`TaskInfo`].
//! * `timeout`, `semaphore`, `queue`: deadlines and cancel scopes, limits,
//!   and work queues with `join` (each behind the feature of that name,
//!   all on by default).
//! * [`guide`]: moving from `join_all`, `try_join_all`, `JoinSet` and
//!   `select!` to scopes, with before-and-after code.
//! * [`prelude`]: `use taskscope::prelude::*;` for the everyday names.
//!
//! # Examples
//!
//! Runnable programs in `crates/taskscope/examples/`, each with a header
//! saying what it teaches (`cargo run --example NAME`; `-- --help` or the
//! header lists the flags):
//!
//! * `crawl` (run it with `--release`): the flagship, a web crawler on a
//!   generated loopback site — a group with a limit and a deadline, a rate
//!   limiter, retries, a queue of links, a progress bar, Ctrl-C through
//!   [`run_with`], and the error tree of what failed.
//! * `timeout_decorator`: wrap any async function in a deadline; nested
//!   deadlines, `current_deadline`, `move_on_after`.
//! * `rate_monitor`: an async guard that reports operations per second
//!   while its block runs, its reporter a child that cannot outlive it.
//! * `pipeline`: three stages joined by bounded queues, with back-pressure,
//!   `join`, `shutdown`, and one bad item failing the whole pipeline.
//! * `sync_vs_async`: 50 HTTP requests one after another, one thread each,
//!   and one task each in a group, timed side by side.
//! * `race_condition`: a lost update across `.await`s on one thread, and
//!   its fix with an async lock.
//! * `graceful_server`: a TCP echo server whose connections live in an
//!   owned [`TaskGroup`] and drain, with a grace period, on SIGTERM.
//! * `fail_fast`: one failing download cancels its siblings; the error
//!   tree says who failed.
#![forbid(unsafe_code)]

#[doc(inline)]
pub use taskscope_error_group as error_group;
#[cfg(feature = "queue")]
#[doc(inline)]
pub use taskscope_queue as queue;
#[cfg(feature = "semaphore")]
#[doc(inline)]
pub use taskscope_semaphore as semaphore;
#[doc(inline)]
pub use taskscope_task_group as task_group;
#[cfg(feature = "timeout")]
#[doc(inline)]
pub use taskscope_timeout as timeout;

pub mod guide;
pub mod prelude;

pub use taskscope_task_group::{
    AsCompleted, GatherLocal, LocalHandle, LocalSpawner, ReturnWhen, Wait, as_completed, gather,
    gather_local, gather_settled, map_concurrent, race, scope_local, wait,
};
pub use taskscope_task_group::{
    BoxError, BuildError, Builder, ErrorGroup, Join, JoinError, Policy, Ready, RunConfig,
    RunOutcome, Signal, SpawnError, Spawner, TaskError, TaskGroup, TaskHandle, TaskInfo, TaskKind,
    TaskNode, TaskState, TaskTree, scope, tasks,
};
#[cfg(feature = "trace-export")]
pub use taskscope_task_group::{RecorderBusy, TraceRecorder};
#[cfg(not(loom))] // tokio leaves out `signal` under loom
pub use taskscope_task_group::{run, run_with};
