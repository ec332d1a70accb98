//! `ReturnWhen`: when [`wait`](crate::wait) returns.

/// When [`wait`](crate::wait) returns: asyncio's `return_when`.
///
/// Whatever the choice, `wait` also returns when every handle has
/// finished, or when its [timeout](crate::Wait::timeout) passes.
///
/// # Examples
///
/// ```
/// use taskscope::task_group::ReturnWhen;
/// assert_eq!(ReturnWhen::default(), ReturnWhen::AllCompleted);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReturnWhen {
    /// As soon as any child has finished, however it finished (asyncio's
    /// `FIRST_COMPLETED`).
    FirstCompleted,
    /// As soon as any child has failed: returned an error or panicked
    /// (asyncio's `FIRST_EXCEPTION`). A child that was *cancelled* has
    /// not failed and does not end the wait (DESIGN rule 22), and neither
    /// has one that never ran because its group was closed. Meant for a
    /// [`CollectAll`](crate::Policy::CollectAll) group: under FailFast,
    /// a failing child cancels the group, and the body waiting with it.
    FirstError,
    /// When every child has finished (asyncio's `ALL_COMPLETED`).
    #[default]
    AllCompleted,
}
