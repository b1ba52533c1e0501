//! `vigil::tokio`: mirrors `tokio`'s paths (feature `tokio`).
//!
//! Every task spawned through [`spawn`] (or [`task::spawn`],
//! [`task::spawn_blocking`], [`task::spawn_local`], [`task::Builder`],
//! [`task::JoinSet`]) is a tracked worker of kind `task`: it has an id, a
//! name, a parent (the spawning task or thread: the lineage
//! `vigil::check::guard()` scopes by), a spawn site, and a state (`running`,
//! `idle`, `blocked`, `finished`, `panicked`, `cancelled`). Inside each of
//! its polls the task is the current worker of every vigil primitive it
//! uses, so a `vigil::sync::Mutex`, a channel or a `RaceCell` used in a task
//! is attributed to the task.
//!
//! With feature `detect` off every name here is tokio's own item
//! re-exported, except [`task::Builder`], which tokio has only under
//! `tokio_unstable`; vigil's is a thin wrapper around `tokio::spawn`.
//!
//! | file | holds |
//! |---|---|
//! | `task/instrumented.rs` | the future wrapper whose `poll` runs as the task |
//! | `task/spawn.rs` | `spawn`, `spawn_blocking`, `spawn_local` |
//! | `task/join_handle.rs` | `JoinHandle` (its await is the task end → join edge) |
//! | `task/join_set.rs` | `JoinSet` |
//! | `task/builder.rs` | `Builder` (names a task on stable tokio) |
//!
//! Supported tokio versions: 1.38 and later 1.x (tested with the version in
//! `Cargo.lock`).
//!
//! # Examples
//!
//! ```
//! # #[cfg(feature = "tokio")]
//! # {
//! let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! rt.block_on(async {
//!     let guard = vigil::check::guard();
//!     let h = vigil::tokio::spawn(async { 6 * 7 });
//!     assert_eq!(h.await.unwrap(), 42);
//!     assert!(guard.check().is_empty()); // awaited: not a leak
//! });
//! # }
//! ```

pub mod task;

pub use task::spawn;
