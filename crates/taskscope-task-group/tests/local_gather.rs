//! `gather_local`: results in input order without spawning, borrowing and
//! `!Send` inputs, the first failure dropping the rest, panics, names and
//! paths, and linear polling under tokio's budget.

mod support;

use std::cell::{Cell, RefCell};
use std::future::{Future, pending};
use std::rc::Rc;
use std::time::Duration;

use futures::FutureExt as _;
use taskscope::TaskGroup;
use taskscope::task_group::gather_local;
use tokio::time::{Instant, sleep};
use tokio_test::{assert_pending, assert_ready};

use support::LocalTracker;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// CPython's GatherTestsBase.test_success, polled in place: input order,
// ready only when the last input is.
#[tokio::test(start_paused = true)]
async fn results_follow_the_input_order() {
    let tracker = LocalTracker::default();
    let inputs = [(20, 2), (10, 1), (30, 3)].map(|(d, v)| {
        tracker.track(async move {
            sleep(ms(d)).await;
            Ok::<_, String>(v)
        })
    });
    let mut gathered = tokio_test::task::spawn(gather_local(inputs));
    assert_pending!(gathered.poll());
    sleep(ms(25)).await;
    assert_pending!(gathered.poll());
    sleep(ms(10)).await;
    assert_eq!(assert_ready!(gathered.poll()).unwrap(), [2, 1, 3]);
    tracker.assert_all_done();
}

#[tokio::test(start_paused = true)]
async fn inputs_may_borrow_and_need_not_be_send() {
    let lines = [String::from("10"), String::from("20"), String::from("30")];
    let seen = Rc::new(RefCell::new(Vec::new()));
    let parsed = gather_local(lines.iter().enumerate().map(|(i, line)| {
        let seen = seen.clone();
        async move {
            sleep(ms(3 - i as u64)).await;
            seen.borrow_mut().push(i);
            line.parse::<u32>()
        }
    }))
    .await
    .unwrap();
    assert_eq!(parsed, [10, 20, 30]);
    assert_eq!(*seen.borrow(), [2, 1, 0], "concurrently, in completion order");
}

#[tokio::test(start_paused = true)]
async fn the_first_failure_drops_the_rest_at_once() {
    let tracker = LocalTracker::default();
    let start = Instant::now();
    let err = gather_local([
        tracker.track(pending::<Result<u8, &str>>()).boxed_local(),
        tracker
            .track(async {
                sleep(ms(10)).await;
                Err("bad record")
            })
            .boxed_local(),
        tracker.track(pending()).boxed_local(),
    ])
    .await
    .unwrap_err();
    assert_eq!(start.elapsed(), ms(10));
    assert_eq!(err.len(), 1);
    let entry = err.first().unwrap();
    assert_eq!(entry.task().name(), "gather_local-1");
    assert_eq!(entry.task().path(), "gather_local/gather_local-1");
    assert_eq!(entry.as_failed(), Some(&"bad record"));
    assert_eq!(err.group().name(), "gather_local");
    tracker.assert_all_done();
}

#[tokio::test(start_paused = true)]
async fn a_panic_drops_the_rest_then_is_resumed() {
    let tracker = LocalTracker::default();
    let gathered = gather_local([
        tracker.track(pending::<Result<u8, ()>>()).boxed_local(),
        tracker
            .track(async {
                sleep(ms(1)).await;
                panic!("parser bug")
            })
            .boxed_local(),
    ]);
    let payload = std::panic::AssertUnwindSafe(gathered).catch_unwind().await.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"parser bug"));
    tracker.assert_all_done();
}

// Inside a group: the path starts with the group's, and a group that
// catches panics turns the panic into an entry.
#[tokio::test(start_paused = true)]
async fn inside_a_group_it_takes_the_path_and_the_panic_policy() {
    TaskGroup::builder()
        .name("import")
        .catch_panics()
        .scope(async |_tg| {
            let err = gather_local([
                async { Ok::<u8, String>(1) }.boxed(),
                async { panic!("bad row") }.boxed(),
            ])
            .await
            .unwrap_err();
            let entry = err.first().unwrap();
            assert!(entry.is_panic());
            assert_eq!(entry.task().path(), "import/gather_local/gather_local-1");
            Ok::<_, String>(())
        })
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_empty_input_is_an_empty_vec() {
    let none: Vec<std::future::Ready<Result<u8, ()>>> = Vec::new();
    assert!(gather_local(none).await.unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn dropping_it_drops_every_input_at_once() {
    let tracker = LocalTracker::default();
    let mut gathered = tokio_test::task::spawn(gather_local(
        (0..4).map(|_| tracker.track(pending::<Result<(), ()>>())),
    ));
    assert_pending!(gathered.poll());
    drop(gathered);
    tracker.assert_all_done();
}

// Linear polling under tokio's budget (the `FuturesUnordered` trap).
#[tokio::test(start_paused = true)]
async fn many_inputs_completing_at_once_are_polled_a_linear_number_of_times() {
    const N: usize = 4_000;
    let polls = Cell::new(0usize);
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..N).map(|_| tokio::sync::oneshot::channel::<()>()).unzip();
    let polls_ref = &polls;
    let mut gathered = gather_local(receivers.into_iter().map(|mut rx| {
        futures::future::poll_fn(move |cx| {
            polls_ref.set(polls_ref.get() + 1);
            std::pin::Pin::new(&mut rx).poll(cx)
        })
    }));
    assert!(futures::poll!(&mut gathered).is_pending());
    for tx in senders {
        tx.send(()).unwrap();
    }
    assert_eq!(gathered.await.unwrap().len(), N);
    assert_eq!(polls.get(), 2 * N);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inputs_woken_from_other_threads() {
    let values = gather_local((0..300u64).map(|i| async move {
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            i * 3
        })
        .await
    }))
    .await
    .unwrap();
    assert_eq!(values, (0..300).map(|i| i * 3).collect::<Vec<_>>());
}
