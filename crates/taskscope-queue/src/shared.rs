//! `Shared`: a queue's state, and the state machine every order uses.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use crate::error::{QueueShutdown, TaskDoneError, TryGetError, TryPutError};
use crate::store::Store;
use crate::wait_list::{WaitList, WaitState};

/// Whether the queue still takes items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Open,
    /// `shutdown()`: no more puts; gets drain what is left.
    Shutdown,
    /// `shutdown_immediate()`: emptied; every put and get fails.
    Immediate,
}

/// The state of one queue, shared by its handles through an `Arc`.
///
/// Everything lives under one mutex: no hand-written atomics, so there is
/// no lock-free protocol to model-check. A critical section is a few
/// field updates and one push or pop; wakers are called after unlocking.
pub(crate) struct Shared<T> {
    state: Mutex<State<T>>,
    /// `usize::MAX` for an unbounded queue.
    capacity: usize,
    /// Whether the queue was built bounded (`bounded(usize::MAX)` is).
    bounded: bool,
}

struct State<T> {
    items: Store<T>,
    /// Items in `items` promised to getters that were woken for them and
    /// have not taken them yet. Fresh getters may only take the others, so
    /// nobody overtakes a getter that waited (FIFO), and a woken getter
    /// that is dropped passes its claim to the next in line.
    claimed: usize,
    /// Free slots promised to woken putters, in the same way.
    reserved: usize,
    /// Items ever put, and items marked done (by `task_done`, a dropped
    /// guard, or `shutdown_immediate`). Unfinished = `put - done`.
    put: u64,
    done: u64,
    mode: Mode,
    getters: WaitList,
    putters: WaitList,
    joiners: WaitList,
    /// Live `WorkerPool` workers attached to this queue.
    pool_workers: usize,
}

/// Wakers collected under the lock and called after it is released.
#[derive(Default)]
struct Wake {
    one: Option<Waker>,
    many: Vec<Waker>,
}

impl Wake {
    fn push(&mut self, waker: Option<Waker>) {
        if let Some(waker) = waker {
            if self.one.is_none() {
                self.one = Some(waker);
            } else {
                self.many.push(waker);
            }
        }
    }

    fn run(self) {
        if let Some(waker) = self.one {
            waker.wake();
        }
        for waker in self.many {
            waker.wake();
        }
    }
}

impl<T> State<T> {
    fn available(&self) -> usize {
        self.items.len().saturating_sub(self.claimed)
    }

    fn free(&self, capacity: usize) -> usize {
        capacity.saturating_sub(self.items.len() + self.reserved)
    }

    /// Hands the items nobody has claimed to the getters in line.
    fn grant_getters(&mut self, wake: &mut Wake) {
        while self.available() > 0 && self.getters.has_waiters() {
            self.claimed += 1;
            wake.push(self.getters.wake_first());
        }
    }

    /// Hands the free slots nobody has reserved to the putters in line.
    fn grant_putters(&mut self, capacity: usize, wake: &mut Wake) {
        while self.free(capacity) > 0 && self.putters.has_waiters() {
            self.reserved += 1;
            wake.push(self.putters.wake_first());
        }
    }

    fn insert(&mut self, item: T, wake: &mut Wake) {
        // Count first: if a priority queue's `Ord` panics inside `push`,
        // the item is still in the heap and still counted.
        self.put += 1;
        self.items.push(item);
        self.grant_getters(wake);
    }

    fn take(&mut self, capacity: usize, wake: &mut Wake) -> Option<T> {
        let item = self.items.pop();
        self.grant_putters(capacity, wake);
        item
    }

    fn unfinished(&self) -> u64 {
        self.put - self.done
    }
}

impl<T> Shared<T> {
    pub(crate) fn new(items: Store<T>, capacity: Option<usize>) -> Self {
        Shared {
            state: Mutex::new(State {
                items,
                claimed: 0,
                reserved: 0,
                put: 0,
                done: 0,
                mode: Mode::Open,
                getters: WaitList::default(),
                putters: WaitList::default(),
                joiners: WaitList::default(),
                pool_workers: 0,
            }),
            capacity: capacity.unwrap_or(usize::MAX),
            bounded: capacity.is_some(),
        }
    }

    /// Locks the state. A panic under the lock (only a priority queue's
    /// `Ord` can panic there) leaves the counters consistent, so poisoning
    /// is ignored rather than turned into a panic of every later call.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn capacity(&self) -> Option<usize> {
        self.bounded.then_some(self.capacity)
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().items.len()
    }

    pub(crate) fn is_full(&self) -> bool {
        self.lock().items.len() >= self.capacity
    }

    pub(crate) fn unfinished(&self) -> usize {
        usize::try_from(self.lock().unfinished()).unwrap_or(usize::MAX)
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.lock().mode != Mode::Open
    }

    // ----- put -----

    pub(crate) fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        let mut wake = Wake::default();
        let mut state = self.lock();
        if state.mode != Mode::Open {
            return Err(TryPutError::Shutdown(item));
        }
        if state.free(self.capacity) == 0 {
            return Err(TryPutError::Full(item));
        }
        state.insert(item, &mut wake);
        drop(state);
        wake.run();
        Ok(())
    }

    /// Polls a `put`: `item` is moved into the queue only when this
    /// returns `Ready(Ok(()))`; on `Ready(Err(()))` it is still in `item`.
    pub(crate) fn poll_put(
        &self,
        key: &mut Option<usize>,
        item: &mut Option<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), ()>> {
        let mut wake = Wake::default();
        let mut state = self.lock();
        let ready = match *key {
            Some(k) => match state.putters.state(k) {
                WaitState::Waiting => {
                    state.putters.update(k, cx.waker());
                    return Poll::Pending;
                }
                WaitState::Woken => {
                    *key = None;
                    state.putters.release(k);
                    state.reserved -= 1;
                    true
                }
                WaitState::Closed => {
                    *key = None;
                    state.putters.release(k);
                    return Poll::Ready(Err(()));
                }
            },
            None => {
                if state.mode != Mode::Open {
                    return Poll::Ready(Err(()));
                }
                state.free(self.capacity) > 0
            }
        };
        if !ready {
            *key = Some(state.putters.park(cx.waker()));
            return Poll::Pending;
        }
        if let Some(item) = item.take() {
            state.insert(item, &mut wake);
        }
        drop(state);
        wake.run();
        Poll::Ready(Ok(()))
    }

    /// A `put` was dropped while parked: leave the line, or pass a reserved
    /// slot on to the next putter.
    pub(crate) fn cancel_put(&self, key: usize) {
        let mut wake = Wake::default();
        let mut state = self.lock();
        if state.putters.release(key) == WaitState::Woken {
            state.reserved -= 1;
            state.grant_putters(self.capacity, &mut wake);
        }
        drop(state);
        wake.run();
    }

    // ----- get -----

    pub(crate) fn try_get(&self) -> Result<T, TryGetError> {
        let mut wake = Wake::default();
        let mut state = self.lock();
        if state.available() == 0 {
            return Err(if state.mode == Mode::Open {
                TryGetError::Empty
            } else {
                TryGetError::Shutdown
            });
        }
        let item = state.take(self.capacity, &mut wake);
        drop(state);
        wake.run();
        item.ok_or(TryGetError::Empty)
    }

    pub(crate) fn poll_get(
        &self,
        key: &mut Option<usize>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, QueueShutdown>> {
        let mut wake = Wake::default();
        let mut state = self.lock();
        if let Some(k) = *key {
            match state.getters.state(k) {
                WaitState::Waiting => {
                    state.getters.update(k, cx.waker());
                    return Poll::Pending;
                }
                WaitState::Woken => {
                    *key = None;
                    state.getters.release(k);
                    state.claimed -= 1;
                    if let Some(item) = state.take(self.capacity, &mut wake) {
                        drop(state);
                        wake.run();
                        return Poll::Ready(Ok(item));
                    }
                    // Unreachable while `claimed <= len` holds; fall
                    // through and behave like a fresh get.
                }
                WaitState::Closed => {
                    *key = None;
                    state.getters.release(k);
                    return Poll::Ready(Err(QueueShutdown::new(())));
                }
            }
        }
        if state.available() > 0 {
            if let Some(item) = state.take(self.capacity, &mut wake) {
                drop(state);
                wake.run();
                return Poll::Ready(Ok(item));
            }
        }
        if state.mode != Mode::Open {
            return Poll::Ready(Err(QueueShutdown::new(())));
        }
        *key = Some(state.getters.park(cx.waker()));
        Poll::Pending
    }

    /// A `get` was dropped while parked: leave the line, or pass a claimed
    /// item on to the next getter. The item itself never left the queue.
    pub(crate) fn cancel_get(&self, key: usize) {
        let mut wake = Wake::default();
        let mut state = self.lock();
        if state.getters.release(key) == WaitState::Woken {
            state.claimed -= 1;
            state.grant_getters(&mut wake);
        }
        drop(state);
        wake.run();
    }

    // ----- task_done / join -----

    pub(crate) fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut wakers = Vec::new();
        let mut state = self.lock();
        if state.unfinished() == 0 {
            return Err(TaskDoneError::new(state.put, state.done));
        }
        state.done += 1;
        if state.unfinished() == 0 {
            state.joiners.wake_all(&mut wakers);
        }
        drop(state);
        wakers.into_iter().for_each(Waker::wake);
        Ok(())
    }

    pub(crate) fn poll_join(&self, key: &mut Option<usize>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.lock();
        match *key {
            Some(k) => match state.joiners.state(k) {
                WaitState::Waiting => {
                    state.joiners.update(k, cx.waker());
                    Poll::Pending
                }
                WaitState::Woken | WaitState::Closed => {
                    *key = None;
                    state.joiners.release(k);
                    Poll::Ready(())
                }
            },
            None if state.unfinished() == 0 => Poll::Ready(()),
            None => {
                *key = Some(state.joiners.park(cx.waker()));
                Poll::Pending
            }
        }
    }

    pub(crate) fn cancel_join(&self, key: usize) {
        self.lock().joiners.release(key);
    }

    // ----- shutdown -----

    pub(crate) fn shutdown(&self, immediate: bool) {
        let state = self.lock();
        Self::shutdown_locked(state, immediate);
    }

    /// Shuts down under the given lock, then releases it, drops what the
    /// shutdown removed, and wakes every waiter that must see it.
    fn shutdown_locked(mut state: MutexGuard<'_, State<T>>, immediate: bool) {
        let mut wakers = Vec::new();
        let mut dropped = None;
        if immediate {
            if state.mode != Mode::Immediate {
                state.mode = Mode::Immediate;
                let items = state.items.take_all();
                state.done += items.len() as u64;
                dropped = Some(items);
                // Claims die with the items: woken getters fail too.
                state.claimed = 0;
                state.getters.close(true, &mut wakers);
            }
        } else if state.mode == Mode::Open {
            state.mode = Mode::Shutdown;
        }
        // Getters in line had nothing to take (anything unclaimed would
        // have been handed to them), and nothing more will come. Woken
        // getters keep their claims and drain the queue.
        state.getters.close(false, &mut wakers);
        // Every putter fails, even one that was handed a slot.
        state.putters.close(true, &mut wakers);
        state.reserved = 0;
        if state.unfinished() == 0 {
            state.joiners.wake_all(&mut wakers);
        }
        drop(state);
        // The dropped items' destructors run outside the lock.
        drop(dropped);
        wakers.into_iter().for_each(Waker::wake);
    }

    // ----- worker pools -----

    pub(crate) fn attach_workers(&self, n: usize) {
        self.lock().pool_workers += n;
    }

    /// One pool worker stopped. If it was the last, and it did not stop
    /// because the queue was shut down and drained, nobody is left to
    /// process items: the queue is shut down immediately rather than
    /// leaving producers and joiners waiting forever.
    pub(crate) fn detach_worker(&self, drained: bool) {
        let mut state = self.lock();
        state.pool_workers = state.pool_workers.saturating_sub(1);
        if state.pool_workers == 0 && !drained {
            Self::shutdown_locked(state, true);
        }
    }

    /// A summary for `Debug`, without requiring `T: Debug`.
    pub(crate) fn debug(&self, name: &str, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        let mut d = f.debug_struct(name);
        d.field("order", &state.items.order())
            .field("len", &state.items.len())
            .field("capacity", &self.capacity())
            .field("unfinished", &state.unfinished())
            .field(
                "shutdown",
                &match state.mode {
                    Mode::Open => "no",
                    Mode::Shutdown => "draining",
                    Mode::Immediate => "immediate",
                },
            )
            .field("waiting_getters", &state.getters.waiting())
            .field("waiting_putters", &state.putters.waiting())
            .finish()
    }
}
