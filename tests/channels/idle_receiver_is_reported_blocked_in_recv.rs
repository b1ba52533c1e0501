//! A receiver waiting on a channel whose senders are alive but idle is a leak
//! blocked in `recv`; once the last sender is dropped it ends and is silent.
use crate::common;

use std::time::Duration;
use vigil::check::LeakGuard;
use vigil::report::Op;

#[test]
fn receiver_waiting_on_idle_senders_is_reported() {
    let guard = LeakGuard::new().grace(Duration::from_millis(150));
    let (tx, rx) = vigil::channel::unbounded_named::<u32>("jobs");
    let recv_line = line!() + 4;
    let worker = vigil::thread::Builder::new()
        .name("consumer".into())
        .spawn(move || {
            let jobs = rx.iter();
            jobs.count()
        })
        .unwrap();
    common::wait_blocked("consumer");

    let report = guard.check();
    assert_eq!(report.len(), 1, "{report}");
    let blocked = report.leaks[0].blocked_on.as_ref().expect("blocked_on");
    assert_eq!(blocked.op, Op::Recv);
    assert_eq!(blocked.resource.as_ref().map(|r| r.name.as_str()), Some("jobs"));
    assert!(blocked.site.starts_with(&format!("{}:{recv_line}:", file!())), "{}", blocked.site);
    assert!(
        blocked.summary.contains("1 receiving") && blocked.summary.contains("1 sender alive"),
        "{}",
        blocked.summary
    );

    drop(tx);
    worker.join().unwrap();
}

#[test]
fn receiver_is_silent_once_the_last_sender_is_dropped() {
    let guard = LeakGuard::new().grace(Duration::from_millis(150));
    let (tx, rx) = vigil::channel::unbounded_named::<u32>("jobs");
    let tx2 = tx.clone();
    let worker =
        vigil::thread::Builder::new().name("consumer".into()).spawn(move || rx.iter().count()).unwrap();
    common::wait_blocked("consumer");
    tx.send(1).unwrap();
    drop(tx);
    drop(tx2);
    let report = guard.check();
    assert!(report.is_empty(), "{report}");
    assert_eq!(worker.join().unwrap(), 1);
}

#[test]
fn std_receiver_waiting_on_idle_senders_is_reported() {
    let guard = LeakGuard::new().grace(Duration::from_millis(150));
    let (tx, rx) = vigil::sync::mpsc::channel_named::<u32>("std-jobs");
    let recv_line = line!() + 4;
    let worker = vigil::thread::Builder::new()
        .name("std-consumer".into())
        .spawn(move || {
            let _ = rx.recv();
        })
        .unwrap();
    common::wait_blocked("std-consumer");
    let report = guard.check();
    assert_eq!(report.len(), 1, "{report}");
    let blocked = report.leaks[0].blocked_on.as_ref().expect("blocked_on");
    assert_eq!(blocked.op, Op::Recv);
    assert_eq!(blocked.resource.as_ref().map(|r| r.name.as_str()), Some("std-jobs"));
    assert!(blocked.site.starts_with(&format!("{}:{recv_line}:", file!())), "{}", blocked.site);
    drop(tx);
    worker.join().unwrap();
}

#[test]
fn std_receiver_is_silent_once_the_last_sender_is_dropped() {
    let guard = LeakGuard::new().grace(Duration::from_millis(150));
    let (tx, rx) = vigil::sync::mpsc::channel_named::<u32>("std-jobs");
    let worker =
        vigil::thread::Builder::new().name("std-consumer".into()).spawn(move || rx.iter().count()).unwrap();
    common::wait_blocked("std-consumer");
    drop(tx);
    let report = guard.check();
    assert!(report.is_empty(), "{report}");
    assert_eq!(worker.join().unwrap(), 0);
}

#[test]
fn receiver_in_recv_timeout_is_shown_blocked_in_recv() {
    let (tx, rx) = vigil::channel::bounded_named::<u32>("timed", 1);
    let worker = vigil::thread::Builder::new()
        .name("timed-receiver".into())
        .spawn(move || rx.recv_timeout(std::time::Duration::from_secs(60)))
        .unwrap();
    common::wait_blocked("timed-receiver");
    let snap = vigil::check::snapshot();
    let blocked =
        common::worker_named(&snap, "timed-receiver").and_then(|w| w.blocked_on).expect("blocked_on");
    assert_eq!(blocked.op, Op::Recv);
    assert_eq!(blocked.resource.map(|r| r.name).as_deref(), Some("timed"));
    tx.send(3).unwrap();
    assert_eq!(worker.join().unwrap(), Ok(3));
}
