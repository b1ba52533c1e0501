//! A `WorkerPool` kept alive past the end of a guarded test shows as leaked
//! idle workers carrying the pool's name, blocked waiting on the pool; the
//! same pool shut down is silent.
use crate::common;

use std::time::Duration;
use vigil::pool::WorkerPool;
use vigil::report::{Op, ResourceKind};

#[test]
fn pool_kept_alive_is_reported_as_its_idle_workers() {
    let guard = vigil::check::LeakGuard::new().grace(Duration::from_millis(150));
    let pool = WorkerPool::named("thumbnailer", 2);
    common::wait_blocked("thumbnailer-0");
    common::wait_blocked("thumbnailer-1");
    let report = guard.check();
    assert_eq!(report.len(), 2, "{report}");
    for leak in &report.leaks {
        assert!(leak.worker.name.as_deref().unwrap().starts_with("thumbnailer-"), "{report}");
        let on = leak.blocked_on.as_ref().expect("idle worker is blocked");
        assert_eq!(on.op, Op::Recv);
        let r = on.resource.as_ref().unwrap();
        assert_eq!((r.kind, r.name.as_str()), (ResourceKind::WorkerPool, "thumbnailer"));
    }
    assert!(report.to_string().contains("thumbnailer"), "{report}");
    pool.shutdown();
}

#[test]
fn pool_shut_down_is_silent() {
    let guard = vigil::check::LeakGuard::new().grace(Duration::from_millis(150));
    let pool = WorkerPool::named("tidy", 2);
    pool.execute(|| {});
    pool.shutdown();
    assert!(guard.check().is_empty());
}
