//! Under real contention a lock counts its waiters, shows them blocked in
//! `lock` with its name, and records their wait times; an uncontended lock
//! records acquisitions only.
#![cfg(feature = "detect")]
use crate::common;

use std::time::Duration;
use vigil::report::{Op, ResourceStats};
use vigil::sync::{Arc, Mutex, RwLock};

#[test]
fn waiters_are_counted_and_their_waits_timed() {
    let m = Arc::new(Mutex::named("contended-counter", 0u32));
    let held = m.lock().unwrap();
    let hold_line = line!() - 1;
    let mut handles = Vec::new();
    for name in ["waiter-a", "waiter-b"] {
        let m = m.clone();
        handles.push(
            vigil::thread::Builder::new().name(name.into()).spawn(move || *m.lock().unwrap() += 1).unwrap(),
        );
    }
    common::wait_blocked("waiter-a");
    common::wait_blocked("waiter-b");
    assert_eq!(m.waiters(), 2);
    let stats = m.stats();
    assert_eq!(stats.waiters, 2);
    let mut who: Vec<_> = stats.waiting.iter().map(|w| w.worker.name.clone().unwrap_or_default()).collect();
    who.sort();
    assert_eq!(who, ["waiter-a", "waiter-b"]);
    assert!(
        stats.owner_site.as_deref().unwrap_or("").contains(&format!("{}:{hold_line}:", file!())),
        "{stats:?}"
    );

    // The snapshot shows both workers blocked in `lock` on the named mutex.
    let snap = vigil::check::snapshot();
    for name in ["waiter-a", "waiter-b"] {
        let w = common::worker_named(&snap, name).unwrap();
        let b = w.blocked_on.expect("blocked");
        assert_eq!(b.op, Op::Lock);
        assert_eq!(b.resource.map(|r| r.name), Some("contended-counter".to_string()));
    }
    let res = snap.resources.iter().find(|r| &*r.name == "contended-counter").expect("mutex in snapshot");
    match &res.stats {
        ResourceStats::Lock(l) => assert_eq!(l.waiters, 2),
        other => panic!("expected lock stats, got {other:?}"),
    }
    // Its one-line summary (shown with each blocked worker) names the holder,
    // where it locked, for how long, and the waiters.
    let holder = vigil::check::snapshot()
        .workers
        .iter()
        .find(|w| w.name.as_deref() == std::thread::current().name())
        .map(|w| w.id.0)
        .expect("the test thread is a worker");
    let summary = &res.summary;
    assert!(summary.starts_with(&format!("locked by worker {holder} ")), "{summary}");
    assert!(summary.contains(&format!(" at {}:{hold_line}:", file!())), "{summary}");
    assert!(summary.contains(" ms, 2 waiting"), "{summary}");

    std::thread::sleep(Duration::from_millis(20)); // let the waits grow measurably
    drop(held);
    for h in handles {
        h.join().unwrap();
    }
    let stats = m.stats();
    assert_eq!(*m.lock().unwrap(), 2);
    assert_eq!(stats.waiters, 0);
    assert_eq!(stats.acquisitions, 3);
    assert_eq!(stats.contended, 2);
    assert_eq!(stats.wait.count, 2);
    assert!(stats.wait.max_us >= 20_000, "{:?}", stats.wait);
    assert!(stats.hold.count >= 1, "{:?}", stats.hold);
}

#[test]
fn summary_says_unlocked_or_how_many_read() {
    let l = RwLock::named("summary-rwlock", ());
    let summary = || {
        let snap = vigil::check::snapshot();
        snap.resources
            .iter()
            .find(|r| &*r.name == "summary-rwlock")
            .map(|r| r.summary.clone())
            .unwrap_or_default()
    };
    drop(l.read().unwrap()); // tracked from its first use
    assert_eq!(summary(), "unlocked, 0 waiting");
    let (a, b) = (l.read().unwrap(), l.read().unwrap());
    assert_eq!(summary(), "read-locked by 2 reader(s), 0 waiting");
    drop((a, b));
    assert_eq!(summary(), "unlocked, 0 waiting");
}

#[test]
fn uncontended_lock_only_counts_acquisitions() {
    let m = Mutex::new(0);
    for _ in 0..10 {
        *m.lock().unwrap() += 1;
    }
    let s = m.stats();
    assert_eq!((s.acquisitions, s.contended, s.waiters, s.wait.count), (10, 0, 0, 0));
    assert!(s.owner.is_none());
}

#[test]
fn rwlock_counts_readers_and_a_waiting_writer() {
    let l = Arc::new(RwLock::named("table", 1));
    let r1 = l.read().unwrap();
    let r2 = l.read().unwrap();
    assert_eq!(l.stats().readers, 2);
    let l2 = l.clone();
    let w = vigil::thread::Builder::new()
        .name("table-writer".into())
        .spawn(move || *l2.write().unwrap() += 1)
        .unwrap();
    common::wait_blocked("table-writer");
    let snap = vigil::check::snapshot();
    assert_eq!(common::worker_named(&snap, "table-writer").unwrap().blocked_on.unwrap().op, Op::Write);
    assert_eq!(l.waiters(), 1);
    drop(r1);
    drop(r2);
    w.join().unwrap();
    let s = l.stats();
    assert_eq!((s.readers, s.waiters, s.contended), (0, 0, 1));
    assert_eq!(*l.read().unwrap(), 2);
}

/// More readers at once than there are per-thread stripes: some count on a
/// stripe of their own, the rest share one; the total is exact either way,
/// and so is the acquisition count.
#[test]
fn rwlock_reader_count_is_exact_with_more_readers_than_stripes() {
    const READERS: usize = 20;
    let l = Arc::new(RwLock::named("wide-table", 0u32));
    let all_hold = Arc::new(vigil::sync::Barrier::new(READERS + 1));
    let checked = Arc::new(vigil::sync::Barrier::new(READERS + 1));
    let handles: Vec<_> = (0..READERS)
        .map(|_| {
            let (l, all_hold, checked) = (l.clone(), all_hold.clone(), checked.clone());
            vigil::thread::spawn(move || {
                let g = l.read().unwrap();
                all_hold.wait();
                checked.wait();
                drop(g);
            })
        })
        .collect();
    all_hold.wait();
    assert_eq!(l.stats().readers, READERS);
    checked.wait();
    for h in handles {
        h.join().unwrap();
    }
    let s = l.stats();
    assert_eq!((s.readers, s.acquisitions), (0, READERS as u64));
}
