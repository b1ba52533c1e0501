//! `vigil::sync`: mirrors `std::sync`, plus Go's toolkit (WaitGroup,
//! Semaphore, SingleFlight).
//!
//! # Examples
//!
//! ```
//! use vigil::sync::{Arc, Mutex, WaitGroup};
//!
//! let hits = Arc::new(Mutex::named("hits", 0));
//! let wg = Arc::new(WaitGroup::new());
//! for _ in 0..3 {
//!     wg.add(1);
//!     let (hits, wg) = (hits.clone(), wg.clone());
//!     vigil::thread::spawn(move || {
//!         *hits.lock().unwrap() += 1;
//!         wg.done();
//!     });
//! }
//! wg.wait();
//! assert_eq!(*hits.lock().unwrap(), 3);
//! ```
//!
//! Each section below is owned by one piece of work; keep edits inside yours.

// === locks: Mutex, RwLock, Condvar, Once, OnceLock, LazyLock, Barrier ===
mod barrier;
mod condvar;
mod init_watch;
mod lazy_lock;
mod lock_state;
mod mutex;
mod once;
mod once_lock;
mod rwlock;
pub use barrier::Barrier;
pub use condvar::Condvar;
pub use lazy_lock::LazyLock;
pub use mutex::{Mutex, MutexGuard};
pub use once::Once;
pub use once_lock::OnceLock;
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use std::sync::{
    BarrierWaitResult, LockResult, OnceState, PoisonError, TryLockError, TryLockResult, WaitTimeoutResult,
};

// === channels: std mpsc mirror ===
pub mod mpsc;

// === race checker: atomics ===
pub mod atomic;

// === Go toolkit: WaitGroup, Semaphore, SingleFlight ===
mod semaphore;
mod single_flight;
mod wait_group;
pub use semaphore::{Semaphore, SemaphorePermit};
pub use single_flight::SingleFlight;
pub use wait_group::WaitGroup;

// === std re-exports that need no instrumentation ===
pub use std::sync::{Arc, Weak};
