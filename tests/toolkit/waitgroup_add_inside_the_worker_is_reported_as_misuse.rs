//! Go's race detector flags a `WaitGroup.Add` from zero that is not ordered
//! before a concurrent `Wait` (the worker calling `add` itself): vigil
//! reports it as a `waitgroup_misuse` finding naming both sites. Calling
//! `add` before spawning the worker is silent.
use crate::common;

use std::sync::Arc;
use vigil::report::{DeadlockKind, ResourceKind};
use vigil::sync::WaitGroup;

#[test]
fn add_from_zero_inside_the_worker_is_reported() {
    if !vigil_race_on() {
        return;
    }
    let guard = vigil::check::guard();
    let wg = Arc::new(WaitGroup::named("racy-wg"));
    let (added_tx, added_rx) = std::sync::mpsc::channel(); // std: no happens-before edge
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let w = wg.clone();
    let add_line = line!() + 4;
    let worker = vigil::thread::Builder::new()
        .name("self-adder".into())
        .spawn(move || {
            w.add(1);
            added_tx.send(()).unwrap();
            go_rx.recv().unwrap();
            w.done();
        })
        .unwrap();
    added_rx.recv().unwrap();
    let waiter = {
        let w = wg.clone();
        vigil::thread::Builder::new().name("wg-main-waiter".into()).spawn(move || w.wait()).unwrap()
    };
    common::wait_blocked("wg-main-waiter");
    go_tx.send(()).unwrap();
    worker.join().unwrap();
    waiter.join().unwrap();

    let report = guard.check();
    let misuse: Vec<_> =
        report.deadlocks.iter().filter(|d| d.kind == DeadlockKind::WaitgroupMisuse).collect();
    assert_eq!(misuse.len(), 1, "{report:#?}");
    let d = misuse[0];
    assert_eq!(d.resources[0].kind, ResourceKind::WaitGroup);
    assert!(d.sites.iter().any(|s| s.contains(&format!("{}:{add_line}:", file!()))), "{:?}", d.sites);
    let names: Vec<_> = d.threads.iter().filter_map(|t| t.name.as_deref()).collect();
    assert!(names.contains(&"self-adder") && names.contains(&"wg-main-waiter"), "{names:?}");
    let json = serde_json::to_value(d).unwrap();
    assert_eq!(json["kind"], "waitgroup_misuse");
}

#[test]
fn add_before_spawning_is_silent() {
    let guard = vigil::check::guard();
    let wg = Arc::new(WaitGroup::new());
    for _ in 0..3 {
        wg.add(1);
        let w = wg.clone();
        vigil::thread::spawn(move || w.done());
    }
    wg.wait();
    // And reuse after `wait` returned, from the same thread, is fine too.
    wg.add(1);
    let w = wg.clone();
    let h = vigil::thread::spawn(move || w.done());
    wg.wait();
    h.join().unwrap();
    let report = guard.check();
    assert!(report.deadlocks.is_empty(), "{report}");
}

fn vigil_race_on() -> bool {
    std::env::var("VIGIL_RACE").map(|v| v != "off").unwrap_or(true)
        && std::env::var("VIGIL").map(|v| v != "off").unwrap_or(true)
}
