//! Go's RWR deadlock: a thread holding a read lock read-locks again while a
//! writer waits. vigil reports it as `recursive_read` (and lets the read
//! through instead of hanging); recursive reads with no writer waiting are
//! silent.
#![cfg(feature = "detect")]
use crate::common;

use vigil::report::DeadlockKind;
use vigil::sync::{Arc, RwLock};

#[test]
fn second_read_while_a_writer_waits_is_reported() {
    let g = vigil::check::guard();
    let l = Arc::new(RwLock::named("rwr", 0));
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let (l1, l2) = (l.clone(), l.clone());
    let first = line!() + 5;
    let second = first + 2;
    let reader = vigil::thread::Builder::new()
        .name("rwr-reader".into())
        .spawn(move || {
            let r1 = l1.read().unwrap();
            go_rx.recv().unwrap(); // the writer is waiting now
            let r2 = l1.read().unwrap();
            assert_eq!(*r1 + *r2, 0);
        })
        .unwrap();
    common::eventually(|| l.stats().readers == 1);
    let writer = vigil::thread::Builder::new()
        .name("rwr-writer".into())
        .spawn(move || *l2.write().unwrap() = 1)
        .unwrap();
    common::wait_blocked("rwr-writer");
    go_tx.send(()).unwrap();
    reader.join().unwrap();
    writer.join().unwrap();

    let report = g.check();
    let d = report.deadlocks.iter().find(|d| d.kind == DeadlockKind::RecursiveRead).expect("recursive_read");
    assert_eq!(d.threads[0].name.as_deref(), Some("rwr-reader"));
    assert_eq!(d.resources[0].name, "rwr");
    assert!(d.sites[0].contains(&format!(":{first}:")) && d.sites[1].contains(&format!(":{second}:")), "{d}");
    assert_eq!(*l.read().unwrap(), 1);
}

#[test]
fn recursive_reads_with_no_writer_are_silent() {
    let g = vigil::check::guard();
    let l = Arc::new(RwLock::new(5));
    let l1 = l.clone();
    vigil::thread::spawn(move || {
        let r1 = l1.read().unwrap();
        let r2 = l1.read().unwrap();
        assert_eq!(*r1 + *r2, 10);
    })
    .join()
    .unwrap();
    let report = g.check();
    assert!(report.deadlocks.is_empty(), "{report}");
}
