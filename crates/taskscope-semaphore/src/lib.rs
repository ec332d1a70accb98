//! taskscope semaphore: not built yet; this crate is a placeholder in the
//! workspace layout until its issue lands.
#![forbid(unsafe_code)]
