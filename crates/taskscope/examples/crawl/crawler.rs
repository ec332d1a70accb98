//! The crawl itself: a task group with a concurrency limit, a rate
//! limiter, a deadline per request and one for the whole crawl, and a
//! queue of discovered links.
//!
//! The shape is the classic one — a dispatcher takes URLs off a queue and
//! starts one task per page; each page task fetches its page, puts the new
//! links it finds back on the queue, and marks its own URL done. What
//! taskscope adds is that every one of those tasks has an owner:
//!
//! * the page tasks are children of one group, `crawl`, so the crawl
//!   returns only when every page task has ended, and no fetch outlives a
//!   cancelled or timed-out crawl;
//! * the group has a limit, `.limit(concurrency)`: at most that many page
//!   tasks run at once, and the others wait their turn in the group;
//! * the group has a deadline, `.timeout(budget)`: when it passes, every
//!   page task is cancelled and the error tree says the crawl timed out;
//!   each request also has its own deadline, and a retry waits for the
//!   rate limiter like any request;
//! * the group's policy is `CollectAll`: a page that fails does not stop
//!   the crawl, but its error is kept, with the page's task name, and the
//!   crawl returns every one of them as an error tree;
//! * the queue's `join` says when the crawl is over: every URL taken has
//!   been *processed* (its links queued), not just taken.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::{StatusCode, Uri};
use indicatif::ProgressBar;
use taskscope::queue::{Queue, Taken};
use taskscope::semaphore::RateLimiter;
use taskscope::timeout::timeout;
use taskscope::{ErrorGroup, Policy, TaskGroup};
use tokio::time::Instant;

use crate::client::{Fetched, HttpClient, HttpError};
use crate::links;
use crate::report::Stats;

/// How to crawl.
#[derive(Clone, Debug)]
pub(crate) struct CrawlConfig {
    /// Requests in flight at once.
    pub(crate) concurrency: usize,
    /// Requests per second, and how many may go at once after a pause.
    pub(crate) rate: f64,
    pub(crate) burst: u32,
    /// Deadline of one request, body included.
    pub(crate) timeout: Duration,
    /// Deadline of the whole crawl.
    pub(crate) budget: Duration,
    /// Stop queueing new pages after this many.
    pub(crate) max_pages: Option<usize>,
    /// Retries of a request that timed out, got a 5xx or lost its
    /// connection.
    pub(crate) retries: u32,
    /// Wait before the first retry; doubled before each next one.
    pub(crate) backoff: Duration,
}

/// Why the crawl stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Every page reachable within `--max-pages` was visited.
    Finished,
    /// The whole-crawl deadline passed; the pages in flight were cancelled.
    OutOfTime(Duration),
    /// The crawl was cancelled from outside (Ctrl-C).
    Cancelled,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Finished => f.write_str("finished"),
            Stop::OutOfTime(budget) => write!(f, "stopped when its budget of {budget:?} ran out"),
            Stop::Cancelled => f.write_str("cancelled"),
        }
    }
}

/// How the crawl ended, with the error tree of the pages that failed.
#[derive(Debug)]
pub(crate) struct Crawl {
    pub(crate) stop: Stop,
    pub(crate) errors: Option<ErrorGroup<PageError>>,
}

/// A page that could not be fetched, after its retries.
#[derive(Debug, thiserror::Error)]
#[error("{kind} ({attempts} {})", if *.attempts == 1 { "attempt" } else { "attempts" })]
pub(crate) struct PageError {
    pub(crate) url: Uri,
    pub(crate) attempts: u32,
    pub(crate) kind: ErrorKind,
}

/// What went wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ErrorKind {
    /// No answer before the per-request deadline.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// An answer with an error status.
    #[error("HTTP {0}")]
    Status(StatusCode),
    /// No answer: the connection failed.
    #[error("{0}")]
    Http(HttpError),
}

impl ErrorKind {
    /// The kind, for the summary's "errors by kind".
    pub(crate) fn label(&self) -> String {
        match self {
            ErrorKind::Timeout(_) => "timeout".to_owned(),
            ErrorKind::Status(status) => format!("HTTP {}", status.as_u16()),
            ErrorKind::Http(HttpError::Connect(_)) => "cannot connect".to_owned(),
            ErrorKind::Http(HttpError::Closed) => "connection closed".to_owned(),
            ErrorKind::Http(HttpError::TooLarge(_)) => "body too large".to_owned(),
            ErrorKind::Http(HttpError::Other(_)) => "other".to_owned(),
        }
    }

    /// Whether trying again may help.
    fn retryable(&self) -> bool {
        match self {
            ErrorKind::Timeout(_) => true,
            ErrorKind::Status(status) => {
                status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
            }
            ErrorKind::Http(err) => matches!(err, HttpError::Connect(_) | HttpError::Closed),
        }
    }
}

/// Crawls the site of `start`, following links on the same scheme and
/// host.
///
/// Cancel safe: dropping the future cancels the crawl's task group, which
/// aborts every page task; the counters in `stats` keep what was done.
///
/// # Errors
///
/// A bad configuration: a zero concurrency (`BuildError::ZeroLimit`), a
/// rate that is not positive (`RateError`).
/// Pages that fail are not errors of the crawl: they are in
/// [`Crawl::errors`].
pub(crate) async fn crawl(
    config: &CrawlConfig,
    start: Uri,
    client: HttpClient,
    stats: Arc<Stats>,
    progress: ProgressBar,
) -> anyhow::Result<Crawl> {
    let limiter = RateLimiter::per_second(config.rate)?.burst(config.burst)?;
    // The group: at most `concurrency` page tasks run at once, the whole
    // crawl has `budget`, and a failed page does not stop the others.
    let group = TaskGroup::builder()
        .name("crawl")
        .policy(Policy::CollectAll)
        .limit(config.concurrency)?
        .timeout(config.budget);
    let frontier = Frontier::new(start.clone(), config.max_pages.unwrap_or(usize::MAX));
    frontier.offer(start, &stats);
    let pages = Arc::new(Pages {
        client,
        limiter,
        frontier,
        stats,
        progress,
        timeout: config.timeout,
        retries: config.retries,
        backoff: config.backoff,
    });

    let mut finished = false;
    let crawl = group.scope(async |tg| {
        let queue = &pages.frontier.queue;
        loop {
            // Take the next URL, unless every URL taken so far is done
            // (its links queued): then there is nothing left to crawl.
            let url = tokio::select! {
                biased;
                () = queue.join() => {
                    finished = true;
                    break;
                }
                url = queue.get_guarded() => match url {
                    Ok(url) => url,
                    Err(_) => break, // shut down
                },
            };
            let name = format!("GET {}", url.path_and_query().map_or("/", |p| p.as_str()));
            let pages = pages.clone();
            // Runs at once if fewer than `concurrency` pages are being
            // fetched; otherwise waits in the group's line (as a future,
            // not yet a task) until one of them ends. The page task keeps
            // `url` unfinished on the queue until it has queued the links
            // it found.
            tg.spawn_named(name, async move { pages.visit(url).await });
        }
        Ok(())
    });
    let result = crawl.await;
    pages.frontier.queue.shutdown();
    pages.progress.finish_and_clear();
    let (stop, errors) = match result {
        Ok(()) => (Stop::Finished, None),
        Err(errors) => {
            let stop = if errors.iter().any(|e| e.is_timeout()) {
                Stop::OutOfTime(config.budget)
            } else if finished {
                Stop::Finished
            } else {
                Stop::Cancelled
            };
            (stop, Some(errors))
        }
    };
    Ok(Crawl { stop, errors })
}

/// What every page task shares.
struct Pages {
    client: HttpClient,
    limiter: RateLimiter,
    frontier: Frontier,
    stats: Arc<Stats>,
    progress: ProgressBar,
    timeout: Duration,
    retries: u32,
    backoff: Duration,
}

impl Pages {
    /// Fetches one page and queues its links. `url` stays unfinished on
    /// the queue until this returns (or is cancelled), so the queue's
    /// `join` cannot report the crawl done while links are being queued.
    async fn visit(&self, url: Taken<Uri>) -> Result<(), PageError> {
        let result = self.fetch(&url).await;
        let stats = &self.stats;
        match result {
            Ok(page) if page.status.is_redirection() => {
                stats.update(|c| c.redirects += 1);
                let next = page.location.as_deref().and_then(|to| links::resolve(&url, to));
                if let Some(next) = next {
                    self.frontier.offer(next, stats);
                }
            }
            Ok(page) => {
                stats.update(|c| {
                    c.pages += 1;
                    c.bytes += page.body.len() as u64;
                });
                if page.is_html {
                    let html = String::from_utf8_lossy(&page.body);
                    for href in links::hrefs(&html) {
                        if let Some(link) = links::resolve(&url, href) {
                            self.frontier.offer(link, stats);
                        }
                    }
                }
            }
            Err(err) => {
                stats.update(|c| {
                    c.failed += 1;
                    *c.errors.entry(err.kind.label()).or_default() += 1;
                });
                self.tick();
                return Err(err);
            }
        }
        self.tick();
        Ok(())
    }

    /// Sends `GET url` until it works, fails for good, or runs out of
    /// retries. Every attempt waits for the rate limiter and has its own
    /// deadline.
    async fn fetch(&self, url: &Uri) -> Result<Fetched, PageError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            if attempts > 1 {
                let backoff = self.backoff.saturating_mul(1 << (attempts - 2).min(16));
                tokio::time::sleep(backoff).await;
                self.stats.update(|c| c.retries += 1);
            }
            self.limiter.acquire().await;
            let sent = Instant::now();
            let in_flight = InFlight::enter(&self.stats);
            let answer = timeout(self.timeout, self.client.get(url.clone())).await;
            drop(in_flight);
            let kind = match answer {
                Ok(Ok(page)) => {
                    self.stats.update(|c| c.latencies.push(sent.elapsed()));
                    if page.status.is_success() || page.status.is_redirection() {
                        if attempts > 1 {
                            self.stats.update(|c| c.recovered += 1);
                        }
                        return Ok(page);
                    }
                    ErrorKind::Status(page.status)
                }
                Ok(Err(err)) => ErrorKind::Http(err),
                Err(_elapsed) => ErrorKind::Timeout(self.timeout),
            };
            if !kind.retryable() || attempts > self.retries {
                return Err(PageError { url: url.clone(), attempts, kind });
            }
        }
    }

    fn tick(&self) {
        let counts = self.stats.snapshot();
        self.progress.set_length(counts.queued);
        self.progress.set_position(counts.done());
        self.progress.set_message(format!("{} ok, {} failed", counts.pages, counts.failed));
    }
}

/// Counts a request as in flight on the client while it lives.
struct InFlight<'a>(&'a Stats);

impl<'a> InFlight<'a> {
    fn enter(stats: &'a Stats) -> InFlight<'a> {
        stats.update(|c| {
            c.requests += 1;
            c.in_flight += 1;
            c.max_in_flight = c.max_in_flight.max(c.in_flight);
        });
        InFlight(stats)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.update(|c| c.in_flight -= 1);
    }
}

/// The URLs seen so far and the queue of those still to visit.
struct Frontier {
    queue: Queue<Uri>,
    origin: Uri,
    seen: Mutex<HashSet<Uri>>,
    max_pages: usize,
}

impl Frontier {
    fn new(origin: Uri, max_pages: usize) -> Frontier {
        Frontier { queue: Queue::unbounded(), origin, seen: Mutex::default(), max_pages }
    }

    /// Queues `url` if it is on the crawled site, new, and within
    /// `max_pages`. The queue is unbounded, so this never waits: a page
    /// task that had to wait for room could deadlock the crawl, since
    /// only page tasks empty the queue.
    fn offer(&self, url: Uri, stats: &Stats) {
        if !links::same_site(&url, &self.origin) {
            stats.update(|c| c.external += 1);
            return;
        }
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if !seen.insert(url.clone()) {
            return;
        }
        let queued = stats.update(|c| {
            if (c.queued as usize) < self.max_pages {
                c.queued += 1;
                true
            } else {
                c.over_limit += 1;
                false
            }
        });
        if queued {
            // Fails only once the crawl is over and the queue shut down.
            let _ = self.queue.try_put(url);
        }
    }
}
