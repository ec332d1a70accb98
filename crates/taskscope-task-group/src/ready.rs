//! `Ready`: how a child given to `start` reports that it has started.

use std::fmt;

use tokio::sync::oneshot;

/// Given to a child spawned with [`Spawner::start`](crate::Spawner::start):
/// call [`started`](Self::started) once the child is ready (a server has
/// bound its port, a connection pool is warm), and `start` returns the
/// value while the child keeps running in the group.
///
/// This is Trio's `task_status`. Consuming `self` makes "started twice" a
/// compile error rather than a run-time one.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use taskscope::Ready;
/// use tokio::net::TcpListener;
///
/// taskscope::scope(async |tg| {
///     let addr = tg
///         .start(|ready: Ready<std::net::SocketAddr>| async move {
///             let listener = TcpListener::bind("127.0.0.1:0").await?;
///             ready.started(listener.local_addr()?);
///             let (_socket, _) = listener.accept().await?;
///             Ok::<_, std::io::Error>(())
///         })
///         .await
///         .expect("the server started");
///     // The server is listening now; connect to it.
///     tokio::net::TcpStream::connect(addr).await?;
///     Ok(())
/// })
/// .await
/// .unwrap();
/// # }
/// ```
pub struct Ready<V> {
    tx: oneshot::Sender<V>,
}

impl<V> Ready<V> {
    pub(crate) fn new(tx: oneshot::Sender<V>) -> Self {
        Ready { tx }
    }

    /// Reports that the child is ready, handing `value` to the caller of
    /// `start`. If that caller has gone away (its `start` future was
    /// dropped), the value is dropped and the child runs on.
    ///
    /// # Examples
    ///
    /// See the [type-level example](Ready).
    pub fn started(self, value: V) {
        let _ = self.tx.send(value);
    }
}

impl<V> fmt::Debug for Ready<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready").field("waiting", &!self.tx.is_closed()).finish()
    }
}
