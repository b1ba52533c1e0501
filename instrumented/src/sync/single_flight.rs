//! `SingleFlight`: Go's `golang.org/x/sync/singleflight` — concurrent calls
//! with one key share one execution.

use std::collections::HashMap;
use std::hash::Hash;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe, Location};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::ThreadId;
use vigil_detector::hb::SyncClock;
use vigil_detector::{on_block, Op, Resource, ResourceKind, ResourceMeta, ResourceStats};

/// Deduplicates concurrent work by key — Go's `singleflight.Group`.
///
/// While a call to [`work`](SingleFlight::work) for a key is running, other
/// calls with the same key wait for it and get a clone of its result instead
/// of running their own closure. Once it finishes, the next call runs again.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use vigil::sync::SingleFlight;
///
/// let group = Arc::new(SingleFlight::<String, u64>::new());
/// let runs = Arc::new(AtomicUsize::new(0));
/// let value = group.work("config".to_string(), || {
///     runs.fetch_add(1, Ordering::SeqCst);
///     7
/// });
/// assert_eq!(value, 7);
/// assert_eq!(runs.load(Ordering::SeqCst), 1);
/// ```
///
/// # What vigil records
///
/// A caller waiting for another's execution is blocked in `other` on this
/// group; the execution's completion happens-before every waiter's return.
/// If the closure panics, every caller waiting for it panics too.
pub struct SingleFlight<K, V> {
    calls: Mutex<HashMap<K, Arc<Call<V>>>>,
    meta: Option<Arc<SingleFlightMeta>>,
}

struct Call<V> {
    result: Mutex<Option<Outcome<V>>>,
    cv: Condvar,
    hb: SyncClock,
    leader: ThreadId,
}

enum Outcome<V> {
    Value(V),
    Panicked(String),
}

struct SingleFlightMeta {
    meta: ResourceMeta,
    in_flight: AtomicUsize,
    waiters: AtomicUsize,
}

impl Resource for SingleFlightMeta {
    fn meta(&self) -> &ResourceMeta {
        &self.meta
    }

    fn summary(&self) -> String {
        format!(
            "{} in flight, {} waiting",
            self.in_flight.load(Ordering::Relaxed),
            self.waiters.load(Ordering::Relaxed)
        )
    }

    fn stats(&self) -> ResourceStats {
        ResourceStats::Counter(vigil_detector::CounterStats {
            count: self.in_flight.load(Ordering::Relaxed) as i64,
            capacity: None,
            waiters: self.waiters.load(Ordering::Relaxed),
        })
    }
}

impl Drop for SingleFlightMeta {
    fn drop(&mut self) {
        vigil_detector::unregister_resource(self.meta.id());
    }
}

impl<K, V> std::fmt::Debug for SingleFlight<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("SingleFlight");
        match self.calls.try_lock() {
            Ok(c) => d.field("in_flight", &c.len()),
            Err(_) => d.field("in_flight", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<K: Eq + Hash + Clone, V: Clone> Default for SingleFlight<K, V> {
    #[track_caller]
    fn default() -> Self {
        SingleFlight::new()
    }
}

/// Removes the call from the map and publishes its outcome, even if the
/// closure unwinds.
struct Finish<'a, K: Eq + Hash, V> {
    group: &'a SingleFlight<K, V>,
    key: Option<K>,
    call: Arc<Call<V>>,
}

impl<K: Eq + Hash, V> Drop for Finish<'_, K, V> {
    fn drop(&mut self) {
        if let Some(k) = self.key.take() {
            self.group.calls.lock().unwrap_or_else(PoisonError::into_inner).remove(&k);
        }
        if let Some(m) = &self.group.meta {
            m.in_flight.fetch_sub(1, Ordering::Relaxed);
        }
        let mut r = self.call.result.lock().unwrap_or_else(PoisonError::into_inner);
        if r.is_none() {
            *r = Some(Outcome::Panicked("the leader's closure panicked".into()));
        }
        self.call.hb.release();
        self.call.cv.notify_all();
    }
}

impl<K: Eq + Hash + Clone, V: Clone> SingleFlight<K, V> {
    /// An empty group.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = vigil::sync::SingleFlight::<u32, String>::new();
    /// assert_eq!(group.work(1, || "one".to_string()), "one");
    /// ```
    #[track_caller]
    pub fn new() -> SingleFlight<K, V> {
        let meta = vigil_detector::enabled().then(|| {
            let m = Arc::new(SingleFlightMeta {
                meta: ResourceMeta::new(ResourceKind::SingleFlight, None, Location::caller()),
                in_flight: AtomicUsize::new(0),
                waiters: AtomicUsize::new(0),
            });
            vigil_detector::register_resource(m.clone());
            m
        });
        SingleFlight { calls: Mutex::new(HashMap::new()), meta }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, Arc<Call<V>>>> {
        // No user code runs under this lock.
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` for `key`, unless a call for `key` is already running, in
    /// which case it waits for that call and returns a clone of its result.
    ///
    /// # Panics
    ///
    /// If `f` panics, this call re-raises the panic, and every caller that
    /// was waiting for it panics with the same message. Also panics if `f`
    /// calls `work` with the same key on the same thread (it would wait for
    /// itself forever).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let group = Arc::new(vigil::sync::SingleFlight::new());
    /// let handles: Vec<_> = (0..4)
    ///     .map(|_| {
    ///         let g = group.clone();
    ///         vigil::thread::spawn(move || g.work("key", || 42))
    ///     })
    ///     .collect();
    /// for h in handles {
    ///     assert_eq!(h.join().unwrap(), 42);
    /// }
    /// ```
    #[track_caller]
    pub fn work<F: FnOnce() -> V>(&self, key: K, f: F) -> V {
        let site = Location::caller();
        let mut calls = self.lock();
        if let Some(call) = calls.get(&key).cloned() {
            drop(calls);
            return self.wait_for(call, site);
        }
        let call = Arc::new(Call {
            result: Mutex::new(None),
            cv: Condvar::new(),
            hb: SyncClock::new(),
            leader: std::thread::current().id(),
        });
        calls.insert(key.clone(), call.clone());
        drop(calls);
        if let Some(m) = &self.meta {
            m.in_flight.fetch_add(1, Ordering::Relaxed);
        }
        let finish = Finish { group: self, key: Some(key), call: call.clone() };
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(v) => {
                *call.result.lock().unwrap_or_else(PoisonError::into_inner) = Some(Outcome::Value(v.clone()));
                drop(finish);
                v
            }
            Err(payload) => {
                let msg = vigil_detector::panic_message(&*payload);
                *call.result.lock().unwrap_or_else(PoisonError::into_inner) = Some(Outcome::Panicked(msg));
                drop(finish);
                resume_unwind(payload)
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn wait_for(&self, call: Arc<Call<V>>, site: &'static Location<'static>) -> V {
        if call.leader == std::thread::current().id() {
            panic!(
                "vigil: SingleFlight::work called recursively with the same key (it would wait for itself)"
            );
        }
        let mut r = call.result.lock().unwrap_or_else(PoisonError::into_inner);
        if r.is_none() {
            let _blocked =
                self.meta.as_ref().map(|m| on_block(Op::Other, site, vec![m.clone() as Arc<dyn Resource>]));
            if let Some(m) = &self.meta {
                m.waiters.fetch_add(1, Ordering::Relaxed);
            }
            while r.is_none() {
                r = call.cv.wait(r).unwrap_or_else(PoisonError::into_inner);
            }
            if let Some(m) = &self.meta {
                m.waiters.fetch_sub(1, Ordering::Relaxed);
            }
        }
        let outcome = match r.as_ref() {
            Some(Outcome::Value(v)) => Ok(v.clone()),
            Some(Outcome::Panicked(msg)) => Err(msg.clone()),
            None => Err("the leader's call ended without a result".to_string()),
        };
        drop(r);
        call.hb.acquire();
        match outcome {
            Ok(v) => v,
            Err(msg) => resume_unwind(Box::new(format!("SingleFlight leader panicked: {msg}"))),
        }
    }
}
