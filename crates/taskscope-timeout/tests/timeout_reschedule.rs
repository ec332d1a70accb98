//! DESIGN 15, rescheduling: later, earlier, into the past (fires at once),
//! from the timed future itself and from another task.

use std::future::pending;
use std::time::Duration;

use taskscope_timeout::{Timeout, current_deadline, timeout};
use tokio::task::yield_now;
use tokio::time::{Instant, sleep};
use tokio_test::task::spawn;
use tokio_test::{assert_pending, assert_ready_err};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// From another task: later. The worker runs until the new deadline.
#[tokio::test(start_paused = true)]
async fn reschedule_later_from_another_task() {
    let start = Instant::now();
    let timer = Timeout::after(ms(10));
    let handle = timer.handle();
    let worker = tokio::spawn(timer.run(pending::<()>()));
    sleep(ms(5)).await;
    handle.reschedule(start + ms(30));
    let err = worker.await.unwrap().unwrap_err();
    assert_eq!(err.deadline(), start + ms(30));
    assert_eq!(start.elapsed(), ms(30));
}

// From another task: earlier, still in the future.
#[tokio::test(start_paused = true)]
async fn reschedule_earlier_from_another_task() {
    let start = Instant::now();
    let timer = Timeout::after(ms(100));
    let handle = timer.handle();
    let worker = tokio::spawn(timer.run(pending::<()>()));
    sleep(ms(5)).await;
    handle.reschedule(start + ms(20));
    let err = worker.await.unwrap().unwrap_err();
    assert_eq!(err.deadline(), start + ms(20));
    assert_eq!(start.elapsed(), ms(20));
}

// From another task: into the past. Fires at once, the clock stands still.
#[tokio::test(start_paused = true)]
async fn reschedule_into_the_past_from_another_task() {
    let start = Instant::now();
    let timer = Timeout::after(Duration::from_secs(60));
    let handle = timer.handle();
    let worker = tokio::spawn(timer.run(pending::<()>()));
    sleep(ms(5)).await;
    handle.reschedule(start);
    let err = worker.await.unwrap().unwrap_err();
    assert_eq!(err.deadline(), start);
    assert_eq!(start.elapsed(), ms(5));
    assert!(handle.expired());
}

// Into the past at the poll level: the next poll reports.
#[tokio::test(start_paused = true)]
async fn reschedule_into_the_past_fires_at_next_poll() {
    let timer = Timeout::after(Duration::from_secs(60));
    let handle = timer.handle();
    let mut fut = spawn(timer.run(pending::<()>()));
    assert_pending!(fut.poll());
    assert!(!fut.is_woken());
    handle.reschedule(Instant::now());
    assert!(fut.is_woken());
    assert_ready_err!(fut.poll());
}

// From the timed future itself: a past deadline fires at the very wait the
// future reaches next, and the code before it runs.
#[tokio::test(start_paused = true)]
async fn reschedule_into_the_past_from_inside() {
    let start = Instant::now();
    let timer = Timeout::after(Duration::from_secs(60));
    let handle = timer.handle();
    let mut steps = Vec::new();
    let result = timer
        .run(async {
            steps.push("before");
            handle.reschedule(start);
            steps.push("after reschedule");
            yield_now().await;
            steps.push("unreachable");
        })
        .await;
    assert_eq!(result.unwrap_err().deadline(), start);
    assert_eq!(steps, ["before", "after reschedule"]);
}

// Back and forth: only the last reschedule counts, and removing the
// deadline lets the future finish.
#[tokio::test(start_paused = true)]
async fn reschedule_back_and_forth_and_remove() {
    let start = Instant::now();
    let timer = Timeout::after(ms(10));
    let handle = timer.handle();
    let result = timer
        .run(async {
            handle.reschedule(start + ms(1));
            handle.reschedule(start + ms(500));
            sleep(ms(20)).await;
            assert_eq!(current_deadline(), Some(start + ms(500)));
            handle.reschedule(None);
            sleep(ms(1000)).await;
            assert_eq!(current_deadline(), None);
            "finished"
        })
        .await;
    assert_eq!(result, Ok("finished"));
    assert_eq!(start.elapsed(), ms(1020));
}

// A rescheduled outer deadline moves the effective deadline of an inner
// timeout, and an earlier inner deadline is not moved by it.
#[tokio::test(start_paused = true)]
async fn reschedule_outer_under_nested_timeouts() {
    let start = Instant::now();
    let outer = Timeout::after(ms(10));
    let handle = outer.handle();
    let result = outer
        .run(async {
            timeout(ms(100), async {
                assert_eq!(current_deadline(), Some(start + ms(10)));
                handle.reschedule(start + ms(50));
                yield_now().await;
                assert_eq!(current_deadline(), Some(start + ms(50)));
                sleep(ms(200)).await;
            })
            .await
        })
        .await;
    // The outer deadline (50 ms) fires first and reports.
    assert!(matches!(result, Err(e) if e.deadline() == start + ms(50)));
    assert_eq!(start.elapsed(), ms(50));
}

// A reschedule of an outer timeout to the same instant as an inner one
// that has already fired: the outer claims the report.
#[tokio::test(start_paused = true)]
async fn reschedule_outer_to_the_inner_deadline_outer_reports() {
    let start = Instant::now();
    let outer = Timeout::never();
    let handle = outer.handle();
    let result = outer
        .run(async {
            handle.reschedule(start + ms(10));
            timeout(ms(10), pending::<()>()).await
        })
        .await;
    assert!(matches!(result, Err(e) if e.deadline() == start + ms(10)), "{result:?}");
}

// Many handles, many tasks: all see the same deadline.
#[tokio::test(start_paused = true)]
async fn cloned_handles_share_one_deadline() {
    let start = Instant::now();
    let timer = Timeout::after(ms(10));
    let handles: Vec<_> = (0..4).map(|_| timer.handle()).collect();
    let tasks: Vec<_> = handles
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = h.clone();
            tokio::spawn(async move { h.reschedule(start + ms(20 + i as u64)) })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let deadline = handles[0].deadline();
    assert!(handles.iter().all(|h| h.deadline() == deadline));
    let err = timer.run(pending::<()>()).await.unwrap_err();
    assert_eq!(Some(err.deadline()), deadline);
}
