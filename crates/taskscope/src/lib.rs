//! Structured concurrency for tokio.
#![forbid(unsafe_code)]

#[doc(inline)]
pub use taskscope_error_group as error_group;
#[doc(inline)]
pub use taskscope_task_group as task_group;

pub use taskscope_task_group::{
    BoxError, Builder, ErrorGroup, JoinError, Policy, Ready, SpawnError, Spawner, TaskError,
    TaskGroup, TaskHandle, TaskInfo, scope,
};
