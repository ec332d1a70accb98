//! `PriorityQueue`: the smallest-first work queue.

use crate::{JoinableQueue, Priority};

/// A work queue that hands out the smallest item first (by `Ord`), with
/// `task_done`/`join` and shutdown: asyncio's `PriorityQueue` for tokio.
///
/// Smallest first, like asyncio and `heapq`, unlike `std`'s `BinaryHeap`;
/// see [`Priority`] for ties and for largest-first.
/// `PriorityQueue<T>` is [`JoinableQueue<T, Priority>`](JoinableQueue):
/// every method is documented there; building one needs `T: Ord`.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::queue::PriorityQueue;
///
/// let queue = PriorityQueue::bounded(10).unwrap();
/// queue.put((5, "later")).await.unwrap();
/// queue.put((1, "urgent")).await.unwrap();
/// assert_eq!(queue.get().await.unwrap(), (1, "urgent"));
/// # }
/// ```
pub type PriorityQueue<T> = JoinableQueue<T, Priority>;
