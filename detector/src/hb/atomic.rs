//! The clock side of instrumented atomics ([`SyncClock::atomic`]) and of
//! fences ([`fence`]), per the C++20 model.

use super::thread_clock::with_thread_clock;
use super::{SyncClock, TAG_MIXED, TAG_ZERO};
use crate::clock::VectorClock;
use crate::sync::{atomic_fence, Ordering};

impl SyncClock {
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
