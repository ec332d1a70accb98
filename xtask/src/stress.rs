//! `stress`: the reliability tests at full size, in release mode.
//!
//! The same test files run in `cargo test` at a small size; here they get
//! `TASKSCOPE_STRESS=1` (the stress tests at full size: a million children
//! through one group, storms over ~11,000 nested groups, a hundred times
//! more semaphore and queue operations) and `TASKSCOPE_STRESS_CASES` (the
//! number of random task trees, and of random timeout stacks, the property
//! tests check against their models; 50,000 unless given). `cargo xtask stress 200000` asks for
//! 200,000 trees.

use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::cmd::cargo_env;

/// Random task trees checked when no number is given.
const DEFAULT_CASES: u32 = 50_000;

/// The test binaries of `taskscope-tests` that read the two variables.
const TESTS: [&str; 6] = [
    "reliability_task_trees",
    "reliability_timeouts",
    "stress_long_lived_group",
    "stress_cancellation_storm",
    "stress_semaphore_queue",
    "bad_input",
];

pub(crate) fn run(args: &[String]) -> Result<()> {
    let cases = match args {
        [] => DEFAULT_CASES,
        [n] => n.parse().with_context(|| format!("`{n}` is not a number of cases"))?,
        _ => bail!("usage: cargo xtask stress [number of random task trees]"),
    };
    let start = Instant::now();
    let mut cargo_args = vec!["test", "--release", "-p", "taskscope-tests"];
    for test in TESTS {
        cargo_args.extend(["--test", test]);
    }
    // The property test prints what its cases covered.
    cargo_args.extend(["--", "--nocapture"]);
    let cases = cases.to_string();
    cargo_env(&cargo_args, &[("TASKSCOPE_STRESS", "1"), ("TASKSCOPE_STRESS_CASES", &cases)])?;
    eprintln!(
        "xtask stress: {cases} random task trees and every stress test passed in {:.0}s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
