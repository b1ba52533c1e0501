//! Scoped threads, nested spawns (parent recorded), panicking threads (state
//! panicked, message kept, no leak once finished) and `Builder::name`.
use crate::common;

use std::time::Duration;
use vigil::check::LeakGuard;
use vigil::report::WorkerState;

#[test]
fn nested_spawn_records_its_parent_and_is_charged_to_the_guard() {
    let guard = LeakGuard::new().grace(Duration::from_millis(100));
    let (tx, rx) = std::sync::mpsc::channel();
    let outer = vigil::thread::Builder::new()
        .name("outer".into())
        .spawn(move || {
            let inner = common::stuck("inner");
            tx.send(()).unwrap();
            inner
        })
        .unwrap();
    rx.recv().unwrap();
    let inner = outer.join().unwrap();
    let report = guard.check();
    assert_eq!(report.len(), 1, "{report}");
    let leak = &report.leaks[0];
    assert_eq!(leak.worker.name.as_deref(), Some("inner"));
    assert_eq!(leak.parent.as_ref().and_then(|p| p.name.as_deref()), Some("outer"));
    assert!(report.to_string().contains("by worker"), "{report}");
    inner.release();
}

#[test]
fn scoped_threads_are_tracked_workers() {
    let guard = LeakGuard::new().grace(Duration::from_millis(100));
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let mut seen_blocked = false;
    vigil::thread::scope(|s| {
        let h = vigil::thread::Builder::new()
            .name("scoped-parker".into())
            .spawn_scoped(s, move || {
                rx.recv().unwrap();
                5
            })
            .unwrap();
        s.spawn(|| {
            assert!(common::eventually(|| {
                common::worker_named(&vigil::check::snapshot(), "scoped-parker").is_some()
            }));
            seen_blocked = true;
            tx.send(()).unwrap();
        });
        assert_eq!(h.join().unwrap(), 5);
    });
    assert!(seen_blocked);
    assert!(guard.check().is_empty());
}

#[test]
fn panicking_worker_keeps_its_message_and_is_no_leak_once_finished() {
    let guard = LeakGuard::new().grace(Duration::from_millis(100));
    let h = vigil::thread::Builder::new().name("doomed".into()).spawn(|| panic!("disk on fire")).unwrap();
    let err = h.join().unwrap_err();
    assert_eq!(err.downcast_ref::<&str>(), Some(&"disk on fire"), "join returns std's payload");
    let snap = vigil::check::snapshot();
    let w = common::worker_named(&snap, "doomed").expect("recently finished worker in snapshot");
    assert_eq!(w.state, WorkerState::Panicked);
    assert_eq!(w.panic.as_deref(), Some("disk on fire"));
    assert!(guard.check().is_empty());
}

#[test]
fn builder_name_appears_in_the_report_and_thread() {
    let guard = LeakGuard::new().grace(Duration::from_millis(50));
    let stuck = common::stuck("named-by-builder");
    let report = guard.check();
    assert!(report.to_string().contains("\"named-by-builder\""), "{report}");
    stuck.release();
}

#[test]
fn ignore_filters_skip_matching_workers_only() {
    let guard = LeakGuard::new().grace(Duration::from_millis(50)).ignore_name("background-");
    let bg = common::stuck("background-flusher");
    let fg = common::stuck("foreground");
    let report = guard.check();
    assert_eq!(report.len(), 1, "{report}");
    assert_eq!(report.leaks[0].worker.name.as_deref(), Some("foreground"));
    bg.release();
    fg.release();

    let guard = LeakGuard::new().grace(Duration::from_millis(50)).ignore_site(file!());
    let s = common::stuck("ignored-by-site");
    assert!(guard.check().is_empty());
    s.release();
}

#[test]
fn ignore_current_skips_children_of_workers_alive_at_creation() {
    // A worker alive before the guard spawns a child during the guard's life.
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let (child_tx, child_rx) = std::sync::mpsc::channel();
    let pre = vigil::thread::Builder::new()
        .name("pre-existing".into())
        .spawn(move || {
            go_rx.recv().unwrap();
            child_tx.send(common::stuck("child-of-pre")).unwrap();
        })
        .unwrap();

    let plain = LeakGuard::new().grace(Duration::from_millis(50));
    let ignoring = LeakGuard::new().grace(Duration::from_millis(50)).ignore_current();
    go_tx.send(()).unwrap();
    let child = child_rx.recv().unwrap();
    pre.join().unwrap();
    assert_eq!(plain.check().len(), 1);
    assert!(ignoring.check().is_empty());
    child.release();
}
