//! Two tests running at once in one process, one leaking and one clean: only
//! the leaking one's guard reports, and it names that test's thread.
use crate::common;

use std::sync::{Arc, Barrier};
use std::time::Duration;
use vigil::check::LeakGuard;

#[test]
fn only_the_leaking_tests_guard_reports_and_names_it() {
    // Two "tests" on two threads named like libtest's, overlapping in time.
    let barrier = Arc::new(Barrier::new(2));
    let b1 = barrier.clone();
    let leaking = std::thread::Builder::new()
        .name("tests::leaky".into())
        .spawn(move || {
            let guard = LeakGuard::new().grace(Duration::from_millis(200));
            let stuck = common::stuck("leaked-by-leaky");
            b1.wait(); // both guards are live and both tests have spawned
            b1.wait(); // the clean test has checked
            let report = guard.check();
            stuck.release();
            report
        })
        .unwrap();
    let clean = std::thread::Builder::new()
        .name("tests::clean".into())
        .spawn(move || {
            let guard = LeakGuard::new().grace(Duration::from_millis(200));
            let h = vigil::thread::spawn(|| 7);
            barrier.wait();
            assert_eq!(h.join().unwrap(), 7);
            let report = guard.check();
            barrier.wait();
            report
        })
        .unwrap();
    let clean = clean.join().unwrap();
    let leaky = leaking.join().unwrap();

    assert!(clean.is_empty(), "the clean test saw: {clean}");
    assert_eq!(clean.guard.as_deref(), Some("tests::clean"));
    assert_eq!(leaky.len(), 1, "{leaky}");
    assert_eq!(leaky.leaks[0].worker.name.as_deref(), Some("leaked-by-leaky"));
    assert_eq!(leaky.guard.as_deref(), Some("tests::leaky"));
    assert!(leaky.to_string().contains("by `tests::leaky`"), "{leaky}");
}
