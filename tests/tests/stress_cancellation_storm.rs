//! Stress: cancellation storms on the multi-thread runtime. A tree of
//! thousands of nested groups (`spawn_group`, and scopes inside children)
//! full of children that never end is stopped all at once — by `cancel()`,
//! by one failure deep down, by dropping the root scope's future, or by a
//! cancel with a grace period that every child uses to clean up — and
//! afterwards nothing is left alive, the root returned, and exactly the
//! errors that happened are reported.
//!
//! `cargo test` runs each storm a few times over ~1,100 groups;
//! `cargo xtask stress` (`TASKSCOPE_STRESS=1`) runs more rounds over
//! ~11,000 groups. No assertion depends on the clock: a generous timeout
//! only turns a hang into a failure.

mod support;

use std::future::pending;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::{Tracker, sized};
use taskscope::{Policy, Spawner, TaskError, TaskGroup};
use tokio::sync::Notify;

/// Turns a hang into a failure; never a timing assertion.
const HANG: Duration = Duration::from_secs(300);

/// The shape of a storm's tree.
#[derive(Clone, Copy, Debug)]
struct Shape {
    /// Nested groups per group.
    width: usize,
    /// Levels of nested groups below the root.
    depth: usize,
    /// Children per group at the bottom level.
    leaves: usize,
}

impl Shape {
    fn for_run() -> Shape {
        Shape { width: sized(10, 22), depth: 3, leaves: sized(4, 6) }
    }

    fn groups(self) -> usize {
        (1..=self.depth).map(|d| self.width.pow(d as u32)).sum()
    }

    fn bottom_groups(self) -> usize {
        self.width.pow(self.depth as u32)
    }
}

/// What the children of a storm do once their group is cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Leaves {
    /// Never end on their own: stopped by abort.
    Deaf,
    /// Watch the group's token; then yield a few times and end, every
    /// third one with an error.
    Polite,
}

/// Everything the tree's futures share.
#[derive(Clone)]
struct Storm {
    tracker: Tracker,
    /// Leaves and bodies that have started.
    started: Arc<AtomicUsize>,
    /// Polite leaves that returned an error while cleaning up.
    complained: Arc<AtomicUsize>,
    leaves: Leaves,
    /// Releases the one leaf that fails, in the failure storm.
    trigger: Arc<Notify>,
    /// The grace period of every nested group.
    grace: Option<Duration>,
}

impl Storm {
    fn new(leaves: Leaves) -> Storm {
        Storm {
            tracker: Tracker::new(),
            started: Arc::new(AtomicUsize::new(0)),
            complained: Arc::new(AtomicUsize::new(0)),
            leaves,
            trigger: Arc::new(Notify::new()),
            // Longer than any cleanup can take, so nothing is aborted.
            grace: (leaves == Leaves::Polite).then_some(Duration::from_secs(3600)),
        }
    }

    /// Spawns the tree below `tg`: nested groups down to `depth`, alternately
    /// as `spawn_group` and as a child running a `scope`, and leaves at the
    /// bottom. The first leaf of the first branch is the `trigger` leaf.
    fn grow(&self, tg: &Spawner<String>, shape: Shape, level: usize, first: bool) {
        if level == shape.depth {
            for i in 0..shape.leaves {
                let leaf = self.leaf(tg, first && i == 0, i);
                tg.spawn_named(format!("leaf-{i}"), self.tracker.track(leaf));
            }
            return;
        }
        for i in 0..shape.width {
            let storm = self.clone();
            let first = first && i == 0;
            let mut builder = TaskGroup::builder().name(format!("g{level}-{i}"));
            if let Some(grace) = self.grace {
                builder = builder.grace(grace);
            }
            if i % 2 == 0 || first {
                tg.spawn_group(builder, move |inner| {
                    let tracker = storm.tracker.clone();
                    tracker.track(async move {
                        storm.started.fetch_add(1, Ordering::SeqCst);
                        storm.grow(&inner, shape, level + 1, first);
                        storm.body(&inner).await
                    })
                });
            } else {
                let tracker = storm.tracker.clone();
                tg.spawn_named(
                    format!("runner{level}-{i}"),
                    tracker.track(async move {
                        builder
                            .scope(async |inner: Spawner<String>| {
                                storm.started.fetch_add(1, Ordering::SeqCst);
                                storm.grow(&inner, shape, level + 1, false);
                                storm.body(&inner).await
                            })
                            .await
                            .or_else(|e| {
                                // Stopped by the storm: not a failure.
                                if e.is_cancelled() && e.is_empty() {
                                    Ok(())
                                } else {
                                    Err(e.to_string())
                                }
                            })
                    }),
                );
            }
        }
    }

    /// A nested group's body: waits forever, or (polite storms) until its
    /// group is cancelled — a body gets the grace period too, and one that
    /// ignored it would hold its group for all of it.
    async fn body(&self, tg: &Spawner<String>) -> Result<(), String> {
        match self.leaves {
            Leaves::Deaf => pending().await,
            Leaves::Polite => {
                tg.token().cancelled().await;
                Ok(())
            }
        }
    }

    fn leaf(
        &self,
        tg: &Spawner<String>,
        trigger: bool,
        i: usize,
    ) -> impl Future<Output = Result<(), String>> + Send + 'static {
        let storm = self.clone();
        let token = tg.token();
        async move {
            storm.started.fetch_add(1, Ordering::SeqCst);
            if trigger {
                storm.trigger.notified().await;
                return Err("deep failure".to_owned());
            }
            if storm.leaves == Leaves::Deaf {
                return pending().await;
            }
            token.cancelled().await;
            for _ in 0..(i % 4) {
                tokio::task::yield_now().await;
            }
            if i % 3 == 0 {
                storm.complained.fetch_add(1, Ordering::SeqCst);
                return Err(format!("cleanup of leaf-{i} failed"));
            }
            Ok(())
        }
    }

    /// Waits until every leaf and every nested body has started.
    async fn all_started(&self, shape: Shape) {
        let expected = shape.groups() + shape.bottom_groups() * shape.leaves;
        while self.started.load(Ordering::SeqCst) < expected {
            tokio::task::yield_now().await;
        }
    }
}

fn rounds() -> usize {
    sized(3, 20)
}

// `cancel()` on the root stops every group and child at once; the root
// returns its body's value, and nothing is left alive when it does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_thousands_of_nested_groups() {
    for _ in 0..rounds() {
        let storm = Storm::new(Leaves::Deaf);
        let shape = Shape::for_run();
        let result = tokio::time::timeout(
            HANG,
            TaskGroup::builder().name("root").scope(async |tg: Spawner<String>| {
                storm.grow(&tg, shape, 0, false);
                storm.all_started(shape).await;
                tg.cancel();
                Ok("cancelled after the body's work")
            }),
        )
        .await
        .expect("the storm ends");
        assert_eq!(result.expect("a cancel is not a failure"), "cancelled after the body's work");
        storm.tracker.assert_all_done();
        assert!(storm.tracker.started() > shape.groups());
    }
}

// One failure deep in the tree (FailFast everywhere) stops the whole tree:
// it is the only error, reported once, nested along its path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_deep_failure_stops_the_whole_tree() {
    for _ in 0..rounds() {
        let storm = Storm::new(Leaves::Deaf);
        let shape = Shape::for_run();
        let err = tokio::time::timeout(
            HANG,
            TaskGroup::builder().name("root").scope(async |tg: Spawner<String>| {
                storm.grow(&tg, shape, 0, true);
                storm.all_started(shape).await;
                storm.trigger.notify_one();
                pending::<Result<(), String>>().await
            }),
        )
        .await
        .expect("the storm ends")
        .expect_err("the deep failure fails the root");
        storm.tracker.assert_all_done();
        let leaves: Vec<&str> = err.iter_flat().map(|e| e.task().path()).collect();
        assert_eq!(leaves, ["root/g0-0/g1-0/g2-0/leaf-0"], "{err}");
        assert_eq!(err.len(), 1, "cancelled groups are not errors: {err}");
        let mut level = err.first_group_chain();
        assert_eq!(level.len(), 3, "one nested entry per level: {err}");
        level.dedup();
        assert_eq!(level, ["root/g0-0", "root/g0-0/g1-0", "root/g0-0/g1-0/g2-0"]);
    }
}

// Dropping the root scope's future (here: a `select!` that stops waiting)
// aborts the whole tree; the runtime then drops every child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_root_scope_stops_the_tree() {
    for _ in 0..rounds() {
        let storm = Storm::new(Leaves::Deaf);
        let shape = Shape::for_run();
        let ready = Arc::new(Notify::new());
        let scope = TaskGroup::builder().name("root").scope(async |tg: Spawner<String>| {
            storm.grow(&tg, shape, 0, false);
            storm.all_started(shape).await;
            ready.notify_one();
            pending::<Result<(), String>>().await
        });
        tokio::select! {
            _ = scope => unreachable!("the scope never ends on its own"),
            () = ready.notified() => {}
        }
        // Drop cannot wait for the aborted tasks; the runtime reaps them.
        tokio::time::timeout(HANG, storm.tracker.wait_all_done()).await.expect("all dropped");
        storm.tracker.assert_all_done();
    }
}

// A cancel with a grace period that every child uses: each group waits
// for its polite children, and every error they return while cleaning up
// is reported exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_cancel_keeps_every_cleanup_error() {
    for _ in 0..rounds() {
        let storm = Storm::new(Leaves::Polite);
        let shape = Shape::for_run();
        let err = tokio::time::timeout(
            HANG,
            TaskGroup::builder()
                .name("root")
                .policy(Policy::CollectAll)
                .grace(storm.grace.expect("polite storms have a grace period"))
                .scope(async |tg: Spawner<String>| {
                    storm.grow(&tg, shape, 0, false);
                    storm.all_started(shape).await;
                    tg.cancel();
                    Ok(())
                }),
        )
        .await
        .expect("the storm ends")
        .expect_err("cleanup errors are reported");
        storm.tracker.assert_all_done();
        let complained = storm.complained.load(Ordering::SeqCst);
        // Nothing was aborted: every third leaf of every bottom group
        // complained.
        assert_eq!(complained, shape.bottom_groups() * shape.leaves.div_ceil(3));
        let mut leaves: Vec<String> = Vec::new();
        collect_leaves(&err, &mut leaves);
        assert_eq!(leaves.len(), complained, "{err}");
        let before = leaves.len();
        leaves.sort();
        leaves.dedup();
        assert_eq!(leaves.len(), before, "no error is reported twice");
    }
}

/// Leaf errors, looking into nested groups and into the errors of children
/// that ran a scope (whose error is the scope's rendered error group).
fn collect_leaves(err: &taskscope::ErrorGroup<String>, out: &mut Vec<String>) {
    for e in err.iter_flat() {
        match e {
            TaskError::Failed { task, error } if error.starts_with("cleanup of") => {
                out.push(format!("{} {error}", task.path()));
            }
            TaskError::Failed { task, error } => {
                // A child whose scope failed: count the scope's leaves from
                // its rendered tree (one line per leaf error).
                for line in error.lines().filter(|l| l.contains("failed: cleanup of")) {
                    out.push(format!("{} {}", task.path(), line.trim()));
                }
            }
            other => panic!("unexpected entry {other:?}"),
        }
    }
}

/// The path of the first nested-group entry at each level, outermost first.
trait FirstGroupChain {
    fn first_group_chain(&self) -> Vec<String>;
}

impl FirstGroupChain for taskscope::ErrorGroup<String> {
    fn first_group_chain(&self) -> Vec<String> {
        let mut chain = Vec::new();
        let mut group = self;
        while let Some(TaskError::Group { task, errors }) = group.errors().first() {
            chain.push(task.path().to_owned());
            group = errors;
        }
        chain
    }
}
