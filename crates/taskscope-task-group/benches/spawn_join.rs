//! Spawn + join, fail-fast cancellation and `limit(64)`, against `JoinSet`,
//! bare `tokio::spawn` + `Vec<JoinHandle>`, `join_all`, `FuturesUnordered`,
//! tokio-util's `TaskTracker` + `CancellationToken` and a tokio `Semaphore`,
//! on both runtimes.
//!
//! Every contender runs inside a spawned task, so that spawns take the
//! worker's local queue as they do in a real service. `cargo xtask bench`
//! turns criterion's medians into a table of ns per task and ratios.
#![allow(missing_docs)] // criterion_main! generates an undocumented `main`

mod common;

use std::future::pending;
use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use tokio::runtime::Builder;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::common::{run, runtimes};

const SIZES: [u64; 3] = [1_000, 10_000, 100_000];

/// `join_all` over `JoinHandle`s is quadratic under tokio's coop budget
/// (DESIGN's "known traps"): seconds per iteration at 100k, so it stops here.
const JOIN_ALL_MAX: u64 = 10_000;

async fn vec_join_handle(n: u64) {
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(async move { black_box(i) })).collect();
    for handle in handles {
        black_box(handle.await.expect("child"));
    }
}

/// The handles awaited through `futures::future::join_all`.
async fn join_all(n: u64) {
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(async move { black_box(i) })).collect();
    for out in futures::future::join_all(handles).await {
        black_box(out.expect("child"));
    }
}

/// No spawning at all: the futures polled inside the bench task.
async fn futures_unordered(n: u64) {
    let mut set: FuturesUnordered<_> = (0..n).map(|i| async move { black_box(i) }).collect();
    while let Some(out) = set.next().await {
        black_box(out);
    }
}

/// tokio-util's tracker: spawn, close, wait (outputs are dropped).
async fn task_tracker(n: u64) {
    let tracker = TaskTracker::new();
    for i in 0..n {
        tracker.spawn(async move { black_box(i) });
    }
    tracker.close();
    tracker.wait().await;
}

/// The tracker plus what it takes to cancel the children: a token clone
/// in each, selected against the work (tokio's graceful-shutdown recipe).
async fn task_tracker_token(n: u64) {
    let tracker = TaskTracker::new();
    let token = CancellationToken::new();
    for i in 0..n {
        let token = token.clone();
        tracker.spawn(async move {
            tokio::select! {
                _ = token.cancelled() => None,
                out = async move { black_box(i) } => Some(out),
            }
        });
    }
    tracker.close();
    tracker.wait().await;
}

async fn join_set(n: u64) {
    let mut set = JoinSet::new();
    for i in 0..n {
        set.spawn(async move { black_box(i) });
    }
    while let Some(out) = set.join_next().await {
        black_box(out.expect("child"));
    }
}

async fn taskscope_scope(n: u64) {
    taskscope::scope(async |tg| {
        for i in 0..n {
            tg.spawn(async move { Ok::<_, ()>(black_box(i)) });
        }
        Ok(())
    })
    .await
    .expect("scope");
}

fn spawn_join(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("spawn_join/{flavor}"));
        // Flat sampling: 20 samples of equal size, which keeps 100k (tens
        // of ms per iteration) inside the measurement time.
        group.sample_size(20).sampling_mode(SamplingMode::Flat);
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_millis(1500));
        for n in SIZES {
            group.throughput(Throughput::Elements(n));
            group.bench_with_input(BenchmarkId::new("vec_join_handle", n), &n, |b, &n| {
                b.iter(|| run(&rt, vec_join_handle(n)))
            });
            if n <= JOIN_ALL_MAX {
                group.bench_with_input(BenchmarkId::new("join_all", n), &n, |b, &n| {
                    b.iter(|| run(&rt, join_all(n)))
                });
            }
            group.bench_with_input(BenchmarkId::new("join_set", n), &n, |b, &n| {
                b.iter(|| run(&rt, join_set(n)))
            });
            group.bench_with_input(BenchmarkId::new("task_tracker", n), &n, |b, &n| {
                b.iter(|| run(&rt, task_tracker(n)))
            });
            group.bench_with_input(BenchmarkId::new("task_tracker_token", n), &n, |b, &n| {
                b.iter(|| run(&rt, task_tracker_token(n)))
            });
            group.bench_with_input(BenchmarkId::new("futures_unordered", n), &n, |b, &n| {
                b.iter(|| run(&rt, futures_unordered(n)))
            });
            group.bench_with_input(BenchmarkId::new("taskscope", n), &n, |b, &n| {
                b.iter(|| run(&rt, taskscope_scope(n)))
            });
        }
        group.finish();
    }
}

/// `n` children parked forever, then one that fails: the time to spawn
/// them all, see the failure, cancel every sibling and join.
async fn fail_fast_join_set(n: u64) {
    let mut set = JoinSet::new();
    for _ in 0..n {
        set.spawn(pending::<Result<(), ()>>());
    }
    set.spawn(async { Err::<(), ()>(()) });
    let first = set.join_next().await.expect("a child").expect("not cancelled");
    assert!(first.is_err());
    set.abort_all();
    while let Some(out) = set.join_next().await {
        black_box(out.is_err());
    }
}

async fn fail_fast_vec(n: u64) {
    let mut handles: Vec<_> = (0..n).map(|_| tokio::spawn(pending::<Result<(), ()>>())).collect();
    let failing = tokio::spawn(async { Err::<(), ()>(()) });
    assert!(failing.await.expect("child").is_err());
    for handle in &handles {
        handle.abort();
    }
    for handle in handles.drain(..) {
        black_box(handle.await.is_err());
    }
}

/// The tracker + token recipe: every child selects on its token clone, the
/// failing child cancels the token, the tracker waits for the rest.
async fn fail_fast_task_tracker_token(n: u64) {
    let tracker = TaskTracker::new();
    let token = CancellationToken::new();
    for _ in 0..n {
        let token = token.clone();
        tracker.spawn(async move {
            tokio::select! {
                _ = token.cancelled() => Ok(()),
                out = pending::<Result<(), ()>>() => out,
            }
        });
    }
    let failing = token.clone();
    tracker.spawn(async move {
        let out = Err::<(), ()>(());
        if out.is_err() {
            failing.cancel();
        }
        out
    });
    tracker.close();
    tracker.wait().await;
    assert!(token.is_cancelled());
}

async fn fail_fast_taskscope(n: u64) {
    let result = taskscope::scope(async |tg| {
        for _ in 0..n {
            tg.spawn(pending::<Result<(), ()>>());
        }
        tg.spawn(async { Err::<(), ()>(()) });
        Ok(())
    })
    .await;
    assert_eq!(result.expect_err("one child failed").len(), 1);
}

fn fail_fast(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("fail_fast/{flavor}"));
        group.sample_size(10).sampling_mode(SamplingMode::Flat);
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(2));
        let n = 100_000;
        group.throughput(Throughput::Elements(n));
        group.bench_with_input(BenchmarkId::new("vec_join_handle", n), &n, |b, &n| {
            b.iter(|| run(&rt, fail_fast_vec(n)))
        });
        group.bench_with_input(BenchmarkId::new("join_set", n), &n, |b, &n| {
            b.iter(|| run(&rt, fail_fast_join_set(n)))
        });
        group.bench_with_input(BenchmarkId::new("task_tracker_token", n), &n, |b, &n| {
            b.iter(|| run(&rt, fail_fast_task_tracker_token(n)))
        });
        group.bench_with_input(BenchmarkId::new("taskscope", n), &n, |b, &n| {
            b.iter(|| run(&rt, fail_fast_taskscope(n)))
        });
        group.finish();
    }
}

/// A scope of `n` trivial children with the observability options of
/// `builder`: names, tracking, slow-poll timing.
async fn taskscope_with(n: u64, builder: taskscope::Builder, named: bool) {
    builder
        .scope(async |tg| {
            for i in 0..n {
                let child = async move { Ok::<_, ()>(black_box(i)) };
                if named {
                    tg.spawn_named("child", child);
                } else {
                    tg.spawn(child);
                }
            }
            Ok(())
        })
        .await
        .expect("scope");
}

/// What naming, tracking, slow-poll detection and `tracing` spans add per
/// child (issue 7), current-thread runtime, 10k children.
fn observe(c: &mut Criterion) {
    let rt = Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut group = c.benchmark_group("observe/current_thread");
    group.sample_size(20).sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_millis(1500));
    let n = 10_000;
    group.throughput(Throughput::Elements(n));
    type Variant = (&'static str, fn() -> taskscope::Builder, bool);
    let variants: [Variant; 4] = [
        ("taskscope", taskscope::Builder::new, false),
        ("taskscope_named", taskscope::Builder::new, true),
        ("taskscope_tracked", || taskscope::Builder::new().track_tasks(true), true),
        (
            "taskscope_slow_polls",
            || taskscope::Builder::new().warn_slow_polls(Duration::from_secs(1)),
            false,
        ),
    ];
    for (name, builder, named) in variants {
        group.bench_with_input(BenchmarkId::new(name, n), &n, |b, &n| {
            b.iter(|| run(&rt, taskscope_with(n, builder(), named)))
        });
    }
    // A subscriber that enables every span: each child then gets its own.
    group.bench_with_input(BenchmarkId::new("taskscope_spans", n), &n, |b, &n| {
        let _guard = tracing::subscriber::set_default(tracing_subscriber::registry());
        b.iter(|| rt.block_on(taskscope_with(n, taskscope::Builder::new(), true)))
    });
    group.bench_with_input(BenchmarkId::new("join_set", n), &n, |b, &n| {
        b.iter(|| run(&rt, join_set(n)))
    });
    group.bench_with_input(BenchmarkId::new("vec_join_handle", n), &n, |b, &n| {
        b.iter(|| run(&rt, vec_join_handle(n)))
    });
    group.finish();
}

/// 100k trivial children, at most 64 running: the group's `limit` (lazy
/// queue, and back-pressure with `spawn_wait`) against a tokio `Semaphore`
/// acquired before each `tokio::spawn` (joined through a `JoinSet`, or
/// detached and waited for by taking back all 64 permits), and
/// `buffer_unordered(64)` (no spawning at all).
fn limit(c: &mut Criterion) {
    use std::sync::Arc;
    use tokio::sync::Semaphore;

    const N: u64 = 100_000;
    const LIMIT: usize = 64;
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("limit/{flavor}"));
        group.sample_size(10).sampling_mode(SamplingMode::Flat);
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(2));
        group.throughput(Throughput::Elements(N));
        group.bench_with_input(BenchmarkId::new("tokio_semaphore_join_set", N), &N, |b, &n| {
            b.iter(|| {
                run(&rt, async move {
                    let sem = Arc::new(Semaphore::new(LIMIT));
                    let mut set = JoinSet::new();
                    for i in 0..n {
                        let permit = sem.clone().acquire_owned().await.expect("open");
                        set.spawn(async move {
                            black_box(i);
                            drop(permit);
                        });
                        // Reap as we go, as a careful user would.
                        while set.try_join_next().is_some() {}
                    }
                    while set.join_next().await.is_some() {}
                })
            })
        });
        group.bench_with_input(BenchmarkId::new("tokio_semaphore_spawn", N), &N, |b, &n| {
            b.iter(|| {
                run(&rt, async move {
                    let sem = Arc::new(Semaphore::new(LIMIT));
                    for i in 0..n {
                        let permit = sem.clone().acquire_owned().await.expect("open");
                        tokio::spawn(async move {
                            black_box(i);
                            drop(permit);
                        });
                    }
                    // Every child has ended once all the permits are back.
                    let all = sem.acquire_many(LIMIT as u32).await.expect("open");
                    drop(all);
                })
            })
        });
        group.bench_with_input(BenchmarkId::new("buffer_unordered", N), &N, |b, &n| {
            b.iter(|| {
                run(&rt, async move {
                    futures::stream::iter(0..n)
                        .map(|i| async move { black_box(i) })
                        .buffer_unordered(LIMIT)
                        .for_each(|_| async {})
                        .await;
                })
            })
        });
        group.bench_with_input(BenchmarkId::new("taskscope_spawn", N), &N, |b, &n| {
            b.iter(|| {
                run(&rt, async move {
                    taskscope::TaskGroup::builder()
                        .limit(LIMIT)
                        .expect("limit")
                        .scope(async |tg| {
                            for i in 0..n {
                                tg.spawn(async move { Ok::<_, ()>(black_box(i)) });
                            }
                            Ok(())
                        })
                        .await
                        .expect("scope");
                })
            })
        });
        group.bench_with_input(BenchmarkId::new("taskscope_spawn_wait", N), &N, |b, &n| {
            b.iter(|| {
                run(&rt, async move {
                    taskscope::TaskGroup::builder()
                        .limit(LIMIT)
                        .expect("limit")
                        .scope(async |tg| {
                            for i in 0..n {
                                tg.spawn_wait(async move { Ok::<_, ()>(black_box(i)) }).await;
                            }
                            Ok(())
                        })
                        .await
                        .expect("scope");
                })
            })
        });
        group.finish();
    }
}

criterion_group!(benches, spawn_join, fail_fast, observe, limit);
criterion_main!(benches);
