//! Local scopes: [`scope_local`] and [`gather_local`], the scope API for
//! futures that are not `Send` or not `'static`, polled inside the task
//! that awaits them (DESIGN rule 13).
//!
//! A [`scope`](crate::scope()) spawns each child as a tokio task, which
//! is what lets children run in parallel and what forces them to be
//! `Send + 'static`. A local scope keeps its children inside its own
//! future instead and polls them itself — only those that were woken — so
//! they may hold an `Rc` or
//! borrow from the caller's stack, at the price of sharing one thread.
//! The rules are the scope's: fail-fast by default, every error in an
//! [`ErrorGroup`](crate::ErrorGroup) naming its task, panics resumed
//! after the siblings are gone, cancellation by dropping.

mod child;
mod driver;
mod gather_local;
mod local_handle;
mod local_spawner;
mod run_queue;
mod scope_local;
mod state;

pub use gather_local::{GatherLocal, gather_local};
pub use local_handle::LocalHandle;
pub use local_spawner::LocalSpawner;
pub use scope_local::scope_local;
