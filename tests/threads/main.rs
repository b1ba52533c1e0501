//! Threads as workers: lineage, outcomes, leaks, clock width.
//!
//! One test binary for the area (each file is one behaviour, named as a
//! sentence); see STYLE.md "Tests".

#[path = "../common/mod.rs"]
mod common;

mod blocked_worker_is_reported_as_leak;
mod parallel_guards_see_only_their_own_workers;
mod thread_churn_keeps_clock_width_bounded_by_live_threads;
mod worker_finishing_within_grace_is_not_a_leak;
mod worker_lineage_and_outcomes_are_recorded;
