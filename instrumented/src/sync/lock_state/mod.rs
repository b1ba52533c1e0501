//! `LockState`: what vigil knows of one `Mutex` or `RwLock`, shared with the
//! registry, and the slow path every lock takes when it must wait.
//!
//! A lock allocates its state at its first tracked acquisition (so
//! `Mutex::new` stays `const fn`) and registers it then. After that:
//!
//! | path | what it touches |
//! |---|---|
//! | uncontended acquire / release | the owner word and site (stores on a line the acquirer owns), the thread's held-lock stack; the happens-before clock when the race checker is on |
//! | retries after a pause and after a yield | nothing more; counted as contended, not timed |
//! | wait (parked) | the clock, the wait histogram, starvation; once it lasts past `QUIET`, also the registry (`on_block`), the waiter list and the wait-for graph |
//! | release with waiters | the parking mutex, to wake them, once per round of retries |
//!
//! Waiters never block inside std's lock: they retry `try_*` and park on the
//! state's own condition variable, with a timeout so that they can notice
//! when they have waited past the starvation threshold. A release wakes them
//! only if no wake-up is already on its way (`wake_pending`), so a holder
//! that keeps re-locking while a waiter sleeps pays one system call per
//! round of retries, not one per release.
//!
//! | file | what it holds |
//! |---|---|
//! | `mod.rs` | the state itself: creation, registration, hold-time stamps |
//! | `exclusive.rs` | exclusive holds (`Mutex`, `RwLock` write): owner, hold time, clocks |
//! | `readers.rs` | shared holds (`RwLock` read): the reader stripes and the read guards' `ReadHold` |
//! | `wait.rs` | the slow path: pausing, parking, waking; wait times, starvation and the wait-for graph |
//! | `deadlocks.rs` | the checks made on acquisition: double lock, recursive read, lock order |
//! | `stats.rs` | `stats()`, the snapshot summary and the waiter counts |

mod deadlocks;
mod exclusive;
mod readers;
mod stats;
mod wait;

pub(crate) use readers::{ReadHold, ReadNote};

use readers::{Stripe, STRIPES};
use std::panic::Location;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize};
use std::sync::{Arc, Condvar, OnceLock};
use std::time::{Duration, Instant};
use vigil_detector::hb::SyncClock;
use vigil_detector::lock::Starvation;
use vigil_detector::{Histogram, ResourceKind, ResourceMeta};
use wait::WaitingEntry;

/// Time origin for `held_since` stamps.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_stamp() -> u64 {
    epoch().elapsed().as_nanos() as u64 + 1
}

fn stamp_age(stamp: u64) -> Option<Duration> {
    (stamp != 0).then(|| epoch().elapsed().saturating_sub(Duration::from_nanos(stamp - 1)))
}

/// The tracking state of one lock.
pub(crate) struct LockState {
    meta: ResourceMeta,
    /// The exclusive owner's worker id (0: none). Written only by the owner.
    owner: AtomicU64,
    owner_site: AtomicPtr<Location<'static>>,
    /// When the current exclusive hold started, if timed (`now_stamp`), else 0.
    held_since: AtomicU64,
    /// `held_since` is the real acquisition time (the acquirer waited), not
    /// the first waiter's arrival.
    held_exact: AtomicBool,
    /// Exclusive acquisitions; written only by the owner, so no RMW.
    acquisitions: AtomicU64,
    contended: AtomicU64,
    waiters: AtomicUsize,
    writers_waiting: AtomicUsize,
    poisoned: AtomicBool,
    starvation: Starvation,
    wait: Histogram,
    hold: Histogram,
    waiting: std::sync::Mutex<Vec<WaitingEntry>>,
    park: std::sync::Mutex<()>,
    park_cv: Condvar,
    /// A release has asked parked waiters to retry and none has retried
    /// since: later releases skip the wake-up (one system call per round of
    /// retries, not one per release).
    wake_pending: AtomicBool,
    /// Unlock (write-unlock) → next lock (read or write lock).
    hb: SyncClock,
    /// `RwLock` only: reader counts and read-unlock clocks.
    stripes: Box<[Stripe]>,
    /// The race checker was on when this state was made (the setting is
    /// read once per process, so it stays true): read here, on a line the
    /// fast paths load anyway, instead of the global flag.
    race: bool,
}

impl std::fmt::Debug for LockState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockState").field("id", &self.meta.id()).field("name", &self.meta.name()).finish()
    }
}

impl LockState {
    /// New state for a lock of `kind` (`Mutex` or `RwLock`) made at `site`,
    /// registered with the detector.
    #[cold]
    #[inline(never)]
    pub(crate) fn new(
        kind: ResourceKind,
        name: Option<String>,
        site: &'static Location<'static>,
    ) -> Arc<LockState> {
        let stripes: Box<[Stripe]> = if kind == ResourceKind::RwLock {
            (0..STRIPES).map(|_| Stripe::default()).collect()
        } else {
            Box::new([])
        };
        let st = Arc::new(LockState {
            meta: ResourceMeta::new(kind, name, site),
            owner: AtomicU64::new(0),
            owner_site: AtomicPtr::new(ptr::null_mut()),
            held_since: AtomicU64::new(0),
            held_exact: AtomicBool::new(false),
            acquisitions: AtomicU64::new(0),
            contended: AtomicU64::new(0),
            waiters: AtomicUsize::new(0),
            writers_waiting: AtomicUsize::new(0),
            poisoned: AtomicBool::new(false),
            starvation: Starvation::new(),
            wait: Histogram::new(),
            hold: Histogram::new(),
            waiting: std::sync::Mutex::new(Vec::new()),
            park: std::sync::Mutex::new(()),
            park_cv: Condvar::new(),
            wake_pending: AtomicBool::new(false),
            hb: SyncClock::new(),
            stripes,
            race: vigil_detector::race_enabled(),
        });
        vigil_detector::register_resource(st.clone());
        st
    }

    /// The state in a lock's `cell`, made (and registered) on first use.
    #[inline]
    pub(crate) fn in_cell<'a>(
        cell: &'a OnceLock<Arc<LockState>>,
        kind: ResourceKind,
        site: &'static Location<'static>,
    ) -> &'a Arc<LockState> {
        cell.get_or_init(|| LockState::new(kind, None, site))
    }

    /// [`in_cell`](LockState::in_cell), or `None` when tracking is off. A
    /// lock that has its state was made with tracking on, which stays on for
    /// the process, so the fast path reads one word.
    #[inline(always)]
    pub(crate) fn tracked_in<'a>(
        cell: &'a OnceLock<Arc<LockState>>,
        kind: ResourceKind,
        site: &'static Location<'static>,
    ) -> Option<&'a Arc<LockState>> {
        match cell.get() {
            Some(st) => Some(st),
            None => vigil_detector::enabled().then(|| LockState::in_cell(cell, kind, site)),
        }
    }

    pub(crate) fn id(&self) -> vigil_detector::ResourceId {
        self.meta.id()
    }
}

impl Drop for LockState {
    fn drop(&mut self) {
        vigil_detector::unregister_resource(self.meta.id());
        vigil_detector::lock::forget_lock(self.meta.id());
    }
}
