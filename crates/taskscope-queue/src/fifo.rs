//! `Fifo`: the first-in, first-out order of [`Queue`](crate::Queue).

/// First in, first out: items come out in the order they were put. The
/// order of [`Queue`](crate::Queue), asyncio's `Queue`.
///
/// A type-level marker for [`JoinableQueue`](crate::JoinableQueue); it has
/// no values.
///
/// # Examples
///
/// ```
/// use taskscope::queue::{Fifo, JoinableQueue, Queue};
///
/// let queue: JoinableQueue<u32, Fifo> = Queue::unbounded();
/// for i in [1, 3, 2] {
///     queue.try_put(i).unwrap();
/// }
/// let out: Vec<_> = std::iter::from_fn(|| queue.try_get().ok()).collect();
/// assert_eq!(out, [1, 3, 2]);
/// ```
#[derive(Debug)]
pub enum Fifo {}
