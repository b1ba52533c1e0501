//! `WaitGroup`: Go's `sync.WaitGroup`, with its misuse checks.
//!
//! The counter lives under a std mutex with a condvar for waiters. Each time
//! the counter reaches zero a new *generation* starts: waiters of the old one
//! return even if an `add` raises the counter again before they wake.
//!
//! Misuse checks (Go's runtime and race detector make the same two):
//!
//! | misuse | how it is seen | reported as |
//! |---|---|---|
//! | counter below zero | `add`/`done` | a panic naming the call site |
//! | `add` from zero while waiters of the previous round have not returned | `add` | deadlock finding `waitgroup_misuse` |
//! | `add` from zero not ordered (happens-before) with a concurrent blocking `wait` | vector clocks (race checker on), as Go's `race.Read`/`race.Write` on the semaphore | deadlock finding `waitgroup_misuse` |

use std::panic::Location;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use vigil_detector::hb::SyncClock;
use vigil_detector::{
    on_block, DeadlockKind, DeadlockReport, Op, Resource, ResourceKind, ResourceMeta, ResourceStats,
    VectorClock, Worker,
};

/// Waits for a collection of workers to finish — Go's `sync.WaitGroup`.
///
/// The owner calls [`add`](WaitGroup::add) with the number of workers to wait
/// for; each worker calls [`done`](WaitGroup::done) when it finishes; then
/// [`wait`](WaitGroup::wait) blocks until the counter is zero. Share it through
/// an [`Arc`] (it is deliberately not `Clone`, so a copy can
/// never count separately).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use vigil::sync::WaitGroup;
///
/// let wg = Arc::new(WaitGroup::new());
/// for _ in 0..4 {
///     wg.add(1);
///     let wg = wg.clone();
///     vigil::thread::spawn(move || {
///         // ... work ...
///         wg.done();
///     });
/// }
/// wg.wait();
/// ```
///
/// # What vigil records
///
/// A `wait` that must block shows the worker as blocked in `waitgroup_wait`
/// on this wait group. Every `done` happens-before the `wait` it releases.
/// An `add` from zero that is not ordered before a concurrent `wait`, and a
/// reuse while waiters of the previous round are still waking, are reported
/// as `waitgroup_misuse` findings (see `vigil::check::deadlocks()`).
pub struct WaitGroup {
    state: Mutex<State>,
    cv: Condvar,
    hb: SyncClock,
    meta: Option<Arc<WaitGroupMeta>>,
}

#[derive(Default)]
struct State {
    count: i64,
    generation: u64,
    /// Waiters of the current generation.
    waiters: usize,
    /// Waiters of earlier generations that have not returned yet.
    unreturned: usize,
    /// Go's race-detector model: the first blocking waiter "writes", an add
    /// from zero "reads"; the two must be ordered.
    last_wait: Option<Access>,
    adds_from_zero: Vec<Access>,
}

struct Access {
    clock: VectorClock,
    worker: Option<Arc<Worker>>,
    site: &'static Location<'static>,
}

/// How many adds-from-zero are remembered between two first-waits.
const MAX_READS: usize = 8;

struct WaitGroupMeta {
    meta: ResourceMeta,
    count: AtomicI64,
    waiters: AtomicUsize,
}

impl Resource for WaitGroupMeta {
    fn meta(&self) -> &ResourceMeta {
        &self.meta
    }

    fn summary(&self) -> String {
        format!(
            "counter {}, {} waiting",
            self.count.load(Ordering::Relaxed),
            self.waiters.load(Ordering::Relaxed)
        )
    }

    fn stats(&self) -> ResourceStats {
        ResourceStats::Counter(vigil_detector::CounterStats {
            count: self.count.load(Ordering::Relaxed),
            capacity: None,
            waiters: self.waiters.load(Ordering::Relaxed),
        })
    }
}

impl Drop for WaitGroupMeta {
    fn drop(&mut self) {
        vigil_detector::unregister_resource(self.meta.id());
    }
}

impl Default for WaitGroup {
    #[track_caller]
    fn default() -> Self {
        WaitGroup::new()
    }
}

impl std::fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("WaitGroup");
        match self.state.try_lock() {
            Ok(st) => d.field("count", &st.count).field("waiters", &st.waiters),
            Err(_) => d.field("count", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl WaitGroup {
    /// A wait group with a zero counter.
    ///
    /// # Examples
    ///
    /// ```
    /// let wg = vigil::sync::WaitGroup::new();
    /// wg.wait(); // returns at once: nothing to wait for
    /// ```
    #[track_caller]
    pub fn new() -> WaitGroup {
        WaitGroup::build(None, Location::caller())
    }

    /// A wait group with a name for reports and the dashboard.
    ///
    /// # Examples
    ///
    /// ```
    /// let wg = vigil::sync::WaitGroup::named("fetchers");
    /// wg.add(1);
    /// wg.done();
    /// ```
    #[track_caller]
    pub fn named(name: impl Into<String>) -> WaitGroup {
        WaitGroup::build(Some(name.into()), Location::caller())
    }

    fn build(name: Option<String>, site: &'static Location<'static>) -> WaitGroup {
        let meta = vigil_detector::enabled().then(|| {
            let m = Arc::new(WaitGroupMeta {
                meta: ResourceMeta::new(ResourceKind::WaitGroup, name, site),
                count: AtomicI64::new(0),
                waiters: AtomicUsize::new(0),
            });
            vigil_detector::register_resource(m.clone());
            m
        });
        WaitGroup { state: Mutex::new(State::default()), cv: Condvar::new(), hb: SyncClock::new(), meta }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is updated only in small non-panicking sections (the
        // negative-counter panic happens after the guard is released), so a
        // poisoned lock still holds consistent data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `delta` (which may be negative) to the counter. When it reaches
    /// zero every waiter is released.
    ///
    /// As in Go, calls with a positive delta that start from zero must happen
    /// before the `wait` they are meant for: typically the owner calls `add`
    /// before spawning the worker, not the worker itself.
    ///
    /// # Panics
    ///
    /// If the counter goes negative, with a message naming the call site.
    ///
    /// # Examples
    ///
    /// ```
    /// let wg = vigil::sync::WaitGroup::new();
    /// wg.add(2);
    /// wg.add(-1);
    /// wg.done();
    /// wg.wait();
    /// ```
    #[track_caller]
    pub fn add(&self, delta: isize) {
        self.add_at(delta as i64, Location::caller(), "add");
    }

    /// Decrements the counter by one: a worker is done.
    ///
    /// # Panics
    ///
    /// If the counter goes negative (more `done` than `add`), with a message
    /// naming this call's site.
    ///
    /// # Examples
    ///
    /// ```
    /// let wg = vigil::sync::WaitGroup::new();
    /// wg.add(1);
    /// wg.done();
    /// assert!(wg.wait_timeout(std::time::Duration::from_secs(1)));
    /// ```
    #[track_caller]
    pub fn done(&self) {
        self.add_at(-1, Location::caller(), "done");
    }

    fn add_at(&self, delta: i64, site: &'static Location<'static>, what: &str) {
        if delta < 0 {
            // Every decrement publishes what the worker did to the waiters.
            self.hb.release();
        }
        let mut st = self.lock();
        let before = st.count;
        let after = before + delta;
        if after < 0 {
            drop(st);
            panic!(
                "vigil: negative WaitGroup counter ({after}): {what}() at {}:{}:{} has no matching add",
                site.file(),
                site.line(),
                site.column()
            );
        }
        st.count = after;
        let mut finding = None;
        if before == 0 && after > 0 && self.meta.is_some() {
            finding = self.add_from_zero(&mut st, site);
        }
        if after == 0 && before != 0 {
            st.generation = st.generation.wrapping_add(1);
            st.unreturned += st.waiters;
            st.waiters = 0;
            self.cv.notify_all();
        }
        if let Some(m) = &self.meta {
            m.count.store(after, Ordering::Relaxed);
            m.waiters.store(st.waiters + st.unreturned, Ordering::Relaxed);
        }
        drop(st);
        if let Some(f) = finding {
            self.report(f);
        }
    }

    /// Go's race-detector read on an add from zero, and the reuse check.
    #[cold]
    fn add_from_zero(&self, st: &mut State, site: &'static Location<'static>) -> Option<Finding> {
        if st.unreturned > 0 {
            return Some(Finding::Reuse { adder: vigil_detector::current_worker(), site });
        }
        if !vigil_detector::race_enabled() {
            return None;
        }
        let me = vigil_detector::current_worker();
        let clock = vigil_detector::hb::current_clock();
        let mut finding = None;
        if let Some(w) = &st.last_wait {
            if !ordered(&w.clock, &clock) {
                finding = Some(Finding::Unordered {
                    adder: me.clone(),
                    add_site: site,
                    waiter: w.worker.clone(),
                    wait_site: w.site,
                });
            }
        }
        if st.adds_from_zero.len() >= MAX_READS {
            st.adds_from_zero.remove(0);
        }
        st.adds_from_zero.push(Access { clock, worker: me, site });
        finding
    }

    /// Go's race-detector write by the first blocking waiter of a round.
    #[cold]
    fn first_wait(&self, st: &mut State, site: &'static Location<'static>) -> Option<Finding> {
        if !vigil_detector::race_enabled() {
            return None;
        }
        let me = vigil_detector::current_worker();
        let clock = vigil_detector::hb::current_clock();
        let mut finding = None;
        for r in st.adds_from_zero.drain(..) {
            if finding.is_none() && !ordered(&r.clock, &clock) {
                finding = Some(Finding::Unordered {
                    adder: r.worker.clone(),
                    add_site: r.site,
                    waiter: me.clone(),
                    wait_site: site,
                });
            }
        }
        st.last_wait = Some(Access { clock, worker: me, site });
        finding
    }

    #[cold]
    fn report(&self, finding: Finding) {
        let Some(meta) = &self.meta else { return };
        let resource = meta.meta.to_ref();
        let (workers, sites, message, key) = match finding {
            Finding::Reuse { adder, site } => {
                let s = site.to_string();
                let message = format!(
                    "{resource} reused: add at {s} raised the counter from zero while waiters of the previous \
                     round had not returned from wait"
                );
                let key = format!("waitgroup-reuse:{}:{s}", meta.meta.id());
                (adder.into_iter().collect::<Vec<_>>(), vec![s], message, key)
            }
            Finding::Unordered { adder, add_site, waiter, wait_site } => {
                let (a, w) = (add_site.to_string(), wait_site.to_string());
                let name = |x: &Option<Arc<Worker>>| {
                    x.as_ref().map(|w| w.to_ref().to_string()).unwrap_or_else(|| "a thread".into())
                };
                let message = format!(
                    "{resource}: add from zero at {a} by {} is not ordered before the concurrent wait at {w} by {} \
                     (call add before starting the worker, not inside it)",
                    name(&adder),
                    name(&waiter)
                );
                let key = format!("waitgroup-unordered:{}:{a}:{w}", meta.meta.id());
                (adder.into_iter().chain(waiter).collect::<Vec<_>>(), vec![a, w], message, key)
            }
        };
        let report = DeadlockReport {
            kind: DeadlockKind::WaitgroupMisuse,
            threads: workers.iter().map(|w| w.to_ref()).collect(),
            resources: vec![resource],
            sites,
            edges: Vec::new(),
            message,
        };
        vigil_detector::record_deadlock(report, &workers, &key);
    }

    /// Blocks until the counter is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let wg = Arc::new(vigil::sync::WaitGroup::new());
    /// wg.add(1);
    /// let w = wg.clone();
    /// vigil::thread::spawn(move || w.done());
    /// wg.wait();
    /// ```
    #[track_caller]
    pub fn wait(&self) {
        self.wait_until(None, Location::caller());
    }

    /// Blocks until the counter is zero or `timeout` has passed; returns
    /// `true` if the counter reached zero, `false` on timeout.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let wg = vigil::sync::WaitGroup::new();
    /// wg.add(1);
    /// assert!(!wg.wait_timeout(Duration::from_millis(10)));
    /// wg.done();
    /// assert!(wg.wait_timeout(Duration::from_millis(10)));
    /// ```
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.wait_until(Some(Instant::now() + timeout), Location::caller())
    }

    fn wait_until(&self, deadline: Option<Instant>, site: &'static Location<'static>) -> bool {
        let st = self.lock();
        if st.count == 0 {
            drop(st);
            self.hb.acquire();
            return true;
        }
        self.wait_slow(st, deadline, site)
    }

    #[cold]
    #[inline(never)]
    fn wait_slow<'a>(
        &'a self,
        mut st: MutexGuard<'a, State>,
        deadline: Option<Instant>,
        site: &'static Location<'static>,
    ) -> bool {
        let mut finding = None;
        if st.waiters == 0 && self.meta.is_some() {
            finding = self.first_wait(&mut st, site);
        }
        st.waiters += 1;
        let generation = st.generation;
        self.publish_waiters(&st);
        let _blocked = self
            .meta
            .as_ref()
            .map(|m| on_block(Op::WaitgroupWait, site, vec![m.clone() as Arc<dyn Resource>]));
        if let Some(f) = finding {
            drop(st);
            self.report(f);
            st = self.lock();
        }
        let released = loop {
            if st.generation != generation {
                st.unreturned = st.unreturned.saturating_sub(1);
                break true;
            }
            match deadline {
                None => st = self.cv.wait(st).unwrap_or_else(PoisonError::into_inner),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        st.waiters = st.waiters.saturating_sub(1);
                        break false;
                    }
                    st = self.cv.wait_timeout(st, d - now).unwrap_or_else(PoisonError::into_inner).0;
                }
            }
        };
        self.publish_waiters(&st);
        drop(st);
        if released {
            self.hb.acquire();
        }
        released
    }

    fn publish_waiters(&self, st: &State) {
        if let Some(m) = &self.meta {
            m.waiters.store(st.waiters + st.unreturned, Ordering::Relaxed);
        }
    }
}

enum Finding {
    Reuse {
        adder: Option<Arc<Worker>>,
        site: &'static Location<'static>,
    },
    Unordered {
        adder: Option<Arc<Worker>>,
        add_site: &'static Location<'static>,
        waiter: Option<Arc<Worker>>,
        wait_site: &'static Location<'static>,
    },
}

/// Whether `earlier` happens-before (or is) `later`.
fn ordered(earlier: &VectorClock, later: &VectorClock) -> bool {
    matches!(earlier.partial_cmp(later), Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_up_and_down() {
        let wg = WaitGroup::new();
        wg.add(3);
        wg.add(-2);
        assert!(!wg.wait_timeout(Duration::from_millis(1)));
        wg.done();
        assert!(wg.wait_timeout(Duration::from_millis(1)));
    }

    #[test]
    fn negative_counter_names_the_done_site() {
        let wg = WaitGroup::new();
        let line = line!() + 1;
        let err = std::panic::catch_unwind(|| wg.done()).unwrap_err();
        let msg = vigil_detector::panic_message(&*err);
        assert!(msg.contains(&format!("{}:{line}:", file!())), "{msg}");
        assert!(msg.contains("done()"), "{msg}");
    }
}
