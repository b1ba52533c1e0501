//! Every dashboard route answers with its status, content type and JSON
//! shape; unknown routes, wrong methods and bad parameters get JSON errors.
#![cfg(feature = "dashboard")]

use crate::common;
use crate::support;

use support::{fake, get, request};
use vigil::report::{LockStats, ResourceKind, ResourceStats};

fn serve() -> vigil::dashboard::DashboardHandle {
    vigil::dashboard::Builder::new().no_token().serve("127.0.0.1:0").expect("serve")
}

#[test]
fn page_and_assets_are_served_with_their_content_types() {
    let dash = serve();
    let page = get(dash.addr(), "/");
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    assert!(page.body.contains("<title>vigil dashboard</title>"));
    assert!(page.header("content-security-policy").unwrap().contains("script-src 'self'"));
    let js = get(dash.addr(), "/assets/app.js");
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").unwrap().starts_with("text/javascript"));
    assert!(!js.body.contains("innerHTML ="), "the page script must never assign innerHTML");
    let css = get(dash.addr(), "/assets/style.css");
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
}

#[test]
fn snapshot_has_the_snapshot_shape_and_pages() {
    let dash = serve();
    let stuck = common::stuck("routes-blocked-worker");
    common::wait_blocked("routes-blocked-worker");
    let lock = fake(
        ResourceKind::Mutex,
        "routes-lock",
        ResourceStats::Lock(Box::new(LockStats { waiters: 2, starving: true, ..LockStats::default() })),
    );

    let r = get(dash.addr(), "/api/snapshot");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let j = r.json();
    for key in ["time_ms", "uptime_ms", "counts", "workers", "finished", "resources", "page"] {
        assert!(j.get(key).is_some(), "missing {key}: {j}");
    }
    for key in [
        "workers",
        "running",
        "blocked",
        "resources",
        "deadlocks",
        "races",
        "dropped_events",
        "last_event_seq",
    ] {
        assert!(j["counts"][key].is_number(), "counts.{key}: {j}");
    }
    let w = j["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "routes-blocked-worker")
        .expect("worker");
    assert_eq!(w["state"], "blocked");
    assert_eq!(w["blocked_on"]["op"], "park");
    assert!(w["spawned_at"].as_str().unwrap().contains("dashboard_routes_answer_with_documented_json.rs"));
    let l = j["resources"].as_array().unwrap().iter().find(|r| r["name"] == "routes-lock").expect("lock");
    assert_eq!(l["kind"], "mutex");
    assert_eq!(l["stats"]["waiters"], 2);
    assert_eq!(l["stats"]["starving"], true);

    // Filters and paging.
    let b = get(dash.addr(), "/api/snapshot?state=blocked&name=ROUTES-blocked&limit=5").json();
    let names: Vec<&str> =
        b["workers"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["routes-blocked-worker"]);
    assert_eq!(b["page"]["workers_total"], 1);
    assert_eq!(b["page"]["limit"], 5);
    let none = get(dash.addr(), "/api/snapshot?state=blocked&name=routes-blocked&offset=1").json();
    assert_eq!(none["workers"].as_array().unwrap().len(), 0);
    assert_eq!(none["page"]["workers_total"], 1);
    let locks = get(dash.addr(), "/api/snapshot?kind=lock&resources_sort=busy&resources_limit=1").json();
    assert_eq!(locks["resources"].as_array().unwrap().len(), 1);
    assert!(locks["resources"][0]["kind"] == "mutex" || locks["resources"][0]["kind"] == "rw_lock");
    let chans = get(dash.addr(), "/api/snapshot?kind=channel").json();
    assert!(chans["resources"].as_array().unwrap().iter().all(|r| r["kind"] == "channel"));

    drop(lock);
    stuck.release();
}

#[test]
fn blocked_workers_come_first_longest_blocked_first() {
    let dash = serve();
    let first = common::stuck("order-first");
    common::wait_blocked("order-first");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let second = common::stuck("order-second");
    common::wait_blocked("order-second");
    let j = get(dash.addr(), "/api/snapshot?name=order-").json();
    let names: Vec<&str> =
        j["workers"].as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["order-first", "order-second"]);
    let ws = j["workers"].as_array().unwrap();
    assert!(ws[0]["blocked_on"]["since_ms"].as_u64() >= ws[1]["blocked_on"]["since_ms"].as_u64());
    first.release();
    second.release();
}

#[test]
fn report_lists_suspected_leaks_deadlocks_and_races() {
    let dash = serve();
    let stuck = common::stuck("report-leaky-worker");
    common::wait_blocked("report-leaky-worker");
    let r = get(dash.addr(), "/api/report?grace_ms=0");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let j = r.json();
    for key in ["leaks", "deadlocks", "races", "resources"] {
        assert!(j[key].is_array(), "{key}: {j}");
    }
    assert!(j["dropped_events"].is_number());
    let leak = j["leaks"].as_array().unwrap().iter().find(|l| l["worker"]["name"] == "report-leaky-worker");
    let leak = leak.expect("the blocked worker is a suspected leak with a zero grace");
    assert_eq!(leak["state"], "blocked");
    assert_eq!(leak["blocked_on"]["op"], "park");
    assert!(leak["spawned_at"].is_string() && leak["since_ms"].is_number());
    // With the default grace (1 s) a worker blocked for a moment is not yet suspected.
    let later = get(dash.addr(), "/api/report?grace_ms=3600000").json();
    assert!(later["leaks"].as_array().unwrap().iter().all(|l| l["worker"]["name"] != "report-leaky-worker"));
    stuck.release();
}

#[test]
fn metrics_are_prometheus_text() {
    let dash = serve();
    let r = get(dash.addr(), "/metrics");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    assert!(r.body.contains("# TYPE vigil_workers gauge"));
}

#[test]
fn events_are_an_event_stream() {
    let dash = serve();
    let mut s = support::SseClient::connect(dash.addr(), "/api/events");
    let hello = s.next().expect("hello");
    assert_eq!(hello.event.as_deref(), Some("hello"));
    let j: serde_json::Value = serde_json::from_str(&hello.data).unwrap();
    assert!(j["last_event_seq"].is_number() && j["dropped_events"].is_number());
    let head = support::open_stream(dash.addr(), "/api/events");
    drop(head);
    let raw = request(dash.addr(), "GET", "/api/events?after=nope", &[]);
    assert_eq!(raw.status, 400);
}

#[test]
fn errors_are_json() {
    let dash = serve();
    for (path, status) in [
        ("/nope", 404),
        ("/api/nope", 404),
        ("/api/snapshot?state=sleeping", 400),
        ("/api/snapshot?limit=0", 400),
        ("/api/snapshot?limit=abc", 400),
        ("/api/snapshot?limit=100001", 400),
        ("/api/snapshot?kind=spaceship", 400),
        ("/api/snapshot?bogus=1", 400),
        ("/api/report?grace_ms=-1", 400),
        ("/api/events?bogus=1", 400),
    ] {
        let r = get(dash.addr(), path);
        assert_eq!(r.status, status, "{path}: {}", r.body);
        assert_eq!(r.header("content-type"), Some("application/json"), "{path}");
        let j = r.json();
        assert!(j["error"].as_str().is_some_and(|e| !e.is_empty()), "{path}: {j}");
        assert_eq!(j["status"], status);
    }
    let post = request(dash.addr(), "POST", "/api/snapshot", &[]);
    assert_eq!(post.status, 405);
    assert_eq!(post.json()["status"], 405);
}
