//! Happens-before bookkeeping that every primitive shares: per-thread clocks,
//! the spawn and join edges, and [`SyncClock`], the release/acquire point that
//! mutexes, channels, barriers and the rest carry.
//!
//! Every function here is a no-op when the race checker is off
//! (`VIGIL_RACE=off` or `VIGIL=off`), so primitives may call them
//! unconditionally.

use crate::clock::VectorClock;
use crate::sync::Mutex;
use std::cell::RefCell;

// === thread slots ===

/// Slot allocation: a freed slot is handed out again, and its next owner
/// starts counting above everything its previous owners reached, so an old
/// epoch is never mistaken for a newer owner's.
struct Slots {
    next: usize,
    free: Vec<usize>,
    high_water: Vec<u32>,
}

static SLOTS: Mutex<Slots> = Mutex::new(Slots { next: 0, free: Vec::new(), high_water: Vec::new() });

fn alloc_slot() -> (usize, u32) {
    let mut s = SLOTS.lock();
    let slot = match s.free.pop() {
        Some(slot) => slot,
        None => {
            let slot = s.next;
            s.next += 1;
            s.high_water.push(0);
            slot
        }
    };
    (slot, s.high_water[slot] + 1)
}

fn free_slot(slot: usize, reached: u32) {
    let mut s = SLOTS.lock();
    if s.high_water[slot] < reached {
        s.high_water[slot] = reached;
    }
    s.free.push(slot);
}

/// Number of thread slots ever allocated: the width clocks can reach, bounded
/// by the most threads alive at once.
///
/// # Examples
///
/// ```
/// let _width = vigil_detector::hb::slot_count();
/// ```
pub fn slot_count() -> usize {
    SLOTS.lock().next
}

// === the current thread's clock ===

/// A thread's own clock and slot.
pub(crate) struct ThreadClock {
    pub(crate) slot: usize,
    pub(crate) clock: VectorClock,
}

struct ClockSlot(RefCell<Option<ThreadClock>>);

impl Drop for ClockSlot {
    fn drop(&mut self) {
        if let Some(tc) = self.0.get_mut().take() {
            free_slot(tc.slot, tc.clock.get(tc.slot));
        }
    }
}

thread_local! {
    static CLOCK: ClockSlot = const { ClockSlot(RefCell::new(None)) };
}

/// Runs `f` on the calling thread's clock, creating it on first use.
/// Returns `None` when the race checker is off or the thread is exiting.
#[inline]
pub(crate) fn with_thread_clock<R>(f: impl FnOnce(&mut ThreadClock) -> R) -> Option<R> {
    if !crate::race_enabled() {
        return None;
    }
    CLOCK
        .try_with(|c| {
            let mut cell = c.0.borrow_mut();
            let tc = cell.get_or_insert_with(|| {
                let (slot, start) = alloc_slot();
                let mut clock = VectorClock::new();
                clock.set(slot, start);
                ThreadClock { slot, clock }
            });
            f(tc)
        })
        .ok()
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
pub fn tick() {
    with_thread_clock(|tc| {
        tc.clock.tick(tc.slot);
    });
}

// === release / acquire points ===

/// A release/acquire point: what a mutex, a channel slot, a barrier or a
/// `Once` carries so that a later acquirer sees everything its releasers did.
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
    clock: Mutex<VectorClock>,
}

impl SyncClock {
    /// A point that carries nothing yet.
    pub const fn new() -> SyncClock {
        SyncClock { clock: Mutex::new(VectorClock::new()) }
    }

    /// The calling thread publishes everything it has done so far.
    #[inline]
    pub fn release(&self) {
        with_thread_clock(|tc| {
            self.clock.lock().join(&tc.clock);
            tc.clock.tick(tc.slot);
        });
    }

    /// The calling thread learns everything released into this point.
    #[inline]
    pub fn acquire(&self) {
        with_thread_clock(|tc| {
            tc.clock.join(&self.clock.lock());
        });
    }

    /// Replaces the point's clock with the caller's (a plain store that starts
    /// a new release sequence) instead of joining into it.
    pub fn release_store(&self) {
        with_thread_clock(|tc| {
            *self.clock.lock() = tc.clock.clone();
            tc.clock.tick(tc.slot);
        });
    }

    /// A copy of what this point carries.
    pub fn snapshot(&self) -> VectorClock {
        self.clock.lock().clone()
    }

    /// Adds `clock` to this point (e.g. a joined thread's final clock).
    pub fn join_clock(&self, clock: &VectorClock) {
        self.clock.lock().join(clock);
    }
}

/// The calling thread learns everything `clock` knew (e.g. a joined thread's
/// final clock).
pub fn acquire_clock(clock: &VectorClock) {
    with_thread_clock(|tc| tc.clock.join(clock));
}

/// The calling thread's clock, then a tick: what a spawned child starts from.
pub(crate) fn fork() -> Option<VectorClock> {
    with_thread_clock(|tc| {
        let c = tc.clock.clone();
        tc.clock.tick(tc.slot);
        c
    })
}

/// The calling thread's final clock, taken as it finishes.
pub(crate) fn finish() -> Option<VectorClock> {
    with_thread_clock(|tc| {
        let c = tc.clock.clone();
        tc.clock.tick(tc.slot);
        c
    })
}
