//! The wire format of live state: plain serde structs with `u64` ids and
//! wall-clock times, separate from the registry's internals.

use crate::registry::registry;
use crate::resource::{Resource, ResourceId, ResourceKind, ResourceRef};
use crate::site::SiteCache;
use crate::stats::{ChannelStats, ContextStats, CounterStats, LockStats, PoolStats};
use crate::sync::Arc;
use crate::worker::{Blocked, Op, Worker, WorkerId, WorkerKind, WorkerRef, WorkerState};
#[cfg(feature = "serde")]
use serde::Serialize;
use std::time::{Instant, SystemTime};

/// What a blocked worker waits on: `{"op", "resource", "resources", "site", "since_ms", "summary"}`.
///
/// # Examples
///
/// ```
/// use std::panic::Location;
/// use vigil_detector::Op;
///
/// let child = vigil_detector::on_spawn(Some("child".into()), Location::caller());
/// // This thread waits to join the child.
/// let target = child.worker().unwrap().join_target();
/// let _waiting = vigil_detector::on_block(Op::Join, Location::caller(), vec![target]);
/// let snap = vigil_detector::check::snapshot();
/// let me = snap.workers.iter().find(|w| Some(w.id) == vigil_detector::current_worker_id()).unwrap();
/// let on = me.blocked_on.as_ref().unwrap();
/// assert_eq!(on.op, Op::Join);
/// assert_eq!(on.resource.as_ref().unwrap().name, "child");
/// assert_eq!(on.summary, "running"); // the child's live state
/// assert!(on.site.starts_with(file!()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct BlockedOn {
    /// The blocking operation.
    pub op: Op,
    /// The (first) resource waited on; `null` for `sleep`/`park`.
    pub resource: Option<ResourceRef>,
    /// Every resource waited on (several for `select!`).
    pub resources: Vec<ResourceRef>,
    /// Where the blocking call was made.
    pub site: String,
    /// How long it has waited.
    pub since_ms: u64,
    /// The first resource's live state, e.g. `bounded(0), 0/0 queued, 1 receiver alive, 0 receiving`.
    pub summary: String,
}

impl BlockedOn {
    pub(crate) fn of(w: &Worker, now: Instant) -> Option<BlockedOn> {
        let b = w.state.lock().blocked.clone()?;
        Some(BlockedOn::from_blocked(&b, now, &mut SiteCache::default()))
    }

    /// Built from a copy of the worker's blocked state, taken under its lock
    /// and read after it is released (`summary()` may take the resource's locks).
    fn from_blocked(b: &Blocked, now: Instant, sites: &mut SiteCache) -> BlockedOn {
        let resources: Vec<ResourceRef> = b.resources.iter().map(|r| r.meta().to_ref()).collect();
        let summary = b.resources.first().map(|r| r.summary()).unwrap_or_default();
        BlockedOn {
            op: b.op,
            resource: resources.first().cloned(),
            resources,
            site: sites.short(b.site),
            since_ms: now.saturating_duration_since(b.since).as_millis() as u64,
            summary,
        }
    }
}

/// Kind-specific statistics of a resource (serialized without a tag; the
/// resource's `kind` says which).
///
/// # Examples
///
/// ```
/// use vigil_detector::{CounterStats, ResourceStats};
///
/// let sem = ResourceStats::Counter(CounterStats { count: 1, capacity: Some(3), waiters: 2 });
/// let json = serde_json::to_value(&sem).unwrap();
/// assert_eq!(json, serde_json::json!({"count": 1, "capacity": 3, "waiters": 2})); // no tag
/// assert!(serde_json::to_value(ResourceStats::None).unwrap().is_null());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(untagged))]
pub enum ResourceStats {
    /// Nothing beyond identity.
    None,
    /// A channel (boxed, as the lock's, to keep every snapshot entry small).
    Channel(Box<ChannelStats>),
    /// A `Mutex` or `RwLock` (boxed: its two histograms make it the largest
    /// stats type, and a snapshot holds one entry per live resource).
    Lock(Box<LockStats>),
    /// A `Context`.
    Context(ContextStats),
    /// An object pool or a worker pool.
    Pool(PoolStats),
    /// A `WaitGroup`, `Semaphore` or `Barrier`.
    Counter(CounterStats),
}

/// One worker in a snapshot.
///
/// # Examples
///
/// ```
/// use vigil_detector::WorkerState;
///
/// let _child = vigil_detector::on_spawn(Some("child".into()), std::panic::Location::caller());
/// let snap = vigil_detector::check::snapshot();
/// let w = snap.workers.iter().find(|w| w.name.as_deref() == Some("child")).unwrap();
/// assert_eq!(w.state, WorkerState::Running);
/// assert!(!w.external && w.panic.is_none());
/// assert_eq!(w.parent.as_ref().map(|p| p.id), vigil_detector::current_worker_id());
/// assert!(w.spawned_at.as_deref().unwrap().starts_with(file!()));
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct WorkerSnapshot {
    /// Id.
    pub id: WorkerId,
    /// Name.
    pub name: Option<String>,
    /// The worker that spawned it.
    pub parent: Option<WorkerRef>,
    /// `thread` or `task`.
    pub kind: WorkerKind,
    /// `running`, `blocked`, `idle` (a task between polls), `finished`,
    /// `panicked`, `cancelled` (a task dropped before it completed).
    pub state: WorkerState,
    /// What it waits on, when blocked.
    pub blocked_on: Option<BlockedOn>,
    /// Where it was spawned (`null` for outside threads).
    pub spawned_at: Option<String>,
    /// Milliseconds since it started.
    pub age_ms: u64,
    /// Start, milliseconds since the Unix epoch.
    pub started_at_ms: u64,
    /// Not spawned through vigil (a test thread, `main`).
    pub external: bool,
    /// The panic message, if it panicked.
    pub panic: Option<String>,
    /// A task's counters (absent for a thread).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub task: Option<crate::task::TaskStats>,
}

impl WorkerSnapshot {
    pub(crate) fn of(w: &Worker, now: Instant) -> WorkerSnapshot {
        WorkerSnapshot::of_cached(w, now, &mut SiteCache::default())
    }

    /// As [`of`](Self::of), formatting sites through `sites`.
    pub(crate) fn of_cached(w: &Worker, now: Instant, sites: &mut SiteCache) -> WorkerSnapshot {
        // One lock for state and blocked-on (was two): a consistent pair, and
        // half the lock traffic with 10,000 workers.
        let (state, panic, ended, blocked) = {
            let st = w.state.lock();
            (w.refine(st.state), st.panic.clone(), st.ended, st.blocked.clone())
        };
        WorkerSnapshot {
            id: w.id,
            name: w.name.clone(),
            parent: w.parent.clone(),
            kind: w.kind,
            task: w.task.as_ref().map(|t| t.stats(state.is_alive())),
            state,
            blocked_on: blocked.map(|b| BlockedOn::from_blocked(&b, now, sites)),
            spawned_at: w.spawned_at.map(|s| sites.short(s)),
            age_ms: ended.unwrap_or(now).saturating_duration_since(w.started).as_millis() as u64,
            started_at_ms: crate::events::unix_ms(w.started_wall),
            external: w.external,
            panic,
        }
    }
}

/// One resource in a snapshot.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use vigil_detector::{Resource, ResourceKind, ResourceMeta, ResourceStats};
///
/// struct Gate(ResourceMeta);
/// impl Resource for Gate {
///     fn meta(&self) -> &ResourceMeta {
///         &self.0
///     }
/// }
///
/// let gate = Arc::new(Gate(ResourceMeta::new(ResourceKind::Other, None, std::panic::Location::caller())));
/// vigil_detector::register_resource(gate.clone());
/// let snap = vigil_detector::check::snapshot();
/// let r = snap.resources.iter().find(|r| r.id == gate.0.id()).unwrap();
/// assert_eq!(r.kind, ResourceKind::Other);
/// assert_eq!(r.name, r.site); // unnamed: named by its creation site
/// assert_eq!(r.stats, ResourceStats::None);
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct ResourceSnapshot {
    /// Id.
    pub id: ResourceId,
    /// Kind.
    pub kind: ResourceKind,
    /// Name (its creation site when not named); shared with the resource,
    /// so a snapshot of many resources copies no names.
    pub name: Arc<str>,
    /// Creation site; shared by every resource created there.
    pub site: Arc<str>,
    /// Milliseconds since creation.
    pub age_ms: u64,
    /// One line of live state.
    pub summary: String,
    /// Kind-specific statistics.
    pub stats: ResourceStats,
}

impl ResourceSnapshot {
    pub(crate) fn of(r: &Arc<dyn Resource>, now: Instant) -> ResourceSnapshot {
        ResourceSnapshot::of_cached(r, now, &mut SiteCache::default())
    }

    /// As [`of`](Self::of), formatting the creation site through `sites`.
    pub(crate) fn of_cached(r: &Arc<dyn Resource>, now: Instant, sites: &mut SiteCache) -> ResourceSnapshot {
        let m = r.meta();
        ResourceSnapshot {
            id: m.id(),
            kind: m.kind(),
            name: m.shared_name(),
            site: sites.shared(m.site()),
            age_ms: now.saturating_duration_since(m.created()).as_millis() as u64,
            summary: r.summary(),
            stats: r.stats(),
        }
    }
}

/// Counts for the summary line.
///
/// # Examples
///
/// ```
/// use std::panic::Location;
/// use vigil_detector::Op;
///
/// let _a = vigil_detector::on_spawn(Some("a".into()), Location::caller());
/// let _b = vigil_detector::on_spawn(Some("b".into()), Location::caller());
/// let _waiting = vigil_detector::on_block(Op::Sleep, Location::caller(), Vec::new());
/// let counts = vigil_detector::check::snapshot().counts;
/// // The calling thread is external (not spawned through vigil): not counted.
/// assert_eq!((counts.workers, counts.running, counts.blocked), (2, 2, 0));
/// ```
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Counts {
    /// Live workers (spawned through vigil).
    pub workers: usize,
    /// Of those, running.
    pub running: usize,
    /// Of those, blocked.
    pub blocked: usize,
    /// Live resources.
    pub resources: usize,
    /// Deadlock findings so far.
    pub deadlocks: usize,
    /// Race findings so far.
    pub races: usize,
    /// Events dropped from the ring.
    pub dropped_events: u64,
    /// Newest event sequence number.
    pub last_event_seq: u64,
}

/// The live state of the process: every worker and resource.
///
/// # Examples
///
/// ```
/// use vigil_detector::WorkerState;
///
/// let ticket = vigil_detector::on_spawn(Some("job".into()), std::panic::Location::caller());
/// std::thread::spawn(move || ticket.on_start().on_finish(None)).join().unwrap();
/// let snap = vigil_detector::check::snapshot();
/// let job = snap.finished.iter().find(|w| w.name.as_deref() == Some("job")).unwrap();
/// assert_eq!(job.state, WorkerState::Finished);
/// assert!(snap.workers.iter().all(|w| w.id != job.id)); // no longer live
/// let json = serde_json::to_value(&snap).unwrap();
/// for key in ["time_ms", "uptime_ms", "counts", "workers", "finished", "resources"] {
///     assert!(json.get(key).is_some(), "{key}");
/// }
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Snapshot {
    /// When it was taken, milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// Milliseconds since vigil started.
    pub uptime_ms: u64,
    /// Counts.
    pub counts: Counts,
    /// Live workers (outside threads included, marked `external`), by id.
    pub workers: Vec<WorkerSnapshot>,
    /// Recently finished workers, oldest first.
    pub finished: Vec<WorkerSnapshot>,
    /// Live resources, by id.
    pub resources: Vec<ResourceSnapshot>,
}

pub(crate) fn take() -> Snapshot {
    let reg = registry();
    let now = Instant::now();
    let mut sites = SiteCache::default();
    let workers: Vec<WorkerSnapshot> =
        reg.live_workers().iter().map(|w| WorkerSnapshot::of_cached(w, now, &mut sites)).collect();
    // Copy the Arcs out first: `WorkerSnapshot::of` takes worker locks, which
    // must not nest inside the registry's `recent` lock.
    let recent: Vec<Arc<Worker>> = reg.recent.lock().iter().cloned().collect();
    let finished: Vec<WorkerSnapshot> =
        recent.iter().map(|w| WorkerSnapshot::of_cached(w, now, &mut sites)).collect();
    drop(recent);
    let live = reg.live_resources_by_id();
    let resources: Vec<ResourceSnapshot> =
        live.iter().map(|(_, r)| ResourceSnapshot::of_cached(r, now, &mut sites)).collect();
    drop(live);
    let tracked = workers.iter().filter(|w| !w.external);
    let counts = Counts {
        workers: tracked.clone().count(),
        running: tracked.clone().filter(|w| w.state == WorkerState::Running).count(),
        blocked: tracked.filter(|w| w.state == WorkerState::Blocked).count(),
        resources: resources.len(),
        deadlocks: reg.findings.deadlocks.lock().len(),
        races: reg.findings.races.lock().len(),
        dropped_events: reg.events.dropped(),
        last_event_seq: reg.events.last_seq(),
    };
    Snapshot {
        time_ms: crate::events::unix_ms(SystemTime::now()),
        uptime_ms: now.saturating_duration_since(reg.started).as_millis() as u64,
        counts,
        workers,
        finished,
        resources,
    }
}
