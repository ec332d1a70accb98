//! `RunConfig`: how `run_with` builds its runtime and stops on a signal.

use std::sync::Arc;
use std::time::Duration;

/// How [`run_with`](crate::run_with) builds the runtime and shuts down.
///
/// The defaults: a multi-thread runtime with one worker per core, a root
/// group named `main`, a 5-second grace period after the first signal,
/// task tracking on (so the still-running tasks can be printed), and no
/// slow-poll warnings.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use taskscope::RunConfig;
///
/// let config = RunConfig::new()
///     .name("crawler")
///     .current_thread()
///     .grace(Duration::from_secs(2))
///     .warn_slow_polls(Duration::from_millis(100));
/// let outcome = taskscope::run_with(config, async |tg| {
///     tg.spawn(async { Ok::<_, std::io::Error>(()) });
///     Ok(42)
/// });
/// assert_eq!(outcome.exit_code_value(), 0);
/// ```
#[derive(Clone, Debug)]
#[must_use = "a RunConfig does nothing until passed to `run_with`"]
pub struct RunConfig {
    pub(crate) name: Arc<str>,
    pub(crate) current_thread: bool,
    pub(crate) worker_threads: Option<usize>,
    pub(crate) grace: Duration,
    pub(crate) slow_poll: Option<Duration>,
    pub(crate) handle_signals: bool,
    #[cfg(feature = "trace-export")]
    pub(crate) trace_export: Option<std::path::PathBuf>,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            name: "main".into(),
            current_thread: false,
            worker_threads: None,
            grace: Duration::from_secs(5),
            slow_poll: None,
            handle_signals: true,
            #[cfg(feature = "trace-export")]
            trace_export: None,
        }
    }
}

impl RunConfig {
    /// The default configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// let config = taskscope::RunConfig::new();
    /// # let _ = config;
    /// ```
    pub fn new() -> Self {
        RunConfig::default()
    }

    /// Names the root group (the first segment of every task path).
    ///
    /// # Examples
    ///
    /// See the [type-level example](RunConfig).
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.name = name.into();
        self
    }

    /// Runs on a current-thread runtime instead of the multi-thread one.
    ///
    /// # Examples
    ///
    /// See the [type-level example](RunConfig).
    pub fn current_thread(mut self) -> Self {
        self.current_thread = true;
        self
    }

    /// Sets the number of worker threads of the multi-thread runtime (at
    /// least one; a zero is taken as one).
    ///
    /// # Examples
    ///
    /// ```
    /// let config = taskscope::RunConfig::new().worker_threads(2);
    /// # let _ = config;
    /// ```
    pub fn worker_threads(mut self, n: usize) -> Self {
        self.worker_threads = Some(n.max(1));
        self
    }

    /// How long tasks get to finish after the first signal before they
    /// are aborted. See [`Builder::grace`](crate::Builder::grace).
    ///
    /// # Examples
    ///
    /// See the [type-level example](RunConfig).
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Warns when one poll blocks longer than `threshold`; see
    /// [`Builder::warn_slow_polls`](crate::Builder::warn_slow_polls).
    ///
    /// # Examples
    ///
    /// See the [type-level example](RunConfig).
    pub fn warn_slow_polls(mut self, threshold: Duration) -> Self {
        self.slow_poll = Some(threshold);
        self
    }

    /// Writes the lifetimes of every task to `path` as Chrome trace-event
    /// JSON when the program ends (see [`TraceRecorder`](crate::TraceRecorder));
    /// open it in <https://ui.perfetto.dev>. Needs the `trace-export`
    /// feature. A failure to write is reported on stderr.
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join("taskscope-run-config-doc.json");
    /// let outcome = taskscope::run_with(
    ///     taskscope::RunConfig::new().current_thread().trace_export(&path),
    ///     async |tg| {
    ///         tg.spawn_named("job", async { Ok::<_, std::io::Error>(()) });
    ///         Ok(())
    ///     },
    /// );
    /// assert_eq!(outcome.exit_code_value(), 0);
    /// assert!(std::fs::read_to_string(&path).unwrap().contains("main/job"));
    /// ```
    #[cfg(feature = "trace-export")]
    pub fn trace_export(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.trace_export = Some(path.into());
        self
    }

    /// Whether `run_with` turns SIGINT and SIGTERM (Ctrl-C on Windows)
    /// into a graceful cancel. On by default; turn it off when the program
    /// handles signals itself.
    ///
    /// # Examples
    ///
    /// ```
    /// let config = taskscope::RunConfig::new().handle_signals(false);
    /// # let _ = config;
    /// ```
    pub fn handle_signals(mut self, on: bool) -> Self {
        self.handle_signals = on;
        self
    }
}
