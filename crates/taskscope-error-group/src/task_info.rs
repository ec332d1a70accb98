//! `TaskInfo`: the name, id and path that identify a task in errors.

use std::fmt;
use std::sync::Arc;

use tokio::task::Id;

/// Identifies the task an error came from: its name, its path in the task
/// tree and, when it ran as a tokio task, its tokio task id.
///
/// The path joins the names of the enclosing groups and the task with `/`,
/// as in `crawler/worker-3/fetch`. A task spawned without a name is called
/// `task-<id>` after its tokio task id. Cloning is cheap: the strings are
/// shared.
///
/// # Examples
///
/// ```
/// use taskscope::error_group::TaskInfo;
///
/// let info = TaskInfo::new("fetch-17", "crawler/fetch-17");
/// assert_eq!(info.name(), "fetch-17");
/// assert_eq!(info.path(), "crawler/fetch-17");
/// assert_eq!(info.id(), None);
/// assert_eq!(info.to_string(), "crawler/fetch-17");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TaskInfo {
    name: Arc<str>,
    path: Arc<str>,
    id: Option<Id>,
}

impl TaskInfo {
    /// Creates the description of a task with a name and a path.
    ///
    /// The task group builds these for you; build one yourself to construct
    /// an [`ErrorGroup`](crate::ErrorGroup) by hand, for example in a test.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::TaskInfo;
    ///
    /// let info = TaskInfo::new("body", "crawler/body");
    /// assert_eq!(info.name(), "body");
    /// ```
    pub fn new(name: impl Into<Arc<str>>, path: impl Into<Arc<str>>) -> Self {
        TaskInfo { name: name.into(), path: path.into(), id: None }
    }

    /// Returns the same description with the tokio task id set.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskscope::error_group::TaskInfo;
    ///
    /// let handle = tokio::spawn(async { tokio::task::id() });
    /// let id = handle.await.unwrap();
    /// let info = TaskInfo::new("t", "t").with_id(id);
    /// assert_eq!(info.id(), Some(id));
    /// # }
    /// ```
    #[must_use]
    pub fn with_id(mut self, id: Id) -> Self {
        self.id = Some(id);
        self
    }

    /// The task's own name: the name it was spawned with, `body` for a
    /// scope's body, or `task-<id>` for an unnamed task.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::TaskInfo;
    /// assert_eq!(TaskInfo::new("fetch", "a/fetch").name(), "fetch");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The task's path from the root of the task tree, names joined by `/`.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::TaskInfo;
    /// assert_eq!(TaskInfo::new("fetch", "a/fetch").path(), "a/fetch");
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The tokio task id the task ran as, if it ran as a tokio task.
    ///
    /// A scope's body runs inside the scope's own future, so its id is the
    /// id of the task that awaited the scope (none under `block_on`).
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::TaskInfo;
    /// assert_eq!(TaskInfo::new("t", "t").id(), None);
    /// ```
    pub fn id(&self) -> Option<Id> {
        self.id
    }
}

impl fmt::Debug for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("TaskInfo");
        d.field("name", &&*self.name).field("path", &&*self.path);
        if let Some(id) = self.id {
            d.field("id", &format_args!("{id}"));
        }
        d.finish()
    }
}

/// Prints the path, or the name when the path is empty.
impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() { f.write_str(&self.name) } else { f.write_str(&self.path) }
    }
}
