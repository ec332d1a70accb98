//! `loom`: the loom models of the hand-written lock-free state.
//!
//! They build the crates with `--cfg loom` (tokio then swaps in loom's
//! primitives too), in their own target directory so that the normal build
//! is not invalidated.

use anyhow::Result;

use crate::cmd::cargo_env;

/// Each model: the package and the test filter that selects it.
const MODELS: [(&str, &[&str]); 2] = [
    ("taskscope-task-group", &["--lib", "state::loom_models"]),
    ("taskscope-semaphore", &["--test", "loom_semaphore"]),
];

pub(crate) fn run() -> Result<()> {
    for (package, filter) in MODELS {
        let mut args = vec!["test", "--release", "-p", package];
        args.extend_from_slice(filter);
        cargo_env(
            &args,
            &[("RUSTFLAGS", "--cfg loom -D warnings"), ("CARGO_TARGET_DIR", "target/loom")],
        )?;
    }
    Ok(())
}
