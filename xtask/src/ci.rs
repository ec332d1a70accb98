//! `ci`, `fmt`, `lint`, `test` and `doc`: the checks CI runs, in order.

use std::time::Instant;

use anyhow::Result;

use crate::cmd::{cargo, cargo_env};

/// Everything CI checks, cheapest first.
pub(crate) fn ci() -> Result<()> {
    let start = Instant::now();
    crate::cmd::one_shot();
    fmt(true)?;
    lint()?;
    test()?;
    doc()?;
    crate::tidy::run(&std::env::current_dir()?)?;
    eprintln!("$ tidy: ok");
    // Examples and benches are compiled so that they never rot, and each
    // bench runs once in criterion's test mode (dev profile, seconds).
    cargo(&["build", "--workspace", "--examples", "--benches"])?;
    cargo(&["test", "--workspace", "--bench", "*"])?;
    eprintln!("xtask ci: all checks passed in {:.0}s", start.elapsed().as_secs_f64());
    Ok(())
}

pub(crate) fn fmt(check: bool) -> Result<()> {
    if check { cargo(&["fmt", "--all", "--check"]) } else { cargo(&["fmt", "--all"]) }
}

pub(crate) fn lint() -> Result<()> {
    cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])
}

pub(crate) fn test() -> Result<()> {
    // Unit, integration and doc tests of every crate; tidy runs as a test too.
    cargo(&["test", "--workspace"])
}

pub(crate) fn doc() -> Result<()> {
    cargo_env(&["doc", "--workspace", "--no-deps"], &[("RUSTDOCFLAGS", "-D warnings")])
}
