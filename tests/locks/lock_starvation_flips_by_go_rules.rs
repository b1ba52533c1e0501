//! Go 1.9's starvation mode: a waiter stuck past the threshold (1 ms by
//! default) switches the lock to starving; the lock returns to normal when
//! the last waiter acquires it, and stays starving while long waiters remain.
#![cfg(feature = "detect")]
use crate::common;

use std::sync::mpsc;
use vigil::report::EventKind;
use vigil::sync::{Arc, Mutex};

#[test]
fn starving_while_a_waiter_waits_past_the_threshold_then_normal_after_the_last() {
    let m = Arc::new(Mutex::named("starved", ()));
    let seq = vigil_events_seq();
    let held = m.lock().unwrap();
    let m2 = m.clone();
    let h =
        vigil::thread::Builder::new().name("hungry".into()).spawn(move || drop(m2.lock().unwrap())).unwrap();
    common::wait_blocked("hungry");
    assert!(common::eventually(|| m.is_starving()), "never started starving");
    assert_eq!(m.stats().starvation_entered, 1);
    drop(held);
    h.join().unwrap();
    assert!(!m.is_starving(), "the last waiter acquired it: back to normal");
    let s = m.stats();
    assert_eq!((s.starvation_entered, s.starvation_exited), (1, 1));

    let events = vigil_detector::events_since(seq, 10_000).events;
    let ours: Vec<_> = events
        .iter()
        .filter(|e| e.resource.as_ref().is_some_and(|r| r.name == "starved"))
        .filter(|e| matches!(e.kind, EventKind::Starvation | EventKind::StarvationEnd))
        .collect();
    assert_eq!(ours.len(), 2, "{ours:?}");
    assert_eq!(ours[0].kind, EventKind::Starvation);
    assert_eq!(ours[0].worker.as_ref().and_then(|w| w.name.as_deref()), Some("hungry"));
    assert_eq!(ours[1].kind, EventKind::StarvationEnd);
}

#[test]
fn stays_starving_while_another_long_waiter_remains() {
    let m = Arc::new(Mutex::named("starved-twice", ()));
    let held = m.lock().unwrap();
    let (got_tx, got_rx) = mpsc::channel::<&'static str>();
    let mut releases = Vec::new();
    let mut handles = Vec::new();
    for name in ["first", "second"] {
        let (rel_tx, rel_rx) = mpsc::channel::<()>();
        releases.push(rel_tx);
        let (m, got) = (m.clone(), got_tx.clone());
        handles.push(
            vigil::thread::Builder::new()
                .name(name.into())
                .spawn(move || {
                    let g = m.lock().unwrap();
                    got.send(name).unwrap();
                    let _ = rel_rx.recv();
                    drop(g);
                })
                .unwrap(),
        );
    }
    common::wait_blocked("first");
    common::wait_blocked("second");
    assert!(common::eventually(|| m.is_starving()));
    drop(held);
    let winner = got_rx.recv().unwrap();
    // It waited past the threshold and another waiter remains: still starving.
    assert!(m.is_starving());
    assert_eq!(m.waiters(), 1);
    let idx = if winner == "first" { 0 } else { 1 };
    releases[idx].send(()).unwrap();
    let _last = got_rx.recv().unwrap();
    assert!(!m.is_starving(), "the last waiter acquired it");
    for r in &releases {
        let _ = r.send(());
    }
    for h in handles {
        h.join().unwrap();
    }
    assert!(!m.is_starving());
}

#[test]
fn uncontended_lock_never_starves() {
    let m = Mutex::new(0);
    for _ in 0..100 {
        *m.lock().unwrap() += 1;
    }
    assert!(!m.is_starving());
    assert_eq!(m.stats().starvation_entered, 0);
}

fn vigil_events_seq() -> u64 {
    vigil_detector::last_event_seq()
}
