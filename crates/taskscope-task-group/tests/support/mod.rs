//! Leak trackers shared by this crate's integration tests.
#![allow(dead_code, unreachable_pub)] // each test binary uses a different subset

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts the futures it wrapped that have not been dropped yet.
#[derive(Clone, Default)]
pub struct Tracker(Arc<AtomicUsize>);

struct Alive(Arc<AtomicUsize>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Tracker {
    pub fn track<F: Future>(&self, fut: F) -> impl Future<Output = F::Output> + use<F> {
        self.0.fetch_add(1, Ordering::SeqCst);
        let alive = Alive(self.0.clone());
        async move {
            let _alive = alive;
            fut.await
        }
    }

    #[track_caller]
    pub fn assert_all_done(&self) {
        assert_eq!(self.0.load(Ordering::SeqCst), 0, "tracked futures still alive");
    }
}

/// The same for local scopes. It holds an `Rc`, so a tracked future is
/// never `Send`: the local tests prove they accept such futures.
#[derive(Clone, Default)]
pub struct LocalTracker(Rc<Cell<usize>>);

struct LocalAlive(Rc<Cell<usize>>);

impl Drop for LocalAlive {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

impl LocalTracker {
    pub fn track<F: Future>(&self, fut: F) -> impl Future<Output = F::Output> + use<F> {
        self.0.set(self.0.get() + 1);
        let alive = LocalAlive(self.0.clone());
        async move {
            let _alive = alive;
            fut.await
        }
    }

    pub fn live(&self) -> usize {
        self.0.get()
    }

    #[track_caller]
    pub fn assert_all_done(&self) {
        assert_eq!(self.live(), 0, "tracked futures still alive");
    }
}
