//! Findings show in the program's own tracing subscriber as `warn` events.
mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
fn a_leak_is_a_warn_event_in_the_subscriber() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let stuck = common::stuck("traced-leaker");
    tracing::subscriber::with_default(subscriber, || {
        let report = vigil::check::LeakGuard::new().grace(Duration::from_millis(20)).check();
        // The worker existed before this guard: it is no leak of it.
        assert!(report.is_empty());
        let report = vigil::check::leaks();
        assert!(report.leaks.iter().any(|l| l.worker.name.as_deref() == Some("traced-leaker")));
    });
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("WARN") && text.contains("traced-leaker"), "{text}");
    stuck.release();
}
