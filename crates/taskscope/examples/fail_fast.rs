//! A task group failing fast: one bad child cancels its siblings, and the
//! error tree says who failed with what.
//!
//! Run with `cargo run --example fail_fast`.

use std::time::{Duration, Instant};

use taskscope::{Policy, TaskGroup};
use tokio::time::sleep;

/// A pretend download: most succeed after a while, some fail.
async fn download(site: &'static str, page: u32) -> Result<usize, String> {
    sleep(Duration::from_millis(20 * u64::from(page))).await;
    match (site, page) {
        ("site-b", 3) => Err(format!("GET https://{site}.example/{page}: connection reset")),
        ("site-c", 2) => Err(format!("GET https://{site}.example/{page}: HTTP 500")),
        _ => Ok(1024 * page as usize),
    }
}

#[tokio::main]
async fn main() {
    let start = Instant::now();
    let result = TaskGroup::builder()
        .name("crawler")
        .policy(Policy::FailFast)
        .catch_panics()
        .scope(async |tg| {
            for site in ["site-a", "site-b", "site-c"] {
                tg.spawn_group(TaskGroup::builder().name(site), move |pages| async move {
                    for page in 1..=5 {
                        pages.spawn_named(format!("page-{page}"), download(site, page));
                    }
                    Ok(())
                });
            }
            // A watchdog that would hold the crawl up for a minute, if the
            // group did not cancel it when a download failed.
            tg.spawn_named("watchdog", async {
                sleep(Duration::from_secs(60)).await;
                Ok(())
            });
            Ok(())
        })
        .await;

    let elapsed = start.elapsed();
    match result {
        Ok(()) => println!("crawl finished in {elapsed:.2?}"),
        Err(errors) => {
            println!("crawl failed fast after {elapsed:.2?} (the watchdog was cancelled):\n");
            println!("{errors}");
        }
    }
}
