//! A race found by the checker is also a `warn` event in the program's own
//! tracing subscriber and an event of kind `race` in the dashboard's ring.
use crate::common;

use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use vigil::race::RaceCell;

#[test]
#[ignore = "run in a child process by a_race_is_a_warn_event_and_a_ring_event"]
fn child_a_race_is_a_warn_event_and_a_ring_event() {
    let (subscriber, captured) = common::warn_capture();
    let before = vigil_detector::last_event_seq();
    let cell = Arc::new(RaceCell::new(0u32));
    let (tx, rx) = std_mpsc::channel::<()>();
    let c = cell.clone();
    let t = vigil::thread::Builder::new()
        .name("traced-racer".into())
        .spawn(move || {
            c.set(1);
            tx.send(()).unwrap();
        })
        .unwrap();
    rx.recv().unwrap();
    tracing::subscriber::with_default(subscriber, || cell.set(2));
    t.join().unwrap();

    let text = captured.text();
    assert!(text.contains("WARN") && text.contains("DATA RACE") && text.contains("traced-racer"), "{text}");

    let events = vigil_detector::events_since(before, 10_000).events;
    let race = events.iter().find(|e| e.kind == vigil::report::EventKind::Race);
    let race = race.expect("no race event in the ring");
    assert!(race.message.contains("traced-racer"), "{}", race.message);
    assert_eq!(race.resource.as_ref().map(|r| r.kind), Some(vigil::report::ResourceKind::Memory));
    println!("CHILD-OK");
}

/// Alone in its own process: tracing-core caches a callsite's interest per process, and with only
/// scoped (`with_default`) subscribers a callsite first hit by another test's thread is cached
/// as uninteresting, so this test's capture would miss the warning.
#[test]
fn a_race_is_a_warn_event_and_a_ring_event() {
    let out = common::run_child(module_path!(), "child_a_race_is_a_warn_event_and_a_ring_event", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("CHILD-OK"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
