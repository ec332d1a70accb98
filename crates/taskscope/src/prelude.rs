//! The everyday names: `use taskscope::prelude::*;`.
//!
//! # Examples
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! use taskscope::prelude::*;
//!
//! let result: Result<(), ErrorGroup<std::io::Error>> = TaskGroup::builder()
//!     .policy(Policy::CollectAll)
//!     .scope(async |tg: Spawner<std::io::Error>| {
//!         tg.spawn(async { Ok(()) });
//!         Ok(())
//!     })
//!     .await;
//! assert!(result.is_ok());
//! # }
//! ```

pub use crate::{
    ErrorGroup, JoinError, Policy, Ready, ReturnWhen, SpawnError, Spawner, TaskError, TaskGroup,
    TaskHandle, as_completed, gather, gather_settled, map_concurrent, race, scope, scope_local,
    wait,
};
