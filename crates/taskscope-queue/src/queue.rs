//! `Queue`: the first-in, first-out work queue.

use crate::{Fifo, JoinableQueue};

/// A first-in, first-out work queue with `task_done`/`join` and shutdown:
/// asyncio's `Queue` for tokio.
///
/// `Queue<T>` is [`JoinableQueue<T, Fifo>`](JoinableQueue): every method is
/// documented there.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::queue::Queue;
///
/// let queue = Queue::bounded(10).unwrap();
/// queue.put("a").await.unwrap();
/// queue.put("b").await.unwrap();
/// assert_eq!(queue.get().await.unwrap(), "a");
/// assert_eq!(queue.get().await.unwrap(), "b");
/// # }
/// ```
pub type Queue<T> = JoinableQueue<T, Fifo>;
