//! `LifoQueue`: the last-in, first-out work queue.

use crate::{JoinableQueue, Lifo};

/// A last-in, first-out work queue (a stack) with `task_done`/`join` and
/// shutdown: asyncio's `LifoQueue` for tokio.
///
/// `LifoQueue<T>` is [`JoinableQueue<T, Lifo>`](JoinableQueue): every
/// method is documented there.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::queue::LifoQueue;
///
/// let queue = LifoQueue::unbounded();
/// queue.put("a").await.unwrap();
/// queue.put("b").await.unwrap();
/// assert_eq!(queue.get().await.unwrap(), "b");
/// assert_eq!(queue.get().await.unwrap(), "a");
/// # }
/// ```
pub type LifoQueue<T> = JoinableQueue<T, Lifo>;
