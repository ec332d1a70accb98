//! Stress (DESIGN rule 10): a million short children through one
//! long-lived, limited group on the multi-thread runtime, at constant
//! memory — children fed with `spawn_wait` (back-pressure), spawned and
//! detached, spawned and awaited, and aborted through their handles.
//!
//! `cargo test` feeds 100,000 children; `cargo xtask stress` sets
//! `TASKSCOPE_STRESS=1` and feeds 1,000,000. This binary installs a
//! counting global allocator (`stats_alloc`), so it holds only this test:
//! the counts are process-wide.

mod support;

use std::alloc::System;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use support::{Tracker, sized};
use taskscope::TaskGroup;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Heap bytes currently allocated by the whole process. `stats_alloc`
/// already counts a realloc's growth in `bytes_allocated` (and its shrink
/// in `bytes_deallocated`); adding `bytes_reallocated` too would count
/// every growing `Vec` twice and show a leak that is not there.
fn live_bytes() -> i128 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i128 - s.bytes_deallocated as i128
}

const BATCH: usize = 10_000;

/// What one run saw.
struct Run {
    /// Live heap after each batch drained.
    samples: Vec<i128>,
    /// Children that ran to their end, of those never aborted.
    completed: usize,
    expected: usize,
}

async fn feed(children: usize) -> Run {
    let tracker = Tracker::new();
    let completed = Arc::new(AtomicUsize::new(0));
    let tg: TaskGroup<String> =
        TaskGroup::builder().name("long-lived").limit(64).expect("64").build();
    let mut samples = Vec::new();
    let mut expected = 0;
    for batch in 0..children / BATCH {
        let mut awaited = Vec::new();
        for i in 0..BATCH {
            let done = completed.clone();
            let child = tracker.track(async move {
                // A little state per child, so that a leak would show.
                let payload = vec![batch as u8; 64 + i % 64];
                tokio::task::yield_now().await;
                std::hint::black_box(&payload);
                done.fetch_add(1, Ordering::Relaxed);
                Ok(i)
            });
            match i % 10 {
                // Aborted through its handle, queued or running: not an error.
                0 => tg.spawn(child).abort(),
                // Awaited at the end of the batch.
                1 => {
                    expected += 1;
                    awaited.push((i, tg.spawn(child)));
                }
                // Detached: the group reaps it as soon as it ends.
                2..=4 => {
                    expected += 1;
                    drop(tg.spawn(child));
                }
                // Back-pressure: waits for a slot, then detached.
                _ => {
                    expected += 1;
                    drop(tg.spawn_wait(child).await);
                }
            }
        }
        for (i, handle) in awaited {
            assert_eq!(handle.await.expect("not aborted, cannot fail"), i);
        }
        while !tg.is_empty() {
            tokio::task::yield_now().await;
        }
        tracker.wait_all_done().await;
        samples.push(live_bytes());
    }
    tg.join().await.expect("no child fails");
    tracker.assert_all_done();
    Run { samples, completed: completed.load(Ordering::Relaxed), expected }
}

#[test]
fn a_million_children_through_one_group_at_flat_memory() {
    let children = sized(100_000, 1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let run = rt.block_on(async { tokio::spawn(feed(children)).await.expect("driver") });
    drop(rt);
    // Children that were never aborted all ran exactly once (aborted ones
    // may or may not have started: that race is tokio's).
    assert!(run.completed >= run.expected, "{} of {} ran", run.completed, run.expected);
    assert!(run.completed <= children, "{} completions for {children} children", run.completed);
    // Memory does not grow with the number of children: the highest live
    // heap after the warm-up (the first 30k children) stays within 256 KiB
    // of the highest before it. A leak of one handle output or registry
    // entry per child would add megabytes.
    let early = *run.samples[1..3].iter().max().expect("samples");
    let late = *run.samples[3..].iter().max().expect("samples");
    let kib: Vec<i128> = run.samples.iter().map(|b| b / 1024).collect();
    eprintln!("live heap per 10k children (KiB): {kib:?}");
    assert!(
        late - early < 256 * 1024,
        "memory grew by {} bytes over {} children; live heap per 10k children (KiB): {kib:?}",
        late - early,
        children - 3 * BATCH
    );
}
