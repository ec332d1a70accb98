//! `bench`: runs the criterion benches and prints ns/op with peer ratios.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use crate::cmd::cargo;

pub(crate) fn run(args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    if args.iter().any(|a| a == "--report") {
        // Only print the table of the last run.
        return print_table(Path::new("target/criterion"));
    }
    let filters: Vec<&str> =
        args.iter().filter(|a| !a.starts_with("--")).map(String::as_str).collect();
    let mut cmd = vec!["bench", "--workspace", "--benches", "--"];
    if quick {
        // Proves every bench runs, without measuring: criterion's test mode.
        cmd.push("--test");
    }
    cmd.extend(filters.iter().copied());
    cargo(&cmd)?;
    if quick {
        return Ok(());
    }
    print_table(Path::new("target/criterion"))
}

/// One measurement: group, contender, parameter -> median ns per element.
type Table = BTreeMap<String, BTreeMap<String, BTreeMap<u64, f64>>>;

fn print_table(dir: &Path) -> Result<()> {
    let mut table = Table::new();
    collect(dir, &mut table)?;
    for (group, contenders) in &table {
        println!("\n{group}: median ns per element");
        let params: std::collections::BTreeSet<u64> =
            contenders.values().flat_map(|m| m.keys().copied()).collect();
        print!("  {:<28}", "contender");
        for p in &params {
            print!("{p:>12}");
        }
        println!();
        for (name, by_param) in contenders {
            print!("  {name:<28}");
            for p in &params {
                match by_param.get(p) {
                    Some(v) => print!("{v:>12.1}"),
                    None => print!("{:>12}", "-"),
                }
            }
            println!();
        }
        // Ratios of each taskscope contender to each peer, in this run.
        for (ours, our_values) in contenders.iter().filter(|(n, _)| n.starts_with("taskscope")) {
            for (peer, peer_values) in
                contenders.iter().filter(|(n, _)| !n.starts_with("taskscope"))
            {
                print!("  {:<28}", format!("{ours} / {peer}"));
                for p in &params {
                    match (our_values.get(p), peer_values.get(p)) {
                        (Some(a), Some(b)) => print!("{:>11.2}x", a / b),
                        _ => print!("{:>12}", "-"),
                    }
                }
                println!();
            }
        }
    }
    Ok(())
}

/// Walks criterion's output for `new/benchmark.json` + `new/estimates.json`.
fn collect(dir: &Path, table: &mut Table) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            let bench =
                fs::read_to_string(path.join("benchmark.json")).context("benchmark.json")?;
            let estimates =
                fs::read_to_string(path.join("estimates.json")).context("estimates.json")?;
            let group = json_str(&bench, "group_id").unwrap_or_default();
            let function = json_str(&bench, "function_id").unwrap_or_default();
            let param: u64 =
                json_str(&bench, "value_str").and_then(|v| v.parse().ok()).unwrap_or(1);
            let median = json_median(&estimates).unwrap_or(f64::NAN);
            let elements = json_elements(&bench).unwrap_or(1) as f64;
            table
                .entry(group)
                .or_default()
                .entry(function)
                .or_default()
                .insert(param, median / elements);
        } else {
            collect(&path, table)?;
        }
    }
    Ok(())
}

/// The string value of `"key":"value"` in criterion's compact JSON.
fn json_str(json: &str, key: &str) -> Option<String> {
    let at = json.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = json[at..].trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_owned())
}

/// `median.point_estimate` from criterion's estimates.json.
fn json_median(json: &str) -> Option<f64> {
    let at = json.find("\"median\"")?;
    let rest = &json[at..];
    let at = rest.find("\"point_estimate\":")? + "\"point_estimate\":".len();
    let rest = &rest[at..];
    let end = rest.find([',', '}'])?;
    rest[..end].trim().parse().ok()
}

/// The `Elements` throughput, if the bench declared one.
fn json_elements(json: &str) -> Option<u64> {
    let at = json.find("\"Elements\":")? + "\"Elements\":".len();
    let rest = &json[at..];
    let end = rest.find([',', '}'])?;
    rest[..end].trim().parse().ok()
}
