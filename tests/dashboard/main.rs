//! The dashboard: routes, events, metrics, access control, the page in a real browser.
//!
//! One test binary for the area (each file is one behaviour, named as a
//! sentence); see STYLE.md "Tests".

#[path = "../common/mod.rs"]
mod common;

#[cfg(feature = "dashboard")]
mod support;

mod dashboard_events_stream_in_order_and_drop_stuck_clients;
mod dashboard_handle_drop_stops_the_server;
mod dashboard_metrics_parse_and_match_the_snapshot;
mod dashboard_requires_a_token_off_loopback;
mod dashboard_routes_answer_with_documented_json;
mod dashboard_shows_findings_in_a_real_browser;
mod race_is_a_tracing_warning_and_a_dashboard_event;
