//! `Condvar`: a condition variable over vigil's `Mutex`, whose waits are
//! visible (blocked in `condvar_wait`) and whose mutex is released and
//! re-acquired through the mutex's own tracked paths.

use crate::sync::{Mutex, MutexGuard};
use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LockResult, OnceLock, PoisonError, WaitTimeoutResult};
use std::time::{Duration, Instant};
use vigil_detector::{on_block, CounterStats, Op, Resource, ResourceKind, ResourceMeta, ResourceStats};

/// A condition variable — mirrors `std::sync::Condvar`, taking vigil's
/// [`MutexGuard`].
///
/// # Examples
///
/// ```
/// use vigil::sync::{Arc, Condvar, Mutex};
///
/// let pair = Arc::new((Mutex::new(false), Condvar::new()));
/// let pair2 = pair.clone();
/// vigil::thread::spawn(move || {
///     let (lock, cvar) = &*pair2;
///     *lock.lock().unwrap() = true;
///     cvar.notify_one();
/// });
/// let (lock, cvar) = &*pair;
/// let started = cvar.wait_while(lock.lock().unwrap(), |started| !*started).unwrap();
/// assert!(*started);
/// ```
///
/// # Differences from the standard library
///
/// A waiting thread is shown as blocked in `condvar_wait` on the condition
/// variable (and its mutex) from the moment it releases the mutex; the
/// mutex's release and re-acquisition go through the mutex's tracked paths
/// (owner, held-lock stack, happens-before). std panics when one condition
/// variable is used with two different mutexes; vigil allows it.
pub struct Condvar {
    state: OnceLock<Arc<CondvarState>>,
    site: &'static Location<'static>,
    waiters: AtomicUsize,
    lock: std::sync::Mutex<()>,
    cv: std::sync::Condvar,
}

struct CondvarState {
    meta: ResourceMeta,
    waiting: AtomicUsize,
    notified: AtomicUsize,
}

impl Resource for CondvarState {
    fn meta(&self) -> &ResourceMeta {
        &self.meta
    }

    fn summary(&self) -> String {
        format!(
            "{} waiting, {} notifications",
            self.waiting.load(Ordering::Relaxed),
            self.notified.load(Ordering::Relaxed)
        )
    }

    fn stats(&self) -> ResourceStats {
        ResourceStats::Counter(CounterStats {
            count: self.notified.load(Ordering::Relaxed) as i64,
            capacity: None,
            waiters: self.waiting.load(Ordering::Relaxed),
        })
    }
}

impl Drop for CondvarState {
    fn drop(&mut self) {
        vigil_detector::unregister_resource(self.meta.id());
    }
}

impl Condvar {
    /// Creates a condition variable; `const`, so it can initialise a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// static READY: vigil::sync::Condvar = vigil::sync::Condvar::new();
    /// READY.notify_all();
    /// ```
    #[track_caller]
    pub const fn new() -> Condvar {
        Condvar {
            state: OnceLock::new(),
            site: Location::caller(),
            waiters: AtomicUsize::new(0),
            lock: std::sync::Mutex::new(()),
            cv: std::sync::Condvar::new(),
        }
    }

    fn state(&self) -> &Arc<CondvarState> {
        self.state.get_or_init(|| {
            let st = Arc::new(CondvarState {
                meta: ResourceMeta::new(ResourceKind::Condvar, None, self.site),
                waiting: AtomicUsize::new(0),
                notified: AtomicUsize::new(0),
            });
            vigil_detector::register_resource(st.clone());
            st
        })
    }

    /// Releases the guard's mutex, waits for a notification (or a spurious
    /// wake-up), and re-locks the mutex.
    ///
    /// # Errors
    ///
    /// As std: `Err` with the re-acquired guard if the mutex is poisoned.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::sync::{Arc, Condvar, Mutex};
    ///
    /// let pair = Arc::new((Mutex::new(0), Condvar::new()));
    /// let p = pair.clone();
    /// vigil::thread::spawn(move || {
    ///     *p.0.lock().unwrap() = 1;
    ///     p.1.notify_all();
    /// });
    /// let mut n = pair.0.lock().unwrap();
    /// while *n == 0 {
    ///     n = pair.1.wait(n).unwrap();
    /// }
    /// ```
    #[track_caller]
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        self.wait_at(guard, None, Location::caller())
            .map(|(g, _)| g)
            .map_err(|e| PoisonError::new(e.into_inner().0))
    }

    /// Waits while `condition` holds, re-checking after every wake-up.
    ///
    /// # Errors
    ///
    /// As std: `Err` with the guard if the mutex is poisoned.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::sync::{Arc, Condvar, Mutex};
    ///
    /// let pair = Arc::new((Mutex::new(true), Condvar::new()));
    /// let p = pair.clone();
    /// vigil::thread::spawn(move || {
    ///     *p.0.lock().unwrap() = false;
    ///     p.1.notify_one();
    /// });
    /// let g = pair.1.wait_while(pair.0.lock().unwrap(), |pending| *pending).unwrap();
    /// assert!(!*g);
    /// ```
    #[track_caller]
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        let site = Location::caller();
        while condition(&mut *guard) {
            guard = match self.wait_at(guard, None, site) {
                Ok((g, _)) => g,
                Err(e) => return Err(PoisonError::new(e.into_inner().0)),
            };
        }
        Ok(guard)
    }

    /// Waits for a notification or until `dur` has passed.
    ///
    /// # Errors
    ///
    /// As std: `Err` with the guard and result if the mutex is poisoned.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let m = vigil::sync::Mutex::new(());
    /// let cv = vigil::sync::Condvar::new();
    /// let (_g, res) = cv.wait_timeout(m.lock().unwrap(), Duration::from_millis(1)).unwrap();
    /// assert!(res.timed_out());
    /// ```
    #[track_caller]
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        self.wait_at(guard, Some(dur), Location::caller())
    }

    /// Waits while `condition` holds, at most `dur` in total.
    ///
    /// # Errors
    ///
    /// As std: `Err` with the guard and result if the mutex is poisoned.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let m = vigil::sync::Mutex::new(0);
    /// let cv = vigil::sync::Condvar::new();
    /// let (g, res) = cv.wait_timeout_while(m.lock().unwrap(), Duration::from_millis(5), |n| *n == 0).unwrap();
    /// assert!(res.timed_out());
    /// assert_eq!(*g, 0);
    /// ```
    #[track_caller]
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        dur: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        let site = Location::caller();
        let start = Instant::now();
        loop {
            if !condition(&mut *guard) {
                return Ok((guard, timeout_result(false)));
            }
            let timeout = match dur.checked_sub(start.elapsed()) {
                Some(t) => t,
                None => return Ok((guard, timeout_result(true))),
            };
            guard = self.wait_at(guard, Some(timeout), site)?.0;
        }
    }

    /// Wakes one waiting thread, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// vigil::sync::Condvar::new().notify_one();
    /// ```
    pub fn notify_one(&self) {
        if self.waiters.load(Ordering::SeqCst) != 0 {
            let _g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.cv.notify_one();
            if let Some(st) = self.state.get() {
                st.notified.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Wakes every waiting thread.
    ///
    /// # Examples
    ///
    /// ```
    /// vigil::sync::Condvar::new().notify_all();
    /// ```
    pub fn notify_all(&self) {
        if self.waiters.load(Ordering::SeqCst) != 0 {
            let _g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            self.cv.notify_all();
            if let Some(st) = self.state.get() {
                st.notified.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The one wait: take the internal lock before releasing the mutex, so
    /// a notification sent after the release cannot be missed.
    fn wait_at<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Option<Duration>,
        site: &'static Location<'static>,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        let mutex: &'a Mutex<T> = guard.mutex();
        let internal = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let tracked = vigil_detector::enabled().then(|| {
            let st = self.state().clone();
            st.waiting.fetch_add(1, Ordering::Relaxed);
            let mut resources: Vec<Arc<dyn Resource>> = vec![st.clone()];
            if let Some(m) = mutex.tracked_state() {
                resources.push(m.clone());
            }
            (st, on_block(Op::CondvarWait, site, resources))
        });
        drop(guard);
        let (internal, result) = match dur {
            None => (self.cv.wait(internal).unwrap_or_else(|e| e.into_inner()), timeout_result(false)),
            Some(d) => self.cv.wait_timeout(internal, d).unwrap_or_else(|e| e.into_inner()),
        };
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        drop(internal);
        if let Some((st, block)) = tracked {
            st.waiting.fetch_sub(1, Ordering::Relaxed);
            drop(block);
        }
        match mutex.lock_at(site) {
            Ok(g) => Ok((g, result)),
            Err(e) => Err(PoisonError::new((e.into_inner(), result))),
        }
    }
}

/// std's `WaitTimeoutResult` has no public constructor; these two come from
/// std's own `wait_timeout_while` on a private mutex, which returns
/// `timed_out() == false` when the condition is already false and `true`
/// once the zero timeout has passed with the condition still true.
fn timeout_result(timed_out: bool) -> WaitTimeoutResult {
    static RESULTS: OnceLock<[WaitTimeoutResult; 2]> = OnceLock::new();
    let [not, yes] = *RESULTS.get_or_init(|| {
        let m = std::sync::Mutex::new(());
        let cv = std::sync::Condvar::new();
        let g = m.lock().unwrap_or_else(|e| e.into_inner());
        let (g, not) = cv.wait_timeout_while(g, Duration::ZERO, |_| false).unwrap_or_else(|e| e.into_inner());
        let (_g, yes) = cv.wait_timeout_while(g, Duration::ZERO, |_| true).unwrap_or_else(|e| e.into_inner());
        [not, yes]
    });
    if timed_out {
        yes
    } else {
        not
    }
}

impl Default for Condvar {
    #[track_caller]
    fn default() -> Condvar {
        Condvar::new()
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar")
            .field("waiters", &self.waiters.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn timeout_results_are_both_values() {
        assert!(super::timeout_result(true).timed_out());
        assert!(!super::timeout_result(false).timed_out());
    }
}
