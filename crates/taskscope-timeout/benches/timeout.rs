//! `timeout` around a ready future and around a future that yields once,
//! against `tokio::time::timeout`, on the current-thread runtime.
//!
//! Each iteration awaits one timeout inside a single `block_on`, so the
//! numbers are the cost of the timeout itself (plus one scheduler round
//! trip for `yield_once`). Group ids `timeout/<variant>`, contenders
//! `tokio` and `taskscope`, parameter `1` (one timeout per iteration).
#![allow(missing_docs)] // criterion_main! generates an undocumented `main`

use std::future::{Future, ready};
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use tokio::runtime::{Builder, Runtime};

const DEADLINE: Duration = Duration::from_secs(60);

/// Pending once (waking itself at once), then ready.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.0 {
            Poll::Ready(1)
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn runtime() -> Runtime {
    Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// Times `iters` awaits of `make()` inside one `block_on`.
fn run<F, M>(rt: &Runtime, iters: u64, make: M) -> Duration
where
    M: Fn() -> F,
    F: Future,
{
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(make().await);
        }
        start.elapsed()
    })
}

fn bench_ready(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("timeout/ready");
    group.bench_with_input(BenchmarkId::new("tokio", 1), &1, |b, _| {
        b.iter_custom(|iters| run(&rt, iters, || tokio::time::timeout(DEADLINE, ready(1u32))));
    });
    group.bench_with_input(BenchmarkId::new("taskscope", 1), &1, |b, _| {
        b.iter_custom(|iters| {
            run(&rt, iters, || taskscope_timeout::timeout(DEADLINE, ready(1u32)))
        });
    });
    group.finish();
}

fn bench_yield_once(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("timeout/yield_once");
    group.bench_with_input(BenchmarkId::new("tokio", 1), &1, |b, _| {
        b.iter_custom(|iters| run(&rt, iters, || tokio::time::timeout(DEADLINE, YieldOnce(false))));
    });
    group.bench_with_input(BenchmarkId::new("taskscope", 1), &1, |b, _| {
        b.iter_custom(|iters| {
            run(&rt, iters, || taskscope_timeout::timeout(DEADLINE, YieldOnce(false)))
        });
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_ready, bench_yield_once
}
criterion_main!(benches);
