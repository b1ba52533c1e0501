//! The calling thread's clock: created on first use in its slot, ticked
//! lazily (only after it was published), forked to a spawned thread and
//! finished for the joiner; [`TAG_CACHE`] mirrors its tag for the fast
//! paths of `SyncClock`.

use super::slots::{alloc_slot, free_slot};
use super::{pack, tag_count, tag_of, tag_slot, TAG_MIXED, TAG_ZERO};
use crate::clock::VectorClock;
use crate::sync::Arc;
use crate::worker::Worker;
use std::cell::{Cell, RefCell};

/// A thread's own clock and slot.
pub(crate) struct ThreadClock {
    pub(crate) slot: usize,
    pub(crate) clock: VectorClock,
    /// The current count has been published (released, forked, fenced):
    /// the next access or change must tick first.
    pub(super) published: bool,
    /// The calling thread's worker, cached for shadow state.
    worker: Option<Arc<Worker>>,
    /// The clock at the last `fence(Release)`, carried by later relaxed stores.
    pub(super) fence_release: Option<VectorClock>,
    /// What relaxed loads read since the last `fence(Acquire)`.
    pub(super) fence_acquire: VectorClock,
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
    pub(super) fn tag(&self) -> u64 {
        tag_of(self.slot, self.clock.get(self.slot))
    }

    /// Learns `other`; ticks first only if that changes anything.
    #[inline]
    pub(super) fn learn(&mut self, other: &VectorClock) {
        if !other.le(&self.clock) {
            self.fresh();
            self.clock.join(other);
        }
    }

    /// Whether a point tagged `tag` carries nothing this thread lacks.
    #[inline]
    pub(super) fn knows_tag(&self, tag: u64) -> bool {
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

struct ClockSlot(RefCell<Option<ThreadClock>>);

impl Drop for ClockSlot {
    fn drop(&mut self) {
        let _ = TAG_CACHE.try_with(|t| t.set(NO_TAG));
        if let Some(tc) = self.0.get_mut().take() {
            retire(tc);
        }
    }
}

/// A clock whose owner has ended (a thread exiting, a task dropped) gives
/// its slot back.
pub(crate) fn retire(tc: ThreadClock) {
    free_slot(tc.slot, &tc.clock);
}

/// Exchanges the calling thread's clock with `saved` (a task entering or
/// leaving a poll): between polls a task's clock lives in its record, and
/// the thread's own waits there while the task runs. Returns `false` (and
/// changes nothing) if the clock is in use further up the stack or the
/// thread is exiting.
#[inline]
pub(crate) fn swap(saved: &mut Option<ThreadClock>) -> bool {
    CLOCK
        .try_with(|c| {
            let Ok(mut cell) = c.0.try_borrow_mut() else { return false };
            std::mem::swap(&mut *cell, saved);
            let tag = match &*cell {
                Some(tc) => tc.tag() | if tc.published { PUBLISHED } else { 0 },
                None => NO_TAG,
            };
            TAG_CACHE.with(|t| t.set(tag));
            true
        })
        .unwrap_or(false)
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
pub(super) const PUBLISHED: u64 = 1 << 63;

/// [`TAG_CACHE`] before the thread has a clock: matches no tag.
const NO_TAG: u64 = u64::MAX;

/// The calling thread's cached tag word (see [`TAG_CACHE`]).
#[inline(always)]
pub(super) fn cached_tag() -> u64 {
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
/// The same publication as [`fork`].
pub(crate) fn finish() -> Option<VectorClock> {
    fork()
}
