//! A TCP echo server whose connections live in an owned task group and
//! drain on SIGTERM (or Ctrl-C).
//!
//! It teaches the owned form of a group, [`TaskGroup`], for tasks that
//! belong to a struct rather than to one block of code: the server holds
//! its connections' group, so dropping the server aborts every
//! connection, and draining is `cancel` then `join`. The group has a
//! grace period: on shutdown its token fires, connections that watch it
//! say goodbye and close, and whatever is still busy when the grace period
//! is over is aborted. Its policy is `CollectAll` with `catch_panics`: one
//! connection's bug (`/panic`) must not take the others down, and it is
//! still reported, in the error tree, when the server stops.
//! `taskscope::run_with` turns SIGINT and SIGTERM into that shutdown.
//!
//! Run with `cargo run --example graceful_server`, then, in other
//! terminals, `nc 127.0.0.1 7878` (type lines; `/slow` starts a request
//! that ignores the shutdown, `/panic` hits a bug, `/quit` leaves), and
//! stop the server with Ctrl-C or `kill -TERM <pid>`. Flags: `--addr
//! ADDR`, `--drain D` (the grace period, default 5s), and `--serve-for D`
//! to stop by itself after D, as if it got SIGTERM (a bounded run for CI).

#[path = "common/cli.rs"]
mod cli;

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use taskscope::{Policy, RunConfig, RunOutcome, TaskGroup};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// The command line.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    pub(crate) addr: SocketAddr,
    /// How long connections get to finish after the shutdown starts.
    pub(crate) drain: Duration,
    /// Stop by itself after this long.
    pub(crate) serve_for: Option<Duration>,
}

/// What the server did, printed when it stops.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) accepted: u64,
    pub(crate) lines: u64,
    /// Connections that were open at shutdown and said goodbye.
    pub(crate) goodbyes: u64,
    /// Connections still busy when the grace period ran out.
    pub(crate) aborted: u64,
    /// The error tree of the connections that failed or panicked.
    pub(crate) errors: Option<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "served {} connections and echoed {} lines; at shutdown {} said goodbye and {} \
             were aborted after the grace period",
            self.accepted, self.lines, self.goodbyes, self.aborted
        )?;
        if let Some(errors) = &self.errors {
            write!(f, "\n{errors}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
struct Counters {
    accepted: AtomicU64,
    lines: AtomicU64,
    goodbyes: AtomicU64,
    aborted: AtomicU64,
}

/// An echo server that owns its connections.
#[derive(Debug)]
pub(crate) struct EchoServer {
    listener: TcpListener,
    /// Every connection is a child of this group. Dropping the server
    /// drops the group, which aborts them all.
    connections: TaskGroup<io::Error>,
    drain: Duration,
    counters: Arc<Counters>,
}

impl EchoServer {
    /// Listens on `addr`; connections will get `drain` to finish when the
    /// server shuts down.
    pub(crate) async fn bind(addr: SocketAddr, drain: Duration) -> io::Result<EchoServer> {
        let listener = TcpListener::bind(addr).await?;
        let connections = TaskGroup::builder()
            .name("connections")
            .policy(Policy::CollectAll)
            .catch_panics()
            .grace(drain)
            .build();
        Ok(EchoServer { listener, connections, drain, counters: Arc::default() })
    }

    pub(crate) fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then drains: stops accepting,
    /// asks every connection to finish, and aborts those still busy after
    /// the grace period.
    ///
    /// Cancel safe: dropping the future drops the server, which aborts
    /// every connection.
    pub(crate) async fn serve(self, shutdown: impl Future<Output = ()>) -> Report {
        let EchoServer { listener, connections, drain, counters } = self;
        // Fires when the group is cancelled: the connections' cue to say
        // goodbye.
        let bye = connections.token();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        counters.accepted.fetch_add(1, Ordering::Relaxed);
                        let conversation = converse(stream, bye.clone(), counters.clone());
                        connections.spawn_named(format!("conn-{peer}"), conversation);
                    }
                    // Out of file descriptors, say: keep serving the others.
                    Err(err) => eprintln!("accept failed: {err}"),
                },
            }
        }
        drop(listener); // new clients are refused from here on
        println!("draining {} connections (grace period {drain:?})", connections.len());
        connections.cancel();
        let errors = connections.join().await.err().map(|errors| errors.to_string());
        Report {
            accepted: counters.accepted.load(Ordering::Relaxed),
            lines: counters.lines.load(Ordering::Relaxed),
            goodbyes: counters.goodbyes.load(Ordering::Relaxed),
            aborted: counters.aborted.load(Ordering::Relaxed),
            errors,
        }
    }
}

/// One connection: echoes lines until the client leaves or the server
/// says goodbye. A client that hangs up mid-line is not an error of the
/// server's; other I/O errors are reported in the group's error tree.
async fn converse(
    stream: TcpStream,
    bye: CancellationToken,
    counters: Arc<Counters>,
) -> io::Result<()> {
    let mut guard = Busy { counters: counters.clone(), done: false };
    let result = echo(stream, bye, &counters).await;
    guard.done = true;
    match result {
        Err(err) if is_hang_up(&err) => Ok(()),
        other => other,
    }
}

async fn echo(stream: TcpStream, bye: CancellationToken, counters: &Counters) -> io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write
        .write_all(b"hello: every line comes back; /slow, /panic and /quit do what they say\n")
        .await?;
    loop {
        let line = tokio::select! {
            () = bye.cancelled() => {
                write.write_all(b"server shutting down, bye\n").await?;
                counters.goodbyes.fetch_add(1, Ordering::Relaxed);
                break;
            }
            line = lines.next_line() => line?, // cancel safe: no line is lost
        };
        let Some(line) = line else { break }; // the client closed
        match line.trim() {
            "/quit" => {
                write.write_all(b"bye\n").await?;
                break;
            }
            "/slow" => {
                // A long request that does not watch for the shutdown: the
                // grace period is what bounds it.
                write.write_all(b"working on it for a minute...\n").await?;
                tokio::time::sleep(Duration::from_secs(60)).await;
                write.write_all(b"that took a minute\n").await?;
            }
            "/panic" => panic!("a bug in the /panic handler"),
            _ => {
                write.write_all(format!("{line}\n").as_bytes()).await?;
                counters.lines.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    write.shutdown().await
}

fn is_hang_up(err: &io::Error) -> bool {
    use io::ErrorKind::*;
    matches!(err.kind(), ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof)
}

/// Counts a connection as aborted if it is dropped before it finished
/// (and not because it panicked: the error tree reports those).
struct Busy {
    counters: Arc<Counters>,
    done: bool,
}

impl Drop for Busy {
    fn drop(&mut self) {
        if !self.done && !std::thread::panicking() {
            self.counters.aborted.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Runs the server as a program: `run_with` builds the runtime and turns
/// SIGINT and SIGTERM into a cancel of the root group, whose token is the
/// server's cue to drain. The root's own grace period is longer than the
/// server's, so the drain has time to finish.
pub(crate) fn run(options: &Options) -> RunOutcome<Report, io::Error> {
    let config = RunConfig::new().name("echo").grace(options.drain + Duration::from_secs(1));
    taskscope::run_with(config, async |tg| {
        let server = EchoServer::bind(options.addr, options.drain).await?;
        println!("listening on {}", server.local_addr()?);
        let signal = tg.token();
        let serve_for = options.serve_for;
        let shutdown = async move {
            match serve_for {
                Some(after) => {
                    tokio::select! {
                        () = signal.cancelled() => {}
                        () = tokio::time::sleep(after) => {}
                    }
                }
                None => signal.cancelled().await,
            }
        };
        Ok(server.serve(shutdown).await)
    })
}

fn main() -> ExitCode {
    let mut options = Options {
        addr: SocketAddr::from(([127, 0, 0, 1], 7878)),
        drain: Duration::from_secs(5),
        serve_for: None,
    };
    let mut parser = lexopt::Parser::from_env();
    let usage = |err: String| -> ! {
        eprintln!(
            "graceful_server: {err}\nusage: graceful_server [--addr ADDR] [--drain D] [--serve-for D]"
        );
        std::process::exit(2)
    };
    while let Some(arg) = parser.next().unwrap_or_else(|e| usage(e.to_string())) {
        match arg {
            lexopt::Arg::Long("addr") => {
                options.addr = cli::parsed(parser.value()).unwrap_or_else(|e| usage(e.to_string()));
            }
            lexopt::Arg::Long("drain") => {
                options.drain =
                    cli::duration(parser.value()).unwrap_or_else(|e| usage(e.to_string()));
            }
            lexopt::Arg::Long("serve-for") => {
                let after = cli::duration(parser.value()).unwrap_or_else(|e| usage(e.to_string()));
                options.serve_for = Some(after);
            }
            other => usage(other.unexpected().to_string()),
        }
    }
    let outcome = run(&options);
    if let RunOutcome::Completed(report) | RunOutcome::Interrupted { result: Ok(report), .. } =
        &outcome
    {
        println!("{report}");
    }
    outcome.report()
}
