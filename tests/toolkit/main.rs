//! Go's toolkit: context, WaitGroup, Semaphore, SingleFlight, ErrGroup, WorkerPool, Pool.
//!
//! One test binary for the area (each file is one behaviour, named as a
//! sentence); see STYLE.md "Tests".

#[path = "../common/mod.rs"]
mod common;

mod context_cancel_reaches_descendants_never_the_parent;
mod context_timeout_fires_within_a_generous_bound;
mod context_values_are_visible_in_descendants_only;
mod dropped_worker_pool_leaves_no_live_workers;
mod errgroup_first_error_cancels_siblings;
mod errgroup_set_limit_bounds_running_tasks;
mod object_pool_reuses_objects_with_bounded_retention;
mod semaphore_acquire_ctx_gives_up_when_the_context_ends;
mod semaphore_serves_a_waiting_large_acquire_before_later_small_ones;
mod send_ctx_and_recv_ctx_give_up_when_the_context_ends;
mod singleflight_shares_one_execution_and_its_panic;
mod toolkit_edges_order_race_cells;
mod toolkit_facade_paths_resolve;
mod waitgroup_add_inside_the_worker_is_reported_as_misuse;
mod waitgroup_negative_counter_panics_naming_the_done_site;
mod waitgroup_reuse_before_wait_returned_is_reported;
mod waitgroup_wait_is_tracked_and_ordered_after_done;
mod worker_ignoring_its_context_leaks_and_is_reported;
mod worker_pool_never_shut_down_is_reported_with_its_name;
mod worker_pool_shutdown_finishes_queued_jobs;
