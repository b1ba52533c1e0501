//! `vigil::tokio`: tasks as workers (feature `tokio`).
#![cfg(feature = "tokio")]

#[path = "../common/mod.rs"]
mod common;

mod a_task_alive_at_a_leak_check_is_a_leak;
mod primitives_used_in_a_task_are_attributed_to_the_task;
mod tasks_are_workers_of_kind_task;
