//! Dropping the `DashboardHandle` stops the server and joins its threads,
//! even with an event stream open; the dashboard's threads are never the
//! program's workers, so a leak guard around it all stays clean.
#![cfg(feature = "dashboard")]

mod common;
#[path = "dashboard_support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

/// Threads of this process whose name starts with `vigil-dashboard`
/// (Linux truncates thread names to 15 bytes: exactly that prefix).
fn dashboard_threads() -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0 };
    tasks
        .filter_map(|t| t.ok())
        .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
        .filter(|name| name.starts_with("vigil-dashboard"))
        .count()
}

/// Both tests start dashboards; the thread count needs them one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn dropping_the_handle_stops_the_server_and_its_threads() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let guard = vigil::check::LeakGuard::new().grace(Duration::from_millis(200));
    let before = dashboard_threads();
    let dash = vigil::dashboard::serve("127.0.0.1:0").expect("serve");
    let addr = dash.addr();
    assert!(
        common::eventually(|| dashboard_threads() >= before + 2),
        "the server and event pump threads run"
    );
    assert_eq!(support::get(addr, "/api/snapshot").status, 200);
    let mut events = support::SseClient::connect(addr, "/api/events");
    assert_eq!(events.next().expect("hello").event.as_deref(), Some("hello"));
    assert!(common::eventually(|| dash.sse_clients() == 1));

    // The dashboard is not one of the program's workers.
    let snap = vigil::check::snapshot();
    assert!(snap.workers.iter().all(|w| !w.name.as_deref().unwrap_or("").starts_with("vigil-dashboard")));

    let start = Instant::now();
    drop(dash);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(10), "shutdown took {took:?}");

    // The open stream ends, the port is closed, the threads are gone.
    let mut rest = 0;
    while events.next().is_some() {
        rest += 1;
        assert!(rest < 10_000);
    }
    assert!(std::net::TcpStream::connect(addr).is_err(), "still accepting on {addr}");
    assert!(common::eventually(|| dashboard_threads() == before), "dashboard threads left behind");
    let report = guard.check();
    assert!(report.is_empty(), "{report}");
}

#[test]
fn shutdown_is_explicit_too() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let dash = vigil::dashboard::serve("127.0.0.1:0").expect("serve");
    let addr = dash.addr();
    dash.shutdown();
    assert!(std::net::TcpStream::connect(addr).is_err());
}
