//! The bad-input contract of every crate, as one table: each public
//! constructor and method called with zero, huge, overflowing and
//! closed-state arguments, and the typed error it must return.
//!
//! Read a row as `call | expected error | its message`. `refuses!` rows
//! must fail with the given error variant and exactly that `Display`
//! (`*` in a message matches anything: a task id, a float's digits);
//! `accepts!` rows are extreme but valid inputs that must work;
//! `stays_pending!` rows must neither finish, panic nor hang the runtime
//! within a (paused-clock) hour. Every row runs under a paused-clock
//! timeout and `catch_unwind`, so a panic or a hang is a failed row, not a
//! failed binary. The rows at the end found library bugs (each says
//! which), fixed since.

use std::future::{Future, pending};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use taskscope::queue::{
    CapacityError as QueueCapacityError, LifoQueue, PriorityQueue, Queue, QueueShutdown,
    TaskDoneError, TryGetError, TryPutError, WorkerPool, WorkersError,
};
use taskscope::semaphore::{
    AcquireError, AddPermitsError, BorrowError, CapacityError, Limiter, RateError, RateLimitError,
    RateLimiter, Semaphore, SplitError, TryAcquireError, TryBorrowError,
};
use taskscope::task_group::{as_completed, map_concurrent};
use taskscope::timeout::{
    Elapsed, FutureExt as _, Timeout, fail_after, move_on_after, timeout, timeout_at,
};
use taskscope::{BuildError, Ready, SpawnError, Spawner, TaskGroup};
use tokio::time::{Instant, sleep};

/// One row of the table.
struct Row {
    call: &'static str,
    expect: &'static str,
    check: Pin<Box<dyn Future<Output = Result<(), String>>>>,
}

/// `refuses!(call, expression, error pattern, "message")`: the expression
/// (a `Result`) must be `Err` matching the pattern, with that message.
macro_rules! refuses {
    ($call:expr, $value:expr, $pat:pat $(if $guard:expr)?, $msg:expr $(,)?) => {
        Row {
            call: $call,
            expect: $msg,
            check: Box::pin(async move {
                match $value {
                    Ok(_) => Err("accepted".to_owned()),
                    Err(err) => {
                        if matches!(&err, $pat $(if $guard)?) {
                            same_message(&err.to_string(), $msg)
                        } else {
                            Err(format!("wrong error: {err:?}"))
                        }
                    }
                }
            }),
        }
    };
}

/// `accepts!(call, "what must hold", expression)`: an extreme but valid
/// input; the expression returns `Result<(), String>`.
macro_rules! accepts {
    ($call:expr, $what:expr, $value:expr $(,)?) => {
        Row { call: $call, expect: $what, check: Box::pin(async move { $value }) }
    };
}

/// `stays_pending!(call, future)`: must still be pending after an hour.
macro_rules! stays_pending {
    ($call:expr, $fut:expr $(,)?) => {
        Row {
            call: $call,
            expect: "pending (no panic, no early wake-up)",
            check: Box::pin(async move {
                match tokio::time::timeout(Duration::from_secs(3600), $fut).await {
                    Ok(_) => Err("finished".to_owned()),
                    Err(_) => Ok(()),
                }
            }),
        }
    };
}

/// Compares a message with a pattern in which `*` matches any text.
fn same_message(got: &str, pattern: &str) -> Result<(), String> {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = got;
    let mut ok = rest.starts_with(parts[0]);
    if ok {
        rest = &rest[parts[0].len()..];
        for (i, part) in parts.iter().enumerate().skip(1) {
            let last = i == parts.len() - 1;
            match (last, rest.find(part)) {
                (true, _) => ok = rest.ends_with(part),
                (false, Some(at)) => rest = &rest[at + part.len()..],
                (false, None) => ok = false,
            }
            if !ok {
                break;
            }
        }
    }
    if ok { Ok(()) } else { Err(format!("message {got:?}")) }
}

/// A spawner of a scope that has finished.
async fn finished_group() -> Spawner<&'static str> {
    let mut kept = None;
    taskscope::scope(async |tg| {
        kept = Some(tg.clone());
        Ok::<_, &str>(())
    })
    .await
    .expect("empty scope");
    kept.expect("kept")
}

/// A spawner of an owned group that was cancelled but not joined.
fn cancelled_group() -> (TaskGroup<&'static str>, Spawner<&'static str>) {
    let tg = TaskGroup::new();
    tg.cancel();
    let spawner = tg.spawner();
    (tg, spawner)
}

async fn ok_unit() -> Result<(), &'static str> {
    Ok(())
}

/// The whole contract.
fn table() -> Vec<Row> {
    vec![
        // ---- task groups -------------------------------------------------
        refuses!(
            "TaskGroup::builder().limit(0)",
            TaskGroup::builder().limit(0),
            BuildError::ZeroLimit(0),
            "limit must be at least 1, got 0 (a group that may run no child would wait forever)",
        ),
        accepts!("TaskGroup::builder().limit(usize::MAX)", "a limit that is never reached", {
            let builder = TaskGroup::builder().limit(usize::MAX).map_err(|e| e.to_string())?;
            builder
                .scope(async |tg| {
                    for _ in 0..100 {
                        tg.try_spawn(ok_unit()).map_err(|_| "refused")?;
                    }
                    Ok::<_, &str>(())
                })
                .await
                .map_err(|e| e.to_string())
        },),
        accepts!(
            "TaskGroup::builder().timeout(Duration::MAX)",
            "no deadline: a child sleeping 12 hours finishes",
            TaskGroup::builder()
                .timeout(Duration::MAX)
                .scope(async |tg| {
                    tg.spawn(async {
                        sleep(Duration::from_secs(12 * 3600)).await;
                        Ok::<_, &str>(())
                    });
                    Ok(())
                })
                .await
                .map_err(|e| e.to_string()),
        ),
        accepts!(
            "TaskGroup::builder().timeout(Duration::ZERO), ready body",
            "the ready body wins (DESIGN 21)",
            TaskGroup::builder()
                .timeout(Duration::ZERO)
                .scope(async |_tg| Ok::<_, &str>(7))
                .await
                .map_err(|e| e.to_string())
                .and_then(|v| if v == 7 { Ok(()) } else { Err(format!("{v}")) }),
        ),
        refuses!(
            "spawn on a finished group",
            finished_group().await.spawn(ok_unit()).await,
            e if e.is_closed(),
            "task (unnamed) was not spawned: the task group is closed (cancelled or finished)",
        ),
        refuses!(
            "spawn_named on a finished group",
            finished_group().await.spawn_named("late", ok_unit()).await,
            e if e.is_closed() && e.name() == Some("late"),
            "task `late` was not spawned: the task group is closed (cancelled or finished)",
        ),
        refuses!(
            "try_spawn on a finished group",
            finished_group().await.try_spawn(ok_unit()),
            SpawnError::Closed(_),
            "cannot spawn: the task group is closed (cancelled or finished)",
        ),
        refuses!(
            "try_spawn on a cancelled owned group",
            {
                let (tg, spawner) = cancelled_group();
                let result = spawner.try_spawn(ok_unit()).map(drop);
                tg.join().await.map_err(|e| format!("{e}")).expect("joins");
                result
            },
            SpawnError::Closed(_),
            "cannot spawn: the task group is closed (cancelled or finished)",
        ),
        refuses!(
            "try_spawn on a full group (limit 1)",
            TaskGroup::builder()
                .limit(1)
                .expect("limit 1")
                .scope(async |tg| {
                    tg.spawn(pending::<Result<(), &str>>());
                    let refused = tg.try_spawn(ok_unit()).map(drop);
                    tg.cancel();
                    Ok(refused)
                })
                .await
                .expect("cancelled after the body returned"),
            SpawnError::Full(_),
            "cannot spawn now: the task group is at its limit of running children",
        ),
        refuses!(
            "spawn_wait on a finished group",
            finished_group().await.spawn_wait(ok_unit()).await.await,
            e if e.is_closed(),
            "task (unnamed) was not spawned: the task group is closed (cancelled or finished)",
        ),
        refuses!(
            "spawn_wait on a cancelled group with a limit",
            {
                let tg: TaskGroup<&str> = TaskGroup::builder().limit(1).expect("limit 1").build();
                tg.cancel();
                let result = tg.spawn_wait(ok_unit()).await.await;
                tg.join().await.ok();
                result
            },
            e if e.is_closed(),
            "task (unnamed) was not spawned: the task group is closed (cancelled or finished)",
        ),
        refuses!(
            "spawn_group on a finished group",
            finished_group()
                .await
                .spawn_group(TaskGroup::builder().name("late"), |_inner| ok_unit())
                .await,
            e if e.is_closed(),
            "task `late` was not spawned: the task group is closed (cancelled or finished)",
        ),
        refuses!(
            "start on a finished group",
            finished_group()
                .await
                .start(|ready: Ready<u16>| async move {
                    ready.started(1);
                    Ok::<_, &str>(())
                })
                .await,
            e if e.is_closed(),
            "task (unnamed) was not spawned: the task group is closed (cancelled or finished)",
        ),
        refuses!(
            "start whose child ends Ok without `started`",
            {
                let mut out = None;
                taskscope::scope(async |tg| {
                    out = Some(tg.start(|_ready: Ready<u16>| ok_unit()).await);
                    Ok::<_, &str>(())
                })
                .await
                .expect("NotStarted is not a group failure");
                out.expect("ran")
            },
            e if e.is_not_started(),
            "task `task-*` finished without calling `Ready::started`",
        ),
        refuses!(
            "map_concurrent(iter, 0, f)",
            map_concurrent(0..3, 0, |i| async move { Ok::<_, &str>(i) }).map(drop),
            BuildError::ZeroLimit(0),
            "limit must be at least 1, got 0 (a group that may run no child would wait forever)",
        ),
        refuses!(
            "as_completed(futs).limit(0)",
            as_completed(vec![ok_unit()]).limit(0).map(drop),
            BuildError::ZeroLimit(0),
            "limit must be at least 1, got 0 (a group that may run no child would wait forever)",
        ),
        accepts!(
            "as_completed(futs).timeout(Duration::MAX)",
            "no deadline: every item comes back",
            {
                let items: Vec<_> = as_completed((0..3u64).map(|i| async move {
                    sleep(Duration::from_secs(i)).await;
                    Ok::<_, &str>(i)
                }))
                .timeout(Duration::MAX)
                .collect()
                .await;
                if items.iter().all(Result::is_ok) && items.len() == 3 {
                    Ok(())
                } else {
                    Err(format!("{items:?}"))
                }
            },
        ),
        // ---- timeouts ----------------------------------------------------
        refuses!(
            "timeout(Duration::ZERO, pending)",
            timeout(Duration::ZERO, pending::<()>()).await,
            Elapsed { .. },
            "deadline has elapsed",
        ),
        accepts!(
            "timeout(Duration::ZERO, ready)",
            "the ready future wins (DESIGN 21)",
            timeout(Duration::ZERO, async { 5 })
                .await
                .map_err(|e| e.to_string())
                .and_then(|v| if v == 5 { Ok(()) } else { Err(format!("{v}")) }),
        ),
        accepts!(
            "timeout(Duration::MAX, ready)",
            "no overflow: the value comes back",
            timeout(Duration::MAX, async { 5 }).await.map(drop).map_err(|e| e.to_string()),
        ),
        stays_pending!("timeout(Duration::MAX, pending)", timeout(Duration::MAX, pending::<()>())),
        stays_pending!(
            "timeout_at(now + 1000 years, pending)",
            timeout_at(Instant::now() + Duration::from_secs(1000 * 365 * 86_400), pending::<()>()),
        ),
        stays_pending!("fut.timeout(Duration::MAX)", pending::<()>().timeout(Duration::MAX)),
        stays_pending!(
            "fail_after(Duration::MAX, pending)",
            fail_after(Duration::MAX, pending::<()>())
        ),
        stays_pending!(
            "move_on_after(Duration::MAX, pending)",
            move_on_after(Duration::MAX, pending::<()>()),
        ),
        stays_pending!("Timeout::after(Duration::MAX).run(pending)", {
            Timeout::after(Duration::MAX).run(pending::<()>())
        }),
        stays_pending!("handle.reschedule_after(Duration::MAX)", {
            let t = Timeout::after(Duration::from_secs(1));
            t.handle().reschedule_after(Duration::MAX);
            t.run(pending::<()>())
        }),
        accepts!(
            "timeout(Duration::MAX, ..) nested in timeout(1s, ..)",
            "the earliest deadline wins",
            {
                let start = Instant::now();
                let out =
                    timeout(Duration::from_secs(1), timeout(Duration::MAX, pending::<()>())).await;
                match out {
                    Err(_) if start.elapsed() == Duration::from_secs(1) => Ok(()),
                    other => Err(format!("{other:?} after {:?}", start.elapsed())),
                }
            },
        ),
        // ---- semaphores --------------------------------------------------
        refuses!(
            "Semaphore::bounded(0)",
            Semaphore::bounded(0),
            CapacityError { .. },
            "permits must be at least 1, got 0",
        ),
        refuses!(
            "Semaphore::new(MAX_PERMITS + 1)",
            Semaphore::new(Semaphore::MAX_PERMITS + 1),
            e if e.value() == Semaphore::MAX_PERMITS + 1,
            "permits must be at most 2305843009213693951, got 2305843009213693952",
        ),
        refuses!(
            "Semaphore::bounded(usize::MAX)",
            Semaphore::bounded(usize::MAX),
            e if e.value() == usize::MAX,
            "permits must be at most 2305843009213693951, got 18446744073709551615",
        ),
        accepts!("Semaphore::new(0)", "a signal: zero permits is allowed", {
            let sem = Semaphore::new(0).map_err(|e| e.to_string())?;
            if sem.try_acquire().is_err() { Ok(()) } else { Err("a permit from nowhere".into()) }
        }),
        refuses!(
            "bounded(3).acquire_many(4)",
            Semaphore::bounded(3).expect("3").acquire_many(4).await.map(drop),
            AcquireError::ExceedsCapacity { requested: 4, capacity: 3, .. },
            "cannot acquire 4 permits from a semaphore of capacity 3",
        ),
        refuses!(
            "bounded(3).acquire_many_owned(u32::MAX)",
            Semaphore::bounded(3).expect("3").acquire_many_owned(u32::MAX).await.map(drop),
            AcquireError::ExceedsCapacity { requested: u32::MAX, capacity: 3, .. },
            "cannot acquire 4294967295 permits from a semaphore of capacity 3",
        ),
        refuses!(
            "bounded(3).try_acquire_many(4)",
            Semaphore::bounded(3).expect("3").try_acquire_many(4).map(drop),
            TryAcquireError::ExceedsCapacity { requested: 4, capacity: 3, .. },
            "cannot acquire 4 permits from a semaphore of capacity 3",
        ),
        refuses!(
            "bounded(1).try_acquire() while held",
            {
                let sem = Semaphore::bounded(1).expect("1");
                let _held = sem.try_acquire().expect("free");
                sem.try_acquire().map(drop)
            },
            TryAcquireError::NoPermits { requested: 1, available: 0, .. },
            "not enough permits: 1 requested, 0 available",
        ),
        refuses!(
            "bounded(3).add_permits(1) when full",
            Semaphore::bounded(3).expect("3").add_permits(1),
            AddPermitsError { .. },
            "cannot add 1 permits to a semaphore of capacity 3 that already holds 3",
        ),
        refuses!(
            "new(0).add_permits(usize::MAX)",
            Semaphore::new(0).expect("0").add_permits(usize::MAX),
            e if e.added() == usize::MAX && e.held() == 0,
            "cannot add 18446744073709551615 permits to a semaphore of capacity 2305843009213693951 that already holds 0",
        ),
        refuses!(
            "new(MAX_PERMITS).add_permits(1)",
            Semaphore::new(Semaphore::MAX_PERMITS).expect("max").add_permits(1),
            e if e.held() == Semaphore::MAX_PERMITS,
            "cannot add 1 permits to a semaphore of capacity 2305843009213693951 that already holds 2305843009213693951",
        ),
        refuses!(
            "acquire on a closed semaphore",
            {
                let sem = Semaphore::new(1).expect("1");
                sem.close();
                sem.acquire().await.map(drop)
            },
            AcquireError::Closed,
            "semaphore is closed",
        ),
        refuses!(
            "try_acquire on a closed semaphore",
            {
                let sem = Semaphore::new(1).expect("1");
                sem.close();
                sem.try_acquire().map(drop)
            },
            TryAcquireError::Closed,
            "semaphore is closed",
        ),
        refuses!(
            "acquire_timeout(Duration::ZERO) with no permit",
            Semaphore::new(0).expect("0").acquire_timeout(Duration::ZERO).await.map(drop),
            AcquireError::TimedOut { .. },
            "no permit acquired within 0ns",
        ),
        stays_pending!("acquire_timeout(Duration::MAX) with no permit", async {
            let sem = Semaphore::new(0).expect("0");
            sem.acquire_timeout(Duration::MAX).await.map(drop)
        }),
        refuses!(
            "permit.split(3) of a permit of 2",
            {
                let sem = Semaphore::new(2).expect("2");
                let mut permit = sem.try_acquire_many(2).expect("2 free");
                permit.split(3).map(drop)
            },
            SplitError { .. },
            "cannot split 3 permits off a permit holding 2",
        ),
        refuses!(
            "permit.merge(permit of another semaphore)",
            {
                let (a, b) = (Semaphore::new(1).expect("1"), Semaphore::new(1).expect("1"));
                let mut pa = a.try_acquire_owned().expect("free");
                pa.merge(b.try_acquire_owned().expect("free"))
            },
            _,
            "cannot merge permits of different semaphores",
        ),
        refuses!(
            "Limiter::new(0)",
            Limiter::new(0),
            CapacityError { .. },
            "total must be at least 1, got 0",
        ),
        refuses!(
            "Limiter::new(MAX_TOTAL + 1)",
            Limiter::new(Limiter::MAX_TOTAL + 1),
            e if e.value() == Limiter::MAX_TOTAL + 1,
            "total must be at most 2305843009213693951, got 2305843009213693952",
        ),
        refuses!(
            "limiter.set_total(0)",
            Limiter::new(2).expect("2").set_total(0),
            CapacityError { .. },
            "total must be at least 1, got 0",
        ),
        refuses!(
            "limiter.acquire_on_behalf_of(b) twice (double borrow)",
            {
                let limiter = Limiter::new(2).expect("2");
                let _token = limiter.acquire_on_behalf_of("worker").await.expect("free");
                limiter.acquire_on_behalf_of("worker").await.map(drop)
            },
            BorrowError::AlreadyBorrowing { .. },
            "borrower `worker` already holds or awaits a token of this limiter",
        ),
        refuses!(
            "limiter.try_acquire() twice in one task (double borrow)",
            tokio::spawn(async {
                let limiter = Limiter::new(2).expect("2");
                let _token = limiter.try_acquire().expect("free");
                limiter.try_acquire().map(drop)
            })
            .await
            .expect("no panic"),
            TryBorrowError::AlreadyBorrowing { .. },
            "task * already holds or awaits a token of this limiter",
        ),
        refuses!(
            "limiter.try_acquire() with every token out",
            {
                let limiter = Limiter::new(1).expect("1");
                let _token = limiter.try_acquire_on_behalf_of(1u64).expect("free");
                limiter.try_acquire_on_behalf_of(2u64).map(drop)
            },
            TryBorrowError::NoTokens { total: 1, borrowed: 1, .. },
            "no tokens available: 1 of 1 borrowed",
        ),
        refuses!(
            "RateLimiter::per_second(0.0)",
            RateLimiter::per_second(0.0),
            RateError::NotPositive(_),
            "rate must be a finite number above 0 per second, got 0",
        ),
        refuses!(
            "RateLimiter::per_second(-1.0)",
            RateLimiter::per_second(-1.0),
            RateError::NotPositive(_),
            "rate must be a finite number above 0 per second, got -1",
        ),
        refuses!(
            "RateLimiter::per_second(f64::NAN)",
            RateLimiter::per_second(f64::NAN),
            RateError::NotPositive(r) if r.is_nan(),
            "rate must be a finite number above 0 per second, got NaN",
        ),
        refuses!(
            "RateLimiter::per_second(f64::INFINITY)",
            RateLimiter::per_second(f64::INFINITY),
            RateError::NotPositive(_),
            "rate must be a finite number above 0 per second, got inf",
        ),
        refuses!(
            "RateLimiter::per_second(1e12)",
            RateLimiter::per_second(1e12),
            RateError::OutOfRange { .. },
            "rate must be between 5.421010862427522e-11 and 1e9 per second, got 1000000000000",
        ),
        refuses!(
            "RateLimiter::per_second(1e-12)",
            RateLimiter::per_second(1e-12),
            RateError::OutOfRange { .. },
            "rate must be between 5.421010862427522e-11 and 1e9 per second, got 0.000000000001",
        ),
        refuses!(
            "RateLimiter::per(Duration::ZERO)",
            RateLimiter::per(Duration::ZERO),
            RateError::ZeroPeriod { what: "interval", .. },
            "interval must be above zero, got 0ns",
        ),
        refuses!(
            "RateLimiter::per(Duration::MAX)",
            RateLimiter::per(Duration::MAX),
            RateError::PeriodTooLong { what: "interval", .. },
            "interval must be at most 18446744073.709551615s, got 18446744073709551615.999999999s",
        ),
        refuses!(
            "RateLimiter::per_second(1.0)?.burst(0)",
            RateLimiter::per_second(1.0).expect("1/s").burst(0),
            RateError::Zero { what: "burst", .. },
            "burst must be at least 1, got 0",
        ),
        refuses!(
            "RateLimiter::per(10s)?.burst(u32::MAX)",
            RateLimiter::per(Duration::from_secs(10)).expect("1/10s").burst(u32::MAX),
            RateError::PeriodTooLong { what: "burst × interval", .. },
            "burst × interval must be at most 18446744073.709551615s, got *s",
        ),
        accepts!(
            "RateLimiter::per_second(1e9) (one per nanosecond)",
            "the fastest rate is valid",
            RateLimiter::per_second(1e9).map(drop).map_err(|e| e.to_string()),
        ),
        refuses!(
            "RateLimiter::sliding_window(0, 1s)",
            RateLimiter::sliding_window(0, Duration::from_secs(1)),
            RateError::Zero { what: "max", .. },
            "max must be at least 1, got 0",
        ),
        refuses!(
            "RateLimiter::sliding_window(5, Duration::ZERO)",
            RateLimiter::sliding_window(5, Duration::ZERO),
            RateError::ZeroPeriod { what: "period", .. },
            "period must be above zero, got 0ns",
        ),
        refuses!(
            "RateLimiter::sliding_window(5, Duration::MAX)",
            RateLimiter::sliding_window(5, Duration::MAX),
            RateError::PeriodTooLong { what: "period", .. },
            "period must be at most 18446744073.709551615s, got 18446744073709551615.999999999s",
        ),
        refuses!(
            "RateLimiter::sliding_window(5, 1s)?.burst(2)",
            RateLimiter::sliding_window(5, Duration::from_secs(1)).expect("window").burst(2),
            RateError::BurstOnWindow { max: 5, .. },
            "burst applies to a token bucket, not to a sliding window (its burst is its max, 5)",
        ),
        refuses!(
            "per_second(1)?.acquire_many(2) (above the burst)",
            RateLimiter::per_second(1.0).expect("1/s").acquire_many(2).await,
            RateLimitError::ExceedsCapacity { requested: 2, capacity: 1, .. },
            "cannot acquire 2 tokens at once from a rate limiter of capacity 1",
        ),
        refuses!(
            "sliding_window(2, 1s)?.try_acquire_many(3)",
            RateLimiter::sliding_window(2, Duration::from_secs(1))
                .expect("window")
                .try_acquire_many(3),
            RateLimitError::ExceedsCapacity { requested: 3, capacity: 2, .. },
            "cannot acquire 3 tokens at once from a rate limiter of capacity 2",
        ),
        refuses!(
            "per_second(1)?.try_acquire() twice",
            {
                let limiter = RateLimiter::per_second(1.0).expect("1/s");
                limiter.try_acquire().expect("the first is free");
                limiter.try_acquire()
            },
            RateLimitError::Limited { .. },
            "rate limited: retry after 1s",
        ),
        // ---- queues ------------------------------------------------------
        refuses!(
            "Queue::bounded(0)",
            Queue::<u8>::bounded(0),
            QueueCapacityError { .. },
            "queue capacity must be at least 1, got 0; use `unbounded()` for a queue without a limit",
        ),
        refuses!(
            "LifoQueue::bounded(0)",
            LifoQueue::<u8>::bounded(0),
            QueueCapacityError { .. },
            "queue capacity must be at least 1, got 0; use `unbounded()` for a queue without a limit",
        ),
        refuses!(
            "PriorityQueue::bounded(0)",
            PriorityQueue::<u8>::bounded(0),
            QueueCapacityError { .. },
            "queue capacity must be at least 1, got 0; use `unbounded()` for a queue without a limit",
        ),
        accepts!("Queue::bounded(usize::MAX)", "a bound never reached, no allocation", {
            let queue = Queue::bounded(usize::MAX).map_err(|e| e.to_string())?;
            for i in 0..1_000u32 {
                queue.try_put(i).map_err(|e| e.to_string())?;
            }
            if queue.len() == 1_000 { Ok(()) } else { Err(format!("len {}", queue.len())) }
        }),
        refuses!(
            "task_done() on a fresh queue",
            Queue::<u8>::unbounded().task_done(),
            TaskDoneError { .. },
            "task_done called more times than items were put: 0 put, 0 already done",
        ),
        refuses!(
            "task_done() once more than items put",
            {
                let queue = Queue::unbounded();
                queue.try_put(1u8).expect("open");
                queue.try_get().expect("one item");
                queue.task_done().expect("one item was put");
                queue.task_done()
            },
            e if e.put() == 1 && e.done() == 1,
            "task_done called more times than items were put: 1 put, 1 already done",
        ),
        refuses!(
            "put after shutdown",
            {
                let queue = Queue::unbounded();
                queue.shutdown();
                queue.put(7u8).await
            },
            QueueShutdown { .. },
            "the queue is shut down",
        ),
        accepts!("put after shutdown gives the item back", "into_inner() is the item", {
            let queue = Queue::unbounded();
            queue.shutdown();
            match queue.put(7u8).await.map_err(QueueShutdown::into_inner) {
                Err(7) => Ok(()),
                other => Err(format!("{other:?}")),
            }
        }),
        refuses!(
            "try_put after shutdown",
            {
                let queue = Queue::unbounded();
                queue.shutdown();
                queue.try_put(7u8)
            },
            TryPutError::Shutdown(7),
            "the queue is shut down",
        ),
        refuses!(
            "try_put on a full bounded(1) queue",
            {
                let queue = Queue::bounded(1).expect("1");
                queue.try_put(1u8).expect("room");
                queue.try_put(2u8)
            },
            TryPutError::Full(2),
            "the queue is full",
        ),
        refuses!(
            "get after shutdown of an empty queue",
            {
                let queue = Queue::<u8>::unbounded();
                queue.shutdown();
                queue.get().await
            },
            QueueShutdown { .. },
            "the queue is shut down",
        ),
        refuses!(
            "get_guarded after shutdown_immediate",
            {
                let queue = Queue::unbounded();
                queue.try_put(1u8).expect("open");
                queue.shutdown_immediate();
                queue.get_guarded().await.map(drop)
            },
            QueueShutdown { .. },
            "the queue is shut down",
        ),
        refuses!(
            "try_get on an empty queue",
            Queue::<u8>::unbounded().try_get(),
            TryGetError::Empty,
            "the queue is empty",
        ),
        refuses!(
            "try_get after shutdown of an empty queue",
            {
                let queue = Queue::<u8>::unbounded();
                queue.shutdown();
                queue.try_get()
            },
            TryGetError::Shutdown,
            "the queue is shut down and drained",
        ),
        accepts!(
            "join after shutdown_immediate with items left",
            "returns: dropped items count as done",
            {
                let queue = Queue::unbounded();
                queue.try_put(1u8).expect("open");
                queue.try_put(2u8).expect("open");
                queue.shutdown_immediate();
                queue.join().await;
                Ok(())
            }
        ),
        refuses!(
            "WorkerPool::new(0)",
            WorkerPool::new(0),
            WorkersError { .. },
            "a worker pool needs at least 1 worker, got 0",
        ),
        refuses!(
            "WorkerPool::spawn on a finished group",
            {
                let tg = finished_group().await;
                let queue = Queue::<u8>::unbounded();
                WorkerPool::new(2).expect("2").spawn(&tg, &queue, |_item| async { Ok(()) })
            },
            SpawnError::Closed(()),
            "cannot spawn: the task group is closed (cancelled or finished)",
        ),
        // ---- rows that found a bug, fixed since (7dacafc) -------------------
        refuses!(
            "per(Duration::from_nanos(u64::MAX))?.try_acquire() twice",
            {
                let limiter = RateLimiter::per(Duration::from_nanos(u64::MAX)).expect("valid");
                limiter.try_acquire().expect("the first is free");
                limiter.try_acquire()
            },
            RateLimitError::Limited { .. },
            // Was a bug: the saturated GCRA time let every acquire through.
            "rate limited: retry after *",
        ),
        accepts!(
            "Queue::bounded(usize::MAX).capacity()",
            "Some(usize::MAX) (was a bug: read as None, like an unbounded queue)",
            {
                let queue = Queue::<u8>::bounded(usize::MAX).map_err(|e| e.to_string())?;
                match queue.capacity() {
                    Some(usize::MAX) => Ok(()),
                    other => Err(format!("capacity() is {other:?}")),
                }
            },
        ),
        accepts!(
            "TaskGroup::builder().grace(Duration::MAX), then cancel",
            "an unbounded grace: the polite child finishes in 10s (was a bug: `start + grace` panicked)",
            {
                let start = Instant::now();
                TaskGroup::builder()
                    .grace(Duration::MAX)
                    .scope(async |tg| {
                        let token = tg.token();
                        tg.spawn(async move {
                            token.cancelled().await;
                            sleep(Duration::from_secs(10)).await;
                            Ok::<_, &str>(())
                        });
                        tg.cancel();
                        Ok(())
                    })
                    .await
                    .map_err(|e| e.to_string())?;
                if start.elapsed() == Duration::from_secs(10) {
                    Ok(())
                } else {
                    Err(format!("took {:?}", start.elapsed()))
                }
            },
        ),
        accepts!(
            "TaskGroup::builder().grace(Duration::MAX).scope_local(..), then cancel",
            "an unbounded grace: the polite child finishes in 10s (was a bug: a grace of MAX ended at once)",
            {
                let start = Instant::now();
                let done = Arc::new(AtomicBool::new(false));
                let flag = done.clone();
                let _ = TaskGroup::builder()
                    .grace(Duration::MAX)
                    .scope_local(async |tg| {
                        let token = tg.token();
                        tg.spawn(async move {
                            token.cancelled().await;
                            sleep(Duration::from_secs(10)).await;
                            flag.store(true, Ordering::SeqCst);
                            Ok::<_, &str>(())
                        });
                        tg.cancel();
                        Ok(())
                    })
                    .await;
                if done.load(Ordering::SeqCst) && start.elapsed() == Duration::from_secs(10) {
                    Ok(())
                } else {
                    Err(format!(
                        "child finished: {}, after {:?}",
                        done.load(Ordering::SeqCst),
                        start.elapsed()
                    ))
                }
            },
        ),
    ]
}

/// Runs rows, each under a paused-clock day and `catch_unwind`; returns
/// the printed table and the failures.
async fn run_rows(rows: Vec<Row>) -> (String, Vec<String>) {
    let mut shown = String::new();
    let mut failures = Vec::new();
    for row in rows {
        let outcome = tokio::time::timeout(
            Duration::from_secs(86_400),
            AssertUnwindSafe(row.check).catch_unwind(),
        )
        .await;
        let verdict = match outcome {
            Ok(Ok(Ok(()))) => "ok".to_owned(),
            Ok(Ok(Err(why))) => why,
            Ok(Err(payload)) => format!(
                "panicked: {}",
                payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default()
            ),
            Err(_) => "hung for a day of paused time".to_owned(),
        };
        shown.push_str(&format!("{:<58} | {}\n", row.call, row.expect));
        if verdict != "ok" {
            failures.push(format!("{} | expected {} | got {verdict}", row.call, row.expect));
        }
    }
    (shown, failures)
}

#[tokio::test(start_paused = true)]
async fn every_bad_input_is_a_typed_error() {
    let (shown, failures) = run_rows(table()).await;
    eprintln!("{shown}");
    assert!(failures.is_empty(), "{} rows failed:\n{}", failures.len(), failures.join("\n"));
}
