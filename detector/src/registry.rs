//! The process-wide registry of live workers and resources.
//!
//! Sharded maps keyed by id (dashmap, see `map.rs`); no path a thread takes per operation
//! touches them — only spawning, finishing, registering a resource and
//! reporting do.

use crate::events::{EventKind, EventRing, Message};
use crate::findings::Findings;
use crate::map::Map;
use crate::resource::{Resource, ResourceId};
use crate::sync::{Arc, AtomicU64, Condvar, Mutex, Ordering, Weak};
use crate::worker::{Worker, WorkerId, WorkerState};
use std::collections::VecDeque;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

/// How many finished workers snapshots keep showing.
const RECENT_FINISHED: usize = 256;

pub(crate) struct Registry {
    pub(crate) workers: Map<WorkerId, Arc<Worker>>,
    pub(crate) resources: Map<ResourceId, Weak<dyn Resource>>,
    pub(crate) recent: Mutex<VecDeque<Arc<Worker>>>,
    next_worker: AtomicU64,
    /// Bumped on every finish; leak checks wait on it instead of sleeping.
    finished_gen: Mutex<u64>,
    finished_cv: Condvar,
    /// Leak checks waiting on `finished_cv`: finishes skip the wake-up when zero.
    finish_waiters: AtomicU64,
    pub(crate) events: EventRing,
    pub(crate) findings: Findings,
    pub(crate) started: Instant,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| Registry {
    workers: Map::new(),
    resources: Map::new(),
    recent: Mutex::new(VecDeque::new()),
    next_worker: AtomicU64::new(1),
    finished_gen: Mutex::new(0),
    finished_cv: Condvar::new(),
    finish_waiters: AtomicU64::new(0),
    events: EventRing::new(),
    findings: Findings::default(),
    started: Instant::now(),
});

pub(crate) fn registry() -> &'static Registry {
    &REGISTRY
}

impl Registry {
    pub(crate) fn next_worker_id(&self) -> WorkerId {
        WorkerId(self.next_worker.fetch_add(1, Ordering::Relaxed))
    }

    /// The id the next worker will get: every worker registered before this
    /// call has a smaller id.
    pub(crate) fn watermark(&self) -> WorkerId {
        WorkerId(self.next_worker.load(Ordering::Relaxed))
    }

    pub(crate) fn register_external(&self) -> Arc<Worker> {
        let name = std::thread::current().name().map(str::to_owned);
        let w = Arc::new(Worker::new(self.next_worker_id(), name, None, None, None, true));
        self.workers.insert(w.id, w.clone());
        w
    }

    pub(crate) fn remove_external(&self, w: &Worker) {
        self.workers.remove(&w.id);
    }

    pub(crate) fn insert(&self, w: Arc<Worker>) {
        self.workers.insert(w.id, w);
    }

    pub(crate) fn finish(&self, w: &Arc<Worker>, panic: Option<String>) {
        let state = if panic.is_some() { WorkerState::Panicked } else { WorkerState::Finished };
        self.finish_as(w, state, panic);
    }

    /// Ends `w` in `state` (`finished`, `panicked`, or a task's `cancelled`).
    pub(crate) fn finish_as(&self, w: &Arc<Worker>, state: WorkerState, panic: Option<String>) {
        {
            let mut st = w.state.lock();
            st.blocked = None;
            st.ended = Some(Instant::now());
            st.state = state;
            st.panic = panic.clone();
        }
        self.workers.remove(&w.id);
        {
            let mut recent = self.recent.lock();
            if recent.len() == RECENT_FINISHED {
                recent.pop_front();
            }
            recent.push_back(w.clone());
        }
        *self.finished_gen.lock() += 1;
        // A leak check registers (under `finished_gen`'s lock) before it waits,
        // so zero here means no check is between its look and its wait.
        if self.finish_waiters.load(Ordering::SeqCst) > 0 {
            self.finished_cv.notify_all();
        }
        let (kind, message) = match &panic {
            Some(msg) => (EventKind::Panic, Message::Text(format!("{} panicked: {msg}", w.to_ref()))),
            None if state == WorkerState::Cancelled => {
                (EventKind::Finish, Message::Text(format!("{} cancelled", w.to_ref())))
            }
            None => (EventKind::Finish, Message::Finished),
        };
        self.events.push(kind, Some(w.to_ref()), None, None, message);
    }

    pub(crate) fn finish_generation(&self) -> u64 {
        *self.finished_gen.lock()
    }

    /// Waits until some worker finishes after generation `seen`, or `timeout`.
    pub(crate) fn wait_for_finish(&self, seen: u64, timeout: Duration) {
        let gen = self.finished_gen.lock();
        if *gen != seen {
            return;
        }
        self.finish_waiters.fetch_add(1, Ordering::SeqCst);
        drop(self.finished_gen.wait_timeout(&self.finished_cv, gen, timeout));
        self.finish_waiters.fetch_sub(1, Ordering::SeqCst);
    }

    /// Live workers, in id order.
    pub(crate) fn live_workers(&self) -> Vec<Arc<Worker>> {
        // Sort by the map's key, not through the Arc: with 10,000 workers a
        // comparison that dereferences both elements is two cache misses.
        let mut v: Vec<(WorkerId, Arc<Worker>)> =
            self.workers.iter().map(|e| (*e.key(), e.value().clone())).collect();
        v.sort_unstable_by_key(|(id, _)| *id);
        v.into_iter().map(|(_, w)| w).collect()
    }

    /// Live resources with their ids, sorted by id; sweeps dead entries.
    pub(crate) fn live_resources_by_id(&self) -> Vec<(ResourceId, Arc<dyn Resource>)> {
        let mut dead = Vec::new();
        let mut live: Vec<(ResourceId, Arc<dyn Resource>)> = Vec::with_capacity(self.resources.len());
        for e in self.resources.iter() {
            match e.value().upgrade() {
                Some(r) => live.push((*e.key(), r)),
                None => dead.push(*e.key()),
            }
        }
        for id in dead {
            self.resources.remove_if(&id, |_, w| w.strong_count() == 0);
        }
        // Sort by the key, not through the pointer: with 100,000 resources a
        // comparison that dereferences both elements is a cache miss each.
        live.sort_unstable_by_key(|(id, _)| *id);
        live
    }
}

/// Makes a resource visible to snapshots, reports and the dashboard. The
/// registry keeps only a weak reference; call [`unregister_resource`] from the
/// primitive's `Drop` (or let the next snapshot sweep it).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use vigil_detector::{Resource, ResourceKind, ResourceMeta};
///
/// struct Gate(ResourceMeta);
/// impl Resource for Gate {
///     fn meta(&self) -> &ResourceMeta { &self.0 }
/// }
///
/// let gate = Arc::new(Gate(ResourceMeta::new(ResourceKind::Other, Some("gate".into()), std::panic::Location::caller())));
/// vigil_detector::register_resource(gate.clone());
/// assert!(vigil_detector::check::snapshot().resources.iter().any(|r| &*r.name == "gate"));
/// vigil_detector::unregister_resource(gate.0.id());
/// ```
pub fn register_resource(resource: Arc<dyn Resource>) {
    if !crate::enabled() {
        return;
    }
    let id = resource.meta().id();
    registry().resources.insert(id, Arc::downgrade(&resource));
}

/// Removes a resource from the registry (from the primitive's `Drop`).
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
/// let listed = || vigil_detector::check::snapshot().resources.iter().any(|r| r.id == gate.0.id());
/// assert!(listed());
/// vigil_detector::unregister_resource(gate.0.id()); // from the primitive's Drop
/// assert!(!listed());
/// ```
pub fn unregister_resource(id: ResourceId) {
    if !crate::enabled() {
        return;
    }
    registry().resources.remove(&id);
}

/// Records an event in the ring the dashboard reads (and nothing else).
///
/// # Examples
///
/// ```
/// use vigil_detector::EventKind;
/// vigil_detector::emit(EventKind::Other, None, None, None, "hello".to_string());
/// ```
pub fn emit(
    kind: EventKind,
    worker: Option<crate::WorkerRef>,
    resource: Option<crate::ResourceRef>,
    op: Option<crate::Op>,
    message: String,
) {
    if !crate::enabled() {
        return;
    }
    registry().events.push(kind, worker, resource, op, message);
}

/// Events recorded after sequence number `after` (at most `max`), with the
/// count of those dropped before they could be read.
///
/// # Examples
///
/// ```
/// let batch = vigil_detector::events_since(0, 100);
/// assert!(batch.events.len() <= 100);
/// ```
pub fn events_since(after: u64, max: usize) -> crate::EventsSince {
    registry().events.since(after, max)
}

/// Waits (at most `timeout`) until an event after `after` exists.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use vigil_detector::EventKind;
///
/// let seen = vigil_detector::last_event_seq();
/// vigil_detector::emit(EventKind::Other, None, None, None, "ready".to_string());
/// vigil_detector::wait_for_events(seen, Duration::from_secs(10)); // returns at once: one is there
/// let batch = vigil_detector::events_since(seen, 10);
/// assert_eq!(batch.events[0].message, "ready");
/// ```
pub fn wait_for_events(after: u64, timeout: Duration) {
    registry().events.wait_after(after, timeout)
}

/// Total events dropped from the ring because nobody read them in time.
///
/// # Examples
///
/// ```
/// use vigil_detector::EventKind;
///
/// let start = vigil_detector::last_event_seq();
/// for i in 0..10_000 {
///     vigil_detector::emit(EventKind::Other, None, None, None, i.to_string());
/// }
/// // Nobody read them and the ring is smaller: the oldest went.
/// assert!(vigil_detector::dropped_events() > 0);
/// assert!(vigil_detector::events_since(start, 10).missed > 0);
/// ```
pub fn dropped_events() -> u64 {
    registry().events.dropped()
}

/// The sequence number of the newest event.
///
/// # Examples
///
/// ```
/// use vigil_detector::EventKind;
///
/// vigil_detector::emit(EventKind::Other, None, None, None, "hello".to_string());
/// let seq = vigil_detector::last_event_seq();
/// let newest = vigil_detector::events_since(seq - 1, 10).events;
/// assert_eq!(newest.len(), 1);
/// assert_eq!((newest[0].seq, newest[0].message.as_str()), (seq, "hello"));
/// ```
pub fn last_event_seq() -> u64 {
    registry().events.last_seq()
}
