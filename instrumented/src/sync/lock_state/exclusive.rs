//! Exclusive holds (`Mutex`, `RwLock` write): the owner and its site, the
//! hold time, and the happens-before clocks of unlock → next lock.

use super::{stamp_age, LockState};
use std::panic::Location;
use std::sync::atomic::Ordering;
use vigil_detector::lock::{held, HeldLock, HeldMode};

impl LockState {
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
}
