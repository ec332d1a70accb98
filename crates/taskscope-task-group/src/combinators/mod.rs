//! Combinators built on task groups: [`gather`], [`gather_settled`],
//! [`race`], [`as_completed`], [`wait`], [`map_concurrent`], and
//! [`Spawner::spawn_blocking`](crate::Spawner::spawn_blocking).
//!
//! Each one is a task group underneath, with the group's rules: every
//! error kept and naming its input, panics treated as failures, and
//! nothing left running that nobody will await. The functions here
//! *spawn* their inputs as child tasks, so the inputs run in parallel on a
//! multi-thread runtime and must be `Send + 'static`; for futures that are
//! not, [`gather_local`](crate::gather_local) and
//! [`scope_local`](crate::scope_local()) poll them in place.

mod as_completed;
mod gather;
mod gather_settled;
mod indexed;
mod map_concurrent;
pub(crate) mod names;
mod race;
mod return_when;
mod spawn_blocking;
mod wait;

pub use as_completed::{AsCompleted, as_completed};
pub use gather::gather;
pub use gather_settled::gather_settled;
pub use map_concurrent::map_concurrent;
pub use race::race;
pub use return_when::ReturnWhen;
pub use wait::{Done, Wait, wait};
