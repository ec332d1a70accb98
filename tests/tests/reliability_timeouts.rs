//! Property tests over random stacks of nested timeouts, checked against a
//! model of DESIGN.md's rules 15, 21 and 23: the earliest deadline is the
//! one in force (`current_deadline` says so inside), the outermost layer
//! whose deadline fired reports it (`Elapsed::deadline` names it), a
//! future that is ready when polled wins even at its deadline, a
//! `Timeout` can be moved later, earlier or into the past while it runs,
//! and a fired deadline is never taken back.
//!
//! Every case runs on the paused clock. Durations are often drawn from a
//! few values, so that deadlines coincide and the tie rules (outermost
//! wins, a ready future wins) are exercised; only a reschedule, which
//! comes from another task, must not share its instant.
//! `cargo test` runs 256 cases; `cargo xtask stress` sets
//! `TASKSCOPE_STRESS_CASES`.

mod support;

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use support::ms;
use taskscope::timeout::{
    Timeout, current_deadline, fail_after, move_on_after, timeout, timeout_at,
};
use tokio::time::{Instant, sleep};

/// One layer of the stack, outermost first.
#[derive(Clone, Copy, Debug)]
enum Layer {
    /// `timeout(d, ..)`.
    Timeout(u64),
    /// `timeout_at(start + d, ..)`.
    TimeoutAt(u64),
    /// `fail_after(d, ..)`.
    FailAfter(u64),
    /// `move_on_after(d, ..)`: `None` instead of an error.
    MoveOn(u64),
    /// `Timeout::after(d)`, rescheduled at `at` (by another task) to
    /// `start + to`: later, earlier, or into the past.
    Moved { d: u64, at: u64, to: u64 },
}

/// The innermost future.
#[derive(Clone, Copy, Debug)]
enum Inner {
    /// Ready at its first poll.
    Ready,
    /// Yields once, then ready: it has to wait, if only once.
    Yield,
    /// Ready after `s` ms.
    Sleep(u64),
}

/// What the whole stack returned, whatever the layers' types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Out {
    Value,
    /// Layer `i` returned `Err(Elapsed)` for this deadline (ms from start).
    Elapsed(usize, u64),
    /// `move_on` layer `i` returned `None`.
    MovedOn(usize),
}

#[derive(Clone, Debug)]
struct Stack {
    layers: Vec<Layer>,
    inner: Inner,
}

fn stack() -> impl Strategy<Value = Stack> {
    // Often from a few values, so that deadlines (and the inner future's
    // end) coincide and the tie rules are exercised.
    let d = || prop_oneof![1..=6u64, 1..=10_000u64];
    let layer = prop_oneof![
        d().prop_map(Layer::Timeout),
        d().prop_map(Layer::TimeoutAt),
        d().prop_map(Layer::FailAfter),
        d().prop_map(Layer::MoveOn),
        (d(), d(), prop_oneof![0..=6u64, 0..=10_000u64]).prop_map(|(d, at, to)| Layer::Moved {
            d,
            at,
            to
        }),
    ];
    let inner = prop_oneof![
        1 => Just(Inner::Ready),
        1 => Just(Inner::Yield),
        4 => d().prop_map(Inner::Sleep),
    ];
    (proptest::collection::vec(layer, 1..=4), inner)
        .prop_map(|(layers, inner)| Stack { layers, inner })
}

/// Whether the case is fair: the rules decide ties between deadlines, and
/// between a deadline and the inner future's end (all polled by one task),
/// but a reschedule comes from another task, so an instant at which one
/// happens must be its own.
fn fair(stack: &Stack) -> bool {
    let mut others = Vec::new();
    let mut moves = Vec::new();
    for layer in &stack.layers {
        match *layer {
            Layer::Timeout(d) | Layer::TimeoutAt(d) | Layer::FailAfter(d) | Layer::MoveOn(d) => {
                others.push(d);
            }
            Layer::Moved { d, at, to } => {
                others.extend([d, to]);
                moves.push(at);
            }
        }
    }
    if let Inner::Sleep(s) = stack.inner {
        others.push(s);
    }
    let distinct: BTreeSet<u64> = moves.iter().copied().collect();
    distinct.len() == moves.len() && moves.iter().all(|at| !others.contains(at))
}

/// The model: when each layer's deadline fires and what it then says,
/// the outermost fired layer reporting, unless the future is done first.
fn predict(stack: &Stack) -> (Out, u64) {
    // (fires at, deadline it reports), per layer.
    let fires: Vec<(u64, u64)> = stack
        .layers
        .iter()
        .map(|layer| match *layer {
            Layer::Timeout(d) | Layer::TimeoutAt(d) | Layer::FailAfter(d) | Layer::MoveOn(d) => {
                (d, d)
            }
            // Fired before it was moved: the move changes nothing.
            Layer::Moved { d, at, .. } if d < at => (d, d),
            // Moved first: the new deadline, at once if already past.
            Layer::Moved { at, to, .. } => (to.max(at), to),
        })
        .collect();
    let first = fires.iter().map(|&(at, _)| at).min().expect("one layer at least");
    let done = match stack.inner {
        Inner::Ready | Inner::Yield => 0,
        Inner::Sleep(s) => s,
    };
    // The future is polled first: done at the instant a deadline fires
    // still wins. (A yield has to wait; its deadlines are all later.)
    if done <= first {
        return (Out::Value, done);
    }
    let (i, &(_, deadline)) =
        fires.iter().enumerate().find(|&(_, &(at, _))| at == first).expect("the first to fire");
    let out = match stack.layers[i] {
        Layer::MoveOn(_) => Out::MovedOn(i),
        _ => Out::Elapsed(i, deadline),
    };
    (out, first)
}

type BoxOut = Pin<Box<dyn Future<Output = Out>>>;

/// Builds the stack around the inner future; every layer is created (its
/// deadline fixed) now, at the start.
fn build(
    stack: &Stack,
    start: Instant,
    seen_deadline: Arc<Mutex<Option<Option<Instant>>>>,
) -> BoxOut {
    let inner = stack.inner;
    let mut fut: BoxOut = Box::pin(async move {
        *seen_deadline.lock().expect("not poisoned") = Some(current_deadline());
        match inner {
            Inner::Ready => {}
            Inner::Yield => tokio::task::yield_now().await,
            Inner::Sleep(s) => sleep(ms(s)).await,
        }
        Out::Value
    });
    let since = move |i: Instant| (i - start).as_millis() as u64;
    for (i, layer) in stack.layers.iter().enumerate().rev() {
        fut = match *layer {
            Layer::Timeout(d) => Box::pin({
                let t = timeout(ms(d), fut);
                async move { t.await.unwrap_or_else(|e| Out::Elapsed(i, since(e.deadline()))) }
            }),
            Layer::TimeoutAt(d) => Box::pin({
                let t = timeout_at(start + ms(d), fut);
                async move { t.await.unwrap_or_else(|e| Out::Elapsed(i, since(e.deadline()))) }
            }),
            Layer::FailAfter(d) => Box::pin({
                let t = fail_after(ms(d), fut);
                async move { t.await.unwrap_or_else(|e| Out::Elapsed(i, since(e.deadline()))) }
            }),
            Layer::MoveOn(d) => Box::pin({
                let t = move_on_after(ms(d), fut);
                async move { t.await.unwrap_or(Out::MovedOn(i)) }
            }),
            Layer::Moved { d, at, to } => Box::pin({
                let timer = Timeout::after(ms(d));
                let handle = timer.handle();
                let t = timer.run(fut);
                async move {
                    let mover = tokio::spawn(async move {
                        sleep(ms(at)).await;
                        handle.reschedule(start + ms(to));
                    });
                    let out = t.await.unwrap_or_else(|e| Out::Elapsed(i, since(e.deadline())));
                    // Not awaited: that would be one more await point, at
                    // which the layers around could fire.
                    mover.abort();
                    out
                }
            }),
        };
    }
    fut
}

fn check(stack: &Stack) -> Result<bool, TestCaseError> {
    if !fair(stack) {
        return Ok(false);
    }
    let (expected, at) = predict(stack);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime");
    let seen = Arc::new(Mutex::new(None));
    let (out, elapsed, start) = rt.block_on(async {
        let start = Instant::now();
        let out = build(stack, start, seen.clone()).await;
        (out, start.elapsed().as_millis() as u64, start)
    });
    prop_assert_eq!(out, expected, "result");
    prop_assert_eq!(elapsed, at, "elapsed ms");
    // Inside, at the start, the earliest deadline of the stack is in force.
    let earliest = stack
        .layers
        .iter()
        .map(|layer| match *layer {
            Layer::Timeout(d)
            | Layer::TimeoutAt(d)
            | Layer::FailAfter(d)
            | Layer::MoveOn(d)
            | Layer::Moved { d, .. } => d,
        })
        .min()
        .expect("one layer at least");
    let seen = seen.lock().expect("not poisoned").expect("the inner future ran");
    prop_assert_eq!(seen, Some(start + ms(earliest)), "current_deadline() inside");
    Ok(true)
}

#[test]
fn nested_timeouts_match_the_model() {
    let cases =
        std::env::var("TASKSCOPE_STRESS_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let fair = std::sync::atomic::AtomicUsize::new(0);
    let mut runner = TestRunner::new(config);
    let result = runner.run(&stack(), |stack| {
        if check(&stack)? {
            fair.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(err) = result {
        panic!("{err}");
    }
    let fair = fair.into_inner();
    assert!(fair * 10 >= cases as usize * 7, "only {fair} of {cases} cases were fair");
}
