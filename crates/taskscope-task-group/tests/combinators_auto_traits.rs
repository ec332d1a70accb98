//! Send, Sync and Unpin of the combinators' public types and of the
//! futures they return (futures' `auto_traits.rs` habit): a `gather` must
//! be `tokio::spawn`-able when its inputs are.

use std::future::Future;

use taskscope::TaskGroup;
use taskscope::task_group::{
    AsCompleted, GatherLocal, ReturnWhen, Wait, as_completed, gather, gather_settled,
    map_concurrent, race,
};

type Input = std::future::Ready<Result<u8, String>>;

fn send<T: Send>() {}
fn sync<T: Sync>() {}
fn unpin<T: Unpin>() {}
fn send_value<T: Send>(_: &T) {}

fn inputs() -> Vec<Input> {
    vec![std::future::ready(Ok(1))]
}

#[test]
fn public_types() {
    send::<AsCompleted<std::vec::IntoIter<Input>, u8, String>>();
    sync::<AsCompleted<std::vec::IntoIter<Input>, u8, String>>();
    unpin::<AsCompleted<std::vec::IntoIter<Input>, u8, String>>();
    send::<Wait<u8>>();
    sync::<Wait<u8>>();
    unpin::<Wait<u8>>();
    send::<ReturnWhen>();
    sync::<ReturnWhen>();
    send::<GatherLocal<Input>>();
    unpin::<GatherLocal<Input>>();
}

#[tokio::test]
async fn returned_futures_are_send_when_the_inputs_are() {
    send_value(&gather(inputs()));
    send_value(&gather_settled(inputs()));
    send_value(&race(inputs()));
    send_value(&map_concurrent(0..3u8, 2, |i| std::future::ready(Ok::<_, String>(i))).unwrap());
    let spawned = tokio::spawn(gather(inputs()));
    assert_eq!(spawned.await.unwrap().unwrap(), [1]);
    let scope = TaskGroup::builder().scope(async |_tg| {
        let stream = as_completed(inputs());
        let _ = futures::StreamExt::collect::<Vec<_>>(stream).await;
        Ok::<_, String>(())
    });
    fn spawnable<F: Future + Send + 'static>(_: &F) {}
    spawnable(&scope);
    scope.await.unwrap();
}
