//! `bench`: runs the criterion benches, prints ns/op with peer ratios and
//! writes the report (`bench-report/index.md` and SVG charts).
//!
//! Where the files are: criterion writes to `$CRITERION_HOME`, else to
//! `criterion/` in the cargo target directory. This command asks cargo for
//! the target directory (`cargo metadata`, so `$CARGO_TARGET_DIR` and cargo
//! config are honoured), passes that criterion directory to the benches as
//! `CRITERION_HOME` (the memory bench writes its JSON there too), reads it
//! back, and writes the report to `bench-report/` next to it. With the
//! default target directory that is `target/criterion` and
//! `target/bench-report/index.md`.

mod report;
mod results;
mod run_info;
mod svg;
mod targets;

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::cmd::cargo_env;
use results::{Results, is_ours};
use run_info::RunInfo;

pub(crate) fn run(args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    let dirs = Dirs::find()?;
    if args.iter().any(|a| a == "--report") {
        // Only rewrite the report of the last run.
        return report(&dirs);
    }
    let filters: Vec<&str> =
        args.iter().filter(|a| !a.starts_with("--")).map(String::as_str).collect();
    // Every bench target of the workspace (`--benches` would also run the
    // libraries' and binaries' empty libtest harnesses, built in release).
    let mut cmd = if quick {
        // Proves every bench runs without measuring: run by `cargo test`
        // (no `--bench` flag), criterion runs each benchmark once. Built in
        // the dev profile, so it reuses what `cargo xtask ci` built.
        vec!["test", "--workspace", "--bench", "*", "--"]
    } else {
        vec!["bench", "--workspace", "--bench", "*", "--"]
    };
    cmd.extend(filters.iter().copied());
    let criterion = dirs.criterion.to_str().context("criterion directory is not UTF-8")?;
    let mut info = RunInfo::start(&filters);
    cargo_env(&cmd, &[("CRITERION_HOME", criterion)])?;
    if quick {
        return Ok(());
    }
    info.finish();
    info.save(&dirs.criterion)?;
    report(&dirs)
}

/// Where criterion's output is read and the report is written.
struct Dirs {
    criterion: PathBuf,
    report: PathBuf,
}

impl Dirs {
    fn find() -> Result<Dirs> {
        let target = target_directory()?;
        let criterion = std::env::var_os("CRITERION_HOME")
            .map_or_else(|| target.join("criterion"), PathBuf::from);
        Ok(Dirs { criterion, report: target.join("bench-report") })
    }
}

/// Cargo's target directory for this workspace.
fn target_directory() -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let json = String::from_utf8_lossy(&out.stdout);
    results::json_str(&json, "target_directory")
        .map(PathBuf::from)
        .context("no target_directory in cargo metadata's output")
}

/// Prints the tables and the targets, and writes the report.
fn report(dirs: &Dirs) -> Result<()> {
    let info = RunInfo::load(&dirs.criterion);
    let results = results::collect(&dirs.criterion, info.as_ref().map(|i| i.started))?;
    if results.groups.is_empty() {
        bail!("no results in {}; run `cargo xtask bench` first", dirs.criterion.display());
    }
    print_tables(&results);
    let rows = targets::evaluate(&results);
    print_targets(&rows);
    report::write(&dirs.report, &dirs.criterion, &results, &rows, info.as_ref())?;
    if let Some(info) = &info {
        println!(
            "\nload average {} at the start, {} at the end ({}; {})",
            info.load_start, info.load_end, info.cores, info.cpu
        );
    }
    println!("report: {}", dirs.report.join("index.md").display());
    Ok(())
}

/// Each group's medians, then every `taskscope*` contender ÷ every peer.
fn print_tables(results: &Results) {
    for (id, group) in &results.groups {
        let params = group.params();
        let width = params.iter().map(|p| p.0.len() + 2).max().unwrap_or(12).max(12);
        println!("\n{id}: {}", group.unit.label());
        print!("  {:<44}", "contender");
        for p in &params {
            print!("{:>width$}", p.0);
        }
        println!();
        let contenders = group.contenders();
        for name in &contenders {
            print!("  {name:<44}");
            for p in &params {
                match group.get(name, p) {
                    Some(v) => print!(
                        "{:>width$}",
                        format!("{}{}", svg::number(v.value), if v.fresh { "" } else { "†" })
                    ),
                    None => print!("{:>width$}", "-"),
                }
            }
            println!();
        }
        for ours in contenders.iter().filter(|c| is_ours(c)) {
            for peer in contenders.iter().filter(|c| !is_ours(c)) {
                print!("  {:<44}", format!("{ours} / {peer}"));
                for p in &params {
                    match (group.get(ours, p), group.get(peer, p)) {
                        (Some(a), Some(b)) => {
                            print!("{:>width$}", format!("{:.2}x", a.value / b.value));
                        }
                        _ => print!("{:>width$}", "-"),
                    }
                }
                println!();
            }
        }
    }
}

fn print_targets(rows: &[targets::Row]) {
    if rows.is_empty() {
        return;
    }
    let met = rows.iter().filter(|r| r.met()).count();
    println!("\ntargets: {met} of {} checks met († = value from an earlier run)", rows.len());
    for row in rows {
        println!(
            "  {} {:<36} {:<18} {:<30} {:>18} vs {:<24} {}{}",
            if row.met() { "met   " } else { "MISSED" },
            row.group,
            row.param.0,
            row.ours,
            row.measure_text(),
            row.peer,
            row.bound_text(),
            if row.fresh() { "" } else { " †" }
        );
    }
    for target in targets::unchecked(rows) {
        println!("  not checked: {} ({})", target.text, target.source);
    }
}
