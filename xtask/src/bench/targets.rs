//! The performance targets of DESIGN.md (and the issues' own), checked
//! against a run's medians, one row per group, parameter and contender.

use super::results::{Group, Param, Results, Value};

/// One target: our contenders in some groups against the best of some peers.
#[derive(Debug)]
pub(crate) struct Target {
    /// The target as DESIGN.md or the issue words it.
    pub(crate) text: &'static str,
    /// Where it is written down.
    pub(crate) source: &'static str,
    /// Group ids it applies to, as prefixes (`spawn_join/` is both runtimes).
    pub(crate) groups: &'static [&'static str],
    /// Our contenders it constrains; each gets its own row.
    pub(crate) ours: &'static [&'static str],
    /// The peers it compares with; the fastest of them present is used.
    pub(crate) peers: &'static [&'static str],
    pub(crate) check: Check,
}

/// How ours and the peer's medians are compared.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Check {
    /// ours / peer time per element at most this.
    TimeAtMost(f64),
    /// peer / ours time (ours' throughput relative to the peer's) at least this.
    ThroughputAtLeast(f64),
    /// ours - peer bytes per child at most this.
    BytesOverAtMost(f64),
}

/// The targets, in DESIGN.md's order, then the issues' own.
pub(crate) const TARGETS: &[Target] = &[
    Target {
        text: "spawn + join of N trivial children ≤ 1.0× `JoinSet`",
        source: "DESIGN",
        groups: &["spawn_join/"],
        ours: &["taskscope"],
        peers: &["join_set"],
        check: Check::TimeAtMost(1.0),
    },
    Target {
        text: "spawn + join of N trivial children ≤ 1.3× bare `Vec<JoinHandle>`",
        source: "DESIGN",
        groups: &["spawn_join/"],
        ours: &["taskscope"],
        peers: &["vec_join_handle"],
        check: Check::TimeAtMost(1.3),
    },
    Target {
        text: "fail-fast over 100k siblings ≤ 1.0× `JoinSet::abort_all` + drain",
        source: "DESIGN",
        groups: &["fail_fast/"],
        ours: &["taskscope"],
        peers: &["join_set"],
        check: Check::TimeAtMost(1.0),
    },
    Target {
        text: "`limit(64)` over 100k children ≤ 1.0× tokio `Semaphore` + spawn",
        source: "DESIGN",
        groups: &["limit/"],
        ours: &["taskscope_spawn", "taskscope_spawn_wait"],
        peers: &["tokio_semaphore_spawn", "tokio_semaphore_join_set"],
        check: Check::TimeAtMost(1.0),
    },
    Target {
        text: "memory per pending child ≤ `Vec<JoinHandle>` + 32 bytes",
        source: "DESIGN",
        groups: &["memory/"],
        ours: &["taskscope", "taskscope_handles"],
        peers: &["vec_join_handle"],
        check: Check::BytesOverAtMost(32.0),
    },
    Target {
        text: "`scope_local` / `gather` without spawning ≤ 1.3× `FuturesUnordered`",
        source: "DESIGN",
        groups: &["scope_local/", "scope_local_wake/", "gather_local/"],
        ours: &["taskscope_scope_local", "taskscope_scope_local_handles", "taskscope_gather_local"],
        peers: &["futures_unordered"],
        check: Check::TimeAtMost(1.3),
    },
    Target {
        text: "`timeout` around a ready future ≤ 1.1× `tokio::time::timeout`",
        source: "DESIGN",
        groups: &["timeout/ready"],
        ours: &["taskscope"],
        peers: &["tokio"],
        check: Check::TimeAtMost(1.1),
    },
    Target {
        text: "semaphore acquire/release ≤ 1.1× `tokio::sync::Semaphore`",
        source: "issue 4",
        groups: &["semaphore/"],
        ours: &["taskscope"],
        peers: &["tokio"],
        check: Check::TimeAtMost(1.1),
    },
    Target {
        text: "queue throughput ≥ 0.8× the faster of `async-channel` and tokio `mpsc`",
        source: "issue 6",
        groups: &["queue/"],
        ours: &["taskscope"],
        peers: &["async_channel", "tokio_mpsc"],
        check: Check::ThroughputAtLeast(0.8),
    },
    Target {
        text: "`gather` ≤ 1.25× the fastest spawning peer",
        source: "issue 5, an aim",
        groups: &["gather/"],
        ours: &["taskscope_gather"],
        peers: &["join_all_spawn", "vec_join_handle", "join_set"],
        check: Check::TimeAtMost(1.25),
    },
    Target {
        text: "`as_completed` ≤ 1.25× the fastest spawning peer",
        source: "issue 5, an aim",
        groups: &["as_completed/"],
        ours: &["taskscope_as_completed"],
        peers: &["join_set", "futures_unordered_spawn"],
        check: Check::TimeAtMost(1.25),
    },
];

/// One checked measurement.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) target: &'static Target,
    pub(crate) group: String,
    pub(crate) param: Param,
    pub(crate) ours: String,
    pub(crate) ours_value: Value,
    pub(crate) peer: String,
    pub(crate) peer_value: Value,
}

impl Row {
    /// What is compared with the bound: a time ratio, a throughput ratio
    /// or a byte difference.
    pub(crate) fn measure(&self) -> f64 {
        let (ours, peer) = (self.ours_value.value, self.peer_value.value);
        match self.target.check {
            Check::TimeAtMost(_) => ours / peer,
            Check::ThroughputAtLeast(_) => peer / ours,
            Check::BytesOverAtMost(_) => ours - peer,
        }
    }

    pub(crate) fn met(&self) -> bool {
        let m = self.measure();
        match self.target.check {
            Check::TimeAtMost(bound) | Check::BytesOverAtMost(bound) => m <= bound,
            Check::ThroughputAtLeast(bound) => m >= bound,
        }
    }

    /// How far along the bound we are: 1.0 is exactly at the target,
    /// below 1.0 is inside it (for a chart on one scale).
    pub(crate) fn share_of_bound(&self) -> f64 {
        let (ours, peer) = (self.ours_value.value, self.peer_value.value);
        match self.target.check {
            Check::TimeAtMost(bound) => ours / peer / bound,
            Check::ThroughputAtLeast(bound) => bound * ours / peer,
            Check::BytesOverAtMost(bound) => ours / (peer + bound),
        }
    }

    /// The measure, formatted: `0.62×`, `throughput 0.91×`, `+128.4 B`.
    pub(crate) fn measure_text(&self) -> String {
        let m = self.measure();
        match self.target.check {
            Check::TimeAtMost(_) => format!("{m:.2}×"),
            Check::ThroughputAtLeast(_) => format!("{m:.2}× throughput"),
            Check::BytesOverAtMost(_) => format!("{m:+.1} B"),
        }
    }

    /// The bound, formatted: `≤ 1.0×`, `≥ 0.8×`, `≤ +32 B`.
    pub(crate) fn bound_text(&self) -> String {
        match self.target.check {
            Check::TimeAtMost(b) => format!("≤ {b}×"),
            Check::ThroughputAtLeast(b) => format!("≥ {b}×"),
            Check::BytesOverAtMost(b) => format!("≤ +{b} B"),
        }
    }

    pub(crate) fn fresh(&self) -> bool {
        self.ours_value.fresh && self.peer_value.fresh
    }
}

/// Every row the results allow, in target order, then group and parameter.
pub(crate) fn evaluate(results: &Results) -> Vec<Row> {
    let mut rows = Vec::new();
    for target in TARGETS {
        for (group_id, group) in &results.groups {
            if target.groups.iter().any(|prefix| group_id.starts_with(prefix)) {
                rows_for(target, group_id, group, &mut rows);
            }
        }
    }
    rows
}

fn rows_for(target: &'static Target, group_id: &str, group: &Group, rows: &mut Vec<Row>) {
    for param in group.params() {
        let Some((peer, peer_value)) = group.best_peer(param, |name| target.peers.contains(&name))
        else {
            continue;
        };
        for ours in target.ours {
            let Some(ours_value) = group.get(ours, param) else { continue };
            rows.push(Row {
                target,
                group: group_id.to_owned(),
                param: param.clone(),
                ours: (*ours).to_owned(),
                ours_value,
                peer: peer.to_owned(),
                peer_value,
            });
        }
    }
}

/// Targets that no measurement of the results checks.
pub(crate) fn unchecked(rows: &[Row]) -> Vec<&'static Target> {
    TARGETS.iter().filter(|t| !rows.iter().any(|r| std::ptr::eq(r.target, *t))).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::evaluate;
    use crate::bench::results::{Group, Param, Results, Unit, Value};

    fn group(unit: Unit, values: &[(&str, f64)]) -> Group {
        let mut rows = BTreeMap::new();
        for (name, value) in values {
            let by_param: BTreeMap<Param, Value> =
                [(Param("1000".to_owned()), Value { value: *value, fresh: true })].into();
            rows.insert((*name).to_owned(), by_param);
        }
        Group { unit, rows }
    }

    #[test]
    fn rows_compare_with_the_named_peer_and_the_fastest_of_several() {
        let mut results = Results::default();
        let spawn = [("taskscope", 300.0), ("join_set", 400.0), ("vec_join_handle", 200.0)];
        results.groups.insert("spawn_join/x".to_owned(), group(Unit::NsPerElement, &spawn));
        let queue = [("taskscope", 100.0), ("async_channel", 90.0), ("tokio_mpsc", 70.0)];
        results.groups.insert("queue/1p1c".to_owned(), group(Unit::NsPerElement, &queue));
        let memory = [("taskscope", 380.0), ("vec_join_handle", 340.0)];
        results.groups.insert("memory/x".to_owned(), group(Unit::BytesPerChild, &memory));
        let rows = evaluate(&results);
        let summary: Vec<(String, String, bool)> =
            rows.iter().map(|r| (r.peer.clone(), r.measure_text(), r.met())).collect();
        assert_eq!(
            summary,
            [
                ("join_set".to_owned(), "0.75×".to_owned(), true),
                ("vec_join_handle".to_owned(), "1.50×".to_owned(), false),
                ("vec_join_handle".to_owned(), "+40.0 B".to_owned(), false),
                ("tokio_mpsc".to_owned(), "0.70× throughput".to_owned(), false),
            ]
        );
    }
}
