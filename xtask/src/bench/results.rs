//! Reading a run's results: criterion's `new/{benchmark,estimates}.json`
//! files and the memory bench's `memory/pending_children.json`.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

/// Every group measured, by group id (`area/variant`).
#[derive(Debug, Default)]
pub(crate) struct Results {
    pub(crate) groups: BTreeMap<String, Group>,
}

/// One criterion group (or the memory bench): contender -> parameter -> value.
#[derive(Debug)]
pub(crate) struct Group {
    pub(crate) unit: Unit,
    pub(crate) rows: BTreeMap<String, BTreeMap<Param, Value>>,
}

/// What a group's values measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Median ns per element (`Throughput::Elements`): per task or op.
    NsPerElement,
    /// Median ns per criterion iteration (no throughput declared).
    NsPerIteration,
    /// Median resident bytes per pending child (the memory bench).
    BytesPerChild,
}

/// One median, and whether it was written by the run the report describes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Value {
    pub(crate) value: f64,
    pub(crate) fresh: bool,
}

/// A bench parameter (criterion's `value_str`): numbers sort as numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Param(pub(crate) String);

impl Unit {
    /// The unit as a table header says it.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Unit::NsPerElement => "median ns per element (task or op)",
            Unit::NsPerIteration => "median ns per iteration",
            Unit::BytesPerChild => "median resident bytes per pending child",
        }
    }

    /// A short suffix for a single value.
    pub(crate) fn short(self) -> &'static str {
        match self {
            Unit::NsPerElement | Unit::NsPerIteration => "ns",
            Unit::BytesPerChild => "B",
        }
    }
}

impl Group {
    /// Contenders in display order: ours (`taskscope*`) first, then peers.
    pub(crate) fn contenders(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.rows.keys().map(String::as_str).collect();
        names.sort_by_key(|n| (!is_ours(n), *n));
        names
    }

    /// Every parameter any contender was measured with, in order.
    pub(crate) fn params(&self) -> Vec<&Param> {
        let mut params: Vec<&Param> = self.rows.values().flat_map(|m| m.keys()).collect();
        params.sort();
        params.dedup();
        params
    }

    pub(crate) fn get(&self, contender: &str, param: &Param) -> Option<Value> {
        self.rows.get(contender)?.get(param).copied()
    }

    /// The fastest (smallest) peer at `param` among those `keep` accepts,
    /// with its value.
    pub(crate) fn best_peer(
        &self,
        param: &Param,
        keep: impl Fn(&str) -> bool,
    ) -> Option<(&str, Value)> {
        self.rows
            .iter()
            .filter(|(name, _)| !is_ours(name) && keep(name))
            .filter_map(|(name, by_param)| Some((name.as_str(), *by_param.get(param)?)))
            .filter(|(_, v)| v.value.is_finite())
            .min_by(|a, b| a.1.value.total_cmp(&b.1.value))
    }

    /// Whether every value in the group comes from the reported run.
    pub(crate) fn is_fresh(&self) -> bool {
        self.rows.values().flat_map(|m| m.values()).all(|v| v.fresh)
    }
}

/// Our contenders are named `taskscope*`; everything else is a peer.
pub(crate) fn is_ours(contender: &str) -> bool {
    contender.starts_with("taskscope")
}

/// Peers that do less than ours (they poll the futures in place instead of
/// spawning them): shown as a floor, never taken as the best peer.
const FLOORS: [(&str, &str); 3] = [
    ("spawn_join/", "futures_unordered"),
    ("limit/", "buffer_unordered"),
    ("as_completed/", "futures_unordered"),
];

/// Whether `contender` is a floor in group `group_id` (see `FLOORS`).
pub(crate) fn is_floor(group_id: &str, contender: &str) -> bool {
    FLOORS.iter().any(|(prefix, name)| group_id.starts_with(prefix) && *name == contender)
}

impl Param {
    fn number(&self) -> Option<u64> {
        self.0.parse().ok()
    }
}

impl Ord for Param {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.number(), other.number()) {
            (Some(a), Some(b)) => a.cmp(&b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => self.0.cmp(&other.0),
        }
    }
}

impl PartialOrd for Param {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads everything under `criterion_dir`. A value is fresh when its file
/// was written at or after `since` (seconds since the epoch); with no
/// `since`, every value counts as fresh.
pub(crate) fn collect(criterion_dir: &Path, since: Option<u64>) -> Result<Results> {
    let mut results = Results::default();
    walk(criterion_dir, since, &mut results)?;
    read_memory(&criterion_dir.join("memory/pending_children.json"), since, &mut results)?;
    Ok(results)
}

/// Walks criterion's output for `new/benchmark.json` + `new/estimates.json`.
fn walk(dir: &Path, since: Option<u64>, results: &mut Results) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_none_or(|n| n != "new") {
            walk(&path, since, results)?;
            continue;
        }
        let (bench_file, estimates_file) =
            (path.join("benchmark.json"), path.join("estimates.json"));
        if !bench_file.is_file() || !estimates_file.is_file() {
            continue;
        }
        let bench = fs::read_to_string(&bench_file)
            .with_context(|| format!("reading {}", bench_file.display()))?;
        let estimates = fs::read_to_string(&estimates_file)
            .with_context(|| format!("reading {}", estimates_file.display()))?;
        let group = json_str(&bench, "group_id").unwrap_or_default();
        let function = json_str(&bench, "function_id").unwrap_or_else(|| group.clone());
        let param = Param(json_str(&bench, "value_str").unwrap_or_else(|| "1".to_owned()));
        let median = json_median(&estimates).unwrap_or(f64::NAN);
        let elements = json_number(&bench, "Elements");
        let unit = if elements.is_some() { Unit::NsPerElement } else { Unit::NsPerIteration };
        let value = Value {
            value: median / elements.unwrap_or(1.0),
            fresh: is_fresh(&estimates_file, since),
        };
        let group =
            results.groups.entry(group).or_insert_with(|| Group { unit, rows: BTreeMap::new() });
        group.rows.entry(function).or_default().insert(param, value);
    }
    Ok(())
}

/// The memory bench's medians, as one more group.
fn read_memory(file: &Path, since: Option<u64>, results: &mut Results) -> Result<()> {
    if !file.is_file() {
        return Ok(());
    }
    let json = fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let group_id = json_str(&json, "group").unwrap_or_else(|| "memory/pending_children".to_owned());
    let param = Param(json_number(&json, "elements").map_or("1".to_owned(), |n| format!("{n}")));
    let fresh = is_fresh(file, since);
    let mut group = Group { unit: Unit::BytesPerChild, rows: BTreeMap::new() };
    for entry in json.split("{\"contender\":").skip(1) {
        let entry = format!("{{\"contender\":{entry}");
        let (Some(name), Some(bytes)) =
            (json_str(&entry, "contender"), json_number(&entry, "bytes_per_element"))
        else {
            continue;
        };
        group.rows.entry(name).or_default().insert(param.clone(), Value { value: bytes, fresh });
    }
    if !group.rows.is_empty() {
        results.groups.insert(group_id, group);
    }
    Ok(())
}

fn is_fresh(file: &Path, since: Option<u64>) -> bool {
    let Some(since) = since else { return true };
    let written = fs::metadata(file)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    written + 1 >= since
}

/// Seconds since the epoch, now.
pub(crate) fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The string value of `"key":"value"` in compact JSON (no escapes).
pub(crate) fn json_str(json: &str, key: &str) -> Option<String> {
    let at = json.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = json[at..].trim_start().strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_owned())
}

/// The number value of `"key":number` in compact JSON.
pub(crate) fn json_number(json: &str, key: &str) -> Option<f64> {
    let at = json.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &json[at..];
    let end = rest.find([',', '}', ']'])?;
    rest[..end].trim().parse().ok()
}

/// `median.point_estimate` from criterion's estimates.json.
fn json_median(json: &str) -> Option<f64> {
    let at = json.find("\"median\"")?;
    json_number(&json[at..], "point_estimate")
}

#[cfg(test)]
mod tests {
    use super::{Param, json_median, json_number, json_str};

    #[test]
    fn params_sort_numbers_as_numbers_then_names() {
        let mut params: Vec<Param> =
            ["100000", "acquire", "1000", "10000"].map(|p| Param(p.to_owned())).to_vec();
        params.sort();
        let sorted: Vec<&str> = params.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(sorted, ["1000", "10000", "100000", "acquire"]);
    }

    #[test]
    fn reads_criterion_json() {
        let bench = r#"{"group_id":"spawn_join/current_thread","function_id":"taskscope","value_str":"1000","throughput":{"Elements":1000}}"#;
        assert_eq!(json_str(bench, "group_id").as_deref(), Some("spawn_join/current_thread"));
        assert_eq!(json_number(bench, "Elements"), Some(1000.0));
        let estimates = r#"{"mean":{"point_estimate":3.0},"median":{"confidence_interval":{"lower_bound":1.0},"point_estimate":2.5,"standard_error":0.1}}"#;
        assert_eq!(json_median(estimates), Some(2.5));
    }
}
