//! Stress: semaphores, limiters and queues hammered by many tasks on the
//! multi-thread runtime, each operation cancelled at random (a timeout of
//! a few microseconds, or a race with a few yields), checking that no
//! permit, token or item is ever lost or duplicated: the permits in use
//! never exceed the capacity and all come back, every item put is taken
//! exactly once, and every item is dropped exactly once.
//!
//! `cargo test` runs a few thousand operations per test; `cargo xtask
//! stress` (`TASKSCOPE_STRESS=1`) runs a hundred times more. Time only
//! drives the random cancellations; no assertion depends on it.

mod support;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::{Rng, Tracker, sized};
use taskscope::queue::{Fifo, JoinableQueue, Lifo, Order, Priority, TryGetError};
use taskscope::semaphore::{Borrower, Limiter, Semaphore};
use taskscope::{Policy, TaskGroup};

/// Turns a hang into a failure; never a timing assertion.
const HANG: Duration = Duration::from_secs(300);

/// Runs `fut`, cancelling it at a random point: after a few microseconds
/// of real time or a few yields, or never. `None` if it was cancelled
/// (counted in `cancelled`, so that a test can check it cancelled some).
async fn maybe_cancel<F: Future>(
    rng: &mut Rng,
    cancelled: &AtomicUsize,
    fut: F,
) -> Option<F::Output> {
    let out = match rng.below(4) {
        0 => Some(fut.await),
        1 => tokio::time::timeout(Duration::from_micros(rng.below(50)), fut).await.ok(),
        _ => {
            let yields = rng.below(4);
            tokio::select! {
                out = fut => Some(out),
                () = async {
                    for _ in 0..yields {
                        tokio::task::yield_now().await;
                    }
                } => None,
            }
        }
    };
    if out.is_none() {
        cancelled.fetch_add(1, Ordering::Relaxed);
    }
    out
}

/// Counts units in use and checks them against a capacity.
#[derive(Debug, Default)]
struct InUse {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl InUse {
    fn enter(&self, n: usize, capacity: usize) {
        let now = self.now.fetch_add(n, Ordering::SeqCst) + n;
        self.peak.fetch_max(now, Ordering::SeqCst);
        assert!(now <= capacity, "{now} in use, capacity {capacity}");
    }

    fn exit(&self, n: usize) {
        self.now.fetch_sub(n, Ordering::SeqCst);
    }
}

fn workers() -> usize {
    8
}

fn ops() -> usize {
    sized(400, 40_000)
}

async fn hammer_semaphore(bounded: bool) {
    const CAPACITY: usize = 5;
    let sem = if bounded { Semaphore::bounded(CAPACITY) } else { Semaphore::new(CAPACITY) }
        .expect("valid");
    let in_use = Arc::new(InUse::default());
    let tracker = Tracker::new();
    let cancelled = Arc::new(AtomicUsize::new(0));
    let acquired = Arc::new(AtomicUsize::new(0));
    taskscope::scope(async |tg| {
        for w in 0..workers() {
            let (sem, in_use, acquired) = (sem.clone(), in_use.clone(), acquired.clone());
            let cancelled = cancelled.clone();
            tg.spawn(tracker.track(async move {
                let mut rng = Rng::new(w as u64 + 1);
                for _ in 0..ops() {
                    let n = 1 + rng.below(3) as u32;
                    let permit = match rng.below(5) {
                        0 => maybe_cancel(&mut rng, &cancelled, sem.acquire()).await,
                        1 => maybe_cancel(&mut rng, &cancelled, sem.acquire_many(n)).await,
                        2 => {
                            let timeout = Duration::from_micros(rng.below(30));
                            maybe_cancel(&mut rng, &cancelled, sem.acquire_timeout(timeout))
                                .await
                                .and_then(|r| r.ok().map(Ok))
                        }
                        3 => Some(sem.try_acquire_many(n).map_err(|_| {
                            taskscope::semaphore::AcquireError::Closed // "not now"
                        })),
                        _ => {
                            // Owned permits, split in two and dropped apart.
                            match maybe_cancel(&mut rng, &cancelled, sem.acquire_many_owned(n))
                                .await
                            {
                                Some(Ok(mut owned)) => {
                                    let held = owned.num_permits();
                                    in_use.enter(held, CAPACITY);
                                    let part = owned.split(held / 2).expect("half");
                                    tokio::task::yield_now().await;
                                    // Counted out before the permits go back.
                                    in_use.exit(held / 2);
                                    drop(part);
                                    tokio::task::yield_now().await;
                                    in_use.exit(held - held / 2);
                                    drop(owned);
                                    acquired.fetch_add(1, Ordering::Relaxed);
                                }
                                Some(Err(e)) => panic!("open semaphore refused: {e}"),
                                None => {}
                            }
                            continue;
                        }
                    };
                    if let Some(Ok(permit)) = permit {
                        let held = permit.num_permits();
                        in_use.enter(held, CAPACITY);
                        for _ in 0..rng.below(3) {
                            tokio::task::yield_now().await;
                        }
                        in_use.exit(held);
                        drop(permit);
                        acquired.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Ok::<_, String>(())
            }));
        }
        Ok(())
    })
    .await
    .expect("no worker fails");
    tracker.assert_all_done();
    // Every permit came back, and nobody is left waiting.
    assert_eq!(sem.available(), CAPACITY);
    assert_eq!(sem.waiting(), 0);
    assert_eq!(sem.capacity(), CAPACITY);
    assert!(acquired.load(Ordering::Relaxed) > 0, "no acquire ever succeeded");
    assert!(cancelled.load(Ordering::Relaxed) > 0, "no acquire was ever cancelled");
    assert!(in_use.peak.load(Ordering::SeqCst) <= CAPACITY);
    let all = sem.try_acquire_many(CAPACITY as u32).expect("all permits are free");
    drop(all);
    if bounded {
        assert!(sem.add_permits(1).is_err(), "a bounded semaphore is full again");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounded_semaphore_loses_no_permit() {
    tokio::time::timeout(HANG, hammer_semaphore(true)).await.expect("no hang");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unbounded_semaphore_loses_no_permit() {
    tokio::time::timeout(HANG, hammer_semaphore(false)).await.expect("no hang");
}

// A limiter whose total changes while borrowers come and go, cancelled at
// random: tokens never exceed the largest total, and when all is done
// every token is back and nobody is recorded as borrowing or waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limiter_loses_no_token_while_its_total_changes() {
    const MAX_TOTAL: usize = 6;
    let run = async {
        let limiter = Limiter::new(3).expect("valid");
        let in_use = Arc::new(InUse::default());
        let tracker = Tracker::new();
        let cancelled = Arc::new(AtomicUsize::new(0));
        taskscope::scope(async |tg| {
            for w in 0..workers() {
                let (limiter, in_use) = (limiter.clone(), in_use.clone());
                let cancelled = cancelled.clone();
                tg.spawn(tracker.track(async move {
                    let mut rng = Rng::new(100 + w as u64);
                    for op in 0..ops() {
                        if w == 0 && op % 8 == 0 {
                            let total = 1 + rng.below(MAX_TOTAL as u64) as usize;
                            limiter.set_total(total).expect("valid total");
                        }
                        let me = Borrower::key(w as u64);
                        let token = if rng.below(3) == 0 {
                            limiter.try_acquire_on_behalf_of(me).ok()
                        } else {
                            maybe_cancel(&mut rng, &cancelled, limiter.acquire_on_behalf_of(me))
                                .await
                                .map(|r| r.expect("one borrower never borrows twice"))
                        };
                        if let Some(token) = token {
                            in_use.enter(1, MAX_TOTAL);
                            for _ in 0..rng.below(3) {
                                tokio::task::yield_now().await;
                            }
                            in_use.exit(1);
                            drop(token);
                        }
                    }
                    Ok::<_, String>(())
                }));
            }
            Ok(())
        })
        .await
        .expect("no worker fails");
        tracker.assert_all_done();
        limiter.set_total(4).expect("valid");
        assert_eq!(limiter.borrowed(), 0);
        assert_eq!(limiter.available(), 4);
        assert_eq!(limiter.waiting(), 0);
        assert!(limiter.borrowers().is_empty());
        assert!(cancelled.load(Ordering::Relaxed) > 0, "no acquire was ever cancelled");
    };
    tokio::time::timeout(HANG, run).await.expect("no hang");
}

/// An item that logs its own drop, so that a lost or doubly freed item
/// shows.
#[derive(Debug)]
struct Item {
    id: u64,
    drops: Arc<Mutex<BTreeMap<u64, usize>>>,
}

impl Drop for Item {
    fn drop(&mut self) {
        *self.drops.lock().expect("not poisoned").entry(self.id).or_default() += 1;
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Item {}

impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Item {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.id.cmp(&other.id)
    }
}

/// Producers put items (each put possibly cancelled), consumers take them
/// (each take possibly cancelled), until the producers are done and every
/// item put is processed; then the queue shuts down.
async fn hammer_queue<O>(immediate: bool)
where
    O: Order<Item> + Send + Sync,
{
    let queue: JoinableQueue<Item, O> = JoinableQueue::bounded(4).expect("valid");
    let drops = Arc::new(Mutex::new(BTreeMap::new()));
    let put_ok = Arc::new(Mutex::new(Vec::new()));
    let taken = Arc::new(Mutex::new(Vec::new()));
    let created = Arc::new(AtomicUsize::new(0));
    let tracker = Tracker::new();
    let cancelled = Arc::new(AtomicUsize::new(0));
    let producers = workers() / 2;
    TaskGroup::builder()
        .policy(Policy::FailFast)
        .scope(async |tg| {
            let consumers = {
                let mut handles = Vec::new();
                for c in 0..workers() / 2 {
                    let (queue, taken) = (queue.clone(), taken.clone());
                    let cancelled = cancelled.clone();
                    handles.push(tg.spawn(tracker.track(async move {
                        let mut rng = Rng::new(500 + c as u64);
                        loop {
                            // The id of the item taken and marked done.
                            let item: Option<Result<u64, ()>> = match rng.below(3) {
                                0 => match queue.try_get() {
                                    Ok(item) => {
                                        queue.task_done().expect("one taken");
                                        Some(Ok(item.id))
                                    }
                                    Err(TryGetError::Shutdown) => Some(Err(())),
                                    Err(_) => {
                                        tokio::task::yield_now().await;
                                        None
                                    }
                                },
                                // The guard marks the item done when dropped.
                                1 => maybe_cancel(&mut rng, &cancelled, queue.get_guarded())
                                    .await
                                    .map(|r| r.map(|taken| taken.id).map_err(drop)),
                                _ => {
                                    maybe_cancel(&mut rng, &cancelled, queue.get()).await.map(|r| {
                                        r.map(|item| {
                                            queue.task_done().expect("one taken");
                                            item.id
                                        })
                                        .map_err(drop)
                                    })
                                }
                            };
                            match item {
                                Some(Ok(id)) => taken.lock().expect("ok").push(id),
                                Some(Err(())) => return Ok::<_, String>(()),
                                None => {}
                            }
                        }
                    })));
                }
                handles
            };
            let mut producing = Vec::new();
            for p in 0..producers {
                let (queue, put_ok, drops, created) =
                    (queue.clone(), put_ok.clone(), drops.clone(), created.clone());
                let cancelled = cancelled.clone();
                producing.push(tg.spawn(tracker.track(async move {
                    let mut rng = Rng::new(900 + p as u64);
                    for k in 0..ops() as u64 {
                        let id = p as u64 * 1_000_000 + k;
                        created.fetch_add(1, Ordering::Relaxed);
                        let item = Item { id, drops: drops.clone() };
                        let done = if rng.below(4) == 0 {
                            Some(queue.try_put(item).map_err(drop))
                        } else {
                            maybe_cancel(&mut rng, &cancelled, queue.put(item))
                                .await
                                .map(|r| r.map_err(drop))
                        };
                        // Otherwise full, shut down, or cancelled: never put.
                        if let Some(Ok(())) = done {
                            put_ok.lock().expect("ok").push(id);
                        }
                    }
                    Ok::<_, String>(())
                })));
            }
            for handle in producing {
                handle.await.map_err(|e| e.to_string())?;
            }
            if immediate {
                queue.shutdown_immediate();
            } else {
                queue.join().await;
                queue.shutdown();
            }
            for handle in consumers {
                handle.await.map_err(|e| e.to_string())?;
            }
            Ok(())
        })
        .await
        .expect("no task fails");
    tracker.assert_all_done();
    assert_eq!(queue.len(), 0);
    assert_eq!(queue.unfinished(), 0, "every item put is done");
    drop(queue);

    let put_ok = std::mem::take(&mut *put_ok.lock().expect("ok"));
    let mut taken = std::mem::take(&mut *taken.lock().expect("ok"));
    taken.sort_unstable();
    let before = taken.len();
    taken.dedup();
    assert_eq!(taken.len(), before, "an item was taken twice");
    let mut put_sorted = put_ok.clone();
    put_sorted.sort_unstable();
    if immediate {
        // Items still queued at the shutdown were dropped, not taken.
        assert!(taken.iter().all(|id| put_sorted.binary_search(id).is_ok()), "phantom item");
    } else {
        assert_eq!(taken, put_sorted, "every item put was taken exactly once");
    }
    let drops = drops.lock().expect("ok");
    assert_eq!(drops.len(), created.load(Ordering::Relaxed), "every item was dropped");
    assert!(drops.values().all(|&n| n == 1), "an item was dropped twice");
    assert!(cancelled.load(Ordering::Relaxed) > 0, "no put or get was ever cancelled");
    eprintln!(
        "{} items created, {} put, {} taken, {} operations cancelled",
        created.load(Ordering::Relaxed),
        put_ok.len(),
        taken.len(),
        cancelled.load(Ordering::Relaxed)
    );
}

macro_rules! queue_stress {
    ($($name:ident => $order:ty, $immediate:expr;)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            tokio::time::timeout(HANG, hammer_queue::<$order>($immediate))
                .await
                .expect("no hang");
        }
    )*};
}

queue_stress! {
    fifo_queue_loses_no_item => Fifo, false;
    lifo_queue_loses_no_item => Lifo, false;
    priority_queue_loses_no_item => Priority, false;
    fifo_queue_shut_down_at_once_frees_every_item => Fifo, true;
}
