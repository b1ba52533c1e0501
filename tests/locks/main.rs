//! Locks (Mutex, RwLock, Condvar, Once, Barrier): std parity, poisoning, wait stats, starvation, the four deadlock kinds, race edges.
//!
//! One test binary for the area (each file is one behaviour, named as a
//! sentence); see STYLE.md "Tests".

#[path = "../common/mod.rs"]
mod common;

mod ab_ba_deadlock_is_reported_as_cycle;
mod barrier_and_once_mirror_std;
mod condvar_wait_is_visible_and_releases_the_mutex;
mod cycle_through_a_read_lock_is_reported;
mod deadlock_cycle_fails_the_test_instead_of_hanging;
mod double_lock_panics_with_both_sites;
mod lock_edges_order_race_cells;
mod lock_order_inversion_is_reported;
mod lock_starvation_flips_by_go_rules;
mod lock_wait_times_and_waiters_are_measured;
mod locks_with_vigil_off_are_plain_std_locks;
mod poisoning_matches_std;
mod race_cell_twins_for_mutex_rwlock_and_condvar;
mod recursive_read_under_waiting_writer_is_reported;
mod unsized_locks_coerce_like_std;
