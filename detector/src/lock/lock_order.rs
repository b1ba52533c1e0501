//! The lock-order graph, lockdep-style: "A held while acquiring B" is an edge
//! A → B; an edge that closes a cycle is a lock-order inversion, a deadlock
//! waiting for an unlucky schedule, reported once per set of sites even when
//! the run itself did not deadlock.
//!
//! Edges are between lock instances (ids are never reused), so two locks made
//! at one site (say, one per bank account) are not confused. Each thread
//! remembers the pairs it has already reported to the graph, so a program
//! that nests locks the same way in a loop touches the shared graph once.

use crate::findings::{record_deadlock, DeadlockKind, DeadlockReport};
use crate::lock::{held, resource_ref, HeldLock};
use crate::resource::ResourceId;
use crate::sync::{Arc, Mutex};
use crate::worker::{current_worker, Worker, WorkerRef};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};

/// Pairs a thread remembers before it starts over (bounds its memory).
const SEEN_LIMIT: usize = 4096;

#[derive(Clone)]
struct Edge {
    from_site: &'static Location<'static>,
    to_site: &'static Location<'static>,
    worker: Arc<Worker>,
}

#[derive(Default)]
struct Graph {
    out: HashMap<ResourceId, HashMap<ResourceId, Edge>>,
}

static GRAPH: Mutex<Option<Graph>> = Mutex::new(None);
static USED: AtomicBool = AtomicBool::new(false);

thread_local! {
    static SEEN: RefCell<HashSet<(ResourceId, ResourceId)>> = RefCell::new(HashSet::new());
}

/// The calling thread acquired `new` (already pushed on its held stack) while
/// holding other locks: adds the edges held → `new` and reports any
/// inversion they close. Cold: called only when a lock is taken nested.
///
/// # Examples
///
/// ```
/// use std::panic::Location;
/// use vigil_detector::lock::{held, HeldLock, HeldMode};
/// use vigil_detector::{DeadlockKind, ResourceId};
///
/// // What a lock does on acquire / release (see `held::push`).
/// let lock = |id: ResourceId| {
///     let l = HeldLock { id, mode: HeldMode::Exclusive, site: Location::caller() };
///     if held::push(l).nested {
///         vigil_detector::lock::nested_acquire(l);
///     }
/// };
/// let unlock = |id: ResourceId| held::pop(id, HeldMode::Exclusive);
/// let (a, b) = (ResourceId::next(), ResourceId::next());
/// lock(a);
/// lock(b); // a held while acquiring b: the edge a → b
/// unlock(b);
/// unlock(a);
///
/// lock(b);
/// lock(a); // b → a closes a cycle: an inversion, though nothing deadlocked
/// unlock(a);
/// unlock(b);
/// assert!(vigil_detector::check::deadlocks().iter().any(|d| d.kind == DeadlockKind::LockOrder));
/// ```
#[cold]
#[inline(never)]
pub fn nested_acquire(new: HeldLock) {
    if !crate::enabled() {
        return;
    }
    let held = held::all();
    let fresh: Vec<HeldLock> = SEEN
        .try_with(|seen| {
            let mut seen = seen.borrow_mut();
            if seen.len() > SEEN_LIMIT {
                seen.clear();
            }
            held.iter().filter(|h| h.id != new.id && seen.insert((h.id, new.id))).copied().collect()
        })
        .unwrap_or_default();
    if fresh.is_empty() {
        return;
    }
    let Some(worker) = current_worker() else { return };
    USED.store(true, Ordering::Relaxed);
    let mut found = Vec::new();
    {
        let mut guard = GRAPH.lock();
        let graph = guard.get_or_insert_with(Graph::default);
        for h in fresh {
            let edge = Edge { from_site: h.site, to_site: new.site, worker: worker.clone() };
            let slot = graph.out.entry(h.id).or_default();
            if slot.contains_key(&new.id) {
                continue;
            }
            slot.insert(new.id, edge.clone());
            if let Some(path) = path(graph, new.id, h.id) {
                found.push(((h.id, new.id, edge), path));
            }
        }
    }
    for (first, path) in found {
        report(first, path);
    }
}

/// Forgets a dropped lock's edges.
///
/// # Examples
///
/// ```
/// use std::panic::Location;
/// use vigil_detector::lock::{held, HeldLock, HeldMode};
/// use vigil_detector::{DeadlockKind, ResourceId};
///
/// // What a lock does on acquire / release (see `held::push`).
/// let lock = |id: ResourceId| {
///     let l = HeldLock { id, mode: HeldMode::Exclusive, site: Location::caller() };
///     if held::push(l).nested {
///         vigil_detector::lock::nested_acquire(l);
///     }
/// };
/// let unlock = |id: ResourceId| held::pop(id, HeldMode::Exclusive);
/// let (a, b) = (ResourceId::next(), ResourceId::next());
/// lock(a);
/// lock(b); // a held while acquiring b: the edge a → b
/// unlock(b);
/// unlock(a);
///
/// vigil_detector::lock::forget_lock(a); // from `a`'s Drop
/// let found = vigil_detector::check::deadlocks().len();
/// lock(b);
/// lock(a); // b → a: no cycle, the graph has forgotten a → b
/// unlock(a);
/// unlock(b);
/// assert_eq!(vigil_detector::check::deadlocks().len(), found);
/// ```
pub fn forget_lock(id: ResourceId) {
    if !USED.load(Ordering::Relaxed) {
        return;
    }
    if let Some(graph) = GRAPH.lock().as_mut() {
        graph.out.remove(&id);
        for targets in graph.out.values_mut() {
            targets.remove(&id);
        }
    }
}

type Step = (ResourceId, ResourceId, Edge);

/// A path of edges from `from` to `to`, if any (depth-first).
fn path(graph: &Graph, from: ResourceId, to: ResourceId) -> Option<Vec<Step>> {
    let mut stack: Vec<(ResourceId, Vec<Step>)> = vec![(from, Vec::new())];
    let mut visited = HashSet::new();
    while let Some((node, trail)) = stack.pop() {
        if node == to {
            return Some(trail);
        }
        if !visited.insert(node) {
            continue;
        }
        if let Some(targets) = graph.out.get(&node) {
            for (next, e) in targets {
                let mut t = trail.clone();
                t.push((node, *next, e.clone()));
                stack.push((*next, t));
            }
        }
    }
    None
}

fn name(id: ResourceId) -> String {
    resource_ref(id).map(|r| r.to_string()).unwrap_or_else(|| format!("lock #{id}"))
}

fn report(first: Step, path: Vec<Step>) {
    let steps: Vec<&Step> = std::iter::once(&first).chain(path.iter()).collect();
    let mut threads: Vec<WorkerRef> = Vec::new();
    let mut workers: Vec<Arc<Worker>> = Vec::new();
    let mut resources = Vec::new();
    let mut sites = Vec::new();
    let mut parts = Vec::new();
    for (from, to, e) in &steps {
        let wref = e.worker.to_ref();
        if !threads.contains(&wref) {
            threads.push(wref.clone());
            workers.push(e.worker.clone());
        }
        for id in [from, to] {
            if let Some(r) = resource_ref(*id) {
                if !resources.contains(&r) {
                    resources.push(r);
                }
            }
        }
        let (fs, ts) = (crate::site::short(e.from_site), crate::site::short(e.to_site));
        parts.push(format!(
            "{wref} acquired {} at {ts} while holding {} (acquired at {fs})",
            name(*to),
            name(*from)
        ));
        sites.push(fs);
        sites.push(ts);
    }
    let mut key_sites = sites.clone();
    key_sites.sort();
    key_sites.dedup();
    let message = format!("lock order inversion, a potential deadlock: {}", parts.join("; "));
    let report = DeadlockReport {
        kind: DeadlockKind::LockOrder,
        threads,
        resources,
        sites,
        edges: Vec::new(),
        message,
    };
    record_deadlock(report, &workers, &format!("lock_order:{}", key_sites.join("|")));
}
