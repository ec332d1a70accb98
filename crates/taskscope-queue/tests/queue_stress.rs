//! Multi-thread stress with random cancellation: every item delivered exactly once.
//!
//! Many producers and consumers; `put` and `get` are cancelled at random
//! await points, and `join` must return.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};

use taskscope::queue::{Fifo, JoinableQueue, Lifo, Order, Priority};

const PRODUCERS: u64 = 4;
const CONSUMERS: u64 = 4;
const ITEMS: u64 = 2_000;

/// A small xorshift generator: deterministic per task, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// True one time in `n`.
    fn one_in(&mut self, n: u64) -> bool {
        self.next() % n == 0
    }
}

/// Polls `fut` until it is ready, or drops it — cancelling it — at a random
/// await point after it had at least one chance to make progress.
async fn maybe_cancel<F: Future>(fut: F, rng: &mut Rng) -> Option<F::Output> {
    let mut fut = pin!(fut);
    loop {
        tokio::select! {
            biased;
            out = &mut fut => return Some(out),
            () = tokio::task::yield_now() => {
                if rng.one_in(3) {
                    return None;
                }
            }
        }
    }
}

async fn every_item_exactly_once<O: Order<u64>>(queue: JoinableQueue<u64, O>) {
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let queue = queue.clone();
            tokio::spawn(async move {
                let mut rng = Rng(0x9E37_79B9 + p);
                for id in p * ITEMS..(p + 1) * ITEMS {
                    // A cancelled put inserts nothing, so retrying cannot
                    // duplicate the item.
                    while maybe_cancel(queue.put(id), &mut rng).await.is_none() {}
                }
            })
        })
        .collect();
    let delivered = Arc::new(Mutex::new(Vec::new()));
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|c| {
            let (queue, delivered) = (queue.clone(), delivered.clone());
            tokio::spawn(async move {
                let mut rng = Rng(0x85EB_CA6B + c);
                let mut mine = Vec::new();
                loop {
                    match maybe_cancel(queue.get_guarded(), &mut rng).await {
                        Some(Ok(item)) => mine.push(*item), // the guard marks it done
                        Some(Err(_)) => break,              // shut down and drained
                        None => {}                          // cancelled: nothing lost
                    }
                }
                delivered.lock().unwrap().extend(mine);
            })
        })
        .collect();

    for producer in producers {
        producer.await.unwrap();
    }
    queue.join().await;
    assert_eq!(queue.unfinished(), 0);
    queue.shutdown();
    for consumer in consumers {
        consumer.await.unwrap();
    }

    let mut delivered = std::mem::take(&mut *delivered.lock().unwrap());
    delivered.sort_unstable();
    assert_eq!(delivered.len() as u64, PRODUCERS * ITEMS, "no item lost or duplicated");
    assert!(delivered.iter().copied().eq(0..PRODUCERS * ITEMS));
    assert!(queue.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stress_fifo_bounded_with_random_cancellation() {
    every_item_exactly_once(JoinableQueue::<u64, Fifo>::bounded(8).unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stress_lifo_bounded_one_slot() {
    every_item_exactly_once(JoinableQueue::<u64, Lifo>::bounded(1).unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stress_priority_unbounded() {
    every_item_exactly_once(JoinableQueue::<u64, Priority>::unbounded()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn stress_fifo_current_thread() {
    every_item_exactly_once(JoinableQueue::<u64, Fifo>::bounded(3).unwrap()).await;
}

/// `shutdown_immediate` in the middle of the traffic: every item is either
/// delivered once, handed back to its producer, or dropped by the
/// shutdown — never two of these — and `join` returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stress_shutdown_immediate_mid_traffic() {
    let queue = JoinableQueue::<u64, Fifo>::bounded(4).unwrap();
    let refused = Arc::new(Mutex::new(Vec::new()));
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let (queue, refused) = (queue.clone(), refused.clone());
            tokio::spawn(async move {
                for id in p * ITEMS..(p + 1) * ITEMS {
                    if let Err(err) = queue.put(id).await {
                        refused.lock().unwrap().push(err.into_inner());
                    }
                }
            })
        })
        .collect();
    let delivered = Arc::new(Mutex::new(Vec::new()));
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|c| {
            let (queue, delivered) = (queue.clone(), delivered.clone());
            tokio::spawn(async move {
                let mut rng = Rng(0xC2B2_AE35 + c);
                loop {
                    match maybe_cancel(queue.get_guarded(), &mut rng).await {
                        Some(Ok(item)) => delivered.lock().unwrap().push(*item),
                        Some(Err(_)) => break,
                        None => {}
                    }
                }
            })
        })
        .collect();

    // Let some traffic through, then pull the plug.
    while delivered.lock().unwrap().len() < (PRODUCERS * ITEMS / 4) as usize {
        tokio::task::yield_now().await;
    }
    queue.shutdown_immediate();
    for task in producers.into_iter().chain(consumers) {
        task.await.unwrap();
    }
    queue.join().await;
    assert_eq!(queue.unfinished(), 0);

    let delivered = std::mem::take(&mut *delivered.lock().unwrap());
    let refused = std::mem::take(&mut *refused.lock().unwrap());
    let mut seen = delivered.iter().chain(&refused).copied().collect::<Vec<_>>();
    seen.sort_unstable();
    let before = seen.len();
    seen.dedup();
    assert_eq!(seen.len(), before, "an item was delivered twice, or delivered and refused");
    assert!(!refused.is_empty());
    // The rest were dropped by the shutdown (at most the capacity), and
    // counted as done, or `join` would not have returned.
    let dropped = PRODUCERS * ITEMS - seen.len() as u64;
    assert!(dropped <= 4, "{dropped} items unaccounted for");
}
