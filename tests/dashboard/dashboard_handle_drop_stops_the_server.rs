//! Dropping the `DashboardHandle` stops the server and joins its threads,
//! even with an event stream open; the dashboard's threads are never the
//! program's workers, so a leak guard around it all stays clean.
#![cfg(feature = "dashboard")]

use crate::common;
use crate::support;

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

/// The thread count and the leak guard see the whole process, and the other
/// tests of this binary start dashboards and workers of their own: the check
/// runs alone, in a child process.
#[test]
fn dropping_the_handle_stops_the_server_and_its_threads() {
    let out = common::run_child(module_path!(), "child_dropping_the_handle_stops_the_server", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("CHILD-OK"),
        "child failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "run in a child process by dropping_the_handle_stops_the_server_and_its_threads"]
fn child_dropping_the_handle_stops_the_server() {
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
    println!("CHILD-OK");
}

#[test]
fn shutdown_is_explicit_too() {
    let dash = vigil::dashboard::serve("127.0.0.1:0").expect("serve");
    let addr = dash.addr();
    dash.shutdown();
    assert!(std::net::TcpStream::connect(addr).is_err());
}
