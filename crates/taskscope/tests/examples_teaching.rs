//! Runs the teaching examples' own code in fast, bounded modes and checks
//! what they report: `timeout_decorator`, `rate_monitor`, `pipeline`,
//! `sync_vs_async`, `race_condition` and `graceful_server`.
//!
//! Each example is compiled into this test with `#[path]`, so the test
//! drives the code `cargo run --example ...` runs. Examples that only use
//! timers run on tokio's paused clock, where their output is exact; the
//! ones with sockets run on the real clock, with no assertion on speed.
#![cfg(feature = "full")]
// Each example includes the shared `common/` modules it needs, as its own
// binary does; compiled together here, some are included more than once.
#![allow(clippy::duplicate_mod)]

#[path = "../examples/graceful_server.rs"]
#[allow(dead_code)] // `main` and the option parsing are the binary's
mod graceful_server;
#[path = "../examples/pipeline.rs"]
#[allow(dead_code)] // `main` is the binary's
mod pipeline;
#[path = "../examples/race_condition.rs"]
#[allow(dead_code)] // `main` is the binary's
mod race_condition;
#[path = "../examples/rate_monitor.rs"]
#[allow(dead_code)] // `main` is the binary's
mod rate_monitor;
#[path = "../examples/sync_vs_async.rs"]
#[allow(dead_code)] // `main` is the binary's
mod sync_vs_async;
#[path = "../examples/timeout_decorator.rs"]
#[allow(dead_code)] // `main` is the binary's
mod timeout_decorator;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use tokio::time::Instant;

/// Waits (by yielding, never by sleeping) until the runtime has no task
/// left, and fails if some task stays alive.
async fn assert_nothing_left_running() {
    let metrics = tokio::runtime::Handle::current().metrics();
    for _ in 0..100_000 {
        if metrics.num_alive_tasks() == 0 {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("{} tasks are still running", metrics.num_alive_tasks());
}

#[tokio::test(start_paused = true)]
async fn timeout_decorator_prints_each_rule() {
    let out = timeout_decorator::demo().await;
    assert_eq!(
        out,
        "\
1. lookup_100ms = with_deadline(100ms, lookup)
   lookup_100ms(1): user-1 after 40ms (it had 100ms left)
   lookup_100ms(2): user-2 after 80ms (it had 100ms left)
   lookup_100ms(3): timed out after 100ms (the deadline 100ms after the call)
2. lookup(2).timeout(50ms): timed out after 50ms (the deadline 50ms after the call)
3. timeout(60ms, lookup_100ms(..))
   lookup_100ms(1): inner user-1 after 40ms (it had 60ms left)
   lookup_100ms(2): outer timed out after 60ms (the deadline 60ms after the call)
4. move_on_after(50ms, lookup(3)): the cached profile after 50ms
total 420ms
"
    );
    assert_nothing_left_running().await;
}

#[tokio::test(start_paused = true)]
async fn rate_monitor_reports_the_rate_of_each_phase() {
    let start = Instant::now();
    let (report, total) = rate_monitor::workload(2).await.unwrap();
    // 400 operations at 200/s (burst 10), then 4 × 50 at 25/s (burst 5).
    assert_eq!(total, 600);
    assert_eq!(report.total, 600);
    assert_eq!(start.elapsed(), Duration::from_millis(1950 + 1800));
    assert_eq!(report.elapsed, start.elapsed());
    assert_eq!(report.intervals.len(), 7, "{report:?}"); // full 500 ms intervals in 3.75 s
    // Intervals 0 to 2 are in the first phase (the first one with the
    // burst), 3 straddles the two, 4 to 6 are in the second.
    for (i, &n) in report.intervals.iter().enumerate() {
        let expected = match i {
            0 => 110,
            1 | 2 => 100,
            3 => continue,
            _ => 50,
        };
        assert!(n.abs_diff(expected) <= 2, "interval {i}: {n} ops, about {expected} expected");
    }
    assert!(report.intervals.iter().sum::<u64>() <= report.total);
    assert!(report.to_string().starts_with("[requests] 600 ops in 3.75s: 160 ops/s"), "{report}");
    assert_nothing_left_running().await;
}

#[tokio::test(start_paused = true)]
async fn rate_monitor_stops_its_reporter_however_the_block_ends() {
    // The block fails: the error comes back, named `body`, and the
    // reporter is gone.
    let every = Duration::from_millis(100);
    let err = rate_monitor::monitor("failing", every, async |meter: rate_monitor::Meter| {
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_millis(30)).await;
            meter.tick();
        }
        Err::<(), _>("the block failed")
    })
    .await
    .unwrap_err();
    assert_eq!(err.len(), 1);
    assert_eq!(err.first().unwrap().task().name(), "body");
    assert_nothing_left_running().await;

    // The caller gives up on the block: dropping the monitor cancels the
    // block and the reporter with it.
    let forever = rate_monitor::monitor(
        "forever",
        every,
        async |meter: rate_monitor::Meter| -> Result<(), ()> {
            loop {
                tokio::time::sleep(Duration::from_millis(10)).await;
                meter.tick();
            }
        },
    );
    assert!(tokio::time::timeout(Duration::from_secs(1), forever).await.is_err());
    assert_nothing_left_running().await;
}

#[tokio::test(start_paused = true)]
async fn pipeline_stores_every_item_and_queues_stay_bounded() {
    let report = pipeline::pipeline(30, None).await.unwrap();
    assert_eq!((report.fetched, report.parsed, report.stored.len()), (30, 30, 30));
    for (&id, &words) in &report.stored {
        assert_eq!(words, pipeline::page_text(id).split_whitespace().count());
    }
    // The slow store stage fills its queue: back-pressure, not a pile-up.
    assert!(report.max_queued.iter().all(|&n| n <= pipeline::CAPACITY), "{report:?}");
    assert_eq!(report.max_queued[2], pipeline::CAPACITY, "{report:?}");
    assert_nothing_left_running().await;
}

#[tokio::test(start_paused = true)]
async fn pipeline_fails_fast_on_a_bad_item() {
    let err = pipeline::pipeline(30, Some(13)).await.unwrap_err();
    assert_eq!(err.len(), 1, "{err}");
    let entry = err.first().unwrap();
    assert!(entry.task().path().starts_with("pipeline/parse-"), "{err}");
    assert_eq!(entry.as_failed().unwrap().to_string(), "item 13: malformed page");
    assert_nothing_left_running().await;
}

#[test]
fn sync_vs_async_compares_three_ways_of_sending_requests() {
    let comparison = sync_vs_async::compare(8, Duration::from_millis(5)).unwrap();
    let names: Vec<_> = comparison.rows.iter().map(|r| r.name).collect();
    assert_eq!(names, ["sequential", "threads", "task group"]);
    for row in &comparison.rows {
        assert_eq!(row.ok, 8, "{row:?}");
        assert_eq!(row.server_requests, 8, "{row:?}");
        assert!(row.server_max_in_flight <= 8, "{row:?}");
    }
    // One after another really is one at a time.
    assert_eq!(comparison.rows[0].server_max_in_flight, 1);
    let table = comparison.to_string();
    assert!(table.starts_with("8 requests, each answered after 5ms:"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_vs_async_task_group_leaves_nothing_running() {
    use sync_vs_async::site::{Site, SiteConfig};
    let site = Site::start(SiteConfig::uniform(20, Duration::from_millis(5))).await.unwrap();
    assert_eq!(sync_vs_async::task_group(site.addr(), 20).await, 20);
    assert_eq!(site.stats().requests(), 20);
    site.shutdown().await.unwrap();
    assert_nothing_left_running().await;
}

#[tokio::test(start_paused = true)]
async fn race_condition_loses_updates_on_one_thread_and_the_lock_fixes_it() {
    // Every deposit reads the balance before any writes it back.
    assert_eq!(race_condition::racy(100).await, 1);
    assert_eq!(race_condition::locked(100).await, 100);
    assert_nothing_left_running().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn race_condition_lock_holds_on_many_threads() {
    assert_eq!(race_condition::locked(50).await, 50);
    assert_nothing_left_running().await;
}

/// A line-based TCP client with a read deadline, so a broken server fails
/// the test instead of hanging it.
struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut client = Client { reader: BufReader::new(stream) };
        assert!(client.line().starts_with("hello"));
        client
    }

    fn send(&mut self, line: &str) {
        self.reader.get_mut().write_all(format!("{line}\n").as_bytes()).unwrap();
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        line.trim_end().to_owned()
    }

    /// Reads until the server closes the connection.
    fn rest(&mut self) -> String {
        let mut rest = String::new();
        // A reset after an abort is a close too.
        let _ = self.reader.read_to_string(&mut rest);
        rest
    }
}

/// Talks to a server the way both graceful-server tests do: one client
/// that idles (and will be told goodbye), one stuck in a slow request
/// (aborted after the grace period), one that hits the `/panic` bug.
fn start_conversations(addr: SocketAddr, panic: bool) -> (Client, Client) {
    let mut idle = Client::connect(addr);
    idle.send("hello, echo");
    assert_eq!(idle.line(), "hello, echo");
    let mut slow = Client::connect(addr);
    slow.send("/slow");
    assert_eq!(slow.line(), "working on it for a minute...");
    if panic {
        let mut buggy = Client::connect(addr);
        buggy.send("/panic");
        assert_eq!(buggy.rest(), "", "the panicking connection is closed");
    }
    (idle, slow)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_server_drains_its_connections() {
    let drain = Duration::from_millis(200);
    let server = graceful_server::EchoServer::bind(SocketAddr::from(([127, 0, 0, 1], 0)), drain)
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(async move {
        let _ = stopped.await;
    }));
    let clients =
        tokio::task::spawn_blocking(move || start_conversations(addr, true)).await.unwrap();
    stop.send(()).unwrap();
    let report = serving.await.unwrap();
    let (mut idle, mut slow) = clients;
    let (idle_rest, slow_rest) =
        tokio::task::spawn_blocking(move || (idle.rest(), slow.rest())).await.unwrap();
    assert_eq!(idle_rest, "server shutting down, bye\n");
    assert_eq!(slow_rest, "", "the slow request was aborted, not answered");
    assert_eq!((report.accepted, report.lines, report.goodbyes, report.aborted), (3, 1, 1, 1));
    let errors = report.errors.unwrap();
    assert!(errors.contains("panicked: a bug in the /panic handler"), "{errors}");
    assert!(errors.starts_with("task group `connections` failed with 1 error"), "{errors}");
    assert_nothing_left_running().await;
}

/// The real thing: the server runs in a child process (this test binary
/// again, running only this test, in child mode), and gets a SIGTERM.
#[cfg(unix)]
#[test]
fn graceful_server_drains_on_sigterm() {
    use std::process::{Command, Stdio};
    const CHILD: &str = "TASKSCOPE_EXAMPLES_SIGTERM_CHILD";

    if std::env::var_os(CHILD).is_some() {
        let options = graceful_server::Options {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            drain: Duration::from_millis(300),
            serve_for: None,
        };
        let outcome = graceful_server::run(&options);
        if let taskscope::RunOutcome::Interrupted { result: Ok(report), .. } = &outcome {
            println!("{report}");
        }
        std::process::exit(i32::from(outcome.exit_code_value()));
    }

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "graceful_server_drains_on_sigterm", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let addr = loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "the child exited before listening");
        // libtest starts the line with `test <name> ... `.
        if let Some((_, addr)) = line.trim().split_once("listening on ") {
            break addr.parse::<SocketAddr>().unwrap();
        }
    };
    let (mut idle, mut slow) = start_conversations(addr, false);
    let killed = Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(killed.success());
    assert_eq!(idle.rest(), "server shutting down, bye\n");
    assert_eq!(slow.rest(), "");
    // The child must exit by itself; if it does not within a generous
    // bound, kill it so the test fails instead of hanging. (Until it is
    // reaped, its pid cannot name another process.)
    let mut waited = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if waited == 3000 {
            child.kill().unwrap();
            panic!("the server did not exit within 30 s of SIGTERM");
        }
        waited += 1;
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut out = String::new();
    stdout.read_to_string(&mut out).unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert_eq!(status.code(), Some(143), "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("received SIGTERM"), "{err}");
    assert!(out.contains("draining 2 connections (grace period 300ms)"), "{out}");
    assert!(
        out.contains(
            "served 2 connections and echoed 1 lines; at shutdown 1 said goodbye and 1 were aborted"
        ),
        "{out}"
    );
}
