//! Send, Sync and Unpin of every public type and named future (futures'
//! `auto_traits.rs` habit): handles cross threads, futures are as `Send` as
//! what they wrap.

use std::future::Ready;
use std::rc::Rc;

use taskscope_timeout::{Elapsed, Inherit, MoveOn, Shield, Timeout, TimeoutFuture, TimeoutHandle};

fn is_send<T: Send>() {}
fn is_sync<T: Sync>() {}
fn is_unpin<T: Unpin>() {}

#[test]
fn public_types_are_send_sync() {
    is_send::<Timeout>();
    is_sync::<Timeout>();
    is_unpin::<Timeout>();
    is_send::<TimeoutHandle>();
    is_sync::<TimeoutHandle>();
    is_unpin::<TimeoutHandle>();
    is_send::<Elapsed>();
    is_sync::<Elapsed>();
    is_unpin::<Elapsed>();
}

#[test]
fn futures_follow_their_inner_future() {
    is_send::<TimeoutFuture<Ready<()>>>();
    is_sync::<TimeoutFuture<Ready<()>>>();
    is_send::<MoveOn<Ready<()>>>();
    is_sync::<MoveOn<Ready<()>>>();
    is_send::<Shield<Ready<()>>>();
    is_sync::<Shield<Ready<()>>>();
    is_unpin::<Shield<Ready<()>>>();
    is_send::<Inherit<Ready<()>>>();
    is_sync::<Inherit<Ready<()>>>();
    is_unpin::<Inherit<Ready<()>>>();
}

/// The negative cases, as compile-time checks: a `TimeoutFuture` holds a
/// tokio `Sleep`, which is `!Unpin`, and nothing here makes a `!Send` future
/// `Send`.
#[test]
fn negative_cases() {
    trait AmbiguousIfUnpin<A> {
        fn some_item() {}
    }
    impl<T: ?Sized> AmbiguousIfUnpin<()> for T {}
    impl<T: ?Sized + Unpin> AmbiguousIfUnpin<u8> for T {}
    // Compiles only if `TimeoutFuture<_>` is not `Unpin` (otherwise the
    // call would be ambiguous).
    <TimeoutFuture<Ready<()>> as AmbiguousIfUnpin<_>>::some_item();

    trait AmbiguousIfSend<A> {
        fn some_item() {}
    }
    impl<T: ?Sized> AmbiguousIfSend<()> for T {}
    impl<T: ?Sized + Send> AmbiguousIfSend<u8> for T {}
    <TimeoutFuture<Ready<Rc<()>>> as AmbiguousIfSend<_>>::some_item();
    <Shield<Ready<Rc<()>>> as AmbiguousIfSend<_>>::some_item();
}
