//! The crawler's command line, parsed with lexopt.

use std::time::Duration;

use crate::cli::{duration, parsed};

pub(crate) const USAGE: &str = "\
usage: crawl [options]

Crawls a generated site served on 127.0.0.1 (or --url), at most
--concurrency requests at a time and --rate requests per second, and
prints a summary with the tree of what failed.

options:
  --url URL            crawl this http:// site instead of the generated one
  --concurrency N      requests in flight at once            [default: 32]
  --rate R             requests per second                   [default: 500]
  --burst B            requests the rate limiter lets through at once
                                                             [default: 10]
  --timeout D          deadline of one request               [default: 1s]
  --budget D           deadline of the whole crawl           [default: 30s]
  --max-pages N        stop queueing new pages after N       [default: no limit]
  --retries N          retries of a failed request (timeouts, 5xx,
                       dropped connections)                  [default: 2]
  --pages N            size of the generated site            [default: 2000]
  --seed N             seed of the generated site            [default: 1]
  --show-errors N      lines of the error tree to print      [default: 12]
  --quick              a bounded, fast run for CI: --pages 400 --max-pages 200
                       --rate 2000 --burst 50 --timeout 300ms --budget 20s
  --no-progress        no progress bar (it is off anyway when stdout is
                       not a terminal)
  -h, --help           print this help

Durations are written 250ms, 2s, 1.5s or 1m. Ctrl-C stops the crawl
cleanly and still prints the summary.";

/// The parsed command line.
#[derive(Clone, Debug)]
pub(crate) struct Args {
    pub(crate) url: Option<String>,
    pub(crate) concurrency: usize,
    pub(crate) rate: f64,
    pub(crate) burst: u32,
    pub(crate) timeout: Duration,
    pub(crate) budget: Duration,
    pub(crate) max_pages: Option<usize>,
    pub(crate) retries: u32,
    pub(crate) pages: u32,
    pub(crate) seed: u64,
    pub(crate) show_errors: usize,
    pub(crate) progress: bool,
}

impl Default for Args {
    fn default() -> Args {
        Args {
            url: None,
            concurrency: 32,
            rate: 500.0,
            burst: 10,
            timeout: Duration::from_secs(1),
            budget: Duration::from_secs(30),
            max_pages: None,
            retries: 2,
            pages: 2000,
            seed: 1,
            show_errors: 12,
            progress: true,
        }
    }
}

/// What the command line asks for.
#[derive(Debug)]
pub(crate) enum Command {
    Crawl(Args),
    Help,
}

impl Args {
    /// Parses `args` (without the program name). Later flags win, so
    /// `--quick --max-pages 50` is the quick preset with 50 pages.
    pub(crate) fn parse<I>(args: I) -> Result<Command, lexopt::Error>
    where
        I: IntoIterator,
        I::Item: Into<std::ffi::OsString>,
    {
        use lexopt::prelude::*;
        let mut out = Args::default();
        let mut parser = lexopt::Parser::from_args(args);
        while let Some(arg) = parser.next()? {
            match arg {
                Long("url") => out.url = Some(http_url(parser.value()?.string()?)?),
                Long("concurrency") => out.concurrency = parsed(parser.value())?,
                Long("rate") => out.rate = parsed(parser.value())?,
                Long("burst") => out.burst = parsed(parser.value())?,
                Long("timeout") => out.timeout = duration(parser.value())?,
                Long("budget") => out.budget = duration(parser.value())?,
                Long("max-pages") => out.max_pages = Some(parsed(parser.value())?),
                Long("retries") => out.retries = parsed(parser.value())?,
                Long("pages") => out.pages = parsed(parser.value())?,
                Long("seed") => out.seed = parsed(parser.value())?,
                Long("show-errors") => out.show_errors = parsed(parser.value())?,
                Long("no-progress") => out.progress = false,
                Long("quick") => {
                    out.pages = 400;
                    out.max_pages = Some(200);
                    out.rate = 2000.0;
                    out.burst = 50;
                    out.timeout = Duration::from_millis(300);
                    out.budget = Duration::from_secs(20);
                }
                Short('h') | Long("help") => return Ok(Command::Help),
                _ => return Err(arg.unexpected()),
            }
        }
        Ok(Command::Crawl(out))
    }
}

/// `--url` takes plain `http://` sites only: TLS is not built into the
/// example (it would need a C toolchain), and retrying an `https://` URL
/// three times would only hide that.
fn http_url(url: String) -> Result<String, lexopt::Error> {
    if url.starts_with("http://") {
        Ok(url)
    } else {
        Err(lexopt::Error::from(format!(
            "--url must start with http:// (TLS is not built in), got {url:?}"
        )))
    }
}
