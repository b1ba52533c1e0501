//! The wait-for graph among lock holders: a blocked `lock()` adds the edge
//! waiter → lock → holders (the exclusive owner, or the readers of a
//! read-held `RwLock`); a path back to the waiter is a deadlock (AB-BA,
//! longer rings, or rings through read locks), found when the closing edge
//! is added, and again by [`recheck_wait`], which waiters call while they
//! stay blocked, in case a holder became known only after the edge was
//! added. The graph is tiny (one edge per blocked lock waiter), so the
//! search is cheap.

use crate::findings::{record_deadlock, DeadlockKind, DeadlockReport, WaitEdge};
use crate::resource::Resource;
use crate::sync::{Arc, Mutex};
use crate::worker::{Worker, WorkerId, WorkerRef};
use std::collections::HashMap;
use std::panic::Location;
use std::time::{Duration, Instant};

/// The exclusive holder of a lock, as a lock reports it.
///
/// # Examples
///
/// ```
/// # use std::{panic::Location, sync::Arc, time::{Duration, Instant}};
/// # use vigil_detector::lock::{begin_wait, end_wait, Holder, LockResource};
/// # use vigil_detector::{Resource, ResourceKind, ResourceMeta};
/// # struct Lock(ResourceMeta, Holder);
/// # impl Resource for Lock {
/// #     fn meta(&self) -> &ResourceMeta { &self.0 }
/// # }
/// # impl LockResource for Lock {
/// #     fn holder(&self) -> Option<Holder> { Some(self.1) }
/// # }
/// # let held_by = |h: Holder| Arc::new(Lock(ResourceMeta::new(ResourceKind::Mutex, None, Location::caller()), h));
/// let a = vigil_detector::current_worker().unwrap();
/// let b = std::thread::spawn(vigil_detector::current_worker).join().unwrap().unwrap();
/// let site = Location::caller();
/// let holder = |w: &vigil_detector::Worker| Holder { worker: w.id(), site: Some(site), held: Some(Duration::from_millis(50)) };
/// // Each waits for a lock the other has held for 50 ms.
/// begin_wait(&b, held_by(holder(&a)), site, Instant::now());
/// let report = begin_wait(&a, held_by(holder(&b)), site, Instant::now()).unwrap().report;
/// assert!(report.edges.iter().all(|e| e.held_ms == Some(50) && e.holder_site.is_some()));
/// # end_wait(a.id());
/// # end_wait(b.id());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    /// The holding worker.
    pub worker: WorkerId,
    /// Where it acquired the lock.
    pub site: Option<&'static Location<'static>>,
    /// How long it has held it, when known.
    pub held: Option<Duration>,
}

/// A lock as the wait-for graph sees it: a resource with current holders.
///
/// # Examples
///
/// ```
/// use std::sync::Mutex;
/// use vigil_detector::lock::{Holder, LockResource};
/// use vigil_detector::{Resource, ResourceKind, ResourceMeta};
///
/// struct MyLock {
///     meta: ResourceMeta,
///     owner: Mutex<Option<Holder>>, // set on lock, cleared on unlock
/// }
/// impl Resource for MyLock {
///     fn meta(&self) -> &ResourceMeta { &self.meta }
/// }
/// impl LockResource for MyLock {
///     fn holder(&self) -> Option<Holder> { *self.owner.lock().unwrap() }
/// }
///
/// let lock = MyLock { meta: ResourceMeta::new(ResourceKind::Mutex, None, std::panic::Location::caller()), owner: Mutex::new(None) };
/// assert!(lock.holders().is_empty());
/// let me = vigil_detector::current_worker_id().unwrap();
/// *lock.owner.lock().unwrap() = Some(Holder { worker: me, site: None, held: None });
/// assert_eq!(lock.holders().iter().map(|h| h.worker).collect::<Vec<_>>(), [me]); // the default
/// ```
pub trait LockResource: Resource {
    /// The worker holding the lock exclusively now, if any.
    fn holder(&self) -> Option<Holder>;

    /// Every worker the lock can name as holding it now: the exclusive
    /// holder, or the readers of a read-held lock. A waiter waits for all
    /// of them. The default is [`holder`](LockResource::holder) alone.
    fn holders(&self) -> Vec<Holder> {
        self.holder().into_iter().collect()
    }
}

struct Waiting {
    worker: Arc<Worker>,
    lock: Arc<dyn LockResource>,
    site: &'static Location<'static>,
    since: Instant,
}

static WAITING: Mutex<Option<HashMap<WorkerId, Waiting>>> = Mutex::new(None);

/// A wait-for cycle found for the first time, as [`begin_wait`] and
/// [`recheck_wait`] return it (already recorded as a `cycle` deadlock).
///
/// Its threads will never report anything else, so it is not left for a
/// guard to find: when the program asked for findings to fail
/// (`VIGIL_PANIC_ON_LEAK=1`, or a [`panicking`](crate::check::Guard::panicking)
/// guard over one of its threads), the waiter that found it should stop
/// waiting and panic with the report, so that the test fails instead of
/// hanging; otherwise the report has been printed on stderr (past any test
/// harness's capture) and the threads stay blocked, as a real deadlock would.
///
/// # Examples
///
/// ```
/// # use std::{panic::Location, sync::Arc, time::Instant};
/// # use vigil_detector::lock::{begin_wait, end_wait, Holder, LockResource};
/// # use vigil_detector::{Resource, ResourceKind, ResourceMeta};
/// # struct Lock(ResourceMeta, Holder);
/// # impl Resource for Lock {
/// #     fn meta(&self) -> &ResourceMeta { &self.0 }
/// # }
/// # impl LockResource for Lock {
/// #     fn holder(&self) -> Option<Holder> { Some(self.1) }
/// # }
/// # let held_by = |h: Holder| Arc::new(Lock(ResourceMeta::new(ResourceKind::Mutex, None, Location::caller()), h));
/// let a = vigil_detector::current_worker().unwrap();
/// let b = std::thread::spawn(vigil_detector::current_worker).join().unwrap().unwrap();
/// let holder = |w: &vigil_detector::Worker| Holder { worker: w.id(), site: None, held: None };
/// begin_wait(&b, held_by(holder(&a)), Location::caller(), Instant::now());
/// let found = begin_wait(&a, held_by(holder(&b)), Location::caller(), Instant::now()).unwrap();
/// // No panicking guard and no VIGIL_PANIC_ON_LEAK: printed, and the waiter waits on.
/// assert!(!found.fail);
/// # end_wait(a.id());
/// # end_wait(b.id());
/// ```
#[derive(Debug, Clone)]
pub struct FoundCycle {
    /// The `cycle` finding.
    pub report: DeadlockReport,
    /// The waiter should panic with [`report`](FoundCycle::report) instead
    /// of waiting (see above).
    pub fail: bool,
}

/// Adds the edge `worker` → `lock` (→ its holder) before `worker` blocks and
/// looks for a cycle through it; a cycle found for the first time is
/// recorded as a `cycle` deadlock naming every thread, lock and site in it,
/// and returned (see [`FoundCycle`] for what the waiter does with it).
///
/// Call [`end_wait`] when the wait ends.
///
/// # Examples
///
/// ```
/// # use std::{panic::Location, sync::Arc, time::Instant};
/// # use vigil_detector::lock::{begin_wait, end_wait, Holder, LockResource};
/// # use vigil_detector::{DeadlockKind, Resource, ResourceKind, ResourceMeta};
/// # struct Lock(ResourceMeta, Holder);
/// # impl Resource for Lock {
/// #     fn meta(&self) -> &ResourceMeta { &self.0 }
/// # }
/// # impl LockResource for Lock {
/// #     fn holder(&self) -> Option<Holder> { Some(self.1) }
/// # }
/// # let held_by = |h: Holder| Arc::new(Lock(ResourceMeta::new(ResourceKind::Mutex, None, Location::caller()), h));
/// let a = vigil_detector::current_worker().unwrap();
/// let b = std::thread::spawn(vigil_detector::current_worker).join().unwrap().unwrap();
/// let holder = |w: &vigil_detector::Worker| Holder { worker: w.id(), site: None, held: None };
/// // b waits for a lock a holds: no cycle yet.
/// assert!(begin_wait(&b, held_by(holder(&a)), Location::caller(), Instant::now()).is_none());
/// // a waits for a lock b holds: AB-BA.
/// let found = begin_wait(&a, held_by(holder(&b)), Location::caller(), Instant::now()).unwrap();
/// assert_eq!(found.report.kind, DeadlockKind::Cycle);
/// assert_eq!(found.report.threads.len(), 2);
/// end_wait(a.id());
/// end_wait(b.id());
/// ```
pub fn begin_wait(
    worker: &Arc<Worker>,
    lock: Arc<dyn LockResource>,
    site: &'static Location<'static>,
    since: Instant,
) -> Option<FoundCycle> {
    let me = worker.id();
    let found = {
        let mut guard = WAITING.lock();
        let table = guard.get_or_insert_with(HashMap::new);
        table.insert(me, Waiting { worker: worker.clone(), lock, site, since });
        find_cycle(table, me)
    };
    first_sight(found?)
}

/// Looks again for a cycle through `worker`'s wait edge (added by
/// [`begin_wait`] and not yet ended): what a waiter calls now and then while
/// it stays blocked, since a holder may have become known after its edge
/// was added. A cycle found for the first time is recorded and returned,
/// as by [`begin_wait`].
///
/// # Examples
///
/// ```
/// let me = vigil_detector::current_worker_id().unwrap();
/// assert!(vigil_detector::lock::recheck_wait(me).is_none()); // not waiting
/// ```
pub fn recheck_wait(worker: WorkerId) -> Option<FoundCycle> {
    let found = {
        let guard = WAITING.lock();
        let table = guard.as_ref()?;
        if !table.contains_key(&worker) {
            return None;
        }
        find_cycle(table, worker)
    };
    first_sight(found?)
}

/// Records a cycle; the first time, decides whether its finder fails or
/// announces it (see [`FoundCycle`]).
fn first_sight((report, workers, key): Found) -> Option<FoundCycle> {
    if !record_deadlock(report.clone(), &workers, &key) {
        return None;
    }
    let fail = crate::check::must_fail(&workers);
    if !fail {
        announce(&report);
    }
    Some(FoundCycle { report, fail })
}

/// Prints a deadlock whose threads stay blocked on the process's stderr
/// (not through `eprintln!`, which a test harness captures until the test
/// ends, and a deadlocked test never ends).
fn announce(report: &DeadlockReport) {
    use std::io::Write;
    let text = format!(
        "{report}vigil: these threads stay blocked; with VIGIL_PANIC_ON_LEAK=1 or a \
         check::guard().panicking() over them, the waiter that finds a cycle panics with \
         this report instead\n"
    );
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Removes `worker`'s wait edge.
///
/// # Examples
///
/// ```
/// # use std::{panic::Location, sync::Arc, time::Instant};
/// # use vigil_detector::lock::{begin_wait, end_wait, Holder, LockResource};
/// # use vigil_detector::{Resource, ResourceKind, ResourceMeta};
/// # struct Lock(ResourceMeta, Holder);
/// # impl Resource for Lock {
/// #     fn meta(&self) -> &ResourceMeta { &self.0 }
/// # }
/// # impl LockResource for Lock {
/// #     fn holder(&self) -> Option<Holder> { Some(self.1) }
/// # }
/// # let held_by = |h: Holder| Arc::new(Lock(ResourceMeta::new(ResourceKind::Mutex, None, Location::caller()), h));
/// let a = vigil_detector::current_worker().unwrap();
/// let b = std::thread::spawn(vigil_detector::current_worker).join().unwrap().unwrap();
/// let holder = |w: &vigil_detector::Worker| Holder { worker: w.id(), site: None, held: None };
/// begin_wait(&b, held_by(holder(&a)), Location::caller(), Instant::now()); // b waits for a
/// end_wait(b.id()); // b got the lock after all
/// // a now waits for b: no cycle, b no longer waits.
/// assert!(begin_wait(&a, held_by(holder(&b)), Location::caller(), Instant::now()).is_none());
/// end_wait(a.id());
/// ```
pub fn end_wait(worker: WorkerId) {
    if let Some(table) = WAITING.lock().as_mut() {
        table.remove(&worker);
    }
}

type Found = (DeadlockReport, Vec<Arc<Worker>>, String);

/// Looks for a path of wait-for edges from `cur` back to `me`, depth first,
/// appending its edges to `chain`. Every worker is entered at most once
/// (`seen`), so the search ends; a ring that does not pass through `me` is
/// left to its own closer.
fn path_back<'t>(
    table: &'t HashMap<WorkerId, Waiting>,
    cur: WorkerId,
    me: WorkerId,
    chain: &mut Vec<(&'t Waiting, Holder)>,
    seen: &mut Vec<WorkerId>,
) -> bool {
    let Some(w) = table.get(&cur) else { return false };
    for holder in w.lock.holders() {
        chain.push((w, holder));
        if holder.worker == me {
            return true;
        }
        if !seen.contains(&holder.worker) {
            seen.push(holder.worker);
            if path_back(table, holder.worker, me, chain, seen) {
                return true;
            }
        }
        chain.pop();
    }
    false
}

fn find_cycle(table: &HashMap<WorkerId, Waiting>, me: WorkerId) -> Option<Found> {
    let now = Instant::now();
    let mut chain: Vec<(&Waiting, Holder)> = Vec::new();
    if !path_back(table, me, me, &mut chain, &mut vec![me]) {
        return None;
    }
    let refs: HashMap<WorkerId, WorkerRef> =
        chain.iter().map(|(w, _)| (w.worker.id(), w.worker.to_ref())).collect();
    let edges: Vec<WaitEdge> = chain
        .iter()
        .map(|(w, h)| WaitEdge {
            waiter: w.worker.to_ref(),
            waiter_site: crate::site::short(w.site),
            waiting_ms: Some(now.saturating_duration_since(w.since).as_millis() as u64),
            resource: w.lock.meta().to_ref(),
            holder: refs.get(&h.worker).cloned(),
            holder_site: h.site.map(crate::site::short),
            held_ms: h.held.map(|d| d.as_millis() as u64),
        })
        .collect();
    let threads: Vec<WorkerRef> = chain.iter().map(|(w, _)| w.worker.to_ref()).collect();
    let resources = edges.iter().map(|e| e.resource.clone()).collect::<Vec<_>>();
    let mut sites = Vec::new();
    for e in &edges {
        sites.push(e.waiter_site.clone());
        if let Some(s) = &e.holder_site {
            sites.push(s.clone());
        }
    }
    let workers: Vec<Arc<Worker>> = chain.iter().map(|(w, _)| w.worker.clone()).collect();
    let message = format!(
        "{} threads wait for each other in a cycle: {}",
        threads.len(),
        edges
            .iter()
            .map(|e| format!(
                "{} waits for {} held by {}",
                e.waiter,
                e.resource,
                e.holder.as_ref().map(|h| h.to_string()).unwrap_or_else(|| "?".into())
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut key_locks: Vec<u64> = resources.iter().map(|r| r.id.0).collect();
    key_locks.sort_unstable();
    let mut key_threads: Vec<u64> = threads.iter().map(|t| t.id.0).collect();
    key_threads.sort_unstable();
    let key = format!("cycle:{key_locks:?}:{key_threads:?}");
    Some((
        DeadlockReport { kind: DeadlockKind::Cycle, threads, resources, sites, edges, message },
        workers,
        key,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::DeadlockKind;
    use crate::resource::{ResourceKind, ResourceMeta};
    use crate::worker::current_worker;

    /// A lock whose holder the test sets.
    struct FakeLock {
        meta: ResourceMeta,
        holder: Mutex<Option<WorkerId>>,
    }

    impl FakeLock {
        fn new(name: &str, holder: Option<WorkerId>) -> Arc<FakeLock> {
            let meta = ResourceMeta::new(ResourceKind::Mutex, Some(name.into()), Location::caller());
            Arc::new(FakeLock { meta, holder: Mutex::new(holder) })
        }
    }

    impl Resource for FakeLock {
        fn meta(&self) -> &ResourceMeta {
            &self.meta
        }
    }

    impl LockResource for FakeLock {
        fn holder(&self) -> Option<Holder> {
            self.holder.lock().map(|worker| Holder { worker, site: None, held: None })
        }
    }

    #[test]
    fn recheck_finds_a_cycle_whose_holder_became_known_after_the_edges() {
        let a = current_worker().expect("the test thread is adopted");
        let b = std::thread::spawn(current_worker).join().unwrap().expect("adopted too");
        let l1 = FakeLock::new("late-holder", None); // really held by b, not known yet
        let l2 = FakeLock::new("held-by-a", Some(a.id()));
        let site = Location::caller();
        assert!(begin_wait(&a, l1.clone(), site, Instant::now()).is_none());
        assert!(begin_wait(&b, l2.clone(), site, Instant::now()).is_none());
        assert!(recheck_wait(a.id()).is_none(), "no cycle while l1's holder is unknown");

        *l1.holder.lock() = Some(b.id());
        let report = recheck_wait(a.id()).expect("the sweep finds the cycle").report;
        assert_eq!(report.kind, DeadlockKind::Cycle);
        let mut ids: Vec<WorkerId> = report.threads.iter().map(|t| t.id).collect();
        ids.sort();
        let mut want = vec![a.id(), b.id()];
        want.sort();
        assert_eq!(ids, want);
        let mut locks: Vec<String> = report.resources.iter().map(|r| r.name.clone()).collect();
        locks.sort();
        assert_eq!(locks, ["held-by-a", "late-holder"]);

        end_wait(a.id());
        end_wait(b.id());
        assert!(recheck_wait(a.id()).is_none(), "no edge, nothing to recheck");
    }
}
