//! The crate's own atomics, switched to loom's under `--cfg loom` (tokio's
//! layout), so `tests/loom_*.rs` can model-check them.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU64, AtomicUsize};
pub(crate) use std::sync::atomic::Ordering;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicU64, AtomicUsize};
