//! Go's "WaitGroup is reused before previous Wait has returned": an `add`
//! from zero while waiters of the finished round are still waking is
//! reported as `waitgroup_misuse`; reuse after `wait` returned is silent.
use crate::common;

use std::sync::Arc;
use vigil::report::DeadlockKind;
use vigil::sync::WaitGroup;

#[test]
fn add_while_previous_waiters_are_waking_is_reported() {
    let guard = vigil::check::guard();
    let wg = Arc::new(WaitGroup::named("reused-wg"));
    // The window (between `done` releasing a waiter and the waiter running
    // again) is short, so try a few rounds; the first one almost always hits.
    let mut hit = false;
    for round in 0..50 {
        wg.add(1);
        let w = wg.clone();
        let name = format!("reuse-waiter-{round}");
        let waiter = vigil::thread::Builder::new().name(name.clone()).spawn(move || w.wait()).unwrap();
        common::wait_blocked(&name);
        wg.done();
        wg.add(1); // reuse at once, without waiting for the waiter to return
        wg.done();
        waiter.join().unwrap();
        if vigil::check::deadlocks().iter().any(|d| {
            d.kind == DeadlockKind::WaitgroupMisuse
                && d.message.contains("reused")
                && d.message.contains("reused-wg")
        }) {
            hit = true;
            break;
        }
    }
    assert!(hit, "reuse before wait returned was never reported");
    let report = guard.check();
    assert!(report.deadlocks.iter().any(|d| d.kind == DeadlockKind::WaitgroupMisuse), "{report}");
}

#[test]
fn reuse_after_wait_returned_is_silent() {
    let guard = vigil::check::guard();
    let wg = Arc::new(WaitGroup::new());
    for _ in 0..3 {
        wg.add(1);
        let w = wg.clone();
        let waiter = vigil::thread::spawn(move || w.wait());
        wg.done();
        waiter.join().unwrap(); // the round's waiter has returned
    }
    let report = guard.check();
    assert!(report.deadlocks.is_empty(), "{report}");
}
