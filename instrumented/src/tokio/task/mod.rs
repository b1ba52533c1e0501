//! `vigil::tokio::task`: mirrors `tokio::task`; every task is a tracked worker.
//!
//! # Examples
//!
//! ```
//! # #[cfg(feature = "tokio")]
//! # {
//! let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! rt.block_on(async {
//!     let h = vigil::tokio::task::Builder::new().name("fetch").spawn(async { "fetched" }).unwrap();
//!     assert_eq!(h.await.unwrap(), "fetched");
//! });
//! # }
//! ```

mod builder;
#[cfg(feature = "detect")]
mod instrumented;
#[cfg(feature = "detect")]
mod join_handle;
#[cfg(feature = "detect")]
mod join_set;
#[cfg(feature = "detect")]
mod spawn;

pub use builder::Builder;
#[cfg(feature = "detect")]
pub use join_handle::JoinHandle;
#[cfg(feature = "detect")]
pub use join_set::JoinSet;
#[cfg(feature = "detect")]
pub use spawn::{spawn, spawn_blocking, spawn_local};
#[cfg(not(feature = "detect"))]
pub use tokio::task::{spawn, spawn_blocking, spawn_local, JoinHandle, JoinSet};
pub use tokio::task::{yield_now, AbortHandle, Id, JoinError};
