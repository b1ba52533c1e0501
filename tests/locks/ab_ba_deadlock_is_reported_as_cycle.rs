//! Two threads taking two locks in opposite orders at the same time (AB-BA)
//! are reported as a `cycle` while it happens, naming both threads, both
//! locks and every site; the threads stay blocked and the leak check shows
//! them. Taking the locks in one order is silent.
//!
//! The deadlocked workers can never be released: they are left detached,
//! and the test binary exits when its tests are done.
#![cfg(feature = "detect")]
use crate::common;

use std::sync::Barrier;
use std::time::Duration;
use vigil::report::{DeadlockKind, Op, WorkerState};
use vigil::sync::{Arc, Mutex};

#[test]
fn opposite_orders_at_once_are_a_cycle() {
    let g = vigil::check::guard().grace(Duration::from_millis(100));
    let a = Arc::new(Mutex::named("lock-a", ()));
    let b = Arc::new(Mutex::named("lock-b", ()));
    let both = Arc::new(Barrier::new(2));
    let (a1, b1, both1) = (a.clone(), b.clone(), both.clone());
    let (a2, b2, both2) = (a.clone(), b.clone(), both.clone());
    let t1 = vigil::thread::Builder::new().name("ab".into()).spawn(move || {
        let _a = a1.lock().unwrap();
        both1.wait();
        let _b = b1.lock().unwrap();
    });
    let t2 = vigil::thread::Builder::new().name("ba".into()).spawn(move || {
        let _b = b2.lock().unwrap();
        both2.wait();
        let _a = a2.lock().unwrap();
    });
    common::wait_blocked("ab");
    common::wait_blocked("ba");
    assert!(common::eventually(|| vigil::check::deadlocks()
        .iter()
        .any(|d| d.kind == DeadlockKind::Cycle && d.resources.iter().any(|r| r.name == "lock-a"))));

    let report = g.check();
    let cycle = report.deadlocks.iter().find(|d| d.kind == DeadlockKind::Cycle).expect("cycle");
    let mut threads: Vec<_> = cycle.threads.iter().filter_map(|t| t.name.clone()).collect();
    threads.sort();
    assert_eq!(threads, ["ab", "ba"]);
    let mut locks: Vec<_> = cycle.resources.iter().map(|r| r.name.clone()).collect();
    locks.sort();
    assert_eq!(locks, ["lock-a", "lock-b"]);
    assert_eq!(cycle.edges.len(), 2);
    for e in &cycle.edges {
        // Both sides: the waiter and its site, the holder and where it locked.
        assert!(e.waiter_site.contains(file!()), "{cycle}");
        assert!(e.holder.is_some() && e.holder.as_ref() != Some(&e.waiter), "{cycle}");
        assert!(e.holder_site.as_deref().unwrap_or("").contains(file!()), "{cycle}");
        assert!(e.waiting_ms.is_some() && e.held_ms.is_some(), "{cycle}");
    }
    let text = cycle.to_string();
    assert!(text.contains("cycle") && text.contains("lock-a") && text.contains("lock-b"), "{text}");

    // The leak check shows both workers blocked in `lock`.
    let leaked: Vec<_> = report.leaks.iter().filter(|l| l.state == WorkerState::Blocked).collect();
    assert_eq!(leaked.len(), 2, "{report}");
    assert!(leaked.iter().all(|l| l.blocked_on.as_ref().map(|b| b.op) == Some(Op::Lock)));
    drop((t1, t2)); // detached: they can never finish
}

#[test]
fn one_order_everywhere_is_silent() {
    let g = vigil::check::guard();
    let a = Arc::new(Mutex::named("ordered-a", 0));
    let b = Arc::new(Mutex::named("ordered-b", 0));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (a, b) = (a.clone(), b.clone());
            vigil::thread::spawn(move || {
                for _ in 0..200 {
                    let _a = a.lock().unwrap();
                    *b.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let report = g.check();
    assert!(report.deadlocks.is_empty(), "{report}");
    assert_eq!(*b.lock().unwrap(), 400);
}
