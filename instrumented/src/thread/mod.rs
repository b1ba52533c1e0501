//! `vigil::thread`: mirrors `std::thread`; every spawned thread is a tracked worker.
//!
//! # Examples
//!
//! ```
//! let h = vigil::thread::Builder::new().name("fetcher".into()).spawn(|| "fetched").unwrap();
//! assert_eq!(h.join().unwrap(), "fetched"); // joined: not a leak
//! ```

mod builder;
mod join_handle;
mod park;
mod scope;

pub use builder::{spawn, Builder};
pub use join_handle::JoinHandle;
pub use park::{park, park_timeout, sleep};
pub use scope::{scope, Scope, ScopedJoinHandle};
pub use std::thread::{
    available_parallelism, current, panicking, yield_now, AccessError, LocalKey, Result, Thread, ThreadId,
};
