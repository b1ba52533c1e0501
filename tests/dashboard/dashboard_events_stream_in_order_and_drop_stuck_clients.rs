//! `/api/events`: a client receives the detector's events in order, each
//! with its `seq` as the SSE id; a client that never reads does not slow a
//! producer of 100,000 events and is dropped; a client that falls behind is
//! told how many events it missed.
#![cfg(feature = "dashboard")]

use crate::common;
use crate::support;

use std::io::Read;
use std::time::{Duration, Instant};
use support::SseClient;
use vigil::report::EventKind;

/// The flood tests would make the in-order client fall behind: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn emit(message: String) {
    vigil_detector::emit(EventKind::Other, None, None, None, message);
}

#[test]
fn events_arrive_in_order_with_their_seq_as_id() {
    let _serial = serial();
    let dash = vigil::dashboard::Builder::new().no_token().serve("127.0.0.1:0").unwrap();
    let mut client = SseClient::connect(dash.addr(), "/api/events");
    let hello = client.next().expect("hello");
    assert_eq!(hello.event.as_deref(), Some("hello"));
    for i in 0..300 {
        emit(format!("in-order {i}"));
    }
    let mut last_id = 0u64;
    let mut mine = Vec::new();
    while mine.len() < 300 {
        let ev = client.next().expect("the stream goes on");
        if ev.event.is_some() {
            continue; // notices (none expected here)
        }
        let id: u64 = ev.id.as_deref().expect("every event has its seq as id").parse().unwrap();
        assert!(id > last_id, "ids must increase: {id} after {last_id}");
        last_id = id;
        let json: serde_json::Value = serde_json::from_str(&ev.data).unwrap();
        assert_eq!(json["seq"].as_u64(), Some(id));
        if let Some(m) = json["message"].as_str().and_then(|m| m.strip_prefix("in-order ")) {
            mine.push(m.parse::<usize>().unwrap());
        }
    }
    assert_eq!(mine, (0..300).collect::<Vec<_>>());

    // Reconnecting with Last-Event-ID replays what is still in the ring.
    let replay = support::open_stream(dash.addr(), "/api/events?after=0");
    drop(replay);
    let mut again = SseClient::connect(dash.addr(), &format!("/api/events?after={}", last_id - 5));
    let mut ids = Vec::new();
    while ids.len() < 5 {
        let ev = again.next().expect("replay");
        if let Some(id) = ev.id {
            ids.push(id.parse::<u64>().unwrap());
        }
    }
    assert_eq!(ids, ((last_id - 4)..=last_id).collect::<Vec<_>>());
}

fn produce(n: usize) -> Duration {
    let start = Instant::now();
    for i in 0..n {
        emit(format!("load event {i} with a little padding to look like a real message"));
    }
    start.elapsed()
}

#[test]
fn a_client_that_never_reads_does_not_slow_the_producer_and_is_dropped() {
    let _serial = serial();
    let dash = vigil::dashboard::Builder::new()
        .no_token()
        // Larger than one pump batch: the socket buffers fill first (the
        // connection's writes stall), then this buffer.
        .sse_buffer(2_000)
        .stall_timeout(Duration::from_secs(1))
        .serve("127.0.0.1:0")
        .unwrap();
    let baseline = produce(100_000);
    let mut stuck = support::open_stream(dash.addr(), "/api/events");
    assert!(common::eventually(|| dash.sse_clients() == 1));
    let with_stuck = produce(100_000);
    println!("100k events: {baseline:?} without a client, {with_stuck:?} with a client that never reads");
    assert!(with_stuck < Duration::from_secs(20), "the producer was slowed to {with_stuck:?}");

    // The stuck client is dropped once the socket buffers and its own buffer
    // are full (how many events that takes depends on the kernel): removed
    // from the fan-out, then its connection is closed when its writes stall.
    let start = Instant::now();
    while dash.lagged_clients() == 0 && start.elapsed() < Duration::from_secs(120) {
        produce(10_000);
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(dash.lagged_clients() >= 1, "the stuck client was never dropped");
    assert!(common::eventually(|| dash.sse_clients() == 0), "the stuck connection was never closed");
    stuck.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut sink = vec![0u8; 1 << 16];
    let closed = loop {
        match stuck.read(&mut sink) {
            Ok(0) => break true,
            Ok(_) => continue,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                break false
            }
            Err(_) => break true, // reset by the server
        }
    };
    assert!(closed, "the server never closed the stuck connection");
}

#[test]
fn a_client_that_falls_behind_is_told_how_many_it_missed() {
    let _serial = serial();
    let dash = vigil::dashboard::Builder::new()
        .no_token()
        .sse_buffer(16)
        .stall_timeout(Duration::from_secs(120))
        .serve("127.0.0.1:0")
        .unwrap();
    let mut client = SseClient::connect(dash.addr(), "/api/events");
    assert_eq!(client.next().expect("hello").event.as_deref(), Some("hello"));
    // Not reading while events pour in: socket buffers fill, then its buffer.
    let start = Instant::now();
    while dash.lagged_clients() == 0 && start.elapsed() < Duration::from_secs(60) {
        produce(10_000);
    }
    assert_eq!(dash.lagged_clients(), 1, "the client never fell behind");
    let mut last = None;
    while let Some(ev) = client.next() {
        last = Some(ev);
    }
    let last = last.expect("some events, then the notice");
    assert_eq!(last.event.as_deref(), Some("lagged"), "{last:?}");
    let notice: serde_json::Value = serde_json::from_str(&last.data).unwrap();
    assert!(notice["missed"].as_u64().unwrap() > 0, "{notice}");
    assert!(notice["last_seq"].is_number());
    assert!(common::eventually(|| dash.sse_clients() == 0));
}
