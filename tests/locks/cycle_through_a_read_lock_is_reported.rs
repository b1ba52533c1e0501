//! A wait-for cycle that passes through a read-held `RwLock` is a deadlock
//! too: a reader holding the read lock waits for a mutex whose holder waits
//! to write-lock the same `RwLock`. It is reported as a `cycle` naming both
//! threads, both locks, the reader as the read lock's holder and its site.
//! The same two threads releasing the read lock before taking the mutex are
//! silent.
//!
//! The deadlocked workers can never be released: they are left detached,
//! and the test binary exits when its tests are done.
#![cfg(feature = "detect")]
use crate::common;

use std::sync::Barrier;
use std::time::Duration;
use vigil::report::DeadlockKind;
use vigil::sync::{Arc, Mutex, RwLock};

#[test]
fn reader_waiting_for_the_writers_mutex_is_a_cycle() {
    let g = vigil::check::guard().grace(Duration::from_millis(100));
    let table = Arc::new(RwLock::named("rw-table", 0));
    let journal = Arc::new(Mutex::named("rw-journal", ()));
    let both = Arc::new(Barrier::new(2));
    let (t1, j1, b1) = (table.clone(), journal.clone(), both.clone());
    let reader = vigil::thread::Builder::new().name("cycle-reader".into()).spawn(move || {
        let _r = t1.read().unwrap();
        let read_line = line!() - 1;
        b1.wait();
        let _j = j1.lock().unwrap();
        read_line
    });
    let (t2, j2, b2) = (table.clone(), journal.clone(), both.clone());
    let writer = vigil::thread::Builder::new().name("cycle-writer".into()).spawn(move || {
        let _j = j2.lock().unwrap();
        b2.wait();
        common::wait_blocked("cycle-reader");
        *t2.write().unwrap() += 1;
    });
    common::wait_blocked("cycle-writer");
    assert!(
        common::eventually(|| vigil::check::deadlocks()
            .iter()
            .any(|d| d.kind == DeadlockKind::Cycle && d.resources.iter().any(|r| r.name == "rw-table"))),
        "no cycle through the read lock was reported"
    );

    let report = g.check();
    let cycle = report
        .deadlocks
        .iter()
        .find(|d| d.kind == DeadlockKind::Cycle && d.resources.iter().any(|r| r.name == "rw-table"))
        .expect("cycle");
    let mut threads: Vec<_> = cycle.threads.iter().filter_map(|t| t.name.clone()).collect();
    threads.sort();
    assert_eq!(threads, ["cycle-reader", "cycle-writer"], "{cycle}");
    let mut locks: Vec<_> = cycle.resources.iter().map(|r| r.name.clone()).collect();
    locks.sort();
    assert_eq!(locks, ["rw-journal", "rw-table"], "{cycle}");
    // The writer's edge: it waits for rw-table, held (for reading) by the
    // reader, which read-locked it in this file.
    let edge = cycle.edges.iter().find(|e| e.resource.name == "rw-table").expect("edge on rw-table");
    assert_eq!(edge.waiter.name.as_deref(), Some("cycle-writer"), "{cycle}");
    assert_eq!(edge.holder.as_ref().and_then(|h| h.name.as_deref()), Some("cycle-reader"), "{cycle}");
    assert!(edge.holder_site.as_deref().unwrap_or("").contains(file!()), "{cycle}");
    drop((reader, writer)); // detached: they can never finish
}

#[test]
fn releasing_the_read_lock_first_is_silent() {
    let g = vigil::check::guard();
    let table = Arc::new(RwLock::named("rw-table-ok", 0));
    let journal = Arc::new(Mutex::named("rw-journal-ok", ()));
    let both = Arc::new(Barrier::new(2));
    let (t1, j1, b1) = (table.clone(), journal.clone(), both.clone());
    let reader = vigil::thread::Builder::new()
        .name("reader-ok".into())
        .spawn(move || {
            let v = *t1.read().unwrap();
            b1.wait();
            let _j = j1.lock().unwrap();
            v
        })
        .unwrap();
    let (t2, j2, b2) = (table.clone(), journal.clone(), both.clone());
    let writer = vigil::thread::Builder::new()
        .name("writer-ok".into())
        .spawn(move || {
            let _j = j2.lock().unwrap();
            b2.wait();
            *t2.write().unwrap() += 1;
        })
        .unwrap();
    reader.join().unwrap();
    writer.join().unwrap();
    let report = g.check();
    assert!(report.deadlocks.is_empty(), "{report}");
    assert_eq!(*table.read().unwrap(), 1);
}
