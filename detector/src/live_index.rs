//! A cheap index of live state, for readers that show a page of it.
//!
//! [`check::snapshot`](crate::check::snapshot) materializes every worker and
//! every resource (names, sites, summaries, statistics): with 10,000 workers
//! and 100,000 resources that is a few hundred thousand allocations. A
//! dashboard showing 100 workers and 1,000 resources needs far less:
//! [`live_index`] collects the live workers with the few facts needed to
//! filter and sort them (state, how long blocked, name) and the live
//! resources as handles, and materializes only what the caller picks.

use crate::registry::registry;
use crate::resource::{Resource, ResourceId, ResourceKind};
use crate::snapshot::{Counts, ResourceSnapshot, WorkerSnapshot};
use crate::sync::Arc;
use crate::worker::{Op, Worker, WorkerId, WorkerState};
use std::time::{Duration, Instant, SystemTime};

/// What a live worker is, cheaply: enough to filter and sort by.
///
/// # Examples
///
/// ```
/// use vigil_detector::{Op, WorkerState};
///
/// let me = vigil_detector::current_worker_id().unwrap();
/// let _blocked = vigil_detector::on_block(Op::Recv, std::panic::Location::caller(), Vec::new());
/// let index = vigil_detector::live_index();
/// let key = index.workers().iter().find(|k| k.id() == me).unwrap();
/// assert_eq!(key.state, WorkerState::Blocked);
/// assert_eq!(key.op, Some(Op::Recv));
/// assert!(key.blocked_for.is_some());
/// ```
#[derive(Debug, Clone)]
pub struct WorkerKey {
    worker: Arc<Worker>,
    /// Its state when the index was taken.
    pub state: WorkerState,
    /// How long it had been blocked, if it was.
    pub blocked_for: Option<Duration>,
    /// The blocking operation, if it was blocked.
    pub op: Option<Op>,
    /// How long it had been alive.
    pub age: Duration,
}

impl WorkerKey {
    /// The worker's id.
    ///
    /// # Examples
    ///
    /// ```
    /// let me = vigil_detector::current_worker_id().unwrap();
    /// let index = vigil_detector::live_index();
    /// let key = index.workers().iter().find(|k| k.id() == me).unwrap();
    /// assert_eq!(index.worker_snapshot(key).id, me);
    /// ```
    pub fn id(&self) -> WorkerId {
        self.worker.id
    }

    /// The worker's name.
    ///
    /// # Examples
    ///
    /// ```
    /// let ticket = vigil_detector::on_spawn(Some("indexer".into()), std::panic::Location::caller());
    /// let id = ticket.worker().unwrap().id();
    /// let index = vigil_detector::live_index();
    /// let key = index.workers().iter().find(|k| k.id() == id).unwrap();
    /// assert_eq!(key.name(), Some("indexer"));
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.worker.name.as_deref()
    }

    /// Not spawned through vigil (`main`, a test thread).
    ///
    /// # Examples
    ///
    /// ```
    /// let me = vigil_detector::current_worker_id().unwrap(); // this thread: not spawned through vigil
    /// let ticket = vigil_detector::on_spawn(None, std::panic::Location::caller());
    /// let spawned = ticket.worker().unwrap().id();
    /// let index = vigil_detector::live_index();
    /// let external = |id: vigil_detector::WorkerId| index.workers().iter().find(|k| k.id() == id).unwrap().external();
    /// assert!(external(me));
    /// assert!(!external(spawned));
    /// ```
    pub fn external(&self) -> bool {
        self.worker.external
    }
}

/// Live workers and resources, indexed; see the module docs.
///
/// # Examples
///
/// ```
/// let index = vigil_detector::live_index();
/// let blocked: Vec<_> = index.workers().iter().filter(|w| w.blocked_for.is_some()).take(10).collect();
/// let page: Vec<_> = blocked.iter().map(|w| index.worker_snapshot(w)).collect();
/// assert!(page.len() <= 10);
/// assert_eq!(index.counts().resources, index.resources().len());
/// ```
pub struct LiveIndex {
    now: Instant,
    time_ms: u64,
    workers: Vec<WorkerKey>,
    resources: Vec<Arc<dyn Resource>>,
}

impl std::fmt::Debug for LiveIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveIndex")
            .field("workers", &self.workers.len())
            .field("resources", &self.resources.len())
            .finish()
    }
}

/// Takes a [`LiveIndex`] of the process now.
///
/// # Examples
///
/// ```
/// # use std::sync::Arc;
/// # use vigil_detector::{Resource, ResourceKind, ResourceMeta};
/// # struct Gate(ResourceMeta);
/// # impl Resource for Gate {
/// #     fn meta(&self) -> &ResourceMeta { &self.0 }
/// # }
/// let gate = Arc::new(Gate(ResourceMeta::new(ResourceKind::Other, Some("gate".into()), std::panic::Location::caller())));
/// vigil_detector::register_resource(gate.clone());
/// let me = vigil_detector::current_worker_id().unwrap();
/// let index = vigil_detector::live_index();
/// assert!(index.workers().iter().any(|k| k.id() == me));
/// assert!(index.resources().iter().any(|r| r.meta().id() == gate.0.id()));
/// ```
pub fn live_index() -> LiveIndex {
    let reg = registry();
    let now = Instant::now();
    // Sort by the map's keys, not through the pointers: with 100,000
    // resources a sort that dereferences each element per comparison is
    // dominated by cache misses.
    let mut live: Vec<(WorkerId, Arc<Worker>)> =
        reg.workers.iter().map(|e| (*e.key(), e.value().clone())).collect();
    live.sort_unstable_by_key(|(id, _)| *id);
    let mut resources: Vec<(ResourceId, Arc<dyn Resource>)> = Vec::with_capacity(reg.resources.len());
    for e in reg.resources.iter() {
        if let Some(r) = e.value().upgrade() {
            resources.push((*e.key(), r));
        }
    }
    resources.sort_unstable_by_key(|(id, _)| *id);
    let workers = live
        .into_iter()
        .map(|(_, w)| {
            let (state, blocked_for, op) = {
                let st = w.state.lock();
                let b = st.blocked.as_ref();
                (st.state, b.map(|b| now.saturating_duration_since(b.since)), b.map(|b| b.op))
            };
            let age = now.saturating_duration_since(w.started);
            WorkerKey { worker: w, state, blocked_for, op, age }
        })
        .collect();
    LiveIndex {
        now,
        time_ms: crate::events::unix_ms(SystemTime::now()),
        workers,
        resources: resources.into_iter().map(|(_, r)| r).collect(),
    }
}

impl LiveIndex {
    /// When it was taken, milliseconds since the Unix epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{SystemTime, UNIX_EPOCH};
    ///
    /// let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    /// let index = vigil_detector::live_index();
    /// assert!(index.time_ms() >= before);
    /// ```
    pub fn time_ms(&self) -> u64 {
        self.time_ms
    }

    /// Milliseconds since vigil started.
    ///
    /// # Examples
    ///
    /// ```
    /// let index = vigil_detector::live_index();
    /// let later = vigil_detector::check::snapshot();
    /// assert!(index.uptime_ms() <= later.uptime_ms);
    /// ```
    pub fn uptime_ms(&self) -> u64 {
        self.now.saturating_duration_since(registry().started).as_millis() as u64
    }

    /// Live workers (outside threads included), by id.
    ///
    /// # Examples
    ///
    /// ```
    /// let me = vigil_detector::current_worker_id().unwrap();
    /// let index = vigil_detector::live_index();
    /// let ids: Vec<_> = index.workers().iter().map(|k| k.id()).collect();
    /// assert!(ids.contains(&me)); // an outside thread
    /// assert!(ids.windows(2).all(|pair| pair[0] < pair[1])); // by id
    /// ```
    pub fn workers(&self) -> &[WorkerKey] {
        &self.workers
    }

    /// Live resources, by id.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use vigil_detector::{Resource, ResourceKind, ResourceMeta};
    /// # struct Gate(ResourceMeta);
    /// # impl Resource for Gate {
    /// #     fn meta(&self) -> &ResourceMeta { &self.0 }
    /// # }
    /// let gate = Arc::new(Gate(ResourceMeta::new(ResourceKind::Other, Some("gate".into()), std::panic::Location::caller())));
    /// vigil_detector::register_resource(gate.clone());
    /// let index = vigil_detector::live_index();
    /// assert!(index.resources().iter().any(|r| r.meta().name() == "gate"));
    /// let ids: Vec<_> = index.resources().iter().map(|r| r.meta().id()).collect();
    /// assert!(ids.windows(2).all(|pair| pair[0] < pair[1])); // by id
    /// ```
    pub fn resources(&self) -> &[Arc<dyn Resource>] {
        &self.resources
    }

    /// The full snapshot record of one worker of this index.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::Op;
    ///
    /// let me = vigil_detector::current_worker_id().unwrap();
    /// let _blocked = vigil_detector::on_block(Op::Sleep, std::panic::Location::caller(), Vec::new());
    /// let index = vigil_detector::live_index();
    /// let key = index.workers().iter().find(|k| k.id() == me).unwrap();
    /// let snap = index.worker_snapshot(key);
    /// assert_eq!(snap.blocked_on.map(|b| b.op), Some(Op::Sleep));
    /// ```
    pub fn worker_snapshot(&self, key: &WorkerKey) -> WorkerSnapshot {
        WorkerSnapshot::of(&key.worker, self.now)
    }

    /// The full snapshot record of one resource of this index.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use vigil_detector::{Resource, ResourceKind, ResourceMeta};
    /// # struct Gate(ResourceMeta);
    /// # impl Resource for Gate {
    /// #     fn meta(&self) -> &ResourceMeta { &self.0 }
    /// # }
    /// let gate = Arc::new(Gate(ResourceMeta::new(ResourceKind::Barrier, Some("start line".into()), std::panic::Location::caller())));
    /// vigil_detector::register_resource(gate.clone());
    /// let index = vigil_detector::live_index();
    /// let r = index.resources().iter().find(|r| r.meta().id() == gate.0.id()).unwrap();
    /// let snap = index.resource_snapshot(r);
    /// assert_eq!((snap.kind, &*snap.name), (ResourceKind::Barrier, "start line"));
    /// ```
    pub fn resource_snapshot(&self, resource: &Arc<dyn Resource>) -> ResourceSnapshot {
        ResourceSnapshot::of(resource, self.now)
    }

    /// Recently finished workers, oldest first (as in a snapshot).
    ///
    /// # Examples
    ///
    /// ```
    /// let ticket = vigil_detector::on_spawn(None, std::panic::Location::caller());
    /// let id = ticket.worker().unwrap().id();
    /// std::thread::spawn(move || ticket.on_start().on_finish(None)).join().unwrap();
    /// let index = vigil_detector::live_index();
    /// assert!(index.finished().iter().any(|w| w.id == id));
    /// assert!(!index.workers().iter().any(|k| k.id() == id)); // no longer live
    /// ```
    pub fn finished(&self) -> Vec<WorkerSnapshot> {
        let recent: Vec<Arc<Worker>> = registry().recent.lock().iter().cloned().collect();
        recent.iter().map(|w| WorkerSnapshot::of(w, self.now)).collect()
    }

    /// The summary counts, as a snapshot's.
    ///
    /// # Examples
    ///
    /// ```
    /// let index = vigil_detector::live_index();
    /// let counts = index.counts();
    /// assert_eq!(counts.resources, index.resources().len());
    /// // Outside threads (like this one) are not counted as workers.
    /// assert_eq!(counts.workers, index.workers().iter().filter(|k| !k.external()).count());
    /// ```
    pub fn counts(&self) -> Counts {
        let reg = registry();
        let tracked = self.workers.iter().filter(|w| !w.external());
        Counts {
            workers: tracked.clone().count(),
            running: tracked.clone().filter(|w| w.state == WorkerState::Running).count(),
            blocked: tracked.filter(|w| w.state == WorkerState::Blocked).count(),
            resources: self.resources.len(),
            deadlocks: reg.findings.deadlocks.lock().len(),
            races: reg.findings.races.lock().len(),
            dropped_events: reg.events.dropped(),
            last_event_seq: reg.events.last_seq(),
        }
    }

    /// How many live resources of `kind`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use vigil_detector::{Resource, ResourceKind, ResourceMeta};
    /// # struct Gate(ResourceMeta);
    /// # impl Resource for Gate {
    /// #     fn meta(&self) -> &ResourceMeta { &self.0 }
    /// # }
    /// let before = vigil_detector::live_index().count_kind(ResourceKind::Semaphore);
    /// let permits = Arc::new(Gate(ResourceMeta::new(ResourceKind::Semaphore, None, std::panic::Location::caller())));
    /// vigil_detector::register_resource(permits.clone());
    /// assert_eq!(vigil_detector::live_index().count_kind(ResourceKind::Semaphore), before + 1);
    /// ```
    pub fn count_kind(&self, kind: ResourceKind) -> usize {
        self.resources.iter().filter(|r| r.meta().kind() == kind).count()
    }
}
