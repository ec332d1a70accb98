//! `TaskTree`: a snapshot of task groups and their tasks, printed like `pstree`.

use std::fmt;
use std::time::Duration;

use crate::{TaskKind, TaskNode};

/// A snapshot of one or more task groups and everything running in them,
/// from [`Spawner::snapshot`](crate::Spawner::snapshot) or
/// [`tasks()`](crate::tasks()).
///
/// `Display` prints an indented tree, like `pstree` or Python 3.14's
/// `python -m asyncio pstree`:
///
/// ```text
/// crawler [group, running, 12.0s]
/// ├─ body [body, waiting, 12.0s, 45 polls]
/// ├─ fetch-17 [waiting, 1.2s, 3 polls]
/// ├─ task-42 [waiting, 1.2s, 1 poll]
/// └─ site-b [group, cancelling, 3.0s]
///    └─ page-1 [running, 500ms, 2 polls]
/// ```
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::TaskGroup;
///
/// let tg = TaskGroup::builder().name("svc").track_tasks(true).build::<()>();
/// tg.spawn_named("worker", std::future::pending::<Result<(), ()>>());
/// tokio::time::sleep(Duration::from_secs(2)).await;
/// let tree = tg.snapshot();
/// assert_eq!(tree.len(), 2);
/// let worker = tree.find("svc/worker").unwrap();
/// assert_eq!(worker.age, Duration::from_secs(2));
/// println!("{tree}");
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskTree {
    /// The root groups of the snapshot.
    pub roots: Vec<TaskNode>,
}

impl TaskTree {
    pub(crate) fn new(roots: Vec<TaskNode>) -> Self {
        TaskTree { roots }
    }

    /// Every node, depth first, groups before their children.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let tg = taskscope::TaskGroup::builder().name("g").track_tasks(true).build::<()>();
    /// tg.spawn_named("a", std::future::pending::<Result<(), ()>>());
    /// let paths: Vec<_> = tg.snapshot().iter().map(|n| n.path.clone()).collect();
    /// assert_eq!(paths, ["g", "g/a"]);
    /// # }
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &TaskNode> + '_ {
        let mut stack: Vec<&TaskNode> = self.roots.iter().rev().collect();
        std::iter::from_fn(move || {
            let node = stack.pop()?;
            stack.extend(node.children.iter().rev());
            Some(node)
        })
    }

    /// The number of nodes in the snapshot.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(taskscope::TaskTree::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether the snapshot holds no node.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(taskscope::TaskTree::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// The node with this path, if any.
    ///
    /// # Examples
    ///
    /// See the [type-level example](TaskTree).
    pub fn find(&self, path: &str) -> Option<&TaskNode> {
        self.iter().find(|n| n.path == path)
    }
}

impl fmt::Display for TaskTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, root) in self.roots.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write_node(f, root)?;
            write_children(f, root, "")?;
        }
        Ok(())
    }
}

fn write_children(f: &mut fmt::Formatter<'_>, node: &TaskNode, indent: &str) -> fmt::Result {
    let extra = usize::from(node.untracked > 0);
    let count = node.children.len() + extra;
    for (i, child) in node.children.iter().enumerate() {
        let last = i + 1 == count;
        write!(f, "\n{indent}{}", if last { "└─ " } else { "├─ " })?;
        write_node(f, child)?;
        write_children(f, child, &format!("{indent}{}", if last { "   " } else { "│  " }))?;
    }
    if node.untracked > 0 {
        let n = node.untracked;
        write!(f, "\n{indent}└─ (+{n} untracked task{})", if n == 1 { "" } else { "s" })?;
    }
    Ok(())
}

fn write_node(f: &mut fmt::Formatter<'_>, node: &TaskNode) -> fmt::Result {
    let name = if node.name.is_empty() { "(unnamed group)" } else { &node.name };
    f.write_str(name)?;
    f.write_str(" [")?;
    match node.kind {
        TaskKind::Group => f.write_str("group, ")?,
        TaskKind::Body => f.write_str("body, ")?,
        TaskKind::Task => {}
    }
    write!(f, "{}, {}", node.state, Age(node.age))?;
    if let Some(polls) = node.polls {
        write!(f, ", {polls} poll{}", if polls == 1 { "" } else { "s" })?;
    }
    f.write_str("]")
}

/// A duration rounded for people: `12.0s`, `500ms`, `3µs`.
struct Age(Duration);

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d >= Duration::from_secs(1) {
            write!(f, "{:.1}s", d.as_secs_f64())
        } else if d >= Duration::from_millis(1) {
            write!(f, "{}ms", d.as_millis())
        } else {
            write!(f, "{}µs", d.as_micros())
        }
    }
}
