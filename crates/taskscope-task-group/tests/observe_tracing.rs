//! What taskscope tells `tracing`: a span per child with its name and path,
//! and the slow-poll warning.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use taskscope::TaskGroup;
use tracing_subscriber::fmt::MakeWriter;

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// Installs a subscriber for this thread; the current-thread runtime polls
/// every task on it.
fn capture(level: tracing::Level) -> (Captured, tracing::subscriber::DefaultGuard) {
    let out = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(out.clone())
        .with_max_level(level)
        .with_ansi(false)
        .without_time()
        .finish();
    (out, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn every_child_runs_in_a_span_with_its_name_and_path() {
    let (out, _guard) = capture(tracing::Level::DEBUG);
    TaskGroup::builder()
        .name("crawler")
        .scope(async |tg| {
            tg.spawn_named("fetch-17", async {
                tracing::info!("fetching");
                Ok::<_, ()>(())
            });
            Ok(())
        })
        .await
        .unwrap();
    let text = out.text();
    assert!(
        text.contains("task{name=fetch-17 path=crawler/fetch-17}: ") && text.contains("fetching"),
        "{text}"
    );
}

#[tokio::test]
async fn a_blocking_poll_is_reported_with_the_task_path() {
    let (out, _guard) = capture(tracing::Level::WARN);
    TaskGroup::builder()
        .name("svc")
        .warn_slow_polls(Duration::from_millis(20))
        .scope(async |tg| {
            tg.spawn_named("fine", async {
                tokio::task::yield_now().await;
                Ok::<_, ()>(())
            });
            tg.spawn_named("blocker", async {
                // The stimulus, not a timing assertion: this poll blocks
                // its thread, which is what the warning is about.
                std::thread::sleep(Duration::from_millis(40));
                Ok(())
            });
            Ok(())
        })
        .await
        .unwrap();
    let text = out.text();
    assert!(text.contains("WARN"), "{text}");
    assert!(text.contains("a single poll of task `svc/blocker` blocked the runtime for"), "{text}");
    assert!(text.contains("threshold=20ms"), "{text}");
    assert!(!text.contains("svc/fine"), "quick polls are not reported: {text}");
}

#[tokio::test]
async fn a_blocking_body_is_reported_too() {
    let (out, _guard) = capture(tracing::Level::WARN);
    TaskGroup::builder()
        .name("svc")
        .warn_slow_polls(Duration::from_millis(20))
        .scope(async |_tg| {
            std::thread::sleep(Duration::from_millis(40));
            Ok::<_, ()>(())
        })
        .await
        .unwrap();
    assert!(out.text().contains("a single poll of task `svc/body` blocked"), "{}", out.text());
}

#[tokio::test]
async fn nested_groups_inherit_the_threshold() {
    let (out, _guard) = capture(tracing::Level::WARN);
    TaskGroup::builder()
        .name("outer")
        .warn_slow_polls(Duration::from_millis(20))
        .scope(async |tg| {
            tg.spawn_group(TaskGroup::builder().name("inner"), |inner| async move {
                inner.spawn_named("slow", async {
                    std::thread::sleep(Duration::from_millis(40));
                    Ok::<_, ()>(())
                });
                Ok(())
            });
            Ok(())
        })
        .await
        .unwrap();
    assert!(out.text().contains("`outer/inner/slow`"), "{}", out.text());
}
