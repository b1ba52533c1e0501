//! `race::read` / `race::write` annotations on raw memory shared by
//! `unsafe` code, and `race::forget` for freed memory.

use std::sync::mpsc as std_mpsc;
use std::time::Duration;
use vigil::report::RaceKind;

fn guard() -> vigil::check::Guard {
    vigil::check::guard().grace(Duration::from_millis(200))
}

/// An address that is only annotated, never dereferenced.
fn fake_addr(n: usize) -> *const u64 {
    (0x7000_0000_0000usize + n * 64) as *const u64
}

struct SendPtr(*const u64);
// SAFETY: the pointer is only used as an address for annotations, never dereferenced.
unsafe impl Send for SendPtr {}

#[test]
fn unordered_annotated_writes_race() {
    let g = guard();
    let addr = fake_addr(1);
    let (tx, rx) = std_mpsc::channel();
    let p = SendPtr(addr);
    let t = vigil::thread::spawn(move || {
        let p = p;
        vigil::race::write(p.0);
        tx.send(()).unwrap();
    });
    rx.recv().unwrap();
    vigil::race::read(addr);
    t.join().unwrap();
    let report = g.check();
    assert_eq!(report.races.len(), 1, "{report}");
    assert_eq!(report.races[0].kind, RaceKind::WriteRead);
    assert!(report.races[0].resource.name.starts_with("0x"));
    vigil::race::forget(addr, 8);
}

#[test]
fn joined_annotated_writes_are_silent() {
    let g = guard();
    let addr = fake_addr(2);
    let p = SendPtr(addr);
    vigil::thread::spawn(move || {
        let p = p;
        vigil::race::write(p.0);
    })
    .join()
    .unwrap();
    vigil::race::write(addr);
    let report = g.check();
    assert!(report.races.is_empty(), "{report}");
    vigil::race::forget(addr, 8);
}

#[test]
fn forgotten_memory_does_not_report_stale_races() {
    let g = guard();
    let addr = fake_addr(3);
    let (tx, rx) = std_mpsc::channel();
    let p = SendPtr(addr);
    let t = vigil::thread::spawn(move || {
        let p = p;
        vigil::race::write(p.0);
        // The block is freed (ordered by the allocator, unseen by vigil).
        vigil::race::forget(p.0, 64);
        tx.send(()).unwrap();
    });
    rx.recv().unwrap();
    vigil::race::write(addr); // a new allocation at the same address
    t.join().unwrap();
    let report = g.check();
    assert!(report.races.is_empty(), "{report}");
    vigil::race::forget(addr, 8);
}

#[test]
fn real_unsafe_sharing_is_annotated_end_to_end() {
    struct Shared(std::cell::UnsafeCell<u64>);
    // SAFETY: accesses are ordered by the join below (the test checks vigil sees that).
    unsafe impl Sync for Shared {}
    let g = guard();
    let shared = std::sync::Arc::new(Shared(std::cell::UnsafeCell::new(0)));
    let s = shared.clone();
    vigil::thread::spawn(move || {
        vigil::race::write(s.0.get());
        // SAFETY: the only access until the join below.
        unsafe { *s.0.get() = 5 };
    })
    .join()
    .unwrap();
    vigil::race::read(shared.0.get());
    // SAFETY: the writer was joined.
    assert_eq!(unsafe { *shared.0.get() }, 5);
    vigil::race::forget(shared.0.get(), 8);
    assert!(g.check().races.is_empty());
}
