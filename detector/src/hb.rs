//! Happens-before bookkeeping that every primitive shares: per-thread clocks,
//! the spawn and join edges, [`SyncClock`] (the release/acquire point that
//! mutexes, channels, barriers and the rest carry), the clock side of
//! instrumented atomics and [`fence`].
//!
//! Every function here is a no-op when the race checker is off
//! (`VIGIL_RACE=off` or `VIGIL=off`), so primitives may call them
//! unconditionally.
//!
//! # Slots
//!
//! Each thread owns a *slot* of the vector clocks while it runs. When it
//! ends, its slot goes back to a free list with the highest count it reached
//! (its *high water*). A new thread takes a free slot only if it already
//! knows every event of the slot's previous owners (its starting clock has
//! at least the high water at that slot) — true for a thread spawned by the
//! thread that joined the previous owner, the common churn pattern — and
//! starts counting above the high water. So an old owner's epoch is never
//! confused with a new owner's, no race with an old owner is missed, and
//! clocks stay as wide as the number of threads alive at once.
//!
//! A thread vigil did not spawn (a `std::thread`, a test harness's thread
//! per test) has no spawn edge to start from. It starts knowing everything
//! every *ended* thread did, as if each had been joined before it started
//! (what a harness does between two tests), so it may take any free slot.
//! Without that, every such thread would widen every clock for good and a
//! long test suite would slow down test by test; the price is that a race
//! between an ended thread and a later outside thread, with no vigil-visible
//! edge between them, is not reported.
//!
//! # Lazy ticks
//!
//! A thread's own count advances only when needed: after it *published* its
//! clock (a release, a fork, a release fence) and before its next access or
//! change of clock. Between two such points a thread's clock is one value,
//! so the pair `(slot, count)` names a whole vector clock. [`SyncClock`]
//! keeps that pair as a *tag* of its content, which makes the common cases
//! cheap: a lock taken again by the thread that released it, or an acquire
//! of something already known, compares two integers without locking.
//!
//! | tag | content |
//! |---|---|
//! | `0` | the zero clock |
//! | `1` | a join of several threads' clocks |
//! | `(slot + 1) << 32 \| count` | exactly the clock of `slot`'s thread at `count` |

use crate::clock::VectorClock;
use crate::sync::{atomic_fence, Arc, AtomicU64, Mutex, Ordering};
use crate::worker::Worker;
use std::cell::{Cell, RefCell};

// === thread slots ===

/// Slot allocation; see the module docs.
struct Slots {
    /// Highest count each slot's owners reached.
    high_water: Vec<u32>,
    /// Slots whose owner has ended.
    free: Vec<usize>,
    /// The join of the final clocks of every thread that has ended: what a
    /// thread vigil did not spawn starts from (module docs).
    ended: VectorClock,
}

static SLOTS: Mutex<Slots> =
    Mutex::new(Slots { high_water: Vec::new(), free: Vec::new(), ended: VectorClock::new() });

/// A slot for a thread starting with `knows` (its spawner's clock), or with
/// no known parent (`None`: a thread vigil did not spawn), the count it
/// starts at and the clock it starts from (its own slot not yet set).
fn alloc_slot(knows: Option<&VectorClock>) -> (usize, u32, VectorClock) {
    let mut s = SLOTS.lock();
    let Slots { high_water, free, ended } = &mut *s;
    let start = match knows {
        Some(k) => k.clone(),
        None => ended.clone(),
    };
    // Most recently freed first: in spawn/join churn that is a slot the
    // spawner has just joined. An outside thread knows every ended thread,
    // so any free slot passes.
    if let Some(pos) = free.iter().rposition(|&slot| start.get(slot) >= high_water[slot]) {
        let slot = free.swap_remove(pos);
        return (slot, high_water[slot].saturating_add(1), start);
    }
    high_water.push(0);
    (high_water.len() - 1, 1, start)
}

fn free_slot(slot: usize, final_clock: &VectorClock) {
    let reached = final_clock.get(slot);
    let mut s = SLOTS.lock();
    if s.high_water[slot] < reached {
        s.high_water[slot] = reached;
    }
    s.ended.join(final_clock);
    s.free.push(slot);
}

/// Number of thread slots ever allocated: the width clocks can reach,
/// bounded by the most threads alive at once (see the module docs).
///
/// # Examples
///
/// ```
/// let _width = vigil_detector::hb::slot_count();
/// ```
pub fn slot_count() -> usize {
    SLOTS.lock().high_water.len()
}

/// Number of thread slots in use now (threads alive with a clock).
///
/// # Examples
///
/// ```
/// assert!(vigil_detector::hb::live_slots() <= vigil_detector::hb::slot_count());
/// ```
pub fn live_slots() -> usize {
    let s = SLOTS.lock();
    s.high_water.len() - s.free.len()
}

// === the current thread's clock ===

/// A thread's own clock and slot.
pub(crate) struct ThreadClock {
    pub(crate) slot: usize,
    pub(crate) clock: VectorClock,
    /// The current count has been published (released, forked, fenced):
    /// the next access or change must tick first.
    published: bool,
    /// The calling thread's worker, cached for shadow state.
    worker: Option<Arc<Worker>>,
    /// The clock at the last `fence(Release)`, carried by later relaxed stores.
    fence_release: Option<VectorClock>,
    /// What relaxed loads read since the last `fence(Acquire)`.
    fence_acquire: VectorClock,
    /// The last [`release_shared`] snapshot, with the tag of the clock it copies.
    snapshot: Option<(u64, Arc<VectorClock>)>,
}

impl ThreadClock {
    fn start(knows: Option<&VectorClock>) -> ThreadClock {
        let (slot, start, mut clock) = alloc_slot(knows);
        clock.set(slot, start);
        ThreadClock {
            slot,
            clock,
            published: false,
            worker: None,
            fence_release: None,
            fence_acquire: VectorClock::new(),
            snapshot: None,
        }
    }

    /// The own count, ticking first if the current one was published.
    #[inline]
    pub(crate) fn fresh(&mut self) -> u32 {
        if self.published {
            self.published = false;
            self.clock.tick(self.slot)
        } else {
            self.clock.get(self.slot)
        }
    }

    /// The current access epoch: `(slot, count)` packed in a `u64`.
    #[inline]
    pub(crate) fn epoch(&mut self) -> u64 {
        let c = self.fresh();
        pack(self.slot, c)
    }

    /// The tag naming this thread's clock now (see the module docs).
    #[inline]
    fn tag(&self) -> u64 {
        tag_of(self.slot, self.clock.get(self.slot))
    }

    /// Learns `other`; ticks first only if that changes anything.
    #[inline]
    fn learn(&mut self, other: &VectorClock) {
        if !other.le(&self.clock) {
            self.fresh();
            self.clock.join(other);
        }
    }

    /// Whether a point tagged `tag` carries nothing this thread lacks.
    #[inline]
    fn knows_tag(&self, tag: u64) -> bool {
        match tag {
            TAG_ZERO => true,
            TAG_MIXED => false,
            t => self.clock.get(tag_slot(t)) >= tag_count(t),
        }
    }

    /// The calling thread's worker.
    pub(crate) fn worker(&mut self) -> Option<Arc<Worker>> {
        if self.worker.is_none() {
            self.worker = crate::worker::current_worker();
        }
        self.worker.clone()
    }
}

#[inline]
pub(crate) fn pack(slot: usize, count: u32) -> u64 {
    ((slot as u64) << 32) | count as u64
}

#[inline]
pub(crate) fn unpack(epoch: u64) -> (usize, u32) {
    ((epoch >> 32) as usize, epoch as u32)
}

const TAG_ZERO: u64 = 0;
const TAG_MIXED: u64 = 1;

#[inline]
fn tag_of(slot: usize, count: u32) -> u64 {
    ((slot as u64 + 1) << 32) | count as u64
}

#[inline]
fn tag_slot(tag: u64) -> usize {
    ((tag >> 32) - 1) as usize
}

#[inline]
fn tag_count(tag: u64) -> u32 {
    tag as u32
}

struct ClockSlot(RefCell<Option<ThreadClock>>);

impl Drop for ClockSlot {
    fn drop(&mut self) {
        let _ = TAG_CACHE.try_with(|t| t.set(NO_TAG));
        if let Some(tc) = self.0.get_mut().take() {
            free_slot(tc.slot, &tc.clock);
        }
    }
}

thread_local! {
    static CLOCK: ClockSlot = const { ClockSlot(RefCell::new(None)) };
    /// The calling thread's tag, with [`PUBLISHED`] set when its current
    /// clock has been published, or [`NO_TAG`]: a copy of what `CLOCK` says,
    /// refreshed after every operation on it, that the fast paths of
    /// [`SyncClock`] read without borrowing `CLOCK` (one load from a
    /// thread-local that has no destructor).
    static TAG_CACHE: Cell<u64> = const { Cell::new(NO_TAG) };
}

/// Bit of [`TAG_CACHE`] set when the tag has been published.
const PUBLISHED: u64 = 1 << 63;

/// [`TAG_CACHE`] before the thread has a clock: matches no tag.
const NO_TAG: u64 = u64::MAX;

/// The calling thread's cached tag word (see [`TAG_CACHE`]).
#[inline(always)]
fn cached_tag() -> u64 {
    TAG_CACHE.with(Cell::get)
}

/// Runs `f` on the calling thread's clock, creating it on first use.
/// Returns `None` when the race checker is off, the thread is exiting, or
/// the clock is already in use further up the stack.
#[inline]
pub(crate) fn with_thread_clock<R>(f: impl FnOnce(&mut ThreadClock) -> R) -> Option<R> {
    if !crate::race_enabled() {
        return None;
    }
    with_clock_knowing(None, f)
}

#[inline]
fn with_clock_knowing<R>(knows: Option<&VectorClock>, f: impl FnOnce(&mut ThreadClock) -> R) -> Option<R> {
    CLOCK
        .try_with(|c| {
            let mut cell = c.0.try_borrow_mut().ok()?;
            let tc = cell.get_or_insert_with(|| ThreadClock::start(knows));
            let r = f(tc);
            TAG_CACHE.with(|t| t.set(tc.tag() | if tc.published { PUBLISHED } else { 0 }));
            Some(r)
        })
        .ok()
        .flatten()
}

/// A copy of the calling thread's clock (for reports and tests).
///
/// # Examples
///
/// ```
/// let before = vigil_detector::hb::current_clock();
/// vigil_detector::hb::tick();
/// let after = vigil_detector::hb::current_clock();
/// if vigil_detector::race_enabled() {
///     assert!(before < after);
/// }
/// ```
pub fn current_clock() -> VectorClock {
    with_thread_clock(|tc| tc.clock.clone()).unwrap_or_default()
}

/// Advances the calling thread's own slot.
///
/// # Examples
///
/// ```
/// vigil_detector::hb::tick();
/// ```
pub fn tick() {
    with_thread_clock(|tc| {
        tc.published = false;
        tc.clock.tick(tc.slot);
    });
}

/// The calling thread learns everything `clock` knew (e.g. a joined thread's
/// final clock). A thread's first clock operation starting here (a spawned
/// thread acquiring its parent's clock) may reuse a slot the clock covers.
///
/// # Examples
///
/// ```
/// let mine = vigil_detector::hb::current_clock();
/// vigil_detector::hb::acquire_clock(&mine); // knows it already: no change
/// ```
pub fn acquire_clock(clock: &VectorClock) {
    if !crate::race_enabled() {
        return;
    }
    with_clock_knowing(Some(clock), |tc| tc.learn(clock));
}

/// The calling thread's clock, published (its own count advances lazily,
/// before its next access): what a channel message carries from its send to
/// the receive that gets it. `None` when the race checker is off.
///
/// # Examples
///
/// ```
/// if let Some(sent) = vigil_detector::hb::release_clock() {
///     vigil_detector::hb::acquire_clock(&sent); // on the receiving thread
/// }
/// ```
#[inline]
pub fn release_clock() -> Option<VectorClock> {
    fork()
}

/// [`release_clock`] as a shared snapshot: while the calling thread's clock
/// is unchanged (a run of sends with no tracked access between them) every
/// call returns the same `Arc`, so a message carries its sender's clock
/// without an allocation. `None` when the race checker is off.
///
/// # Examples
///
/// ```
/// let a = vigil_detector::hb::release_shared();
/// let b = vigil_detector::hb::release_shared();
/// if let (Some(a), Some(b)) = (a, b) {
///     assert!(std::sync::Arc::ptr_eq(&a, &b)); // nothing happened in between
/// }
/// ```
#[inline]
pub fn release_shared() -> Option<Arc<VectorClock>> {
    with_thread_clock(|tc| {
        // The tag names the clock: equal tags, equal clocks (module docs).
        let tag = tc.tag();
        if let Some((t, snap)) = &tc.snapshot {
            if *t == tag && tc.published {
                return snap.clone();
            }
        }
        let snap = Arc::new(tc.clock.clone());
        tc.snapshot = Some((tag, snap.clone()));
        tc.published = true;
        snap
    })
}

/// The calling thread's clock, published: what a spawned child starts from.
pub(crate) fn fork() -> Option<VectorClock> {
    with_thread_clock(|tc| {
        tc.published = true;
        tc.clock.clone()
    })
}

/// The calling thread's final clock, taken as it finishes. Not ticked: a
/// `join` waits for the thread's exit, so whatever it still does in
/// thread-local destructors happens before the join returns too.
pub(crate) fn finish() -> Option<VectorClock> {
    with_thread_clock(|tc| {
        tc.published = true;
        tc.clock.clone()
    })
}

// === release / acquire points ===

/// A release/acquire point: what a mutex, a channel slot, a barrier or a
/// `Once` carries so that a later acquirer sees everything its releasers did.
///
/// Call [`release`](SyncClock::release) *before* the operation that lets
/// another thread proceed (before the real unlock, before the value is put
/// in the channel) and [`acquire`](SyncClock::acquire) *after* the operation
/// that waited (after the real lock returns, after the value is taken).
///
/// Both are cheap when nothing is new: a thread taking again a point it
/// released last compares two integers and takes no lock.
///
/// # Examples
///
/// ```
/// use vigil_detector::hb::SyncClock;
///
/// let point = SyncClock::new();
/// point.release(); // e.g. at unlock
/// point.acquire(); // e.g. at the next lock, on another thread
/// ```
#[derive(Debug, Default)]
pub struct SyncClock {
    /// Names the content when it is one thread's clock (module docs).
    tag: AtomicU64,
    clock: Mutex<VectorClock>,
}

impl SyncClock {
    /// A point that carries nothing yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::hb::SyncClock;
    ///
    /// static POINT: SyncClock = SyncClock::new(); // `const`: a primitive's static
    /// assert!(POINT.snapshot().is_zero());
    /// ```
    pub const fn new() -> SyncClock {
        SyncClock { tag: AtomicU64::new(TAG_ZERO), clock: Mutex::new(VectorClock::new()) }
    }

    /// The calling thread publishes everything it has done so far (joined
    /// into what the point already carries).
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::hb::{current_clock, SyncClock};
    ///
    /// let point = SyncClock::new();
    /// point.release(); // e.g. at unlock
    /// if vigil_detector::race_enabled() {
    ///     // The point now carries everything this thread has done so far.
    ///     assert!(current_clock().le(&point.snapshot()));
    /// }
    /// ```
    #[inline(always)]
    pub fn release(&self) {
        if crate::race_enabled() {
            self.release_racing();
        }
    }

    /// [`release`](SyncClock::release) for a caller that has just checked
    /// [`race_enabled`](crate::race_enabled) (a lock's unlock path), so the
    /// check is not repeated on the hottest path there is.
    ///
    /// # Examples
    ///
    /// ```
    /// let point = vigil_detector::hb::SyncClock::new();
    /// if vigil_detector::race_enabled() {
    ///     point.release_racing();
    ///     point.acquire_racing();
    /// }
    /// ```
    #[inline(always)]
    pub fn release_racing(&self) {
        let mine = cached_tag();
        if mine & PUBLISHED != 0 && self.tag.load(Ordering::Acquire) == mine & !PUBLISHED {
            return; // already carries exactly this clock
        }
        self.release_uncached();
    }

    #[inline(never)]
    fn release_uncached(&self) {
        with_thread_clock(|tc| {
            if self.tag.load(Ordering::Acquire) == tc.tag() && tc.published {
                return; // already carries exactly this clock
            }
            self.release_slow(tc, false);
        });
    }

    /// The calling thread learns everything released into this point.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::hb::{current_clock, SyncClock};
    ///
    /// let point = SyncClock::new();
    /// let _ = current_clock(); // this thread has a clock before the other one starts
    /// let theirs = std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         point.release(); // e.g. its unlock
    ///         current_clock()
    ///     })
    ///     .join()
    ///     .unwrap()
    /// });
    /// if vigil_detector::race_enabled() {
    ///     assert!(!theirs.le(&current_clock())); // a std join is no edge vigil sees
    ///     point.acquire(); // e.g. the next lock, here
    ///     assert!(theirs.le(&current_clock())); // what it did happens-before what we do next
    /// }
    /// ```
    #[inline(always)]
    pub fn acquire(&self) {
        if crate::race_enabled() {
            self.acquire_racing();
        }
    }

    /// [`acquire`](SyncClock::acquire) for a caller that has just checked
    /// [`race_enabled`](crate::race_enabled).
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::hb::{current_clock, SyncClock};
    ///
    /// let point = SyncClock::new();
    /// if vigil_detector::race_enabled() { // checked once, as a lock's slow path does
    ///     let theirs = std::thread::scope(|s| {
    ///         s.spawn(|| {
    ///             point.release_racing();
    ///             current_clock()
    ///         })
    ///         .join()
    ///         .unwrap()
    ///     });
    ///     point.acquire_racing();
    ///     assert!(theirs.le(&current_clock()));
    /// }
    /// ```
    #[inline(always)]
    pub fn acquire_racing(&self) {
        let tag = self.tag.load(Ordering::Acquire);
        if tag == TAG_ZERO || tag == cached_tag() & !PUBLISHED {
            return; // carries nothing, or exactly this thread's clock
        }
        self.acquire_uncached();
    }

    #[inline(never)]
    fn acquire_uncached(&self) {
        with_thread_clock(|tc| {
            if tc.knows_tag(self.tag.load(Ordering::Acquire)) {
                return;
            }
            self.acquire_slow(tc);
        });
    }

    /// Replaces the point's clock with the caller's (a plain store that starts
    /// a new release sequence) instead of joining into it.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::hb::{current_clock, SyncClock};
    ///
    /// let point = SyncClock::new();
    /// let _ = current_clock(); // this thread has a clock before the other one starts
    /// let theirs = std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         point.release();
    ///         current_clock()
    ///     })
    ///     .join()
    ///     .unwrap()
    /// });
    /// point.release_store(); // replaces what the other thread released
    /// if vigil_detector::race_enabled() {
    ///     assert_eq!(point.snapshot(), current_clock());
    ///     assert!(!theirs.le(&point.snapshot())); // `release` would have kept it
    /// }
    /// ```
    #[inline]
    pub fn release_store(&self) {
        with_thread_clock(|tc| {
            if self.tag.load(Ordering::Acquire) == tc.tag() && tc.published {
                return;
            }
            self.release_slow(tc, true);
        });
    }

    /// [`acquire`](SyncClock::acquire) then [`release`](SyncClock::release):
    /// an operation that both learns and publishes (a barrier, an `AcqRel`
    /// read-modify-write).
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::hb::{current_clock, SyncClock};
    ///
    /// let point = SyncClock::new();
    /// let theirs = std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         point.release(); // the first thread at a barrier
    ///         current_clock()
    ///     })
    ///     .join()
    ///     .unwrap()
    /// });
    /// point.acquire_release(); // the last one: learns and publishes
    /// if vigil_detector::race_enabled() {
    ///     let mine = current_clock();
    ///     assert!(theirs.le(&mine)); // learned
    ///     assert!(mine.le(&point.snapshot())); // published
    /// }
    /// ```
    #[inline]
    pub fn acquire_release(&self) {
        self.acquire();
        self.release();
    }

    #[cold]
    #[inline(never)]
    fn acquire_slow(&self, tc: &mut ThreadClock) {
        let content = self.clock.lock();
        tc.learn(&content);
    }

    #[inline(never)]
    fn release_slow(&self, tc: &mut ThreadClock, replace: bool) {
        let mut content = self.clock.lock();
        let tag = self.tag.load(Ordering::Relaxed);
        Self::publish(tc, &mut content, &self.tag, tag, replace);
    }

    /// Puts `tc`'s clock into `content` (replacing or joining), with the tag.
    fn publish(
        tc: &mut ThreadClock,
        content: &mut VectorClock,
        tag_cell: &AtomicU64,
        tag: u64,
        replace: bool,
    ) {
        if replace || tc.knows_tag(tag) {
            content.copy_from(&tc.clock);
            tag_cell.store(tc.tag(), Ordering::Release);
        } else {
            content.join(&tc.clock);
            tag_cell.store(TAG_MIXED, Ordering::Release);
        }
        tc.published = true;
    }

    /// A copy of what this point carries.
    ///
    /// # Examples
    ///
    /// ```
    /// let point = vigil_detector::hb::SyncClock::new();
    /// assert_eq!(point.snapshot().width(), 0);
    /// ```
    pub fn snapshot(&self) -> VectorClock {
        self.clock.lock().clone()
    }

    /// Adds `clock` to this point (e.g. a joined thread's final clock).
    ///
    /// # Examples
    ///
    /// ```
    /// let point = vigil_detector::hb::SyncClock::new();
    /// point.join_clock(&vigil_detector::hb::current_clock());
    /// ```
    pub fn join_clock(&self, clock: &VectorClock) {
        if clock.is_zero() {
            return;
        }
        let mut content = self.clock.lock();
        content.join(clock);
        self.tag.store(TAG_MIXED, Ordering::Release);
    }

    // === the clock side of instrumented atomics ===

    /// Runs the real atomic operation `op` with its happens-before effect on
    /// this point (the atomic's clock), per the C++20 model:
    ///
    /// | access | `Relaxed` | `Acquire` | `Release` | `AcqRel` / `SeqCst` |
    /// |---|---|---|---|---|
    /// | load | kept for a later `fence(Acquire)` | acquires | — | acquires |
    /// | store | carries the last `fence(Release)`, else ends the release sequence | — | starts a release sequence | starts a release sequence |
    /// | read-modify-write | continues the sequence (plus the last release fence) | acquires, continues | continues it with the caller's clock | both |
    ///
    /// `relaxed` says every ordering the operation may use is `Relaxed` and
    /// the operation is a load or a read-modify-write (it then skips all
    /// work on an atomic that carries no clock). Pass `false` for a store:
    /// a relaxed store must end a release sequence in the same step as the
    /// store itself, and a skip decided before the store cannot see a
    /// release being published meanwhile (its value could then end up last
    /// while the clock still says "released"). `kind` tells,
    /// from `op`'s result, what the operation turned out to be
    /// (a failed `compare_exchange` is a load with its failure ordering).
    /// `op` runs under the point's lock so that the value order and the
    /// clock order agree; it must be one atomic instruction.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use vigil_detector::hb::{AtomicAccess, SyncClock};
    ///
    /// let (value, clock) = (AtomicUsize::new(0), SyncClock::new());
    /// clock.atomic(false, || value.store(1, Ordering::Release), |_| AtomicAccess::Store(Ordering::Release));
    /// let v = clock.atomic(false, || value.load(Ordering::Acquire), |_| AtomicAccess::Load(Ordering::Acquire));
    /// assert_eq!(v, 1);
    /// ```
    #[inline]
    pub fn atomic<R>(
        &self,
        relaxed: bool,
        op: impl FnOnce() -> R,
        kind: impl FnOnce(&R) -> AtomicAccess,
    ) -> R {
        if !crate::race_enabled() {
            return op();
        }
        // Relaxed loads and read-modify-writes, by a thread without a
        // release fence, change no clock; they only note what they read for
        // a later `fence(Acquire)`, and an atomic that carries no clock has
        // nothing to note. The tag is read *after* the operation: the slow
        // path marks the tag before its own operation (see `atomic_slow`),
        // so reading a value that operation wrote means seeing the mark.
        if relaxed && with_thread_clock(|tc| tc.fence_release.is_none()).unwrap_or(true) {
            let r = op();
            atomic_fence(Ordering::Acquire);
            if self.tag.load(Ordering::Relaxed) != TAG_ZERO {
                self.note_relaxed_read();
            }
            return r;
        }
        self.atomic_slow(op, kind)
    }

    /// A relaxed load or read-modify-write read from an atomic that carries
    /// a clock: kept for the thread's next `fence(Acquire)`.
    #[cold]
    #[inline(never)]
    fn note_relaxed_read(&self) {
        with_thread_clock(|tc| {
            let content = self.clock.lock();
            tc.fence_acquire.join(&content);
        });
    }

    #[inline(never)]
    fn atomic_slow<R>(&self, op: impl FnOnce() -> R, kind: impl FnOnce(&R) -> AtomicAccess) -> R {
        let mut op = Some(op);
        let out = with_thread_clock(|tc| {
            let mut content = self.clock.lock();
            let tag = self.tag.load(Ordering::Relaxed);
            if tag == TAG_ZERO {
                // Mark the operation in progress before it runs, for the
                // relaxed fast path (which checks the tag after its own
                // operation); the fence keeps the mark before the value.
                self.tag.store(TAG_MIXED, Ordering::Relaxed);
                atomic_fence(Ordering::Release);
            }
            let Some(r) = op.take().map(|op| op()) else {
                self.tag.store(tag, Ordering::Release);
                return None;
            };
            // Whether the access below gave the point a new tag; if not, the
            // mark (if any) is taken back at the end.
            let mut tagged = true;
            match kind(&r) {
                AtomicAccess::Load(o) => {
                    tagged = false;
                    if acquires(o) {
                        tc.learn(&content);
                    } else if tag != TAG_ZERO {
                        tc.fence_acquire.join(&content);
                    }
                }
                AtomicAccess::Store(o) => {
                    if releases(o) {
                        Self::publish(tc, &mut content, &self.tag, tag, true);
                    } else if let Some(fenced) = &tc.fence_release {
                        content.copy_from(fenced);
                        self.tag.store(TAG_MIXED, Ordering::Release);
                    } else if tag != TAG_ZERO {
                        content.clear();
                        self.tag.store(TAG_ZERO, Ordering::Release);
                    } else {
                        tagged = false;
                    }
                }
                AtomicAccess::Rmw(o) => {
                    if acquires(o) {
                        tc.learn(&content);
                    } else if tag != TAG_ZERO {
                        tc.fence_acquire.join(&content);
                    }
                    if releases(o) {
                        Self::publish(tc, &mut content, &self.tag, tag, false);
                    } else if let Some(fenced) =
                        tc.fence_release.as_ref().filter(|f| !VectorClock::le(f, &content))
                    {
                        content.join(fenced);
                        self.tag.store(TAG_MIXED, Ordering::Release);
                    } else {
                        tagged = false;
                    }
                }
            }
            if !tagged {
                self.tag.store(tag, Ordering::Release);
            }
            Some(r)
        })
        .flatten();
        match (out, op) {
            (Some(r), _) => r,
            // The thread's clock is unavailable (exiting): just the operation.
            (None, Some(op)) => op(),
            (None, None) => unreachable!("an atomic operation ran without its result"),
        }
    }
}

/// What an atomic operation turned out to be, for [`SyncClock::atomic`].
///
/// # Examples
///
/// ```
/// use std::sync::atomic::Ordering;
/// use vigil_detector::hb::AtomicAccess;
///
/// // A failed compare-exchange is a load with the failure ordering.
/// let r: Result<u8, u8> = Err(1);
/// let kind = match r {
///     Ok(_) => AtomicAccess::Rmw(Ordering::AcqRel),
///     Err(_) => AtomicAccess::Load(Ordering::Acquire),
/// };
/// assert_eq!(kind, AtomicAccess::Load(Ordering::Acquire));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtomicAccess {
    /// A load (or a failed compare-exchange) with this ordering.
    Load(Ordering),
    /// A store with this ordering.
    Store(Ordering),
    /// A read-modify-write (swap, fetch_*, successful compare-exchange).
    Rmw(Ordering),
}

impl AtomicAccess {}

#[inline]
fn acquires(o: Ordering) -> bool {
    matches!(o, Ordering::Acquire | Ordering::AcqRel | Ordering::SeqCst)
}

#[inline]
fn releases(o: Ordering) -> bool {
    matches!(o, Ordering::Release | Ordering::AcqRel | Ordering::SeqCst)
}

/// The clock side of `fence(order)`, per the C++20 fence rules: a release
/// fence makes the calling thread's later relaxed stores carry its clock at
/// the fence; an acquire fence makes it learn the clocks its earlier relaxed
/// loads read. `AcqRel` and `SeqCst` are both. (The caller issues the real
/// fence.)
///
/// # Examples
///
/// ```
/// use std::sync::atomic::Ordering;
///
/// vigil_detector::hb::fence(Ordering::Release);
/// std::sync::atomic::fence(Ordering::Release);
/// ```
pub fn fence(order: Ordering) {
    with_thread_clock(|tc| {
        if acquires(order) && !tc.fence_acquire.is_zero() {
            let pending = std::mem::take(&mut tc.fence_acquire);
            tc.learn(&pending);
        }
        if releases(order) {
            tc.published = true;
            match &mut tc.fence_release {
                Some(c) => c.copy_from(&tc.clock),
                None => tc.fence_release = Some(tc.clock.clone()),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A final clock that reached `count` at `slot`.
    fn ended_at(slot: usize, count: u32) -> VectorClock {
        let mut c = VectorClock::new();
        c.set(slot, count);
        c
    }

    #[test]
    fn reused_slot_requires_knowing_its_past() {
        let mut knows = VectorClock::new();
        let (a, start, _) = alloc_slot(Some(&knows));
        assert_eq!(start, 1);
        free_slot(a, &ended_at(a, 7));
        // Not knowing slot `a` up to 7: a fresh slot.
        let (b, _, _) = alloc_slot(Some(&knows));
        assert_ne!(a, b);
        knows.set(a, 7);
        let (c, start, clock) = alloc_slot(Some(&knows));
        assert_eq!((c, start), (a, 8));
        assert_eq!(clock, knows);
        free_slot(b, &ended_at(b, 1));
        free_slot(c, &ended_at(c, 8));
    }

    #[test]
    fn an_outside_thread_starts_knowing_every_ended_thread() {
        let (a, _, _) = alloc_slot(Some(&VectorClock::new()));
        free_slot(a, &ended_at(a, 5));
        let (slot, start, clock) = alloc_slot(None);
        // Whatever slot it gets (other tests free slots too), it knows `a`'s
        // end, and starts above every earlier owner of its own slot.
        assert!(clock.get(a) >= 5, "{clock:?}");
        assert!(start > clock.get(slot), "starts at {start}, knows {clock:?}");
        free_slot(slot, &ended_at(slot, start));
    }

    #[test]
    fn tags_round_trip() {
        let t = tag_of(3, 9);
        assert_eq!((tag_slot(t), tag_count(t)), (3, 9));
        assert!(t > TAG_MIXED);
        assert_eq!(unpack(pack(5, 6)), (5, 6));
    }
}
