//! `Policy`: what a group does when a child fails or succeeds.

/// What a task group does when a child fails or succeeds.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::{Policy, TaskGroup};
///
/// // CollectAll: one failure does not stop the others; every error comes back.
/// let result = TaskGroup::builder()
///     .policy(Policy::CollectAll)
///     .scope(async |tg| {
///         for i in 0..3 {
///             tg.spawn(async move { if i == 1 { Err(format!("item {i}")) } else { Ok(()) } });
///         }
///         Ok(())
///     })
///     .await;
/// assert_eq!(result.unwrap_err().len(), 1);
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Policy {
    /// The first failure (a child's error, a panic, or the body's error)
    /// cancels every other child and the body. Every error that happened
    /// before the group finished cancelling is reported, in order; the
    /// cancelled children are not errors. The default, as in asyncio's
    /// `TaskGroup`, Trio's nurseries and Go's `errgroup.WithContext`.
    #[default]
    FailFast,
    /// Failures cancel nothing: every child runs to its end, and the group
    /// reports every error once all are done. For batch work where one bad
    /// item must not stop the rest.
    CollectAll,
    /// The first child to succeed cancels the other children (not the
    /// body): the scope returns the body's value and drops the errors of
    /// the attempts that failed. If no child succeeds, the group reports
    /// every error. For redundant requests and happy-eyeballs connects.
    /// A body error still fails the group.
    FirstSuccess,
}
