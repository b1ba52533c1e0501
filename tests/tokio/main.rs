//! `vigil::tokio`: tasks as workers (feature `tokio`).
#![cfg(feature = "tokio")]

#[path = "../common/mod.rs"]
mod common;

mod tasks_are_workers_of_kind_task;
