//! `Mutex`: std's mutex, with owner tracking, wait and hold times,
//! starvation, and double-lock / cycle / lock-order detection.

use crate::sync::lock_state::LockState;
use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::panic::{Location, RefUnwindSafe, UnwindSafe};
use std::sync::{Arc, LockResult, OnceLock, PoisonError, TryLockError, TryLockResult};
use vigil_detector::lock::held;
use vigil_detector::{LockStats, Op, ResourceKind};

/// A mutual exclusion primitive — mirrors `std::sync::Mutex`.
///
/// # Examples
///
/// ```
/// use vigil::sync::{Arc, Mutex};
///
/// static COUNTER: Mutex<u64> = Mutex::new(0);
///
/// let data = Arc::new(Mutex::named("data", vec![1, 2]));
/// let d = data.clone();
/// vigil::thread::spawn(move || d.lock().unwrap().push(3)).join().unwrap();
/// assert_eq!(*data.lock().unwrap(), [1, 2, 3]);
///
/// *COUNTER.lock().unwrap() += 1;
/// assert_eq!(*COUNTER.lock().unwrap(), 1);
/// ```
///
/// # Differences from the standard library
///
/// The same API, poisoning and guards (`MutexGuard<'a, T>`), plus:
///
/// - every acquisition records its owner and site (`#[track_caller]`); an
///   acquisition that must wait is timed (wait histogram), shown as its
///   worker blocked in `lock`, and counted as a waiter; hold times of
///   contended holds go to a hold histogram;
/// - Go 1.9's starvation mode is tracked ([`is_starving`](Mutex::is_starving));
/// - locking a mutex the thread already holds is reported as a
///   `double_lock` with both sites and **panics** with that report instead
///   of hanging (`VIGIL_DOUBLE_LOCK_PANIC=0` makes it hang, as std may);
/// - a wait-for cycle (AB-BA) is reported as a `cycle` while it happens,
///   and a lock-order inversion as `lock_order` even if the run got lucky;
/// - unlock → next lock is a happens-before edge for the race checker;
/// - extras: [`named`](Mutex::named), [`waiters`](Mutex::waiters),
///   [`is_starving`](Mutex::is_starving), [`stats`](Mutex::stats).
///
/// Waiters spin briefly, then park on vigil's own queue and retry, so the
/// order in which waiters get the lock may differ from std's (neither
/// promises one).
pub struct Mutex<T: ?Sized> {
    state: OnceLock<Arc<LockState>>,
    site: &'static Location<'static>,
    inner: std::sync::Mutex<T>,
}

impl<T: ?Sized> UnwindSafe for Mutex<T> {}
impl<T: ?Sized> RefUnwindSafe for Mutex<T> {}

/// A scoped lock of a [`Mutex`] — mirrors `std::sync::MutexGuard`; unlocks on drop.
///
/// # Examples
///
/// ```
/// let m = vigil::sync::Mutex::new(1);
/// let mut guard: vigil::sync::MutexGuard<'_, i32> = m.lock().unwrap();
/// *guard += 1;
/// drop(guard);
/// assert_eq!(*m.lock().unwrap(), 2);
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized + 'a> {
    lock: &'a Mutex<T>,
    state: Option<&'a LockState>,
    inner: ManuallyDrop<std::sync::MutexGuard<'a, T>>,
}

impl<T> Mutex<T> {
    /// Creates an unlocked mutex; `const`, so it can initialise a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// static M: vigil::sync::Mutex<Vec<u8>> = vigil::sync::Mutex::new(Vec::new());
    /// M.lock().unwrap().push(1);
    /// ```
    #[track_caller]
    pub const fn new(t: T) -> Mutex<T> {
        Mutex { state: OnceLock::new(), site: Location::caller(), inner: std::sync::Mutex::new(t) }
    }

    /// Creates an unlocked mutex that reports, snapshots and the dashboard
    /// show as `name` (an unnamed one is shown by its creation site).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = vigil::sync::Mutex::named("accounts", 0);
    /// *m.lock().unwrap() += 1;
    /// ```
    #[track_caller]
    pub fn named(name: impl Into<String>, t: T) -> Mutex<T> {
        let m = Mutex::new(t);
        if vigil_detector::enabled() {
            let _ = m.state.set(LockState::new(ResourceKind::Mutex, Some(name.into()), m.site));
        }
        m
    }

    /// Consumes the mutex, returning the data.
    ///
    /// # Errors
    ///
    /// As std: `Err` (still holding the data) if the mutex is poisoned.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = vigil::sync::Mutex::new(7);
    /// assert_eq!(m.into_inner().unwrap(), 7);
    /// ```
    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    #[inline]
    fn state(&self) -> &Arc<LockState> {
        LockState::in_cell(&self.state, ResourceKind::Mutex, self.site)
    }

    #[inline(always)]
    fn tracked(&self) -> Option<&Arc<LockState>> {
        LockState::tracked_in(&self.state, ResourceKind::Mutex, self.site)
    }

    /// Acquires the mutex, blocking the current thread until it can.
    ///
    /// # Errors
    ///
    /// As std: `Err` with the guard if another holder panicked (poisoning).
    ///
    /// # Panics
    ///
    /// If the calling thread already holds this mutex: vigil reports a
    /// `double_lock` with both sites and panics with that report (std would
    /// deadlock or panic). Set `VIGIL_DOUBLE_LOCK_PANIC=0` to hang instead.
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
    /// let m = vigil::sync::Mutex::new(0);
    /// *m.lock().unwrap() = 10;
    /// assert_eq!(*m.lock().unwrap(), 10);
    /// ```
    #[track_caller]
    #[inline(always)]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        self.lock_at(Location::caller())
    }

    #[inline(always)]
    pub(crate) fn lock_at(&self, site: &'static Location<'static>) -> LockResult<MutexGuard<'_, T>> {
        let Some(st) = self.tracked() else {
            return self.wrap(self.inner.lock(), None);
        };
        let r = match self.inner.try_lock() {
            Ok(g) => Ok(g),
            Err(TryLockError::Poisoned(p)) => Err(p),
            Err(TryLockError::WouldBlock) => self.lock_slow(st, site),
        };
        st.acquired_exclusive(site);
        self.wrap(r, Some(st))
    }

    #[cold]
    #[inline(never)]
    fn lock_slow<'a>(
        &'a self,
        st: &Arc<LockState>,
        site: &'static Location<'static>,
    ) -> LockResult<std::sync::MutexGuard<'a, T>> {
        if let Some(first) = held::find(st.id()) {
            st.double_lock(first, site, "lock");
            // Not panicking: wait forever, as std would.
            return self.inner.lock();
        }
        st.wait(Op::Lock, site, || match self.inner.try_lock() {
            Ok(g) => Some(Ok(g)),
            Err(TryLockError::Poisoned(p)) => Some(Err(p)),
            Err(TryLockError::WouldBlock) => None,
        })
    }

    #[inline(always)]
    fn wrap<'a>(
        &'a self,
        r: LockResult<std::sync::MutexGuard<'a, T>>,
        state: Option<&'a Arc<LockState>>,
    ) -> LockResult<MutexGuard<'a, T>> {
        let state = state.map(|s| &**s);
        match r {
            Ok(g) => Ok(MutexGuard { lock: self, state, inner: ManuallyDrop::new(g) }),
            Err(p) => {
                if let Some(st) = state {
                    st.set_poisoned(true);
                }
                Err(PoisonError::new(MutexGuard {
                    lock: self,
                    state,
                    inner: ManuallyDrop::new(p.into_inner()),
                }))
            }
        }
    }

    /// Attempts to acquire the mutex without blocking.
    ///
    /// # Errors
    ///
    /// As std: `WouldBlock` if it is locked (including by the calling
    /// thread), `Poisoned` if a holder panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = vigil::sync::Mutex::new(1);
    /// let g = m.lock().unwrap();
    /// assert!(m.try_lock().is_err());
    /// drop(g);
    /// assert!(m.try_lock().is_ok());
    /// ```
    #[track_caller]
    #[inline]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        if !vigil_detector::enabled() {
            return match self.inner.try_lock() {
                Ok(g) => Ok(MutexGuard { lock: self, state: None, inner: ManuallyDrop::new(g) }),
                Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
                Err(TryLockError::Poisoned(p)) => Err(TryLockError::Poisoned(PoisonError::new(MutexGuard {
                    lock: self,
                    state: None,
                    inner: ManuallyDrop::new(p.into_inner()),
                }))),
            };
        }
        let site = Location::caller();
        let r = match self.inner.try_lock() {
            Ok(g) => Ok(g),
            Err(TryLockError::WouldBlock) => return Err(TryLockError::WouldBlock),
            Err(TryLockError::Poisoned(p)) => Err(p),
        };
        let st = self.state();
        st.acquired_exclusive(site);
        self.wrap(r, Some(st)).map_err(TryLockError::Poisoned)
    }

    /// Whether a holder panicked while holding the mutex.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = vigil::sync::Mutex::new(0);
    /// assert!(!m.is_poisoned());
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
    /// use vigil::sync::{Arc, Mutex};
    ///
    /// let m = Arc::new(Mutex::new(0));
    /// let m2 = m.clone();
    /// let _ = vigil::thread::spawn(move || {
    ///     let _g = m2.lock().unwrap();
    ///     panic!("poison");
    /// })
    /// .join();
    /// assert!(m.is_poisoned());
    /// m.clear_poison();
    /// assert!(!m.is_poisoned());
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
    /// As std: `Err` (still giving the reference) if the mutex is poisoned.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = vigil::sync::Mutex::new(0);
    /// *m.get_mut().unwrap() = 10;
    /// assert_eq!(*m.lock().unwrap(), 10);
    /// ```
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }

    /// Workers waiting for this mutex now (those past the short spin).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = vigil::sync::Mutex::new(());
    /// assert_eq!(m.waiters(), 0);
    /// ```
    pub fn waiters(&self) -> usize {
        self.state.get().map_or(0, |s| s.waiters())
    }

    /// Whether the mutex is in Go 1.9's starvation mode: a waiter has waited
    /// longer than `VIGIL_STARVATION_MS` (default 1 ms), and neither a
    /// short-waiting nor the last waiter has acquired it since.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = vigil::sync::Mutex::new(());
    /// assert!(!m.is_starving());
    /// ```
    pub fn is_starving(&self) -> bool {
        self.state.get().is_some_and(|s| s.is_starving())
    }

    /// Live statistics: acquisitions, contended acquisitions, waiters and
    /// who they are, the owner and where it locked, wait and hold
    /// histograms, starvation state and transition counts, poisoning.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = vigil::sync::Mutex::named("counter", 0);
    /// *m.lock().unwrap() += 1;
    /// # #[cfg(feature = "detect")]
    /// assert_eq!(m.stats().acquisitions, 1);
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

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    #[track_caller]
    fn from(t: T) -> Mutex<T> {
        Mutex::new(t)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        if let Some(st) = self.state.get() {
            use vigil_detector::Resource;
            d.field("name", &st.meta().name());
        }
        match self.inner.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(TryLockError::Poisoned(err)) => d.field("data", &&**err.get_ref()),
            Err(TryLockError::WouldBlock) => d.field("data", &format_args!("<locked>")),
        };
        d.field("poisoned", &self.is_poisoned());
        d.finish_non_exhaustive()
    }
}

// === impl MutexGuard ===

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// The mutex this guard locks (for `Condvar`).
    pub(crate) fn mutex(&self) -> &'a Mutex<T> {
        self.lock
    }
}

impl<T: ?Sized> Mutex<T> {
    /// The tracking state, if the mutex has been tracked yet (for `Condvar`).
    pub(crate) fn tracked_state(&self) -> Option<&Arc<LockState>> {
        self.state.get()
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
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

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}
