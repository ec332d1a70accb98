//! `tidy`: repository rules that neither rustc nor clippy checks.
//!
//! Each rule names the file and line it objects to. The same checks run as
//! a `#[test]` of this crate (see `main.rs`), so `cargo test` catches them.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Doc headings whose relative order is fixed, as STYLE.md says.
const ORDERED_HEADINGS: [&str; 4] = ["Examples", "Cancel safety", "Panics", "Errors"];

/// How a `# Cancel safety` section may begin (STYLE.md's forms).
const CANCEL_SAFETY_FORMS: [&str; 6] = [
    "This method is cancel safe",
    "This function is cancel safe",
    "This future is cancel safe",
    "Not cancel safe",
    "Cancel safe",
    "Dropping",
];

/// Which internal crates each package may depend on (normal dependencies).
const ALLOWED_DEPS: [(&str, &[&str]); 7] = [
    ("taskscope-tests", &["taskscope"]),
    ("taskscope-error-group", &[]),
    ("taskscope-timeout", &["taskscope-error-group"]),
    ("taskscope-semaphore", &["taskscope-error-group"]),
    (
        "taskscope-task-group",
        &["taskscope-error-group", "taskscope-timeout", "taskscope-semaphore"],
    ),
    (
        "taskscope-queue",
        &[
            "taskscope-error-group",
            "taskscope-timeout",
            "taskscope-semaphore",
            "taskscope-task-group",
        ],
    ),
    (
        "taskscope",
        &[
            "taskscope-error-group",
            "taskscope-timeout",
            "taskscope-semaphore",
            "taskscope-task-group",
            "taskscope-queue",
        ],
    ),
];

const CHANGELOG_SECTIONS: [&str; 6] =
    ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"];

/// Runs every rule and reports all violations at once.
pub(crate) fn run(root: &Path) -> Result<()> {
    let mut problems = Vec::new();
    let sources = rust_files(root)?;
    for file in &sources {
        let text =
            fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let rel = file.strip_prefix(root).unwrap_or(file).display().to_string();
        check_first_line(&rel, &text, &mut problems);
        if rel.starts_with("crates/") && rel.contains("/src/") {
            check_doc_headings(&rel, &text, &mut problems);
            check_cancel_safety(&rel, &text, &mut problems);
        }
        if rel.ends_with("src/lib.rs") && !text.contains("#![forbid(unsafe_code)]") {
            problems.push(format!("{rel}: lib.rs must contain `#![forbid(unsafe_code)]`"));
        }
    }
    check_manifests(root, &mut problems)?;
    check_changelog(root, &mut problems)?;
    if problems.is_empty() {
        return Ok(());
    }
    for problem in &problems {
        eprintln!("tidy: {problem}");
    }
    bail!("tidy found {} problem(s)", problems.len())
}

/// Every `.rs` file of the crates, the tests package and xtask.
fn rust_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for dir in ["crates", "tests", "xtask"] {
        walk(&root.join(dir), &mut out)?;
    }
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Rule: every Rust file starts with a `//!` line saying what it holds.
fn check_first_line(rel: &str, text: &str, problems: &mut Vec<String>) {
    let first = text.lines().next().unwrap_or("");
    if !first.starts_with("//! ") || first.trim() == "//!" {
        problems.push(format!("{rel}:1: a Rust file must start with a one-line `//!` summary"));
    }
}

/// A run of doc-comment lines, with the line number of its first line.
struct DocBlock {
    start: usize,
    lines: Vec<String>,
    /// The first code line after the block (the documented item).
    item: String,
    /// The item's signature, up to its body or `where` clause.
    signature: String,
}

fn doc_blocks(text: &str) -> Vec<DocBlock> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        if !(trimmed.starts_with("///") || trimmed.starts_with("//!")) {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut doc = Vec::new();
        while i < lines.len() {
            let t = lines[i].trim_start();
            let body = t.strip_prefix("///").or_else(|| t.strip_prefix("//!"));
            match body {
                Some(b) => doc.push(b.strip_prefix(' ').unwrap_or(b).to_owned()),
                None => break,
            }
            i += 1;
        }
        // Skip attributes to reach the item itself.
        let mut j = i;
        while j < lines.len() && lines[j].trim_start().starts_with("#[") {
            j += 1;
        }
        let item = lines.get(j).map(|l| l.trim().to_owned()).unwrap_or_default();
        let mut signature = String::new();
        for line in lines.iter().skip(j).take(12) {
            signature.push_str(line.trim());
            signature.push(' ');
            let t = line.trim_end();
            if t.ends_with('{') || t.ends_with(';') || line.trim_start().starts_with("where") {
                break;
            }
        }
        blocks.push(DocBlock { start, lines: doc, item, signature });
    }
    blocks
}

/// The `# Heading` lines of a doc block outside code fences, with offsets.
fn headings(block: &DocBlock) -> Vec<(usize, String)> {
    let mut in_code = false;
    let mut out = Vec::new();
    for (k, line) in block.lines.iter().enumerate() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            if let Some(h) = line.strip_prefix("# ") {
                out.push((k, h.trim().to_owned()));
            }
        }
    }
    out
}

/// Rule: `# Examples`, `# Cancel safety`, `# Panics`, `# Errors` appear in
/// that order when present.
fn check_doc_headings(rel: &str, text: &str, problems: &mut Vec<String>) {
    for block in doc_blocks(text) {
        let order: Vec<usize> = headings(&block)
            .iter()
            .filter_map(|(_, h)| ORDERED_HEADINGS.iter().position(|o| o == h))
            .collect();
        if order.windows(2).any(|w| w[0] >= w[1]) {
            problems.push(format!(
                "{rel}:{}: doc headings must be in the order {:?} (found {:?})",
                block.start,
                ORDERED_HEADINGS,
                order.iter().map(|&i| ORDERED_HEADINGS[i]).collect::<Vec<_>>()
            ));
        }
    }
}

/// Rule: every public `async fn`, every public fn returning a future, and
/// every public named future has a `# Cancel safety` section in one of
/// the agreed forms.
fn check_cancel_safety(rel: &str, text: &str, problems: &mut Vec<String>) {
    let futures: Vec<String> = text
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let rest = l.strip_prefix("impl")?;
            let after = rest.split(" Future for ").nth(1)?;
            let name: String =
                after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            (!name.is_empty()).then_some(name)
        })
        .collect();
    for block in doc_blocks(text) {
        let item = &block.item;
        let sig = &block.signature;
        let is_pub_fn = item.starts_with("pub fn ") || item.starts_with("pub async fn ");
        let returns_future =
            item.starts_with("pub async fn ") || (is_pub_fn && sig.contains("impl Future"));
        let names_future = futures.iter().any(|f| {
            item.starts_with(&format!("pub struct {f}<"))
                || item.starts_with(&format!("pub struct {f} "))
        });
        if !(returns_future || names_future) {
            continue;
        }
        let heads = headings(&block);
        let Some((at, _)) = heads.iter().find(|(_, h)| h == "Cancel safety") else {
            problems.push(format!(
                "{rel}:{}: `{item}` returns a future but has no `# Cancel safety` section",
                block.start
            ));
            continue;
        };
        let first =
            block.lines[at + 1..].iter().map(|l| l.trim()).find(|l| !l.is_empty()).unwrap_or("");
        if !CANCEL_SAFETY_FORMS.iter().any(|f| first.starts_with(f)) {
            problems.push(format!(
                "{rel}:{}: `# Cancel safety` of `{item}` must start with one of {CANCEL_SAFETY_FORMS:?}",
                block.start
            ));
        }
    }
}

/// Rules for manifests: workspace lints everywhere; internal dependencies
/// through `workspace = true` and only along the allowed edges.
fn check_manifests(root: &Path, problems: &mut Vec<String>) -> Result<()> {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED_DEPS.iter().copied().collect();
    let mut manifests = vec![root.join("tests/Cargo.toml"), root.join("xtask/Cargo.toml")];
    for entry in fs::read_dir(root.join("crates"))? {
        let dir = entry?.path();
        if dir.join("Cargo.toml").exists() {
            let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            let manifest = dir.join("Cargo.toml");
            let text = fs::read_to_string(&manifest)?;
            if !text.contains(&format!("name = \"{name}\"")) {
                problems.push(format!(
                    "crates/{name}/Cargo.toml: the package must be named like its directory"
                ));
            }
            manifests.push(manifest);
        }
    }
    for manifest in manifests {
        let rel = manifest.strip_prefix(root).unwrap_or(&manifest).display().to_string();
        let text = fs::read_to_string(&manifest)?;
        if !text.contains("[lints]\nworkspace = true") {
            problems.push(format!("{rel}: must have `[lints]` with `workspace = true`"));
        }
        let package = text
            .lines()
            .find_map(|l| l.strip_prefix("name = \"").and_then(|r| r.strip_suffix('"')))
            .unwrap_or_default()
            .to_owned();
        let mut section = String::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.starts_with('[') {
                section = line.to_owned();
                continue;
            }
            let Some(dep) =
                line.split(['.', ' ', '=']).next().filter(|d| d.starts_with("taskscope"))
            else {
                continue;
            };
            if !line.contains("workspace = true") {
                problems.push(format!(
                    "{rel}:{}: internal dependency `{dep}` must use `workspace = true`",
                    n + 1
                ));
            }
            if section == "[dependencies]" {
                let ok = allowed.get(package.as_str()).is_some_and(|a| a.contains(&dep));
                if !ok {
                    problems.push(format!(
                        "{rel}:{}: `{package}` may not depend on `{dep}` (see ALLOWED_DEPS in xtask/src/tidy.rs)",
                        n + 1
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Rule: CHANGELOG.md follows Keep a Changelog.
fn check_changelog(root: &Path, problems: &mut Vec<String>) -> Result<()> {
    let text = fs::read_to_string(root.join("CHANGELOG.md")).context("reading CHANGELOG.md")?;
    let mut lines = text.lines().enumerate();
    if lines.next().map(|(_, l)| l) != Some("# Changelog") {
        problems.push("CHANGELOG.md:1: must start with `# Changelog`".to_owned());
    }
    let mut releases = 0;
    for (n, line) in lines {
        let at = format!("CHANGELOG.md:{}", n + 1);
        if let Some(release) = line.strip_prefix("## ") {
            releases += 1;
            if releases == 1 && release != "[Unreleased]" {
                problems.push(format!("{at}: the first release section must be `## [Unreleased]`"));
            }
            if releases > 1 && !is_release_heading(release) {
                problems
                    .push(format!("{at}: release headings look like `## [0.1.0] - 2026-01-31`"));
            }
        } else if let Some(section) = line.strip_prefix("### ") {
            if !CHANGELOG_SECTIONS.contains(&section) {
                problems
                    .push(format!("{at}: `### {section}` is not one of {CHANGELOG_SECTIONS:?}"));
            }
        } else if let Some(bullet) = line.strip_prefix("- ") {
            let area = bullet.split(':').next().unwrap_or("");
            let area_ok = !area.is_empty()
                && area.len() < 24
                && area.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c == '_');
            if !area_ok {
                problems.push(format!(
                    "{at}: bullets start with the crate area, as in `- timeout: ...`"
                ));
            }
        }
    }
    if releases == 0 {
        problems.push("CHANGELOG.md: needs a `## [Unreleased]` section".to_owned());
    }
    Ok(())
}

fn is_release_heading(h: &str) -> bool {
    let Some((version, date)) = h.split_once("] - ") else { return false };
    let version_ok = version.strip_prefix('[').is_some_and(|v| v.split('.').count() == 3);
    let d: Vec<&str> = date.split('-').collect();
    let date_ok = d.len() == 3
        && d[0].len() == 4
        && d[1].len() == 2
        && d[2].len() == 2
        && d.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()));
    version_ok && date_ok
}
