//! Annotated raw memory (`race::read` / `race::write`) is checked by byte
//! range, the pointee's size: a struct and its field overlap and race, two
//! disjoint fields do not, across page boundaries too. Its reports have a
//! `RaceCell` report's shape: both sites, both threads (the test's own by
//! its name, the other with its spawn site), a `found … by <test>` header,
//! and where the memory was first annotated.

use std::sync::mpsc as std_mpsc;
use std::time::Duration;
use vigil::report::{RaceKind, Report};

/// `file:line:` of a line in this file.
fn at(line: u32) -> String {
    format!("{}:{line}:", file!())
}

/// Two fields side by side: 8 bytes, `a` at offset 0, `b` at offset 4.
#[repr(C)]
struct Pair {
    a: u32,
    b: u32,
}

/// An address only annotated, never dereferenced; `n` picks a block of its own.
fn fake(n: usize) -> usize {
    0x7100_0000_0000usize + n * 0x1_0000
}

fn pair(addr: usize) -> *const Pair {
    addr as *const Pair
}

fn field_a(addr: usize) -> *const u32 {
    addr as *const u32
}

fn field_b(addr: usize) -> *const u32 {
    (addr + 4) as *const u32
}

/// Runs `first` on a worker named `name`, then (unordered with it for
/// vigil: std's channel makes no edge) `second` on the test's thread;
/// returns the guard's report. The block at `addr` is forgotten after.
fn unordered(name: &str, addr: usize, first: fn(usize), second: impl FnOnce()) -> Report {
    let g = vigil::check::guard().grace(Duration::from_millis(200));
    let (tx, rx) = std_mpsc::channel();
    let t = vigil::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            first(addr);
            tx.send(()).unwrap();
        })
        .unwrap();
    rx.recv().unwrap();
    second();
    t.join().unwrap();
    let report = g.check();
    vigil::race::forget(addr as *const u8, 0x1_0000);
    report
}

#[test]
fn a_raw_memory_race_report_names_both_sites_both_threads_and_the_test() {
    let addr = fake(1);
    let g = vigil::check::guard().grace(Duration::from_millis(200));
    let (tx, rx) = std_mpsc::channel();
    let write_line = line!() + 6;
    let spawn_line = line!() + 3;
    let t = vigil::thread::Builder::new()
        .name("raw-shape-writer".into())
        .spawn(move || {
            let p = addr as *const u64;
            vigil::race::write(p);
            tx.send(()).unwrap();
        })
        .unwrap();
    rx.recv().unwrap();
    let read_line = line!() + 1;
    vigil::race::read(addr as *const u64);
    t.join().unwrap();
    let report = g.check();
    vigil::race::forget(addr as *const u8, 8);

    assert_eq!(report.races.len(), 1, "{report}");
    let r = &report.races[0];
    assert_eq!(r.kind, RaceKind::WriteRead);
    assert!(r.current.site.starts_with(&at(read_line)), "{r}");
    assert!(r.previous.site.starts_with(&at(write_line)), "{r}");
    assert_eq!((r.current.op, r.previous.op), ("read", "write"));
    assert_eq!(r.previous.thread.name.as_deref(), Some("raw-shape-writer"));
    let test = std::thread::current().name().expect("libtest names its threads").to_string();
    assert_eq!(r.current.thread.name.as_deref(), Some(test.as_str()), "{r}");
    assert!(r.previous.spawned_at.as_deref().is_some_and(|s| s.starts_with(&at(spawn_line))), "{r}");
    // The memory: its 8 bytes, and where they were first annotated.
    assert!(r.resource.name.starts_with(&format!("{addr:#x}..{:#x}", addr + 8)), "{r}");
    assert!(r.resource.name.contains(&format!("first annotated at {}", at(write_line))), "{r}");
    assert!(!r.current.backtrace.is_empty(), "{r}");
    let last = r.current.backtrace.last().expect("frames");
    assert!(last.contains("a_raw_memory_race_report_names_both_sites"), "{r}");

    let text = report.to_string();
    assert!(text.starts_with(&format!("vigil: found 1 data race(s) by `{test}`:")), "{text}");
    assert!(text.contains("WARNING: DATA RACE (write-read)"), "{text}");
    assert!(text.contains("Previous write at memory"), "{text}");
    assert!(text.contains("\"raw-shape-writer\" was spawned at"), "{text}");
}

#[test]
fn disjoint_fields_written_unordered_do_not_race() {
    let addr = fake(2);
    let report = unordered(
        "raw-field-a-writer",
        addr,
        |a| vigil::race::write(field_a(a)),
        || vigil::race::write(field_b(addr)),
    );
    assert!(report.races.is_empty(), "{report}");
}

#[test]
fn a_struct_write_and_an_unordered_field_write_race() {
    let addr = fake(3);
    let report = unordered(
        "raw-struct-writer",
        addr,
        |a| vigil::race::write(pair(a)),
        || vigil::race::write(field_b(addr)),
    );
    assert_eq!(report.races.len(), 1, "{report}");
    let r = &report.races[0];
    assert_eq!(r.kind, RaceKind::WriteWrite);
    assert_eq!(r.previous.thread.name.as_deref(), Some("raw-struct-writer"));
    // The field's range, and the struct's the earlier access wrote.
    let field = format!("{:#x}..{:#x}", addr + 4, addr + 8);
    let whole = format!("the earlier access: {addr:#x}..{:#x}", addr + 8);
    assert!(r.resource.name.starts_with(&field) && r.resource.name.contains(&whole), "{r}");
}

#[test]
fn a_field_write_and_an_unordered_struct_read_race() {
    let addr = fake(4);
    let report = unordered(
        "raw-field-b-writer",
        addr,
        |a| vigil::race::write(field_b(a)),
        || vigil::race::read(pair(addr)),
    );
    assert_eq!(report.races.len(), 1, "{report}");
    assert_eq!(report.races[0].kind, RaceKind::WriteRead);
}

#[test]
fn a_struct_write_joined_before_a_field_write_is_silent() {
    let g = vigil::check::guard().grace(Duration::from_millis(200));
    let addr = fake(5);
    vigil::thread::Builder::new()
        .name("raw-joined-struct-writer".into())
        .spawn(move || vigil::race::write(pair(addr)))
        .unwrap()
        .join()
        .unwrap();
    vigil::race::write(field_b(addr));
    vigil::race::read(pair(addr));
    let report = g.check();
    vigil::race::forget(addr as *const u8, 8);
    assert!(report.races.is_empty(), "{report}");
}

/// A `u64` straddling a 4 KiB page boundary: its halves are on two pages.
fn straddling(addr: usize) -> usize {
    (addr | 0xfff) + 1 - 4
}

#[test]
fn an_access_across_a_page_boundary_races_with_a_field_on_the_next_page() {
    let addr = fake(6);
    let report = unordered(
        "raw-straddle-writer",
        addr,
        |a| vigil::race::write(straddling(a) as *const u64),
        || vigil::race::read((straddling(addr) + 4) as *const u32),
    );
    assert_eq!(report.races.len(), 1, "{report}");
    assert_eq!(report.races[0].kind, RaceKind::WriteRead);
}

#[test]
fn an_access_across_a_page_boundary_and_a_disjoint_neighbour_do_not_race() {
    let addr = fake(7);
    let report = unordered(
        "raw-straddle-neighbour",
        addr,
        |a| vigil::race::write(straddling(a) as *const u64),
        || vigil::race::write((straddling(addr) + 8) as *const u32),
    );
    assert!(report.races.is_empty(), "{report}");
}

#[test]
fn a_race_found_on_a_worker_has_a_backtrace_of_the_workers_own_frames() {
    let g = vigil::check::guard().grace(Duration::from_millis(200));
    let addr = fake(8);
    // Two sibling workers: nothing orders the first's write before the
    // second's read (std's channel makes no edge), so the second finds it.
    let (tx, rx) = std_mpsc::channel();
    let writer = vigil::thread::Builder::new()
        .name("raw-backtrace-writer".into())
        .spawn(move || {
            vigil::race::write(addr as *const u64);
            tx.send(()).unwrap();
        })
        .unwrap();
    let reader = vigil::thread::Builder::new()
        .name("raw-backtrace-reader".into())
        .spawn(move || {
            rx.recv().unwrap();
            vigil::race::read(addr as *const u64);
        })
        .unwrap();
    writer.join().unwrap();
    reader.join().unwrap();
    let report = g.check();
    vigil::race::forget(addr as *const u8, 8);
    assert_eq!(report.races.len(), 1, "{report}");
    let r = &report.races[0];
    assert_eq!(r.current.thread.name.as_deref(), Some("raw-backtrace-reader"), "{r}");
    let frames = &r.current.backtrace;
    let last = frames.last().expect("a backtrace");
    // The reader's closure, and nothing of vigil's spawn machinery below it.
    assert!(last.contains("a_race_found_on_a_worker_has_a_backtrace_of_the_workers_own_frames"), "{r}");
    for f in frames {
        assert!(!f.contains("vigil_instrumented::") && !f.contains("vigil_detector::"), "{f:?} in\n{r}");
    }
}
