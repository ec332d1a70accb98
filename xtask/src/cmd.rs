//! Running cargo with the environment CI uses, echoing each command.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// Flags every build of `ci` shares, so that steps reuse each other's
/// artifacts instead of rebuilding with different flags.
pub(crate) const RUSTFLAGS: &str = "-D warnings";

/// Set by `xtask ci`: a one-shot build gains nothing from incremental
/// caches, which are a large share of a fresh `target/` on disk.
static ONE_SHOT: AtomicBool = AtomicBool::new(false);

/// Turns incremental compilation off for every later cargo call.
pub(crate) fn one_shot() {
    ONE_SHOT.store(true, Ordering::Relaxed);
}

/// Runs `cargo <args>` with CI's flags, failing if it fails.
pub(crate) fn cargo(args: &[&str]) -> Result<()> {
    cargo_env(args, &[])
}

/// Runs `cargo <args>` with extra environment variables.
pub(crate) fn cargo_env(args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let shown: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    eprintln!("$ {} cargo {}", shown.join(" "), args.join(" "));
    let start = Instant::now();
    let status = Command::new(cargo)
        .args(args)
        .env("RUSTFLAGS", RUSTFLAGS)
        .envs(ONE_SHOT.load(Ordering::Relaxed).then_some(("CARGO_INCREMENTAL", "0")))
        .envs(env.iter().copied()) // may override RUSTFLAGS
        .status()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    eprintln!("  ({:.1}s)", start.elapsed().as_secs_f64());
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}
