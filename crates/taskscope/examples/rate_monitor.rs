//! An async guard that reports operations per second while a block of
//! code runs — Python's `async with RateMonitor("requests") as meter:`.
//!
//! It teaches the structured way to run a helper task *beside* your code:
//! the reporter is a child of a scope whose body is your block, so it
//! starts before the block, stops when the block ends — however it ends:
//! a value, an error, a panic, or the caller cancelling it — and can never
//! outlive it. Rust has no async `Drop`, so the guard is a function that
//! runs your block (`monitor(name, every, async |meter| { ... })`) rather
//! than a value you drop. Along the way it uses a
//! `taskscope::semaphore::RateLimiter` to produce a known rate, and a
//! nested scope of workers that share one meter.
//!
//! Run with `cargo run --example rate_monitor`; `-- --seconds 1` for a
//! shorter run, `-- --fast` to run it on a paused clock, instantly.

#[path = "common/cli.rs"]
#[allow(dead_code)] // this example reads numbers only
mod cli;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use taskscope::ErrorGroup;
use taskscope::semaphore::RateLimiter;
use tokio::time::{Instant, MissedTickBehavior};

/// Counts operations; cheap to clone and to tick from many tasks.
#[derive(Clone, Debug, Default)]
pub(crate) struct Meter(Arc<AtomicU64>);

impl Meter {
    /// Counts one operation.
    pub(crate) fn tick(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn total(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// What a monitor saw: the count in each full interval, and the total.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct RateReport {
    pub(crate) name: String,
    pub(crate) every: Duration,
    /// Operations in each full interval.
    pub(crate) intervals: Vec<u64>,
    pub(crate) total: u64,
    pub(crate) elapsed: Duration,
}

impl RateReport {
    pub(crate) fn per_second(&self) -> f64 {
        self.total as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

impl fmt::Display for RateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per_interval = |n: &u64| *n as f64 / self.every.as_secs_f64();
        let slowest = self.intervals.iter().map(per_interval).fold(f64::INFINITY, f64::min);
        let fastest = self.intervals.iter().map(per_interval).fold(0.0, f64::max);
        write!(
            f,
            "[{}] {} ops in {:.2?}: {:.0} ops/s on average",
            self.name,
            self.total,
            self.elapsed,
            self.per_second()
        )?;
        if !self.intervals.is_empty() {
            write!(f, ", {slowest:.0} to {fastest:.0} ops/s per {:?}", self.every)?;
        }
        Ok(())
    }
}

/// Runs `block` with a [`Meter`] and prints the operations per second
/// every `every` while it runs. Returns the block's value and the report.
///
/// The reporter is a child of a scope whose body is `block`. When the
/// block returns, the body cancels the scope, which stops the reporter;
/// if the block fails or panics, the scope cancels the reporter for that
/// reason; if the caller drops the returned future, the scope goes with
/// it. In every case the reporter has stopped when this returns.
///
/// Cancel safe: dropping the future cancels the block and the reporter.
///
/// # Errors
///
/// The block's error, in the scope's error group (under the name `body`).
pub(crate) async fn monitor<T, E>(
    name: &str,
    every: Duration,
    block: impl AsyncFnOnce(Meter) -> Result<T, E>,
) -> Result<(T, RateReport), ErrorGroup<E>>
where
    E: Send + 'static,
{
    let meter = Meter::default();
    let intervals = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let value = taskscope::TaskGroup::builder()
        .name(format!("monitor-{name}"))
        .scope(async |tg| {
            let reporter = report(name.to_owned(), meter.clone(), every, intervals.clone());
            tg.spawn_named("reporter", reporter);
            let value = block(meter.clone()).await?;
            // The block is done: stop the reporter. The scope returns the
            // value, since the body had it before the cancel took effect.
            tg.cancel();
            Ok(value)
        })
        .await?;
    let intervals = std::mem::take(&mut *intervals.lock().unwrap_or_else(PoisonError::into_inner));
    let report = RateReport {
        name: name.to_owned(),
        every,
        intervals,
        total: meter.total(),
        elapsed: start.elapsed(),
    };
    Ok((value, report))
}

/// Prints the rate every `every`, and keeps each interval's count, until
/// cancelled.
async fn report<E>(
    name: String,
    meter: Meter,
    every: Duration,
    intervals: Arc<Mutex<Vec<u64>>>,
) -> Result<(), E> {
    let start = Instant::now();
    let mut ticker = tokio::time::interval_at(start + every, every);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last = 0;
    loop {
        ticker.tick().await;
        let total = meter.total();
        let n = total - last;
        last = total;
        println!(
            "[{name}] {:>5.2}s {n:>5} ops {:>6.0} ops/s",
            start.elapsed().as_secs_f64(),
            n as f64 / every.as_secs_f64()
        );
        intervals.lock().unwrap_or_else(PoisonError::into_inner).push(n);
    }
}

/// A workload with a known shape: `seconds` seconds at 200 ops/s from
/// one task, then as long at 4 × 25 ops/s from four workers.
pub(crate) async fn workload(
    seconds: u64,
) -> Result<(RateReport, u64), ErrorGroup<std::io::Error>> {
    let every = Duration::from_millis(500);
    let (done, report) = monitor("requests", every, async |meter: Meter| {
        // A burst of 10 absorbs the timer's millisecond lateness.
        let fast = RateLimiter::per_second(200.0).and_then(|r| r.burst(10)).expect("a valid rate");
        for _ in 0..200 * seconds {
            fast.acquire().await;
            meter.tick();
        }
        // Four workers in a nested scope, each at 25 ops/s.
        let workers = taskscope::scope(async |tg| {
            for _ in 0..4 {
                let meter = meter.clone();
                tg.spawn(async move {
                    let slow = RateLimiter::per_second(25.0)
                        .and_then(|r| r.burst(5))
                        .expect("a valid rate");
                    for _ in 0..25 * seconds {
                        slow.acquire().await;
                        meter.tick();
                    }
                    Ok::<_, std::io::Error>(())
                });
            }
            Ok(())
        });
        workers.await.map_err(std::io::Error::other)?;
        Ok(meter.total())
    })
    .await?;
    Ok((report, done))
}

fn main() {
    let mut seconds = 2;
    let mut fast = false;
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next().unwrap_or_else(|err| exit_usage(&err.to_string())) {
        match arg {
            lexopt::Arg::Long("seconds") => {
                seconds =
                    cli::parsed(parser.value()).unwrap_or_else(|e| exit_usage(&e.to_string()));
            }
            lexopt::Arg::Long("fast") => fast = true,
            other => exit_usage(&other.unexpected().to_string()),
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(fast)
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(workload(seconds)) {
        Ok((report, _)) => println!("{report}"),
        Err(errors) => eprintln!("{errors}"),
    }
}

fn exit_usage(error: &str) -> ! {
    eprintln!("rate_monitor: {error}\nusage: rate_monitor [--seconds N] [--fast]");
    std::process::exit(2)
}
