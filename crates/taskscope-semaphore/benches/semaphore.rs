//! Acquire/release of `Semaphore` against `tokio::sync::Semaphore`
//! (uncontended, owned, and 64 tasks on 8 permits), and `RateLimiter`
//! against governor's direct limiter at a rate that never waits.
//!
//! Each contender runs `iters` operations inside one `block_on`, timed with
//! `iter_custom`, so runtime entry is not part of the measurement.
//! `cargo xtask bench` turns criterion's medians into a ratio table.
#![allow(missing_docs)] // criterion_main! generates an undocumented `main`

use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, criterion_group, criterion_main};
use governor::{Quota, RateLimiter as Governor};
use taskscope::semaphore::{RateLimiter, Semaphore};
use tokio::runtime::{Builder, Runtime};

const CONTENDED_TASKS: usize = 64;
const CONTENDED_PERMITS: usize = 8;
const CONTENDED_ROUNDS: u64 = 16;

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().expect("runtime")
}

fn multi_thread() -> Runtime {
    Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group.sample_size(30);
    group.warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_secs(2));
}

fn uncontended(c: &mut Criterion) {
    let rt = current_thread();
    let mut group = c.benchmark_group("semaphore/uncontended");
    configure(&mut group);
    group.bench_function(BenchmarkId::new("tokio", "acquire_release"), |b| {
        let sem = tokio::sync::Semaphore::new(1);
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    drop(black_box(sem.acquire().await.expect("open")));
                }
                start.elapsed()
            })
        });
    });
    group.bench_function(BenchmarkId::new("taskscope", "acquire_release"), |b| {
        let sem = Semaphore::bounded(1).expect("one permit");
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    drop(black_box(sem.acquire().await.expect("open")));
                }
                start.elapsed()
            })
        });
    });
    group.bench_function(BenchmarkId::new("tokio", "try_acquire_release"), |b| {
        let sem = tokio::sync::Semaphore::new(1);
        b.iter(|| drop(black_box(sem.try_acquire().expect("free"))));
    });
    group.bench_function(BenchmarkId::new("taskscope", "try_acquire_release"), |b| {
        let sem = Semaphore::bounded(1).expect("one permit");
        b.iter(|| drop(black_box(sem.try_acquire().expect("free"))));
    });
    group.finish();

    let mut group = c.benchmark_group("semaphore/uncontended_owned");
    configure(&mut group);
    group.bench_function(BenchmarkId::new("tokio", "acquire_release"), |b| {
        let sem = Arc::new(tokio::sync::Semaphore::new(1));
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    drop(black_box(Arc::clone(&sem).acquire_owned().await.expect("open")));
                }
                start.elapsed()
            })
        });
    });
    group.bench_function(BenchmarkId::new("taskscope", "acquire_release"), |b| {
        let sem = Semaphore::bounded(1).expect("one permit");
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    drop(black_box(sem.acquire_owned().await.expect("open")));
                }
                start.elapsed()
            })
        });
    });
    group.finish();
}

/// One iteration: 64 tasks each take a permit `CONTENDED_ROUNDS` times,
/// yielding while they hold it so the others queue. Reported per
/// iteration; both contenders do the same 1,024 acquisitions.
fn contended(c: &mut Criterion) {
    let param = format!("{CONTENDED_TASKS}_tasks_{CONTENDED_PERMITS}_permits");
    for (runtime, rt) in [("current_thread", current_thread()), ("multi_thread", multi_thread())] {
        let mut group = c.benchmark_group(format!("semaphore/contended_{runtime}"));
        configure(&mut group);
        group.bench_function(BenchmarkId::new("tokio", &param), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let sem = Arc::new(tokio::sync::Semaphore::new(CONTENDED_PERMITS));
                    let start = Instant::now();
                    for _ in 0..iters {
                        let tasks: Vec<_> = (0..CONTENDED_TASKS)
                            .map(|_| {
                                let sem = Arc::clone(&sem);
                                tokio::spawn(async move {
                                    for _ in 0..CONTENDED_ROUNDS {
                                        let _permit = sem.acquire().await.expect("open");
                                        tokio::task::yield_now().await;
                                    }
                                })
                            })
                            .collect();
                        for task in tasks {
                            task.await.expect("task");
                        }
                    }
                    start.elapsed()
                })
            });
        });
        group.bench_function(BenchmarkId::new("taskscope", &param), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let sem = Semaphore::bounded(CONTENDED_PERMITS).expect("permits");
                    let start = Instant::now();
                    for _ in 0..iters {
                        let tasks: Vec<_> = (0..CONTENDED_TASKS)
                            .map(|_| {
                                let sem = sem.clone();
                                tokio::spawn(async move {
                                    for _ in 0..CONTENDED_ROUNDS {
                                        let _permit = sem.acquire().await.expect("open");
                                        tokio::task::yield_now().await;
                                    }
                                })
                            })
                            .collect();
                        for task in tasks {
                            task.await.expect("task");
                        }
                    }
                    start.elapsed()
                })
            });
        });
        group.finish();
    }
}

/// A rate so high neither limiter ever waits: what one admission costs.
fn rate_limiter(c: &mut Criterion) {
    let rt = current_thread();
    let quota = Quota::per_second(NonZeroU32::MAX).allow_burst(NonZeroU32::MAX);

    let mut group = c.benchmark_group("rate_limiter/acquire");
    configure(&mut group);
    group.bench_function(BenchmarkId::new("governor", "until_ready"), |b| {
        let governor = Governor::direct(quota);
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    governor.until_ready().await;
                }
                start.elapsed()
            })
        });
    });
    group.bench_function(BenchmarkId::new("taskscope", "until_ready"), |b| {
        let limiter = RateLimiter::per_second(1e9).and_then(|l| l.burst(u32::MAX)).expect("rate");
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    limiter.acquire().await;
                }
                start.elapsed()
            })
        });
    });
    group.finish();

    let mut group = c.benchmark_group("rate_limiter/try_acquire");
    configure(&mut group);
    group.bench_function(BenchmarkId::new("governor", "check"), |b| {
        let governor = Governor::direct(quota);
        b.iter(|| black_box(governor.check().is_ok()));
    });
    group.bench_function(BenchmarkId::new("taskscope", "check"), |b| {
        let limiter = RateLimiter::per_second(1e9).and_then(|l| l.burst(u32::MAX)).expect("rate");
        // Inside a runtime, as real callers are (tokio's clock reads it).
        let _guard = rt.enter();
        b.iter(|| black_box(limiter.try_acquire().is_ok()));
    });
    group.finish();

    // What one read of tokio's clock costs: most of the gap to governor,
    // which reads the TSC through quanta.
    let mut group = c.benchmark_group("rate_limiter/clock");
    configure(&mut group);
    group.bench_function(BenchmarkId::new("tokio", "instant_now"), |b| {
        let _guard = rt.enter();
        b.iter(|| black_box(tokio::time::Instant::now()));
    });
    group.finish();
}

criterion_group!(benches, uncontended, contended, rate_limiter);
criterion_main!(benches);
