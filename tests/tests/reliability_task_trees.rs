//! Property tests over random trees of task groups, checked against a model.
//!
//! Each case is a random script: a root group whose body spawns children
//! that sleep, yield, spawn siblings, succeed, fail or panic, watch their
//! group's token under a grace period, or run nested groups (`spawn_group`,
//! and a `scope` inside a child), under random policies, limits, deadlines
//! and grace periods. The script runs on the paused clock, and a model — a
//! plain discrete-event simulation of DESIGN.md's rules, written without the
//! library — predicts what must come out. After every case:
//!
//! * every future the script spawned has been dropped when the root scope
//!   returns (the `Tracker`), and the scope returned (no hang);
//! * every reported error belongs to a task that was scripted to fail and
//!   really ran to its failure point, and is reported once;
//! * no group ran more children at once than its limit;
//! * when no two timers of the script fire at the same instant (the model
//!   says so; otherwise the order of simultaneous events is up to the
//!   scheduler), the result is exactly the model's: the same errors with the
//!   same paths and kinds, nested the same way, in an order consistent with
//!   when they happened, the same cancelled flags and panics, and the same
//!   elapsed time on the paused clock.
//!
//! `cargo test` runs 512 cases; `cargo xtask stress` runs in release mode
//! with `TASKSCOPE_STRESS_CASES` (50,000 by default) and, through
//! `TASKSCOPE_STRESS`, deeper and larger trees.

mod support;

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use support::{Tracker, ms};
use taskscope::{Builder, ErrorGroup, Policy, Spawner, TaskError, TaskGroup, TaskHandle};
use tokio::time::{Instant, sleep};

// ---------------------------------------------------------------------------
// Scripts
// ---------------------------------------------------------------------------

/// How a task ends once its steps are done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Ok,
    Err,
    Panic,
}

/// How a child is handed to its group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// `spawn_named` (`spawn_group` for nested groups).
    Spawn,
    /// `spawn_wait(..).await` (bodies only: a child waiting for a slot of
    /// its own group could deadlock it, as documented).
    Wait,
    /// `try_spawn`.
    Try,
}

#[derive(Clone, Debug)]
enum Step {
    Sleep(u64),
    Yield,
    Spawn(Mode, Node),
    /// `cancel()` on the task's own group.
    Cancel,
}

/// A task that watches its group's token: once it is cancelled, it spends
/// `cleanup` ms and then ends with `end`.
#[derive(Clone, Copy, Debug)]
struct Polite {
    cleanup: u64,
    end: End,
}

#[derive(Clone, Debug)]
struct Task {
    id: u32,
    steps: Vec<Step>,
    end: End,
    polite: Option<Polite>,
}

#[derive(Clone, Debug)]
struct Group {
    id: u32,
    policy: Policy,
    limit: Option<usize>,
    timeout: Option<u64>,
    grace: Option<u64>,
    catch_panics: bool,
    body: Task,
}

#[derive(Clone, Debug)]
enum Node {
    /// A plain child task, named `t<id>`.
    Task(Task),
    /// `spawn_group`: a nested group named `g<id>`.
    Group(Group),
    /// A child task `c<id>` whose future runs a `scope` named `s<group id>`.
    Scope(u32, Group),
}

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

/// Durations from a wide range, so that two timers rarely fire together.
fn duration() -> impl Strategy<Value = u64> {
    1..=5_000u64
}

fn end() -> impl Strategy<Value = End> {
    prop_oneof![5 => Just(End::Ok), 3 => Just(End::Err), 1 => Just(End::Panic)]
}

fn polite() -> impl Strategy<Value = Option<Polite>> {
    proptest::option::weighted(
        0.3,
        (1..=3_000u64, prop_oneof![Just(End::Ok), Just(End::Err)])
            .prop_map(|(cleanup, end)| Polite { cleanup, end }),
    )
}

/// A task that starts with a sleep (so that nothing ends at the instant it
/// was spawned), then sleeps or yields a little more.
fn simple_task() -> impl Strategy<Value = Task> {
    let step = prop_oneof![3 => duration().prop_map(Step::Sleep), 1 => Just(Step::Yield)];
    (duration(), proptest::collection::vec(step, 0..2), end(), polite()).prop_map(
        |(first, rest, end, polite)| {
            let mut steps = vec![Step::Sleep(first)];
            steps.extend(rest);
            Task { id: 0, steps, end, polite }
        },
    )
}

/// A task that may also spawn a sibling into its own group.
fn task() -> impl Strategy<Value = Task> {
    let mode = prop_oneof![3 => Just(Mode::Spawn), 1 => Just(Mode::Try)];
    let step = prop_oneof![
        6 => duration().prop_map(Step::Sleep),
        2 => Just(Step::Yield),
        3 => (mode, simple_task()).prop_map(|(mode, t)| Step::Spawn(mode, Node::Task(t))),
        1 => Just(Step::Cancel),
    ];
    (duration(), proptest::collection::vec(step, 0..3), end(), polite()).prop_map(
        |(first, rest, end, polite)| {
            let mut steps = vec![Step::Sleep(first)];
            steps.extend(rest);
            Task { id: 0, steps, end, polite }
        },
    )
}

/// A group. A nested group's body starts with a sleep, like every task:
/// its first poll then only starts timers, so siblings started at the same
/// instant cannot race (which of them tokio polls first is its choice).
/// The root's body may spawn at once.
fn group(child: BoxedStrategy<Node>, nested: bool) -> impl Strategy<Value = Group> {
    let mode = prop_oneof![6 => Just(Mode::Spawn), 1 => Just(Mode::Wait), 1 => Just(Mode::Try)];
    let step = prop_oneof![
        12 => (mode, child).prop_map(|(mode, node)| Step::Spawn(mode, node)),
        3 => duration().prop_map(Step::Sleep),
        2 => Just(Step::Yield),
        1 => Just(Step::Cancel),
    ];
    let policy = prop_oneof![
        3 => Just(Policy::FailFast),
        2 => Just(Policy::CollectAll),
        1 => Just(Policy::FirstSuccess),
    ];
    let body_end = prop_oneof![6 => Just(End::Ok), 2 => Just(End::Err), 1 => Just(End::Panic)];
    (
        policy,
        proptest::option::weighted(0.3, 1..=3usize),
        proptest::option::weighted(0.3, 1..=8_000u64),
        proptest::option::weighted(0.4, 1..=3_000u64),
        proptest::bool::weighted(0.4),
        proptest::collection::vec(step, 0..=6),
        body_end,
        duration(),
    )
        .prop_map(
            move |(policy, limit, timeout, grace, catch_panics, mut steps, end, first)| {
                if nested {
                    steps.insert(0, Step::Sleep(first));
                }
                Group {
                    id: 0,
                    policy,
                    limit,
                    timeout,
                    grace,
                    catch_panics,
                    body: Task { id: 0, steps, end, polite: None },
                }
            },
        )
}

/// Nested groups three levels deep under `cargo test`, four under
/// `cargo xtask stress`, with trees twice as large.
fn node() -> BoxedStrategy<Node> {
    let (depth, size) = if support::stress() { (4, 96) } else { (3, 48) };
    task()
        .prop_map(Node::Task)
        .prop_recursive(depth, size, 6, |inner| {
            prop_oneof![
                2 => task().prop_map(Node::Task),
                1 => group(inner.clone(), true).prop_map(Node::Group),
                1 => group(inner, true).prop_map(|g| Node::Scope(0, g)),
            ]
        })
        .boxed()
}

/// A whole script: the root group, with every task and group numbered.
fn tree() -> impl Strategy<Value = Script> {
    group(node(), false).prop_map(|mut root| {
        let mut next = 0;
        number_group(&mut root, &mut next);
        Script(root)
    })
}

/// A script, printed as an indented outline when a case fails.
#[derive(Clone)]
struct Script(Group);

impl std::fmt::Debug for Script {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::from("\n");
        outline_group(&self.0, "root", 0, &mut out);
        f.write_str(&out)
    }
}

fn outline_group(g: &Group, name: &str, depth: usize, out: &mut String) {
    let mut settings = format!("{:?}", g.policy);
    if let Some(limit) = g.limit {
        let _ = write!(settings, " limit={limit}");
    }
    if let Some(timeout) = g.timeout {
        let _ = write!(settings, " timeout={timeout}");
    }
    if let Some(grace) = g.grace {
        let _ = write!(settings, " grace={grace}");
    }
    if g.catch_panics {
        settings.push_str(" catch_panics");
    }
    let _ = writeln!(out, "{:indent$}group {name} [{settings}]", "", indent = depth * 2);
    outline_task(&g.body, "body", depth + 1, out);
}

fn outline_task(t: &Task, name: &str, depth: usize, out: &mut String) {
    let mut line = format!("{:indent$}{name} #{}:", "", t.id, indent = depth * 2);
    for step in &t.steps {
        match step {
            Step::Sleep(d) => {
                let _ = write!(line, " sleep {d};");
            }
            Step::Yield => line.push_str(" yield;"),
            Step::Cancel => line.push_str(" cancel;"),
            Step::Spawn(mode, _) => {
                let _ = write!(line, " {mode:?}(..);");
            }
        }
    }
    let _ = write!(line, " {:?}", t.end);
    if let Some(p) = t.polite {
        let _ = write!(line, " (polite: cleanup {} then {:?})", p.cleanup, p.end);
    }
    let _ = writeln!(out, "{line}");
    for step in &t.steps {
        if let Step::Spawn(mode, node) = step {
            match node {
                Node::Task(t) => {
                    let name =
                        if *mode == Mode::Spawn { format!("t{}", t.id) } else { "task-*".into() };
                    outline_task(t, &name, depth + 1, out);
                }
                Node::Group(g) => outline_group(g, &format!("g{}", g.id), depth + 1, out),
                Node::Scope(id, g) => {
                    let child =
                        if *mode == Mode::Spawn { format!("c{id}") } else { "task-*".into() };
                    let _ = writeln!(out, "{:indent$}{child}: scope", "", indent = (depth + 1) * 2);
                    outline_group(g, &format!("s{}", g.id), depth + 2, out);
                }
            }
        }
    }
}

fn number_group(g: &mut Group, next: &mut u32) {
    g.id = *next;
    *next += 1;
    number_task(&mut g.body, next);
}

fn number_task(t: &mut Task, next: &mut u32) {
    t.id = *next;
    *next += 1;
    for step in &mut t.steps {
        if let Step::Spawn(mode, node) = step {
            match node {
                Node::Task(t) => number_task(t, next),
                Node::Group(g) => {
                    // A nested group is spawned with `spawn_group` only.
                    *mode = Mode::Spawn;
                    number_group(g, next);
                }
                Node::Scope(id, g) => {
                    *id = *next;
                    *next += 1;
                    number_group(g, next);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

/// One error entry, as the model predicts it or as the library reported it
/// (paths with `task-<id>` segments written `task-*`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Entry {
    Failed {
        path: String,
        id: u32,
    },
    Panicked {
        path: String,
        message: String,
    },
    TimedOut {
        path: String,
        after: u64,
    },
    /// A nested group's errors (or those an orphaned inner scope handed up).
    Group {
        path: String,
        cancelled: bool,
        errors: Vec<Timed>,
    },
    /// A child whose `scope` failed: its error holds the scope's group.
    Scope {
        path: String,
        group: String,
        cancelled: bool,
        errors: Vec<Timed>,
    },
}

/// An entry and the paused-clock millisecond it happened at (0 for the
/// library's entries, which carry no time).
type Timed = (u64, Entry);

impl Entry {
    /// Identifies an entry within one list.
    fn key(&self) -> String {
        match self {
            Entry::Failed { path, id } => format!("failed {path} #{id}"),
            Entry::Panicked { path, message } => format!("panicked {path} {message}"),
            Entry::TimedOut { path, after } => format!("timed out {path} after {after}"),
            Entry::Group { path, .. } => format!("group {path}"),
            Entry::Scope { path, group, .. } => format!("scope {path} ({group})"),
        }
    }
}

/// What a group (the root, in the end) returns.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Ok,
    /// An empty error group with `is_cancelled()`.
    CancelledEmpty,
    Err {
        cancelled: bool,
        errors: Vec<Timed>,
    },
    /// The scope resumed a panic with this message.
    Panic(String),
}

/// What awaiting a child's `TaskHandle` gives once the root returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Value,
    Failed,
    Panicked,
    Cancelled,
    /// Spawned on a closed group: the handle says `is_closed`.
    Closed,
    /// `try_spawn` refused it: there is no handle.
    TryRefused,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reason {
    Cancelled,
    Failure,
    Succeeded,
    TimedOut,
}

/// A timer of the script: the only thing that moves the paused clock.
#[derive(Clone, Copy, Debug)]
enum Ev {
    /// A task's sleep ends.
    Wake(usize, u64),
    /// A polite task's cleanup ends.
    Cleanup(usize, u64),
    /// A group's deadline.
    Deadline(usize),
    /// A group's grace period ends.
    Grace(usize),
}

/// What a body parked in `spawn_wait` learns when it is polled again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resume {
    /// Its sleep ended.
    Timer,
    /// The slot passed to it.
    Granted,
    /// The group closed while it waited.
    Refused,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Leaf,
    Body,
    /// A child running a scope: its inner group.
    ScopeChild(usize),
}

#[derive(Clone, Copy, Debug)]
enum Kid {
    Task(usize),
    Group(usize),
    Scope(usize, usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    Root,
    Nested,
    Scope(usize),
}

/// A child waiting for a slot.
#[derive(Clone, Debug)]
struct Spawned {
    node: Node,
    name: String,
    created: u64,
}

#[derive(Clone, Debug)]
enum Queued {
    Launch(Spawned),
    Wait(usize),
}

#[derive(Debug)]
struct MTask {
    group: usize,
    kind: Kind,
    path: String,
    script: Task,
    pc: usize,
    alive: bool,
    generation: u64,
    cleaning: bool,
    /// What a body blocked in `spawn_wait` is spawning.
    waiting: Option<(Node, String)>,
    /// Why a body is to be polled again.
    resume: Option<Resume>,
    /// Aborted while it ran (it cancelled its own group): it is dropped
    /// at its next await.
    doomed: bool,
}

#[derive(Debug)]
struct MGroup {
    script: Group,
    path: String,
    parent: Option<usize>,
    link: Link,
    deadline: Option<u64>,
    catch: bool,
    /// Its driver has been polled once.
    started: bool,
    /// Its driver is in the run queue.
    queued: bool,
    body: Option<usize>,
    body_done: bool,
    body_value: bool,
    live: usize,
    running: usize,
    queue: VecDeque<Queued>,
    kids: Vec<Kid>,
    reason: Option<Reason>,
    forced: bool,
    grace_over: bool,
    errors: Vec<Timed>,
    panic: Option<String>,
    succeeded: bool,
    timed_out: bool,
    finished: bool,
    orphaned: bool,
}

/// The model's prediction for one script.
#[derive(Debug)]
struct Prediction {
    outcome: Outcome,
    elapsed: u64,
    /// Two timers fired at the same instant somewhere: the order of what
    /// followed is the scheduler's choice, so only the invariants hold.
    ambiguous: bool,
    fates: BTreeMap<u32, Fate>,
}

/// A node's id: the task's, the nested group's, or the scope child's.
fn node_id(node: &Node) -> u32 {
    match node {
        Node::Task(t) => t.id,
        Node::Group(g) => g.id,
        Node::Scope(id, _) => *id,
    }
}

/// A discrete-event simulation of DESIGN.md's group rules over a script.
///
/// Time only moves when a timer fires. Between timers, the model works
/// like tokio's current-thread scheduler: a task that is woken joins the
/// back of a FIFO run queue (once, however often it is woken), and a poll
/// runs the task's synchronous code to its next await. Only group drivers
/// (a group's body and bookkeeping) go through the queue: what a plain
/// child does when it is polled at an instant nobody else acts at (start a
/// sleep, be dropped) cannot be observed in a different order.
#[derive(Debug, Default)]
struct Model {
    now: u64,
    seq: u64,
    timers: BTreeMap<(u64, u64), Ev>,
    run_queue: VecDeque<usize>,
    /// The task whose synchronous code is running now.
    current: Option<usize>,
    groups: Vec<MGroup>,
    tasks: Vec<MTask>,
    ambiguous: bool,
    result: Option<(u64, Outcome)>,
    /// The fate of every child that was handed to a group, by node id.
    fates: BTreeMap<u32, Fate>,
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() { name.to_owned() } else { format!("{parent}/{name}") }
}

fn panic_text(id: u32) -> String {
    format!("scripted panic t{id}")
}

impl Model {
    fn predict(root: &Group) -> Prediction {
        let mut m = Model::default();
        let g = m.new_group(root.clone(), None, Link::Root, "root".to_owned(), 0);
        m.poll(g);
        m.drain();
        while m.result.is_none() {
            let Some((&(at, _), _)) = m.timers.first_key_value() else {
                panic!("the model deadlocked: nothing left to happen, root not finished");
            };
            m.now = at;
            let mut events = Vec::new();
            while let Some(entry) = m.timers.first_entry() {
                if entry.key().0 != at {
                    break;
                }
                events.push(entry.remove());
            }
            if events.iter().filter(|ev| !m.stale(**ev)).count() > 1 {
                m.ambiguous = true;
            }
            for ev in events {
                if !m.stale(ev) {
                    m.fire(ev);
                    m.drain();
                }
            }
        }
        let (elapsed, outcome) = m.result.take().expect("finished");
        Prediction { outcome, elapsed, ambiguous: m.ambiguous, fates: m.fates }
    }

    fn schedule(&mut self, at: u64, ev: Ev) {
        self.seq += 1;
        self.timers.insert((at, self.seq), ev);
    }

    fn stale(&self, ev: Ev) -> bool {
        match ev {
            Ev::Wake(t, generation) | Ev::Cleanup(t, generation) => {
                !self.tasks[t].alive || self.tasks[t].generation != generation
            }
            Ev::Deadline(g) => {
                let g = &self.groups[g];
                g.finished || g.reason.is_some()
            }
            Ev::Grace(g) => self.groups[g].finished || self.groups[g].forced,
        }
    }

    fn fire(&mut self, ev: Ev) {
        match ev {
            Ev::Wake(t, _) => {
                if self.tasks[t].kind == Kind::Body {
                    // A body is polled by its group's driver.
                    self.tasks[t].resume = Some(Resume::Timer);
                    self.wake(self.tasks[t].group);
                } else {
                    self.advance(t);
                }
            }
            Ev::Cleanup(t, _) => {
                let end = self.tasks[t].script.polite.expect("polite").end;
                self.task_end(t, end);
            }
            Ev::Deadline(g) => self.time_out(g),
            Ev::Grace(g) => {
                self.groups[g].grace_over = true;
                self.abort_kids(g, true);
                self.wake(g);
            }
        }
    }

    /// Wakes a group's driver: it joins the run queue unless already in it.
    fn wake(&mut self, g: usize) {
        if !self.groups[g].queued {
            self.groups[g].queued = true;
            self.run_queue.push_back(g);
        }
    }

    fn drain(&mut self) {
        while let Some(g) = self.run_queue.pop_front() {
            self.groups[g].queued = false;
            self.poll(g);
        }
    }

    fn new_group(
        &mut self,
        script: Group,
        parent: Option<usize>,
        link: Link,
        name: String,
        created: u64,
    ) -> usize {
        let (path, inherited) = match parent {
            Some(p) => (join(&self.groups[p].path, &name), self.groups[p].catch),
            None => (name, false),
        };
        self.groups.push(MGroup {
            deadline: script.timeout.map(|t| created + t),
            catch: script.catch_panics || inherited,
            script,
            path,
            parent,
            link,
            started: false,
            queued: false,
            body: None,
            body_done: false,
            body_value: false,
            live: 0,
            running: 0,
            queue: VecDeque::new(),
            kids: Vec::new(),
            reason: None,
            forced: false,
            grace_over: false,
            errors: Vec::new(),
            panic: None,
            succeeded: false,
            timed_out: false,
            finished: false,
            orphaned: false,
        });
        self.groups.len() - 1
    }

    fn new_task(&mut self, group: usize, kind: Kind, path: String, script: Task) -> usize {
        self.tasks.push(MTask {
            group,
            kind,
            path,
            script,
            pc: 0,
            alive: true,
            generation: 0,
            cleaning: false,
            waiting: None,
            resume: None,
            doomed: false,
        });
        self.tasks.len() - 1
    }

    /// Whether the group's driver drops its body now.
    fn must_stop_body(&self, g: usize) -> bool {
        let group = &self.groups[g];
        match group.reason {
            None => false,
            Some(Reason::Succeeded) => group.forced,
            Some(_) => group.forced || group.grace_over || group.script.grace.is_none(),
        }
    }

    /// One poll of a group's driver, as `Driver::poll` does it: the body
    /// (on the first poll: its start, then the deadline), the body's stop,
    /// and the finish once the body and every child are done.
    fn poll(&mut self, g: usize) {
        if self.groups[g].finished {
            return;
        }
        if self.groups[g].orphaned {
            if self.groups[g].live == 0 {
                self.adopt(g);
            }
            return;
        }
        if !self.groups[g].started {
            if let Link::Scope(t) = self.groups[g].link {
                if !self.tasks[t].alive {
                    // Aborted before its first poll: the scope never existed.
                    self.groups[g].finished = true;
                    return;
                }
            }
            self.start(g);
        } else if let Some(b) = self.groups[g].body {
            if self.tasks[b].alive && !self.must_stop_body(g) {
                match self.tasks[b].resume.take() {
                    None => {}
                    Some(Resume::Timer) => self.advance(b),
                    Some(Resume::Refused) => {
                        if let Some((node, _)) = self.tasks[b].waiting.take() {
                            self.fates.insert(node_id(&node), Fate::Closed);
                        }
                        self.advance(b);
                    }
                    Some(Resume::Granted) => {
                        let (node, name) = self.tasks[b].waiting.take().expect("waiting");
                        if self.groups[g].reason.is_some() {
                            // Closed meanwhile: refused; the slot passes on.
                            self.fates.insert(node_id(&node), Fate::Closed);
                            self.release(g);
                        } else {
                            self.groups[g].live += 1;
                            let now = self.now;
                            self.start_kid(g, Spawned { node, name, created: now });
                        }
                        self.advance(b);
                    }
                }
            }
        }
        if self.must_stop_body(g) {
            self.stop_body(g);
        }
        let group = &self.groups[g];
        if group.body_done && group.live == 0 {
            self.finish(g);
        }
    }

    /// The first poll: the body runs to its first await (unless the group
    /// was stopped before it ever ran), then the deadline is armed — or
    /// fires at once if it already passed.
    fn start(&mut self, g: usize) {
        self.groups[g].started = true;
        let body = self.groups[g].script.body.clone();
        let path = join(&self.groups[g].path, "body");
        let b = self.new_task(g, Kind::Body, path, body);
        self.groups[g].body = Some(b);
        if self.must_stop_body(g) {
            self.stop_body(g);
        } else {
            self.advance(b);
        }
        let group = &self.groups[g];
        if let Some(deadline) = group.deadline {
            let finished = group.body_done && group.live == 0;
            if group.reason.is_none() && !finished {
                if deadline <= self.now {
                    self.time_out(g);
                } else {
                    self.schedule(deadline, Ev::Deadline(g));
                }
            }
        }
    }

    /// Runs a task's steps until it sleeps, blocks or ends.
    fn advance(&mut self, t: usize) {
        let outer = self.current.replace(t);
        self.run_steps(t);
        self.current = outer;
    }

    fn run_steps(&mut self, t: usize) {
        loop {
            if !self.tasks[t].alive || self.tasks[t].waiting.is_some() {
                return;
            }
            let pc = self.tasks[t].pc;
            if pc == self.tasks[t].script.steps.len() {
                let end = self.tasks[t].script.end;
                self.task_end(t, end);
                return;
            }
            self.tasks[t].pc += 1;
            let step = self.tasks[t].script.steps[pc].clone();
            if matches!(step, Step::Sleep(_) | Step::Yield) && self.at_await(t) {
                return;
            }
            match step {
                Step::Sleep(d) => {
                    let generation = self.tasks[t].generation;
                    self.schedule(self.now + d, Ev::Wake(t, generation));
                    return;
                }
                Step::Yield if self.tasks[t].kind == Kind::Body => {
                    // The driver's poll ends; it is polled again at once,
                    // and may stop the body then.
                    self.tasks[t].resume = Some(Resume::Timer);
                    self.wake(self.tasks[t].group);
                    return;
                }
                Step::Yield => {}
                Step::Spawn(mode, node) => self.spawn(t, mode, node),
                Step::Cancel => {
                    let g = self.tasks[t].group;
                    self.cancel(g, Reason::Cancelled);
                }
            }
        }
    }

    /// A task reaches an await after it cancelled its own group: an
    /// aborted task is dropped there, a polite one switches to its cleanup
    /// (already timed), a body is left to its driver. `true` if it stops.
    fn at_await(&mut self, t: usize) -> bool {
        let task = &mut self.tasks[t];
        if task.doomed {
            task.doomed = false;
            task.alive = false;
            task.generation += 1;
            let (g, id) = (task.group, task.script.id);
            self.fates.insert(id, Fate::Cancelled);
            self.child_done(g);
            return true;
        }
        task.cleaning
    }

    fn spawn(&mut self, t: usize, mode: Mode, node: Node) {
        let g = self.tasks[t].group;
        let name = match (&node, mode) {
            (Node::Group(n), _) => format!("g{}", n.id),
            (Node::Task(n), Mode::Spawn) => format!("t{}", n.id),
            (Node::Scope(id, _), Mode::Spawn) => format!("c{id}"),
            _ => "task-*".to_owned(),
        };
        let id = node_id(&node);
        let group = &mut self.groups[g];
        if group.reason.is_some() || group.finished {
            // Refused: the group is closed.
            let fate = if mode == Mode::Try { Fate::TryRefused } else { Fate::Closed };
            self.fates.insert(id, fate);
            return;
        }
        let spawned = Spawned { node, name, created: self.now };
        let limit = group.script.limit;
        let free = limit.is_none_or(|limit| group.running < limit && group.queue.is_empty());
        match (limit.is_some(), free, mode) {
            // No limit: the child starts at once.
            (false, _, _) => {
                group.live += 1;
                self.start_kid(g, spawned);
            }
            // A free slot, and nobody in line before it.
            (true, true, _) => {
                group.running += 1;
                group.live += 1;
                self.start_kid(g, spawned);
            }
            // Full: `try_spawn` is refused, `spawn` queues the child,
            // `spawn_wait` queues its caller.
            (true, false, Mode::Try) => {
                self.fates.insert(id, Fate::TryRefused);
            }
            (true, false, Mode::Spawn) => {
                group.live += 1;
                group.queue.push_back(Queued::Launch(spawned));
            }
            (true, false, Mode::Wait) => {
                group.queue.push_back(Queued::Wait(t));
                self.tasks[t].waiting = Some((spawned.node, spawned.name));
            }
        }
    }

    /// A child gets its task. A plain child's first poll only starts its
    /// first sleep; a nested group's or scope's first poll is its driver's.
    fn start_kid(&mut self, g: usize, spawned: Spawned) {
        let path = join(&self.groups[g].path, &spawned.name);
        match spawned.node {
            Node::Task(script) => {
                let t = self.new_task(g, Kind::Leaf, path, script);
                self.groups[g].kids.push(Kid::Task(t));
                self.advance(t);
            }
            Node::Group(script) => {
                let name = format!("g{}", script.id);
                let n = self.new_group(script, Some(g), Link::Nested, name, spawned.created);
                self.groups[g].kids.push(Kid::Group(n));
                if self.groups[g].reason.is_some() {
                    self.cancel(n, Reason::Cancelled);
                }
                self.wake(n);
            }
            Node::Scope(id, script) => {
                let dummy = Task { id, steps: Vec::new(), end: End::Ok, polite: None };
                let t = self.new_task(g, Kind::Leaf, path, dummy);
                let name = format!("s{}", script.id);
                let now = self.now;
                let inner = self.new_group(script, Some(g), Link::Scope(t), name, now);
                self.tasks[t].kind = Kind::ScopeChild(inner);
                self.groups[g].kids.push(Kid::Scope(t, inner));
                self.wake(inner);
            }
        }
    }

    fn task_end(&mut self, t: usize, end: End) {
        self.tasks[t].alive = false;
        self.tasks[t].generation += 1;
        let g = self.tasks[t].group;
        let path = self.tasks[t].path.clone();
        let id = self.tasks[t].script.id;
        match self.tasks[t].kind {
            Kind::Leaf => {
                let fate = match end {
                    End::Ok => Fate::Value,
                    End::Err => Fate::Failed,
                    End::Panic => Fate::Panicked,
                };
                self.fates.insert(id, fate);
                match end {
                    End::Ok => self.succeeded(g),
                    End::Err => self.fail(g, Entry::Failed { path, id }),
                    End::Panic => self.panicked(g, path, panic_text(id)),
                }
                self.child_done(g);
            }
            Kind::Body => {
                self.groups[g].body_done = true;
                match end {
                    End::Ok => self.groups[g].body_value = true,
                    End::Err => self.fail(g, Entry::Failed { path, id }),
                    End::Panic => self.panicked(g, path, panic_text(id)),
                }
            }
            Kind::ScopeChild(_) => unreachable!("a scope child ends with its scope"),
        }
    }

    /// A child is gone: its slot passes on, it is counted out.
    fn child_done(&mut self, g: usize) {
        self.release(g);
        self.groups[g].live -= 1;
        self.wake(g);
    }

    fn release(&mut self, g: usize) {
        if self.groups[g].script.limit.is_none() {
            return;
        }
        match self.groups[g].queue.pop_front() {
            Some(Queued::Launch(spawned)) => self.start_kid(g, spawned),
            Some(Queued::Wait(b)) => {
                self.tasks[b].resume = Some(Resume::Granted);
                self.wake(g);
            }
            None => self.groups[g].running -= 1,
        }
    }

    fn succeeded(&mut self, g: usize) {
        if self.groups[g].script.policy == Policy::FirstSuccess {
            self.groups[g].succeeded = true;
            self.cancel(g, Reason::Succeeded);
        }
    }

    fn fail(&mut self, g: usize, entry: Entry) {
        let now = self.now;
        self.groups[g].errors.push((now, entry));
        self.after_failure(g);
    }

    fn panicked(&mut self, g: usize, path: String, message: String) {
        let now = self.now;
        let group = &mut self.groups[g];
        if group.catch {
            group.errors.push((now, Entry::Panicked { path, message }));
        } else if group.panic.is_none() {
            group.panic = Some(message);
        }
        self.after_failure(g);
    }

    fn after_failure(&mut self, g: usize) {
        if self.groups[g].script.policy == Policy::FailFast {
            self.cancel(g, Reason::Failure);
        }
        self.wake(g);
    }

    fn time_out(&mut self, g: usize) {
        let group = &mut self.groups[g];
        let after = group.script.timeout.expect("a deadline");
        let path = group.path.clone();
        group.timed_out = true;
        group.errors.push((self.now, Entry::TimedOut { path, after }));
        self.cancel(g, Reason::TimedOut);
    }

    /// `Shared::cancel`: no new children, the slots close, the token is
    /// cancelled (nested groups stop themselves, polite children start
    /// cleaning up), and without a grace period every child task is
    /// aborted at once. The body stops at the driver's next poll.
    fn cancel(&mut self, g: usize, reason: Reason) {
        if self.groups[g].reason.is_some() || self.groups[g].finished {
            return;
        }
        self.groups[g].reason = Some(reason);
        for queued in std::mem::take(&mut self.groups[g].queue) {
            match queued {
                Queued::Launch(spawned) => {
                    self.fates.insert(node_id(&spawned.node), Fate::Cancelled);
                    self.groups[g].live -= 1;
                }
                Queued::Wait(b) => self.tasks[b].resume = Some(Resume::Refused),
            }
        }
        let grace = self.groups[g].script.grace;
        for kid in self.groups[g].kids.clone() {
            match kid {
                Kid::Group(n) | Kid::Scope(_, n) => self.cancel(n, Reason::Cancelled),
                Kid::Task(t) => {
                    let task = &mut self.tasks[t];
                    let cleanup = match (task.script.polite, grace) {
                        (Some(polite), Some(_)) if task.alive && !task.cleaning => polite.cleanup,
                        _ => continue,
                    };
                    task.cleaning = true;
                    task.generation += 1;
                    let generation = task.generation;
                    self.schedule(self.now + cleanup, Ev::Cleanup(t, generation));
                }
            }
        }
        match grace {
            None => self.abort_kids(g, false),
            Some(grace) => self.schedule(self.now + grace, Ev::Grace(g)),
        }
        self.wake(g);
    }

    /// `cancel_now`: a drop or an outer abort stops everything at once.
    fn force(&mut self, g: usize) {
        self.cancel(g, Reason::Cancelled);
        self.groups[g].forced = true;
        self.abort_kids(g, true);
        self.wake(g);
    }

    /// Aborts the child tasks; with `force`, also stops nested groups at once.
    fn abort_kids(&mut self, g: usize, force: bool) {
        for kid in self.groups[g].kids.clone() {
            match kid {
                Kid::Task(t) if self.tasks[t].alive && self.current == Some(t) => {
                    self.tasks[t].doomed = true;
                }
                Kid::Task(t) if self.tasks[t].alive => {
                    self.tasks[t].alive = false;
                    self.tasks[t].generation += 1;
                    self.fates.insert(self.tasks[t].script.id, Fate::Cancelled);
                    self.child_done(g);
                }
                Kid::Scope(t, inner) if self.tasks[t].alive => {
                    self.tasks[t].alive = false;
                    self.fates.insert(self.tasks[t].script.id, Fate::Cancelled);
                    if self.groups[inner].started {
                        // The child's future drops the scope's driver: the
                        // scope stops at once and, once its children are
                        // gone, hands its errors up and lets this group go.
                        self.release(g);
                        self.force(inner);
                        self.groups[inner].orphaned = true;
                        self.wake(inner);
                    } else {
                        self.groups[inner].finished = true;
                        self.child_done(g);
                    }
                }
                Kid::Group(n) if force && !self.groups[n].finished => self.force(n),
                _ => {}
            }
        }
    }

    fn stop_body(&mut self, g: usize) {
        let Some(b) = self.groups[g].body else { return };
        if self.tasks[b].alive {
            self.tasks[b].alive = false;
            self.tasks[b].generation += 1;
            self.tasks[b].waiting = None;
            self.groups[g].body_done = true;
            if self.tasks[b].resume.take() == Some(Resume::Granted) {
                // Dropping a granted `spawn_wait` passes its slot on.
                self.release(g);
            }
        }
    }

    /// An orphaned scope hands its errors and panic to the parent.
    fn adopt(&mut self, g: usize) {
        self.groups[g].finished = true;
        let p = self.groups[g].parent.expect("an inner scope has a parent");
        let path = self.groups[g].path.clone();
        let errors = std::mem::take(&mut self.groups[g].errors);
        if !errors.is_empty() {
            // A cancel stopped it (its parent's abort of the child).
            self.fail(p, Entry::Group { path: path.clone(), cancelled: true, errors });
        }
        if let Some(message) = self.groups[g].panic.take() {
            self.panicked(p, path, message);
        }
        self.groups[p].live -= 1;
        self.wake(p);
    }

    fn finish(&mut self, g: usize) {
        let group = &mut self.groups[g];
        group.finished = true;
        let outcome = if let Some(message) = group.panic.take() {
            Outcome::Panic(message)
        } else {
            let errors = std::mem::take(&mut group.errors);
            let won =
                group.script.policy == Policy::FirstSuccess && group.succeeded && !group.timed_out;
            if group.body_value && (won || errors.is_empty()) {
                Outcome::Ok
            } else if errors.is_empty() {
                Outcome::CancelledEmpty
            } else {
                Outcome::Err { cancelled: group.reason == Some(Reason::Cancelled), errors }
            }
        };
        let path = group.path.clone();
        let id = group.script.id;
        let stopped_by_cancel = group.reason == Some(Reason::Cancelled);
        let fate = match (&outcome, group.link) {
            (Outcome::Ok, _) => Fate::Value,
            (Outcome::CancelledEmpty, Link::Scope(_)) => Fate::Value,
            (Outcome::CancelledEmpty, _) => Fate::Cancelled,
            (Outcome::Err { .. }, _) => Fate::Failed,
            (Outcome::Panic(_), _) => Fate::Panicked,
        };
        match group.link {
            Link::Root => {}
            Link::Nested => {
                self.fates.insert(id, fate);
            }
            Link::Scope(t) => {
                let cid = self.tasks[t].script.id;
                self.fates.insert(cid, fate);
            }
        }
        match (group.link, group.parent) {
            (Link::Root, _) => self.result = Some((self.now, outcome)),
            (Link::Nested, Some(p)) => {
                match outcome {
                    // A value, but a cancel stopped the group: neither a
                    // success nor a failure of the parent.
                    Outcome::Ok if stopped_by_cancel => {}
                    Outcome::Ok => self.succeeded(p),
                    Outcome::CancelledEmpty => {}
                    Outcome::Err { cancelled, errors } => {
                        self.fail(p, Entry::Group { path, cancelled, errors });
                    }
                    Outcome::Panic(message) => self.panicked(p, path, message),
                }
                self.child_done(p);
            }
            (Link::Scope(t), Some(p)) => {
                self.tasks[t].alive = false;
                let child = self.tasks[t].path.clone();
                match outcome {
                    // The child maps a merely cancelled scope to `Ok(())`.
                    Outcome::Ok | Outcome::CancelledEmpty => self.succeeded(p),
                    Outcome::Err { cancelled, errors } => {
                        let entry = Entry::Scope { path: child, group: path, cancelled, errors };
                        self.fail(p, entry);
                    }
                    Outcome::Panic(message) => self.panicked(p, child, message),
                }
                self.child_done(p);
            }
            (_, None) => unreachable!("only the root has no parent"),
        }
    }
}

// ---------------------------------------------------------------------------
// Running a script on the library
// ---------------------------------------------------------------------------

/// The error every scripted task fails with.
#[derive(Debug)]
enum Fail {
    /// Task (or body) `id` failed.
    Leaf(u32),
    /// A child's `scope` failed with this group.
    Scope(ErrorGroup<Fail>),
}

/// What the running script records besides its result.
#[derive(Debug)]
struct Ctx {
    tracker: Tracker,
    /// Task `id` reached its failure point (returned `Err` or panicked).
    reached: Vec<AtomicBool>,
    /// Children of group `id` running now, and the most ever at once.
    running: Vec<AtomicUsize>,
    peak: Vec<AtomicUsize>,
    /// Every child's handle (or `None`: `try_spawn` refused it), by node id.
    handles: std::sync::Mutex<Vec<(u32, Option<TaskHandle<()>>)>>,
    /// What one unit of a script's durations is: a millisecond on the
    /// paused clock, a microsecond of real time on many threads.
    unit: Duration,
}

impl Ctx {
    fn new(root: &Group, unit: Duration) -> Arc<Ctx> {
        let ids = count_ids(root) as usize;
        Arc::new(Ctx {
            tracker: Tracker::new(),
            reached: (0..ids).map(|_| AtomicBool::new(false)).collect(),
            running: (0..ids).map(|_| AtomicUsize::new(0)).collect(),
            peak: (0..ids).map(|_| AtomicUsize::new(0)).collect(),
            handles: std::sync::Mutex::new(Vec::new()),
            unit,
        })
    }

    fn time(&self, units: u64) -> Duration {
        self.unit * u32::try_from(units).expect("script durations are small")
    }

    fn keep(&self, id: u32, handle: Option<TaskHandle<()>>) {
        self.handles.lock().expect("not poisoned").push((id, handle));
    }
}

/// Counts a child as running in its group while it lives.
struct Running(Arc<Ctx>, usize);

impl Running {
    fn enter(ctx: &Arc<Ctx>, group: u32) -> Running {
        let g = group as usize;
        let now = ctx.running[g].fetch_add(1, Ordering::SeqCst) + 1;
        ctx.peak[g].fetch_max(now, Ordering::SeqCst);
        Running(ctx.clone(), g)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running[self.1].fetch_sub(1, Ordering::SeqCst);
    }
}

/// A group as the script sees it: where to spawn, and its id.
#[derive(Clone)]
struct Here {
    ctx: Arc<Ctx>,
    tg: Spawner<Fail>,
    group: u32,
}

fn builder(ctx: &Ctx, g: &Group, name: String) -> Builder {
    let mut b = TaskGroup::builder().name(name).policy(g.policy);
    if let Some(limit) = g.limit {
        b = b.limit(limit).expect("generated limits are at least 1");
    }
    if let Some(timeout) = g.timeout {
        b = b.timeout(ctx.time(timeout));
    }
    if let Some(grace) = g.grace {
        b = b.grace(ctx.time(grace));
    }
    if g.catch_panics {
        b = b.catch_panics();
    }
    b
}

fn finish_task(ctx: &Ctx, id: u32, end: End) -> Result<(), Fail> {
    match end {
        End::Ok => Ok(()),
        End::Err => {
            ctx.reached[id as usize].store(true, Ordering::SeqCst);
            Err(Fail::Leaf(id))
        }
        End::Panic => {
            ctx.reached[id as usize].store(true, Ordering::SeqCst);
            panic!("{}", panic_text(id));
        }
    }
}

async fn run_steps(here: &Here, steps: &[Step]) {
    for step in steps {
        match step {
            Step::Sleep(d) => sleep(here.ctx.time(*d)).await,
            Step::Yield => tokio::task::yield_now().await,
            Step::Spawn(mode, node) => spawn_node(here, *mode, node).await,
            Step::Cancel => here.tg.cancel(),
        }
    }
}

fn body_future(here: Here, script: Task) -> BoxFuture<'static, Result<(), Fail>> {
    Box::pin(async move {
        run_steps(&here, &script.steps).await;
        finish_task(&here.ctx, script.id, script.end)
    })
}

fn task_future(here: Here, script: Task) -> BoxFuture<'static, Result<(), Fail>> {
    Box::pin(async move {
        let _running = Running::enter(&here.ctx, here.group);
        if let Some(polite) = script.polite {
            let token = here.tg.token();
            tokio::select! {
                biased;
                () = token.cancelled() => {
                    sleep(here.ctx.time(polite.cleanup)).await;
                    return finish_task(&here.ctx, script.id, polite.end);
                }
                () = run_steps(&here, &script.steps) => {}
            }
        } else {
            run_steps(&here, &script.steps).await;
        }
        finish_task(&here.ctx, script.id, script.end)
    })
}

fn scope_child_future(here: Here, script: Group) -> BoxFuture<'static, Result<(), Fail>> {
    Box::pin(async move {
        let _running = Running::enter(&here.ctx, here.group);
        let ctx = here.ctx.clone();
        let (group, body) = (script.id, script.body.clone());
        let result = builder(&here.ctx, &script, format!("s{}", script.id))
            .scope(async move |tg| body_future(Here { ctx, tg, group }, body).await)
            .await;
        match result {
            Ok(()) => Ok(()),
            Err(errors) if errors.is_cancelled() && errors.is_empty() => Ok(()),
            Err(errors) => Err(Fail::Scope(errors)),
        }
    })
}

async fn submit<F>(here: &Here, id: u32, mode: Mode, name: String, fut: F)
where
    F: Future<Output = Result<(), Fail>> + Send + 'static,
{
    let handle = match mode {
        Mode::Spawn => Some(here.tg.spawn_named(name, fut)),
        Mode::Try => here.tg.try_spawn(fut).ok(),
        Mode::Wait => Some(here.tg.spawn_wait(fut).await),
    };
    here.ctx.keep(id, handle);
}

async fn spawn_node(here: &Here, mode: Mode, node: &Node) {
    let tracker = &here.ctx.tracker;
    match node {
        Node::Task(script) => {
            let fut = tracker.track(task_future(here.clone(), script.clone()));
            submit(here, script.id, mode, format!("t{}", script.id), fut).await;
        }
        Node::Scope(id, script) => {
            let fut = tracker.track(scope_child_future(here.clone(), script.clone()));
            submit(here, *id, mode, format!("c{id}"), fut).await;
        }
        Node::Group(script) => {
            let ctx = here.ctx.clone();
            let (group, body) = (script.id, script.body.clone());
            let keep = here.ctx.clone();
            let handle =
                here.tg.spawn_group(builder(&ctx, script, format!("g{group}")), move |tg| {
                    let tracker = ctx.tracker.clone();
                    tracker.track(body_future(Here { ctx, tg, group }, body))
                });
            keep.keep(group, Some(handle));
        }
    }
}

/// What the library did with one script.
#[derive(Debug)]
struct Observed {
    outcome: Outcome,
    elapsed: u64,
    /// Tracked futures still alive when the root scope returned.
    leaked: usize,
    fates: BTreeMap<u32, Fate>,
}

fn count_ids(g: &Group) -> u32 {
    fn task(t: &Task, max: &mut u32) {
        *max = (*max).max(t.id);
        for step in &t.steps {
            if let Step::Spawn(_, node) = step {
                match node {
                    Node::Task(t) => task(t, max),
                    Node::Group(g) => group(g, max),
                    Node::Scope(id, g) => {
                        *max = (*max).max(*id);
                        group(g, max);
                    }
                }
            }
        }
    }
    fn group(g: &Group, max: &mut u32) {
        *max = (*max).max(g.id);
        task(&g.body, max);
    }
    let mut max = 0;
    group(g, &mut max);
    max + 1
}

/// A path with every `task-<id>` segment written `task-*`, as the model
/// writes the children it cannot know the tokio id of.
fn normalise(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg.strip_prefix("task-") {
            Some(id) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => "task-*",
            _ => seg,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn entries(group: &ErrorGroup<Fail>) -> Result<Vec<Timed>, String> {
    group.iter().map(|e| entry(e).map(|e| (0, e))).collect()
}

fn entry(e: &TaskError<Fail>) -> Result<Entry, String> {
    let path = normalise(e.task().path());
    Ok(match e {
        TaskError::Failed { error: Fail::Leaf(id), .. } => Entry::Failed { path, id: *id },
        TaskError::Failed { error: Fail::Scope(errors), .. } => Entry::Scope {
            path,
            group: normalise(errors.group().path()),
            cancelled: errors.is_cancelled(),
            errors: entries(errors)?,
        },
        TaskError::Panicked { message, .. } => Entry::Panicked { path, message: message.clone() },
        TaskError::TimedOut { after, .. } => {
            Entry::TimedOut { path, after: after.as_millis() as u64 }
        }
        TaskError::Group { task, errors } => {
            if errors.group().path() != task.path() {
                return Err(format!(
                    "nested group entry at {} holds a group at {}",
                    task.path(),
                    errors.group().path()
                ));
            }
            Entry::Group { path, cancelled: errors.is_cancelled(), errors: entries(errors)? }
        }
        other => return Err(format!("unknown entry kind {other:?}")),
    })
}

/// Runs a script; `hang` turns a root scope that never returns into an
/// error (on the paused clock, far beyond any script; in real time, a
/// generous bound that is no timing assertion).
async fn run_script(root: &Group, ctx: Arc<Ctx>, hang: Duration) -> Result<Observed, String> {
    let start = Instant::now();
    let (group, body) = (root.id, root.body.clone());
    let c = ctx.clone();
    let scope = builder(&ctx, root, "root".to_owned())
        .scope(async move |tg| body_future(Here { ctx: c, tg, group }, body).await);
    let result = tokio::time::timeout(hang, AssertUnwindSafe(scope).catch_unwind())
        .await
        .map_err(|_| "the root scope never returned (hang)".to_owned())?;
    let elapsed = start.elapsed();
    let leaked = ctx.tracker.live();
    let handles = std::mem::take(&mut *ctx.handles.lock().expect("not poisoned"));
    let paused = ctx.unit == ms(1);
    let mut fates = BTreeMap::new();
    for (id, handle) in handles {
        let fate = match handle {
            None => Fate::TryRefused,
            // Every handle reads finished once the root returned, on any
            // runtime (reliability_findings.rs,
            // `every_handle_is_finished_when_the_scope_returns`).
            Some(handle) if !handle.is_finished() => {
                return Err(format!(
                    "the handle of node {id} is unfinished after the root returned"
                ));
            }
            Some(handle) => match handle.await {
                Ok(()) => Fate::Value,
                Err(e) if e.is_failed() => Fate::Failed,
                Err(e) if e.is_panic() => Fate::Panicked,
                Err(e) if e.is_cancelled() => Fate::Cancelled,
                Err(e) if e.is_closed() => Fate::Closed,
                Err(e) => return Err(format!("node {id}: unexpected join error {e}")),
            },
        };
        if fates.insert(id, fate).is_some() {
            return Err(format!("node {id} was spawned twice"));
        }
    }
    let outcome = match result {
        Ok(Ok(())) => Outcome::Ok,
        Ok(Err(errors)) if errors.is_empty() && errors.is_cancelled() => Outcome::CancelledEmpty,
        Ok(Err(errors)) => {
            if errors.group().path() != "root" {
                return Err(format!("root group path is {:?}", errors.group().path()));
            }
            Outcome::Err { cancelled: errors.is_cancelled(), errors: entries(&errors)? }
        }
        Err(payload) => Outcome::Panic(
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "<non-string panic>".to_owned()),
        ),
    };
    if paused && elapsed.subsec_nanos() % 1_000_000 != 0 {
        return Err(format!("elapsed {elapsed:?} is not a whole number of milliseconds"));
    }
    Ok(Observed { outcome, elapsed: elapsed.as_millis() as u64, leaked, fates })
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

/// Every leaf entry (failures and panics) with the id of its task.
fn leaf_ids(list: &[Timed], out: &mut Vec<(u32, String)>) {
    for (_, e) in list {
        match e {
            Entry::Failed { path, id } => out.push((*id, path.clone())),
            Entry::Panicked { message, .. } => {
                if let Some(id) = message.strip_prefix("scripted panic t") {
                    out.push((id.parse().expect("id"), message.clone()));
                }
            }
            Entry::TimedOut { .. } => {}
            Entry::Group { errors, .. } | Entry::Scope { errors, .. } => leaf_ids(errors, out),
        }
    }
}

/// The same entries (a multiset, by key), nested the same, and the
/// library's order consistent with the model's times.
fn same_entries(model: &[Timed], lib: &[Timed], at: &str) -> Result<(), String> {
    let mut m: Vec<&Timed> = model.iter().collect();
    let mut l: Vec<&Timed> = lib.iter().collect();
    m.sort_by_key(|(_, e)| e.key());
    l.sort_by_key(|(_, e)| e.key());
    let keys = |v: &[&Timed]| v.iter().map(|(_, e)| e.key()).collect::<Vec<_>>();
    if keys(&m) != keys(&l) {
        return Err(format!(
            "errors of {at} differ:\n  model:   {:?}\n  library: {:?}",
            keys(&m),
            keys(&l)
        ));
    }
    for ((_, me), (_, le)) in m.iter().zip(&l) {
        match (me, le) {
            (
                Entry::Group { cancelled: mc, errors: merr, path },
                Entry::Group { cancelled: lc, errors: lerr, .. },
            )
            | (
                Entry::Scope { cancelled: mc, errors: merr, path, .. },
                Entry::Scope { cancelled: lc, errors: lerr, .. },
            ) => {
                if mc != lc {
                    return Err(format!("{path}: cancelled flag model {mc}, library {lc}"));
                }
                same_entries(merr, lerr, path)?;
            }
            _ => {}
        }
    }
    // Occurrence order: the library's list, read through the model's
    // times, must never go back in time.
    let times: BTreeMap<String, u64> = model.iter().map(|(t, e)| (e.key(), *t)).collect();
    let order: Vec<u64> = lib.iter().map(|(_, e)| times[&e.key()]).collect();
    if order.windows(2).any(|w| w[0] > w[1]) {
        let shown: Vec<String> = lib.iter().map(|(_, e)| e.key()).collect();
        return Err(format!("errors of {at} out of occurrence order: {shown:?} at {order:?}"));
    }
    Ok(())
}

fn check_case(root: &Group, stats: &Stats) -> Result<(), TestCaseError> {
    let prediction = Model::predict(root);
    let ctx = Ctx::new(root, ms(1));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime");
    let hang = Duration::from_secs(100 * 86_400);
    let observed = rt.block_on(run_script(root, ctx.clone(), hang)).map_err(TestCaseError::fail)?;
    drop(rt);
    check_invariants(root, &ctx, &observed)?;

    stats.count(root, &observed.outcome);
    if prediction.ambiguous {
        stats.ambiguous.fetch_add(1, Ordering::Relaxed);
        return Ok(());
    }
    stats.exact.fetch_add(1, Ordering::Relaxed);
    let mut report = String::new();
    match (&prediction.outcome, &observed.outcome) {
        (
            Outcome::Err { cancelled: mc, errors: me },
            Outcome::Err { cancelled: lc, errors: le },
        ) => {
            if let Err(e) = same_entries(me, le, "root") {
                let _ = writeln!(report, "{e}");
            }
            if mc != lc {
                let _ = writeln!(report, "root cancelled flag: model {mc}, library {lc}");
            }
        }
        (m, l) if m != l => {
            let _ = writeln!(report, "outcome differs:\n  model:   {m:?}\n  library: {l:?}");
        }
        _ => {}
    }
    if prediction.fates != observed.fates {
        let differ: Vec<String> = prediction
            .fates
            .keys()
            .chain(observed.fates.keys())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter(|id| prediction.fates.get(id) != observed.fates.get(id))
            .map(|id| {
                format!(
                    "node {id}: model {:?}, library {:?}",
                    prediction.fates.get(id),
                    observed.fates.get(id)
                )
            })
            .collect();
        let _ = writeln!(report, "handles differ: {}", differ.join("; "));
    }
    if prediction.elapsed != observed.elapsed {
        let _ = writeln!(
            report,
            "elapsed: model {} ms, library {} ms",
            prediction.elapsed, observed.elapsed
        );
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(TestCaseError::fail(format!("{report}model outcome: {:?}", prediction.outcome)))
    }
}

/// What must hold whatever the scheduler chose: nothing outlives the root,
/// every reported error belongs to a task that really failed and is
/// reported once, and no group ran more children at once than its limit.
fn check_invariants(root: &Group, ctx: &Ctx, observed: &Observed) -> Result<(), TestCaseError> {
    if observed.leaked != 0 {
        return Err(TestCaseError::fail(format!(
            "{} tracked futures outlived the root scope",
            observed.leaked
        )));
    }
    if let Outcome::Err { errors, .. } = &observed.outcome {
        let mut leaves = Vec::new();
        leaf_ids(errors, &mut leaves);
        let mut seen = std::collections::BTreeSet::new();
        for (id, what) in &leaves {
            if !ctx.reached[*id as usize].load(Ordering::SeqCst) {
                return Err(TestCaseError::fail(format!(
                    "{what} is reported, but task {id} never reached its failure point"
                )));
            }
            if !seen.insert(*id) {
                return Err(TestCaseError::fail(format!("task {id} is reported twice")));
            }
        }
    }
    let mut limits = Vec::new();
    collect_limits(root, &mut limits);
    for (group, limit) in limits {
        let peak = ctx.peak[group as usize].load(Ordering::SeqCst);
        if peak > limit {
            return Err(TestCaseError::fail(format!(
                "group {group} ran {peak} children at once, limit {limit}"
            )));
        }
    }
    Ok(())
}

fn collect_limits(g: &Group, out: &mut Vec<(u32, usize)>) {
    if let Some(limit) = g.limit {
        out.push((g.id, limit));
    }
    fn task(t: &Task, out: &mut Vec<(u32, usize)>) {
        for step in &t.steps {
            if let Step::Spawn(_, node) = step {
                match node {
                    Node::Task(t) => task(t, out),
                    Node::Group(g) | Node::Scope(_, g) => collect_limits(g, out),
                }
            }
        }
    }
    task(&g.body, out);
}

/// What the cases covered, printed at the end so a reader can see that the
/// generator reaches the interesting paths.
#[derive(Debug, Default)]
struct Stats {
    exact: AtomicUsize,
    ambiguous: AtomicUsize,
    tasks: AtomicUsize,
    groups: AtomicUsize,
    ok: AtomicUsize,
    errors: AtomicUsize,
    panics: AtomicUsize,
    cancelled: AtomicUsize,
    timeouts: AtomicUsize,
    nested_entries: AtomicUsize,
}

impl Stats {
    fn count(&self, root: &Group, outcome: &Outcome) {
        let (mut tasks, mut groups) = (0, 0);
        count_nodes(root, &mut tasks, &mut groups);
        self.tasks.fetch_add(tasks, Ordering::Relaxed);
        self.groups.fetch_add(groups, Ordering::Relaxed);
        let slot = match outcome {
            Outcome::Ok => &self.ok,
            Outcome::CancelledEmpty => &self.cancelled,
            Outcome::Err { .. } => &self.errors,
            Outcome::Panic(_) => &self.panics,
        };
        slot.fetch_add(1, Ordering::Relaxed);
        if let Outcome::Err { errors, .. } = outcome {
            self.walk(errors);
        }
    }

    fn walk(&self, list: &[Timed]) {
        for (_, e) in list {
            match e {
                Entry::TimedOut { .. } => {
                    self.timeouts.fetch_add(1, Ordering::Relaxed);
                }
                Entry::Group { errors, cancelled, .. } => {
                    // Orphan adoption builds a group without the flag
                    // from a scope path (`s<id>`).
                    let _ = cancelled;
                    self.nested_entries.fetch_add(1, Ordering::Relaxed);
                    self.walk(errors);
                }
                Entry::Scope { errors, .. } => {
                    self.nested_entries.fetch_add(1, Ordering::Relaxed);
                    self.walk(errors);
                }
                _ => {}
            }
        }
    }

    fn report(&self) -> String {
        let l = |a: &AtomicUsize| a.load(Ordering::Relaxed);
        format!(
            "{} cases checked exactly, {} with simultaneous timers; {} tasks and {} groups in all; \
             outcomes: {} ok, {} errors, {} panics, {} cancelled; {} timeouts and {} nested \
             entries reported",
            l(&self.exact),
            l(&self.ambiguous),
            l(&self.tasks),
            l(&self.groups),
            l(&self.ok),
            l(&self.errors),
            l(&self.panics),
            l(&self.cancelled),
            l(&self.timeouts),
            l(&self.nested_entries),
        )
    }
}

fn count_nodes(g: &Group, tasks: &mut usize, groups: &mut usize) {
    *groups += 1;
    fn task(t: &Task, tasks: &mut usize, groups: &mut usize) {
        *tasks += 1;
        for step in &t.steps {
            if let Step::Spawn(_, node) = step {
                match node {
                    Node::Task(t) => task(t, tasks, groups),
                    Node::Group(g) | Node::Scope(_, g) => count_nodes(g, tasks, groups),
                }
            }
        }
    }
    task(&g.body, tasks, groups);
}

/// Scripted panics are expected by the thousand; keep them off stderr and
/// let every other panic (a failed assertion) through.
fn silence_scripted_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let text = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied());
            if !text.is_some_and(|t| t.starts_with("scripted panic")) {
                previous(info);
            }
        }));
    });
}

// The same scripts on the multi-thread runtime, with durations read as
// microseconds of real time: timers round up to the millisecond there, so
// simultaneous events abound, and children run in parallel. No model can
// say which of them wins; the invariants must hold anyway, and every
// handle must be finished when the root returns.
#[test]
fn random_task_trees_keep_their_invariants_on_many_threads() {
    silence_scripted_panics();
    let config = Config {
        cases: support::sized(48, 2_000) as u32,
        failure_persistence: None,
        max_shrink_iters: 1_024,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let result = runner.run(&tree(), |script| {
        let ctx = Ctx::new(&script.0, Duration::from_micros(1));
        let root = script.0.clone();
        let c = ctx.clone();
        let observed = rt
            .block_on(async move {
                tokio::spawn(async move { run_script(&root, c, Duration::from_secs(60)).await })
                    .await
                    .expect("the runner does not panic")
            })
            .map_err(TestCaseError::fail)?;
        check_invariants(&script.0, &ctx, &observed)
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}

fn cases() -> u32 {
    std::env::var("TASKSCOPE_STRESS_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512)
}

#[test]
fn random_task_trees_match_the_model() {
    silence_scripted_panics();
    let cases = cases();
    let config =
        Config { cases, failure_persistence: None, max_shrink_iters: 4_096, ..Config::default() };
    let stats = Stats::default();
    let mut runner = TestRunner::new(config);
    if let Err(err) = runner.run(&tree(), |script| check_case(&script.0, &stats)) {
        panic!("{err}");
    }
    let exact = stats.exact.load(Ordering::Relaxed);
    let ambiguous = stats.ambiguous.load(Ordering::Relaxed);
    eprintln!("{}", stats.report());
    // Ties must stay rare, or the exact comparison would check little.
    assert!(exact * 4 >= (exact + ambiguous) * 3, "{exact} exact of {}", exact + ambiguous);
}
