//! `Store`: the items of a queue, kept in FIFO, LIFO or priority order.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;

/// The items of one queue.
///
/// `pub` only so that the sealed [`Order`](crate::Order) trait can name it;
/// the module is private, so nothing outside the crate can.
///
/// One enum serves the three orders, so that the queue's state machine is
/// written once. The order is fixed when the queue is built; the heap's
/// operations are captured there as function pointers, where `T: Ord` is
/// known, so nothing else in the crate needs that bound.
pub enum Store<T> {
    /// First in, first out.
    Fifo(VecDeque<T>),
    /// Last in, first out.
    Lifo(Vec<T>),
    /// Smallest first (a min-heap, like Python's `heapq`).
    Priority(Heap<T>),
}

/// A min-heap and the two operations that need `T: Ord`.
pub struct Heap<T> {
    heap: BinaryHeap<Reverse<T>>,
    push: fn(&mut BinaryHeap<Reverse<T>>, T),
    pop: fn(&mut BinaryHeap<Reverse<T>>) -> Option<T>,
}

impl<T> Store<T> {
    /// An empty min-heap store.
    pub(crate) fn priority() -> Self
    where
        T: Ord,
    {
        Store::Priority(Heap {
            heap: BinaryHeap::new(),
            push: |heap, item| heap.push(Reverse(item)),
            pop: |heap| heap.pop().map(|Reverse(item)| item),
        })
    }

    pub(crate) fn push(&mut self, item: T) {
        match self {
            Store::Fifo(items) => items.push_back(item),
            Store::Lifo(items) => items.push(item),
            Store::Priority(h) => (h.push)(&mut h.heap, item),
        }
    }

    pub(crate) fn pop(&mut self) -> Option<T> {
        match self {
            Store::Fifo(items) => items.pop_front(),
            Store::Lifo(items) => items.pop(),
            Store::Priority(h) => (h.pop)(&mut h.heap),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Store::Fifo(items) => items.len(),
            Store::Lifo(items) => items.len(),
            Store::Priority(h) => h.heap.len(),
        }
    }

    /// Takes every item out, leaving an empty store of the same order. The
    /// caller drops what it took after unlocking the queue, so that an
    /// item's `Drop` never runs under the lock.
    pub(crate) fn take_all(&mut self) -> Self {
        let empty = match self {
            Store::Fifo(_) => Store::Fifo(VecDeque::new()),
            Store::Lifo(_) => Store::Lifo(Vec::new()),
            Store::Priority(h) => {
                Store::Priority(Heap { heap: BinaryHeap::new(), push: h.push, pop: h.pop })
            }
        };
        std::mem::replace(self, empty)
    }

    /// The order's name, for `Debug`.
    pub(crate) fn order(&self) -> &'static str {
        match self {
            Store::Fifo(_) => "fifo",
            Store::Lifo(_) => "lifo",
            Store::Priority(_) => "priority",
        }
    }
}

impl<T> fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("order", &self.order()).field("len", &self.len()).finish()
    }
}

impl<T> fmt::Debug for Heap<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Heap").field("len", &self.heap.len()).finish()
    }
}
