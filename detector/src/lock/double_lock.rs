//! Double lock: a thread locks a `Mutex` (or write-locks an `RwLock`) that
//! it already holds. std may hang forever; vigil reports both sites at once.

use crate::findings::{record_deadlock, DeadlockKind, DeadlockReport, WaitEdge};
use crate::lock::HeldLock;
use crate::resource::ResourceRef;
use crate::sync::Arc;
use crate::worker::Worker;
use std::panic::Location;

/// Records a `double_lock` finding: `worker` asks for `lock` at `site`
/// (operation `op`, e.g. `"lock"` or `"write"`) while holding it since
/// `first`. Returns the report; the caller panics with it (or hangs, as std
/// would, when `VIGIL_DOUBLE_LOCK_PANIC=0`).
///
/// # Examples
///
/// ```
/// use std::panic::Location;
/// use vigil_detector::lock::{held, report_double_lock, HeldLock, HeldMode};
/// use vigil_detector::{DeadlockKind, ResourceKind, ResourceMeta};
///
/// let lock = ResourceMeta::new(ResourceKind::Mutex, Some("config".into()), Location::caller());
/// held::push(HeldLock { id: lock.id(), mode: HeldMode::Exclusive, site: Location::caller() });
/// // The same thread asks for the lock again: report instead of hanging.
/// let first = held::find(lock.id()).unwrap();
/// let me = vigil_detector::current_worker().unwrap();
/// let report = report_double_lock(&me, lock.to_ref(), first, Location::caller(), "lock");
/// assert_eq!(report.kind, DeadlockKind::DoubleLock);
/// assert_eq!(report.sites.len(), 2); // where it was first locked, and again
/// assert!(vigil_detector::check::deadlocks().iter().any(|d| d.kind == DeadlockKind::DoubleLock));
/// # held::pop(lock.id(), HeldMode::Exclusive);
/// ```
pub fn report_double_lock(
    worker: &Arc<Worker>,
    lock: ResourceRef,
    first: HeldLock,
    site: &'static Location<'static>,
    op: &str,
) -> DeadlockReport {
    let me = worker.to_ref();
    let first_site = crate::site::short(first.site);
    let second_site = crate::site::short(site);
    let report = DeadlockReport {
        kind: DeadlockKind::DoubleLock,
        threads: vec![me.clone()],
        resources: vec![lock.clone()],
        sites: vec![first_site.clone(), second_site.clone()],
        edges: vec![WaitEdge {
            waiter: me.clone(),
            waiter_site: second_site.clone(),
            waiting_ms: Some(0),
            resource: lock.clone(),
            holder: Some(me.clone()),
            holder_site: Some(first_site.clone()),
            held_ms: None,
        }],
        message: format!(
            "{me} asks to {op} {lock} at {second_site} but already holds it since {first_site}; it would wait for itself forever"
        ),
    };
    record_deadlock(
        report.clone(),
        std::slice::from_ref(worker),
        &format!("double_lock:{first_site}:{second_site}"),
    );
    report
}
