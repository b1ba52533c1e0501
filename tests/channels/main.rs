//! Channels (crossbeam and std mpsc mirrors): forwarding, blocking, leaks, happens-before edges, and the ported Go and crossbeam suites.
//!
//! One test binary for the area (each file is one behaviour, named as a
//! sentence); see STYLE.md "Tests".

#[path = "../common/mod.rs"]
mod common;

mod blocked_channel_ops_show_in_snapshot;
mod channel_edges_order_race_cells;
mod channel_ends_forward_like_crossbeam;
mod channel_facade_reexports_resolve;
mod channel_ops_create_happens_before_edges;
mod forgotten_sender_is_reported_as_leak;
mod go_race_detector_channel_cases_agree;
mod golang_channel_tests_pass_through_vigil;
mod idle_receiver_is_reported_blocked_in_recv;
mod mpsc_ends_forward_like_std;
mod select_blocked_on_two_channels_lists_both;
mod select_macro_tests_pass_through_vigil;
