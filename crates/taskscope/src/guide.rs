//! From `join_all` to taskscope: the hand-written patterns and their scopes.
//!
//! Each section shows code a tokio user writes today, what goes wrong with
//! it, and the scope that replaces it. All examples run as tests.
//!
//! # 1. `join_all` over spawned tasks
//!
//! Before: every task runs to the end even when the first one failed, and
//! a task whose handle is dropped (an early `?`) keeps running unowned.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! async fn fetch(i: u32) -> Result<u32, String> {
//!     if i == 2 { Err(format!("page {i} failed")) } else { Ok(i) }
//! }
//!
//! let handles: Vec<_> = (0..4).map(|i| tokio::spawn(fetch(i))).collect();
//! let results = futures::future::join_all(handles).await;
//! // Every task ran to its end; the failure is one result among others.
//! assert_eq!(results.iter().filter(|r| matches!(r, Ok(Err(_)))).count(), 1);
//! # }
//! ```
//!
//! After: the first failure cancels the rest, and the error names its task.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! # async fn fetch(i: u32) -> Result<u32, String> {
//! #     if i == 2 { Err(format!("page {i} failed")) } else { Ok(i) }
//! # }
//! let err = taskscope::scope(async |tg| {
//!     for i in 0..4 {
//!         tg.spawn_named(format!("fetch-{i}"), fetch(i));
//!     }
//!     Ok(())
//! })
//! .await
//! .unwrap_err();
//! assert_eq!(err.first().unwrap().task().name(), "fetch-2");
//! # }
//! ```
//!
//! # 2. `try_join_all`: only the first error
//!
//! Before: `try_join_all` stops at the first error and drops the others, and
//! its futures run on one task, not in parallel.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let first = futures::future::try_join_all([
//!     Box::pin(async { Err::<(), _>("a") }) as std::pin::Pin<Box<dyn std::future::Future<Output = _>>>,
//!     Box::pin(async { Err("b") }),
//! ])
//! .await
//! .unwrap_err();
//! assert_eq!(first, "a"); // "b" is lost
//! # }
//! ```
//!
//! After: every error that happened is kept, in order; with
//! [`Policy::CollectAll`](crate::Policy::CollectAll) nothing is cancelled.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! use taskscope::{Policy, TaskGroup};
//!
//! let err = TaskGroup::builder()
//!     .policy(Policy::CollectAll)
//!     .scope(async |tg| {
//!         tg.spawn_named("a", async { Err::<(), _>("a") });
//!         tg.spawn_named("b", async { Err::<(), _>("b") });
//!         Ok(())
//!     })
//!     .await
//!     .unwrap_err();
//! let errors: Vec<_> = err.iter().filter_map(|e| e.as_failed().copied()).collect();
//! assert_eq!(errors, ["a", "b"]);
//! # }
//! ```
//!
//! # 3. A `JoinSet` loop with manual fail-fast
//!
//! Before: you drain `join_next`, check each result, remember to
//! `abort_all` on the first error, and then still drain the rest —
//! distinguishing cancelled tasks from failed ones by hand.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! use tokio::task::JoinSet;
//!
//! let mut set = JoinSet::new();
//! for i in 0..4u32 {
//!     set.spawn(async move { if i == 1 { Err("boom") } else { std::future::pending().await } });
//! }
//! let mut errors = Vec::new();
//! while let Some(joined) = set.join_next().await {
//!     match joined {
//!         Ok(Err(e)) => {
//!             errors.push(e);
//!             set.abort_all();
//!         }
//!         Err(e) if e.is_cancelled() => {}
//!         Err(e) => std::panic::resume_unwind(e.into_panic()),
//!         Ok(Ok(())) => {}
//!     }
//! }
//! assert_eq!(errors, ["boom"]);
//! # }
//! ```
//!
//! After: that loop is the scope's default behaviour.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let err = taskscope::scope(async |tg| {
//!     for i in 0..4u32 {
//!         tg.spawn(async move {
//!             if i == 1 { Err("boom") } else { std::future::pending::<Result<(), _>>().await }
//!         });
//!     }
//!     Ok(())
//! })
//! .await
//! .unwrap_err();
//! assert_eq!(err.len(), 1);
//! # }
//! ```
//!
//! # 4. `select!` on a shutdown token in every task
//!
//! Before: each task wraps its work in `select!` with a
//! `CancellationToken`, and the spawner has to track the tasks to wait for
//! them after cancelling.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! use tokio_util::sync::CancellationToken;
//!
//! let token = CancellationToken::new();
//! let mut handles = Vec::new();
//! for _ in 0..3 {
//!     let token = token.clone();
//!     handles.push(tokio::spawn(async move {
//!         tokio::select! {
//!             _ = token.cancelled() => {}
//!             _ = std::future::pending::<()>() => {}
//!         }
//!     }));
//! }
//! token.cancel();
//! for handle in handles {
//!     handle.await.unwrap();
//! }
//! # }
//! ```
//!
//! After: cancel the group; its children are stopped at their next await
//! without any `select!`, and the scope waits for them.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! taskscope::scope(async |tg| {
//!     for _ in 0..3 {
//!         tg.spawn(std::future::pending::<Result<(), ()>>());
//!     }
//!     tg.cancel();
//!     Ok(())
//! })
//! .await
//! .unwrap();
//! # }
//! ```
//!
//! # 5. Background tasks owned by a struct
//!
//! Before: a server keeps `JoinHandle`s in a `Vec` (growing forever) or
//! detaches its connection tasks, which then outlive the server.
//!
//! After: an owned [`TaskGroup`](crate::TaskGroup). Finished connections
//! are reaped at once, so memory stays flat; dropping the server aborts
//! them; `join` drains them and reports every error.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! use taskscope::TaskGroup;
//!
//! struct Server {
//!     connections: TaskGroup<std::io::Error>,
//! }
//!
//! impl Server {
//!     fn accept(&self, id: u64) {
//!         self.connections.spawn_named(format!("conn-{id}"), async move {
//!             // serve the connection...
//!             Ok(())
//!         });
//!     }
//! }
//!
//! let server = Server { connections: TaskGroup::new() };
//! for id in 0..100 {
//!     server.accept(id);
//! }
//! server.connections.join().await.unwrap();
//! # }
//! ```
