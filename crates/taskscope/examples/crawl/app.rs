//! The crawler program: starts the demo site (unless `--url` was given),
//! crawls, shuts everything down in order, and returns the summary.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::time::Instant;

use crate::args::Args;
use crate::client::Connections;
use crate::crawler::{self, CrawlConfig};
use crate::report::{Stats, Summary};
use crate::site::{Site, SiteConfig};

/// The largest body the crawler reads.
const MAX_BODY: usize = 2 << 20;

/// Serves `site` on loopback and crawls it, or crawls `--url` when `site`
/// is `None`; then closes the client's connections and stops the site,
/// waiting for each, so that nothing is left running when this returns.
///
/// Cancel safe: dropping the future drops the crawl, the client and the
/// site, each of which aborts its tasks.
///
/// # Errors
///
/// The site could not start, or the URL or the configuration is invalid.
/// Pages that fail are not errors here: they are in the summary.
pub(crate) async fn run(
    args: &Args,
    site: Option<SiteConfig>,
    stats: Arc<Stats>,
) -> anyhow::Result<Summary> {
    let site = match site {
        Some(config) => Some(Site::start(config).await.context("cannot start the demo site")?),
        None => None,
    };
    let start = match (&site, &args.url) {
        (Some(site), _) => site.url(),
        (None, Some(url)) => url.clone(),
        (None, None) => anyhow::bail!("nothing to crawl: no --url and no demo site"),
    };
    let start_uri = start.parse().with_context(|| format!("bad --url `{start}`"))?;
    let config = CrawlConfig {
        concurrency: args.concurrency,
        rate: args.rate,
        burst: args.burst,
        timeout: args.timeout,
        budget: args.budget,
        max_pages: args.max_pages,
        retries: args.retries,
        backoff: Duration::from_millis(50),
    };

    let connections = Connections::new();
    let client = connections.client(args.concurrency, MAX_BODY);
    let began = Instant::now();
    let crawl = crawler::crawl(&config, start_uri, client, stats.clone(), progress_bar(args)).await;
    let elapsed = began.elapsed();
    // The crawl is over, so no request still needs a connection.
    connections.shutdown().await;
    let mut site_stats = None;
    if let Some(site) = site {
        site_stats = Some(site.stats());
        site.shutdown().await.context("the demo site failed")?;
    }
    let crawl = crawl?;
    Ok(Summary {
        start,
        stop: crawl.stop,
        elapsed,
        counts: stats.snapshot(),
        errors: crawl.errors,
        show_errors: args.show_errors,
        site: site_stats,
    })
}

/// A progress bar on stderr, or a hidden one when stdout is not a
/// terminal (output piped to a file or another program) or `--no-progress`
/// was given.
fn progress_bar(args: &Args) -> ProgressBar {
    if !args.progress || !std::io::stdout().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(1);
    let style = ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{bar:40}] {pos}/{len} pages: {msg}",
    )
    .map(|style| style.progress_chars("=> "));
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}
