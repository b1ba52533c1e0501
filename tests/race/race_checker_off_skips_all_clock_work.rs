//! `VIGIL_RACE=off`: primitives skip all clock work and nothing is reported.

use crate::common;

use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use vigil::race::RaceCell;

#[test]
#[ignore = "run by race_checker_off_reports_nothing in a child process"]
fn child_racy_program() {
    assert!(!vigil_detector::race_enabled());
    let cell = Arc::new(RaceCell::new(0u32));
    let (tx, rx) = std_mpsc::channel();
    let c = cell.clone();
    let t = vigil::thread::spawn(move || {
        c.set(1);
        tx.send(()).unwrap();
    });
    rx.recv().unwrap();
    cell.set(2);
    t.join().unwrap();
    assert!(vigil::check::races().is_empty());
    assert_eq!(vigil_detector::hb::slot_count(), 0, "a clock was created with the checker off");
    println!("CHILD-OK");
}

#[test]
fn race_checker_off_reports_nothing() {
    let out = common::run_child(module_path!(), "child_racy_program", &[("VIGIL_RACE", "off")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("CHILD-OK"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
