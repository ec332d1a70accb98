//! `Priority`: the smallest-first order of [`PriorityQueue`](crate::PriorityQueue).

/// Smallest first: `get` returns the least item by `Ord`, as asyncio's
/// `PriorityQueue` (a `heapq` min-heap) does. This is the opposite of
/// `std::collections::BinaryHeap`, which pops the greatest; wrap items in
/// [`std::cmp::Reverse`] for largest first.
///
/// Items that compare equal come out in no particular order, as with
/// `heapq`. To get first-in, first-out among equal priorities, put
/// `(priority, sequence, item)` tuples with a counter as the sequence.
///
/// `Ord` runs under the queue's lock: keep it cheap, and do not touch the
/// queue from inside it. If it panics, the panic reaches the caller of
/// `put` or `get`; the queue stays usable, but an item being moved by the
/// heap at that moment may be lost.
///
/// A type-level marker for [`JoinableQueue`](crate::JoinableQueue); it has
/// no values.
///
/// # Examples
///
/// ```
/// use taskscope::queue::PriorityQueue;
///
/// let queue = PriorityQueue::unbounded();
/// for job in [(2, "write"), (1, "read"), (3, "log")] {
///     queue.try_put(job).unwrap();
/// }
/// let out: Vec<_> = std::iter::from_fn(|| queue.try_get().ok()).collect();
/// assert_eq!(out, [(1, "read"), (2, "write"), (3, "log")]);
/// ```
#[derive(Debug)]
pub enum Priority {}
