//! `ErrorGroup`: every error of one task group, in occurrence order.

use std::error::Error;
use std::fmt;

use crate::{IntoIter, Iter, IterFlat, TaskError, TaskInfo};

/// Every error a task group produced, in the order they occurred.
///
/// A scope that fails returns `Err(ErrorGroup<E>)`. It never keeps only the
/// first error: if three children failed before the group finished
/// cancelling, all three are here, each a [`TaskError`] naming its task. A
/// failed nested group is one entry ([`TaskError::Group`]) holding that
/// group's own `ErrorGroup`, so the shape of the error is the shape of the
/// task tree.
///
/// The body of a scope is an entry like any child, named `body`, placed
/// when its error happened. Children cancelled because of a failure are not
/// entries: they did not fail, they were stopped.
///
/// An empty group means the scope ended without a failure but also without
/// a value: it was cancelled (by `cancel()`, or from outside) before its
/// body finished. [`is_cancelled`](Self::is_cancelled) tells that case apart.
///
/// # Printing
///
/// `Display` prints the tree, one line per entry, the way Python prints an
/// `ExceptionGroup` traceback:
///
/// ```text
/// task group `crawler` failed with 2 errors:
/// ├─ crawler/fetch-17 failed: connection refused
/// └─ crawler/sub failed: nested group had 1 error
///    └─ crawler/sub/parse panicked: index out of bounds
/// ```
///
/// # Examples
///
/// ```
/// use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};
///
/// let mut sub = ErrorGroup::new(TaskInfo::new("sub", "crawler/sub"));
/// sub.push(TaskError::panicked(TaskInfo::new("parse", "crawler/sub/parse"), "index out of bounds"));
///
/// let mut group = ErrorGroup::new(TaskInfo::new("crawler", "crawler"));
/// group.push(TaskError::failed(TaskInfo::new("fetch-17", "crawler/fetch-17"), "connection refused"));
/// group.push(TaskError::group(TaskInfo::new("sub", "crawler/sub"), sub));
///
/// assert_eq!(group.len(), 2);
/// assert_eq!(group.iter_flat().count(), 2);
/// assert_eq!(
///     group.to_string(),
///     "task group `crawler` failed with 2 errors:\n\
///      ├─ crawler/fetch-17 failed: connection refused\n\
///      └─ crawler/sub failed: nested group had 1 error\n   \
///         └─ crawler/sub/parse panicked: index out of bounds"
/// );
/// ```
pub struct ErrorGroup<E> {
    group: TaskInfo,
    errors: Vec<TaskError<E>>,
    cancelled: bool,
}

impl<E> ErrorGroup<E> {
    /// Creates an empty error group for the group described by `group`.
    ///
    /// Task groups build these for you; build one yourself to test code
    /// that handles errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskInfo};
    /// let group = ErrorGroup::<std::io::Error>::new(TaskInfo::new("g", "g"));
    /// assert!(group.is_empty());
    /// ```
    pub fn new(group: TaskInfo) -> Self {
        ErrorGroup { group, errors: Vec::new(), cancelled: false }
    }

    /// Creates an empty group that records that its scope was cancelled
    /// before its body produced a value.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskInfo};
    /// let group = ErrorGroup::<()>::cancelled(TaskInfo::new("g", "g"));
    /// assert!(group.is_cancelled());
    /// assert!(group.is_empty());
    /// ```
    pub fn cancelled(group: TaskInfo) -> Self {
        ErrorGroup { group, errors: Vec::new(), cancelled: true }
    }

    /// Records whether the group was stopped by a cancel; see
    /// [`is_cancelled`](Self::is_cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskInfo};
    /// let mut group = ErrorGroup::<()>::new(TaskInfo::new("g", "g"));
    /// group.set_cancelled(true);
    /// assert!(group.is_cancelled());
    /// ```
    pub fn set_cancelled(&mut self, cancelled: bool) {
        self.cancelled = cancelled;
    }

    /// Appends an entry; entries keep the order they were pushed in.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};
    /// let mut group = ErrorGroup::new(TaskInfo::new("g", "g"));
    /// group.push(TaskError::failed(TaskInfo::new("a", "g/a"), 1));
    /// assert_eq!(group.len(), 1);
    /// ```
    pub fn push(&mut self, error: TaskError<E>) {
        self.errors.push(error);
    }

    /// The group these errors belong to.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskInfo};
    /// let group = ErrorGroup::<()>::new(TaskInfo::new("crawler", "crawler"));
    /// assert_eq!(group.group().name(), "crawler");
    /// ```
    pub fn group(&self) -> &TaskInfo {
        &self.group
    }

    /// Whether the group was stopped by a cancel (`cancel()`, its token, or
    /// its parent) rather than by a failure.
    ///
    /// An empty cancelled group is what a scope returns when a cancel
    /// stopped it before its body produced a value: cancellation is not a
    /// failure, so there is nothing else to report. A cancelled group may
    /// also hold errors that happened before or during the cancel (under
    /// `CollectAll`, or within a grace period); `is_cancelled` tells the
    /// caller that the work was stopped early, not finished.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskInfo};
    /// assert!(!ErrorGroup::<()>::new(TaskInfo::new("g", "g")).is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    /// The number of top-level entries (a failed nested group counts once).
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};
    /// let mut group = ErrorGroup::new(TaskInfo::new("g", "g"));
    /// group.push(TaskError::failed(TaskInfo::new("a", "g/a"), ()));
    /// assert_eq!(group.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Whether the group holds no entries.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskInfo};
    /// assert!(ErrorGroup::<()>::new(TaskInfo::new("g", "g")).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The top-level entries, in occurrence order.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};
    /// let mut group = ErrorGroup::new(TaskInfo::new("g", "g"));
    /// group.push(TaskError::failed(TaskInfo::new("a", "g/a"), 1));
    /// group.push(TaskError::failed(TaskInfo::new("b", "g/b"), 2));
    /// let names: Vec<_> = group.iter().map(|e| e.task().name()).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// ```
    pub fn iter(&self) -> Iter<'_, E> {
        Iter::new(&self.errors)
    }

    /// The top-level entries as a slice.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskInfo};
    /// assert!(ErrorGroup::<()>::new(TaskInfo::new("g", "g")).errors().is_empty());
    /// ```
    pub fn errors(&self) -> &[TaskError<E>] {
        &self.errors
    }

    /// Every leaf entry, depth first: nested groups are walked into rather
    /// than yielded. This is the list of what actually went wrong.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};
    /// let mut inner = ErrorGroup::new(TaskInfo::new("sub", "g/sub"));
    /// inner.push(TaskError::failed(TaskInfo::new("x", "g/sub/x"), 2));
    /// let mut group = ErrorGroup::new(TaskInfo::new("g", "g"));
    /// group.push(TaskError::failed(TaskInfo::new("a", "g/a"), 1));
    /// group.push(TaskError::group(TaskInfo::new("sub", "g/sub"), inner));
    /// let paths: Vec<_> = group.iter_flat().map(|e| e.task().path()).collect();
    /// assert_eq!(paths, ["g/a", "g/sub/x"]);
    /// ```
    pub fn iter_flat(&self) -> IterFlat<'_, E> {
        IterFlat::new(&self.errors)
    }

    /// The first leaf entry in [`iter_flat`](Self::iter_flat) order: the
    /// error that happened first in this group, descending into a nested
    /// group if that is what failed first.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};
    /// let mut group = ErrorGroup::new(TaskInfo::new("g", "g"));
    /// group.push(TaskError::failed(TaskInfo::new("a", "g/a"), "first"));
    /// group.push(TaskError::failed(TaskInfo::new("b", "g/b"), "second"));
    /// assert_eq!(group.first().and_then(|e| e.as_failed()), Some(&"first"));
    /// ```
    pub fn first(&self) -> Option<&TaskError<E>> {
        self.iter_flat().next()
    }

    /// Splits the group in two by a predicate over leaf entries, keeping
    /// the nesting: the first half holds the matching leaves, the second the
    /// rest; either is `None` when it would be empty.
    ///
    /// This is Python's `ExceptionGroup.split`, the machinery of `except*`:
    /// handle the errors you know and propagate the others.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};
    /// let mut group = ErrorGroup::new(TaskInfo::new("g", "g"));
    /// group.push(TaskError::failed(TaskInfo::new("a", "g/a"), 404));
    /// group.push(TaskError::failed(TaskInfo::new("b", "g/b"), 500));
    /// group.push(TaskError::panicked(TaskInfo::new("c", "g/c"), "bug"));
    ///
    /// let (not_found, rest) = group.split(|e| e.as_failed() == Some(&404));
    /// assert_eq!(not_found.map(|g| g.len()), Some(1));
    /// assert_eq!(rest.map(|g| g.len()), Some(2));
    /// ```
    pub fn split(
        self,
        mut pred: impl FnMut(&TaskError<E>) -> bool,
    ) -> (Option<ErrorGroup<E>>, Option<ErrorGroup<E>>) {
        self.split_mut(&mut pred)
    }

    fn split_mut(
        self,
        pred: &mut dyn FnMut(&TaskError<E>) -> bool,
    ) -> (Option<ErrorGroup<E>>, Option<ErrorGroup<E>>) {
        let mut matched = ErrorGroup::new(self.group.clone());
        let mut rest = ErrorGroup::new(self.group);
        for entry in self.errors {
            match entry {
                TaskError::Group { task, errors } => {
                    let (m, r) = errors.split_mut(pred);
                    if let Some(m) = m {
                        matched.push(TaskError::Group { task: task.clone(), errors: m });
                    }
                    if let Some(r) = r {
                        rest.push(TaskError::Group { task, errors: r });
                    }
                }
                leaf if pred(&leaf) => matched.push(leaf),
                leaf => rest.push(leaf),
            }
        }
        let non_empty = |g: ErrorGroup<E>| (!g.is_empty()).then_some(g);
        (non_empty(matched), non_empty(rest))
    }

    /// Returns the only leaf entry if there is exactly one, unwrapping
    /// nested groups; otherwise gives the group back unchanged.
    ///
    /// Useful at a boundary that wants "the" error: a scope whose single
    /// child failed yields that child's error.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};
    /// let mut group = ErrorGroup::new(TaskInfo::new("g", "g"));
    /// group.push(TaskError::failed(TaskInfo::new("a", "g/a"), "boom"));
    /// let single = group.into_single().unwrap();
    /// assert_eq!(single.into_failed(), Some("boom"));
    /// ```
    ///
    /// # Errors
    ///
    /// Returns `Err(self)` when the group holds no leaf or more than one.
    pub fn into_single(self) -> Result<TaskError<E>, Self> {
        if self.iter_flat().take(2).count() != 1 {
            return Err(self);
        }
        let empty = ErrorGroup { group: self.group, errors: Vec::new(), cancelled: self.cancelled };
        take_first_leaf(self.errors).ok_or(empty)
    }

    /// Takes the top-level entries out of the group.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};
    /// let mut group = ErrorGroup::new(TaskInfo::new("g", "g"));
    /// group.push(TaskError::failed(TaskInfo::new("a", "g/a"), 1));
    /// assert_eq!(group.into_errors().len(), 1);
    /// ```
    pub fn into_errors(self) -> Vec<TaskError<E>> {
        self.errors
    }

    /// Converts the error type of every entry, nested ones included.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};
    /// let mut group = ErrorGroup::new(TaskInfo::new("g", "g"));
    /// group.push(TaskError::failed(TaskInfo::new("a", "g/a"), 404));
    /// let group = group.map_err(|code| format!("HTTP {code}"));
    /// assert_eq!(group.first().and_then(|e| e.as_failed()).map(String::as_str), Some("HTTP 404"));
    /// ```
    pub fn map_err<F>(self, mut f: impl FnMut(E) -> F) -> ErrorGroup<F> {
        self.map_err_mut(&mut f)
    }

    pub(crate) fn map_err_mut<F>(self, f: &mut dyn FnMut(E) -> F) -> ErrorGroup<F> {
        ErrorGroup {
            group: self.group,
            errors: self.errors.into_iter().map(|e| e.map_err_mut(f)).collect(),
            cancelled: self.cancelled,
        }
    }

    /// Writes the entries as tree branches, each line prefixed by `indent`.
    pub(crate) fn fmt_entries(&self, f: &mut fmt::Formatter<'_>, indent: &str) -> fmt::Result
    where
        E: fmt::Display,
    {
        let last = self.errors.len().saturating_sub(1);
        for (i, entry) in self.errors.iter().enumerate() {
            let (branch, below) = if i == last { ("└─ ", "   ") } else { ("├─ ", "│  ") };
            write!(f, "\n{indent}{branch}")?;
            entry.fmt_head(f)?;
            if let TaskError::Group { errors, .. } = entry {
                errors.fmt_entries(f, &format!("{indent}{below}"))?;
            }
        }
        Ok(())
    }
}

/// Removes the first leaf from a list of entries, walking into nested groups.
fn take_first_leaf<E>(errors: Vec<TaskError<E>>) -> Option<TaskError<E>> {
    for entry in errors {
        match entry {
            TaskError::Group { errors, .. } => {
                if let Some(leaf) = take_first_leaf(errors.errors) {
                    return Some(leaf);
                }
            }
            leaf => return Some(leaf),
        }
    }
    None
}

impl<E: fmt::Display> fmt::Display for ErrorGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task group")?;
        if !self.group.name().is_empty() {
            write!(f, " `{}`", self.group)?;
        }
        if self.errors.is_empty() {
            return if self.cancelled {
                f.write_str(" was cancelled before its body finished")
            } else {
                f.write_str(" failed with no errors")
            };
        }
        let n = self.errors.len();
        write!(f, " failed with {n} error{}:", if n == 1 { "" } else { "s" })?;
        self.fmt_entries(f, "")
    }
}

impl<E: fmt::Debug> fmt::Debug for ErrorGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ErrorGroup");
        d.field("group", &self.group).field("errors", &self.errors);
        if self.cancelled {
            d.field("cancelled", &true);
        }
        d.finish()
    }
}

/// The source is the first leaf's error, so error reporters that walk
/// `source()` chains show the error that happened first.
impl<E> Error for ErrorGroup<E>
where
    E: Error + 'static,
{
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.first().map(|e| e as &(dyn Error + 'static))
    }
}

/// Appends entries in iteration order.
impl<E> Extend<TaskError<E>> for ErrorGroup<E> {
    fn extend<I: IntoIterator<Item = TaskError<E>>>(&mut self, iter: I) {
        self.errors.extend(iter);
    }
}

impl<E> IntoIterator for ErrorGroup<E> {
    type Item = TaskError<E>;
    type IntoIter = IntoIter<E>;

    fn into_iter(self) -> IntoIter<E> {
        IntoIter::new(self.errors)
    }
}

impl<'a, E> IntoIterator for &'a ErrorGroup<E> {
    type Item = &'a TaskError<E>;
    type IntoIter = Iter<'a, E>;

    fn into_iter(self) -> Iter<'a, E> {
        self.iter()
    }
}
