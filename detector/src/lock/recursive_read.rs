//! Recursive read (Go's RWR deadlock): a thread holding a read lock asks for
//! it again while a writer waits. With a writer-preferring lock (Go's
//! `RWMutex`, std's futex `RwLock`) the second read waits for the writer,
//! which waits for the first read: a deadlock.

use crate::findings::{record_deadlock, DeadlockKind, DeadlockReport, WaitEdge};
use crate::lock::HeldLock;
use crate::resource::ResourceRef;
use crate::sync::Arc;
use crate::worker::Worker;
use std::panic::Location;

/// Records a `recursive_read` finding: `worker` read-locks `lock` again at
/// `site`, holding a read lock since `first`, while `writers` writers wait.
///
/// # Examples
///
/// ```
/// use std::panic::Location;
/// use vigil_detector::lock::{held, report_recursive_read, HeldLock, HeldMode};
/// use vigil_detector::{DeadlockKind, ResourceKind, ResourceMeta};
///
/// let lock = ResourceMeta::new(ResourceKind::RwLock, Some("table".into()), Location::caller());
/// held::push(HeldLock { id: lock.id(), mode: HeldMode::Shared, site: Location::caller() });
/// // Read-locking it again while one writer waits:
/// let first = held::find(lock.id()).unwrap();
/// let me = vigil_detector::current_worker().unwrap();
/// let report = report_recursive_read(&me, lock.to_ref(), first, Location::caller(), 1);
/// assert_eq!(report.kind, DeadlockKind::RecursiveRead);
/// assert!(report.message.contains("1 writer(s) wait"));
/// assert!(vigil_detector::check::deadlocks().iter().any(|d| d.kind == DeadlockKind::RecursiveRead));
/// # held::pop(lock.id(), HeldMode::Shared);
/// ```
pub fn report_recursive_read(
    worker: &Arc<Worker>,
    lock: ResourceRef,
    first: HeldLock,
    site: &'static Location<'static>,
    writers: usize,
) -> DeadlockReport {
    let me = worker.to_ref();
    let first_site = crate::site::short(first.site);
    let second_site = crate::site::short(site);
    let report = DeadlockReport {
        kind: DeadlockKind::RecursiveRead,
        threads: vec![me.clone()],
        resources: vec![lock.clone()],
        sites: vec![first_site.clone(), second_site.clone()],
        edges: vec![WaitEdge {
            waiter: me.clone(),
            waiter_site: second_site.clone(),
            waiting_ms: None,
            resource: lock.clone(),
            holder: Some(me.clone()),
            holder_site: Some(first_site.clone()),
            held_ms: None,
        }],
        message: format!(
            "{me} read-locks {lock} again at {second_site} while holding a read lock since {first_site} \
             and {writers} writer(s) wait: with a writer-preferring lock this deadlocks (Go's RWR)"
        ),
    };
    record_deadlock(
        report.clone(),
        std::slice::from_ref(worker),
        &format!("recursive_read:{first_site}:{second_site}"),
    );
    report
}
