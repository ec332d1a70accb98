//! `TraceRecorder`: task lifetimes as Chrome trace-event JSON, for Perfetto.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::time::Instant;

/// Records the lifetime of every task of every
/// [tracked](crate::Builder::track_tasks) group — when it was spawned, when
/// it ended, how it ended, its path — and writes them as Chrome trace-event
/// JSON, which <https://ui.perfetto.dev> and `chrome://tracing` open. Each
/// task is one complete event (`"ph": "X"`) on its own track, named by its
/// path; groups are events too.
///
/// One recorder is active per process at a time; [`run_with`](crate::run_with)
/// starts one for you with
/// [`RunConfig::trace_export`](crate::RunConfig::trace_export). Behind the
/// `trace-export` feature; without a started recorder it costs one relaxed
/// atomic load per finished tracked task.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskscope::{TaskGroup, TraceRecorder};
///
/// let recorder = TraceRecorder::start().expect("no other recorder is running");
/// TaskGroup::builder()
///     .name("demo")
///     .track_tasks(true)
///     .scope(async |tg| {
///         tg.spawn_named("sleeper", async {
///             tokio::time::sleep(Duration::from_millis(5)).await;
///             Ok::<_, ()>(())
///         });
///         Ok(())
///     })
///     .await
///     .unwrap();
/// let json = recorder.finish();
/// assert!(json.contains(r#""name":"demo/sleeper""#));
/// # }
/// ```
#[derive(Debug)]
#[must_use = "a recorder records until `finish` is called"]
pub struct TraceRecorder {
    _private: (),
}

/// Another [`TraceRecorder`] is already running in this process.
///
/// # Examples
///
/// ```
/// let first = taskscope::TraceRecorder::start().unwrap();
/// let err = taskscope::TraceRecorder::start().unwrap_err();
/// assert_eq!(err.to_string(), "a trace recorder is already running in this process");
/// drop(first.finish());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a trace recorder is already running in this process")]
pub struct RecorderBusy(());

/// One finished task or group.
pub(crate) struct Event {
    pub(crate) path: String,
    pub(crate) kind: &'static str,
    pub(crate) id: Option<tokio::task::Id>,
    pub(crate) start: Instant,
    pub(crate) end: Instant,
    pub(crate) outcome: &'static str,
}

static ACTIVE: AtomicBool = AtomicBool::new(false);

struct Log {
    epoch: Option<Instant>,
    events: Vec<Event>,
}

static LOG: Mutex<Log> = Mutex::new(Log { epoch: None, events: Vec::new() });

fn log() -> MutexGuard<'static, Log> {
    LOG.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether a recorder wants events: one relaxed load.
pub(crate) fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// Records a finished task or group, if a recorder is running.
pub(crate) fn record(event: impl FnOnce() -> Event) {
    if active() {
        let event = event();
        log().events.push(event);
    }
}

impl TraceRecorder {
    /// Starts recording; timestamps count from now (on tokio's clock).
    ///
    /// # Examples
    ///
    /// See the [type-level example](TraceRecorder).
    ///
    /// # Errors
    ///
    /// [`RecorderBusy`] if another recorder is running.
    pub fn start() -> Result<Self, RecorderBusy> {
        if ACTIVE.swap(true, Ordering::AcqRel) {
            return Err(RecorderBusy(()));
        }
        let mut log = log();
        log.epoch = Some(Instant::now());
        log.events.clear();
        Ok(TraceRecorder { _private: () })
    }

    /// Stops recording and returns the trace as Chrome trace-event JSON.
    ///
    /// # Examples
    ///
    /// See the [type-level example](TraceRecorder).
    pub fn finish(self) -> String {
        let (epoch, events) = {
            let mut log = log();
            let epoch = log.epoch.take().unwrap_or_else(Instant::now);
            (epoch, std::mem::take(&mut log.events))
        };
        drop(self);
        let micros = |t: Instant| t.saturating_duration_since(epoch).as_micros() as u64;
        let events: Vec<serde_json::Value> = events
            .iter()
            .map(|e| {
                serde_json::json!({
                    "name": e.path,
                    "cat": e.kind,
                    "ph": "X",
                    "ts": micros(e.start),
                    "dur": micros(e.end).saturating_sub(micros(e.start)),
                    "pid": 1,
                    "tid": e.id.map(|id| id.to_string()).unwrap_or_else(|| e.path.clone()),
                    "args": { "path": e.path, "outcome": e.outcome },
                })
            })
            .collect();
        serde_json::json!({ "traceEvents": events, "displayTimeUnit": "ms" }).to_string()
    }
}

/// Stops recording (discarding the events) if `finish` was not called.
impl Drop for TraceRecorder {
    fn drop(&mut self) {
        ACTIVE.store(false, Ordering::Release);
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event").field("path", &self.path).field("outcome", &self.outcome).finish()
    }
}
