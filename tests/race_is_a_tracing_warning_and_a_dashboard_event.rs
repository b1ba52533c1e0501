//! A race found by the checker is also a `warn` event in the program's own
//! tracing subscriber and an event of kind `race` in the dashboard's ring.

use std::io::Write;
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use vigil::race::RaceCell;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_race_is_a_warn_event_and_a_ring_event() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
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

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("WARN") && text.contains("DATA RACE") && text.contains("traced-racer"), "{text}");

    let events = vigil_detector::events_since(before, 10_000).events;
    let race = events.iter().find(|e| e.kind == vigil::report::EventKind::Race);
    let race = race.expect("no race event in the ring");
    assert!(race.message.contains("traced-racer"), "{}", race.message);
    assert_eq!(race.resource.as_ref().map(|r| r.kind), Some(vigil::report::ResourceKind::Memory));
}
