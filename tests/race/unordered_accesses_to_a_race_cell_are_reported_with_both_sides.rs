//! The race checker over `RaceCell`: spawn and join edges, both sides of a
//! report, read-read, write after concurrent reads, dedupe by pair of sites.
//!
//! Unordered versions use std's own channel to sequence the accesses in
//! time: std primitives create no happens-before edge for vigil, so the
//! accesses stay unordered while the test stays deterministic.

use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::time::Duration;
use vigil::race::RaceCell;
use vigil::report::{RaceKind, Report};

fn guard() -> vigil::check::Guard {
    vigil::check::guard().grace(Duration::from_millis(200))
}

fn at(line: u32) -> String {
    format!("{}:{line}:", file!())
}

fn only_race(report: &Report) -> &vigil::report::RaceReport {
    assert_eq!(report.races.len(), 1, "expected exactly one race:\n{report}");
    &report.races[0]
}

#[test]
fn spawn_orders_the_parents_earlier_write_before_the_child() {
    let g = guard();
    let cell = Arc::new(RaceCell::new(0u32));
    cell.set(1);
    let c = cell.clone();
    let t = vigil::thread::spawn(move || c.set(c.get() + 1));
    t.join().unwrap();
    assert_eq!(cell.get(), 2);
    let report = g.check();
    assert!(report.races.is_empty(), "{report}");
}

#[test]
fn join_orders_the_childs_write_before_the_parent() {
    let g = guard();
    let cell = Arc::new(RaceCell::new(0u32));
    let c = cell.clone();
    vigil::thread::spawn(move || c.set(7)).join().unwrap();
    cell.set(cell.get() + 1);
    let report = g.check();
    assert!(report.races.is_empty(), "{report}");
}

#[test]
fn write_write_without_join_is_one_race_with_both_sides() {
    let g = guard();
    let cell = Arc::new(RaceCell::new(0u32));
    let (tx, rx) = std_mpsc::channel();
    let c = cell.clone();
    let child_line = line!() + 5;
    let spawn_line = line!() + 3;
    let t = vigil::thread::Builder::new()
        .name("racy-writer".into())
        .spawn(move || {
            c.set(1);
            tx.send(()).unwrap();
        })
        .unwrap();
    rx.recv().unwrap();
    let main_line = line!() + 1;
    cell.set(2);
    t.join().unwrap();
    let report = g.check();
    let r = only_race(&report);
    assert_eq!(r.kind, RaceKind::WriteWrite);
    assert!(r.current.site.starts_with(&at(main_line)), "{r}");
    assert!(r.previous.site.starts_with(&at(child_line)), "{r}");
    assert_eq!((r.current.op, r.previous.op), ("write", "write"));
    assert_eq!(r.previous.thread.name.as_deref(), Some("racy-writer"));
    assert_ne!(r.current.thread.id, r.previous.thread.id);
    assert!(r.resource.name.contains("RaceCell"), "{r}");
    // Where the racing thread came from, as Go's "created at": spawned here,
    // by the test's own thread (which vigil did not spawn: no site).
    assert!(r.previous.spawned_at.as_deref().is_some_and(|s| s.starts_with(&at(spawn_line))), "{r}");
    assert_eq!(r.previous.parent.as_ref().map(|p| p.id), Some(r.current.thread.id), "{r}");
    assert_eq!(r.current.spawned_at, None, "{r}");
    // The current side's backtrace is the user's frames only: trimmed of
    // vigil's at the top and of the harness's `FnOnce` shims at the bottom.
    let last = r.current.backtrace.last().expect("a backtrace for the current access");
    assert!(last.contains("write_write_without_join_is_one_race_with_both_sides"), "{r}");
    assert!(!r.current.backtrace.iter().any(|f| f.contains("FnOnce")), "{r}");

    let json = serde_json::to_value(r).unwrap();
    assert_eq!(json["kind"], "write-write");
    assert!(json["previous"]["spawned_at"].is_string(), "{json}");
    for side in ["current", "previous"] {
        for field in ["thread", "site", "op"] {
            assert!(!json[side][field].is_null(), "{side}.{field} missing in {json}");
        }
    }
    assert!(!json["resource"].is_null());

    let text = r.to_string();
    assert!(text.contains("WARNING: DATA RACE") && text.contains("Previous write"), "{text}");
    let spawned = format!("{} was spawned at {}", r.previous.thread, at(spawn_line));
    assert!(text.contains(&spawned), "{spawned:?} missing:\n{text}");
}

#[test]
fn write_then_unordered_read_is_write_read() {
    let g = guard();
    let cell = Arc::new(RaceCell::new(0u32));
    let (tx, rx) = std_mpsc::channel();
    let c = cell.clone();
    let t = vigil::thread::spawn(move || {
        c.set(5);
        tx.send(()).unwrap();
    });
    rx.recv().unwrap();
    let read_line = line!() + 1;
    let _ = cell.get();
    t.join().unwrap();
    let report = g.check();
    let r = only_race(&report);
    assert_eq!(r.kind, RaceKind::WriteRead);
    assert!(r.current.site.starts_with(&at(read_line)), "{r}");
    assert_eq!((r.current.op, r.previous.op), ("read", "write"));
}

#[test]
fn read_read_is_never_a_race() {
    let g = guard();
    let cell = Arc::new(RaceCell::new(vec![1, 2, 3]));
    let (tx, rx) = std_mpsc::channel();
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (c, tx) = (cell.clone(), tx.clone());
            vigil::thread::spawn(move || {
                let sum: i32 = c.with(|v| v.iter().sum());
                tx.send(sum).unwrap();
            })
        })
        .collect();
    for _ in 0..3 {
        assert_eq!(rx.recv().unwrap(), 6);
    }
    assert_eq!(cell.with(|v| v.len()), 3);
    for r in readers {
        r.join().unwrap();
    }
    let report = g.check();
    assert!(report.races.is_empty(), "{report}");
}

#[test]
fn write_after_joined_concurrent_reads_is_silent() {
    let g = guard();
    let cell = Arc::new(RaceCell::new(1u64));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let c = cell.clone();
            vigil::thread::spawn(move || c.get())
        })
        .collect();
    for r in readers {
        assert_eq!(r.join().unwrap(), 1);
    }
    cell.set(2); // ordered after both reads by the joins
    let report = g.check();
    assert!(report.races.is_empty(), "{report}");
}

#[test]
fn write_after_concurrent_reads_races_with_the_unjoined_reader() {
    let g = guard();
    let cell = Arc::new(RaceCell::new(1u64));
    let (tx, rx) = std_mpsc::channel();
    let c = cell.clone();
    let joined = vigil::thread::spawn(move || c.get());
    let (c, tx2) = (cell.clone(), tx.clone());
    let reader_line = line!() + 2;
    let unjoined = vigil::thread::Builder::new().name("late-reader".into()).spawn(move || {
        let v = c.get();
        tx2.send(v).unwrap();
    });
    let unjoined = unjoined.unwrap();
    assert_eq!(joined.join().unwrap(), 1);
    assert_eq!(rx.recv().unwrap(), 1);
    let write_line = line!() + 1;
    cell.set(2);
    unjoined.join().unwrap();
    let report = g.check();
    let r = only_race(&report);
    assert_eq!(r.kind, RaceKind::ReadWrite);
    assert!(r.current.site.starts_with(&at(write_line)), "{r}");
    assert!(r.previous.site.starts_with(&at(reader_line)), "{r}");
    assert_eq!(r.previous.thread.name.as_deref(), Some("late-reader"));
    drop(tx);
}

#[test]
fn the_same_pair_of_sites_is_reported_once() {
    let g = guard();
    let cell = Arc::new(RaceCell::new(0u32));
    let mut handles = Vec::new();
    for round in 0..5 {
        let (tx, rx) = std_mpsc::channel();
        let c = cell.clone();
        handles.push(vigil::thread::spawn(move || {
            c.set(round);
            tx.send(()).unwrap();
        }));
        rx.recv().unwrap();
        cell.set(round + 100);
    }
    for h in handles {
        h.join().unwrap();
    }
    let report = g.check();
    assert_eq!(report.races.len(), 1, "{report}");
}

#[test]
fn scoped_threads_end_before_the_scope_returns() {
    let g = guard();
    let cell = RaceCell::new(0u32);
    vigil::thread::scope(|s| {
        s.spawn(|| cell.set(1));
        s.spawn(|| cell.with(|_| ()));
    });
    // Both scoped threads were joined implicitly: ordered before this write,
    // but the two of them raced with each other (one race).
    cell.set(2);
    let report = g.check();
    assert_eq!(report.races.len(), 1, "{report}");
    assert!(report.races.iter().all(|r| r.current.site != r.previous.site || r.kind != RaceKind::WriteWrite));
}

#[test]
fn parallel_guards_see_only_their_own_races() {
    // Two "tests" in parallel, each on its own thread with its own guard:
    // the racy one sees its race; the clean one sees nothing.
    let racy = std::thread::spawn(|| {
        let g = guard();
        let cell = Arc::new(RaceCell::new(0u8));
        let (tx, rx) = std_mpsc::channel();
        let c = cell.clone();
        let t = vigil::thread::spawn(move || {
            c.set(1);
            tx.send(()).unwrap();
        });
        rx.recv().unwrap();
        cell.set(2);
        t.join().unwrap();
        g.check().races.len()
    });
    let clean = std::thread::spawn(|| {
        let g = guard();
        let cell = Arc::new(RaceCell::new(0u8));
        let c = cell.clone();
        vigil::thread::spawn(move || c.set(1)).join().unwrap();
        cell.set(2);
        g.check().races.len()
    });
    assert_eq!(racy.join().unwrap(), 1);
    assert_eq!(clean.join().unwrap(), 0);
}

#[test]
#[should_panic(expected = "inside its own")]
fn reentrant_access_panics_instead_of_aliasing() {
    let cell = RaceCell::new(1);
    cell.with(|_| cell.set(2));
}
