//! `taskscope::run`: SIGTERM cancels the tree gracefully and exits 143; a
//! second signal aborts at once; tasks still running when the grace period
//! ends are printed. Runs `src/bin/signal_demo.rs` as a child process.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread;
use std::time::{Duration, Instant};

/// Generous bound on how long any step may take: the tests never assert
/// speed, they only refuse to hang.
const BOUND: Duration = Duration::from_secs(30);

struct Demo {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

fn lines(read: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    thread::spawn(move || {
        for line in BufReader::new(read).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Demo {
    fn start(args: &[&str]) -> Demo {
        let mut child = Command::new(env!("CARGO_BIN_EXE_signal_demo"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start signal_demo");
        let stdout = lines(child.stdout.take().expect("stdout"));
        let stderr = lines(child.stderr.take().expect("stderr"));
        let mut demo = Demo { child, stdout, stderr };
        demo.wait_line(Stream::Out, "ready");
        demo
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    fn wait_line(&mut self, stream: Stream, wanted: &str) -> Vec<String> {
        let rx = match stream {
            Stream::Out => &self.stdout,
            Stream::Err => &self.stderr,
        };
        let mut seen = Vec::new();
        let deadline = Instant::now() + BOUND;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.contains(wanted) => {
                    seen.push(line);
                    return seen;
                }
                Ok(line) => seen.push(line),
                Err(_) => panic!("no line containing {wanted:?}; saw {seen:?}"),
            }
        }
    }

    /// Waits for the exit, then returns the code and the rest of both streams.
    fn finish(mut self) -> (i32, String, String) {
        let deadline = Instant::now() + BOUND;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(Instant::now() < deadline, "signal_demo did not exit");
            thread::sleep(Duration::from_millis(10));
        };
        let out: Vec<String> = self.stdout.iter().collect();
        let err: Vec<String> = self.stderr.iter().collect();
        (status.code().expect("exited normally"), out.join("\n"), err.join("\n"))
    }
}

enum Stream {
    Out,
    Err,
}

#[test]
fn sigterm_cancels_gracefully_and_exits_143() {
    let demo = Demo::start(&["polite"]);
    demo.signal("TERM");
    let (code, out, err) = demo.finish();
    assert_eq!(code, 143, "stderr: {err}");
    for i in 0..3 {
        assert!(out.contains(&format!("worker-{i} saw cancellation")), "{out}");
        assert!(out.contains(&format!("worker-{i} cleaned up")), "{out}");
    }
    assert!(err.contains("received SIGTERM"), "{err}");
    assert!(err.contains("interrupted by SIGTERM"), "{err}");
    assert!(!err.contains("grace period over"), "nothing outlived the grace period: {err}");
}

#[test]
fn sigint_exits_130() {
    let demo = Demo::start(&["polite"]);
    demo.signal("INT");
    let (code, _, err) = demo.finish();
    assert_eq!(code, 130, "stderr: {err}");
    assert!(err.contains("received SIGINT"), "{err}");
}

#[test]
fn tasks_still_running_after_the_grace_period_are_printed() {
    let demo = Demo::start(&["stubborn", "300"]);
    demo.signal("TERM");
    let (code, out, err) = demo.finish();
    assert_eq!(code, 143, "stderr: {err}");
    assert!(out.contains("worker-2 cleaned up"), "{out}");
    assert!(err.contains("grace period over"), "{err}");
    let tree = &err[err.find("grace period over").unwrap()..];
    assert!(tree.contains("demo [group, cancelling"), "{tree}");
    assert!(tree.contains("stubborn [cancelling"), "{tree}");
    assert!(!tree.contains("worker-0"), "finished workers are not listed: {tree}");
}

#[test]
fn a_second_signal_aborts_at_once() {
    // A one-hour grace period: only the second signal can end this quickly.
    let mut demo = Demo::start(&["stubborn", "3600000"]);
    demo.signal("TERM");
    demo.wait_line(Stream::Err, "received SIGTERM");
    demo.signal("TERM");
    let (code, _, err) = demo.finish();
    assert_eq!(code, 143, "stderr: {err}");
    assert!(err.contains("second signal; aborting every task now"), "{err}");
}
