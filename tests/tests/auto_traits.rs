//! Send, Sync and Unpin of the public types of the error-group and
//! task-group crates, checked at compile time. (The timeout, semaphore and
//! queue crates check theirs in their own `tests/*auto_traits.rs`.)
#![allow(dead_code)] // the functions exist to be type-checked

use std::future::Future;

use taskscope::error_group::{ErrorGroup, IntoIter, Iter, IterFlat, TaskError, TaskInfo};
use taskscope::{
    BuildError, Builder, Join, JoinError, Policy, Ready, RunConfig, RunOutcome, Signal, SpawnError,
    Spawner, TaskGroup, TaskHandle, TaskKind, TaskNode, TaskState, TaskTree, TraceRecorder,
};

fn send<T: Send>() {}
fn sync<T: Sync>() {}
fn unpin<T: Unpin>() {}

/// A `Send + Sync + Unpin` error, and a future that is `Send` but neither
/// `Sync` nor `Unpin`, to show which bounds pass through.
type E = std::io::Error;
struct NotSync(std::cell::Cell<u8>);

#[test]
fn error_group_types() {
    send::<ErrorGroup<E>>();
    sync::<ErrorGroup<E>>();
    unpin::<ErrorGroup<E>>();
    send::<TaskError<E>>();
    sync::<TaskError<E>>();
    send::<TaskInfo>();
    sync::<TaskInfo>();
    send::<Iter<'static, E>>();
    send::<IterFlat<'static, E>>();
    send::<IntoIter<E>>();
    // A group of a non-Sync error is Send but not Sync, as its entries are.
    send::<ErrorGroup<NotSync>>();
}

#[test]
fn task_group_types() {
    send::<TaskGroup<E>>();
    sync::<TaskGroup<E>>();
    unpin::<TaskGroup<E>>();
    send::<Spawner<E>>();
    sync::<Spawner<E>>();
    unpin::<Spawner<E>>();
    send::<Builder>();
    sync::<Builder>();
    send::<TaskHandle<u32>>();
    sync::<TaskHandle<u32>>();
    unpin::<TaskHandle<u32>>();
    send::<JoinError>();
    sync::<JoinError>();
    send::<SpawnError<std::future::Ready<()>>>();
    send::<BuildError>();
    sync::<BuildError>();
    send::<Ready<u16>>();
    sync::<Ready<u16>>();
    send::<Policy>();
    send::<TaskTree>();
    sync::<TaskTree>();
    send::<TaskNode>();
    send::<TaskState>();
    send::<TaskKind>();
    send::<RunConfig>();
    send::<RunOutcome<u8, E>>();
    send::<Signal>();
    send::<TraceRecorder>();
    sync::<TraceRecorder>();
}

#[test]
fn named_futures() {
    send::<Join<E>>();
    sync::<Join<E>>();
}

/// The futures of `scope`, `Builder::scope`, `start` and `spawn_wait` are
/// `Send` when what they hold is, so they can be spawned.
fn futures_are_send(tg: Spawner<E>) {
    fn check<F: Future + Send>(_: F) {}
    check(taskscope::scope(async |tg: Spawner<E>| {
        tg.spawn(async { Ok(()) });
        Ok(())
    }));
    check(Builder::new().scope(async |_tg: Spawner<E>| Ok(())));
    check(tg.start(|ready: Ready<u16>| async move {
        ready.started(1);
        Ok::<_, E>(())
    }));
    check(tg.spawn_wait(async { Ok(()) }));
    check(tg.spawn_named_wait("x", async { Ok(()) }));
}
