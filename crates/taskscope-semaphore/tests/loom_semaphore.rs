//! Loom models of the atomics this crate keeps itself: the waiter count,
//! a semaphore's total against its bound, and the rate limiter's token
//! bucket (GCRA). Everything else is tokio's semaphore (model-checked by
//! tokio) or under a mutex (the limiter's table, the sliding window).
//!
//! Run with:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p taskscope-semaphore --release --test loom_semaphore
//! ```
//!
//! The three-thread models are bounded to 3 preemptions (tokio's CI uses
//! 2), which keeps the run under a few seconds; set `LOOM_MAX_PREEMPTIONS`
//! to explore further.
#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use taskscope_semaphore::__loom::{Gcra, Total, WaitCounter};

/// `loom::model` with a preemption bound of 3 unless the environment sets
/// one.
fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

// Waiters entering and leaving (by completing or by being cancelled, both
// a guard drop) leave the count exact, and a reader never sees more
// waiters than exist.
#[test]
fn wait_counter_is_exact_through_drops() {
    model(|| {
        let counter = Arc::new(WaitCounter::new());
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let counter = Arc::clone(&counter);
                thread::spawn(move || {
                    let guard = counter.enter();
                    assert!((1..=2).contains(&counter.get()));
                    drop(guard);
                })
            })
            .collect();
        assert!(counter.get() <= 2);
        for waiter in waiters {
            waiter.join().unwrap();
        }
        assert_eq!(counter.get(), 0);
    });
}

// Two racing `add_permits` on a bounded semaphore with room for one:
// exactly one wins, and the total never passes the bound.
#[test]
fn total_admits_exactly_up_to_the_bound() {
    model(|| {
        let total = Arc::new(Total::new(1, 2));
        let adders: Vec<_> = (0..2)
            .map(|_| {
                let total = Arc::clone(&total);
                thread::spawn(move || total.try_add(1).is_ok())
            })
            .collect();
        let wins = adders.into_iter().map(|t| t.join().unwrap()).filter(|&ok| ok);
        assert_eq!(wins.count(), 1);
        assert_eq!(total.get(), 2);
    });
}

// A permit forgotten and added back races another `add_permits`: the
// total stays within the bound and counts every success exactly.
#[test]
fn total_forget_and_add_race() {
    model(|| {
        let total = Arc::new(Total::new(2, 2));
        let forgetter = {
            let total = Arc::clone(&total);
            thread::spawn(move || {
                total.remove(1);
                let ok = total.try_add(1).is_ok();
                assert!(total.get() <= 2);
                ok
            })
        };
        let adder = {
            let total = Arc::clone(&total);
            thread::spawn(move || {
                let ok = total.try_add(1).is_ok();
                assert!(total.get() <= 2);
                ok
            })
        };
        let (a, b) = (forgetter.join().unwrap(), adder.join().unwrap());
        assert!(a || b, "the permit forgotten left room for one add");
        assert!(!(a && b), "two adds into one free place");
        assert_eq!(total.get(), 2);
    });
}

// Three takers on a bucket of two at the same instant: exactly two get a
// token.
#[test]
fn gcra_grants_exactly_the_burst() {
    model(|| {
        let bucket = Arc::new(Gcra::new(10, 2).unwrap());
        let takers: Vec<_> = (0..3)
            .map(|_| {
                let bucket = Arc::clone(&bucket);
                thread::spawn(move || bucket.try_take(1, 0).is_ok())
            })
            .collect();
        let granted = takers.into_iter().map(|t| t.join().unwrap()).filter(|&ok| ok).count();
        assert_eq!(granted, 2);
        assert_eq!(bucket.available(0), 0);
    });
}

// A weighted take and a single take race for a bucket of two: whichever
// goes first, the other cannot also fit, and a refusal says when it could.
#[test]
fn gcra_weighted_race() {
    model(|| {
        let bucket = Arc::new(Gcra::new(10, 2).unwrap());
        let both = {
            let bucket = Arc::clone(&bucket);
            thread::spawn(move || bucket.try_take(2, 0))
        };
        let one = {
            let bucket = Arc::clone(&bucket);
            thread::spawn(move || bucket.try_take(1, 0))
        };
        let (both, one) = (both.join().unwrap(), one.join().unwrap());
        match (both, one) {
            (Ok(()), Err(ready)) => assert_eq!(ready, 10),
            (Err(ready), Ok(())) => assert_eq!(ready, 10),
            other => panic!("both or neither fit: {other:?}"),
        }
    });
}

// Takers at different instants: never more tokens than the burst plus
// the refills up to the latest instant.
#[test]
fn gcra_over_time() {
    model(|| {
        let bucket = Arc::new(Gcra::new(10, 1).unwrap());
        let takers: Vec<_> = [0, 5, 10]
            .into_iter()
            .map(|now| {
                let bucket = Arc::clone(&bucket);
                thread::spawn(move || bucket.try_take(1, now).is_ok())
            })
            .collect();
        let granted = takers.into_iter().map(|t| t.join().unwrap()).filter(|&ok| ok).count();
        assert!((1..=2).contains(&granted), "{granted} tokens from a burst of 1 over 1 interval");
    });
}
