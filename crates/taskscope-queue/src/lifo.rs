//! `Lifo`: the last-in, first-out order of [`LifoQueue`](crate::LifoQueue).

/// Last in, first out: the most recently put item comes out first. The
/// order of [`LifoQueue`](crate::LifoQueue), asyncio's `LifoQueue`; handy
/// for depth-first crawls and for keeping caches warm.
///
/// A type-level marker for [`JoinableQueue`](crate::JoinableQueue); it has
/// no values.
///
/// # Examples
///
/// ```
/// use taskscope::queue::LifoQueue;
///
/// let queue = LifoQueue::unbounded();
/// for i in [1, 3, 2] {
///     queue.try_put(i).unwrap();
/// }
/// let out: Vec<_> = std::iter::from_fn(|| queue.try_get().ok()).collect();
/// assert_eq!(out, [2, 3, 1]);
/// ```
#[derive(Debug)]
pub enum Lifo {}
