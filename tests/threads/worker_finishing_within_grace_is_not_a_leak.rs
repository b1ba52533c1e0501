//! The leak check waits for workers up to the grace period, re-checking as
//! they finish: a worker that finishes within it is no leak, and a clean
//! check returns at once instead of waiting out the grace.
use crate::common;

use std::time::{Duration, Instant};
use vigil::check::LeakGuard;

#[test]
fn worker_finishing_during_the_grace_is_not_reported_and_the_check_returns_early() {
    let grace = Duration::from_secs(60);
    let guard = LeakGuard::new().grace(grace);
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let h = vigil::thread::Builder::new()
        .name("slow-finisher".into())
        .spawn(move || {
            rx.recv().unwrap();
        })
        .unwrap();
    // Release the worker from outside, while (or before) the check waits.
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        tx.send(()).unwrap();
    });
    let start = Instant::now();
    let report = guard.check();
    assert!(report.is_empty(), "{report}");
    assert!(start.elapsed() < grace / 2, "the check waited {:?}", start.elapsed());
    releaser.join().unwrap();
    h.join().unwrap();
}

#[test]
fn clean_check_returns_without_waiting_the_grace() {
    let grace = Duration::from_secs(60);
    let guard = LeakGuard::new().grace(grace);
    vigil::thread::spawn(|| ()).join().unwrap();
    let start = Instant::now();
    assert!(guard.check().is_empty());
    assert!(start.elapsed() < grace / 2, "the check waited {:?}", start.elapsed());
}

#[test]
fn worker_outliving_the_grace_is_reported_after_it() {
    let grace = Duration::from_millis(200);
    let guard = LeakGuard::new().grace(grace);
    let stuck = common::stuck("outlives");
    let start = Instant::now();
    let report = guard.check();
    assert!(start.elapsed() >= grace, "reported before the grace ended");
    assert_eq!(report.len(), 1, "{report}");
    stuck.release();
}
