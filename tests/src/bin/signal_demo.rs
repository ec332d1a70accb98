//! A program run by `taskscope::run_with`, for the signal tests: it starts
//! workers, prints `ready`, and waits to be stopped by a signal.
//!
//! `signal_demo polite` — every worker watches the group's token, cleans up
//! for 100 ms and ends; `signal_demo stubborn <grace-ms>` — one more worker
//! ignores cancellation, so it is still running when the grace period ends.

use std::future::pending;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use taskscope::RunConfig;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let stubborn = args.next().as_deref() == Some("stubborn");
    let grace_ms: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let config =
        RunConfig::new().name("demo").worker_threads(2).grace(Duration::from_millis(grace_ms));
    taskscope::run_with(config, async |tg| {
        for i in 0..3 {
            let token = tg.token();
            tg.spawn_named(format!("worker-{i}"), async move {
                token.cancelled().await;
                println!("worker-{i} saw cancellation");
                tokio::time::sleep(Duration::from_millis(100)).await;
                println!("worker-{i} cleaned up");
                Ok::<_, std::io::Error>(())
            });
        }
        if stubborn {
            tg.spawn_named("stubborn", pending::<Result<(), std::io::Error>>());
        }
        println!("ready");
        std::io::stdout().flush()?;
        // The body gets the grace period too: a body that waits for the
        // shutdown watches the token, like any child.
        tg.token().cancelled().await;
        Ok(())
    })
    .report()
}
