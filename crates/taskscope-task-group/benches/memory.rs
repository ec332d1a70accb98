//! Memory per pending child: the resident bytes that 100k parked children
//! cost in a scope, against `Vec<JoinHandle>`, `JoinSet` and `TaskTracker`.
//!
//! Not a criterion timing (`harness = false`, no criterion): each
//! measurement runs in a fresh copy of this process, which builds a
//! current-thread runtime, spawns N children that park after their first
//! poll, waits until every one has been polled, and reads its resident set
//! (`VmRSS` in Linux's `/proc/self/status`) before and after. A fresh
//! process keeps memory freed by an earlier contender from being reused
//! and hiding the cost. Resident bytes include the allocator's own
//! overhead per allocation and tokio's run queue growing to N entries (the
//! same for every contender); every contender spawns the same child future.
//! Each contender is measured `RUNS` times and the median kept.
//!
//! The medians go to `<criterion dir>/memory/pending_children.json`
//! (`$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the
//! `criterion` directory of the target directory this binary was built
//! in), which `cargo xtask bench` reads into its report. With `--test`
//! (criterion's smoke-test flag, used by `cargo xtask bench --quick`), or
//! without `--bench` (run by `cargo test --benches`), each contender runs
//! once with 1,000 children and nothing is written. Other
//! arguments not starting with `-` filter by substring of
//! `memory/pending_children/<contender>/<N>`, as criterion's filters do.

use std::fs;
use std::future::pending;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::runtime::Builder;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

const GROUP: &str = "memory/pending_children";
const N: u64 = 100_000;
const QUICK_N: u64 = 1_000;
const RUNS: usize = 3;
/// Children spawned and finished before the baseline is read, so that
/// thread-locals and lazily built statics are not counted.
const WARM_UP: u64 = 64;
/// Set in a child process: `<contender>:<n>`.
const CHILD_ENV: &str = "TASKSCOPE_BENCH_MEMORY_CHILD";

const CONTENDERS: [&str; 6] = [
    "vec_join_handle",
    "join_set",
    "task_tracker",
    "task_tracker_token",
    "taskscope",
    "taskscope_handles",
];

/// Children that have been polled once.
static STARTED: AtomicU64 = AtomicU64::new(0);

fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        let (contender, n) = spec.split_once(':').expect("contender:n");
        let bytes = measure(contender, n.parse().expect("n"));
        println!("{bytes}");
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Criterion's rule: `cargo bench` passes `--bench`; without it (`cargo
    // test --benches`) or with `--test`, only prove that the bench runs.
    let quick = args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench");
    let filters: Vec<&str> =
        args.iter().filter(|a| !a.starts_with('-')).map(String::as_str).collect();
    let (n, runs) = if quick { (QUICK_N, 1) } else { (N, RUNS) };
    let selected: Vec<&str> = CONTENDERS
        .into_iter()
        .filter(|c| {
            let id = format!("{GROUP}/{c}/{n}");
            filters.is_empty() || filters.iter().any(|f| id.contains(f))
        })
        .collect();
    if selected.is_empty() {
        return;
    }
    if resident_bytes().is_none() {
        println!("{GROUP}: skipped, resident memory is read from /proc/self/status (Linux)");
        return;
    }
    let exe = std::env::current_exe().expect("current exe");
    let mut results = Vec::new();
    println!("{GROUP}: resident bytes per pending child, {n} children, median of {runs}");
    for contender in selected {
        let mut samples: Vec<f64> = (0..runs)
            .map(|_| {
                let out = Command::new(&exe)
                    .env(CHILD_ENV, format!("{contender}:{n}"))
                    .output()
                    .expect("run the measuring process");
                assert!(
                    out.status.success(),
                    "{contender}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let total: i64 =
                    String::from_utf8_lossy(&out.stdout).trim().parse().expect("a byte count");
                total as f64 / n as f64
            })
            .collect();
        samples.sort_by(f64::total_cmp);
        let median = samples[samples.len() / 2];
        println!(
            "  {contender:<22}{median:>10.1} B   (runs: {})",
            samples.iter().map(|s| format!("{s:.1}")).collect::<Vec<_>>().join(", ")
        );
        results.push((contender, median));
    }
    if !quick {
        let path = write_json(n, runs, &results);
        println!("  written to {}", path.display());
    }
}

/// Spawns `n` parked children the way `contender` does and returns how many
/// resident bytes they added once all of them have been polled.
fn measure(contender: &str, n: u64) -> i64 {
    let rt = Builder::new_current_thread().enable_all().build().expect("runtime");
    let bytes = rt.block_on(async {
        warm_up(contender).await;
        let before = resident_bytes().expect("resident memory");
        let after = match contender {
            "vec_join_handle" => {
                let handles: Vec<_> = (0..n).map(|_| tokio::spawn(parked())).collect();
                let after = all_started(n).await;
                for handle in &handles {
                    handle.abort();
                }
                after
            }
            "join_set" => {
                let mut set = JoinSet::new();
                for _ in 0..n {
                    set.spawn(parked());
                }
                let after = all_started(n).await;
                set.abort_all();
                after
            }
            "task_tracker" => {
                let tracker = TaskTracker::new();
                for _ in 0..n {
                    tracker.spawn(parked());
                }
                // Detached children: the runtime's shutdown ends them.
                all_started(n).await
            }
            "task_tracker_token" => {
                let tracker = TaskTracker::new();
                let token = CancellationToken::new();
                for _ in 0..n {
                    let token = token.clone();
                    tracker.spawn(async move {
                        tokio::select! {
                            _ = token.cancelled() => Ok(()),
                            out = parked() => out,
                        }
                    });
                }
                let after = all_started(n).await;
                token.cancel();
                tracker.close();
                tracker.wait().await;
                after
            }
            "taskscope" | "taskscope_handles" => {
                let keep = contender == "taskscope_handles";
                let mut after = 0;
                let result = taskscope::scope(async |tg| {
                    let handles: Vec<_> = (0..n)
                        .map(|_| tg.spawn(parked()))
                        .filter(|_| keep) // dropped handles detach
                        .collect();
                    after = all_started(n).await;
                    drop(handles);
                    tg.cancel();
                    Ok::<_, ()>(())
                })
                .await;
                assert!(result.as_ref().map_or_else(|e| e.is_cancelled(), |_| true), "{result:?}");
                after
            }
            other => panic!("unknown contender `{other}`"),
        };
        after as i64 - before as i64
    });
    drop(rt);
    bytes
}

/// A child that parks forever after its first poll, like one waiting on
/// the network; all contenders spawn this same future.
async fn parked() -> Result<(), ()> {
    STARTED.fetch_add(1, Ordering::Relaxed);
    pending::<()>().await;
    Ok(())
}

/// Waits until `n` children have started, then reads the resident set.
async fn all_started(n: u64) -> u64 {
    while STARTED.load(Ordering::Relaxed) < n {
        tokio::task::yield_now().await;
    }
    resident_bytes().expect("resident memory")
}

/// A few short children through the same path, so first-use costs are
/// paid before the baseline.
async fn warm_up(contender: &str) {
    let trivial = || async { Ok::<(), ()>(()) };
    if contender.starts_with("taskscope") {
        taskscope::scope(async |tg| {
            for _ in 0..WARM_UP {
                tg.spawn(trivial());
            }
            Ok::<_, ()>(())
        })
        .await
        .expect("warm-up");
    } else {
        let mut set = JoinSet::new();
        let tracker = TaskTracker::new();
        for _ in 0..WARM_UP {
            set.spawn(trivial());
            tracker.spawn(trivial());
        }
        while set.join_next().await.is_some() {}
        tracker.close();
        tracker.wait().await;
    }
}

/// `VmRSS` of this process in bytes, where `/proc` has it.
fn resident_bytes() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Where criterion keeps its results, found the way criterion finds it.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    // This binary is <target>/<profile>/deps/memory-<hash>.
    let exe = std::env::current_exe().expect("current exe");
    match exe.ancestors().nth(3) {
        Some(target) => target.join("criterion"),
        None => PathBuf::from("target/criterion"),
    }
}

fn write_json(n: u64, runs: usize, results: &[(&str, f64)]) -> PathBuf {
    let dir = criterion_dir().join("memory");
    fs::create_dir_all(&dir).expect("create the output directory");
    let path = dir.join("pending_children.json");
    let entries: Vec<String> = results
        .iter()
        .map(|(c, b)| format!("{{\"contender\":\"{c}\",\"bytes_per_element\":{b:.1}}}"))
        .collect();
    let json = format!(
        "{{\"group\":\"{GROUP}\",\"unit\":\"resident bytes per pending child\",\
         \"elements\":{n},\"runs\":{runs},\"results\":[{}]}}\n",
        entries.join(",")
    );
    let mut file = fs::File::create(&path).expect("create the output file");
    file.write_all(json.as_bytes()).expect("write the output file");
    path
}
