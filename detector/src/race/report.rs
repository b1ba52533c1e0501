//! A found race, and how it becomes a recorded [`RaceReport`].

use super::shadow::Rec;
use crate::findings::{record_race, Access, RaceReport};
use crate::hb::ThreadClock;
use crate::resource::ResourceRef;
use crate::sync::{Arc, Mutex};
use crate::worker::{Worker, WorkerId, WorkerRef};
use crate::RaceKind;
use std::collections::HashSet;
use std::panic::Location;

/// A race the shadow check found: the current access and the earlier,
/// unordered one. Call [`report`](Race::report) to record it (once per pair
/// of sites and lineage) — outside any lock that protects the location.
///
/// One pointer wide, so that the access check's fast path returns
/// `Option<Race>` in a register.
///
/// # Examples
///
/// ```
/// use std::panic::Location;
/// use std::sync::{Arc, Mutex};
/// use vigil_detector::race::Shadow;
/// use vigil_detector::{RaceKind, ResourceKind, ResourceMeta};
///
/// let shadow = Arc::new(Mutex::new(Shadow::new()));
/// vigil_detector::hb::tick(); // this thread has its clock before the other starts
/// let other = shadow.clone();
/// // A plain `std` thread and `std` locks: no edge vigil can see orders the two writes.
/// std::thread::spawn(move || drop(other.lock().unwrap().write(Location::caller())))
///     .join()
///     .unwrap();
/// let race = shadow.lock().unwrap().write(Location::caller());
/// if vigil_detector::race_enabled() {
///     let race = race.expect("two unordered writes");
///     assert_eq!(race.kind(), RaceKind::WriteWrite);
///     let meta = ResourceMeta::new(ResourceKind::Memory, Some("x".into()), Location::caller());
///     assert!(race.report(meta.to_ref()));
///     assert_eq!(vigil_detector::check::races()[0].resource.name, "x");
/// }
/// ```
#[derive(Clone)]
pub struct Race(Box<Found>);

#[derive(Clone)]
struct Found {
    kind: RaceKind,
    previous: Rec,
    previous_op: &'static str,
    site: &'static Location<'static>,
    op: &'static str,
    worker: Option<Arc<Worker>>,
}

impl std::fmt::Debug for Race {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Race")
            .field("kind", &self.0.kind)
            .field("site", &self.0.site)
            .field("previous_site", &self.0.previous.site)
            .finish()
    }
}

/// Pairs of sites (and lineage roots) already reported, checked before a
/// backtrace is captured.
static SEEN: Mutex<Option<HashSet<(usize, usize, u64)>>> = Mutex::new(None);

/// One side of a race as reported: the access, and its thread with where
/// (and by whom) that thread was spawned.
fn access(w: &Option<Arc<Worker>>, site: String, op: &'static str, backtrace: Vec<String>) -> Access {
    let (thread, spawned_at, parent) = match w {
        Some(w) => (w.to_ref(), w.spawned_at.map(crate::site::short), w.parent.clone()),
        None => (WorkerRef { id: WorkerId(0), name: Some("<exiting thread>".into()) }, None, None),
    };
    Access { thread, spawned_at, parent, site, op, backtrace }
}

/// The root of a worker's lineage: findings are deduplicated per root, so
/// parallel tests sharing a helper each see their own race.
fn root_of(w: &Option<Arc<Worker>>) -> u64 {
    match w {
        Some(w) => w.lineage.first().copied().unwrap_or(w.id).0,
        None => 0,
    }
}

impl Race {
    pub(crate) fn new(
        kind: RaceKind,
        previous: Rec,
        previous_op: &'static str,
        tc: &mut ThreadClock,
        site: &'static Location<'static>,
        op: &'static str,
    ) -> Race {
        Race(Box::new(Found { kind, previous, previous_op, site, op, worker: tc.worker() }))
    }

    /// What kind of race (the earlier access, then this one).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut shadow = vigil_detector::race::Shadow::new();
    /// let race = shadow.write(std::panic::Location::caller());
    /// assert!(race.map(|r| r.kind()).is_none()); // one thread: no race
    /// ```
    pub fn kind(&self) -> RaceKind {
        self.0.kind
    }

    /// Records the race on `resource` (the memory raced on): captures the
    /// current access's backtrace, and hands the report to
    /// [`record_race`], which charges it to both
    /// threads' lineages and emits it as a `tracing` warning and a dashboard
    /// event. Returns whether it was new (not a pair of sites already
    /// reported for this lineage).
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::race::Shadow;
    /// use vigil_detector::{ResourceKind, ResourceMeta};
    ///
    /// let meta = ResourceMeta::new(ResourceKind::Memory, Some("x".into()), std::panic::Location::caller());
    /// let mut shadow = Shadow::new();
    /// if let Some(race) = shadow.write(std::panic::Location::caller()) {
    ///     race.report(meta.to_ref()); // not reached: one thread is never racy
    /// }
    /// ```
    pub fn report(self, resource: ResourceRef) -> bool {
        let found = *self.0;
        found.report(resource)
    }
}

impl Found {
    fn report(self, resource: ResourceRef) -> bool {
        let (a, b) =
            (self.site as *const Location<'static> as usize, self.previous.site as *const _ as usize);
        let root = root_of(&self.worker);
        let key = (a.min(b), a.max(b), root);
        if !SEEN.lock().get_or_insert_with(HashSet::new).insert(key) {
            return false;
        }
        let (sa, sb) = (crate::site::short(self.site), crate::site::short(self.previous.site));
        let dedup = if sa <= sb { format!("{sa}|{sb}@{root}") } else { format!("{sb}|{sa}@{root}") };
        let report = RaceReport {
            kind: self.kind,
            current: access(&self.worker, sa, self.op, crate::trace::capture_backtrace()),
            previous: access(&self.previous.worker, sb, self.previous_op, Vec::new()),
            resource,
        };
        let involved: Vec<Arc<Worker>> =
            self.worker.iter().chain(self.previous.worker.iter()).cloned().collect();
        record_race(report, &involved, &dedup)
    }
}
