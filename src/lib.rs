//! vigil finds concurrency bugs while a Rust program runs: threads that never
//! stop, senders nobody will receive from, locks that starve or deadlock, and
//! data races — Go's concurrency lore, checked on real std primitives.
//!
//! Swap `std::thread` (and, as they land, `std::sync` and crossbeam-channel)
//! for `vigil::thread` / `vigil::sync` / `vigil::channel`; add one line to a
//! test; get a failing test with a clear report.
//!
//! # Hello, world: a leaked worker
//!
//! ```
//! use std::time::Duration;
//!
//! let guard = vigil::check::LeakGuard::new().grace(Duration::from_millis(50));
//!
//! // A worker nobody will ever unpark: Go's "goroutine without a way to stop".
//! let stuck = vigil::thread::Builder::new()
//!     .name("stuck".into())
//!     .spawn(|| vigil::thread::park())
//!     .unwrap();
//!
//! let report = guard.check();
//! println!("{report}");
//! # #[cfg(feature = "detect")]
//! assert_eq!(report.leaks[0].worker.name.as_deref(), Some("stuck"));
//! # stuck.thread().unpark();
//! ```
//!
//! # Threads
//!
//! [`thread`] mirrors `std::thread`. Every spawned thread is a tracked
//! *worker*: id, name, parent worker, spawn site, spawn backtrace, state
//! (running, blocked on what since when, finished, panicked).
//!
//! # Checks
//!
//! [`check`] holds the leak check ([`check::leaks`], [`check::LeakGuard`]),
//! the one-line test guard ([`check::guard`]), [`check::snapshot`] of live
//! state, and the deadlock and race findings. A guard judges only the
//! workers its own thread spawned (directly or transitively), so tests
//! running in parallel in one process never see each other's leaks.
//!
//! # Configuration
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `VIGIL` | `on` | `off` switches tracking off at run time |
//! | `VIGIL_PANIC_ON_LEAK` | `0` | `1`: guards and `verify_at_exit` panic on findings (for CI) |
//! | `VIGIL_LEAK_GRACE_MS` | `1000` | how long a leak check waits for workers to finish |
//! | `VIGIL_STARVATION_MS` | `1` | lock starvation threshold (Go's 1 ms) |
//! | `VIGIL_RACE` | `on` | the happens-before race checker |
//! | `VIGIL_DASHBOARD` | unset | `host:port` for `dashboard::serve_from_env()` |
//!
//! # Features
//!
//! - `detect` (default): tracking. Without it every type in `vigil::thread`
//!   is std's own, and checks return empty reports.
//! - `dashboard`: the live web dashboard.

// Each section below is owned by one piece of work; keep edits inside yours.

// === threads ===
#[cfg(feature = "detect")]
pub use vigil_instrumented::thread;

/// `std::thread` itself: the `detect` feature is off, so nothing is tracked.
///
/// # Examples
///
/// ```
/// let h = vigil::thread::spawn(|| 1 + 1);
/// assert_eq!(h.join().unwrap(), 2);
/// ```
#[cfg(not(feature = "detect"))]
pub mod thread {
    pub use std::thread::*;
}

/// Mirrors `std::sync`, plus Go's toolkit (`WaitGroup`, `Semaphore`, `SingleFlight`).
///
/// # Examples
///
/// ```
/// use vigil::sync::{Arc, Mutex};
///
/// let counter = Arc::new(Mutex::named("counter", 0));
/// let c = counter.clone();
/// vigil::thread::spawn(move || *c.lock().unwrap() += 1).join().unwrap();
/// assert_eq!(*counter.lock().unwrap(), 1);
/// # #[cfg(feature = "detect")]
/// assert_eq!(counter.stats().acquisitions, 2);
/// ```
pub mod sync {
    // === locks ===
    #[cfg(not(feature = "detect"))]
    pub use std::sync::{
        Barrier, Condvar, LazyLock, Mutex, MutexGuard, Once, OnceLock, RwLock, RwLockReadGuard,
        RwLockWriteGuard,
    };
    pub use std::sync::{
        BarrierWaitResult, LockResult, OnceState, PoisonError, TryLockError, TryLockResult, WaitTimeoutResult,
    };
    #[cfg(feature = "detect")]
    pub use vigil_instrumented::sync::{
        Barrier, Condvar, LazyLock, Mutex, MutexGuard, Once, OnceLock, RwLock, RwLockReadGuard,
        RwLockWriteGuard,
    };

    // === Go toolkit ===
    pub use vigil_instrumented::sync::{Semaphore, SemaphorePermit, SingleFlight, WaitGroup};

    // === std re-exports ===
    pub use std::sync::{Arc, Weak};

    /// Mirrors `std::sync::mpsc`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = vigil::sync::mpsc::channel();
    /// vigil::thread::spawn(move || tx.send("hello").unwrap()).join().unwrap();
    /// assert_eq!(rx.recv().unwrap(), "hello");
    /// ```
    pub mod mpsc {
        // === channels ===
        pub use vigil_instrumented::sync::mpsc::*;
    }

    /// Mirrors `std::sync::atomic`.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let n = AtomicUsize::new(1);
    /// n.fetch_add(2, Ordering::AcqRel);
    /// assert_eq!(n.load(Ordering::Acquire), 3);
    /// ```
    pub mod atomic {
        // === race checker ===
        #[cfg(not(feature = "detect"))]
        pub use std::sync::atomic::{
            compiler_fence, fence, AtomicBool, AtomicI32, AtomicI64, AtomicIsize, AtomicPtr, AtomicU32,
            AtomicU64, AtomicUsize, Ordering,
        };
        #[cfg(feature = "detect")]
        pub use vigil_instrumented::sync::atomic::{
            compiler_fence, fence, AtomicBool, AtomicI32, AtomicI64, AtomicIsize, AtomicPtr, AtomicU32,
            AtomicU64, AtomicUsize, Ordering,
        };
    }
}

// === channels: crossbeam mirror (`vigil::channel`, `vigil::select!`) ===
pub use vigil_instrumented::channel;
pub use vigil_instrumented::{select, select_biased};

// === Go toolkit: context, pool ===
pub use vigil_instrumented::{context, pool};

// === race checker: vigil::race ===
/// The happens-before race checker: [`race::RaceCell`] for shared values,
/// [`race::read`] / [`race::write`] / [`race::forget`] for raw memory.
///
/// Two accesses to one location from different threads, at least one a
/// write, not ordered by any vigil primitive (spawn, join, locks, channels,
/// release/acquire atomics and fences, …) are a data race: reported with
/// both sides (threads, sites, read or write, the current access's
/// backtrace), once per pair of sites, through [`check::races`],
/// [`check::guard`], `tracing` warnings and the dashboard.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use vigil::race::RaceCell;
///
/// let balance = Arc::new(RaceCell::new(100));
/// let b = balance.clone();
/// let report = {
///     let guard = vigil::check::guard();
///     let t = vigil::thread::spawn(move || b.set(b.get() + 10)); // unordered with…
///     balance.set(balance.get() - 5); // …this write
///     t.join().unwrap();
///     guard.check()
/// };
/// # #[cfg(feature = "detect")]
/// assert!(!report.races.is_empty());
/// ```
pub mod race {
    pub use vigil_instrumented::race::{forget, read, write, RaceCell};
}

// === tokio ===
#[cfg(feature = "tokio")]
pub use vigil_instrumented::tokio;

// === dashboard ===
#[cfg(feature = "dashboard")]
pub use vigil_dashboard as dashboard;

// === checks and reports ===
pub use vigil_detector::check;

/// The detector's report and snapshot types, for code that names them.
///
/// # Examples
///
/// ```
/// use vigil::report::{ResourceKind, ResourceStats, Snapshot};
///
/// let m = vigil::sync::Mutex::named("cache", ());
/// drop(m.lock().unwrap());
/// let snap: Snapshot = vigil::check::snapshot();
/// # #[cfg(feature = "detect")]
/// # {
/// let cache = snap.resources.iter().find(|r| &*r.name == "cache").unwrap();
/// assert_eq!(cache.kind, ResourceKind::Mutex);
/// assert!(matches!(&cache.stats, ResourceStats::Lock(s) if s.acquisitions == 1));
/// # }
/// # drop(m);
/// ```
pub mod report {
    pub use vigil_detector::{
        Access, BlockedOn, ChannelStats, ContextStats, CounterStats, DeadlockKind, DeadlockReport, Event,
        EventKind, HistogramSummary, Leak, LeakReport, LockStats, Op, PoolStats, RaceKind, RaceReport,
        Report, ResourceKind, ResourceRef, ResourceSnapshot, ResourceStats, Snapshot, Waiter, WorkerId,
        WorkerKind, WorkerRef, WorkerSnapshot, WorkerState,
    };
}

pub use vigil_detector::{Config, ConfigError};
