//! `RwLock`: std's reader-writer lock, with the writer's ownership, reader
//! counts, wait and hold times, starvation, and double-lock / recursive-read
//! / cycle / lock-order detection.

use crate::sync::lock_state::{LockState, ReadHold, ReadNote};
use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::panic::{Location, RefUnwindSafe, UnwindSafe};
use std::sync::{Arc, LockResult, OnceLock, PoisonError, TryLockError, TryLockResult};
use vigil_detector::lock::{held, HeldMode};
use vigil_detector::{LockStats, Op, ResourceKind};

/// A reader-writer lock — mirrors `std::sync::RwLock`.
///
/// # Examples
///
/// ```
/// use vigil::sync::RwLock;
///
/// let lock = RwLock::named("config", 5);
/// {
///     let r1 = lock.read().unwrap();
///     let r2 = lock.read().unwrap();
///     assert_eq!(*r1 + *r2, 10);
/// }
/// *lock.write().unwrap() += 1;
/// assert_eq!(*lock.read().unwrap(), 6);
/// ```
///
/// # Differences from the standard library
///
/// The same API, poisoning and guards, plus:
///
/// - the writer's identity and site, the number of readers, acquisition
///   counts, wait and hold histograms and starvation state are tracked
///   ([`stats`](RwLock::stats)); a lock that must wait is shown as its
///   worker blocked in `read` or `write`;
/// - write-locking (or read-locking) a lock the thread holds for writing,
///   or write-locking one it holds for reading, is a `double_lock`: reported
///   with both sites, then a panic with the report instead of a hang;
/// - read-locking again while holding a read lock and a writer waits is
///   reported as `recursive_read` (Go's RWR deadlock); vigil lets that read
///   through rather than hang;
/// - waiting writers hold back new readers (writer preference, like std's
///   futex lock and Go's `RWMutex`);
/// - write-unlock → later lock and read-unlock → later write lock are
///   happens-before edges for the race checker;
/// - it is 80 bytes larger than std's: vigil's state pointer and the
///   creation site, then 56 bytes that keep std's lock a cache line apart
///   from that pointer, which every read loads first, so that readers on
///   two cores do not fetch the lock's cache line twice.
#[repr(C)] // keeps `_apart` between `state` and `inner`
pub struct RwLock<T: ?Sized> {
    state: OnceLock<Arc<LockState>>,
    site: &'static Location<'static>,
    _apart: [u8; APART],
    inner: std::sync::RwLock<T>,
}

/// Padding that puts std's lock at least one cache line (64 bytes) past the
/// end of `state`, so that no line holds both, wherever the lock is placed.
/// Every read loads `state` before it takes the lock; when readers on two
/// cores share the lock, the lock word's line moves between them on every
/// read, and a reader that found `state` on that line would fetch it twice
/// (shared for the load, then again to take the lock). Measured with two
/// threads reading (the `locks` bench's workload, A/B against the unpadded
/// layout): 8–20% less time per read.
const APART: usize = 64 - std::mem::size_of::<&'static Location<'static>>();

// What `APART` promises, checked at compile time (a `T` of larger alignment
// only moves `inner` further).
const _: () = assert!(
    std::mem::offset_of!(RwLock<()>, inner)
        >= std::mem::offset_of!(RwLock<()>, state) + std::mem::size_of::<OnceLock<Arc<LockState>>>() + 64
);

impl<T: ?Sized> UnwindSafe for RwLock<T> {}
impl<T: ?Sized> RefUnwindSafe for RwLock<T> {}

/// Shared read access to an [`RwLock`] — mirrors `std::sync::RwLockReadGuard`.
///
/// # Examples
///
/// ```
/// let lock = vigil::sync::RwLock::new(1);
/// let r: vigil::sync::RwLockReadGuard<'_, i32> = lock.read().unwrap();
/// assert_eq!(*r, 1);
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized + 'a> {
    hold: Option<ReadHold<'a>>,
    inner: ManuallyDrop<std::sync::RwLockReadGuard<'a, T>>,
}

/// Exclusive write access to an [`RwLock`] — mirrors `std::sync::RwLockWriteGuard`.
///
/// # Examples
///
/// ```
/// let lock = vigil::sync::RwLock::new(1);
/// let mut w: vigil::sync::RwLockWriteGuard<'_, i32> = lock.write().unwrap();
/// *w = 2;
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized + 'a> {
    state: Option<&'a LockState>,
    inner: ManuallyDrop<std::sync::RwLockWriteGuard<'a, T>>,
}

impl<T> RwLock<T> {
    /// Creates an unlocked lock; `const`, so it can initialise a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// static CONFIG: vigil::sync::RwLock<u32> = vigil::sync::RwLock::new(0);
    /// assert_eq!(*CONFIG.read().unwrap(), 0);
    /// ```
    #[track_caller]
    pub const fn new(t: T) -> RwLock<T> {
        RwLock {
            state: OnceLock::new(),
            site: Location::caller(),
            _apart: [0; APART],
            inner: std::sync::RwLock::new(t),
        }
    }

    /// Creates an unlocked lock shown as `name` in reports and snapshots.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = vigil::sync::RwLock::named("routes", Vec::<String>::new());
    /// assert!(lock.read().unwrap().is_empty());
    /// ```
    #[track_caller]
    pub fn named(name: impl Into<String>, t: T) -> RwLock<T> {
        let l = RwLock::new(t);
        if vigil_detector::enabled() {
            let _ = l.state.set(LockState::new(ResourceKind::RwLock, Some(name.into()), l.site));
        }
        l
    }

    /// Consumes the lock, returning the data.
    ///
    /// # Errors
    ///
    /// As std: `Err` (still holding the data) if the lock is poisoned.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = vigil::sync::RwLock::new(String::from("x"));
    /// assert_eq!(lock.into_inner().unwrap(), "x");
    /// ```
    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    #[inline]
    fn state(&self) -> &Arc<LockState> {
        LockState::in_cell(&self.state, ResourceKind::RwLock, self.site)
    }

    #[inline(always)]
    fn tracked(&self) -> Option<&Arc<LockState>> {
        LockState::tracked_in(&self.state, ResourceKind::RwLock, self.site)
    }

    /// Locks for shared reading, blocking while a writer holds the lock or
    /// writers wait.
    ///
    /// # Errors
    ///
    /// As std: `Err` with the guard if a writer panicked (poisoning).
    ///
    /// # Panics
    ///
    /// If the calling thread holds the lock for writing (`double_lock`
    /// report, then panic; `VIGIL_DOUBLE_LOCK_PANIC=0` hangs instead).
    ///
    /// If the wait closes a wait-for cycle (a deadlock) while findings are
    /// failures (`VIGIL_PANIC_ON_LEAK=1`, or a `panicking()` guard over one of
    /// its threads), it panics with the `cycle` report, so that the test
    /// fails instead of hanging. Otherwise the report is printed and the
    /// wait goes on.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = vigil::sync::RwLock::new(3);
    /// assert_eq!(*lock.read().unwrap(), 3);
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        let Some(st) = self.tracked() else {
            return wrap_read(self.inner.read(), None);
        };
        let site = Location::caller();
        let mut note = st.reading(site);
        let first =
            if st.writers_waiting() == 0 { self.inner.try_read() } else { Err(TryLockError::WouldBlock) };
        let r = match first {
            Ok(g) => Ok(g),
            Err(TryLockError::Poisoned(p)) => Err(p),
            Err(TryLockError::WouldBlock) => {
                let (r, noted) = self.read_slow(st, site);
                note = noted;
                r
            }
        };
        let hold = st.acquired_shared_noted(note, site);
        wrap_read(r, Some(hold))
    }

    /// The read lock was not taken at once: forget the note (this lock
    /// must not be found among the held ones while waiting for it), wait,
    /// and note it again.
    #[cold]
    #[inline(never)]
    fn read_slow<'a>(
        &'a self,
        st: &'a Arc<LockState>,
        site: &'static Location<'static>,
    ) -> (LockResult<std::sync::RwLockReadGuard<'a, T>>, ReadNote<'a>) {
        st.forget_read();
        let r = self.read_wait(st, site);
        (r, st.reading(site))
    }

    fn read_wait<'a>(
        &'a self,
        st: &Arc<LockState>,
        site: &'static Location<'static>,
    ) -> LockResult<std::sync::RwLockReadGuard<'a, T>> {
        let mut writer_preference = true;
        if let Some(first) = held::find(st.id()) {
            match first.mode {
                HeldMode::Exclusive => {
                    st.double_lock(first, site, "read");
                    return self.inner.read();
                }
                HeldMode::Shared => {
                    if st.writers_waiting() > 0 {
                        st.recursive_read(first, site);
                    }
                    // Holding back for writers would deadlock this thread.
                    writer_preference = false;
                }
            }
        }
        let try_read = || {
            if writer_preference && st.writers_waiting() > 0 {
                return None;
            }
            match self.inner.try_read() {
                Ok(g) => Some(Ok(g)),
                Err(TryLockError::Poisoned(p)) => Some(Err(p)),
                Err(TryLockError::WouldBlock) => None,
            }
        };
        st.wait(Op::Read, site, try_read)
    }

    /// Locks for exclusive writing, blocking until no reader or writer holds it.
    ///
    /// # Errors
    ///
    /// As std: `Err` with the guard if a writer panicked (poisoning).
    ///
    /// # Panics
    ///
    /// If the calling thread already holds the lock (read or write):
    /// `double_lock` report, then panic (`VIGIL_DOUBLE_LOCK_PANIC=0` hangs instead).
    ///
    /// If the wait closes a wait-for cycle (a deadlock) while findings are
    /// failures (`VIGIL_PANIC_ON_LEAK=1`, or a `panicking()` guard over one of
    /// its threads), it panics with the `cycle` report, so that the test
    /// fails instead of hanging. Otherwise the report is printed and the
    /// wait goes on.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = vigil::sync::RwLock::new(3);
    /// *lock.write().unwrap() = 4;
    /// assert_eq!(*lock.read().unwrap(), 4);
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        let Some(st) = self.tracked() else {
            return wrap_write(self.inner.write(), None);
        };
        let site = Location::caller();
        let r = match self.inner.try_write() {
            Ok(g) => Ok(g),
            Err(TryLockError::Poisoned(p)) => Err(p),
            Err(TryLockError::WouldBlock) => self.write_slow(st, site),
        };
        st.acquired_exclusive(site);
        wrap_write(r, Some(st))
    }

    #[cold]
    #[inline(never)]
    fn write_slow<'a>(
        &'a self,
        st: &Arc<LockState>,
        site: &'static Location<'static>,
    ) -> LockResult<std::sync::RwLockWriteGuard<'a, T>> {
        if let Some(first) = held::find(st.id()) {
            st.double_lock(first, site, "write");
            return self.inner.write();
        }
        st.wait(Op::Write, site, || match self.inner.try_write() {
            Ok(g) => Some(Ok(g)),
            Err(TryLockError::Poisoned(p)) => Some(Err(p)),
            Err(TryLockError::WouldBlock) => None,
        })
    }

    /// Attempts to lock for reading without blocking.
    ///
    /// # Errors
    ///
    /// As std: `WouldBlock` if a writer holds it, `Poisoned` if a writer panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = vigil::sync::RwLock::new(1);
    /// assert!(lock.try_read().is_ok());
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        let r = match self.inner.try_read() {
            Ok(g) => Ok(g),
            Err(TryLockError::WouldBlock) => return Err(TryLockError::WouldBlock),
            Err(TryLockError::Poisoned(p)) => Err(p),
        };
        let hold = if vigil_detector::enabled() {
            Some(self.state().acquired_shared(Location::caller()))
        } else {
            None
        };
        wrap_read(r, hold).map_err(TryLockError::Poisoned)
    }

    /// Attempts to lock for writing without blocking.
    ///
    /// # Errors
    ///
    /// As std: `WouldBlock` if anyone holds it, `Poisoned` if a writer panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = vigil::sync::RwLock::new(1);
    /// let r = lock.read().unwrap();
    /// assert!(lock.try_write().is_err());
    /// drop(r);
    /// assert!(lock.try_write().is_ok());
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let r = match self.inner.try_write() {
            Ok(g) => Ok(g),
            Err(TryLockError::WouldBlock) => return Err(TryLockError::WouldBlock),
            Err(TryLockError::Poisoned(p)) => Err(p),
        };
        let st = if vigil_detector::enabled() {
            let st = self.state();
            st.acquired_exclusive(Location::caller());
            Some(st)
        } else {
            None
        };
        wrap_write(r, st).map_err(TryLockError::Poisoned)
    }

    /// Whether a writer panicked while holding the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!vigil::sync::RwLock::new(0).is_poisoned());
    /// ```
    #[inline]
    pub fn is_poisoned(&self) -> bool {
        self.inner.is_poisoned()
    }

    /// Clears the poisoned state.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = vigil::sync::RwLock::new(0);
    /// lock.clear_poison();
    /// assert!(!lock.is_poisoned());
    /// ```
    pub fn clear_poison(&self) {
        self.inner.clear_poison();
        if let Some(st) = self.state.get() {
            st.set_poisoned(false);
        }
    }

    /// A mutable reference to the data; no locking needed.
    ///
    /// # Errors
    ///
    /// As std: `Err` (still giving the reference) if the lock is poisoned.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = vigil::sync::RwLock::new(0);
    /// *lock.get_mut().unwrap() = 9;
    /// assert_eq!(*lock.read().unwrap(), 9);
    /// ```
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }

    /// Readers and writers waiting now (past the short spin).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(vigil::sync::RwLock::new(()).waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.state.get().map_or(0, |s| s.waiters())
    }

    /// Whether the lock is in Go 1.9's starvation mode (see [`Mutex::is_starving`](crate::sync::Mutex::is_starving)).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!vigil::sync::RwLock::new(()).is_starving());
    /// ```
    pub fn is_starving(&self) -> bool {
        self.state.get().is_some_and(|s| s.is_starving())
    }

    /// Live statistics: acquisitions (reads and writes), contended ones,
    /// waiters, the writer and its site, current readers, wait and hold
    /// histograms, starvation, poisoning.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = vigil::sync::RwLock::new(0);
    /// let _r = lock.read().unwrap();
    /// # #[cfg(feature = "detect")]
    /// assert_eq!(lock.stats().readers, 1);
    /// ```
    pub fn stats(&self) -> LockStats {
        if !vigil_detector::enabled() {
            return LockStats { poisoned: self.is_poisoned(), ..LockStats::default() };
        }
        let mut s = self.state().lock_stats();
        s.poisoned = self.is_poisoned();
        s
    }
}

#[inline(always)]
fn wrap_read<'a, T: ?Sized>(
    r: LockResult<std::sync::RwLockReadGuard<'a, T>>,
    hold: Option<ReadHold<'a>>,
) -> LockResult<RwLockReadGuard<'a, T>> {
    match r {
        Ok(g) => Ok(RwLockReadGuard { hold, inner: ManuallyDrop::new(g) }),
        Err(p) => {
            if let Some(h) = hold {
                h.state().set_poisoned(true);
            }
            Err(PoisonError::new(RwLockReadGuard { hold, inner: ManuallyDrop::new(p.into_inner()) }))
        }
    }
}

#[inline(always)]
fn wrap_write<'a, T: ?Sized>(
    r: LockResult<std::sync::RwLockWriteGuard<'a, T>>,
    state: Option<&'a Arc<LockState>>,
) -> LockResult<RwLockWriteGuard<'a, T>> {
    let state = state.map(|s| &**s);
    match r {
        Ok(g) => Ok(RwLockWriteGuard { state, inner: ManuallyDrop::new(g) }),
        Err(p) => {
            if let Some(st) = state {
                st.set_poisoned(true);
            }
            Err(PoisonError::new(RwLockWriteGuard { state, inner: ManuallyDrop::new(p.into_inner()) }))
        }
    }
}

impl<T: Default> Default for RwLock<T> {
    #[track_caller]
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    #[track_caller]
    fn from(t: T) -> RwLock<T> {
        RwLock::new(t)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        if let Some(st) = self.state.get() {
            use vigil_detector::Resource;
            d.field("name", &st.meta().name());
        }
        match self.inner.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(TryLockError::Poisoned(err)) => d.field("data", &&**err.get_ref()),
            Err(TryLockError::WouldBlock) => d.field("data", &format_args!("<locked>")),
        };
        d.field("poisoned", &self.is_poisoned());
        d.finish_non_exhaustive()
    }
}

// === impl guards ===

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        if let Some(h) = self.hold {
            h.releasing();
        }
        // SAFETY: `inner` is dropped exactly once, here, and never used after.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
        if let Some(h) = self.hold {
            h.released();
        }
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        if let Some(st) = self.state {
            st.releasing_exclusive();
        }
        // SAFETY: `inner` is dropped exactly once, here, and never used after.
        unsafe { ManuallyDrop::drop(&mut self.inner) };
        if let Some(st) = self.state {
            st.released();
        }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}
