//! `cargo xtask`: the project's automation — CI, lints, docs, tidy, benches.
//!
//! Run `cargo xtask` with no argument for the list of commands. CI runs
//! `cargo xtask ci` and nothing else.

mod bench;
mod ci;
mod cmd;
mod loom;
mod stress;
mod tidy;

use std::path::PathBuf;

use anyhow::{Result, bail};

const HELP: &str = "\
cargo xtask <command> [args]

Commands:
  ci          fmt check, lint, test (doctests included), doc, tidy, build
              examples and benches: everything CI checks, in that order
  fmt         format the workspace (`fmt --check` to only check)
  lint        clippy on every target, warnings are errors
  test        every test of the workspace, doctests included
  doc         rustdoc for the workspace, warnings are errors
  tidy        repository rules: `//!` first lines, doc headings, cancel
              safety sections, CHANGELOG shape, dependency rules
  loom        the loom models of the lock-free state (slow; not in ci)
  stress      reliability tests at full size, release mode (`stress <n>`: n trees)
  bench       run the criterion benches in release, print ns/op with the
              ratios to the peers, and write target/bench-report/index.md
              with charts and the DESIGN targets, met or missed;
              `bench --quick` runs each bench once in the dev profile,
              `bench --report` rewrites the last run's report,
              `bench <filter>` passes a filter to criterion
";

fn main() {
    if let Err(err) = run() {
        eprintln!("xtask: error: {err:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(command) = args.next() else {
        print!("{HELP}");
        return Ok(());
    };
    let rest: Vec<String> = args.collect();
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match command.as_str() {
        "ci" => ci::ci(),
        "fmt" => ci::fmt(rest.iter().any(|a| a == "--check")),
        "lint" => ci::lint(),
        "test" => ci::test(),
        "doc" => ci::doc(),
        "tidy" => tidy::run(&root),
        "bench" => bench::run(&rest),
        "loom" => loom::run(),
        "stress" => stress::run(&rest),
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => bail!("unknown command `{other}`; run `cargo xtask` for the list"),
    }
}

/// The workspace root: the parent of this crate's directory.
fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().map(PathBuf::from).unwrap_or(manifest_dir)
}

#[cfg(test)]
mod tests {
    /// Tidy runs with the tests, so `cargo test` alone catches its rules.
    #[test]
    fn tidy() {
        crate::tidy::run(&crate::workspace_root()).unwrap();
    }
}
