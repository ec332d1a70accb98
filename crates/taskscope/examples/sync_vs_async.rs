//! The same 50 HTTP requests three ways — one after another, one thread
//! each, and one task each in a task group — timed side by side against
//! a server on loopback.
//!
//! It teaches why async exists: each request spends nearly all its time
//! waiting for the server, so doing them one after another costs the sum
//! of the waits, while doing them concurrently costs about the longest
//! one. Threads get there too, at the price of a thread (and its stack)
//! per request; a task group gets there with one task per request, and
//! with the guarantees threads lack: the group returns only when every
//! request is done, and a failure cancels the rest.
//!
//! The server is the crawler's generated site (`common/site.rs`), here
//! with every page answering after the same delay, on a tokio runtime of
//! its own. The sequential and threaded clients are plain blocking
//! `std::net` code; the task-group client is hyper's.
//!
//! Run with `cargo run --release --example sync_vs_async`; `-- --requests
//! 200 --latency 50ms` to change the load.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/client.rs"]
mod client;
#[path = "common/site.rs"]
pub(crate) mod site;

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use hyper::Uri;

use self::client::Connections;
use self::site::{Site, SiteConfig};

/// How one way of sending the requests did.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) name: &'static str,
    pub(crate) elapsed: Duration,
    /// Requests answered `200 OK`.
    pub(crate) ok: usize,
    /// The most requests the server was handling at once.
    pub(crate) server_max_in_flight: usize,
    /// Requests the server received.
    pub(crate) server_requests: u64,
}

/// The three rows.
#[derive(Debug)]
pub(crate) struct Comparison {
    pub(crate) requests: usize,
    pub(crate) latency: Duration,
    pub(crate) rows: Vec<Row>,
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} requests, each answered after {:?}:", self.requests, self.latency)?;
        writeln!(
            f,
            "  {:<12} {:>9} {:>7} {:>5} {:>16} {:>8}",
            "", "time", "req/s", "ok", "server: requests", "at once"
        )?;
        let first = self.rows.first().map(|r| r.elapsed.as_secs_f64());
        for row in &self.rows {
            let secs = row.elapsed.as_secs_f64();
            write!(
                f,
                "  {:<12} {:>9.1?} {:>7.0} {:>5} {:>16} {:>8}",
                row.name,
                row.elapsed,
                row.ok as f64 / secs,
                row.ok,
                row.server_requests,
                row.server_max_in_flight
            )?;
            match first {
                Some(first) if secs > 0.0 && first != secs => {
                    writeln!(f, "  {:.0}x faster", first / secs)?
                }
                _ => writeln!(f)?,
            }
        }
        Ok(())
    }
}

/// `GET path` over a new connection, the blocking way; returns the status.
fn blocking_get(addr: SocketAddr, path: &str) -> io::Result<u16> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_nodelay(true)?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    // "HTTP/1.1 200 OK\r\n..."
    let status = response.get(9..12).and_then(|s| std::str::from_utf8(s).ok());
    status.and_then(|s| s.parse().ok()).ok_or_else(|| io::Error::other("not an HTTP response"))
}

fn path(i: usize) -> String {
    if i == 0 { "/".to_owned() } else { format!("/p/{i}") }
}

/// One request after another, on this thread.
pub(crate) fn sequential(addr: SocketAddr, requests: usize) -> usize {
    (0..requests).filter(|&i| blocking_get(addr, &path(i)).is_ok_and(|s| s == 200)).count()
}

/// One thread per request. `std::thread::scope` is the structured form
/// for threads: every thread is joined before it returns.
pub(crate) fn threads(addr: SocketAddr, requests: usize) -> usize {
    std::thread::scope(|s| {
        let handles: Vec<_> =
            (0..requests).map(|i| s.spawn(move || blocking_get(addr, &path(i)))).collect();
        handles.into_iter().filter_map(|h| h.join().ok()).filter(|s| matches!(s, Ok(200))).count()
    })
}

/// One task per request, in a task group, with hyper's client.
///
/// Cancel safe: dropping the future cancels every request.
pub(crate) async fn task_group(addr: SocketAddr, requests: usize) -> usize {
    let connections = Connections::new();
    let client = connections.client(requests, 1 << 20);
    let ok = taskscope::scope(async |tg| {
        let handles: Vec<_> = (0..requests)
            .map(|i| {
                let client = client.clone();
                let uri: Uri = format!("http://{addr}{}", path(i)).parse().expect("a valid URI");
                tg.spawn(async move { client.get(uri).await })
            })
            .collect();
        let mut ok = 0;
        for handle in handles {
            ok += usize::from(handle.await.is_ok_and(|page| page.status == 200));
        }
        Ok(ok)
    })
    .await;
    connections.shutdown().await;
    // A request that fails fails the group; count it as not ok.
    ok.unwrap_or(0)
}

/// Runs the three ways, each against a fresh site so that each row's
/// server counts are its own.
pub(crate) fn compare(requests: usize, latency: Duration) -> io::Result<Comparison> {
    let runtime = tokio::runtime::Runtime::new()?;
    let config = SiteConfig::uniform(requests.max(1) as u32, latency);
    let mut rows = Vec::new();
    for name in ["sequential", "threads", "task group"] {
        let site = runtime.block_on(Site::start(config.clone()))?;
        let addr = site.addr();
        let started = Instant::now();
        let ok = match name {
            "sequential" => sequential(addr, requests),
            "threads" => threads(addr, requests),
            _ => runtime.block_on(task_group(addr, requests)),
        };
        let elapsed = started.elapsed();
        let seen = site.stats();
        runtime.block_on(site.shutdown()).map_err(io::Error::other)?;
        rows.push(Row {
            name,
            elapsed,
            ok,
            server_max_in_flight: seen.max_in_flight(),
            server_requests: seen.requests(),
        });
    }
    Ok(Comparison { requests, latency, rows })
}

fn main() {
    let (mut requests, mut latency) = (50, Duration::from_millis(20));
    let mut parser = lexopt::Parser::from_env();
    let usage = |err: String| -> ! {
        eprintln!("sync_vs_async: {err}\nusage: sync_vs_async [--requests N] [--latency D]");
        std::process::exit(2)
    };
    while let Some(arg) = parser.next().unwrap_or_else(|e| usage(e.to_string())) {
        match arg {
            lexopt::Arg::Long("requests") => {
                requests = cli::parsed(parser.value()).unwrap_or_else(|e| usage(e.to_string()));
            }
            lexopt::Arg::Long("latency") => {
                latency = cli::duration(parser.value()).unwrap_or_else(|e| usage(e.to_string()));
            }
            other => usage(other.unexpected().to_string()),
        }
    }
    match compare(requests, latency) {
        Ok(comparison) => print!("{comparison}"),
        Err(err) => {
            eprintln!("sync_vs_async: {err}");
            std::process::exit(1);
        }
    }
}
