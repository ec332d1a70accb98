//! How a child is started: counted in, queued behind the group's limit if
//! there is one, labelled, given its span and inherited deadline, spawned,
//! and registered so that a cancel can reach it.

use std::future::Future;
use std::sync::Arc;

use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::child::{Child, ChildOutput, Guard, IntoExit};
use crate::observe::{ChildMeta, Label, Tracked};
use crate::slots::{Launch, Slot};
use crate::task_handle::Pending;
use crate::{Spawner, TaskHandle};

/// What a child is, for the group's cancel: plain tasks are aborted, nested
/// groups are told to stop (see `Shared::abort_all`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Task,
    Group,
}

/// How the child gets its slot in a group with a limit.
pub(crate) enum Room {
    /// Wait in line without blocking the caller (`spawn`).
    Queue,
    /// Only if there is room now (`try_spawn`).
    Now,
    /// Already holds one (`spawn_wait`).
    Held(Slot),
}

/// The value a child's future produces for its handle.
type Value<F, E> = <<F as Future>::Output as IntoExit<E>>::Value;

/// Why a child was not spawned; the future comes back with it.
pub(crate) enum Refused<F> {
    Closed(F),
    Full(F),
}

/// Gives the registry its own reference to a tracked child's record.
pub(crate) trait LabelMeta {
    fn meta_arc(&self) -> Option<Arc<ChildMeta>> {
        None
    }
}

impl LabelMeta for () {}
impl LabelMeta for Arc<str> {}
impl LabelMeta for Option<Arc<str>> {}
impl LabelMeta for Tracked {
    fn meta_arc(&self) -> Option<Arc<ChildMeta>> {
        Some(self.0.clone())
    }
}

impl<E: Send + 'static> Spawner<E> {
    /// Spawns a child: counts it in, carries the current deadline into it,
    /// and starts or queues it; gives the future back if refused.
    #[track_caller]
    pub(crate) fn spawn_child<F>(
        &self,
        fut: F,
        name: Option<Arc<str>>,
        kind: Kind,
        room: Room,
    ) -> Result<TaskHandle<Value<F, E>>, Refused<F>>
    where
        F: Future + Send + 'static,
        F::Output: IntoExit<E>,
        Value<F, E>: Send + 'static,
    {
        if !self.shared.try_enter() {
            return Err(Refused::Closed(fut));
        }
        let guard = Guard::new(self.shared.clone());
        // A child sees the deadline of the code that spawned it
        // (`current_deadline()`); only children that have one pay for it.
        if taskscope_timeout::current_deadline().is_some() {
            let fut = taskscope_timeout::inherit(fut);
            self.spawn_counted(fut, name, kind, room, guard)
                .map_err(|refused| refused.map(taskscope_timeout::Inherit::into_inner))
        } else {
            self.spawn_counted(fut, name, kind, room, guard)
        }
    }

    #[track_caller]
    fn spawn_counted<F>(
        &self,
        fut: F,
        name: Option<Arc<str>>,
        kind: Kind,
        room: Room,
        guard: Guard<E>,
    ) -> Result<TaskHandle<Value<F, E>>, Refused<F>>
    where
        F: Future + Send + 'static,
        F::Output: IntoExit<E>,
        Value<F, E>: Send + 'static,
    {
        let Some(slots) = &self.shared.slots else {
            let handle = self.spawn_labelled(fut, name.clone(), kind, guard, None);
            return Ok(TaskHandle::new(handle, name));
        };
        let slot = match room {
            Room::Held(slot) => slot,
            Room::Now => match slots.try_take() {
                Some(slot) => slot,
                None => return Err(Refused::Full(fut)),
            },
            Room::Queue => match slots.try_take() {
                Some(slot) => slot,
                None => return Ok(self.queue(fut, name, kind, guard)),
            },
        };
        let handle = self.spawn_labelled(fut, name.clone(), kind, guard, Some(slot));
        Ok(TaskHandle::new(handle, name))
    }

    /// Queues a child until a slot frees up; the child that frees it (or
    /// a `spawn_wait` giving up its place) starts it.
    fn queue<F>(
        &self,
        fut: F,
        name: Option<Arc<str>>,
        kind: Kind,
        guard: Guard<E>,
    ) -> TaskHandle<Value<F, E>>
    where
        F: Future + Send + 'static,
        F::Output: IntoExit<E>,
        Value<F, E>: Send + 'static,
    {
        let (pending, ticket) = Pending::new();
        let spawner = self.clone();
        let child_name = name.clone();
        let launch: Launch = Box::new(move |slot: Slot| {
            if !ticket.may_start() {
                // Aborted through its handle, or no runtime to start it on
                // (the runtime is shutting down): it never runs.
                drop(fut);
                drop(guard);
                return Some(slot);
            }
            let handle = spawner.spawn_labelled(fut, child_name, kind, guard, Some(slot));
            ticket.started(handle);
            None
        });
        if let Some(slots) = &self.shared.slots {
            slots.launch_or_queue(launch);
        }
        TaskHandle::queued(pending, name)
    }

    /// Picks the child's label: each is its own monomorphisation, so an
    /// unnamed child in an untracked group carries no name and no record.
    #[track_caller]
    fn spawn_labelled<F>(
        &self,
        fut: F,
        name: Option<Arc<str>>,
        kind: Kind,
        guard: Guard<E>,
        slot: Option<Slot>,
    ) -> JoinHandle<ChildOutput<Value<F, E>>>
    where
        F: Future + Send + 'static,
        F::Output: IntoExit<E>,
        Value<F, E>: Send + 'static,
    {
        match (kind, self.shared.config.track, name) {
            (Kind::Group, _, name) => self.spawn_task(fut, name, kind, guard, slot),
            (Kind::Task, true, name) => {
                self.spawn_task(fut, Tracked(Arc::new(ChildMeta::new(name))), kind, guard, slot)
            }
            (Kind::Task, false, Some(name)) => self.spawn_task(fut, name, kind, guard, slot),
            (Kind::Task, false, None) => self.spawn_task(fut, (), kind, guard, slot),
        }
    }

    /// Spawns the tokio task, inside its `tracing` span when a subscriber
    /// wants one, and registers it with the group. The child takes over
    /// `slot` (which a child of a limited group always holds).
    #[track_caller]
    fn spawn_task<F, L>(
        &self,
        fut: F,
        label: L,
        kind: Kind,
        guard: Guard<E>,
        slot: Option<Slot>,
    ) -> JoinHandle<ChildOutput<Value<F, E>>>
    where
        F: Future + Send + 'static,
        F::Output: IntoExit<E>,
        Value<F, E>: Send + 'static,
        L: Label + LabelMeta,
    {
        let shared = &self.shared;
        let name = label.name().cloned();
        let meta = label.meta_arc();
        let span = tracing::debug_span!(
            target: "taskscope",
            "task",
            name = tracing::field::Empty,
            path = tracing::field::Empty
        );
        let handle = if span.is_disabled() {
            tokio::spawn(Child { fut, label, group: guard.into_group(slot) })
        } else {
            let fut = fut.instrument(span.clone());
            let handle = tokio::spawn(Child { fut, label, group: guard.into_group(slot) });
            let info = shared.child_info(name.as_ref(), Some(handle.id()));
            span.record("name", tracing::field::display(info.name()))
                .record("path", tracing::field::display(info.path()));
            handle
        };
        if let Some(meta) = &meta {
            let _ = meta.id.set(handle.id());
            #[cfg(feature = "trace-export")]
            if crate::trace_export::active() {
                let info = shared.child_info(name.as_ref(), Some(handle.id()));
                let _ = meta.path.set(info.path().into());
            }
        }
        match kind {
            Kind::Task => shared.register(handle.abort_handle(), meta),
            Kind::Group => shared.register_group_task(handle.abort_handle()),
        }
        handle
    }
}

impl<F> Refused<F> {
    fn map<G>(self, f: impl FnOnce(F) -> G) -> Refused<G> {
        match self {
            Refused::Closed(fut) => Refused::Closed(f(fut)),
            Refused::Full(fut) => Refused::Full(f(fut)),
        }
    }
}
