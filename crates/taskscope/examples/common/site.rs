//! A generated website served by hyper on loopback, shared by the `crawl`
//! and `sync_vs_async` examples and their tests.
//!
//! The site is deterministic: page `n`'s latency, links and failure mode
//! come from a seeded hash of `n`, so two runs with the same
//! [`SiteConfig`] serve the same site. Some pages are slow, some answer
//! `500`, some answer `503` once and then work (retries fix them), some
//! drop the connection, some never answer at all; some links point at
//! pages that do not exist, and some go through a redirect. The server counts what it sees — requests,
//! arrival times, requests in flight at once — so a test can check a
//! client's limits on the server's own clock.
//!
//! The server's tasks live in an owned [`TaskGroup`]: the accept loop and
//! one child per connection. [`Site::shutdown`] cancels and joins them,
//! and dropping a `Site` aborts them, so a test that is done with its site
//! leaves nothing running.
// Each example that includes this module uses a different part of it.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use taskscope::{ErrorGroup, Spawner, TaskGroup};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// What the generated site looks like. Rates are in per mille of pages.
#[derive(Clone, Debug)]
pub(crate) struct SiteConfig {
    /// Number of pages, `/` (page 0) and `/p/1` to `/p/{pages - 1}`.
    pub(crate) pages: u32,
    /// Seed of every per-page choice.
    pub(crate) seed: u64,
    /// Latency of an ordinary page, from `latency.0` up to `latency.1`.
    pub(crate) latency: (Duration, Duration),
    /// Extra links per page, besides the two that make every page
    /// reachable (page `n` links to `2n + 1` and `2n + 2`).
    pub(crate) extra_links: u32,
    /// Slow pages, and their latency range.
    pub(crate) slow: u32,
    pub(crate) slow_latency: (Duration, Duration),
    /// Pages that always answer `500 Internal Server Error`.
    pub(crate) failing: u32,
    /// Pages that answer `503 Service Unavailable` to their first request
    /// and work afterwards.
    pub(crate) flaky: u32,
    /// Pages whose connection is dropped without an answer.
    pub(crate) resets: u32,
    /// Pages that never answer.
    pub(crate) hanging: u32,
    /// Extra links that point at pages that do not exist (`404`).
    pub(crate) broken_links: u32,
    /// Extra links that go through a redirect (`/r/n`, a `301` to `/p/n`).
    pub(crate) redirect_links: u32,
}

impl SiteConfig {
    /// The crawler's demo site: `pages` pages with a bit of everything.
    pub(crate) fn demo(pages: u32, seed: u64) -> SiteConfig {
        SiteConfig {
            pages,
            seed,
            latency: (Duration::from_millis(5), Duration::from_millis(40)),
            extra_links: 3,
            slow: 20,
            slow_latency: (Duration::from_millis(200), Duration::from_millis(1200)),
            failing: 15,
            flaky: 30,
            resets: 5,
            hanging: 3,
            broken_links: 10,
            redirect_links: 10,
        }
    }

    /// A site where every page answers after exactly `latency`.
    pub(crate) fn uniform(pages: u32, latency: Duration) -> SiteConfig {
        SiteConfig {
            pages,
            seed: 0,
            latency: (latency, latency),
            extra_links: 0,
            slow: 0,
            slow_latency: (latency, latency),
            failing: 0,
            flaky: 0,
            resets: 0,
            hanging: 0,
            broken_links: 0,
            redirect_links: 0,
        }
    }

    /// What page `n` does when asked; `None` if there is no such page.
    pub(crate) fn page(&self, n: u32) -> Option<PageKind> {
        if n >= self.pages {
            return None;
        }
        let r = self.hash(n, 0);
        let pick = (r % 1000) as u32;
        let between = |(lo, hi): (Duration, Duration)| {
            let span = hi.saturating_sub(lo).as_micros() as u64;
            lo + Duration::from_micros(if span == 0 { 0 } else { (r >> 10) % span })
        };
        if n == 0 {
            return Some(PageKind::Ok(between(self.latency)));
        }
        let mut edge = 0;
        let mut next = |per_mille: u32| {
            edge += per_mille;
            pick < edge
        };
        Some(if next(self.hanging) {
            PageKind::Hang
        } else if next(self.resets) {
            PageKind::Reset
        } else if next(self.failing) {
            PageKind::Fail
        } else if next(self.flaky) {
            PageKind::Flaky(between(self.latency))
        } else if next(self.slow) {
            PageKind::Ok(between(self.slow_latency))
        } else {
            PageKind::Ok(between(self.latency))
        })
    }

    /// The `href`s of page `n`, in the mix of forms a real page has.
    pub(crate) fn links(&self, n: u32, host: &str) -> Vec<String> {
        let mut links = Vec::new();
        for child in [2 * u64::from(n) + 1, 2 * u64::from(n) + 2] {
            if child < u64::from(self.pages) {
                links.push(format!("/p/{child}"));
            }
        }
        for i in 0..self.extra_links {
            let r = self.hash(n, u64::from(i) + 1);
            let target = (r % u64::from(self.pages.max(1))) as u32;
            let pick = (r >> 32) % 1000;
            let link = if pick < u64::from(self.broken_links) {
                format!("/missing/{target}")
            } else if pick < u64::from(self.broken_links + self.redirect_links) {
                format!("/r/{target}")
            } else {
                match i % 3 {
                    0 if n > 0 => target.to_string(), // relative to `/p/`
                    1 => format!("http://{host}/p/{target}#top"),
                    _ => format!("/p/{target}"),
                }
            };
            links.push(link);
        }
        links.push("#top".to_owned());
        links.push("http://example.invalid/elsewhere".to_owned());
        links
    }

    fn hash(&self, n: u32, salt: u64) -> u64 {
        splitmix64(self.seed ^ splitmix64(u64::from(n) << 8 | salt))
    }
}

/// How a page answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PageKind {
    /// `200 OK` after the delay.
    Ok(Duration),
    /// `503` to the first request, then `200 OK` after the delay.
    Flaky(Duration),
    /// `500 Internal Server Error`, every time.
    Fail,
    /// The connection is dropped without an answer.
    Reset,
    /// No answer, ever.
    Hang,
}

/// What the server has seen, on its own clock.
#[derive(Debug)]
pub(crate) struct SiteStats {
    requests: AtomicU64,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    abandoned: AtomicU64,
    connections: AtomicU64,
    open_connections: AtomicUsize,
    arrivals: Mutex<Vec<Instant>>,
    arrived: Notify,
    hits: Vec<AtomicU32>,
}

impl SiteStats {
    fn new(pages: u32) -> SiteStats {
        SiteStats {
            requests: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            abandoned: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            open_connections: AtomicUsize::new(0),
            arrivals: Mutex::new(Vec::new()),
            arrived: Notify::new(),
            hits: (0..pages).map(|_| AtomicU32::new(0)).collect(),
        }
    }

    /// Requests received.
    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Waits until the server has received at least `n` requests.
    pub(crate) async fn wait_for_requests(&self, n: u64) {
        loop {
            // Registered at creation: an arrival between the check and
            // the await still wakes it.
            let arrived = self.arrived.notified();
            if self.requests() >= n {
                return;
            }
            arrived.await;
        }
    }

    /// The most requests that were being handled at the same time.
    pub(crate) fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::Relaxed)
    }

    /// Requests being handled now.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Requests whose client went away before the answer was sent.
    pub(crate) fn abandoned(&self) -> u64 {
        self.abandoned.load(Ordering::Relaxed)
    }

    /// Connections accepted.
    pub(crate) fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// Connections open now.
    pub(crate) fn open_connections(&self) -> usize {
        self.open_connections.load(Ordering::Relaxed)
    }

    /// When each request arrived, in order.
    pub(crate) fn arrivals(&self) -> Vec<Instant> {
        self.arrivals.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// How many times page `n` was requested.
    pub(crate) fn hits(&self, n: u32) -> u32 {
        self.hits.get(n as usize).map_or(0, |h| h.load(Ordering::Relaxed))
    }
}

/// A running site. Dropping it aborts the server's tasks; prefer
/// [`shutdown`](Self::shutdown), which also waits for them.
#[derive(Debug)]
pub(crate) struct Site {
    addr: SocketAddr,
    stats: Arc<SiteStats>,
    tasks: TaskGroup<io::Error>,
}

impl Site {
    /// Binds `127.0.0.1` on a free port and starts serving.
    pub(crate) async fn start(config: SiteConfig) -> io::Result<Site> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(SiteStats::new(config.pages));
        let tasks = TaskGroup::builder().name("site").build();
        let state = Arc::new(State { config, stats: stats.clone() });
        tasks.spawn_named("accept", accept(listener, tasks.spawner(), state));
        Ok(Site { addr, stats, tasks })
    }

    /// The address the site listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The site's home page, `http://127.0.0.1:PORT/`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// What the server has seen so far.
    pub(crate) fn stats(&self) -> Arc<SiteStats> {
        self.stats.clone()
    }

    /// Stops accepting, aborts the open connections and waits until every
    /// task of the server has ended.
    pub(crate) async fn shutdown(self) -> Result<(), ErrorGroup<io::Error>> {
        self.tasks.cancel();
        self.tasks.join().await
    }
}

/// Accepts connections and serves each in its own task, until cancelled.
async fn accept(
    listener: TcpListener,
    connections: Spawner<io::Error>,
    state: Arc<State>,
) -> io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        let state = state.clone();
        // Connection errors (a client that went away mid-request) are
        // normal for a server: the task ends `Ok` either way.
        connections.spawn_named(format!("conn-{}", peer.port()), async move {
            serve_connection(stream, state).await;
            Ok(())
        });
    }
}

struct State {
    config: SiteConfig,
    stats: Arc<SiteStats>,
}

/// Serves one connection until the client closes it.
async fn serve_connection(stream: TcpStream, state: Arc<State>) {
    let _ = stream.set_nodelay(true);
    state.stats.connections.fetch_add(1, Ordering::Relaxed);
    let stats = state.stats.clone();
    let _open = Counted::enter(&stats.open_connections);
    let service = service_fn(move |request| {
        let state = state.clone();
        async move { state.answer(request).await }
    });
    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
}

impl State {
    async fn answer(&self, request: Request<Incoming>) -> io::Result<Response<Full<Bytes>>> {
        let stats = &self.stats;
        stats.requests.fetch_add(1, Ordering::Relaxed);
        stats.arrivals.lock().unwrap_or_else(PoisonError::into_inner).push(Instant::now());
        stats.arrived.notify_waiters();
        let in_flight = InFlight::enter(stats);

        let path = request.uri().path();
        if let Some(n) = path.strip_prefix("/r/") {
            in_flight.finish();
            let mut response = text(StatusCode::MOVED_PERMANENTLY, "moved\n");
            let to = hyper::header::HeaderValue::from_str(&format!("/p/{n}"));
            if let Ok(to) = to {
                response.headers_mut().insert(hyper::header::LOCATION, to);
            }
            return Ok(response);
        }
        let page = match path {
            "/" => Some(0),
            _ => path.strip_prefix("/p/").and_then(|n| n.parse::<u32>().ok()),
        };
        let Some((n, kind)) = page.and_then(|n| Some((n, self.config.page(n)?))) else {
            in_flight.finish();
            return Ok(text(StatusCode::NOT_FOUND, "no such page\n"));
        };
        let hit = stats.hits[n as usize].fetch_add(1, Ordering::Relaxed) + 1;
        let delay = match kind {
            PageKind::Ok(delay) => delay,
            PageKind::Flaky(_) if hit == 1 => {
                in_flight.finish();
                return Ok(text(StatusCode::SERVICE_UNAVAILABLE, "try again\n"));
            }
            PageKind::Flaky(delay) => delay,
            PageKind::Fail => {
                tokio::time::sleep(self.config.latency.0).await;
                in_flight.finish();
                return Ok(text(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n"));
            }
            PageKind::Reset => {
                in_flight.finish();
                return Err(io::Error::new(io::ErrorKind::ConnectionReset, "page resets"));
            }
            PageKind::Hang => std::future::pending().await,
        };
        tokio::time::sleep(delay).await;
        let host = request.headers().get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        let body = self.render(n, host);
        in_flight.finish();
        let mut response = Response::new(Full::new(Bytes::from(body)));
        response.headers_mut().insert(
            CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
        );
        Ok(response)
    }

    fn render(&self, n: u32, host: &str) -> String {
        let mut html = format!(
            "<!doctype html>\n<html><head><title>Page {n}</title></head>\n\
             <body><h1 id=\"top\">Page {n}</h1>\n<p>Generated page {n} of {}.</p>\n<ul>\n",
            self.config.pages
        );
        for link in self.config.links(n, host) {
            let _ = writeln!(html, "  <li><a href=\"{link}\">{link}</a></li>");
        }
        html.push_str("</ul>\n</body></html>\n");
        html
    }
}

fn text(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response
}

/// Counts a request as in flight until it is answered; a request whose
/// handler is dropped first (the client went away) counts as abandoned.
struct InFlight<'a> {
    stats: &'a SiteStats,
    answered: bool,
}

impl<'a> InFlight<'a> {
    fn enter(stats: &'a SiteStats) -> InFlight<'a> {
        let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        stats.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight { stats, answered: false }
    }

    fn finish(mut self) {
        self.answered = true;
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.stats.in_flight.fetch_sub(1, Ordering::SeqCst);
        if !self.answered {
            self.stats.abandoned.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Counts something as open while it lives.
struct Counted<'a>(&'a AtomicUsize);

impl<'a> Counted<'a> {
    fn enter(counter: &'a AtomicUsize) -> Counted<'a> {
        counter.fetch_add(1, Ordering::Relaxed);
        Counted(counter)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A small, well-mixed hash (Steele, Lea and Flood's SplitMix64).
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
