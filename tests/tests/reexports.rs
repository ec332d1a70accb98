//! Every sub-crate is reachable through the facade, and the facade's root
//! names are the sub-crates' own types (crossbeam's `tests/subcrates.rs`).

use std::time::Duration;

/// Compiles only if `A` and `B` are the same type.
fn same<A, B>()
where
    A: Is<B>,
{
}
trait Is<T> {}
impl<T> Is<T> for T {}

#[test]
fn root_names_are_the_sub_crates_types() {
    type E = std::io::Error;
    same::<taskscope::TaskGroup<E>, taskscope_task_group_alias::TaskGroup<E>>();
    same::<taskscope::ErrorGroup<E>, taskscope::error_group::ErrorGroup<E>>();
    same::<taskscope::TaskError<E>, taskscope::error_group::TaskError<E>>();
    same::<taskscope::TaskInfo, taskscope::error_group::TaskInfo>();
    same::<taskscope::Spawner<E>, taskscope::task_group::Spawner<E>>();
    same::<taskscope::JoinError, taskscope::task_group::JoinError>();
}

/// The facade exposes the task-group crate as a module too.
mod taskscope_task_group_alias {
    pub(crate) use taskscope::task_group::TaskGroup;
}

#[tokio::test(start_paused = true)]
async fn each_sub_crate_through_the_facade() {
    use taskscope::prelude::*;

    // timeout
    let late = taskscope::timeout::timeout(Duration::from_secs(1), std::future::pending::<()>());
    assert!(late.await.is_err());
    assert_eq!(taskscope::timeout::current_deadline(), None);

    // semaphore
    let sem = taskscope::semaphore::Semaphore::bounded(2).expect("two permits");
    let permit = sem.acquire().await.expect("open");
    assert_eq!(sem.available(), 1);
    drop(permit);
    let rate = taskscope::semaphore::RateLimiter::per_second(10.0).expect("a rate");
    rate.acquire().await;

    // queue
    let queue = taskscope::queue::Queue::bounded(4).expect("capacity");
    queue.put(1).await.expect("open");
    assert_eq!(queue.get().await.expect("an item"), 1);
    queue.task_done().expect("one item was put");
    queue.join().await;

    // error group
    use taskscope::error_group::TaskInfo;
    let mut group = taskscope::error_group::ErrorGroup::new(TaskInfo::new("g", "g"));
    group.push(TaskError::failed(TaskInfo::new("t", "g/t"), "boom"));
    assert_eq!(group.len(), 1);

    // task group, through the prelude
    let value: Result<u8, ErrorGroup<std::io::Error>> =
        scope(async |tg: Spawner<std::io::Error>| {
            let h: TaskHandle<u8> = tg.spawn(async { Ok(7) });
            Ok(h.await.expect("ran"))
        })
        .await;
    assert_eq!(value.unwrap(), 7);
    let _ = Policy::CollectAll;
    let _ = TaskGroup::<std::io::Error>::new();
}
