//! A worker waiting in `select!` is blocked in `select` on every channel of
//! its cases (the leak report lists them all); one that completes is silent.
use crate::common;

use std::time::Duration;
use vigil::channel::{bounded_named, never, unbounded_named};
use vigil::check::LeakGuard;
use vigil::report::Op;

#[test]
fn select_waiting_on_two_channels_reports_both() {
    let guard = LeakGuard::new().grace(Duration::from_millis(150));
    let (tx_a, rx_a) = unbounded_named::<u32>("alpha");
    let (tx_b, rx_b) = bounded_named::<u32>("beta", 0);
    let select_line = line!() + 4;
    let worker = vigil::thread::Builder::new()
        .name("selector".into())
        .spawn(move || {
            vigil::select! {
                recv(rx_a) -> msg => msg.unwrap_or(0),
                recv(&rx_b) -> msg => msg.unwrap_or(0) + 100,
            }
        })
        .unwrap();
    common::wait_blocked("selector");

    let report = guard.check();
    assert_eq!(report.len(), 1, "{report}");
    let blocked = report.leaks[0].blocked_on.as_ref().expect("blocked_on");
    assert_eq!(blocked.op, Op::Select);
    let names: Vec<&str> = blocked.resources.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["alpha", "beta"]);
    assert!(blocked.site.starts_with(&format!("{}:{select_line}:", file!())), "{}", blocked.site);
    let text = report.to_string();
    assert!(text.contains("in select on channel `alpha`") && text.contains("channel `beta`"), "{text}");

    tx_b.send(1).unwrap();
    assert_eq!(worker.join().unwrap(), 101);
    drop(tx_a);
}

#[test]
fn select_that_completes_is_silent() {
    let guard = LeakGuard::new().grace(Duration::from_millis(150));
    let (tx_a, rx_a) = unbounded_named::<u32>("alpha");
    let (_tx_b, rx_b) = bounded_named::<u32>("beta", 0);
    let worker = vigil::thread::Builder::new()
        .name("selector".into())
        .spawn(move || {
            vigil::select! {
                recv(rx_a) -> msg => msg.unwrap_or(0),
                recv(rx_b) -> msg => msg.unwrap_or(0) + 100,
            }
        })
        .unwrap();
    tx_a.send(5).unwrap();
    let report = guard.check();
    assert!(report.is_empty(), "{report}");
    assert_eq!(worker.join().unwrap(), 5);
}

#[test]
fn select_with_a_timeout_branch_times_out() {
    let (_tx, rx) = unbounded_named::<u32>("quiet");
    let r = vigil::select! {
        recv(rx) -> _ => "message",
        default(Duration::from_millis(20)) => "timeout",
    };
    assert_eq!(r, "timeout");

    let r = vigil::select! {
        recv(rx) -> _ => "message",
        recv(vigil::channel::after(Duration::from_millis(20))) -> _ => "after",
        recv(never::<()>()) -> _ => "never",
    };
    assert_eq!(r, "after");
}

#[test]
fn select_with_default_does_not_block() {
    let (tx, rx) = vigil::channel::bounded::<u32>(0);
    let r = vigil::select! {
        send(tx, 1) -> _ => "sent",
        recv(rx) -> _ => "received",
        default => "nothing ready",
    };
    assert_eq!(r, "nothing ready");
}

#[test]
fn select_send_case_completes_a_rendezvous() {
    let (tx, rx) = vigil::channel::bounded::<u32>(0);
    let h = vigil::thread::spawn(move || rx.recv().unwrap());
    let mut evaluated = 0;
    vigil::select! {
        send(tx, { evaluated += 1; 9 }) -> res => res.unwrap(),
        recv(never::<u32>()) -> _ => unreachable!(),
    }
    assert_eq!(evaluated, 1);
    assert_eq!(h.join().unwrap(), 9);
}

#[test]
fn select_waiting_on_a_timer_reports_it() {
    let guard = LeakGuard::new().grace(Duration::from_millis(150));
    let (tx, rx) = unbounded_named::<()>("stop");
    let worker = vigil::thread::Builder::new()
        .name("ticker".into())
        .spawn(move || loop {
            vigil::select! {
                recv(rx) -> _ => break,
                recv(never::<()>()) -> _ => {}
            }
        })
        .unwrap();
    common::wait_blocked("ticker");
    let report = guard.check();
    assert_eq!(report.len(), 1, "{report}");
    let blocked = report.leaks[0].blocked_on.as_ref().expect("blocked_on");
    assert_eq!(blocked.resources.len(), 2);
    assert_eq!(blocked.resources[0].name, "stop");
    tx.send(()).unwrap();
    worker.join().unwrap();
}
