//! ErrorGroup as a tree: display, flattening, splitting and the error chain.

use std::error::Error;
use std::fmt;
use std::time::Duration;

use taskscope::error_group::{ErrorGroup, TaskError, TaskInfo};

#[derive(Debug, PartialEq)]
struct HttpError(u16);

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.0)
    }
}

impl Error for HttpError {}

fn info(path: &str) -> TaskInfo {
    TaskInfo::new(path.rsplit('/').next().unwrap_or(path), path)
}

/// crawler
/// ├─ fetch-1: HTTP 500
/// ├─ site-b (group)
/// │  ├─ page-1: HTTP 404
/// │  └─ page-2: panicked
/// └─ slow: timed out
fn sample() -> ErrorGroup<HttpError> {
    let mut site = ErrorGroup::new(info("crawler/site-b"));
    site.push(TaskError::failed(info("crawler/site-b/page-1"), HttpError(404)));
    site.push(TaskError::panicked(info("crawler/site-b/page-2"), "index out of bounds"));
    let mut group = ErrorGroup::new(info("crawler"));
    group.push(TaskError::failed(info("crawler/fetch-1"), HttpError(500)));
    group.push(TaskError::group(info("crawler/site-b"), site));
    group.push(TaskError::timed_out(info("crawler/slow"), Duration::from_secs(5)));
    group
}

#[test]
fn display_prints_the_tree() {
    let expected = "\
task group `crawler` failed with 3 errors:
├─ crawler/fetch-1 failed: HTTP 500
├─ crawler/site-b failed: nested group had 2 errors
│  ├─ crawler/site-b/page-1 failed: HTTP 404
│  └─ crawler/site-b/page-2 panicked: index out of bounds
└─ crawler/slow timed out after 5s";
    assert_eq!(sample().to_string(), expected);
}

#[test]
fn display_of_a_single_nested_entry_prints_its_subtree() {
    let group = sample();
    assert_eq!(
        group.errors()[1].to_string(),
        "crawler/site-b failed: nested group had 2 errors\n\
         ├─ crawler/site-b/page-1 failed: HTTP 404\n\
         └─ crawler/site-b/page-2 panicked: index out of bounds"
    );
}

#[test]
fn unnamed_and_empty_groups_display() {
    let mut group = ErrorGroup::new(TaskInfo::new("", ""));
    assert_eq!(group.to_string(), "task group failed with no errors");
    group.push(TaskError::failed(TaskInfo::new("t", "t"), "x"));
    assert_eq!(group.to_string(), "task group failed with 1 error:\n└─ t failed: x");
    let cancelled = ErrorGroup::<&str>::cancelled(TaskInfo::new("g", "g"));
    assert_eq!(cancelled.to_string(), "task group `g` was cancelled before its body finished");
}

#[test]
fn iter_is_top_level_and_iter_flat_is_the_leaves_in_order() {
    let group = sample();
    let top: Vec<&str> = group.iter().map(|e| e.task().path()).collect();
    assert_eq!(top, ["crawler/fetch-1", "crawler/site-b", "crawler/slow"]);
    let leaves: Vec<&str> = group.iter_flat().map(|e| e.task().path()).collect();
    assert_eq!(
        leaves,
        ["crawler/fetch-1", "crawler/site-b/page-1", "crawler/site-b/page-2", "crawler/slow"]
    );
    assert_eq!(group.len(), 3);
    assert_eq!(group.first().unwrap().task().path(), "crawler/fetch-1");
    assert_eq!(group.iter().len(), 3);
    assert_eq!(group.iter().next_back().unwrap().task().name(), "slow");
}

#[test]
fn split_keeps_the_nesting_on_both_sides() {
    let (http, rest) = sample().split(|e| e.is_failed());
    let http = http.unwrap();
    let rest = rest.unwrap();
    let paths = |g: &ErrorGroup<HttpError>| -> Vec<String> {
        g.iter_flat().map(|e| e.task().path().to_owned()).collect()
    };
    assert_eq!(paths(&http), ["crawler/fetch-1", "crawler/site-b/page-1"]);
    assert_eq!(paths(&rest), ["crawler/site-b/page-2", "crawler/slow"]);
    // The nested group appears on both sides, each with its share.
    assert!(http.errors()[1].is_group());
    assert_eq!(http.errors()[1].as_group().unwrap().len(), 1);
    assert_eq!(rest.errors()[0].as_group().unwrap().len(), 1);
    assert_eq!(http.group().path(), "crawler");
}

#[test]
fn split_returns_none_for_an_empty_side() {
    let (all, none) = sample().split(|_| true);
    assert_eq!(all.unwrap().iter_flat().count(), 4);
    assert!(none.is_none());
    let (none, all) = sample().split(|_| false);
    assert!(none.is_none());
    assert_eq!(all.unwrap().iter_flat().count(), 4);
}

#[test]
fn into_single_unwraps_nesting_and_refuses_several() {
    let mut inner = ErrorGroup::new(info("g/sub"));
    inner.push(TaskError::failed(info("g/sub/x"), HttpError(418)));
    let mut group = ErrorGroup::new(info("g"));
    group.push(TaskError::group(info("g/sub"), inner));
    let single = group.into_single().unwrap();
    assert_eq!(single.task().path(), "g/sub/x");
    assert_eq!(single.into_failed(), Some(HttpError(418)));

    let several = sample().into_single().unwrap_err();
    assert_eq!(several.len(), 3, "refused groups come back unchanged");
    let empty = ErrorGroup::<HttpError>::new(info("g")).into_single().unwrap_err();
    assert!(empty.is_empty());
}

#[test]
fn source_chain_reaches_the_first_error() {
    let group = sample();
    let first = group.source().expect("the first leaf");
    assert_eq!(first.to_string(), "crawler/fetch-1 failed: HTTP 500");
    let root = first.source().expect("the task's own error");
    assert_eq!(root.to_string(), "HTTP 500");
    assert!(root.downcast_ref::<HttpError>().is_some());
}

#[test]
fn map_err_converts_every_level() {
    let mapped = sample().map_err(|e| e.0);
    let codes: Vec<u16> = mapped.iter_flat().filter_map(|e| e.as_failed().copied()).collect();
    assert_eq!(codes, [500, 404]);
    assert_eq!(mapped.iter_flat().count(), 4);
}

#[test]
fn into_iter_and_extend_keep_order() {
    let mut group = ErrorGroup::new(info("g"));
    group.extend((0..3).map(|i| TaskError::failed(info(&format!("g/t{i}")), i)));
    let values: Vec<i32> = group.into_iter().filter_map(TaskError::into_failed).collect();
    assert_eq!(values, [0, 1, 2]);
}

#[test]
fn works_with_anyhow() {
    fn fails() -> anyhow::Result<()> {
        Err(sample())?;
        Ok(())
    }
    let err = fails().unwrap_err();
    assert!(err.to_string().starts_with("task group `crawler` failed with 3 errors"));
    assert!(err.downcast_ref::<ErrorGroup<HttpError>>().is_some());
}
