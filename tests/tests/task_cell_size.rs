//! A trivial child must cost the heap what a bare `tokio::spawn` of the
//! same future costs, give or take its registry entry: tokio rounds a task
//! up to a 128-byte cell, and one byte more in the wrapper around the
//! child's future doubles the cell (and, once the allocator has given the
//! memory back to the system, costs a page fault every 16 children; see
//! `ChildGroup` in the task-group crate).
//!
//! This binary installs a counting global allocator (`stats_alloc`), so it
//! holds one test: the counts are process-wide.

use std::alloc::System;
use std::hint::black_box;

use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use taskscope::TaskGroup;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const CHILDREN: usize = 1_000;

/// Bytes of fresh allocations so far. `stats_alloc` counts a growing
/// realloc in `bytes_allocated` and again in `bytes_reallocated` (a
/// shrinking one there too, negative; nothing shrinks while we measure);
/// growth is left out, so that the growth of vectors (tokio's run queue,
/// the group's registry of abort handles) does not blur the cells.
fn allocated() -> usize {
    let stats = GLOBAL.stats();
    let fresh = stats.bytes_allocated as i128 - stats.bytes_reallocated as i128;
    usize::try_from(fresh).expect("more bytes allocated than grown")
}

async fn trivial(i: u64) -> Result<u64, ()> {
    Ok(black_box(i))
}

/// Bytes per task of `CHILDREN` bare spawns, their handles kept in a
/// vector allocated beforehand; every task is joined before it returns.
async fn bare_spawns() -> usize {
    let mut handles = Vec::with_capacity(CHILDREN);
    let before = allocated();
    for i in 0..CHILDREN {
        handles.push(tokio::spawn(trivial(i as u64)));
    }
    let per_task = (allocated() - before) / CHILDREN;
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.await.expect("joined"), Ok(i as u64));
    }
    per_task
}

/// Bytes per child of `CHILDREN` spawns into a group built by `builder`
/// (handles dropped); the scope returns once every child is done.
async fn group_spawns(builder: taskscope::task_group::Builder) -> usize {
    builder
        .scope(async |tg| {
            let before = allocated();
            for i in 0..CHILDREN {
                tg.spawn(trivial(i as u64));
            }
            Ok::<_, ()>((allocated() - before) / CHILDREN)
        })
        .await
        .expect("no child fails")
}

#[tokio::test(flavor = "current_thread")]
async fn a_trivial_child_costs_what_a_bare_spawn_costs() {
    // Warm the runtime's queues up so that neither side pays for their
    // growth.
    for _ in 0..2 {
        group_spawns(TaskGroup::builder()).await;
        bare_spawns().await;
    }
    let bare = bare_spawns().await;
    let plain = group_spawns(TaskGroup::builder()).await;
    // A limit above the number of children: every child takes a slot and
    // starts at once, so this measures the slot the child carries.
    let limited = group_spawns(TaskGroup::builder().limit(2 * CHILDREN).expect("limit")).await;
    // The one fresh allocation besides the cells is the group's registry
    // (32 bytes, then grown by realloc): nothing per child.
    for (what, bytes) in [("a plain group", plain), ("a limited group", limited)] {
        assert!(
            bytes <= bare,
            "a trivial child of {what} allocates {bytes} bytes, a bare spawn {bare}: \
             the child's wrapper has pushed its task into a larger cell"
        );
    }
    assert!(bare >= 64, "a bare spawn allocated {bare} bytes: the count is not working");
}
