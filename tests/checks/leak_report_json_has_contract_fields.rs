//! The JSON of a leak report parses and carries the contract's field names.
use crate::common;

use std::time::Duration;
use vigil::check::LeakGuard;

#[test]
fn leak_json_carries_worker_state_blocked_on_spawned_at_since_ms() {
    let guard = LeakGuard::new().grace(Duration::from_millis(50));
    let stuck = common::stuck("json-leaker");
    common::wait_blocked("json-leaker");
    let report = guard.check();
    let text = serde_json::to_string(&report).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let leak = &v["leaks"][0];
    assert!(leak["worker"]["id"].is_u64(), "{leak}");
    assert_eq!(leak["worker"]["name"], "json-leaker");
    assert_eq!(leak["state"], "blocked");
    assert_eq!(leak["blocked_on"]["op"], "park");
    assert!(leak["blocked_on"]["resource"].is_null(), "park waits on no resource");
    assert!(leak["spawned_at"].as_str().unwrap().contains(file!()));
    assert!(leak["since_ms"].is_u64());
    stuck.release();

    // A running worker has `blocked_on: null`.
    let guard = LeakGuard::new().grace(Duration::from_millis(50));
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let h = vigil::thread::spawn(move || rx.recv().unwrap_or(()));
    let v = serde_json::to_value(guard.check()).unwrap();
    assert_eq!(v["leaks"][0]["state"], "running");
    assert!(v["leaks"][0]["blocked_on"].is_null());
    assert!(v["leaks"][0]["worker"]["name"].is_null());
    drop(tx);
    h.join().unwrap();
}
