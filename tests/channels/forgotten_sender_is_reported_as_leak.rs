//! Go's forgotten sender: a worker sends on an unbuffered channel after the
//! receiving side stopped listening (but kept the receiver alive). The guard
//! reports it blocked in `send` on the named channel, at the send's site; with
//! a capacity-1 channel (Go's fix) the same program is silent.
use crate::common;

use std::sync::Arc;
use std::time::Duration;
use vigil::check::LeakGuard;
use vigil::report::{Op, WorkerState};

#[test]
fn forgotten_sender_on_a_rendezvous_channel_is_reported() {
    let guard = LeakGuard::new().grace(Duration::from_millis(150));
    let (tx, rx) = vigil::channel::bounded_named::<u32>("results", 0);
    // The caller gave up waiting (a timeout elsewhere) but keeps the receiver.
    let abandoned = Arc::new(rx);
    let send_line = line!() + 4;
    let searcher = vigil::thread::Builder::new()
        .name("searcher".into())
        .spawn(move || {
            let _ = tx.send(42);
        })
        .unwrap();
    common::wait_blocked("searcher");

    let report = guard.check();
    assert_eq!(report.len(), 1, "{report}");
    let leak = &report.leaks[0];
    assert_eq!(leak.worker.name.as_deref(), Some("searcher"));
    assert_eq!(leak.state, WorkerState::Blocked);
    let blocked = leak.blocked_on.as_ref().expect("blocked_on");
    assert_eq!(blocked.op, Op::Send);
    let resource = blocked.resource.as_ref().expect("resource");
    assert_eq!(resource.name, "results");
    assert_eq!(resource.kind.as_str(), "channel");
    assert!(blocked.site.starts_with(&format!("{}:{send_line}:", file!())), "{}", blocked.site);
    let text = report.to_string();
    assert!(
        text.contains("in send on channel `results` (bounded(0), 0/0 queued, 1 receiver alive, 0 receiving"),
        "{text}"
    );
    assert!(text.contains(&format!("{}:{send_line}", file!())), "{text}");

    // Release the leaked worker so the binary exits cleanly.
    assert_eq!(abandoned.recv(), Ok(42));
    searcher.join().unwrap();
}

#[test]
fn sender_on_a_capacity_one_channel_is_silent() {
    let guard = LeakGuard::new().grace(Duration::from_millis(150));
    let (tx, rx) = vigil::channel::bounded_named::<u32>("results", 1);
    let abandoned = Arc::new(rx);
    let searcher = vigil::thread::Builder::new()
        .name("searcher".into())
        .spawn(move || {
            let _ = tx.send(42);
        })
        .unwrap();
    let report = guard.check();
    assert!(report.is_empty(), "{report}");
    searcher.join().unwrap();
    drop(abandoned);
}

#[test]
fn forgotten_sender_on_a_std_sync_channel_is_reported() {
    let guard = LeakGuard::new().grace(Duration::from_millis(150));
    let (tx, rx) = vigil::sync::mpsc::sync_channel_named::<u32>("std-results", 0);
    let abandoned = Arc::new(std::sync::Mutex::new(rx));
    let send_line = line!() + 4;
    let searcher = vigil::thread::Builder::new()
        .name("std-searcher".into())
        .spawn(move || {
            let _ = tx.send(7);
        })
        .unwrap();
    common::wait_blocked("std-searcher");

    let report = guard.check();
    assert_eq!(report.len(), 1, "{report}");
    let blocked = report.leaks[0].blocked_on.as_ref().expect("blocked_on");
    assert_eq!(blocked.op, Op::Send);
    assert_eq!(blocked.resource.as_ref().map(|r| r.name.as_str()), Some("std-results"));
    assert!(blocked.site.starts_with(&format!("{}:{send_line}:", file!())), "{}", blocked.site);
    assert!(
        blocked.summary.starts_with("bounded(0), 0/0 queued, 1 receiver alive, 0 receiving"),
        "{}",
        blocked.summary
    );

    assert_eq!(abandoned.lock().unwrap().recv(), Ok(7));
    searcher.join().unwrap();
}

#[test]
fn sender_on_a_capacity_one_std_sync_channel_is_silent() {
    let guard = LeakGuard::new().grace(Duration::from_millis(150));
    let (tx, rx) = vigil::sync::mpsc::sync_channel_named::<u32>("std-results", 1);
    let abandoned = Arc::new(std::sync::Mutex::new(rx));
    let searcher = vigil::thread::Builder::new()
        .name("std-searcher".into())
        .spawn(move || {
            let _ = tx.send(7);
        })
        .unwrap();
    let report = guard.check();
    assert!(report.is_empty(), "{report}");
    searcher.join().unwrap();
    drop(abandoned);
}
