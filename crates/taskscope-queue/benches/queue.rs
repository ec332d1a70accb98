//! Bench: put/get throughput of the queue against async-channel and tokio mpsc.
//!
//! 1 or 4 producers times 1 or 4 consumers.
//!
//! Every contender gets a bounded buffer of `CAPACITY` items and moves
//! `ITEMS` `u64`s per iteration on a two-thread tokio runtime: producers
//! split the items, consumers take until the channel is closed (the queue:
//! until it is shut down and drained). `tokio::sync::mpsc` has a single
//! receiver, so with 4 consumers they share it behind a
//! `tokio::sync::Mutex`, the usual workaround (and its real cost). The
//! queue is measured with plain `put`/`get`, the same work the channels
//! do; `task_done`/`join` are not part of the comparison.
//!
//! Group ids are `queue/{p}p{c}c`, function ids the contenders, the
//! parameter the number of items, so
//! `target/criterion/queue_{p}p{c}c/{contender}/{ITEMS}/new/estimates.json`
//! holds each median.

use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use taskscope::queue::Queue;
use tokio::runtime::Runtime;

const ITEMS: u64 = 20_000;
const CAPACITY: usize = 128;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap()
}

/// The items producer `p` of `producers` sends.
fn share(p: u64, producers: u64) -> std::ops::Range<u64> {
    let per = ITEMS / producers;
    p * per..(p + 1) * per
}

async fn taskscope_queue(producers: u64, consumers: u64) -> u64 {
    let queue = Queue::bounded(CAPACITY).unwrap();
    let senders: Vec<_> = (0..producers)
        .map(|p| {
            let queue = queue.clone();
            tokio::spawn(async move {
                for i in share(p, producers) {
                    queue.put(i).await.unwrap();
                }
            })
        })
        .collect();
    let receivers: Vec<_> = (0..consumers)
        .map(|_| {
            let queue = queue.clone();
            tokio::spawn(async move {
                let mut sum = 0;
                while let Ok(i) = queue.get().await {
                    sum += i;
                }
                sum
            })
        })
        .collect();
    for s in senders {
        s.await.unwrap();
    }
    queue.shutdown();
    let mut sum = 0;
    for r in receivers {
        sum += r.await.unwrap();
    }
    sum
}

async fn async_channel(producers: u64, consumers: u64) -> u64 {
    let (tx, rx) = async_channel::bounded(CAPACITY);
    let senders: Vec<_> = (0..producers)
        .map(|p| {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in share(p, producers) {
                    tx.send(i).await.unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let receivers: Vec<_> = (0..consumers)
        .map(|_| {
            let rx = rx.clone();
            tokio::spawn(async move {
                let mut sum = 0;
                while let Ok(i) = rx.recv().await {
                    sum += i;
                }
                sum
            })
        })
        .collect();
    for s in senders {
        s.await.unwrap();
    }
    let mut sum = 0;
    for r in receivers {
        sum += r.await.unwrap();
    }
    sum
}

async fn tokio_mpsc(producers: u64, consumers: u64) -> u64 {
    let (tx, rx) = tokio::sync::mpsc::channel(CAPACITY);
    let senders: Vec<_> = (0..producers)
        .map(|p| {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in share(p, producers) {
                    tx.send(i).await.unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut sum = 0;
    if consumers == 1 {
        let mut rx = rx;
        while let Some(i) = rx.recv().await {
            sum += i;
        }
    } else {
        // One receiver, shared: each consumer locks it for every item.
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let receivers: Vec<_> = (0..consumers)
            .map(|_| {
                let rx = rx.clone();
                tokio::spawn(async move {
                    let mut sum = 0;
                    while let Some(i) = rx.lock().await.recv().await {
                        sum += i;
                    }
                    sum
                })
            })
            .collect();
        for r in receivers {
            sum += r.await.unwrap();
        }
    }
    for s in senders {
        s.await.unwrap();
    }
    sum
}

fn throughput(c: &mut Criterion) {
    let rt = runtime();
    let expected: u64 = (0..ITEMS).sum();
    for (producers, consumers) in [(1, 1), (1, 4), (4, 1), (4, 4)] {
        let mut group = c.benchmark_group(format!("queue/{producers}p{consumers}c"));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(2))
            .throughput(Throughput::Elements(ITEMS));
        group.bench_with_input(BenchmarkId::new("async_channel", ITEMS), &ITEMS, |b, _| {
            b.iter(|| assert_eq!(rt.block_on(async_channel(producers, consumers)), expected));
        });
        group.bench_with_input(BenchmarkId::new("tokio_mpsc", ITEMS), &ITEMS, |b, _| {
            b.iter(|| assert_eq!(rt.block_on(tokio_mpsc(producers, consumers)), expected));
        });
        group.bench_with_input(BenchmarkId::new("taskscope", ITEMS), &ITEMS, |b, _| {
            b.iter(|| assert_eq!(rt.block_on(taskscope_queue(producers, consumers)), expected));
        });
        group.finish();
    }
}

criterion_group!(benches, throughput);
criterion_main!(benches);
