//! `Once`: std's one-time initialisation, with the happens-before edge
//! "the initialiser's body → every `call_once` return".

use crate::sync::init_watch::InitWatch;
use std::fmt;
use std::panic::Location;
use std::sync::OnceState;
use vigil_detector::hb::SyncClock;

/// A synchronization primitive for one-time global initialisation —
/// mirrors `std::sync::Once`.
///
/// # Examples
///
/// ```
/// use vigil::sync::Once;
///
/// static INIT: Once = Once::new();
/// static mut VALUE: u32 = 0;
///
/// INIT.call_once(|| unsafe { VALUE = 7 });
/// INIT.call_once(|| unreachable!());
/// assert!(INIT.is_completed());
/// ```
///
/// # Differences from the standard library
///
/// For the race checker, everything the initialiser did happens before
/// every `call_once` / `call_once_force` that returns (std guarantees the
/// same ordering; vigil records it as a happens-before edge). A caller that
/// waits for another thread's initialiser shows as blocked (op `other`, at
/// its call site) in snapshots and leak reports.
pub struct Once {
    inner: std::sync::Once,
    hb: SyncClock,
    watch: InitWatch,
}

impl Once {
    /// A new, not yet run `Once`; `const`, so it can initialise a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// static START: vigil::sync::Once = vigil::sync::Once::new();
    /// assert!(!START.is_completed());
    /// ```
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Once {
        Once { inner: std::sync::Once::new(), hb: SyncClock::new(), watch: InitWatch::new() }
    }

    /// Runs `f` exactly once, even if called from several threads at once;
    /// every caller returns after `f` has finished.
    ///
    /// # Panics
    ///
    /// As std: if `f` panics the `Once` is poisoned and later calls panic.
    ///
    /// # Examples
    ///
    /// ```
    /// let once = vigil::sync::Once::new();
    /// let mut n = 0;
    /// once.call_once(|| n += 1);
    /// once.call_once(|| n += 1);
    /// assert_eq!(n, 1);
    /// ```
    #[inline]
    #[track_caller]
    pub fn call_once<F: FnOnce()>(&self, f: F) {
        if !self.inner.is_completed() {
            self.watch.enter(Location::caller(), || {
                self.inner.call_once(|| {
                    self.watch.run(f);
                    self.hb.release();
                })
            });
        }
        if vigil_detector::race_enabled() {
            self.hb.acquire();
        }
    }

    /// Like [`call_once`](Once::call_once), but runs even if a previous
    /// initialiser panicked, telling `f` so through [`OnceState`].
    ///
    /// # Examples
    ///
    /// ```
    /// let once = vigil::sync::Once::new();
    /// once.call_once_force(|state| assert!(!state.is_poisoned()));
    /// assert!(once.is_completed());
    /// ```
    #[inline]
    #[track_caller]
    pub fn call_once_force<F: FnOnce(&OnceState)>(&self, f: F) {
        if !self.inner.is_completed() {
            self.watch.enter(Location::caller(), || {
                self.inner.call_once_force(|state| {
                    self.watch.run(|| f(state));
                    self.hb.release();
                })
            });
        }
        if vigil_detector::race_enabled() {
            self.hb.acquire();
        }
    }

    /// Whether an initialiser has completed successfully.
    ///
    /// # Examples
    ///
    /// ```
    /// let once = vigil::sync::Once::new();
    /// once.call_once(|| {});
    /// assert!(once.is_completed());
    /// ```
    #[inline]
    pub fn is_completed(&self) -> bool {
        let done = self.inner.is_completed();
        if done && vigil_detector::race_enabled() {
            self.hb.acquire();
        }
        done
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once").finish_non_exhaustive()
    }
}
