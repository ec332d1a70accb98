//! Iterators over the entries of an `ErrorGroup`.

use std::fmt;

use crate::TaskError;

/// Iterator over the top-level entries of an
/// [`ErrorGroup`](crate::ErrorGroup), from [`ErrorGroup::iter`](crate::ErrorGroup::iter).
///
/// # Examples
///
/// ```
/// use taskscope::error_group::{ErrorGroup, TaskInfo};
/// let group = ErrorGroup::<()>::new(TaskInfo::new("g", "g"));
/// assert_eq!(group.iter().count(), 0);
/// ```
pub struct Iter<'a, E> {
    inner: std::slice::Iter<'a, TaskError<E>>,
}

impl<'a, E> Iter<'a, E> {
    pub(crate) fn new(errors: &'a [TaskError<E>]) -> Self {
        Iter { inner: errors.iter() }
    }
}

impl<'a, E> Iterator for Iter<'a, E> {
    type Item = &'a TaskError<E>;

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<E> ExactSizeIterator for Iter<'_, E> {}

impl<E> DoubleEndedIterator for Iter<'_, E> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back()
    }
}

impl<E> fmt::Debug for Iter<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").field("remaining", &self.inner.len()).finish()
    }
}

/// Owning iterator over the top-level entries of an
/// [`ErrorGroup`](crate::ErrorGroup).
///
/// # Examples
///
/// ```
/// use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};
/// let mut group = ErrorGroup::new(TaskInfo::new("g", "g"));
/// group.push(TaskError::failed(TaskInfo::new("a", "g/a"), 1));
/// let errors: Vec<i32> = group.into_iter().filter_map(TaskError::into_failed).collect();
/// assert_eq!(errors, [1]);
/// ```
pub struct IntoIter<E> {
    inner: std::vec::IntoIter<TaskError<E>>,
}

impl<E> IntoIter<E> {
    pub(crate) fn new(errors: Vec<TaskError<E>>) -> Self {
        IntoIter { inner: errors.into_iter() }
    }
}

impl<E> Iterator for IntoIter<E> {
    type Item = TaskError<E>;

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<E> ExactSizeIterator for IntoIter<E> {}

impl<E> fmt::Debug for IntoIter<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter").field("remaining", &self.inner.len()).finish()
    }
}

/// Depth-first iterator over the leaf entries of an
/// [`ErrorGroup`](crate::ErrorGroup), from
/// [`ErrorGroup::iter_flat`](crate::ErrorGroup::iter_flat).
///
/// # Examples
///
/// ```
/// use taskscope::error_group::{ErrorGroup, TaskInfo};
/// let group = ErrorGroup::<()>::new(TaskInfo::new("g", "g"));
/// assert_eq!(group.iter_flat().count(), 0);
/// ```
pub struct IterFlat<'a, E> {
    stack: Vec<std::slice::Iter<'a, TaskError<E>>>,
}

impl<'a, E> IterFlat<'a, E> {
    pub(crate) fn new(errors: &'a [TaskError<E>]) -> Self {
        IterFlat { stack: vec![errors.iter()] }
    }
}

impl<'a, E> Iterator for IterFlat<'a, E> {
    type Item = &'a TaskError<E>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let top = self.stack.last_mut()?;
            match top.next() {
                None => {
                    self.stack.pop();
                }
                Some(TaskError::Group { errors, .. }) => self.stack.push(errors.errors().iter()),
                Some(leaf) => return Some(leaf),
            }
        }
    }
}

impl<E> fmt::Debug for IterFlat<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IterFlat").field("depth", &self.stack.len()).finish()
    }
}
