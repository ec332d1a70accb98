//! Runs the `crawl` example's own code against its loopback site in fast,
//! bounded modes, and checks what it reports against what the server saw.
//!
//! The example's modules are compiled into this test with `#[path]`, so
//! the test drives exactly the code `cargo run --example crawl` runs.
//! No assertion here reads the wall clock for speed: the limits are proven
//! by counts (requests in flight on the server, never more than the
//! limit) and by lower bounds on the server's own timestamps (N requests
//! at rate R cannot arrive in less than about N / R seconds).
#![cfg(feature = "full")]

#[path = "../examples/crawl/app.rs"]
mod app;
#[path = "../examples/crawl/args.rs"]
#[allow(dead_code)] // the usage text is for `main`
mod args;
#[path = "../examples/common/cli.rs"]
mod cli;
#[path = "../examples/common/client.rs"]
mod client;
#[path = "../examples/crawl/crawler.rs"]
mod crawler;
#[path = "../examples/crawl/links.rs"]
mod links;
#[path = "../examples/crawl/report.rs"]
mod report;
#[path = "../examples/common/site.rs"]
mod site;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use hyper::Uri;
use indicatif::ProgressBar;
use taskscope::TaskGroup;

use crate::args::{Args, Command};
use crate::client::Connections;
use crate::crawler::{CrawlConfig, Stop};
use crate::report::Stats;
use crate::site::{PageKind, Site, SiteConfig};

/// A site with every kind of page, where an ordinary page answers 50
/// times faster than the per-request deadline the tests use, so that only
/// the pages meant to time out do.
fn test_site(pages: u32) -> SiteConfig {
    SiteConfig {
        pages,
        seed: 7,
        latency: (Duration::from_millis(1), Duration::from_millis(10)),
        extra_links: 3,
        slow: 30,
        slow_latency: (Duration::from_millis(20), Duration::from_millis(40)),
        failing: 25,
        flaky: 30,
        resets: 15,
        hanging: 15,
        broken_links: 30,
        redirect_links: 30,
    }
}

fn test_args() -> Args {
    Args {
        concurrency: 8,
        rate: 5000.0,
        burst: 50,
        timeout: Duration::from_millis(500),
        budget: Duration::from_secs(60),
        retries: 2,
        show_errors: 1000,
        progress: false,
        ..Args::default()
    }
}

/// What a correct crawler must report for a site: found by following the
/// site's links from `/` the way a crawler does, without any network.
#[derive(Debug, Default)]
struct Expected {
    pages: u64,
    redirects: u64,
    recovered: u64,
    requests: u64,
    errors: BTreeMap<String, u64>,
    failed_paths: HashSet<String>,
    hits: HashMap<u32, u32>,
}

fn expect(config: &SiteConfig, host: &str, retries: u32) -> Expected {
    let origin: Uri = format!("http://{host}/").parse().unwrap();
    let mut out = Expected::default();
    let mut seen = HashSet::from([origin.clone()]);
    let mut queue = VecDeque::from([origin.clone()]);
    let attempts = retries + 1;
    while let Some(url) = queue.pop_front() {
        let path = url.path();
        if let Some(n) = path.strip_prefix("/r/") {
            out.requests += 1;
            out.redirects += 1;
            let to = links::resolve(&url, &format!("/p/{n}")).unwrap();
            if seen.insert(to.clone()) {
                queue.push_back(to);
            }
            continue;
        }
        let page = match path {
            "/" => Some(0),
            _ => path.strip_prefix("/p/").and_then(|n| n.parse::<u32>().ok()),
        };
        let Some((n, kind)) = page.and_then(|n| Some((n, config.page(n)?))) else {
            out.requests += 1;
            *out.errors.entry("HTTP 404".into()).or_default() += 1;
            out.failed_paths.insert(path.to_owned());
            continue;
        };
        let (sent, error) = match kind {
            PageKind::Ok(_) => (1, None),
            PageKind::Flaky(_) => (2, None),
            PageKind::Fail => (attempts, Some("HTTP 500")),
            PageKind::Reset => (attempts, Some("connection closed")),
            PageKind::Hang => (attempts, Some("timeout")),
        };
        out.requests += u64::from(sent);
        *out.hits.entry(n).or_default() += sent;
        if let Some(kind) = error {
            *out.errors.entry(kind.into()).or_default() += 1;
            out.failed_paths.insert(path.to_owned());
            continue;
        }
        out.pages += 1;
        out.recovered += u64::from(sent > 1);
        for href in config.links(n, host) {
            if let Some(link) = links::resolve(&url, &href) {
                if links::same_site(&link, &origin) && seen.insert(link.clone()) {
                    queue.push_back(link);
                }
            }
        }
    }
    out
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_reports_every_failure_with_its_kind() {
    let config = test_site(300);
    let stats = Arc::new(Stats::default());
    let summary = app::run(&test_args(), Some(config.clone()), stats).await.unwrap();

    let host = summary.start.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let expected = expect(&config, &host, 2);
    let counts = &summary.counts;
    assert_eq!(summary.stop, Stop::Finished);
    assert_eq!(counts.pages, expected.pages, "pages fetched");
    assert_eq!(counts.redirects, expected.redirects, "redirects followed");
    assert!(expected.redirects > 0, "the test site has no redirect");
    assert_eq!(counts.errors, expected.errors, "failed pages by kind");
    assert_eq!(counts.failed, expected.failed_paths.len() as u64);
    assert_eq!(counts.recovered, expected.recovered, "flaky pages recovered by a retry");
    assert_eq!(counts.requests, expected.requests, "requests, retries included");
    // The site has each kind of failure, so the test checks all of them.
    for kind in ["HTTP 404", "HTTP 500", "connection closed", "timeout"] {
        assert!(expected.errors.contains_key(kind), "the test site has no `{kind}` page");
    }

    // The server agrees: every page was fetched once (twice if flaky),
    // and a failing page once per attempt. Nothing was fetched twice.
    let site = summary.site.as_ref().unwrap();
    assert_eq!(site.requests(), expected.requests);
    for n in 0..config.pages {
        let hits = expected.hits.get(&n).copied().unwrap_or(0);
        assert_eq!(site.hits(n), hits, "requests for page {n} ({:?})", config.page(n));
    }
    assert_eq!(site.open_connections(), 0);
    assert_eq!(site.in_flight(), 0);

    // The error tree names each failed page's task, under the crawl group.
    let tree = summary.errors.as_ref().unwrap();
    let failed: HashSet<String> =
        tree.iter().map(|e| e.task().name().strip_prefix("GET ").unwrap().to_owned()).collect();
    assert_eq!(failed, expected.failed_paths);
    let text = summary.to_string();
    assert!(text.contains("finished"), "{text}");
    assert!(text.contains("failed: HTTP 500 Internal Server Error (3 attempts)"), "{text}");
    assert!(text.contains("failed: no answer within 500ms (3 attempts)"), "{text}");
    assert!(text.contains("failed: HTTP 404 Not Found (1 attempt)"), "{text}");
    assert!(text.contains("task group `crawl` failed with"), "{text}");
    assert_nothing_left_running().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_holds_the_limit_and_the_rate_on_the_servers_clock() {
    // No page here makes the client give up on a request, so the server's
    // count of requests in flight is exact: a request it is answering is
    // one the client is waiting for.
    let config = SiteConfig { hanging: 0, resets: 0, ..test_site(200) };
    let (concurrency, rate, burst) = (4, 100.0, 5);
    let args = Args { concurrency, rate, burst, max_pages: Some(150), ..test_args() };
    let stats = Arc::new(Stats::default());
    let summary = app::run(&args, Some(config), stats).await.unwrap();
    assert_eq!(summary.stop, Stop::Finished);
    assert_eq!(summary.counts.queued, 150);

    let site = summary.site.as_ref().unwrap();
    assert_eq!(site.abandoned(), 0, "no request was given up on");
    assert!(
        site.max_in_flight() <= concurrency,
        "the server saw {} requests at once, the limit is {concurrency}",
        site.max_in_flight()
    );
    assert!(summary.counts.max_in_flight <= concurrency as u64);

    // The rate, on the server's clock. A token bucket lets `burst`
    // requests through at once and then one every 1/rate seconds, so the
    // arrivals span at least (n - burst) / rate seconds. Delays only
    // stretch that span; the 20% margin covers a late first arrival.
    let arrivals = site.arrivals();
    let n = arrivals.len();
    assert_eq!(n as u64, summary.counts.requests);
    let span = *arrivals.last().unwrap() - arrivals[0];
    let least = Duration::from_secs_f64((n - burst as usize) as f64 / rate * 0.8);
    assert!(
        span >= least,
        "{n} requests arrived within {span:?}; at {rate}/s that takes {least:?}"
    );
    // And per window: no 250 ms window holds more than its share plus
    // the burst, with room for 250 ms of requests bunched up by a busy
    // machine (a stall delays requests; it cannot make them more).
    let window = Duration::from_millis(250);
    let share = (window.as_secs_f64() * rate) as usize;
    let most = arrivals
        .iter()
        .enumerate()
        .map(|(i, &t)| arrivals[i..].iter().take_while(|&&a| a - t < window).count())
        .max()
        .unwrap();
    assert!(most <= burst as usize + 2 * share, "{most} requests within {window:?}");
    assert_nothing_left_running().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_budget_cancels_what_is_in_flight() {
    // Every page but the first hangs; the crawl's budget ends it.
    let config = SiteConfig { hanging: 1000, ..test_site(50) };
    let args = Args {
        budget: Duration::from_millis(300),
        timeout: Duration::from_secs(30),
        ..test_args()
    };
    let stats = Arc::new(Stats::default());
    let summary = app::run(&args, Some(config), stats).await.unwrap();
    assert_eq!(summary.stop, Stop::OutOfTime(Duration::from_millis(300)));
    let text = summary.to_string();
    assert!(text.contains("stopped when its budget of 300ms ran out"), "{text}");
    // The group's deadline is in its error tree; the cancelled page tasks
    // are not errors.
    let tree = summary.errors.as_ref().unwrap();
    assert_eq!(tree.len(), 1, "{tree}");
    assert!(tree.first().unwrap().is_timeout(), "{tree}");
    assert!(text.contains("crawl timed out after 300ms"), "{text}");
    let site = summary.site.as_ref().unwrap();
    assert_eq!(summary.counts.pages, 1);
    assert!(site.abandoned() >= 1, "the hanging requests were cancelled");
    assert_eq!(site.in_flight(), 0);
    assert_nothing_left_running().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_the_crawl_stops_it_and_reports_cancelled() {
    let site = Site::start(test_site(300)).await.unwrap();
    let seen = site.stats();
    let connections = Connections::new();
    let config = CrawlConfig {
        concurrency: 4,
        rate: 200.0,
        burst: 1,
        timeout: Duration::from_secs(5),
        budget: Duration::from_secs(60),
        max_pages: None,
        retries: 0,
        backoff: Duration::ZERO,
    };
    let stats = Arc::new(Stats::default());
    let start: Uri = site.url().parse().unwrap();
    let client = connections.client(4, 1 << 20);
    // As under `taskscope::run_with`: the crawl's group is nested in an
    // outer group with a grace period; cancelling the outer group (what
    // Ctrl-C does) cancels the crawl's group at once, and the crawl still
    // gets to return its report within the grace period.
    let crawl = TaskGroup::builder()
        .grace(Duration::from_secs(10))
        .scope(async |tg| {
            let stop = tg.clone();
            tg.spawn(async move {
                seen.wait_for_requests(20).await;
                stop.cancel();
                Ok(())
            });
            crawler::crawl(&config, start, client, stats.clone(), ProgressBar::hidden()).await
        })
        .await
        .unwrap();
    assert_eq!(crawl.stop, Stop::Cancelled);
    let counts = stats.snapshot();
    assert!(counts.requests >= 20 && counts.done() < counts.queued, "{counts:?}");
    connections.shutdown().await;
    site.shutdown().await.unwrap();
    assert_nothing_left_running().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_with_url_crawls_a_site_it_did_not_start() {
    // `--url` skips the demo site; here the "real" site is one the test
    // started, so the crawl stays on loopback.
    let site = Site::start(SiteConfig { hanging: 0, ..test_site(60) }).await.unwrap();
    let args = Args { url: Some(site.url()), ..test_args() };
    let summary = app::run(&args, None, Arc::default()).await.unwrap();
    assert_eq!(summary.stop, Stop::Finished);
    assert!(summary.site.is_none());
    assert_eq!(summary.start, site.url());
    assert_eq!(site.stats().requests(), summary.counts.requests);
    assert!(summary.counts.pages > 10, "{:?}", summary.counts);
    site.shutdown().await.unwrap();
    assert_nothing_left_running().await;

    let args = Args { url: Some("not a url".into()), ..test_args() };
    let err = app::run(&args, None, Arc::default()).await.unwrap_err();
    assert!(err.to_string().contains("bad --url `not a url`"), "{err}");
}

#[test]
fn args_take_the_quick_preset_and_later_flags_win() {
    let Command::Crawl(args) = Args::parse(["--quick", "--max-pages", "50"]).unwrap() else {
        panic!("not a crawl")
    };
    assert_eq!(args.max_pages, Some(50));
    assert_eq!(args.pages, 400);
    assert_eq!(args.timeout, Duration::from_millis(300));
    let Command::Crawl(args) =
        Args::parse(["--timeout", "1.5s", "--budget", "2m", "--concurrency", "3"]).unwrap()
    else {
        panic!("not a crawl")
    };
    assert_eq!(args.timeout, Duration::from_millis(1500));
    assert_eq!(args.budget, Duration::from_secs(120));
    assert_eq!(args.concurrency, 3);
    assert!(matches!(Args::parse(["-h"]).unwrap(), Command::Help));
    let err = Args::parse(["--rate", "fast"]).unwrap_err().to_string();
    assert!(err.contains("fast"), "{err}");
    let err = Args::parse(["--timeout", "5 parsecs"]).unwrap_err().to_string();
    assert!(err.contains("unknown unit"), "{err}");
    assert!(Args::parse(["--frobnicate"]).is_err());
    let err = Args::parse(["--url", "https://example.com/"]).unwrap_err().to_string();
    assert!(
        err.contains("must start with http://") && err.contains("https://example.com/"),
        "{err}"
    );
    let Command::Crawl(args) = Args::parse(["--url", "http://example.com/"]).unwrap() else {
        panic!("not a crawl")
    };
    assert_eq!(args.url.as_deref(), Some("http://example.com/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_configuration_is_a_typed_error_not_a_hang() {
    for (args, message) in [
        (Args { concurrency: 0, ..test_args() }, "limit must be at least 1, got 0"),
        (Args { rate: 0.0, ..test_args() }, "above 0"),
    ] {
        let err = app::run(&args, Some(test_site(10)), Arc::default()).await.unwrap_err();
        assert!(err.to_string().contains(message), "{err}");
    }
    assert_nothing_left_running().await;
}

#[test]
fn links_are_found_and_resolved_like_a_browser_does() {
    let html = r#"<a href="/p/1">one</a> <A HREF='two#x'>2</A> <a href=three>3</a>
        <link rel="x" href = "../up/four?q=1"> <a href="">self</a>"#;
    assert_eq!(links::hrefs(html), ["/p/1", "two#x", "three", "../up/four?q=1", ""]);

    let base: Uri = "http://site.test/a/b/page".parse().unwrap();
    let resolve = |href| links::resolve(&base, href).map(|u| u.to_string());
    assert_eq!(resolve("/p/1").as_deref(), Some("http://site.test/p/1"));
    assert_eq!(resolve("two#x").as_deref(), Some("http://site.test/a/b/two"));
    assert_eq!(resolve("../up/four?q=1").as_deref(), Some("http://site.test/a/up/four?q=1"));
    assert_eq!(resolve("./.././../../x").as_deref(), Some("http://site.test/x"));
    assert_eq!(resolve("//other.test/y").as_deref(), Some("http://other.test/y"));
    assert_eq!(resolve("https://other.test/").as_deref(), Some("https://other.test/"));
    assert_eq!(resolve("#top"), None);
    assert_eq!(resolve("mailto:someone@site.test"), None);
    assert_eq!(resolve("javascript:void(0)"), None);
    let other: Uri = "https://site.test/p/1".parse().unwrap();
    assert!(!links::same_site(&other, &base), "another scheme is another site");
}
