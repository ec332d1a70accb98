//! Structured concurrency for tokio.
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

pub use taskscope_task_group::{
    BoxError, Builder, ErrorGroup, JoinError, Policy, Ready, SpawnError, Spawner, TaskError,
    TaskGroup, TaskHandle, TaskInfo, scope,
};
