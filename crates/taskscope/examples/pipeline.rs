//! Three stages joined by queues — fetch, parse, store — each stage a pool
//! of workers, all in one task group.
//!
//! It teaches `taskscope::queue`: bounded queues between stages give
//! back-pressure (a fast stage waits for a slow one instead of piling up
//! work in memory), `join` waits until every item is *processed*, not
//! just taken, and `shutdown` tells a stage that no more work will come.
//! The producer drains the stages in order: once the first queue's `join`
//! returns, every fetched page is in the second queue, and so on down the
//! line. Because the workers are children of one group, one bad item
//! (`--fail-at N`) cancels the whole pipeline, and the error tree names the
//! worker that failed.
//!
//! Run with `cargo run --example pipeline`; try `-- --items 40 --fail-at
//! 13`, and `-- --fast` to run on a paused clock, instantly.

#[path = "common/cli.rs"]
#[allow(dead_code)] // this example reads numbers only
mod cli;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use taskscope::queue::{Queue, WorkerPool};
use taskscope::{BoxError, ErrorGroup, TaskGroup};
use tokio::time::sleep;

/// Room in each queue between two stages.
pub(crate) const CAPACITY: usize = 4;

/// A fetched page, on its way to the parser.
#[derive(Debug)]
pub(crate) struct Page {
    id: u32,
    body: String,
}

/// A parsed page, on its way to the store.
#[derive(Debug)]
pub(crate) struct Parsed {
    id: u32,
    words: usize,
}

/// What went through the pipeline.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// Word count of every stored page, by id.
    pub(crate) stored: BTreeMap<u32, usize>,
    pub(crate) fetched: u64,
    pub(crate) parsed: u64,
    /// The most items ever waiting in each queue.
    pub(crate) max_queued: [usize; 3],
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: usize = self.stored.values().sum();
        writeln!(
            f,
            "fetched {}, parsed {}, stored {}",
            self.fetched,
            self.parsed,
            self.stored.len()
        )?;
        writeln!(f, "{words} words in all")?;
        write!(
            f,
            "most items waiting per queue: urls {}, pages {}, parsed {} (capacity {CAPACITY} each)",
            self.max_queued[0], self.max_queued[1], self.max_queued[2]
        )
    }
}

/// Counters the stages update as they go.
#[derive(Debug, Default)]
struct Counters {
    fetched: AtomicU64,
    parsed: AtomicU64,
    max_queued: [AtomicUsize; 3],
    stored: Mutex<BTreeMap<u32, usize>>,
}

impl Counters {
    fn saw_queue(&self, stage: usize, len: usize) {
        self.max_queued[stage].fetch_max(len, Ordering::Relaxed);
    }
}

/// The text of page `id`: `id % 7 + 3` words.
pub(crate) fn page_text(id: u32) -> String {
    (0..id % 7 + 3).map(|w| format!("word{w}")).collect::<Vec<_>>().join(" ")
}

/// Runs `items` items through the three stages. With `fail_at`, the
/// parser rejects that item, which cancels the whole pipeline.
///
/// Cancel safe: dropping the future cancels every worker.
///
/// # Errors
///
/// Every error of the stages (and of the producer), as an error tree.
pub(crate) async fn pipeline(
    items: u32,
    fail_at: Option<u32>,
) -> Result<Report, ErrorGroup<BoxError>> {
    let urls: Queue<u32> = Queue::bounded(CAPACITY).expect("capacity is above zero");
    let pages: Queue<Page> = Queue::bounded(CAPACITY).expect("capacity is above zero");
    let parsed: Queue<Parsed> = Queue::bounded(CAPACITY).expect("capacity is above zero");
    let counters = Arc::new(Counters::default());

    TaskGroup::builder()
        .name("pipeline")
        .scope(async |tg| {
            // Stage 1: four fetchers, slow and uneven.
            let (next, c) = (pages.clone(), counters.clone());
            WorkerPool::new(4)?.name("fetch").spawn(&tg, &urls, move |id: u32| {
                let (next, c) = (next.clone(), c.clone());
                async move {
                    sleep(Duration::from_millis(10 + u64::from(id % 5) * 5)).await;
                    next.put(Page { id, body: page_text(id) }).await?;
                    c.fetched.fetch_add(1, Ordering::Relaxed);
                    c.saw_queue(1, next.len());
                    Ok(())
                }
            })?;
            // Stage 2: two parsers.
            let (next, c) = (parsed.clone(), counters.clone());
            WorkerPool::new(2)?.name("parse").spawn(&tg, &pages, move |page: Page| {
                let (next, c) = (next.clone(), c.clone());
                async move {
                    sleep(Duration::from_millis(5)).await;
                    if Some(page.id) == fail_at {
                        return Err(format!("item {}: malformed page", page.id).into());
                    }
                    let words = page.body.split_whitespace().count();
                    next.put(Parsed { id: page.id, words }).await?;
                    c.parsed.fetch_add(1, Ordering::Relaxed);
                    c.saw_queue(2, next.len());
                    Ok(())
                }
            })?;
            // Stage 3: one writer, the slowest stage. Its queue fills up,
            // then the parsers wait to put, then the fetchers: the
            // pipeline runs at the pace of its slowest stage, with at most
            // CAPACITY items waiting in each queue.
            let c = counters.clone();
            WorkerPool::new(1)?.name("store").spawn(&tg, &parsed, move |item: Parsed| {
                let c = c.clone();
                async move {
                    sleep(Duration::from_millis(10)).await;
                    c.stored
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(item.id, item.words);
                    Ok(())
                }
            })?;

            // The producer: `put` waits while the fetchers are busy and
            // the first queue is full.
            for id in 0..items {
                urls.put(id).await?;
                counters.saw_queue(0, urls.len());
            }
            // Drain the stages in order; shutting a queue down lets its
            // workers end once it is empty.
            urls.join().await;
            urls.shutdown();
            pages.join().await;
            pages.shutdown();
            parsed.join().await;
            parsed.shutdown();
            Ok(())
        })
        .await?;

    let c = &*counters;
    Ok(Report {
        stored: std::mem::take(&mut *c.stored.lock().unwrap_or_else(PoisonError::into_inner)),
        fetched: c.fetched.load(Ordering::Relaxed),
        parsed: c.parsed.load(Ordering::Relaxed),
        max_queued: c.max_queued.each_ref().map(|m| m.load(Ordering::Relaxed)),
    })
}

fn main() {
    let (mut items, mut fail_at, mut fast) = (20, None, false);
    let mut parser = lexopt::Parser::from_env();
    let usage = |err: String| -> ! {
        eprintln!("pipeline: {err}\nusage: pipeline [--items N] [--fail-at N] [--fast]");
        std::process::exit(2)
    };
    while let Some(arg) = parser.next().unwrap_or_else(|e| usage(e.to_string())) {
        match arg {
            lexopt::Arg::Long("items") => {
                items = cli::parsed(parser.value()).unwrap_or_else(|e| usage(e.to_string()));
            }
            lexopt::Arg::Long("fail-at") => {
                fail_at =
                    Some(cli::parsed(parser.value()).unwrap_or_else(|e| usage(e.to_string())));
            }
            lexopt::Arg::Long("fast") => fast = true,
            other => usage(other.unexpected().to_string()),
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(fast)
        .build()
        .expect("a tokio runtime");
    let started = std::time::Instant::now();
    match runtime.block_on(pipeline(items, fail_at)) {
        Ok(report) => println!("{report}\ndone in {:.2?}", started.elapsed()),
        Err(errors) => {
            println!("the pipeline stopped after {:.2?}:\n{errors}", started.elapsed());
            std::process::exit(1);
        }
    }
}
