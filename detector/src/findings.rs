//! Deadlock and race findings: their wire shapes, their human text, and the
//! store that keeps them, charged to the lineages of the workers involved so
//! a guard sees only its own.

use crate::registry::registry;
use crate::resource::ResourceRef;
use crate::sync::{Arc, AtomicU64, Mutex, Ordering};
use crate::worker::{Worker, WorkerId, WorkerRef};
#[cfg(feature = "serde")]
use serde::Serialize;
use std::collections::HashSet;
use std::fmt;

// === deadlocks ===

/// The kind of a deadlock finding. Serialized as the contract's strings.
///
/// # Examples
///
/// ```
/// use vigil_detector::DeadlockKind;
///
/// let json = serde_json::to_value(DeadlockKind::WaitgroupMisuse).unwrap();
/// assert_eq!(json, "waitgroup_misuse");
/// assert_eq!(json, DeadlockKind::WaitgroupMisuse.as_str());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum DeadlockKind {
    /// A wait-for cycle among lock owners (AB-BA), happening now.
    Cycle,
    /// A thread locking a lock it already holds.
    DoubleLock,
    /// A thread re-read-locking an `RwLock` while a writer waits (Go's RWR).
    RecursiveRead,
    /// A lock-order inversion seen across threads (a potential deadlock).
    LockOrder,
    /// A `WaitGroup` `add` from zero not ordered before a concurrent `wait`.
    WaitgroupMisuse,
}

impl DeadlockKind {
    /// The kind's contract name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(vigil_detector::DeadlockKind::DoubleLock.as_str(), "double_lock");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlockKind::Cycle => "cycle",
            DeadlockKind::DoubleLock => "double_lock",
            DeadlockKind::RecursiveRead => "recursive_read",
            DeadlockKind::LockOrder => "lock_order",
            DeadlockKind::WaitgroupMisuse => "waitgroup_misuse",
        }
    }
}

/// One side of a deadlock: who waits (or acquired), for what, held by whom.
///
/// # Examples
///
/// ```
/// use vigil_detector::{DeadlockKind, DeadlockReport, WaitEdge};
/// use vigil_detector::{ResourceId, ResourceKind, ResourceRef, WorkerId, WorkerRef};
///
/// let edge = WaitEdge {
///     waiter: WorkerRef { id: WorkerId(2), name: Some("a".into()) },
///     waiter_site: "src/a.rs:10:5".into(),
///     waiting_ms: Some(40),
///     resource: ResourceRef { id: ResourceId(7), kind: ResourceKind::Mutex, name: "m".into() },
///     holder: Some(WorkerRef { id: WorkerId(3), name: Some("b".into()) }),
///     holder_site: Some("src/b.rs:4:9".into()),
///     held_ms: Some(90),
/// };
/// let report = DeadlockReport {
///     kind: DeadlockKind::Cycle,
///     threads: vec![edge.waiter.clone()],
///     resources: vec![edge.resource.clone()],
///     sites: vec![edge.waiter_site.clone()],
///     edges: vec![edge],
///     message: "cycle of 1 lock".into(),
/// };
/// let text = report.to_string();
/// assert!(text.contains("worker 2 \"a\" at src/a.rs:10:5 waiting 40 ms for mutex `m`"));
/// assert!(text.contains("held by worker 3 \"b\" since src/b.rs:4:9 (90 ms)"));
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct WaitEdge {
    /// The waiting (or acquiring) worker.
    pub waiter: WorkerRef,
    /// Where it waits (or acquired).
    pub waiter_site: String,
    /// How long it has waited, if it is waiting.
    pub waiting_ms: Option<u64>,
    /// The lock.
    pub resource: ResourceRef,
    /// The worker holding it, if known.
    pub holder: Option<WorkerRef>,
    /// Where the holder acquired it.
    pub holder_site: Option<String>,
    /// How long the holder has held it.
    pub held_ms: Option<u64>,
}

/// A deadlock, or a potential one (`lock_order`).
///
/// JSON: `{"kind", "threads", "resources", "sites", "edges", "message"}`.
///
/// # Examples
///
/// ```
/// use vigil_detector::{DeadlockKind, DeadlockReport};
///
/// let report = DeadlockReport {
///     kind: DeadlockKind::DoubleLock,
///     threads: vec![],
///     resources: vec![],
///     sites: vec!["src/a.rs:3:9".into()],
///     edges: vec![],
///     message: "locked a mutex it holds".into(),
/// };
/// let text = report.to_string();
/// assert_eq!(text, "vigil: DEADLOCK (double_lock): locked a mutex it holds\n  at src/a.rs:3:9\n");
/// let json = serde_json::to_value(&report).unwrap();
/// assert_eq!(json["kind"], "double_lock");
/// for key in ["threads", "resources", "sites", "edges", "message"] {
///     assert!(json.get(key).is_some(), "{key}");
/// }
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct DeadlockReport {
    /// What kind of deadlock.
    pub kind: DeadlockKind,
    /// Every worker involved.
    pub threads: Vec<WorkerRef>,
    /// Every lock involved.
    pub resources: Vec<ResourceRef>,
    /// Every site involved (`file:line:col`).
    pub sites: Vec<String>,
    /// Both sides of each wait: waiter and holder.
    pub edges: Vec<WaitEdge>,
    /// A one-sentence summary.
    pub message: String,
}

impl fmt::Display for DeadlockReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "vigil: DEADLOCK ({}): {}", self.kind.as_str(), self.message)?;
        for e in &self.edges {
            write!(f, "  {} at {}", e.waiter, e.waiter_site)?;
            if let Some(ms) = e.waiting_ms {
                write!(f, " waiting {ms} ms")?;
            }
            write!(f, " for {}", e.resource)?;
            if let Some(h) = &e.holder {
                write!(f, ", held by {h}")?;
                if let Some(s) = &e.holder_site {
                    write!(f, " since {s}")?;
                }
                if let Some(ms) = e.held_ms {
                    write!(f, " ({ms} ms)")?;
                }
            }
            writeln!(f)?;
        }
        if self.edges.is_empty() {
            for s in &self.sites {
                writeln!(f, "  at {s}")?;
            }
        }
        Ok(())
    }
}

// === races ===

/// The kind of a race: the earlier access, then the later one.
///
/// # Examples
///
/// ```
/// use vigil_detector::RaceKind;
///
/// assert_eq!(serde_json::to_value(RaceKind::ReadWrite).unwrap(), "read-write");
/// assert_eq!(serde_json::to_value(RaceKind::WriteWrite).unwrap(), RaceKind::WriteWrite.as_str());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub enum RaceKind {
    /// Two unordered writes.
    #[cfg_attr(feature = "serde", serde(rename = "write-write"))]
    WriteWrite,
    /// A read, then an unordered write.
    #[cfg_attr(feature = "serde", serde(rename = "read-write"))]
    ReadWrite,
    /// A write, then an unordered read.
    #[cfg_attr(feature = "serde", serde(rename = "write-read"))]
    WriteRead,
}

impl RaceKind {
    /// The kind's contract name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(vigil_detector::RaceKind::WriteRead.as_str(), "write-read");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            RaceKind::WriteWrite => "write-write",
            RaceKind::ReadWrite => "read-write",
            RaceKind::WriteRead => "write-read",
        }
    }
}

/// One side of a race: `{"thread", "site", "op"}` plus the backtrace if
/// kept, and where the thread came from (Go's "created at").
///
/// # Examples
///
/// ```
/// use vigil_detector::{Access, WorkerId, WorkerRef};
///
/// let access = Access {
///     thread: WorkerRef { id: WorkerId(4), name: Some("writer".into()) },
///     spawned_at: Some("src/cache.rs:3:5".into()),
///     parent: Some(WorkerRef { id: WorkerId(1), name: Some("main".into()) }),
///     site: "src/cache.rs:12:9".into(),
///     op: "write",
///     backtrace: vec![],
/// };
/// let json = serde_json::to_value(&access).unwrap();
/// assert_eq!(json["thread"], serde_json::json!({"id": 4, "name": "writer"}));
/// assert_eq!(json["spawned_at"], "src/cache.rs:3:5");
/// assert_eq!(json["site"], "src/cache.rs:12:9");
/// assert_eq!(json["op"], "write");
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Access {
    /// The worker that made the access.
    pub thread: WorkerRef,
    /// Where that worker was spawned (`null` for threads vigil did not
    /// spawn, such as a test's own thread).
    pub spawned_at: Option<String>,
    /// The worker that spawned it, if known.
    pub parent: Option<WorkerRef>,
    /// Where (`file:line:col`).
    pub site: String,
    /// `"read"` or `"write"`.
    pub op: &'static str,
    /// Resolved, trimmed backtrace frames (may be empty).
    pub backtrace: Vec<String>,
}

/// A data race between two accesses not ordered by happens-before.
///
/// # Examples
///
/// ```
/// use vigil_detector::{Access, RaceKind, RaceReport};
/// use vigil_detector::{ResourceId, ResourceKind, ResourceRef, WorkerId, WorkerRef};
///
/// let test_thread = WorkerRef { id: WorkerId(1), name: Some("my_test".into()) };
/// let access = |id, spawned_at: Option<&str>, site: &str, op| Access {
///     thread: WorkerRef { id: WorkerId(id), name: None },
///     spawned_at: spawned_at.map(String::from),
///     parent: spawned_at.map(|_| test_thread.clone()),
///     site: site.into(),
///     op,
///     backtrace: vec![],
/// };
/// let race = RaceReport {
///     kind: RaceKind::ReadWrite,
///     current: access(2, Some("src/b.rs:5:9"), "src/b.rs:7:5", "write"),
///     previous: access(1, None, "src/a.rs:3:5", "read"),
///     resource: ResourceRef { id: ResourceId(9), kind: ResourceKind::Memory, name: "hits".into() },
/// };
/// let text = race.to_string();
/// assert!(text.contains("WARNING: DATA RACE (read-write)"));
/// assert!(text.contains("Write at memory `hits` by worker 2:\n  src/b.rs:7:5"));
/// assert!(text.contains("Previous read at memory `hits` by worker 1:\n  src/a.rs:3:5"));
/// // Like Go's "Goroutine N created at": where the spawned side came from.
/// assert!(text.contains("worker 2 was spawned at src/b.rs:5:9 by worker 1 \"my_test\""));
/// assert_eq!(serde_json::to_value(&race).unwrap()["kind"], "read-write");
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct RaceReport {
    /// Which accesses conflicted.
    pub kind: RaceKind,
    /// The later access (the one that found the race).
    pub current: Access,
    /// The earlier, unordered access.
    pub previous: Access,
    /// The memory raced on.
    pub resource: ResourceRef,
}

impl fmt::Display for RaceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn cap(op: &str) -> String {
            let mut c = op.chars();
            c.next().map(|h| h.to_uppercase().chain(c).collect()).unwrap_or_default()
        }
        writeln!(f, "==================")?;
        writeln!(f, "WARNING: DATA RACE ({})", self.kind.as_str())?;
        writeln!(f, "{} at {} by {}:", cap(self.current.op), self.resource, self.current.thread)?;
        writeln!(f, "  {}", self.current.site)?;
        for fr in &self.current.backtrace {
            writeln!(f, "      {fr}")?;
        }
        writeln!(f)?;
        writeln!(f, "Previous {} at {} by {}:", self.previous.op, self.resource, self.previous.thread)?;
        writeln!(f, "  {}", self.previous.site)?;
        for fr in &self.previous.backtrace {
            writeln!(f, "      {fr}")?;
        }
        // Where each side's thread came from (Go's "created at"), for those
        // vigil spawned.
        let spawned: Vec<(&Access, &str)> = [&self.current, &self.previous]
            .into_iter()
            .filter_map(|a| Some((a, a.spawned_at.as_deref()?)))
            .collect();
        if !spawned.is_empty() {
            writeln!(f)?;
        }
        for (side, at) in spawned {
            write!(f, "{} was spawned at {at}", side.thread)?;
            if let Some(p) = &side.parent {
                write!(f, " by {p}")?;
            }
            writeln!(f)?;
        }
        writeln!(f, "==================")
    }
}

// === the store ===

#[derive(Debug)]
pub(crate) struct Stored<T> {
    pub(crate) seq: u64,
    pub(crate) involved: Vec<(WorkerId, Arc<[WorkerId]>)>,
    pub(crate) report: T,
}

impl<T> Stored<T> {
    /// Whether a worker of `root`'s lineage is involved.
    pub(crate) fn charged_to(&self, root: WorkerId) -> bool {
        self.involved.iter().any(|(id, lineage)| *id == root || lineage.contains(&root))
    }
}

#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub(crate) seq: AtomicU64,
    pub(crate) deadlocks: Mutex<Vec<Stored<DeadlockReport>>>,
    pub(crate) races: Mutex<Vec<Stored<RaceReport>>>,
    seen: Mutex<HashSet<String>>,
}

impl Findings {
    pub(crate) fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn current_seq(&self) -> u64 {
        self.seq.load(Ordering::Relaxed)
    }
}

fn involved_of(workers: &[Arc<Worker>]) -> Vec<(WorkerId, Arc<[WorkerId]>)> {
    workers.iter().map(|w| (w.id, w.lineage.clone())).collect()
}

/// Records a deadlock finding once per `dedup_key`; returns whether it was new.
/// New findings are also emitted as a `tracing` warning and a dashboard event.
///
/// # Examples
///
/// ```
/// use vigil_detector::{DeadlockKind, DeadlockReport};
///
/// let report = DeadlockReport {
///     kind: DeadlockKind::LockOrder,
///     threads: vec![],
///     resources: vec![],
///     sites: vec!["a.rs:1:1".into(), "b.rs:2:2".into()],
///     edges: vec![],
///     message: "lock order inverted".into(),
/// };
/// let me = vigil_detector::current_worker().unwrap();
/// assert!(vigil_detector::record_deadlock(report.clone(), &[me.clone()], "doc-example"));
/// assert!(!vigil_detector::record_deadlock(report, &[me], "doc-example"));
/// ```
pub fn record_deadlock(report: DeadlockReport, involved: &[Arc<Worker>], dedup_key: &str) -> bool {
    let reg = registry();
    if !reg.findings.seen.lock().insert(format!("deadlock:{dedup_key}")) {
        return false;
    }
    #[cfg(feature = "detect")]
    tracing::warn!(target: "vigil", kind = report.kind.as_str(), "{report}");
    reg.events.push(
        crate::EventKind::Deadlock,
        report.threads.first().cloned(),
        report.resources.first().cloned(),
        None,
        format!("deadlock ({}): {}", report.kind.as_str(), report.message),
    );
    let stored = Stored { seq: reg.findings.next_seq(), involved: involved_of(involved), report };
    reg.findings.deadlocks.lock().push(stored);
    true
}

/// Records a race finding once per `dedup_key` (its pair of sites); returns
/// whether it was new. Also emitted as a `tracing` warning and a dashboard event.
///
/// # Examples
///
/// ```
/// use vigil_detector::{record_race, Access, RaceKind, RaceReport, ResourceId, ResourceKind, ResourceRef};
///
/// let me = vigil_detector::current_worker().unwrap();
/// let access =
///     |site: &str| Access {
///         thread: me.to_ref(),
///         spawned_at: None,
///         parent: None,
///         site: site.into(),
///         op: "write",
///         backtrace: vec![],
///     };
/// let report = RaceReport {
///     kind: RaceKind::WriteWrite,
///     current: access("src/b.rs:2:2"),
///     previous: access("src/a.rs:1:1"),
///     resource: ResourceRef { id: ResourceId(1), kind: ResourceKind::Memory, name: "x".into() },
/// };
/// assert!(record_race(report.clone(), &[me.clone()], "src/a.rs:1:1|src/b.rs:2:2"));
/// assert!(!record_race(report, &[me], "src/a.rs:1:1|src/b.rs:2:2")); // already recorded
/// assert_eq!(vigil_detector::check::races().len(), 1);
/// ```
pub fn record_race(report: RaceReport, involved: &[Arc<Worker>], dedup_key: &str) -> bool {
    let reg = registry();
    if !reg.findings.seen.lock().insert(format!("race:{dedup_key}")) {
        return false;
    }
    #[cfg(feature = "detect")]
    tracing::warn!(target: "vigil", kind = report.kind.as_str(), "{report}");
    reg.events.push(
        crate::EventKind::Race,
        Some(report.current.thread.clone()),
        Some(report.resource.clone()),
        None,
        format!(
            "data race ({}) on {}: {} at {} vs {} at {}",
            report.kind.as_str(),
            report.resource,
            report.current.thread,
            report.current.site,
            report.previous.thread,
            report.previous.site
        ),
    );
    let stored = Stored { seq: reg.findings.next_seq(), involved: involved_of(involved), report };
    reg.findings.races.lock().push(stored);
    true
}
