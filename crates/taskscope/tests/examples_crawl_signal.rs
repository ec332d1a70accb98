//! The `crawl` example as a user runs it: a separate process, stopped with
//! Ctrl-C (SIGINT) halfway. It must cancel the crawl, still print its
//! summary, say it was interrupted and exit with 130. (A second signal
//! aborting at once is tested on `taskscope::run` itself, with a program
//! that ignores the first: `tests/tests/run_signals.rs`.)
//!
//! The binary is the one `cargo test` builds next to this test (examples
//! are built before tests run). Real time is unavoidable with a child
//! process: the waits below are generous bounds that only refuse to hang,
//! and nothing asserts speed. The crawl is slowed by its own rate limit
//! (20 requests/s over 500 pages, at least 25 s), so the signal always
//! arrives while it is running.
#![cfg(all(unix, feature = "full"))]

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long any step may take before the test calls it a hang.
const BOUND: Duration = Duration::from_secs(30);

/// `target/<profile>/examples/crawl`, next to this test's `deps/` folder.
fn crawl_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps");
    let binary = profile_dir.join("examples").join("crawl");
    assert!(
        binary.exists(),
        "{} is missing: `cargo test -p taskscope` builds the examples before the tests \
         (a lone `--test` filter does not; run `cargo build --example crawl` first)",
        binary.display()
    );
    binary
}

/// Starts a slow crawl of the example's own loopback site.
fn start_crawl() -> Child {
    Command::new(crawl_binary())
        .args(["--rate", "20", "--max-pages", "500", "--concurrency", "8"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the crawl example")
}

fn send(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} failed");
}

/// Waits (bounded) for the exit; returns the status and both streams.
fn finish(mut child: Child) -> (ExitStatus, String, String) {
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + BOUND;
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll the crawl") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the crawl did not exit within {BOUND:?} of the signal");
        }
        thread::sleep(Duration::from_millis(20));
    };
    (status, out.join().expect("stdout reader"), err.join().expect("stderr reader"))
}

#[test]
fn ctrl_c_cancels_the_crawl_and_still_reports() {
    let child = start_crawl();
    // Long enough for the server to start and the first pages to arrive.
    thread::sleep(Duration::from_millis(1500));
    send(&child, "INT");
    let (status, out, err) = finish(child);
    assert_eq!(status.code(), Some(130), "stdout:\n{out}\nstderr:\n{err}");
    let summary = out.lines().next().unwrap_or_default();
    assert!(summary.starts_with("crawled http://127.0.0.1:"), "stdout:\n{out}");
    assert!(summary.ends_with(": cancelled"), "stdout:\n{out}");
    assert!(out.contains("server "), "the summary's server line is missing:\n{out}");
    assert!(err.contains("received SIGINT; cancelling every task"), "stderr:\n{err}");
    assert!(err.contains("interrupted by SIGINT"), "stderr:\n{err}");
}
