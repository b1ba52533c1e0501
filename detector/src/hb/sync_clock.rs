//! [`SyncClock`]: the release/acquire point every primitive carries.

use super::thread_clock::{cached_tag, with_thread_clock, ThreadClock, PUBLISHED};
use super::{TAG_MIXED, TAG_ZERO};
use crate::clock::VectorClock;
use crate::sync::{AtomicU64, Mutex, Ordering};

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
    pub(super) tag: AtomicU64,
    pub(super) clock: Mutex<VectorClock>,
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
    pub(super) fn publish(
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
}
