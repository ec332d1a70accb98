//! `run` and `run_with`: a runtime, a root group, and a clean stop on signals.

use std::process::ExitCode;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::driver::Driver;
use crate::shared::Shared;
use crate::{Builder, RunConfig, RunOutcome, Signal, Spawner, TaskTree};

const NO_SIGNAL: u8 = 0;
const SIGINT: u8 = 1;
const SIGTERM: u8 = 2;

/// Runs `body` as the root scope of a program, the way `asyncio.run` runs
/// a coroutine, and returns the exit code a command-line program should
/// return from `main`.
///
/// It builds a multi-thread tokio runtime, runs `body` in a root group
/// named `main` that tracks its tasks, and turns the first SIGINT or
/// SIGTERM (Ctrl-C on Windows) into a graceful cancel: the root group and
/// everything under it is cancelled with a 5-second grace period, and
/// whatever is still running when it ends is printed (as a task tree) and
/// aborted. A second signal aborts everything at once. On failure it
/// prints the error tree to stderr. See [`run_with`] to configure all of
/// this and to get the body's value.
///
/// Exit codes: 0 on success, 1 on failure, 130 after SIGINT, 143 after
/// SIGTERM.
///
/// # Examples
///
/// ```
/// use std::process::ExitCode;
///
/// fn main() -> ExitCode {
///     taskscope::run(async |tg| {
///         for i in 0..3 {
///             tg.spawn_named(format!("worker-{i}"), async move { Ok::<_, std::io::Error>(i) });
///         }
///         Ok(())
///     })
/// }
/// ```
///
/// # Panics
///
/// Resumes a panic of the body or of a child, like [`scope`](crate::scope()),
/// unless it is caught. Panics if called from inside a tokio runtime (a
/// runtime cannot be started from within another).
pub fn run<F, T, E>(body: F) -> ExitCode
where
    F: AsyncFnOnce(Spawner<E>) -> Result<T, E>,
    E: std::fmt::Display + Send + 'static,
{
    run_with(RunConfig::new(), body).report()
}

/// Runs `body` as the root scope of a program, configured by `config`,
/// and returns how it ended. See [`run`] for the behaviour and
/// [`RunOutcome`] for the result; this prints only the tasks still running
/// when a grace period runs out, and leaves the rest to
/// [`RunOutcome::report`].
///
/// # Examples
///
/// ```
/// use taskscope::{RunConfig, RunOutcome};
///
/// let outcome = taskscope::run_with(RunConfig::new().name("job").worker_threads(2), async |tg| {
///     let a = tg.spawn(async { Ok::<_, std::io::Error>(20) });
///     let b = tg.spawn(async { Ok(22) });
///     Ok(a.await.unwrap() + b.await.unwrap())
/// });
/// assert!(matches!(outcome, RunOutcome::Completed(42)));
/// ```
///
/// # Panics
///
/// As [`run`].
pub fn run_with<F, T, E>(config: RunConfig, body: F) -> RunOutcome<T, E>
where
    F: AsyncFnOnce(Spawner<E>) -> Result<T, E>,
    E: Send + 'static,
{
    let mut runtime = if config.current_thread {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    if let Some(n) = config.worker_threads {
        runtime.worker_threads(n);
    }
    let runtime = match runtime.enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => return RunOutcome::RuntimeError(err),
    };
    let mut builder =
        Builder::new().name(config.name.clone()).grace(config.grace).track_tasks(true);
    if let Some(threshold) = config.slow_poll {
        builder = builder.warn_slow_polls(threshold);
    }
    let shared = Shared::create(builder, None);
    let still_running: Arc<Mutex<Option<TaskTree>>> = Arc::default();
    let slot = still_running.clone();
    let _ = shared.grace_hook.set(Box::new(move |tree: TaskTree| {
        eprintln!("grace period over; these tasks were still running and are aborted now:\n{tree}");
        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(tree);
    }));
    let signal = Arc::new(AtomicU8::new(NO_SIGNAL));
    #[cfg(feature = "trace-export")]
    let recorder = match config.trace_export {
        Some(_) => runtime.block_on(async { crate::TraceRecorder::start() }).map_err(|err| {
            eprintln!("trace export disabled: {err}");
        }),
        None => Err(()),
    };

    let result = runtime.block_on(async {
        // The handlers are installed here, before the body runs: installed
        // in the watcher task instead, a signal sent as soon as the body
        // said it was ready could come before them and kill the process.
        let watcher = config.handle_signals.then(Signals::new).flatten().map(|signals| {
            tokio::spawn(watch_signals(signals, shared.clone(), signal.clone(), config.grace))
        });
        let fut = body(Spawner::from_shared(shared.clone()));
        let result = Driver::new(shared, fut).await;
        if let Some(watcher) = watcher {
            watcher.abort();
        }
        result
    });
    // Tasks spawned outside the group are the program's own business, but
    // must not keep it from exiting.
    #[cfg(feature = "trace-export")]
    if let (Ok(recorder), Some(path)) = (recorder, &config.trace_export) {
        let json = runtime.block_on(async { recorder.finish() });
        if let Err(err) = std::fs::write(path, json) {
            eprintln!("could not write the trace to {}: {err}", path.display());
        }
    }
    runtime.shutdown_timeout(config.grace);

    let signal = match signal.load(Ordering::Acquire) {
        SIGINT => Some(Signal::Interrupt),
        SIGTERM => Some(Signal::Terminate),
        _ => None,
    };
    match (signal, result) {
        (Some(signal), result) => RunOutcome::Interrupted {
            signal,
            result,
            still_running: still_running.lock().unwrap_or_else(PoisonError::into_inner).take(),
        },
        (None, Ok(value)) => RunOutcome::Completed(value),
        (None, Err(errors)) => RunOutcome::Failed(errors),
    }
}

/// First signal: cancel the root group gracefully. Second: abort now.
async fn watch_signals<E: Send + 'static>(
    mut signals: Signals,
    group: Arc<Shared<E>>,
    seen: Arc<AtomicU8>,
    grace: std::time::Duration,
) {
    let first = signals.next().await;
    seen.store(first, Ordering::Release);
    eprintln!(
        "received {}; cancelling every task (grace period {grace:?}; send it again to abort now)",
        if first == SIGINT { "SIGINT" } else { "SIGTERM" }
    );
    group.cancel(crate::shared::Reason::Cancelled);
    signals.next().await;
    eprintln!("second signal; aborting every task now");
    group.cancel_now();
}

/// The signals that stop a program: SIGINT and SIGTERM on Unix, Ctrl-C
/// elsewhere.
struct Signals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> Option<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        let (int, term) = match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
            (Ok(int), Ok(term)) => (int, term),
            (Err(err), _) | (_, Err(err)) => {
                tracing::warn!(target: "taskscope", %err, "cannot listen for signals");
                return None;
            }
        };
        Some(Signals { int, term })
    }

    #[cfg(not(unix))]
    fn new() -> Option<Self> {
        Some(Signals {})
    }

    #[cfg(unix)]
    async fn next(&mut self) -> u8 {
        tokio::select! {
            _ = self.int.recv() => SIGINT,
            _ = self.term.recv() => SIGTERM,
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> u8 {
        match tokio::signal::ctrl_c().await {
            Ok(()) => SIGINT,
            Err(_) => std::future::pending().await,
        }
    }
}
