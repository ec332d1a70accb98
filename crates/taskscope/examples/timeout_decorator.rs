//! Wrapping any async function in a deadline — Python's `@timeout(0.1)`
//! decorator, as a function that takes an async function and returns one
//! with a deadline.
//!
//! It teaches `taskscope::timeout`: [`timeout`] and its method form
//! [`FutureExt::timeout`], what happens when deadlines nest (the earliest
//! one wins, and an expiry is reported as the outer deadline's, never the
//! inner's), [`current_deadline`] for code that wants to know how long it
//! has left, and [`move_on_after`] for when running out of time is a
//! normal outcome rather than an error.
//!
//! Run with `cargo run --example timeout_decorator` (it takes half a
//! second; add `-- --fast` to run it on a paused clock, instantly).

use std::fmt::Write as _;
use std::future::Future;
use std::time::Duration;

use taskscope::timeout::{
    Elapsed, FutureExt as _, TimeoutFuture, current_deadline, move_on_after, timeout,
};
use tokio::time::{Instant, sleep};

/// Wraps `f` so that every call gets at most `limit` to finish.
///
/// The wrapper is an ordinary function value: call it like `f`, get a
/// future that resolves to `Ok(value)` or `Err(Elapsed)`. Nothing about
/// `f` changes, so the same function can be wrapped with different limits
/// in different places — which is why Rust does this with a function, not
/// an attribute.
fn with_deadline<A, F, Fut>(limit: Duration, f: F) -> impl Fn(A) -> TimeoutFuture<Fut>
where
    F: Fn(A) -> Fut,
    Fut: Future,
{
    move |arg| timeout(limit, f(arg))
}

/// A slow service: user `n` takes `n × 40ms` to look up. It reports how
/// much time its caller's deadline left it when it started.
async fn lookup(user: u64) -> Profile {
    let budget = current_deadline().map(|deadline| deadline - Instant::now());
    sleep(Duration::from_millis(40 * user)).await;
    Profile { user, budget }
}

#[derive(Debug, PartialEq)]
struct Profile {
    user: u64,
    /// Time left before the caller's deadline, if it had one.
    budget: Option<Duration>,
}

/// Runs the demonstration and returns what it prints.
pub(crate) async fn demo() -> String {
    let mut out = String::new();
    let start = Instant::now();
    let ms = |d: Duration| format!("{}ms", d.as_millis());
    // How a call ended, with times relative to when it started.
    let show = |result: &Result<Profile, Elapsed>, started: Instant| match result {
        Ok(p) => format!(
            "user-{} after {} (it had {} left)",
            p.user,
            ms(started.elapsed()),
            p.budget.map_or("no deadline".to_owned(), ms)
        ),
        Err(elapsed) => format!(
            "timed out after {} (the deadline {} after the call)",
            ms(started.elapsed()),
            ms(elapsed.deadline() - started)
        ),
    };

    // 1. The decorator: the same function, now with a 100 ms deadline.
    let lookup_100ms = with_deadline(Duration::from_millis(100), lookup);
    writeln!(out, "1. lookup_100ms = with_deadline(100ms, lookup)").unwrap();
    for user in 1..=3 {
        let started = Instant::now();
        let result = lookup_100ms(user).await;
        writeln!(out, "   lookup_100ms({user}): {}", show(&result, started)).unwrap();
    }

    // 2. The method form, for a one-off.
    let started = Instant::now();
    let result = lookup(2).timeout(Duration::from_millis(50)).await;
    writeln!(out, "2. lookup(2).timeout(50ms): {}", show(&result, started)).unwrap();

    // 3. Nested deadlines: a 60 ms deadline around the 100 ms one. The
    //    earliest deadline counts, inside too (user 1 sees 60ms left, not
    //    100ms), and an expiry is the outer deadline's: the outer future
    //    returns `Err`, the inner one never gets to.
    writeln!(out, "3. timeout(60ms, lookup_100ms(..))").unwrap();
    for user in 1..=2 {
        let started = Instant::now();
        let line = match timeout(Duration::from_millis(60), lookup_100ms(user)).await {
            Ok(inner) => format!("inner {}", show(&inner, started)),
            Err(outer) => format!("outer {}", show(&Err(outer), started)),
        };
        writeln!(out, "   lookup_100ms({user}): {line}").unwrap();
    }

    // 4. When running out of time is fine: take the answer if it comes in
    //    time, fall back otherwise. No error to handle.
    let started = Instant::now();
    let answer = match move_on_after(Duration::from_millis(50), lookup(3)).await {
        Some(profile) => format!("fresh user-{}", profile.user),
        None => "the cached profile".to_owned(),
    };
    writeln!(out, "4. move_on_after(50ms, lookup(3)): {answer} after {}", ms(started.elapsed()))
        .unwrap();
    writeln!(out, "total {}", ms(start.elapsed())).unwrap();
    out
}

fn main() {
    let fast = std::env::args().skip(1).any(|arg| arg == "--fast");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(fast)
        .build()
        .expect("a tokio runtime");
    print!("{}", runtime.block_on(demo()));
}
