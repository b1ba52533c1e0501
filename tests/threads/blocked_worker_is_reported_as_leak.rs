//! A worker blocked forever at the end of a guarded test is reported with its
//! name, state, what it waits in and its spawn site; a joined one is not.
use crate::common;

use std::time::Duration;
use vigil::check::LeakGuard;
use vigil::report::{Op, WorkerState};

#[test]
fn parked_worker_is_reported_with_name_state_and_site() {
    let guard = LeakGuard::new().grace(Duration::from_millis(100));
    let spawn_line = line!() + 1;
    let stuck = common::stuck("fetcher");
    common::wait_blocked("fetcher");

    let report = guard.check();
    assert_eq!(report.len(), 1, "{report}");
    let leak = &report.leaks[0];
    assert_eq!(leak.worker.name.as_deref(), Some("fetcher"));
    assert_eq!(leak.state, WorkerState::Blocked);
    assert_eq!(leak.blocked_on.as_ref().map(|b| b.op), Some(Op::Park));
    assert!(leak.spawned_at.contains(&format!("{}:{spawn_line}:", file!())), "{}", leak.spawned_at);
    // The spawn backtrace is the user's frames, down to the test and no
    // further (not the harness's `FnOnce` shims below it).
    let last = leak.backtrace.last().expect("a spawn backtrace");
    assert!(last.contains("parked_worker_is_reported_with_name_state_and_site"), "{:#?}", leak.backtrace);
    assert!(!leak.backtrace.iter().any(|f| f.contains("FnOnce")), "{:#?}", leak.backtrace);
    let text = report.to_string();
    assert!(text.contains("\"fetcher\"") && text.contains("blocked") && text.contains("park"), "{text}");
    assert!(text.contains(&format!("{}:{spawn_line}", file!())), "{text}");
    assert_eq!(report.guard.as_deref(), std::thread::current().name());

    stuck.release();
}

#[test]
fn worker_waiting_on_an_idle_std_channel_is_reported_as_running() {
    let guard = LeakGuard::new().grace(Duration::from_millis(100));
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let h = vigil::thread::Builder::new()
        .name("idle-receiver".into())
        .spawn(move || {
            let _ = rx.recv();
        })
        .unwrap();
    let report = guard.check();
    assert_eq!(report.len(), 1, "{report}");
    assert_eq!(report.leaks[0].worker.name.as_deref(), Some("idle-receiver"));
    // A plain std channel is not instrumented: the worker is alive, not known blocked.
    assert_eq!(report.leaks[0].state, WorkerState::Running);
    drop(tx);
    h.join().unwrap();
}

#[test]
fn joined_worker_is_not_a_leak() {
    let guard = LeakGuard::new().grace(Duration::from_millis(100));
    let h = vigil::thread::Builder::new().name("joined".into()).spawn(|| 1 + 1).unwrap();
    assert_eq!(h.join().unwrap(), 2);
    let report = guard.check();
    assert!(report.is_empty(), "{report}");
}
