//! An HTTP/1 client on hyper-util's pooled client whose connection tasks
//! live in a task group, shared by the `crawl` and `sync_vs_async`
//! examples and their tests.
//!
//! hyper runs each connection as a background task that it starts through
//! an *executor*. The usual executor is `tokio::spawn`, which makes those
//! tasks belong to nobody. Here the executor spawns them into an owned
//! [`TaskGroup`], so [`Connections::shutdown`] can wait until every
//! connection has closed, and dropping the group aborts them: even the
//! HTTP library's own tasks have an owner.
// Each example that includes this module uses a different part of it.
#![allow(dead_code)]

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, LOCATION};
use hyper::{StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use taskscope::{Spawner, TaskGroup};

/// The owner of an [`HttpClient`]'s connection tasks.
///
/// Dropping it aborts them; [`shutdown`](Self::shutdown) closes them and
/// waits until they have ended.
#[derive(Debug)]
pub(crate) struct Connections {
    group: TaskGroup<Infallible>,
}

/// A pooled HTTP/1 client (plain `http://` only). Clones share the pool.
#[derive(Clone, Debug)]
pub(crate) struct HttpClient {
    client: Client<HttpConnector, Empty<Bytes>>,
    max_body: usize,
}

/// A response, with its body read.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) status: StatusCode,
    /// The `Location` header of a redirect.
    pub(crate) location: Option<String>,
    /// Whether the body is HTML (worth looking for links in).
    pub(crate) is_html: bool,
    pub(crate) body: Bytes,
}

/// Why a request got no response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HttpError {
    /// No connection could be made.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The server closed the connection before it answered.
    #[error("connection closed before the response")]
    Closed,
    /// The body was longer than the client accepts.
    #[error("body longer than {0} bytes")]
    TooLarge(usize),
    /// Anything else hyper reported.
    #[error("{0}")]
    Other(String),
}

impl Connections {
    /// An empty group of connections. Must be called inside a tokio
    /// runtime.
    pub(crate) fn new() -> Connections {
        Connections { group: TaskGroup::builder().name("http-connections").build() }
    }

    /// A client whose connections live in this group, keeping up to
    /// `max_idle` idle connections per host and reading bodies of up to
    /// `max_body` bytes.
    pub(crate) fn client(&self, max_idle: usize, max_body: usize) -> HttpClient {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        let client = Client::builder(GroupExecutor(self.group.spawner()))
            .pool_max_idle_per_host(max_idle)
            .build(connector);
        HttpClient { client, max_body }
    }

    /// The number of connection tasks still running.
    pub(crate) fn open(&self) -> usize {
        self.group.len()
    }

    /// Closes every connection and waits until every connection task has
    /// ended. Call it once the requests are over: a request still running
    /// loses its connection.
    pub(crate) async fn shutdown(self) {
        self.group.cancel();
        // The tasks return `Ok(())` and a cancelled group joins with
        // `Ok(())`, so there is no error to report.
        let _ = self.group.join().await;
    }
}

impl HttpClient {
    /// Sends `GET uri` and reads the whole body.
    ///
    /// Cancel safe: dropping the future drops the request, and hyper
    /// closes its connection rather than reuse it.
    pub(crate) async fn get(&self, uri: Uri) -> Result<Fetched, HttpError> {
        let response = self.client.get(uri).await.map_err(classify)?;
        let status = response.status();
        let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok());
        let location = header(LOCATION).map(str::to_owned);
        let is_html = header(CONTENT_TYPE).is_some_and(|t| t.starts_with("text/html"));
        let body = Limited::new(response.into_body(), self.max_body)
            .collect()
            .await
            .map_err(|err| {
                if err.is::<http_body_util::LengthLimitError>() {
                    HttpError::TooLarge(self.max_body)
                } else {
                    HttpError::Other(err.to_string())
                }
            })?
            .to_bytes();
        Ok(Fetched { status, location, is_html, body })
    }
}

/// hyper's executor: spawns its background tasks into a task group.
#[derive(Clone, Debug)]
struct GroupExecutor(Spawner<Infallible>);

impl<F> hyper::rt::Executor<F> for GroupExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, fut: F) {
        self.0.spawn(async move {
            fut.await;
            Ok(())
        });
    }
}

/// Sorts hyper-util's error into the kinds a crawler reports.
fn classify(err: hyper_util::client::legacy::Error) -> HttpError {
    if err.is_connect() {
        let cause =
            std::error::Error::source(&err).map_or_else(|| err.to_string(), |s| s.to_string());
        return HttpError::Connect(cause);
    }
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        if let Some(hyper_err) = cause.downcast_ref::<hyper::Error>() {
            if hyper_err.is_incomplete_message() || hyper_err.is_closed() || hyper_err.is_canceled()
            {
                return HttpError::Closed;
            }
        }
        source = cause.source();
    }
    HttpError::Other(err.to_string())
}
