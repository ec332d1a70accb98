//! What the report says about a run: when, on which machine, under what
//! load, at which commit; saved next to criterion's output so that
//! `bench --report` can describe the last run without re-running it.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use super::results::now_unix;

/// The file, inside the criterion directory, that holds the last run's info.
const FILE: &str = "taskscope-run.txt";

#[derive(Debug, Default)]
pub(crate) struct RunInfo {
    /// Seconds since the epoch when the benches started.
    pub(crate) started: u64,
    pub(crate) duration_secs: u64,
    /// `/proc/loadavg`'s 1, 5 and 15 minute averages.
    pub(crate) load_start: String,
    pub(crate) load_end: String,
    pub(crate) cpu: String,
    pub(crate) cores: String,
    pub(crate) memory: String,
    pub(crate) os: String,
    pub(crate) rustc: String,
    pub(crate) commit: String,
    /// The criterion filters the run was given, if any.
    pub(crate) filters: String,
}

impl RunInfo {
    /// Describes the machine and the load now, as the run starts.
    pub(crate) fn start(filters: &[&str]) -> RunInfo {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown CPU".to_owned(), |(_, v)| v.trim().to_owned());
        let logical = std::thread::available_parallelism().map_or(0, |n| n.get());
        let memory = fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                let line = m.lines().find(|l| l.starts_with("MemTotal:"))?.to_owned();
                let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
                Some(format!("{:.1} GiB RAM", kib / 1024.0 / 1024.0))
            })
            .unwrap_or_default();
        let os = fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|r| format!("Linux {}", r.trim()))
            .unwrap_or_else(|_| std::env::consts::OS.to_owned());
        let dirty = output("git", &["status", "--porcelain", "--untracked-files=no"])
            .is_some_and(|s| !s.is_empty());
        let commit = output("git", &["rev-parse", "--short", "HEAD"]).map_or_else(
            || "unknown".to_owned(),
            |c| if dirty { format!("{c} with uncommitted changes") } else { c },
        );
        RunInfo {
            started: now_unix(),
            duration_secs: 0,
            load_start: load_average(),
            load_end: String::new(),
            cpu,
            cores: format!("{logical} logical cores available"),
            memory,
            os,
            rustc: output("rustc", &["--version"]).unwrap_or_default(),
            commit,
            filters: filters.join(" "),
        }
    }

    /// Records the load and the time taken, as the run ends.
    pub(crate) fn finish(&mut self) {
        self.load_end = load_average();
        self.duration_secs = now_unix().saturating_sub(self.started);
    }

    pub(crate) fn save(&self, criterion_dir: &Path) -> Result<()> {
        fs::create_dir_all(criterion_dir)?;
        let text = [
            ("started", self.started.to_string()),
            ("duration_secs", self.duration_secs.to_string()),
            ("load_start", self.load_start.clone()),
            ("load_end", self.load_end.clone()),
            ("cpu", self.cpu.clone()),
            ("cores", self.cores.clone()),
            ("memory", self.memory.clone()),
            ("os", self.os.clone()),
            ("rustc", self.rustc.clone()),
            ("commit", self.commit.clone()),
            ("filters", self.filters.clone()),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}\n", v.replace('\n', " ")))
        .collect::<String>();
        let path = criterion_dir.join(FILE);
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    }

    /// The last run's info, if a full run saved one.
    pub(crate) fn load(criterion_dir: &Path) -> Option<RunInfo> {
        let text = fs::read_to_string(criterion_dir.join(FILE)).ok()?;
        let mut info = RunInfo::default();
        for line in text.lines() {
            let Some((key, value)) = line.split_once('=') else { continue };
            let value = value.to_owned();
            match key {
                "started" => info.started = value.parse().unwrap_or(0),
                "duration_secs" => info.duration_secs = value.parse().unwrap_or(0),
                "load_start" => info.load_start = value,
                "load_end" => info.load_end = value,
                "cpu" => info.cpu = value,
                "cores" => info.cores = value,
                "memory" => info.memory = value,
                "os" => info.os = value,
                "rustc" => info.rustc = value,
                "commit" => info.commit = value,
                "filters" => info.filters = value,
                _ => {}
            }
        }
        Some(info)
    }

    /// `2026-05-02 10:04 UTC`.
    pub(crate) fn started_text(&self) -> String {
        utc(self.started)
    }

    /// `6 min 12 s`.
    pub(crate) fn duration_text(&self) -> String {
        let (m, s) = (self.duration_secs / 60, self.duration_secs % 60);
        if m == 0 { format!("{s} s") } else { format!("{m} min {s} s") }
    }
}

/// `/proc/loadavg`'s first three fields, or `unknown`.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// A command's trimmed stdout, if it ran and succeeded.
fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Seconds since the epoch as a UTC date and time (days-to-civil, as in
/// Howard Hinnant's date algorithms).
fn utc(secs: u64) -> String {
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", rest / 3_600, rest % 3_600 / 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(super::utc(1_700_000_000), "2023-11-14 22:13 UTC");
    }
}
