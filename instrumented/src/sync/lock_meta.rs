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

use std::panic::Location;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, OnceLock};
use std::time::{Duration, Instant};
use vigil_detector::hb::SyncClock;
use vigil_detector::lock::{held, HeldLock, HeldMode, Holder, LockResource, Starvation};
use vigil_detector::{
    current_worker, on_block_since, BlockGuard, Histogram, LockStats, Op, Resource, ResourceKind,
    ResourceMeta, ResourceRef, ResourceStats, Waiter, WorkerId, WorkerRef,
};

/// Reader counters are striped over this many cache lines: one per owned
/// thread index (only its thread writes it, with plain stores) and one that
/// the other threads share (read-modify-writes); see `held::thread_index`.
const STRIPES: usize = held::OWNED_INDICES + 1;

/// How long a waiter waits unseen before it is shown blocked, listed as a
/// waiter and added to the wait-for graph: most contended waits end sooner,
/// and showing one costs more than the wait.
const QUIET: Duration = Duration::from_micros(50);

/// How often a shown waiter looks again for a wait-for cycle through its
/// wait (the background sweep, done by the waiters themselves).
const RECHECK: Duration = Duration::from_millis(100);

/// How long a parked waiter sleeps between retries once past the threshold
/// (a wake-up normally comes sooner, from the releasing thread).
const POLL: Duration = Duration::from_millis(5);

/// Low bits of [`Stripe::reads`] that count current readers.
const READERS_BITS: u32 = 24;
const READERS_MASK: u64 = (1 << READERS_BITS) - 1;
/// What a read lock adds to [`Stripe::reads`]: one acquisition, one reader.
const READ_LOCKED: u64 = (1 << READERS_BITS) | 1;
/// What a read unlock adds to [`Stripe::reads`] (wrapping): one reader fewer.
const READ_UNLOCKED: u64 = 1u64.wrapping_neg();

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

/// One reader stripe: current readers and read acquisitions in one word,
/// and the clock read-unlocks release into.
#[repr(align(128))]
#[derive(Default)]
struct Stripe {
    /// `acquisitions << READERS_BITS | readers`: a read lock adds
    /// [`READ_LOCKED`], its release subtracts 1. One word, so a read lock
    /// and its release cost one update each.
    reads: AtomicU64,
    /// The worker of the thread that owns this stripe's index (owned
    /// stripes only), and where it last read-locked: who holds the lock when
    /// `reads` counts a reader, for the wait-for graph.
    reader: AtomicU64,
    reader_site: AtomicPtr<Location<'static>>,
    release: SyncClock,
    /// A reader released into `release` since a writer last acquired it.
    dirty: AtomicBool,
}

struct WaitingEntry {
    worker: WorkerRef,
    site: &'static Location<'static>,
    since: Instant,
}

/// A wait that has been shown (see [`LockState::show_wait`]).
struct ShownWait {
    worker: Option<Arc<vigil_detector::Worker>>,
    me: Option<WorkerRef>,
    lock: ResourceRef,
    start: Instant,
    /// When (as time waited) to look for a cycle through this wait again.
    next_recheck: Duration,
    _block: BlockGuard,
}

impl ShownWait {
    fn cause(&self) -> Option<(&WorkerRef, &ResourceRef)> {
        self.me.as_ref().map(|m| (m, &self.lock))
    }
}

/// What [`LockState::reading`] noted for the lock's acquisition. (Not a
/// [`ReadHold`] plus `nested`: carrying the state through the try measured
/// 11 more instructions per read under callgrind.)
#[derive(Clone, Copy)]
pub(crate) struct ReadNote<'a> {
    /// The calling thread's stripe.
    stripe: &'a Stripe,
    /// The stripe is the thread's own (not the shared one).
    owned: bool,
    /// Another lock was already held (the lock-order check runs once the
    /// lock is taken).
    nested: bool,
}

/// A read lock the calling thread holds, as its guard keeps it: the lock's
/// state and the stripe that counts this reader (found once, at the
/// acquisition, instead of again at the release).
#[derive(Clone, Copy)]
pub(crate) struct ReadHold<'a> {
    state: &'a LockState,
    stripe: &'a Stripe,
    /// The stripe is the thread's own (not the shared one).
    owned: bool,
}

impl<'a> ReadHold<'a> {
    /// The lock's state.
    #[inline(always)]
    pub(crate) fn state(&self) -> &'a LockState {
        self.state
    }

    /// The calling thread is about to release this read lock (called while
    /// it still holds it; [`released`](ReadHold::released) follows the
    /// release).
    #[inline(always)]
    pub(crate) fn releasing(&self) {
        let s = self.stripe;
        if self.state.race {
            s.release.release_racing();
        }
        if !s.dirty.load(Ordering::Relaxed) {
            // Set once, even with the race checker off: a writer then finds
            // nothing in `release` and clears it.
            s.dirty.store(true, Ordering::Relaxed);
        }
        self.add_reads(READ_UNLOCKED);
    }

    /// Adds `delta` (wrapping) to the stripe's count: a plain load and
    /// store on the thread's own stripe, a read-modify-write on the shared
    /// one.
    #[inline(always)]
    fn add_reads(&self, delta: u64) {
        let reads = &self.stripe.reads;
        if self.owned {
            reads.store(reads.load(Ordering::Relaxed).wrapping_add(delta), Ordering::Relaxed);
        } else {
            reads.fetch_add(delta, Ordering::Relaxed);
        }
    }

    /// The read lock was released: forget it and wake parked waiters.
    #[inline(always)]
    pub(crate) fn released(&self) {
        self.state.forget_read();
        self.state.released();
    }
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

    // === exclusive holds (Mutex, RwLock write) ===

    /// The calling thread now holds the lock exclusively (acquired at `site`).
    #[inline(always)]
    pub(crate) fn acquired_exclusive(&self, site: &'static Location<'static>) {
        let pushed = held::push(HeldLock { id: self.meta.id(), mode: HeldMode::Exclusive, site });
        self.owner.store(pushed.worker, Ordering::Relaxed);
        self.owner_site.store(site as *const Location<'static> as *mut Location<'static>, Ordering::Relaxed);
        // Only the owner writes this counter, so a load and a store suffice.
        self.acquisitions.store(self.acquisitions.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        if pushed.nested {
            self.nested(HeldMode::Exclusive, site);
        }
        if self.race {
            self.hb_acquire_exclusive();
        }
    }

    /// Unlock → this lock; read-unlocks → this write lock. When this
    /// thread made the last release and has learnt nothing since, the tag
    /// check in `acquire_racing` skips the join: program order covers it.
    #[inline]
    fn hb_acquire_exclusive(&self) {
        self.hb.acquire_racing();
        for s in self.stripes.iter() {
            if s.dirty.load(Ordering::Relaxed) && s.dirty.swap(false, Ordering::Relaxed) {
                // This writer's clock now carries the readers' releases, and
                // it hands them on to every later lock through `hb`.
                s.release.acquire_racing();
            }
        }
    }

    /// The calling thread is about to release its exclusive hold (called
    /// while it still holds the lock).
    #[inline(always)]
    pub(crate) fn releasing_exclusive(&self) {
        if self.race {
            self.hb.release_racing();
        }
        held::pop(self.meta.id(), HeldMode::Exclusive);
        if self.held_since.load(Ordering::Relaxed) != 0 {
            self.record_hold();
        }
        self.owner.store(0, Ordering::Relaxed);
    }

    #[cold]
    fn record_hold(&self) {
        let stamp = self.held_since.swap(0, Ordering::Relaxed);
        if self.held_exact.swap(false, Ordering::Relaxed) {
            if let Some(d) = stamp_age(stamp) {
                self.hold.record(d);
            }
        }
    }

    // === shared holds (RwLock read) ===

    // Two readers of one lock pass its word's cache line between them on
    // every lock and unlock; whatever a reader does between the two has the
    // line taken away more often. So what only the calling thread sees (its
    // held-lock stack, its own stripe's identity words) is done before the
    // lock is tried and after it is released, and the read-side section
    // keeps only what must be there: the reader count (the wait-for graph
    // may name a reader only while it holds the lock) and the clocks.

    /// About to try a read lock at `site`: notes it in the calling thread's
    /// own memory. Follow with [`acquired_shared_noted`] once the lock is
    /// held, or [`forget_read`] if it was not taken.
    ///
    /// [`acquired_shared_noted`]: LockState::acquired_shared_noted
    /// [`forget_read`]: LockState::forget_read
    #[inline(always)]
    pub(crate) fn reading(&self, site: &'static Location<'static>) -> ReadNote<'_> {
        let pushed = held::push(HeldLock { id: self.meta.id(), mode: HeldMode::Shared, site });
        let index = held::thread_index();
        let s = &self.stripes[index];
        let owned = index != held::SHARED_INDEX;
        if owned {
            // This thread's own stripe: nobody else writes it. Its identity
            // words are read only while its count shows a reader.
            if s.reader.load(Ordering::Relaxed) != pushed.worker {
                s.reader.store(pushed.worker, Ordering::Relaxed);
            }
            let site_ptr = site as *const Location<'static> as *mut Location<'static>;
            if s.reader_site.load(Ordering::Relaxed) != site_ptr {
                s.reader_site.store(site_ptr, Ordering::Relaxed);
            }
        }
        ReadNote { stripe: s, owned, nested: pushed.nested }
    }

    /// The calling thread now holds the read lock it noted (at `site`).
    #[inline(always)]
    pub(crate) fn acquired_shared_noted<'a>(
        &'a self,
        note: ReadNote<'a>,
        site: &'static Location<'static>,
    ) -> ReadHold<'a> {
        let hold = ReadHold { state: self, stripe: note.stripe, owned: note.owned };
        hold.add_reads(READ_LOCKED);
        if note.nested {
            self.nested(HeldMode::Shared, site);
        }
        if self.race {
            self.hb.acquire_racing();
        }
        hold
    }

    /// The calling thread now holds a read lock (acquired at `site`).
    #[inline]
    pub(crate) fn acquired_shared(&self, site: &'static Location<'static>) -> ReadHold<'_> {
        let note = self.reading(site);
        self.acquired_shared_noted(note, site)
    }

    /// Taken while holding another lock: the lock-order check (out of line,
    /// so the fast paths do not build its argument).
    #[cold]
    #[inline(never)]
    fn nested(&self, mode: HeldMode, site: &'static Location<'static>) {
        vigil_detector::lock::nested_acquire(HeldLock { id: self.meta.id(), mode, site });
    }

    /// Undoes [`reading`](LockState::reading): the calling thread has
    /// released the read lock, or did not take it.
    #[inline(always)]
    pub(crate) fn forget_read(&self) {
        held::pop(self.meta.id(), HeldMode::Shared);
    }

    /// Writers waiting now (a cheap load: the recursive-read check reads it
    /// on every read acquisition).
    #[inline]
    pub(crate) fn writers_waiting(&self) -> usize {
        self.writers_waiting.load(Ordering::Relaxed)
    }

    // === after any release ===

    /// The lock was released: wake parked waiters, if any.
    #[inline(always)]
    pub(crate) fn released(&self) {
        if self.waiters.load(Ordering::SeqCst) != 0 {
            self.wake();
        }
    }

    #[cold]
    #[inline(never)]
    fn wake(&self) {
        if self.wake_pending.swap(true, Ordering::SeqCst) {
            return; // a wake-up is on its way and nobody has retried yet
        }
        let _g = self.park.lock().unwrap_or_else(|e| e.into_inner());
        self.park_cv.notify_all();
    }

    /// Mirrors the lock's poison flag for snapshots: set when an
    /// acquisition finds the lock poisoned (a release does not pay for
    /// checking `thread::panicking`), cleared by `clear_poison`.
    pub(crate) fn set_poisoned(&self, poisoned: bool) {
        self.poisoned.store(poisoned, Ordering::Relaxed);
    }

    // === reads for the extras ===

    pub(crate) fn waiters(&self) -> usize {
        self.waiters.load(Ordering::Relaxed)
    }

    pub(crate) fn is_starving(&self) -> bool {
        self.starvation.is_starving()
    }

    fn owner_site(&self) -> Option<&'static Location<'static>> {
        let p = self.owner_site.load(Ordering::Relaxed);
        // SAFETY: `owner_site` only ever holds null or a pointer made from a
        // `&'static Location<'static>` (see `acquired_exclusive`), which is
        // valid and immutable for the whole program.
        unsafe { p.as_ref() }
    }

    /// `(current readers, read acquisitions)`.
    fn reads(&self) -> (usize, u64) {
        // Summed whole and wrapping: a thread that ends holding a read lock
        // releases it on the shared stripe, leaving one reader too many on
        // its own stripe and one too few (borrowed from the acquisitions)
        // on the shared one; the sum is exact.
        let sum = self.stripes.iter().fold(0u64, |n, s| n.wrapping_add(s.reads.load(Ordering::Relaxed)));
        ((sum & READERS_MASK) as usize, sum >> READERS_BITS)
    }

    fn readers(&self) -> usize {
        self.reads().0
    }

    pub(crate) fn lock_stats(&self) -> LockStats {
        let owner = self.owner.load(Ordering::Relaxed);
        let now = Instant::now();
        let waiting = self
            .waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|w| Waiter {
                worker: w.worker.clone(),
                site: short(w.site),
                since_ms: now.saturating_duration_since(w.since).as_millis() as u64,
            })
            .collect();
        let (readers, reads) = self.reads();
        LockStats {
            acquisitions: self.acquisitions.load(Ordering::Relaxed) + reads,
            contended: self.contended.load(Ordering::Relaxed),
            waiters: self.waiters(),
            waiting,
            owner: (owner != 0).then(|| vigil_detector::lock::worker_ref(WorkerId(owner))),
            owner_site: if owner != 0 { self.owner_site().map(short) } else { None },
            held_ms: if owner != 0 {
                stamp_age(self.held_since.load(Ordering::Relaxed)).map(|d| d.as_millis() as u64)
            } else {
                None
            },
            readers,
            starving: self.is_starving(),
            starvation_entered: self.starvation.entered(),
            starvation_exited: self.starvation.exited(),
            wait: self.wait.summary(),
            hold: self.hold.summary(),
            poisoned: self.poisoned.load(Ordering::Relaxed),
        }
    }

    // === the slow path ===

    /// Waits until `try_acquire` succeeds: a retry after a pause, one after
    /// a yield, then a timed wait, parked, that is shown (blocked in `op` at
    /// `site`, a waiter in the stats, an edge of the wait-for graph) once it
    /// lasts longer than [`QUIET`]; the wait histogram and starvation
    /// transitions count all of it.
    ///
    /// No polling: a waiter that keeps trying wins the lock in the holder's
    /// short gap between two critical sections and hands the lock's cache
    /// lines (std's word and vigil's state) back and forth on every
    /// acquisition, which measured 2–4× slower than letting the holder run
    /// on. The waiter pauses without touching shared memory (as long as
    /// std's waiters spin before they sleep), tries once, then yields.
    #[cold]
    #[inline(never)]
    pub(crate) fn wait<G>(
        self: &Arc<Self>,
        op: Op,
        site: &'static Location<'static>,
        mut try_acquire: impl FnMut() -> Option<G>,
    ) -> G {
        if let Some(g) = try_acquire_after_pause(&mut try_acquire) {
            self.contended.fetch_add(1, Ordering::Relaxed);
            return g;
        }
        self.wait_parked(op, site, try_acquire)
    }

    fn wait_parked<G>(
        self: &Arc<Self>,
        op: Op,
        site: &'static Location<'static>,
        mut try_acquire: impl FnMut() -> Option<G>,
    ) -> G {
        let start = Instant::now();
        let writer = op == Op::Write;
        self.waiters.fetch_add(1, Ordering::SeqCst);
        if writer {
            self.writers_waiting.fetch_add(1, Ordering::SeqCst);
        }
        if op != Op::Read {
            // The current hold is at least this old: enough for `held_ms`.
            let _ = self.held_since.compare_exchange(0, now_stamp(), Ordering::Relaxed, Ordering::Relaxed);
        }
        let threshold = vigil_detector::config().starvation_threshold;
        let quiet = QUIET.min(threshold);
        let mut shown: Option<ShownWait> = None;
        let got = loop {
            let parked = self.park.lock().unwrap_or_else(|e| e.into_inner());
            // Retrying now: a release after this point must wake us again.
            self.wake_pending.store(false, Ordering::SeqCst);
            std::sync::atomic::fence(Ordering::SeqCst);
            if let Some(g) = try_acquire() {
                break g;
            }
            let waited = start.elapsed();
            let Some(s) = &mut shown else {
                if waited < quiet {
                    drop(self.park_cv.wait_timeout(parked, quiet - waited));
                } else {
                    drop(parked);
                    shown = Some(self.show_wait(op, site, start));
                }
                continue;
            };
            self.starvation.still_waiting(waited, threshold, s.cause());
            if waited >= s.next_recheck {
                // The sweep: a holder may have become known since the edge
                // was added (a reader's stripe, an owner word set late).
                s.next_recheck = waited + RECHECK;
                if let Some(w) = &s.worker {
                    vigil_detector::lock::recheck_wait(w.id());
                }
            }
            let timeout = match threshold.checked_sub(waited) {
                Some(left) if !self.starvation.is_starving() => left + Duration::from_micros(50),
                _ => POLL,
            };
            drop(self.park_cv.wait_timeout(parked, timeout));
        };
        let waited = start.elapsed();
        if writer {
            self.writers_waiting.fetch_sub(1, Ordering::SeqCst);
        }
        let left = self.waiters.fetch_sub(1, Ordering::SeqCst) - 1;
        self.wait.record(waited);
        self.contended.fetch_add(1, Ordering::Relaxed);
        if self.starvation.is_starving() {
            match &shown {
                Some(s) => self.starvation.acquired(waited, threshold, left == 0, s.cause()),
                None => {
                    // A quiet wait has no names yet; the event needs them.
                    let (me, lock) = (current_worker().map(|w| w.to_ref()), self.meta.to_ref());
                    self.starvation.acquired(waited, threshold, left == 0, me.as_ref().map(|m| (m, &lock)))
                }
            };
        }
        if let Some(s) = shown {
            self.hide_wait(s);
        }
        if op != Op::Read {
            self.held_since.store(now_stamp(), Ordering::Relaxed);
            self.held_exact.store(true, Ordering::Relaxed);
        }
        got
    }

    /// The wait is no longer brief: show the worker blocked, list it among
    /// the lock's waiters and add its wait-for edge (which finds a cycle
    /// it closes).
    #[cold]
    #[inline(never)]
    fn show_wait(self: &Arc<Self>, op: Op, site: &'static Location<'static>, start: Instant) -> ShownWait {
        let worker = current_worker();
        let me = worker.as_ref().map(|w| w.to_ref());
        let block = on_block_since(op, site, vec![self.clone() as Arc<dyn Resource>], start);
        if let Some(m) = &me {
            self.waiting.lock().unwrap_or_else(|e| e.into_inner()).push(WaitingEntry {
                worker: m.clone(),
                site,
                since: start,
            });
        }
        if let Some(w) = &worker {
            vigil_detector::lock::begin_wait(w, self.clone() as Arc<dyn LockResource>, site, start);
        }
        ShownWait { worker, me, lock: self.meta.to_ref(), start, next_recheck: RECHECK, _block: block }
    }

    /// Undoes [`show_wait`](Self::show_wait) once the lock is acquired.
    fn hide_wait(&self, shown: ShownWait) {
        if let Some(w) = &shown.worker {
            vigil_detector::lock::end_wait(w.id());
        }
        if let Some(m) = &shown.me {
            let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = waiting.iter().position(|e| e.worker.id == m.id && e.since == shown.start) {
                waiting.swap_remove(i);
            }
        }
        drop(shown); // the worker runs again
    }

    /// The calling thread already holds this lock: reports a double lock and
    /// panics with the report (unless `VIGIL_DOUBLE_LOCK_PANIC=0`, in which
    /// case it returns and the caller waits forever, as std would).
    #[cold]
    #[inline(never)]
    pub(crate) fn double_lock(&self, first: HeldLock, site: &'static Location<'static>, op: &str) {
        let Some(worker) = current_worker() else { return };
        let report = vigil_detector::lock::report_double_lock(&worker, self.meta.to_ref(), first, site, op);
        if vigil_detector::config().double_lock_panics {
            panic!("{report}");
        }
    }

    /// The calling thread read-locks again while holding a read lock and
    /// writers wait: reports a recursive read (Go's RWR).
    #[cold]
    #[inline(never)]
    pub(crate) fn recursive_read(&self, first: HeldLock, site: &'static Location<'static>) {
        let Some(worker) = current_worker() else { return };
        vigil_detector::lock::report_recursive_read(
            &worker,
            self.meta.to_ref(),
            first,
            site,
            self.writers_waiting(),
        );
    }
}

/// How many spin-loop hints a waiter pauses for before its first retry:
/// std's futex lock spins as many before it sleeps (about 2.5 µs on the
/// CI machine's CPU).
const PAUSE_SPINS: u32 = 100;

/// Pauses (touching no shared memory) and retries; then yields, giving a
/// descheduled holder the chance to run, and retries. A yield is a system
/// call (0.3–0.7 µs in a VM); the pause lets most short holds end first.
fn try_acquire_after_pause<G>(try_acquire: &mut impl FnMut() -> Option<G>) -> Option<G> {
    for _ in 0..PAUSE_SPINS {
        std::hint::spin_loop();
    }
    if let Some(g) = try_acquire() {
        return Some(g);
    }
    std::thread::yield_now();
    try_acquire()
}

fn short(site: &'static Location<'static>) -> String {
    format!("{}:{}:{}", site.file(), site.line(), site.column())
}

impl Drop for LockState {
    fn drop(&mut self) {
        vigil_detector::unregister_resource(self.meta.id());
        vigil_detector::lock::forget_lock(self.meta.id());
    }
}

impl Resource for LockState {
    fn meta(&self) -> &ResourceMeta {
        &self.meta
    }

    fn summary(&self) -> String {
        let mut s = match self.holder() {
            Some(h) => {
                let mut s = format!("locked by {}", vigil_detector::lock::worker_ref(h.worker));
                if let Some(site) = h.site {
                    s.push_str(&format!(" at {}", short(site)));
                }
                if let Some(d) = h.held {
                    s.push_str(&format!(" for {} ms", d.as_millis()));
                }
                s
            }
            None => match self.readers() {
                0 => "unlocked".to_string(),
                n => format!("read-locked by {n} reader(s)"),
            },
        };
        s.push_str(&format!(", {} waiting", self.waiters()));
        if self.is_starving() {
            s.push_str(", starving");
        }
        s
    }

    fn stats(&self) -> ResourceStats {
        ResourceStats::Lock(self.lock_stats())
    }
}

impl LockResource for LockState {
    fn holder(&self) -> Option<Holder> {
        let owner = self.owner.load(Ordering::Relaxed);
        (owner != 0).then(|| Holder {
            worker: WorkerId(owner),
            site: self.owner_site(),
            held: stamp_age(self.held_since.load(Ordering::Relaxed)),
        })
    }

    /// The exclusive holder, or else the readers on owned stripes (readers
    /// on the shared stripe cannot be named).
    fn holders(&self) -> Vec<Holder> {
        if let Some(h) = self.holder() {
            return vec![h];
        }
        self.stripes[..held::SHARED_INDEX.min(self.stripes.len())]
            .iter()
            .filter(|s| {
                let readers = s.reads.load(Ordering::Relaxed) & READERS_MASK;
                // A stripe left one reader short by an ended thread wraps
                // to the top of the mask: no reader.
                readers != 0 && readers < READERS_MASK / 2
            })
            .filter_map(|s| {
                let worker = s.reader.load(Ordering::Relaxed);
                let site = s.reader_site.load(Ordering::Relaxed);
                // SAFETY: `reader_site` only ever holds null or a pointer
                // made from a `&'static Location<'static>` (see
                // `reading`), valid and immutable for the program.
                let site = unsafe { site.as_ref() };
                (worker != 0).then_some(Holder { worker: WorkerId(worker), site, held: None })
            })
            .collect()
    }
}
