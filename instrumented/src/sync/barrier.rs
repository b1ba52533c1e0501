//! `Barrier`: std's barrier, with arrivals visible as blocked in `barrier`
//! and the happens-before edge "every arrival → every departure".

use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, BarrierWaitResult, OnceLock};
use vigil_detector::hb::SyncClock;
use vigil_detector::{on_block, CounterStats, Op, Resource, ResourceKind, ResourceMeta, ResourceStats};

/// Lets a fixed number of threads wait for each other — mirrors `std::sync::Barrier`.
///
/// # Examples
///
/// ```
/// use vigil::sync::{Arc, Barrier};
///
/// let barrier = Arc::new(Barrier::new(3));
/// let handles: Vec<_> = (0..3)
///     .map(|_| {
///         let b = barrier.clone();
///         vigil::thread::spawn(move || b.wait().is_leader())
///     })
///     .collect();
/// let leaders = handles.into_iter().filter(|_| true).map(|h| h.join().unwrap()).filter(|l| *l).count();
/// assert_eq!(leaders, 1);
/// ```
///
/// # Differences from the standard library
///
/// A waiting thread is shown blocked in `barrier` on it; the barrier's
/// stats show parties, arrivals and waiters. For the race checker every
/// arrival happens before every departure of the same generation.
pub struct Barrier {
    inner: std::sync::Barrier,
    parties: usize,
    site: &'static Location<'static>,
    state: OnceLock<Arc<BarrierState>>,
    hb: SyncClock,
}

struct BarrierState {
    meta: ResourceMeta,
    parties: usize,
    waiting: AtomicUsize,
    generations: AtomicU64,
}

impl Resource for BarrierState {
    fn meta(&self) -> &ResourceMeta {
        &self.meta
    }

    fn summary(&self) -> String {
        format!(
            "{}/{} arrived, {} generation(s) released",
            self.waiting.load(Ordering::Relaxed),
            self.parties,
            self.generations.load(Ordering::Relaxed)
        )
    }

    fn stats(&self) -> ResourceStats {
        ResourceStats::Counter(CounterStats {
            count: self.waiting.load(Ordering::Relaxed) as i64,
            capacity: Some(self.parties as i64),
            waiters: self.waiting.load(Ordering::Relaxed),
        })
    }
}

impl Drop for BarrierState {
    fn drop(&mut self) {
        vigil_detector::unregister_resource(self.meta.id());
    }
}

impl Barrier {
    /// A barrier for `n` threads; `const`, so it can initialise a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = vigil::sync::Barrier::new(1);
    /// assert!(b.wait().is_leader());
    /// ```
    #[track_caller]
    pub const fn new(n: usize) -> Barrier {
        Barrier {
            inner: std::sync::Barrier::new(n),
            parties: n,
            site: Location::caller(),
            state: OnceLock::new(),
            hb: SyncClock::new(),
        }
    }

    fn state(&self) -> &Arc<BarrierState> {
        self.state.get_or_init(|| {
            let st = Arc::new(BarrierState {
                meta: ResourceMeta::new(ResourceKind::Barrier, None, self.site),
                parties: self.parties,
                waiting: AtomicUsize::new(0),
                generations: AtomicU64::new(0),
            });
            vigil_detector::register_resource(st.clone());
            st
        })
    }

    /// Blocks until all `n` threads have called `wait`; exactly one of them
    /// gets a result whose `is_leader()` is true.
    ///
    /// # Examples
    ///
    /// ```
    /// let b = vigil::sync::Barrier::new(1);
    /// assert!(b.wait().is_leader());
    /// ```
    #[track_caller]
    pub fn wait(&self) -> BarrierWaitResult {
        let site = Location::caller();
        self.hb.release();
        if !vigil_detector::enabled() {
            let r = self.inner.wait();
            self.hb.acquire();
            return r;
        }
        let st = self.state();
        st.waiting.fetch_add(1, Ordering::Relaxed);
        let r = {
            let _blocked = on_block(Op::Barrier, site, vec![st.clone() as Arc<dyn Resource>]);
            self.inner.wait()
        };
        st.waiting.fetch_sub(1, Ordering::Relaxed);
        if r.is_leader() {
            st.generations.fetch_add(1, Ordering::Relaxed);
        }
        self.hb.acquire();
        r
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").field("parties", &self.parties).finish_non_exhaustive()
    }
}
