//! The runtimes and the driver every task-group bench shares.

use std::future::Future;

use tokio::runtime::{Builder, Runtime};

/// A current-thread runtime and a two-worker multi-thread runtime, named
/// as the bench groups call them.
pub(crate) fn runtimes() -> [(&'static str, Runtime); 2] {
    let current = Builder::new_current_thread().enable_all().build().expect("runtime");
    let multi =
        Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    [("current_thread", current), ("multi_thread", multi)]
}

/// Runs `fut` inside a spawned task and waits for it.
pub(crate) fn run<F>(rt: &Runtime, fut: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    rt.block_on(async { tokio::spawn(fut).await.expect("bench task") });
}
