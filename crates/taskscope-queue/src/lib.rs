//! Work queues for tokio that know when the work is done: `join`, `task_done`, `shutdown`.
//!
//! asyncio's `Queue`, `LifoQueue` and `PriorityQueue`, with `task_done`/`join`
//! and Python 3.13's `shutdown`, for tokio.
//!
//! # Why a queue with `join`
//!
//! A channel tells a producer that an item was *received*. A work queue's
//! producer usually needs more: to know that every item was *processed*
//! — the crawl is finished, every image is resized, the batch is written —
//! before it moves on, reports, or shuts down. So each item put counts as
//! *unfinished* until a worker marks it done, and
//! [`join`](JoinableQueue::join) waits until nothing is unfinished. That
//! includes items that workers put back while they work (a crawler adding
//! links), because they are put before the item that produced them is
//! done.
//!
//! Marking done by hand ([`task_done`](JoinableQueue::task_done)) is easy
//! to get wrong: a worker that fails, panics, or is cancelled between
//! `get` and `task_done` leaves `join` waiting forever. Take items with
//! [`get_guarded`](JoinableQueue::get_guarded) instead: the [`Taken`]
//! guard it returns marks the item done when it is dropped, however the
//! worker ends.
//!
//! # The queues
//!
//! [`Queue`] hands items out first in, first out; [`LifoQueue`] last in,
//! first out; [`PriorityQueue`] smallest first (like asyncio and `heapq`;
//! the opposite of `std`'s `BinaryHeap`). All three are the one type
//! [`JoinableQueue<T, O>`](JoinableQueue), with the order as a type
//! parameter, so they share one implementation and one set of docs.
//!
//! * [`bounded(n)`](JoinableQueue::bounded) holds at most `n` items and
//!   makes [`put`](JoinableQueue::put) wait for room: back-pressure.
//!   `bounded(0)` is an error — asyncio reads `maxsize=0` as "no limit",
//!   which is spelled [`unbounded()`](JoinableQueue::unbounded) here.
//! * Many producers and many consumers: a queue is cheap to clone (an
//!   `Arc`), and every clone is the same queue.
//! * [`try_put`](JoinableQueue::try_put) and
//!   [`try_get`](JoinableQueue::try_get) never wait; `len`, `is_empty`,
//!   `is_full`, `capacity` and [`unfinished`](JoinableQueue::unfinished)
//!   report the state.
//!
//! # Shutting down
//!
//! A queue has no sender side whose drop could close it. You shut it down
//! when no more items will come — usually right after `join` — and that is
//! how workers learn to stop. The rules are Python 3.13's:
//!
//! * [`shutdown()`](JoinableQueue::shutdown): every `put` fails with
//!   [`QueueShutdown`], those already waiting included, and the error hands
//!   the item back, so nothing is lost silently. Getters go on draining
//!   the items still queued; once none is left, `get` fails with
//!   `QueueShutdown`, and getters that were waiting wake up to fail.
//! * [`shutdown_immediate()`](JoinableQueue::shutdown_immediate): as
//!   above, but the queued items are dropped, and count as done (so a
//!   `join` waiting only for them returns); every waiter wakes with
//!   `QueueShutdown`.
//! * Neither forgets an item already taken: `join` still waits for its
//!   `task_done`.
//!
//! # Cancel safety
//!
//! Every future here may be dropped at any await point — by a `select!`, a
//! timeout, or a task group cancelling its children — without losing
//! anything:
//!
//! * a cancelled `get` never loses an item: an item leaves the queue only
//!   in the poll that returns it;
//! * a cancelled `put` never inserts its item: it is dropped with the
//!   future;
//! * waiting putters and waiting getters are each served first come, first
//!   served, and nobody who arrives later overtakes them — not even
//!   `try_get`/`try_put`. A waiter whose turn came (an item or a slot was
//!   promised to it, not yet taken) and that is then dropped passes its
//!   turn to the next in line, so a cancelled waiter blocks nobody.
//!
//! `put` and `get` also take part in tokio's cooperative scheduling, like
//! tokio's own channels: a worker that always finds an item yields to the
//! scheduler now and then.
//!
//! # Worker pools
//!
//! [`WorkerPool`] ties a queue to a task group: N workers, each a named
//! child of the group, take items and run your handler on each; a handler
//! error goes to the group's [`ErrorGroup`](taskscope_task_group::ErrorGroup)
//! (and, fail-fast, cancels the rest). [`WorkerPool::run`] does the whole
//! producer–`join`–`shutdown` pattern in one call; [`WorkerPool::spawn`]
//! adds the workers to a scope of your own, as in this three-stage
//! pipeline:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! use std::collections::BTreeMap;
//! use std::sync::{Arc, Mutex};
//! use std::time::Duration;
//! use taskscope::queue::{Queue, WorkerPool};
//!
//! let urls = Queue::bounded(4).unwrap(); //  stage 1: fetch
//! let pages = Queue::bounded(4).unwrap(); // stage 2: split into words
//! let words = Queue::unbounded(); //         stage 3: count
//! let counts = Arc::new(Mutex::new(BTreeMap::new()));
//!
//! taskscope::scope(async |tg| {
//!     let next = pages.clone();
//!     WorkerPool::new(3)?.name("fetch").spawn(&tg, &urls, move |url: &'static str| {
//!         let next = next.clone();
//!         async move {
//!             tokio::time::sleep(Duration::from_millis(50)).await; // the download
//!             next.put(format!("{url} hello world")).await?;
//!             Ok(())
//!         }
//!     })?;
//!
//!     let next = words.clone();
//!     WorkerPool::new(2)?.name("split").spawn(&tg, &pages, move |page: String| {
//!         let next = next.clone();
//!         async move {
//!             for word in page.split_whitespace().skip(1) {
//!                 next.put(word.to_string()).await?;
//!             }
//!             Ok(())
//!         }
//!     })?;
//!
//!     let totals = counts.clone();
//!     WorkerPool::new(1)?.name("count").spawn(&tg, &words, move |word: String| {
//!         *totals.lock().unwrap().entry(word).or_insert(0) += 1;
//!         async { Ok(()) }
//!     })?;
//!
//!     for url in ["a.example", "b.example", "c.example", "d.example", "e.example"] {
//!         urls.put(url).await?;
//!     }
//!     // Drain the stages in order. A stage's item is done only once its
//!     // handler has put the results in the next queue, so when `join`
//!     // returns, the next stage has everything it will ever get.
//!     urls.join().await;
//!     urls.shutdown();
//!     pages.join().await;
//!     pages.shutdown();
//!     words.join().await;
//!     words.shutdown();
//!     Ok::<_, taskscope::BoxError>(())
//! })
//! .await
//! .unwrap(); // the scope returns once every worker has stopped
//!
//! let counts = counts.lock().unwrap();
//! assert_eq!((counts["hello"], counts["world"]), (5, 5));
//! # }
//! ```
//!
//! # Comparison
//!
//! | | this crate | `asyncio.Queue` | `tokio::sync::mpsc` | `async-channel` |
//! |---|---|---|---|---|
//! | consumers | many | many | one | many |
//! | orders | FIFO, LIFO, priority | FIFO, LIFO, priority | FIFO | FIFO |
//! | `task_done` / `join` | yes, and a drop guard | yes | no | no |
//! | closed by | `shutdown()` | `shutdown()` (3.13) | dropping every sender | dropping every sender |
//! | capacity 0 | an error | means unbounded | panics | panics |
//! | a woken waiter | is promised its item or slot | re-checks; a newcomer may take it first | is promised its slot | re-checks |
//!
//! Use a channel when you pass messages and need no `join`: it closes by
//! itself when the senders are gone, and `async-channel` is lock-free.
//! Use this queue when producers must know that the work is processed, when
//! the order is not FIFO, or when you port asyncio code.
//!
//! # Implementation
//!
//! No channel has `task_done`/`join`, a LIFO or priority order, or a
//! shutdown that drains and hands refused items back; and `join` needs the
//! unfinished count to change in the same step as the item goes in, which
//! a wrapper around a channel could only do with a second lock. So each
//! queue is one `std::sync::Mutex` over the items (a `VecDeque`, a `Vec`
//! or a `BinaryHeap`), the counters and three first-come, first-served
//! lines of waiters (getters, putters, joiners). There are no hand-written
//! atomics, hence no lock-free protocol for loom to model-check; wakers
//! run after the lock is released, and items dropped by
//! `shutdown_immediate` are dropped outside it. `cargo bench -p
//! taskscope-queue` measures put/get throughput against `async-channel`
//! and `tokio::sync::mpsc`.
#![forbid(unsafe_code)]

mod error;
mod fifo;
mod get;
mod get_guarded;
mod join;
mod joinable_queue;
mod lifo;
mod lifo_queue;
mod order;
mod priority;
mod priority_queue;
mod put;
mod queue;
mod shared;
mod store;
mod taken;
mod wait_list;
mod worker_pool;

pub use error::{
    CapacityError, QueueShutdown, TaskDoneError, TryGetError, TryPutError, WorkersError,
};
pub use fifo::Fifo;
pub use get::Get;
pub use get_guarded::GetGuarded;
pub use join::Join;
pub use joinable_queue::JoinableQueue;
pub use lifo::Lifo;
pub use lifo_queue::LifoQueue;
pub use order::Order;
pub use priority::Priority;
pub use priority_queue::PriorityQueue;
pub use put::Put;
pub use queue::Queue;
pub use taken::Taken;
pub use worker_pool::WorkerPool;
