//! A lock-order inversion (A then B in one place, B then A in another) is
//! reported as `lock_order` with all four sites even when the two never
//! overlapped, once per set of sites; a consistent order is silent.
#![cfg(feature = "detect")]
use vigil::report::DeadlockKind;
use vigil::sync::{Arc, Mutex, RwLock};

#[test]
fn a_then_b_and_b_then_a_without_overlap_is_reported_once() {
    let g = vigil::check::guard();
    let a = Arc::new(Mutex::named("first-lock", ()));
    let b = Arc::new(Mutex::named("second-lock", ()));
    let (a1, b1) = (a.clone(), b.clone());
    let l1 = line!() + 5;
    vigil::thread::Builder::new()
        .name("forward".into())
        .spawn(move || {
            for _ in 0..3 {
                let _a = a1.lock().unwrap();
                let _b = b1.lock().unwrap();
            }
        })
        .unwrap()
        .join()
        .unwrap();
    let (a2, b2) = (a.clone(), b.clone());
    let l2 = line!() + 5;
    vigil::thread::Builder::new()
        .name("backward".into())
        .spawn(move || {
            for _ in 0..3 {
                let _b = b2.lock().unwrap();
                let _a = a2.lock().unwrap();
            }
        })
        .unwrap()
        .join()
        .unwrap();

    let report = g.check();
    let found: Vec<_> = report.deadlocks.iter().filter(|d| d.kind == DeadlockKind::LockOrder).collect();
    assert_eq!(found.len(), 1, "{report}");
    let d = found[0];
    let mut threads: Vec<_> = d.threads.iter().filter_map(|t| t.name.clone()).collect();
    threads.sort();
    assert_eq!(threads, ["backward", "forward"]);
    let mut locks: Vec<_> = d.resources.iter().map(|r| r.name.clone()).collect();
    locks.sort();
    assert_eq!(locks, ["first-lock", "second-lock"]);
    for line in [l1, l1 + 1, l2, l2 + 1] {
        assert!(d.sites.iter().any(|s| s.contains(&format!("{}:{line}:", file!()))), "site {line}: {d}");
    }
    assert!(d.to_string().contains("lock order"), "{d}");
}

#[test]
fn read_locks_count_for_lock_order_too() {
    let g = vigil::check::guard();
    let a = Arc::new(RwLock::named("rw-a", ()));
    let b = Arc::new(Mutex::named("m-b", ()));
    let (a1, b1) = (a.clone(), b.clone());
    vigil::thread::spawn(move || {
        let _a = a1.read().unwrap();
        let _b = b1.lock().unwrap();
    })
    .join()
    .unwrap();
    let (a2, b2) = (a.clone(), b.clone());
    vigil::thread::spawn(move || {
        let _b = b2.lock().unwrap();
        let _a = a2.write().unwrap();
    })
    .join()
    .unwrap();
    let report = g.check();
    assert_eq!(report.deadlocks.iter().filter(|d| d.kind == DeadlockKind::LockOrder).count(), 1, "{report}");
}

#[test]
fn consistent_order_is_silent() {
    let g = vigil::check::guard();
    let a = Arc::new(Mutex::new(()));
    let b = Arc::new(Mutex::new(()));
    let c = Arc::new(Mutex::new(()));
    for _ in 0..2 {
        let (a, b, c) = (a.clone(), b.clone(), c.clone());
        vigil::thread::spawn(move || {
            let _a = a.lock().unwrap();
            let _b = b.lock().unwrap();
            drop(_b);
            let _c = c.lock().unwrap();
        })
        .join()
        .unwrap();
    }
    let report = g.check();
    assert!(report.deadlocks.is_empty(), "{report}");
}
