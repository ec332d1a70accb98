//! `Order`: the sealed trait naming the order a queue hands items out in.

use std::collections::VecDeque;

use crate::store::Store;
use crate::{Fifo, Lifo, Priority};

/// The order a [`JoinableQueue`](crate::JoinableQueue) hands its items out
/// in: [`Fifo`], [`Lifo`] or [`Priority`].
///
/// The order is a type parameter, so that [`Queue`](crate::Queue),
/// [`LifoQueue`](crate::LifoQueue) and [`PriorityQueue`](crate::PriorityQueue)
/// are one type with one implementation and one set of docs, and code that
/// takes a queue works with all three. The trait is sealed: the three
/// orders are the only ones.
///
/// # Examples
///
/// ```
/// use taskscope::queue::{JoinableQueue, Order};
///
/// // Works with a queue of any order.
/// fn backlog<T, O: Order<T>>(queue: &JoinableQueue<T, O>) -> usize {
///     queue.len()
/// }
///
/// let queue = taskscope::queue::PriorityQueue::unbounded();
/// queue.try_put(3).unwrap();
/// assert_eq!(backlog(&queue), 1);
/// ```
pub trait Order<T>: sealed::Sealed<T> + 'static {}

pub(crate) mod sealed {
    use crate::store::Store;

    /// Builds the store for an order. Not nameable outside the crate,
    /// which seals [`Order`](super::Order).
    pub trait Sealed<T> {
        #[doc(hidden)]
        fn store() -> Store<T>;
    }
}

impl<T> sealed::Sealed<T> for Fifo {
    fn store() -> Store<T> {
        Store::Fifo(VecDeque::new())
    }
}

impl<T> Order<T> for Fifo {}

impl<T> sealed::Sealed<T> for Lifo {
    fn store() -> Store<T> {
        Store::Lifo(Vec::new())
    }
}

impl<T> Order<T> for Lifo {}

impl<T: Ord> sealed::Sealed<T> for Priority {
    fn store() -> Store<T> {
        Store::priority()
    }
}

impl<T: Ord> Order<T> for Priority {}
