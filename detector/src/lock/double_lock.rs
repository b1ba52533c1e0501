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
