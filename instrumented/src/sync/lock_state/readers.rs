//! Shared holds (`RwLock` read): reader counts striped over cache lines,
//! one per thread index, and the clocks read-unlocks release into.

use super::LockState;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use vigil_detector::hb::SyncClock;
use vigil_detector::lock::{held, HeldLock, HeldMode};

/// Reader counters are striped over this many cache lines: one per owned
/// thread index (only its thread writes it, with plain stores) and one that
/// the other threads share (read-modify-writes); see `held::thread_index`.
pub(super) const STRIPES: usize = held::OWNED_INDICES + 1;

/// Low bits of [`Stripe::reads`] that count current readers.
const READERS_BITS: u32 = 24;
pub(super) const READERS_MASK: u64 = (1 << READERS_BITS) - 1;
/// What a read lock adds to [`Stripe::reads`]: one acquisition, one reader.
const READ_LOCKED: u64 = (1 << READERS_BITS) | 1;
/// What a read unlock adds to [`Stripe::reads`] (wrapping): one reader fewer.
const READ_UNLOCKED: u64 = 1u64.wrapping_neg();

/// One reader stripe: current readers and read acquisitions in one word,
/// and the clock read-unlocks release into.
#[repr(align(128))]
#[derive(Default)]
pub(super) struct Stripe {
    /// `acquisitions << READERS_BITS | readers`: a read lock adds
    /// [`READ_LOCKED`], its release subtracts 1. One word, so a read lock
    /// and its release cost one update each.
    pub(super) reads: AtomicU64,
    /// The worker of the thread that owns this stripe's index (owned
    /// stripes only), and where it last read-locked: who holds the lock when
    /// `reads` counts a reader, for the wait-for graph.
    pub(super) reader: AtomicU64,
    pub(super) reader_site: AtomicPtr<Location<'static>>,
    pub(super) release: SyncClock,
    /// A reader released into `release` since a writer last acquired it.
    pub(super) dirty: AtomicBool,
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

impl LockState {
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

    /// `(current readers, read acquisitions)`.
    pub(super) fn reads(&self) -> (usize, u64) {
        // Summed whole and wrapping: a thread that ends holding a read lock
        // releases it on the shared stripe, leaving one reader too many on
        // its own stripe and one too few (borrowed from the acquisitions)
        // on the shared one; the sum is exact.
        let sum = self.stripes.iter().fold(0u64, |n, s| n.wrapping_add(s.reads.load(Ordering::Relaxed)));
        ((sum & READERS_MASK) as usize, sum >> READERS_BITS)
    }

    pub(super) fn readers(&self) -> usize {
        self.reads().0
    }
}
