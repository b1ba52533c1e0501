//! Findings show in the program's own tracing subscriber as `warn` events.
use crate::common;

use std::time::Duration;

#[test]
#[ignore = "run in a child process by a_leak_is_a_warn_event_in_the_subscriber"]
fn child_a_leak_is_a_warn_event_in_the_subscriber() {
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
    println!("CHILD-OK");
}

/// Alone in its own process: tracing-core caches a callsite's interest per process, and with only
/// scoped (`with_default`) subscribers a callsite first hit by another test's thread is cached
/// as uninteresting, so this test's capture would miss the warning.
#[test]
fn a_leak_is_a_warn_event_in_the_subscriber() {
    let out = common::run_child(module_path!(), "child_a_leak_is_a_warn_event_in_the_subscriber", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("CHILD-OK"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
