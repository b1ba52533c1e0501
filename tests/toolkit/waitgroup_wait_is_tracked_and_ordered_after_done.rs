//! A blocked `WaitGroup::wait` shows as `waitgroup_wait` on the wait group,
//! and returns once every worker is done.
use crate::common;

use std::sync::Arc;
use std::time::Duration;
use vigil::report::{Op, ResourceKind};
use vigil::sync::WaitGroup;

#[test]
fn blocked_waiter_shows_waitgroup_wait() {
    let guard = vigil::check::LeakGuard::new().grace(Duration::from_millis(200));
    let wg = Arc::new(WaitGroup::named("round"));
    wg.add(1);
    let w = wg.clone();
    let waiter = vigil::thread::Builder::new().name("wg-waiter".into()).spawn(move || w.wait()).unwrap();
    common::wait_blocked("wg-waiter");
    let snap = vigil::check::snapshot();
    let me = common::worker_named(&snap, "wg-waiter").unwrap();
    let on = me.blocked_on.unwrap();
    assert_eq!(on.op, Op::WaitgroupWait);
    let res = on.resource.unwrap();
    assert_eq!((res.kind, res.name.as_str()), (ResourceKind::WaitGroup, "round"));
    assert!(on.summary.contains("counter 1"), "{}", on.summary);
    wg.done();
    waiter.join().unwrap();
    assert!(guard.check().is_empty());
}

#[test]
fn wait_timeout_reports_whether_the_counter_reached_zero() {
    let wg = WaitGroup::new();
    wg.add(1);
    assert!(!wg.wait_timeout(Duration::from_millis(5)));
    wg.done();
    assert!(wg.wait_timeout(Duration::from_secs(5)));
}
