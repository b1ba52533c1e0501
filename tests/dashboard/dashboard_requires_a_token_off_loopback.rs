//! Off loopback the dashboard refuses to start without a token, and with one
//! every route answers 401 JSON unless the request carries it (header,
//! `?token=`, or the cookie a `?token=` answer sets).
#![cfg(feature = "dashboard")]

use crate::common;
use crate::support;

use std::net::SocketAddr;
use support::{get, get_with};

const ROUTES: &[&str] =
    &["/", "/assets/app.js", "/api/snapshot", "/api/report", "/api/events", "/metrics", "/nope"];

fn loopback(dash: &vigil::dashboard::DashboardHandle) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], dash.addr().port()))
}

fn assert_unauthorized(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) {
    let r = get_with(addr, path, headers);
    assert_eq!(r.status, 401, "{path} {headers:?}: {}", r.body);
    assert_eq!(r.header("content-type"), Some("application/json"), "{path}");
    assert_eq!(r.json()["status"], 401);
    assert!(r.json()["error"].as_str().unwrap().contains("token"));
}

#[test]
fn refuses_a_non_loopback_address_without_a_token() {
    let err = vigil::dashboard::Builder::new().no_token().serve("0.0.0.0:0").expect_err("must refuse");
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
    assert!(err.to_string().contains("VIGIL_DASHBOARD_TOKEN"), "{err}");
    // Loopback needs none.
    let dash = vigil::dashboard::Builder::new().no_token().serve("127.0.0.1:0").expect("loopback");
    assert_eq!(get(dash.addr(), "/api/snapshot").status, 200);
}

#[test]
fn every_route_requires_the_token() {
    let dash = vigil::dashboard::Builder::new()
        .token("s3cret-token")
        .serve("0.0.0.0:0")
        .expect("serve with a token");
    assert!(dash.addr().ip().is_unspecified());
    let addr = loopback(&dash);
    for path in ROUTES {
        assert_unauthorized(addr, path, &[]);
        assert_unauthorized(addr, path, &[("Authorization", "Bearer wrong")]);
        assert_unauthorized(addr, path, &[("Authorization", "Basic s3cret-token")]);
        assert_unauthorized(addr, path, &[("Cookie", "vigil_token=nope")]);
    }
    assert_unauthorized(addr, "/api/snapshot?token=wrong", &[]);
    let bearer = [("Authorization", "Bearer s3cret-token")];
    for path in ["/", "/assets/app.js", "/api/snapshot", "/api/report", "/metrics"] {
        assert_eq!(get_with(addr, path, &bearer).status, 200, "{path}");
    }
    assert_eq!(get_with(addr, "/nope", &bearer).status, 404);

    // A person opens the page with ?token=; the cookie it gets carries the page's own requests.
    let page = get(addr, "/?token=s3cret-token");
    assert_eq!(page.status, 200);
    let cookie = page.header("set-cookie").expect("a cookie").to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_string();
    assert_eq!(get_with(addr, "/api/snapshot", &[("Cookie", &pair)]).status, 200);
    let mut events = support::SseClient::connect(addr, "/api/events?token=s3cret-token");
    assert_eq!(events.next().expect("hello").event.as_deref(), Some("hello"));
}

#[test]
#[ignore = "run by serve_from_env_reads_the_environment in a child process"]
fn child_serve_from_env() {
    let expect = std::env::var("EXPECT").unwrap();
    match (expect.as_str(), vigil::dashboard::serve_from_env()) {
        ("none", Ok(None)) => {}
        ("refused", Err(e)) => assert!(e.to_string().contains("VIGIL_DASHBOARD_TOKEN"), "{e}"),
        ("served", Ok(Some(dash))) => {
            let addr = loopback(&dash);
            assert_unauthorized(addr, "/api/snapshot", &[]);
            assert_eq!(get_with(addr, "/api/snapshot", &[("Authorization", "Bearer env-token")]).status, 200);
            println!("CHILD OK served on {}", dash.addr());
        }
        (e, got) => panic!("expected {e}, got {got:?}"),
    }
    println!("CHILD DONE");
}

#[test]
fn serve_from_env_reads_the_environment() {
    for (envs, expect) in [
        (vec![], "none"),
        (vec![("VIGIL_DASHBOARD", "0.0.0.0:0")], "refused"),
        (vec![("VIGIL_DASHBOARD", "0.0.0.0:0"), ("VIGIL_DASHBOARD_TOKEN", "env-token")], "served"),
    ] {
        let mut envs = envs;
        envs.push(("EXPECT", expect));
        let out = common::run_child(module_path!(), "child_serve_from_env", &envs);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("CHILD DONE"),
            "{expect}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
