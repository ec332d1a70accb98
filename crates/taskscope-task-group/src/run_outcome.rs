//! `RunOutcome`: how a program run by `run_with` ended, and its exit code.

use std::fmt;
use std::process::ExitCode;

use taskscope_error_group::ErrorGroup;

use crate::{Signal, TaskTree};

/// How a program run by [`run_with`](crate::run_with) ended.
///
/// [`exit_code`](Self::exit_code) turns it into the code a command-line
/// program should exit with: 0 when the root scope returned a value, 1
/// when it failed (or the runtime could not be built), 130 after SIGINT
/// (Ctrl-C) and 143 after SIGTERM, the shell's `128 + signal` convention.
/// An interrupt wins over errors that cancelled tasks returned while
/// shutting down.
///
/// # Examples
///
/// ```
/// use taskscope::{RunConfig, RunOutcome};
///
/// let outcome = taskscope::run_with(RunConfig::new().current_thread(), async |tg| {
///     tg.spawn_named("broken", async { Err::<(), _>("no such file") });
///     Ok(())
/// });
/// assert!(matches!(outcome, RunOutcome::Failed(_)));
/// assert_eq!(outcome.exit_code_value(), 1);
/// ```
#[non_exhaustive]
pub enum RunOutcome<T, E> {
    /// The root scope returned a value.
    Completed(T),
    /// The root scope failed; every error is in the group.
    Failed(ErrorGroup<E>),
    /// A signal cancelled the root group.
    Interrupted {
        /// The signal that started the shutdown.
        signal: Signal,
        /// What the scope returned once everything had stopped.
        result: Result<T, ErrorGroup<E>>,
        /// The tasks that were still running when the grace period ran
        /// out (and were then aborted), if any were.
        still_running: Option<TaskTree>,
    },
    /// The tokio runtime could not be built.
    RuntimeError(std::io::Error),
}

impl<T, E> RunOutcome<T, E> {
    /// The process exit code as a number (see the type docs).
    ///
    /// # Examples
    ///
    /// See the [type-level example](RunOutcome).
    pub fn exit_code_value(&self) -> u8 {
        match self {
            RunOutcome::Completed(_) => 0,
            RunOutcome::Failed(_) | RunOutcome::RuntimeError(_) => 1,
            RunOutcome::Interrupted { signal, .. } => signal.exit_code(),
        }
    }

    /// The process exit code, for `fn main() -> ExitCode`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::ExitCode;
    /// let outcome = taskscope::run_with(taskscope::RunConfig::new().current_thread(), async |_tg| {
    ///     Ok::<_, std::io::Error>(())
    /// });
    /// assert_eq!(outcome.exit_code(), ExitCode::SUCCESS);
    /// ```
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit_code_value())
    }

    /// Prints what went wrong to stderr — the error tree, the runtime
    /// error, or the signal — and returns the exit code. This is what
    /// [`run`](crate::run()) does with the outcome.
    ///
    /// # Examples
    ///
    /// ```
    /// let code = taskscope::run_with(taskscope::RunConfig::new().current_thread(), async |_tg| {
    ///     Ok::<_, std::io::Error>(())
    /// })
    /// .report();
    /// assert_eq!(code, std::process::ExitCode::SUCCESS);
    /// ```
    pub fn report(&self) -> ExitCode
    where
        E: fmt::Display,
    {
        match self {
            RunOutcome::Completed(_) => {}
            RunOutcome::Failed(errors) => eprintln!("{errors}"),
            RunOutcome::RuntimeError(err) => eprintln!("could not start the tokio runtime: {err}"),
            RunOutcome::Interrupted { signal, result, .. } => {
                eprintln!("interrupted by {signal}");
                if let Err(errors) = result {
                    if !errors.is_empty() {
                        eprintln!("{errors}");
                    }
                }
            }
        }
        self.exit_code()
    }
}

impl<T: fmt::Debug, E: fmt::Debug> fmt::Debug for RunOutcome<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunOutcome::Completed(v) => f.debug_tuple("Completed").field(v).finish(),
            RunOutcome::Failed(e) => f.debug_tuple("Failed").field(e).finish(),
            RunOutcome::Interrupted { signal, result, still_running } => f
                .debug_struct("Interrupted")
                .field("signal", signal)
                .field("result", result)
                .field("still_running", still_running)
                .finish(),
            RunOutcome::RuntimeError(e) => f.debug_tuple("RuntimeError").field(e).finish(),
        }
    }
}
