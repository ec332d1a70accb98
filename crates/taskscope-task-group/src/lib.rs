//! Structured task groups for tokio: scopes whose children never outlive
//! them, fail-fast cancellation, and every error kept.
//!
//! This crate is the core of [`taskscope`](https://docs.rs/taskscope); most
//! users reach it through the facade, whose crate docs explain the ideas.
//! In short:
//!
//! * [`scope`] runs a body with a [`Spawner`] and returns only when the
//!   body and every child are done.
//! * Under [`Policy::FailFast`] (the default) the first failure cancels the
//!   rest, and the scope returns an [`ErrorGroup`] with every error that
//!   happened, each naming its task.
//! * [`TaskGroup`] is the owned form, for structs; dropping it aborts its
//!   children.
//! * Children are cancelled by dropping their futures at their next await
//!   point (tokio's abort), or, with a [grace period](Builder::grace),
//!   first asked through the group's token.
//!
//! # Examples
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let total = taskscope::scope(async |tg| {
//!     let handles: Vec<_> = (1..=3u64).map(|n| tg.spawn(async move { Ok::<_, ()>(n * n) })).collect();
//!     let mut total = 0;
//!     for handle in handles {
//!         total += handle.await.unwrap();
//!     }
//!     Ok(total)
//! })
//! .await
//! .unwrap();
//! assert_eq!(total, 14);
//! # }
//! ```
//!
//! # Cost
//!
//! A child costs one tokio task, one counter increment, and one entry in a
//! mutex-guarded list of abort handles (compacted as children finish, so a
//! long-lived group stays at constant memory). Only the last child to
//! finish wakes the joiner. The `tracing` span of a child is only created
//! when a subscriber wants it. `cargo xtask bench` measures the whole
//! against `JoinSet` and bare `tokio::spawn`.
#![forbid(unsafe_code)]

mod builder;
mod child;
mod combinators;
mod driver;
mod error;
mod local;
mod observe;
mod policy;
mod ready;
#[cfg(not(loom))] // tokio leaves out `signal` under loom
mod run;
mod run_config;
mod run_outcome;
mod scope;
mod shared;
mod signal;
mod slots;
mod spawn;
mod spawner;
mod state;
mod task_group;
mod task_handle;
mod task_kind;
mod task_node;
mod task_state;
mod task_tree;
mod tasks;
#[cfg(feature = "trace-export")]
mod trace_export;

pub use builder::Builder;
pub use combinators::*;
pub use error::{BuildError, JoinError, SpawnError};
pub use local::*;
pub use policy::Policy;
pub use ready::Ready;
#[cfg(not(loom))]
pub use run::{run, run_with};
pub use run_config::RunConfig;
pub use run_outcome::RunOutcome;
pub use scope::scope;
pub use signal::Signal;
pub use spawner::Spawner;
pub use task_group::{BoxError, Join, TaskGroup};
pub use task_handle::TaskHandle;
pub use task_kind::TaskKind;
pub use task_node::TaskNode;
pub use task_state::TaskState;
pub use task_tree::TaskTree;
pub use tasks::tasks;
pub use taskscope_error_group::{ErrorGroup, TaskError, TaskInfo};
#[cfg(feature = "trace-export")]
pub use trace_export::{RecorderBusy, TraceRecorder};
