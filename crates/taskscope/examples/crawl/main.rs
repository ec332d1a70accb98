//! A concurrent web crawler: taskscope's flagship example.
//!
//! It teaches the whole toolbox on the classic exercise — "fetch many URLs
//! concurrently, at most N at a time" — with everything a real crawler
//! needs: a task group that owns every page task and keeps every error
//! (`crawler.rs`), a concurrency limit, a rate limiter, a deadline per
//! request and one for the whole crawl, retries with backoff, a queue of
//! discovered links whose `join` says when the crawl is done, a progress
//! bar, a clean Ctrl-C through `taskscope::run_with`, and a summary with
//! the error tree of what failed (`report.rs`).
//!
//! With no arguments it starts its own HTTP server on 127.0.0.1 serving a
//! generated site of 2000 linked pages — some slow, some failing with
//! 500s, some dropping the connection, some never answering
//! (`../common/site.rs`) — and crawls it:
//!
//! ```text
//! cargo run --release --example crawl
//! cargo run --release --example crawl -- --concurrency 64 --rate 2000
//! cargo run --release --example crawl -- --quick          # a bounded run for CI
//! cargo run --release --example crawl -- --url http://example.com/ --max-pages 50
//! cargo run --release --example crawl -- --help
//! ```
//!
//! `--url` crawls a real site over plain `http://` (links to `https://`
//! pages are counted as other sites): TLS would add a C toolchain to the
//! build, which this workspace avoids.

mod app;
mod args;
#[path = "../common/cli.rs"]
mod cli;
#[path = "../common/client.rs"]
mod client;
mod crawler;
mod links;
mod report;
#[path = "../common/site.rs"]
mod site;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use taskscope::{RunConfig, RunOutcome};

use crate::args::{Args, Command, USAGE};
use crate::report::Stats;
use crate::site::SiteConfig;

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args_os().skip(1)) {
        Ok(Command::Crawl(args)) => args,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("crawl: {err}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // The counters live outside the run, so that a Ctrl-C that cancels
    // everything still leaves something to report.
    let stats = Arc::new(Stats::default());
    let config = RunConfig::new().name("main").grace(Duration::from_secs(3));
    let site = args.url.is_none().then(|| SiteConfig::demo(args.pages, args.seed));
    let outcome =
        taskscope::run_with(config, async |_tg| app::run(&args, site, stats.clone()).await);
    // `writeln!` rather than `println!`: output piped into `head` must not
    // make the program panic.
    let mut stdout = std::io::stdout().lock();
    match outcome {
        RunOutcome::Completed(summary) => {
            let _ = write!(stdout, "{summary}");
            ExitCode::SUCCESS
        }
        RunOutcome::Interrupted { signal, result, .. } => {
            match result {
                Ok(summary) => {
                    let _ = write!(stdout, "{summary}");
                }
                Err(_) => {
                    let c = stats.snapshot();
                    let _ = writeln!(
                        stdout,
                        "stopped before the crawl could report: {} pages ok, {} failed",
                        c.pages, c.failed
                    );
                }
            }
            eprintln!("interrupted by {signal}");
            ExitCode::from(signal.exit_code())
        }
        other => other.report(),
    }
}
