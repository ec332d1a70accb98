//! The report a person reads: `index.md` with the run's machine and load,
//! the target table, and per group a chart, the medians and the ratios.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use super::results::{Group, Results, Unit, is_floor, is_ours};
use super::run_info::RunInfo;
use super::svg::{self, number};
use super::targets::{self, Row};

/// What each area measures, shown under its groups.
const NOTES: [(&str, &str); 13] = [
    (
        "spawn_join/",
        "N trivial children spawned and joined from inside a spawned task. `taskscope` is a \
         scope that drops the handles; `vec_join_handle` is bare `tokio::spawn` + \
         `Vec<JoinHandle>` awaited in order (the floor); `join_all` awaits the same handles \
         through `futures::future::join_all` and is left out at 100k, where tokio's coop budget \
         makes it quadratic (DESIGN's known trap: seconds per iteration); `task_tracker` is \
         tokio-util's `TaskTracker` (close + wait, outputs dropped) and `task_tracker_token` adds \
         a `CancellationToken` clone selected against the work in every child, the recipe for \
         cancellable children; `futures_unordered` polls the futures in place without spawning \
         (no parallelism: a floor, not a like-for-like peer).",
    ),
    (
        "fail_fast/",
        "100k children parked forever, then one that fails: the time to spawn them, see the \
         failure, cancel every sibling and join. `join_set` is `JoinSet::abort_all` + drain, \
         `vec_join_handle` aborts and awaits each handle, `task_tracker_token` has the failing \
         child cancel a token that every child selects on.",
    ),
    (
        "observe/",
        "What naming (`spawn_named`), task tracking (`track_tasks`, the snapshots of issue 7), \
         slow-poll detection and per-child `tracing` spans (with a subscriber that enables \
         them) add per child, 10k children, against the bare group and the peers.",
    ),
    (
        "limit/",
        "100k trivial children, at most 64 at once. `taskscope_spawn` queues children lazily, \
         `taskscope_spawn_wait` waits for a slot before spawning; the peers acquire a tokio \
         `Semaphore` permit before each `tokio::spawn` (reaped through a `JoinSet`, or detached \
         and waited for by taking back all 64 permits), and `buffer_unordered(64)` runs them \
         without spawning.",
    ),
    (
        "gather/",
        "`gather` of 10k trivial futures (ordered results, spawned) against `join_all` over \
         `tokio::spawn`, awaiting a `Vec<JoinHandle>` in order, and a `JoinSet` with indices.",
    ),
    (
        "gather_local/",
        "`gather_local` of 10k trivial futures polled in place (no spawning) against \
         `FuturesUnordered` with indices and `try_join_all`.",
    ),
    (
        "scope_local/",
        "`scope_local` with 10k trivial children polled in the scope's own task, handles \
         dropped or awaited, against draining a `FuturesUnordered`.",
    ),
    (
        "scope_local_wake/",
        "10k local children parked on oneshot channels, then all woken at once: \
         `FuturesUnordered` re-polls its futures under tokio's coop budget, `scope_local` \
         polls only the children that were woken.",
    ),
    (
        "as_completed/",
        "`as_completed` over 10k trivial futures (spawned, completion order) against \
         `JoinSet::join_next`, `FuturesUnordered` over `JoinHandle`s and, as a floor that does \
         not spawn, `FuturesUnordered` over the futures themselves.",
    ),
    (
        "timeout/",
        "One `timeout` per iteration around a future that is ready at once, or that yields \
         once, against `tokio::time::timeout`, current-thread runtime.",
    ),
    (
        "semaphore/",
        "Acquire and release one permit (async and `try_`, borrowed and owned), and 64 tasks \
         taking 8 permits 16 times each (per iteration: 1,024 acquisitions), against \
         `tokio::sync::Semaphore`.",
    ),
    (
        "rate_limiter/",
        "One admission at a rate that never waits, against governor's direct limiter; \
         `rate_limiter/clock` is one read of tokio's clock, most of the gap (no DESIGN target).",
    ),
    (
        "queue/",
        "20,000 `u64`s through a queue bounded at 128, p producers × c consumers on a \
         two-thread runtime, against `async-channel` and tokio `mpsc` (its single receiver \
         shared behind a mutex when there are 4 consumers).",
    ),
];

const MEMORY_NOTE: &str = "Resident bytes per pending child: each contender runs in a fresh \
    process that spawns 100k children on a current-thread runtime, waits until every one has \
    been polled once and parked, and reads its resident set (`VmRSS`) before and after; the \
    median of three processes. Resident bytes include the allocator's overhead per allocation \
    (tokio aligns each task to 128 bytes) and tokio's run queue growing to 100k entries, the \
    same for every contender. `taskscope` drops the handles, `taskscope_handles` keeps them in \
    a `Vec` as `vec_join_handle` does.";

/// Writes `index.md` and the charts into `dir`, replacing the last report.
pub(crate) fn write(
    dir: &Path,
    criterion_dir: &Path,
    results: &Results,
    rows: &[Row],
    info: Option<&RunInfo>,
) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "svg") {
            fs::remove_file(&path)?;
        }
    }
    let mut md = String::new();
    header(&mut md, info, criterion_dir);
    targets_section(&mut md, rows);
    if !rows.is_empty() {
        fs::write(dir.join("targets.svg"), svg::targets_chart(rows))?;
    }
    md.push_str("## Every group\n\n");
    md.push_str(
        "Medians of this run; each ratio compares two contenders measured in the same run. \
         Our contenders are named `taskscope*`; below 1× is faster than the peer. A floor is a \
         peer that does less (polls the futures in place instead of spawning them): it shows \
         what spawning costs and is never taken as the best peer. Bars marked » are clipped \
         at four times the group's median.\n\n",
    );
    for (id, group) in &results.groups {
        let file = format!("{}.svg", id.replace('/', "-"));
        fs::write(dir.join(&file), svg::group_chart(id, group))?;
        let _ = writeln!(md, "### {id}\n");
        if let Some((_, note)) = NOTES.iter().find(|(prefix, _)| id.starts_with(prefix)) {
            let _ = writeln!(md, "{note}\n");
        }
        if group.unit == Unit::BytesPerChild {
            let _ = writeln!(md, "{MEMORY_NOTE}\n");
        }
        if !group.is_fresh() {
            md.push_str("**Some values here are from an earlier run** (marked †).\n\n");
        }
        let _ = writeln!(md, "![{id}]({file})\n");
        group_table(&mut md, id, group);
    }
    md.push_str(REPRODUCE);
    let index = dir.join("index.md");
    fs::write(&index, md).with_context(|| format!("writing {}", index.display()))
}

fn header(md: &mut String, info: Option<&RunInfo>, criterion_dir: &Path) {
    md.push_str("# taskscope benchmarks\n\n");
    md.push_str(
        "What taskscope costs against the code a user would otherwise write, measured side by \
         side in one run of `cargo xtask bench` (criterion medians; see DESIGN.md, \
         \"Performance targets\"). The machine is shared: its load average at the start and \
         the end of the run says how much to trust small differences.\n\n",
    );
    let Some(info) = info else {
        let _ = writeln!(
            md,
            "No run information was saved in `{}` (run `cargo xtask bench` once); the \
             values below are whatever criterion last wrote.\n",
            criterion_dir.display()
        );
        return;
    };
    let filters = if info.filters.is_empty() { "none".to_owned() } else { info.filters.clone() };
    let _ = writeln!(md, "| run | |\n|---|---|");
    let _ = writeln!(md, "| started | {} (took {}) |", info.started_text(), info.duration_text());
    let _ = writeln!(md, "| filters | {filters} |");
    let _ = writeln!(md, "| commit | {} |", info.commit);
    let _ =
        writeln!(md, "| machine | {}, {}, {}, {} |", info.cpu, info.cores, info.memory, info.os);
    let _ = writeln!(
        md,
        "| load average (1, 5, 15 min) | {} at the start, {} at the end |",
        info.load_start, info.load_end
    );
    let _ = writeln!(md, "| toolchain | {} |\n", info.rustc);
}

fn targets_section(md: &mut String, rows: &[Row]) {
    md.push_str("## Targets\n\n");
    if rows.is_empty() {
        md.push_str("No measurement in this run checks a target.\n\n");
        return;
    }
    let met = rows.iter().filter(|r| r.met()).count();
    let _ = writeln!(
        md,
        "{met} of {} checks met. Each row compares one of our contenders with the fastest of \
         the target's peers at one parameter.\n\n![targets](targets.svg)\n",
        rows.len()
    );
    md.push_str("| | target | source | group | N | ours | peer | measured | bound |\n");
    md.push_str("|---|---|---|---|---|---|---|---|---|\n");
    for row in rows {
        let unit =
            if row.target.groups.iter().any(|g| g.starts_with("memory")) { "B" } else { "ns" };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | `{}` {} {unit} | `{}` {} {unit} | {}{} | {} |",
            if row.met() { "✅" } else { "❌" },
            row.target.text,
            row.target.source,
            row.group,
            row.param,
            row.ours,
            number(row.ours_value.value),
            row.peer,
            number(row.peer_value.value),
            row.measure_text(),
            if row.fresh() { "" } else { " †" },
            row.bound_text(),
        );
    }
    md.push('\n');
    let unchecked = targets::unchecked(rows);
    if !unchecked.is_empty() {
        md.push_str("Not checked by this run (no measurement):\n\n");
        for target in unchecked {
            let _ = writeln!(md, "- {} ({})", target.text, target.source);
        }
        md.push('\n');
    }
}

fn group_table(md: &mut String, id: &str, group: &Group) {
    let params = group.params();
    let _ = write!(md, "| {} |", group.unit.label());
    for p in &params {
        let _ = write!(md, " {p} |");
    }
    md.push_str("\n|---|");
    md.push_str(&"---:|".repeat(params.len()));
    md.push('\n');
    let contenders = group.contenders();
    for name in &contenders {
        let shown = if is_ours(name) {
            format!("**`{name}`**")
        } else if is_floor(id, name) {
            format!("`{name}` (floor: no spawning)")
        } else {
            format!("`{name}`")
        };
        let _ = write!(md, "| {shown} |");
        for p in &params {
            match group.get(name, p) {
                Some(v) => {
                    let _ = write!(md, " {}{} |", number(v.value), if v.fresh { "" } else { " †" });
                }
                None => md.push_str(" - |"),
            }
        }
        md.push('\n');
    }
    for ours in contenders.iter().filter(|c| is_ours(c)) {
        for peer in contenders.iter().filter(|c| !is_ours(c)) {
            let _ = write!(md, "| `{ours}` ÷ `{peer}` |");
            for p in &params {
                match (group.get(ours, p), group.get(peer, p)) {
                    (Some(a), Some(b)) => {
                        let _ = write!(md, " {:.2}× |", a.value / b.value);
                    }
                    _ => md.push_str(" - |"),
                }
            }
            md.push('\n');
        }
    }
    md.push('\n');
}

const REPRODUCE: &str = "## Reproduce\n\n\
```sh\n\
cargo xtask bench              # build in release, run every bench, write this report\n\
cargo xtask bench spawn_join   # only the benches matching a criterion filter\n\
cargo xtask bench --report     # rewrite this report from the last run's files\n\
cargo xtask bench --quick      # only prove that every bench runs (dev profile, once each)\n\
```\n\n\
Criterion's own output stays in the `criterion` directory of the cargo target directory \
(`$CRITERION_HOME` if set), this report in its `bench-report` directory; both follow \
`$CARGO_TARGET_DIR`. Values marked † were not written by the run described at the top \
(a filtered run keeps the older ones).\n";
