//! Spawning the child made from input `index` of a combinator, named
//! `<combinator>-<index>` in its errors without paying for the name when
//! nothing else will show it.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt as _;
use taskscope_error_group::{TaskError, TaskInfo};

use crate::child::{Exit, IntoExit};
use crate::combinators::names;
use crate::shared::Shared;
use crate::spawn::{Kind, Room};
use crate::{Spawner, TaskHandle};

/// How a combinator's child ended, as its handle sees it: with its value,
/// or with its failure (error or panic) already recorded by the group
/// under the input's name.
pub(crate) enum Indexed<T> {
    Value(T),
    Recorded,
}

impl<T, E> IntoExit<E> for Indexed<T> {
    type Value = T;

    fn into_exit(self) -> Exit<T, E> {
        match self {
            Indexed::Value(value) => Exit::Value(value),
            // Recorded already: the group must not count it twice. The
            // handle (the combinator's own) learns only that it is gone.
            Indexed::Recorded => Exit::Cancelled,
        }
    }
}

impl<E: Send + 'static> Spawner<E> {
    /// Spawns `fut`, made from input `index` of the combinator `prefix`:
    /// its error or panic names it `prefix-index`. The name itself is only
    /// built when a `tracing` span or a task snapshot could show it (or
    /// when the child fails), which keeps a formatted string and an `Arc`
    /// off the path of every child.
    #[track_caller]
    pub(crate) fn spawn_indexed<F, T>(
        &self,
        prefix: &'static str,
        index: usize,
        fut: F,
    ) -> TaskHandle<T>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
    {
        let name = self.shown_name(prefix, index);
        let shared = self.shared.clone();
        let child = async move {
            match AssertUnwindSafe(fut).catch_unwind().await {
                Ok(Ok(value)) => Indexed::Value(value),
                Ok(Err(error)) => {
                    shared.fail(TaskError::failed(info(&shared, prefix, index), error));
                    Indexed::Recorded
                }
                Err(payload) => {
                    shared.panicked(info(&shared, prefix, index), payload);
                    Indexed::Recorded
                }
            }
        };
        match self.spawn_child(child, name.clone(), Kind::Task, Room::Queue) {
            Ok(handle) => handle,
            Err(_) => self.refused(name),
        }
    }
}

impl<E: Send + 'static> Spawner<E> {
    /// `prefix-index`, if a `tracing` span or a task snapshot could show
    /// it; errors build it themselves when they happen.
    pub(crate) fn shown_name(&self, prefix: &str, index: usize) -> Option<Arc<str>> {
        let shown = self.shared.config.track
            || tracing::span_enabled!(target: "taskscope", tracing::Level::DEBUG);
        shown.then(|| names::indexed(prefix, index))
    }

    /// Spawns a child whose outcome is its value (it never fails the
    /// group), named as [`shown_name`](Self::shown_name) says.
    #[track_caller]
    pub(crate) fn spawn_settling<F, V>(&self, prefix: &str, index: usize, fut: F) -> TaskHandle<V>
    where
        F: Future<Output = Result<V, E>> + Send + 'static,
        V: Send + 'static,
    {
        let name = self.shown_name(prefix, index);
        match self.spawn_child(fut, name.clone(), Kind::Task, Room::Queue) {
            Ok(handle) => handle,
            Err(_) => self.refused(name),
        }
    }
}

/// The child's entry in errors: `prefix-index` under the group's path,
/// with the id of the task it runs in.
pub(crate) fn info<E>(shared: &Arc<Shared<E>>, prefix: &str, index: usize) -> TaskInfo {
    shared.child_info(Some(&names::indexed(prefix, index)), tokio::task::try_id())
}
