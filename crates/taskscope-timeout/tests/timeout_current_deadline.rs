//! `current_deadline` and `inherit`: the effective deadline is visible to
//! the code under it, across awaits and sibling branches, restored after
//! a panic, and carried into spawned tasks only when asked.

use std::future::pending;
use std::time::Duration;

use futures::FutureExt as _;
use taskscope_timeout::{Timeout, current_deadline, inherit, move_on_after, timeout, timeout_at};
use tokio::task::yield_now;
use tokio::time::{Instant, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// Nesting: the earliest deadline is the effective one, at every level, and
// each level's view comes back after the inner one ends.
#[tokio::test(start_paused = true)]
async fn current_deadline_nesting() {
    let t = Instant::now();
    assert_eq!(current_deadline(), None);
    timeout_at(t + ms(50), async {
        assert_eq!(current_deadline(), Some(t + ms(50)));
        timeout_at(t + ms(20), async {
            assert_eq!(current_deadline(), Some(t + ms(20)));
            timeout_at(t + ms(90), async {
                assert_eq!(current_deadline(), Some(t + ms(20)));
                yield_now().await;
                assert_eq!(current_deadline(), Some(t + ms(20)));
            })
            .await
            .unwrap();
            assert_eq!(current_deadline(), Some(t + ms(20)));
        })
        .await
        .unwrap();
        assert_eq!(current_deadline(), Some(t + ms(50)));
        Timeout::never()
            .run(async { assert_eq!(current_deadline(), Some(t + ms(50))) })
            .await
            .unwrap();
    })
    .await
    .unwrap();
    assert_eq!(current_deadline(), None);
}

// Sibling branches of one join each see their own timeout's deadline.
#[tokio::test(start_paused = true)]
async fn sibling_branches_see_their_own_deadline() {
    let t = Instant::now();
    let branch = |d: Duration| {
        timeout(d, async move {
            for _ in 0..3 {
                assert_eq!(current_deadline(), Some(t + d));
                sleep(ms(1)).await;
            }
        })
    };
    let (a, b, c) = tokio::join!(branch(ms(10)), branch(ms(20)), branch(ms(30)));
    assert!(a.is_ok() && b.is_ok() && c.is_ok());
}

// A panic inside a timed future does not leave its deadline behind.
#[tokio::test(start_paused = true)]
async fn deadline_is_restored_after_a_panic() {
    let caught = std::panic::AssertUnwindSafe(timeout(ms(10), async {
        assert!(current_deadline().is_some());
        panic!("boom");
    }))
    .catch_unwind()
    .await;
    assert!(caught.is_err());
    assert_eq!(current_deadline(), None);
}

// A spawned task does not see the spawner's deadline unless it inherits it.
#[tokio::test(start_paused = true)]
async fn spawned_tasks_inherit_only_when_asked() {
    let t = Instant::now();
    timeout_at(t + ms(100), async {
        let plain = tokio::spawn(async { current_deadline() });
        let inherited = tokio::spawn(inherit(async {
            let first = current_deadline();
            yield_now().await;
            // A nested timeout in the child: earlier wins, later does not.
            let earlier = timeout(ms(5), async { current_deadline() }).await.unwrap();
            let later = timeout(ms(500), async { current_deadline() }).await.unwrap();
            (first, earlier, later)
        }));
        assert_eq!(plain.await.unwrap(), None);
        assert_eq!(
            inherited.await.unwrap(),
            (Some(t + ms(100)), Some(t + ms(5)), Some(t + ms(100)))
        );
    })
    .await
    .unwrap();
}

// Without a deadline, `inherit` carries nothing.
#[tokio::test(start_paused = true)]
async fn inherit_without_a_deadline_carries_none() {
    let child = inherit(async { current_deadline() });
    assert_eq!(child.deadline(), None);
    assert_eq!(tokio::spawn(child).await.unwrap(), None);
}

// The inherited deadline is informational: nothing in the child's task
// enforces it, so the child's own timeouts report their expiry even after
// it passed.
#[tokio::test(start_paused = true)]
async fn inherited_deadline_is_not_enforced_in_the_child() {
    let t = Instant::now();
    let mut child = None;
    timeout(ms(10), async {
        child = Some(inherit(async { timeout(ms(50), pending::<()>()).await }));
    })
    .await
    .unwrap();
    let result = tokio::spawn(child.unwrap()).await.unwrap();
    assert_eq!(result.unwrap_err().deadline(), t + ms(50));
    assert_eq!(t.elapsed(), ms(50));
}

// move_on_after takes part like any other timeout.
#[tokio::test(start_paused = true)]
async fn move_on_after_sets_the_deadline() {
    let t = Instant::now();
    let seen = move_on_after(ms(7), async { current_deadline() }).await;
    assert_eq!(seen, Some(Some(t + ms(7))));
}
