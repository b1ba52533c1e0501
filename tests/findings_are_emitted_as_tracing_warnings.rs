//! Findings show in the program's own tracing subscriber as `warn` events.
mod common;

use std::time::Duration;

#[test]
fn a_leak_is_a_warn_event_in_the_subscriber() {
    let (subscriber, captured) = common::warn_capture();
    let stuck = common::stuck("traced-leaker");
    tracing::subscriber::with_default(subscriber, || {
        let report = vigil::check::LeakGuard::new().grace(Duration::from_millis(20)).check();
        // The worker existed before this guard: it is no leak of it.
        assert!(report.is_empty());
        let report = vigil::check::leaks();
        assert!(report.leaks.iter().any(|l| l.worker.name.as_deref() == Some("traced-leaker")));
    });
    let text = captured.text();
    assert!(text.contains("WARN") && text.contains("traced-leaker"), "{text}");
    stuck.release();
}
