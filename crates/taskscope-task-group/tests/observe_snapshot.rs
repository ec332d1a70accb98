//! Snapshots of task trees: states, nesting, names, ages, polls, and the
//! `pstree`-style formatting, on the paused clock.

use std::future::pending;
use std::time::Duration;

use taskscope::{Policy, TaskGroup, TaskKind, TaskState};
use tokio::time::sleep;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test(start_paused = true)]
async fn snapshot_describes_tasks_and_nested_groups() {
    let tg = TaskGroup::builder().name("svc").track_tasks(true).build::<()>();
    tg.spawn_named("listener", pending::<Result<(), ()>>());
    sleep(ms(100)).await;
    tg.spawn_group(TaskGroup::builder().name("pool"), |pool| async move {
        pool.spawn_named("conn-1", pending::<Result<(), ()>>());
        pool.spawn(pending::<Result<(), ()>>());
        pending::<Result<(), ()>>().await
    });
    sleep(ms(50)).await;

    let tree = tg.snapshot();
    let svc = &tree.roots[0];
    assert_eq!(
        (svc.name.as_str(), svc.kind, svc.state),
        ("svc", TaskKind::Group, TaskState::Running)
    );
    assert_eq!(svc.age, ms(150));
    assert_eq!(svc.untracked, 0);
    let listener = tree.find("svc/listener").expect("listener");
    assert_eq!(
        (listener.state, listener.age, listener.polls),
        (TaskState::Waiting, ms(150), Some(1))
    );
    let pool = tree.find("svc/pool").expect("nested group");
    assert_eq!(pool.kind, TaskKind::Group);
    assert_eq!(pool.age, ms(50));
    let body = tree.find("svc/pool/body").expect("the nested group's body");
    assert_eq!(body.kind, TaskKind::Body);
    assert!(tree.find("svc/pool/conn-1").is_some(), "nested groups inherit tracking: {tree}");
    let unnamed = &pool.children[2];
    assert!(unnamed.name.starts_with("task-"), "{tree}");
    assert_eq!(unnamed.path, format!("svc/pool/{}", unnamed.name));

    let text = tree.to_string();
    let expected_start = "svc [group, running, 150ms]\n\
                          ├─ listener [waiting, 150ms, 1 poll]\n\
                          └─ pool [group, running, 50ms]\n   \
                             ├─ body [body, waiting, 50ms, 1 poll]\n   \
                             ├─ conn-1 [waiting, 50ms, 1 poll]\n   \
                             └─ task-";
    assert!(text.starts_with(expected_start), "{text}");
    drop(tg);
}

#[tokio::test(start_paused = true)]
async fn untracked_groups_count_their_children() {
    let tg = TaskGroup::builder().name("batch").build::<()>();
    for _ in 0..3 {
        tg.spawn(pending::<Result<(), ()>>());
    }
    tokio::task::yield_now().await;
    let tree = tg.snapshot();
    assert_eq!(tree.roots[0].children.len(), 0);
    assert_eq!(tree.roots[0].untracked, 3);
    assert_eq!(tree.to_string(), "batch [group, running, 0µs]\n└─ (+3 untracked tasks)");
}

#[tokio::test(start_paused = true)]
async fn cancelling_and_finished_states() {
    let tg = TaskGroup::builder().name("g").track_tasks(true).grace(ms(500)).build::<()>();
    let spawner = tg.spawner();
    tg.spawn_named("deaf", pending::<Result<(), ()>>());
    tokio::task::yield_now().await;
    tg.cancel();
    let tree = tg.snapshot();
    assert_eq!(tree.roots[0].state, TaskState::Cancelling);
    assert_eq!(tree.find("g/deaf").unwrap().state, TaskState::Cancelling);
    tg.join().await.unwrap();
    let tree = spawner.snapshot();
    assert_eq!(tree.roots[0].state, TaskState::Done);
    assert!(tree.roots[0].children.is_empty(), "finished children are gone: {tree}");
}

#[tokio::test(start_paused = true)]
async fn a_failed_group_reads_failed() {
    let mut kept = None;
    let _ = TaskGroup::builder()
        .name("f")
        .policy(Policy::CollectAll)
        .scope(async |tg| {
            kept = Some(tg.clone());
            tg.spawn(async { Err::<(), _>("x") });
            Ok(())
        })
        .await;
    assert_eq!(kept.unwrap().snapshot().roots[0].state, TaskState::Failed);
}

#[tokio::test(start_paused = true)]
async fn tasks_lists_tracked_root_groups_only_while_they_live() {
    let tracked = TaskGroup::builder().name("tracked-root-7a").track_tasks(true).build::<()>();
    let untracked = TaskGroup::builder().name("untracked-root-7a").build::<()>();
    tracked.spawn_named("job", pending::<Result<(), ()>>());
    let all = taskscope::tasks();
    assert!(all.find("tracked-root-7a/job").is_some());
    assert!(all.find("untracked-root-7a").is_none());
    drop(tracked);
    drop(untracked);
    tokio::task::yield_now().await;
    assert!(taskscope::tasks().find("tracked-root-7a").is_none());
}

#[tokio::test(start_paused = true)]
async fn polls_are_counted() {
    let tg = TaskGroup::builder().name("p").track_tasks(true).build::<()>();
    tg.spawn_named("yielder", async {
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        pending::<Result<(), ()>>().await
    });
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(tg.snapshot().find("p/yielder").unwrap().polls, Some(5));
}
