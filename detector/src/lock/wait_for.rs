//! The wait-for graph among lock owners: a blocked `lock()` adds the edge
//! waiter → lock → holder; a path back to the waiter is a deadlock (AB-BA or
//! longer), found when the closing edge is added. The graph is tiny (one
//! edge per blocked lock waiter), so the search is cheap.

use crate::findings::{record_deadlock, DeadlockKind, DeadlockReport, WaitEdge};
use crate::resource::Resource;
use crate::sync::{Arc, Mutex};
use crate::worker::{Worker, WorkerId, WorkerRef};
use std::collections::HashMap;
use std::panic::Location;
use std::time::{Duration, Instant};

/// The exclusive holder of a lock, as a lock reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    /// The holding worker.
    pub worker: WorkerId,
    /// Where it acquired the lock.
    pub site: Option<&'static Location<'static>>,
    /// How long it has held it, when known.
    pub held: Option<Duration>,
}

/// A lock as the wait-for graph sees it: a resource with a current holder.
pub trait LockResource: Resource {
    /// The worker holding the lock exclusively now, if any.
    fn holder(&self) -> Option<Holder>;
}

struct Waiting {
    worker: Arc<Worker>,
    lock: Arc<dyn LockResource>,
    site: &'static Location<'static>,
    since: Instant,
}

static WAITING: Mutex<Option<HashMap<WorkerId, Waiting>>> = Mutex::new(None);

/// Adds the edge `worker` → `lock` (→ its holder) before `worker` blocks and
/// looks for a cycle through it; a cycle is recorded as a `cycle` deadlock
/// naming every thread, lock and site in it, and returned.
///
/// Call [`end_wait`] when the wait ends.
pub fn begin_wait(
    worker: &Arc<Worker>,
    lock: Arc<dyn LockResource>,
    site: &'static Location<'static>,
    since: Instant,
) -> Option<DeadlockReport> {
    let me = worker.id();
    let found = {
        let mut guard = WAITING.lock();
        let table = guard.get_or_insert_with(HashMap::new);
        table.insert(me, Waiting { worker: worker.clone(), lock, site, since });
        find_cycle(table, me)
    };
    let (report, workers, key) = found?;
    record_deadlock(report.clone(), &workers, &key);
    Some(report)
}

/// Removes `worker`'s wait edge.
pub fn end_wait(worker: WorkerId) {
    if let Some(table) = WAITING.lock().as_mut() {
        table.remove(&worker);
    }
}

type Found = (DeadlockReport, Vec<Arc<Worker>>, String);

fn find_cycle(table: &HashMap<WorkerId, Waiting>, me: WorkerId) -> Option<Found> {
    let now = Instant::now();
    let mut chain: Vec<(&Waiting, Holder)> = Vec::new();
    let mut cur = me;
    loop {
        let w = table.get(&cur)?;
        let holder = w.lock.holder()?;
        if chain.iter().any(|(c, _)| c.worker.id() == holder.worker) && holder.worker != me {
            return None; // a cycle that does not pass through `me`: its own closer reports it
        }
        chain.push((w, holder));
        if holder.worker == me {
            break;
        }
        if chain.len() > table.len() {
            return None;
        }
        cur = holder.worker;
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
