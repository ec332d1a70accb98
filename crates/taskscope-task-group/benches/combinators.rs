//! The combinators against the code they replace: `gather` against
//! `join_all` over `tokio::spawn` and `JoinSet`, `gather_local` and
//! `scope_local` against `FuturesUnordered` and `join_all`, and
//! `as_completed` against `FuturesUnordered` and `JoinSet::join_next`, on
//! both runtimes, 10,000 trivial futures each; and 10,000 local futures
//! woken at once, where `FuturesUnordered` re-polls quadratically under
//! tokio's budget (`scope_local_wake`).
//!
//! Spawning contenders run inside a spawned task, so that spawns take the
//! worker's local queue as in a service; local contenders (whose futures
//! are polled in place, and may not be `Send`) run in `block_on`.
//! `cargo xtask bench --report` prints ns per future and the ratios.
#![allow(missing_docs)] // criterion_main! generates an undocumented `main`

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use taskscope::task_group::{as_completed, gather, gather_local, scope_local};
use tokio::task::JoinSet;

use crate::common::{run, runtimes};

const N: u64 = 10_000;

async fn trivial(i: u64) -> Result<u64, ()> {
    Ok(black_box(i))
}

// --- gather: ordered results of spawned futures ---------------------------

async fn taskscope_gather(n: u64) {
    let values = gather((0..n).map(trivial)).await.expect("gather");
    black_box(values);
}

async fn join_all_spawn(n: u64) {
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(trivial(i))).collect();
    let values: Vec<u64> = futures::future::join_all(handles)
        .await
        .into_iter()
        .map(|joined| joined.expect("join").expect("child"))
        .collect();
    black_box(values);
}

async fn vec_join_handle(n: u64) {
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(trivial(i))).collect();
    let mut values = Vec::with_capacity(handles.len());
    for handle in handles {
        values.push(handle.await.expect("join").expect("child"));
    }
    black_box(values);
}

async fn join_set_ordered(n: u64) {
    let mut set = JoinSet::new();
    for i in 0..n {
        set.spawn(async move { (i, trivial(i).await) });
    }
    let mut values = vec![None; n as usize];
    while let Some(joined) = set.join_next().await {
        let (i, value) = joined.expect("join");
        values[i as usize] = Some(value.expect("child"));
    }
    black_box(values);
}

fn bench_gather(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("gather/{flavor}"));
        configure(&mut group);
        group.bench_with_input(BenchmarkId::new("taskscope_gather", N), &N, |b, &n| {
            b.iter(|| run(&rt, taskscope_gather(n)))
        });
        group.bench_with_input(BenchmarkId::new("join_all_spawn", N), &N, |b, &n| {
            b.iter(|| run(&rt, join_all_spawn(n)))
        });
        group.bench_with_input(BenchmarkId::new("vec_join_handle", N), &N, |b, &n| {
            b.iter(|| run(&rt, vec_join_handle(n)))
        });
        group.bench_with_input(BenchmarkId::new("join_set", N), &N, |b, &n| {
            b.iter(|| run(&rt, join_set_ordered(n)))
        });
        group.finish();
    }
}

// --- gather_local / scope_local: futures polled in place -------------------

async fn taskscope_gather_local(n: u64) {
    let values = gather_local((0..n).map(trivial)).await.expect("gather_local");
    black_box(values);
}

async fn taskscope_scope_local(n: u64) {
    scope_local(async |tg| {
        for i in 0..n {
            tg.spawn(trivial(i));
        }
        Ok(())
    })
    .await
    .expect("scope_local");
}

async fn taskscope_scope_local_handles(n: u64) {
    let values = scope_local(async |tg| {
        let handles: Vec<_> = (0..n).map(|i| tg.spawn(trivial(i))).collect();
        let mut values = Vec::with_capacity(handles.len());
        for handle in handles {
            values.push(handle.await.expect("child"));
        }
        Ok(values)
    })
    .await
    .expect("scope_local");
    black_box(values);
}

async fn futures_unordered_drain(n: u64) {
    let mut set: FuturesUnordered<_> = (0..n).map(trivial).collect();
    while let Some(value) = set.next().await {
        black_box(value.expect("child"));
    }
}

async fn futures_unordered_ordered(n: u64) {
    let mut set: FuturesUnordered<_> =
        (0..n).map(|i| async move { (i, trivial(i).await) }).collect();
    let mut values = vec![None; n as usize];
    while let Some((i, value)) = set.next().await {
        values[i as usize] = Some(value.expect("child"));
    }
    black_box(values);
}

async fn try_join_all(n: u64) {
    let values = futures::future::try_join_all((0..n).map(trivial)).await.expect("join");
    black_box(values);
}

fn bench_local(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("gather_local/{flavor}"));
        configure(&mut group);
        group.bench_with_input(BenchmarkId::new("taskscope_gather_local", N), &N, |b, &n| {
            b.iter(|| rt.block_on(taskscope_gather_local(n)))
        });
        group.bench_with_input(BenchmarkId::new("futures_unordered", N), &N, |b, &n| {
            b.iter(|| rt.block_on(futures_unordered_ordered(n)))
        });
        group.bench_with_input(BenchmarkId::new("try_join_all", N), &N, |b, &n| {
            b.iter(|| rt.block_on(try_join_all(n)))
        });
        group.finish();

        let mut group = c.benchmark_group(format!("scope_local/{flavor}"));
        configure(&mut group);
        group.bench_with_input(BenchmarkId::new("taskscope_scope_local", N), &N, |b, &n| {
            b.iter(|| rt.block_on(taskscope_scope_local(n)))
        });
        group.bench_with_input(
            BenchmarkId::new("taskscope_scope_local_handles", N),
            &N,
            |b, &n| b.iter(|| rt.block_on(taskscope_scope_local_handles(n))),
        );
        group.bench_with_input(BenchmarkId::new("futures_unordered", N), &N, |b, &n| {
            b.iter(|| rt.block_on(futures_unordered_drain(n)))
        });
        group.finish();
    }
}

// --- many local futures woken at once (the FuturesUnordered trap) ---------

/// `n` receivers, and their senders, fired together once all are waiting.
fn waiters(
    n: u64,
) -> (Vec<tokio::sync::oneshot::Sender<u64>>, Vec<tokio::sync::oneshot::Receiver<u64>>) {
    (0..n).map(|_| tokio::sync::oneshot::channel()).unzip()
}

async fn taskscope_scope_local_wake(n: u64) {
    let (senders, receivers) = waiters(n);
    let senders = std::cell::RefCell::new(senders);
    scope_local(async |tg| {
        for rx in receivers {
            tg.spawn(async move { rx.await.map_err(|_| ()) });
        }
        tokio::task::yield_now().await; // every child waits
        for (i, tx) in senders.take().into_iter().enumerate() {
            let _ = tx.send(i as u64);
        }
        Ok(())
    })
    .await
    .expect("scope_local");
}

async fn futures_unordered_wake(n: u64) {
    let (senders, receivers) = waiters(n);
    let mut set: FuturesUnordered<_> = receivers.into_iter().collect();
    assert!(futures::poll!(set.next()).is_pending()); // every future waits
    for (i, tx) in senders.into_iter().enumerate() {
        let _ = tx.send(i as u64);
    }
    while let Some(value) = set.next().await {
        black_box(value.expect("sender"));
    }
}

fn bench_local_wake(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("scope_local_wake/{flavor}"));
        configure(&mut group);
        group.bench_with_input(BenchmarkId::new("taskscope_scope_local", N), &N, |b, &n| {
            b.iter(|| rt.block_on(taskscope_scope_local_wake(n)))
        });
        group.bench_with_input(BenchmarkId::new("futures_unordered", N), &N, |b, &n| {
            b.iter(|| rt.block_on(futures_unordered_wake(n)))
        });
        group.finish();
    }
}

// --- as_completed: outcomes in completion order ----------------------------

async fn taskscope_as_completed(n: u64) {
    let mut stream = as_completed((0..n).map(trivial));
    while let Some(value) = stream.next().await {
        black_box(value.expect("child"));
    }
}

async fn join_set_join_next(n: u64) {
    let mut set = JoinSet::new();
    for i in 0..n {
        set.spawn(trivial(i));
    }
    while let Some(joined) = set.join_next().await {
        black_box(joined.expect("join").expect("child"));
    }
}

async fn futures_unordered_spawn(n: u64) {
    let mut set: FuturesUnordered<_> = (0..n).map(|i| tokio::spawn(trivial(i))).collect();
    while let Some(joined) = set.next().await {
        black_box(joined.expect("join").expect("child"));
    }
}

fn bench_as_completed(c: &mut Criterion) {
    for (flavor, rt) in runtimes() {
        let mut group = c.benchmark_group(format!("as_completed/{flavor}"));
        configure(&mut group);
        group.bench_with_input(BenchmarkId::new("taskscope_as_completed", N), &N, |b, &n| {
            b.iter(|| run(&rt, taskscope_as_completed(n)))
        });
        group.bench_with_input(BenchmarkId::new("join_set", N), &N, |b, &n| {
            b.iter(|| run(&rt, join_set_join_next(n)))
        });
        group.bench_with_input(BenchmarkId::new("futures_unordered_spawn", N), &N, |b, &n| {
            b.iter(|| run(&rt, futures_unordered_spawn(n)))
        });
        group.bench_with_input(BenchmarkId::new("futures_unordered", N), &N, |b, &n| {
            b.iter(|| run(&rt, futures_unordered_drain(n)))
        });
        group.finish();
    }
}

fn configure(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group.sample_size(10).warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(N));
}

criterion_group!(benches, bench_gather, bench_local, bench_local_wake, bench_as_completed);
criterion_main!(benches);
