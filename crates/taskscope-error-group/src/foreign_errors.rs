//! `ForeignErrors`: a nested group's errors of another error type, kept whole.

use std::any::Any;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use crate::ErrorGroup;

/// The errors of a nested group whose error type differs from its
/// parent's, kept whole rather than lost.
///
/// A scope created inside a child may use its own error type; normally the
/// child maps the scope's `ErrorGroup` into its own error. When the child
/// is cancelled first, nobody is left to do that mapping, so the group
/// hands its errors to its parent as a [`TaskError::Foreign`](crate::TaskError::Foreign)
/// entry holding this: the count, the type's name, and the original
/// `ErrorGroup`, which [`take`](Self::take) gives back to code that knows
/// its type.
///
/// # Examples
///
/// ```
/// use taskscope::error_group::{ErrorGroup, ForeignErrors, TaskError, TaskInfo};
///
/// let mut inner = ErrorGroup::new(TaskInfo::new("db", "svc/db"));
/// inner.push(TaskError::failed(TaskInfo::new("query", "svc/db/query"), std::io::Error::other("reset")));
/// let foreign = ForeignErrors::new(inner);
/// assert_eq!(foreign.len(), 1);
/// assert!(foreign.type_name().contains("io::error::Error"));
/// let back: ErrorGroup<std::io::Error> = foreign.take().expect("the right type");
/// assert_eq!(back.len(), 1);
/// assert!(foreign.take::<std::io::Error>().is_none(), "taken once");
/// ```
pub struct ForeignErrors {
    len: usize,
    type_name: &'static str,
    // A Mutex makes the box `Sync` without asking the error type to be.
    group: Mutex<Option<Box<dyn Any + Send>>>,
}

impl ForeignErrors {
    /// Wraps a group of errors of type `F`.
    ///
    /// # Examples
    ///
    /// See the [type-level example](ForeignErrors).
    pub fn new<F: Send + 'static>(group: ErrorGroup<F>) -> Self {
        ForeignErrors {
            len: group.iter_flat().count(),
            type_name: std::any::type_name::<F>(),
            group: Mutex::new(Some(Box::new(group))),
        }
    }

    /// How many errors (leaves) the foreign group held.
    ///
    /// # Examples
    ///
    /// See the [type-level example](ForeignErrors).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the foreign group held no error.
    ///
    /// # Examples
    ///
    /// ```
    /// use taskscope::error_group::{ErrorGroup, ForeignErrors, TaskInfo};
    /// assert!(ForeignErrors::new(ErrorGroup::<u8>::new(TaskInfo::new("g", "g"))).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The name of the foreign error type, as `std::any::type_name` gives it.
    ///
    /// # Examples
    ///
    /// See the [type-level example](ForeignErrors).
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// Takes the original group back, if `F` is its error type and it was
    /// not taken before.
    ///
    /// # Examples
    ///
    /// See the [type-level example](ForeignErrors).
    pub fn take<F: 'static>(&self) -> Option<ErrorGroup<F>> {
        let mut slot = self.group.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.take()?.downcast::<ErrorGroup<F>>() {
            Ok(group) => Some(*group),
            Err(other) => {
                *slot = Some(other);
                None
            }
        }
    }
}

impl fmt::Debug for ForeignErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForeignErrors")
            .field("len", &self.len)
            .field("type_name", &self.type_name)
            .finish_non_exhaustive()
    }
}
