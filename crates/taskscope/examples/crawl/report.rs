//! What the crawl counts while it runs, and the summary it prints at the
//! end: pages, errors by kind, latency percentiles, pages per second, and
//! the error tree of what failed.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use taskscope::ErrorGroup;

use crate::crawler::{PageError, Stop};
use crate::site::SiteStats;

/// Counters the crawl updates as it goes. Kept outside the crawl's task
/// group, so they survive a crawl that is cancelled or runs out of time.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    inner: Mutex<Counts>,
}

/// A copy of the counters at one moment.
#[derive(Clone, Debug, Default)]
pub(crate) struct Counts {
    /// Pages fetched with a `2xx` answer.
    pub(crate) pages: u64,
    /// Pages that answered with a redirect (followed as a new link).
    pub(crate) redirects: u64,
    /// Pages that failed, after their retries.
    pub(crate) failed: u64,
    /// Failed pages by kind of error (`timeout`, `HTTP 500`, ...).
    pub(crate) errors: BTreeMap<String, u64>,
    /// Requests sent, retries included.
    pub(crate) requests: u64,
    /// Requests that were retries.
    pub(crate) retries: u64,
    /// Pages that worked on a retry.
    pub(crate) recovered: u64,
    /// Distinct same-site URLs queued.
    pub(crate) queued: u64,
    /// Same-site links left out because of `--max-pages`.
    pub(crate) over_limit: u64,
    /// Links to other sites, not followed.
    pub(crate) external: u64,
    /// Body bytes received.
    pub(crate) bytes: u64,
    /// Latency of every request that got an answer.
    pub(crate) latencies: Vec<Duration>,
    /// Requests in flight now, and the most at once, on the client.
    pub(crate) in_flight: u64,
    pub(crate) max_in_flight: u64,
}

impl Stats {
    /// Runs `f` on the counters.
    pub(crate) fn update<R>(&self, f: impl FnOnce(&mut Counts) -> R) -> R {
        f(&mut self.inner.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// A copy of the counters.
    pub(crate) fn snapshot(&self) -> Counts {
        self.update(|c| c.clone())
    }
}

impl Counts {
    /// Pages that are finished, one way or another.
    pub(crate) fn done(&self) -> u64 {
        self.pages + self.redirects + self.failed
    }

    /// The `p`-th percentile (0 to 100) of the answered requests' latency.
    pub(crate) fn percentile(&self, p: f64) -> Option<Duration> {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
    }
}

/// The end-of-crawl report.
#[derive(Debug)]
pub(crate) struct Summary {
    pub(crate) start: String,
    pub(crate) stop: Stop,
    pub(crate) elapsed: Duration,
    pub(crate) counts: Counts,
    pub(crate) errors: Option<ErrorGroup<PageError>>,
    /// Lines of the error tree to print.
    pub(crate) show_errors: usize,
    /// What the demo site saw, when it was the site crawled.
    pub(crate) site: Option<Arc<SiteStats>>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counts;
        let secs = self.elapsed.as_secs_f64();
        writeln!(f, "crawled {} in {:.2}s: {}", self.start, secs, self.stop)?;
        writeln!(
            f,
            "  pages      {} ok, {} failed, {} redirects ({} queued, {} over --max-pages, {} links to other sites)",
            c.pages, c.failed, c.redirects, c.queued, c.over_limit, c.external
        )?;
        writeln!(
            f,
            "  requests   {} sent, {} retries, {} pages recovered by a retry, at most {} at once",
            c.requests, c.retries, c.recovered, c.max_in_flight
        )?;
        match (c.percentile(50.0), c.percentile(99.0)) {
            (Some(p50), Some(p99)) => writeln!(f, "  latency    p50 {p50:.1?}, p99 {p99:.1?}")?,
            _ => writeln!(f, "  latency    no answers")?,
        }
        if let Some(site) = &self.site {
            writeln!(
                f,
                "  server     {} requests received, at most {} at once",
                site.requests(),
                site.max_in_flight()
            )?;
        }
        let rate = if secs > 0.0 { c.pages as f64 / secs } else { 0.0 };
        writeln!(f, "  throughput {rate:.1} pages/s, {:.1} KiB", c.bytes as f64 / 1024.0)?;
        if !c.errors.is_empty() {
            writeln!(f, "  errors by kind")?;
            for (kind, n) in &c.errors {
                writeln!(f, "    {n:>6}  {kind}")?;
            }
        }
        if let Some(errors) = self.errors.as_ref().filter(|e| !e.is_empty()) {
            // The head of the tree, and its last line: the group's own
            // entry (`timed out`) comes last when the budget ran out.
            let tree = errors.to_string();
            let lines: Vec<&str> = tree.lines().collect();
            let keep = self.show_errors.max(2);
            writeln!(f)?;
            if lines.len() <= keep {
                writeln!(f, "{tree}")?;
            } else {
                for line in &lines[..keep - 1] {
                    writeln!(f, "{line}")?;
                }
                let hidden = lines.len() - keep;
                writeln!(f, "│  … {hidden} more (--show-errors {} prints them all)", lines.len())?;
                writeln!(f, "{}", lines[lines.len() - 1])?;
            }
        }
        Ok(())
    }
}
