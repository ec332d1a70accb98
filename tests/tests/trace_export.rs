//! The `trace-export` feature: task lifetimes as Chrome trace-event JSON,
//! one complete event per task and per group.

use std::time::Duration;

use serde_json::Value;
use taskscope::{Policy, TaskGroup, TraceRecorder};
use tokio::time::sleep;

/// One test: a recorder is process-wide, so tests that record must not
/// overlap.
#[tokio::test(start_paused = true)]
async fn the_trace_holds_one_complete_event_per_task() {
    let recorder = TraceRecorder::start().expect("the only recorder");
    assert!(TraceRecorder::start().is_err(), "one recorder at a time");
    let _ = TaskGroup::builder()
        .name("crawl")
        .track_tasks(true)
        .policy(Policy::CollectAll)
        .scope(async |tg| {
            tg.spawn_named("fast", async {
                sleep(Duration::from_millis(10)).await;
                Ok::<_, &str>(())
            });
            tg.spawn_named("broken", async {
                sleep(Duration::from_millis(20)).await;
                Err::<(), _>("HTTP 500")
            });
            tg.spawn_group(TaskGroup::builder().name("site"), |site| async move {
                site.spawn_named("page", async {
                    sleep(Duration::from_millis(30)).await;
                    Ok(())
                });
                Ok(())
            });
            let slow = tg.spawn_named("aborted", async {
                sleep(Duration::from_secs(60)).await;
                Ok(())
            });
            sleep(Duration::from_millis(40)).await;
            slow.abort();
            Ok(())
        })
        .await;
    let json: Value = serde_json::from_str(&recorder.finish()).expect("valid JSON");
    let events = json["traceEvents"].as_array().expect("traceEvents");
    let find = |name: &str| {
        let matching: Vec<&Value> = events.iter().filter(|e| e["name"] == name).collect();
        assert_eq!(matching.len(), 1, "exactly one event for {name}: {events:#?}");
        matching[0]
    };
    for e in events {
        assert_eq!(e["ph"], "X", "complete events only");
        assert!(e["ts"].is_u64() && e["dur"].is_u64());
    }
    assert_eq!(find("crawl/fast")["dur"], 10_000);
    assert_eq!(find("crawl/fast")["args"]["outcome"], "done");
    assert_eq!(find("crawl/broken")["dur"], 20_000);
    assert_eq!(find("crawl/broken")["args"]["outcome"], "failed");
    assert_eq!(find("crawl/site/page")["dur"], 30_000);
    assert_eq!(find("crawl/aborted")["args"]["outcome"], "cancelled");
    assert_eq!(find("crawl/aborted")["dur"], 40_000);
    assert_eq!(find("crawl/site")["cat"], "group");
    assert_eq!(find("crawl")["cat"], "group");
    assert_eq!(find("crawl")["args"]["outcome"], "failed");
    assert_eq!(find("crawl")["dur"], 40_000);
    assert_eq!(events.len(), 6, "four tasks and two groups");
}
