//! Property test: random towers of nested timeouts (some reschedulable,
//! some shielding what is inside) around a future that finishes at a random
//! time or never. Checked on every case: who reports, with which deadline,
//! and when — against a model of the rules written independently of the
//! implementation.

use std::cell::RefCell;
use std::future::pending;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use proptest::prelude::*;
use taskscope_timeout::{Elapsed, Timeout, shield, timeout_at};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep};

/// One level of the tower, outermost first.
#[derive(Debug, Clone)]
struct Level {
    /// Deadline in ms from the start.
    deadline: u64,
    /// Reschedulable through a handle (moved once, at `moved_at`, to
    /// `moved_to`) or a plain `timeout_at`.
    reschedule: Option<(u64, u64)>,
    /// Whether the inside of this level is shielded from the levels above.
    shield_inside: bool,
}

/// The result of the tower: which level reported, at what deadline, or the
/// future's completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    Reported { level: usize, deadline: u64 },
}

type Tower = Pin<Box<dyn Future<Output = Outcome>>>;

/// The tasks that move deadlines, joined after the tower completes (joining
/// them inside it would add a wait of its own).
type Movers = Rc<RefCell<Vec<JoinHandle<()>>>>;

fn build(
    levels: &[Level],
    index: usize,
    start: Instant,
    finish: Option<u64>,
    movers: &Movers,
) -> Tower {
    let Some(level) = levels.get(index) else {
        return Box::pin(async move {
            match finish {
                Some(at) => sleep(Duration::from_millis(at)).await,
                None => pending::<()>().await,
            }
            Outcome::Done
        });
    };
    let mut inner = build(levels, index + 1, start, finish, movers);
    if level.shield_inside {
        inner = Box::pin(shield(inner));
    }
    let deadline = start + Duration::from_millis(level.deadline);
    let ms_since = move |e: Elapsed| (e.deadline() - start).as_millis() as u64;
    match level.reschedule {
        None => Box::pin(async move {
            match timeout_at(deadline, inner).await {
                Ok(outcome) => outcome,
                Err(e) => Outcome::Reported { level: index, deadline: ms_since(e) },
            }
        }),
        Some((moved_at, moved_to)) => {
            let movers = movers.clone();
            Box::pin(async move {
                let timer = Timeout::at(deadline);
                let handle = timer.handle();
                movers.borrow_mut().push(tokio::spawn(async move {
                    sleep(Duration::from_millis(moved_at)).await;
                    handle.reschedule(start + Duration::from_millis(moved_to));
                }));
                match timer.run(inner).await {
                    Ok(outcome) => outcome,
                    Err(e) => Outcome::Reported { level: index, deadline: ms_since(e) },
                }
            })
        }
    }
}

/// The rules, as a discrete-time model: returns the outcome and the time
/// (ms) at which the tower completes.
///
/// A shield cuts the tower into segments. The part below a shield runs on
/// its own (its timeouts see nothing above it) and, to the levels above,
/// is just a future that completes at some time. Within a segment, each
/// millisecond: the future below is polled first and, if it completes,
/// wins over deadlines passing at that same instant; then every level whose
/// (possibly moved) deadline has passed fires, for good; the outermost
/// fired level reports, unless the segment ends in a shield, which holds it
/// open until the part below completes — then the outermost level expired
/// by that time reports.
fn model(levels: &[Level], from: usize, finish: Option<u64>) -> (Outcome, u64) {
    let shield = (from..levels.len()).find(|&i| levels[i].shield_inside);
    let end = shield.map_or(levels.len(), |i| i + 1);
    let below = match shield {
        Some(i) => Some(model(levels, i + 1, finish)),
        None => finish.map(|at| (Outcome::Done, at)),
    };
    let deadline_at = |i: usize, t: u64| match levels[i].reschedule {
        Some((moved_at, moved_to)) if t >= moved_at => moved_to,
        _ => levels[i].deadline,
    };
    let mut fired: Vec<Option<u64>> = vec![None; levels.len()];
    for t in 0..=HORIZON {
        let held_open = (from..end).any(|i| fired[i].is_some());
        for (i, fired) in fired.iter_mut().enumerate().take(end).skip(from) {
            if fired.is_none() && deadline_at(i, t) <= t {
                *fired = Some(deadline_at(i, t));
            }
        }
        if let Some((outcome, at)) = below {
            if at == t {
                if !held_open {
                    // Ready first: deadlines passing at this very instant
                    // lose to the completing future.
                    return (outcome, t);
                }
                // A level held open reports now, or leaves it to an outer
                // level that has expired by now too.
                let i = (from..end).find(|&i| fired[i].is_some()).unwrap();
                return (Outcome::Reported { level: i, deadline: fired[i].unwrap() }, t);
            }
        }
        if let Some(i) = (from..end).find(|&i| fired[i].is_some()) {
            if shield.is_none() {
                return (Outcome::Reported { level: i, deadline: fired[i].unwrap() }, t);
            }
        }
    }
    unreachable!("every tower the strategies build completes before the horizon")
}

const HORIZON: u64 = 1_000;

/// Deadlines and finish times are even, reschedules happen at odd times,
/// so no reschedule coincides with another event (whose order would be up
/// to the scheduler).
fn level() -> impl Strategy<Value = Level> {
    let even = |n: u64| 0..n;
    (even(30), prop::option::weighted(0.3, (0u64..20, even(40))), prop::bool::weighted(0.2))
        .prop_map(|(deadline, reschedule, shield_inside)| Level {
            deadline: deadline * 2,
            reschedule: reschedule.map(|(at, to)| (at * 2 + 1, to * 2)),
            shield_inside,
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        max_global_rejects: 100_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn towers_of_timeouts_follow_the_rules(
        levels in prop::collection::vec(level(), 1..5),
        finish in prop::option::weighted(0.7, (1u64..50).prop_map(|n| n * 2)),
    ) {
        // A tower whose innermost level shields a future that never
        // finishes would never complete.
        prop_assume!(finish.is_some() || !levels.last().is_some_and(|l| l.shield_inside));
        // Two reschedules at one instant could reach the tower in either
        // order.
        let mut moves: Vec<u64> = levels.iter().filter_map(|l| l.reschedule.map(|r| r.0)).collect();
        let count = moves.len();
        moves.sort_unstable();
        moves.dedup();
        prop_assume!(moves.len() == count);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let (got, took) = rt.block_on(async {
            let start = Instant::now();
            let movers = Movers::default();
            let outcome = build(&levels, 0, start, finish, &movers).await;
            let took = (Instant::now() - start).as_millis() as u64;
            for mover in movers.take() {
                mover.abort();
                let _ = mover.await;
            }
            (outcome, took)
        });
        let (want, at) = model(&levels, 0, finish);
        prop_assert_eq!(got, want);
        prop_assert_eq!(took, at);
    }
}
