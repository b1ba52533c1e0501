//! The slow path every lock takes when it must wait: a pause and a yield,
//! then parking on the state's own condition variable. Here the wait time
//! is measured, starvation transitions are driven, and a wait that lasts is
//! shown (blocked worker, listed waiter, wait-for edge; a cycle it closes
//! may end it in a panic); releases wake the parked waiters.

use super::readers::READERS_MASK;
use super::{now_stamp, stamp_age, LockState};
use std::panic::Location;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigil_detector::lock::{begin_wait, held, recheck_wait, FoundCycle, Holder, LockResource};
use vigil_detector::{
    current_worker, on_block_since, BlockGuard, DeadlockReport, Op, Resource, ResourceRef, WorkerId,
    WorkerRef,
};

/// How long a waiter waits unseen before it is shown blocked, listed as a
/// waiter and added to the wait-for graph: most contended waits end sooner,
/// and showing one costs more than the wait.
const QUIET: Duration = Duration::from_micros(50);

/// How often a shown waiter looks again for a wait-for cycle through its
/// wait (the background sweep, done by the waiters themselves).
const RECHECK: Duration = Duration::from_millis(100);

/// How long a parked waiter sleeps between retries once past the threshold
/// (a wake-up normally comes sooner, from the releasing thread).
const POLL: Duration = Duration::from_millis(5);

/// How many spin-loop hints a waiter pauses for before its first retry:
/// std's futex lock spins as many before it sleeps (about 2.5 µs on the
/// CI machine's CPU).
const PAUSE_SPINS: u32 = 100;

/// A worker listed among a lock's waiters (once its wait is shown).
pub(super) struct WaitingEntry {
    pub(super) worker: WorkerRef,
    pub(super) site: &'static Location<'static>,
    pub(super) since: Instant,
}

/// A wait that has been shown (see [`LockState::show_wait`]).
struct ShownWait {
    worker: Option<Arc<vigil_detector::Worker>>,
    me: Option<WorkerRef>,
    lock: ResourceRef,
    start: Instant,
    /// When (as time waited) to look for a cycle through this wait again.
    next_recheck: Duration,
    _block: BlockGuard,
}

impl ShownWait {
    fn cause(&self) -> Option<(&WorkerRef, &ResourceRef)> {
        self.me.as_ref().map(|m| (m, &self.lock))
    }
}

impl LockState {
    /// Waits until `try_acquire` succeeds: a retry after a pause, one after
    /// a yield, then a timed wait, parked, that is shown (blocked in `op` at
    /// `site`, a waiter in the stats, an edge of the wait-for graph) once it
    /// lasts longer than [`QUIET`]; the wait histogram and starvation
    /// transitions count all of it.
    ///
    /// A wait that finds a wait-for cycle whose finder must fail (see
    /// `vigil_detector::lock::FoundCycle`) ends without the lock, its books
    /// undone, in a panic with the report.
    ///
    /// No polling: a waiter that keeps trying wins the lock in the holder's
    /// short gap between two critical sections and hands the lock's cache
    /// lines (std's word and vigil's state) back and forth on every
    /// acquisition, which measured 2–4× slower than letting the holder run
    /// on. The waiter pauses without touching shared memory (as long as
    /// std's waiters spin before they sleep), tries once, then yields.
    #[cold]
    #[inline(never)]
    pub(crate) fn wait<G>(
        self: &Arc<Self>,
        op: Op,
        site: &'static Location<'static>,
        mut try_acquire: impl FnMut() -> Option<G>,
    ) -> G {
        if let Some(g) = try_acquire_after_pause(&mut try_acquire) {
            self.contended.fetch_add(1, Ordering::Relaxed);
            return g;
        }
        self.wait_parked(op, site, try_acquire)
    }

    fn wait_parked<G>(
        self: &Arc<Self>,
        op: Op,
        site: &'static Location<'static>,
        mut try_acquire: impl FnMut() -> Option<G>,
    ) -> G {
        let start = Instant::now();
        let writer = op == Op::Write;
        self.waiters.fetch_add(1, Ordering::SeqCst);
        if writer {
            self.writers_waiting.fetch_add(1, Ordering::SeqCst);
        }
        if op != Op::Read {
            // The current hold is at least this old: enough for `held_ms`.
            let _ = self.held_since.compare_exchange(0, now_stamp(), Ordering::Relaxed, Ordering::Relaxed);
        }
        let threshold = vigil_detector::config().starvation_threshold;
        let quiet = QUIET.min(threshold);
        let mut shown: Option<ShownWait> = None;
        // `Err`: the wait closed a wait-for cycle that must fail (see
        // `FoundCycle`); it ends without the lock, and the caller panics.
        let got: Result<G, DeadlockReport> = loop {
            let parked = self.park.lock().unwrap_or_else(|e| e.into_inner());
            // Retrying now: a release after this point must wake us again.
            self.wake_pending.store(false, Ordering::SeqCst);
            std::sync::atomic::fence(Ordering::SeqCst);
            if let Some(g) = try_acquire() {
                break Ok(g);
            }
            let waited = start.elapsed();
            let Some(s) = &mut shown else {
                if waited < quiet {
                    drop(self.park_cv.wait_timeout(parked, quiet - waited));
                } else {
                    drop(parked);
                    let (s, cycle) = self.show_wait(op, site, start);
                    shown = Some(s);
                    if let Some(report) = failing(cycle) {
                        break Err(report);
                    }
                }
                continue;
            };
            self.starvation.still_waiting(waited, threshold, s.cause());
            if waited >= s.next_recheck {
                // The sweep: a holder may have become known since the edge
                // was added (a reader's stripe, an owner word set late).
                s.next_recheck = waited + RECHECK;
                if let Some(report) = s.worker.as_ref().and_then(|w| failing(recheck_wait(w.id()))) {
                    break Err(report);
                }
            }
            let timeout = match threshold.checked_sub(waited) {
                Some(left) if !self.starvation.is_starving() => left + Duration::from_micros(50),
                _ => POLL,
            };
            drop(self.park_cv.wait_timeout(parked, timeout));
        };
        let waited = start.elapsed();
        if writer {
            self.writers_waiting.fetch_sub(1, Ordering::SeqCst);
        }
        let left = self.waiters.fetch_sub(1, Ordering::SeqCst) - 1;
        let got = match got {
            Ok(g) => g,
            Err(report) => {
                if let Some(s) = shown {
                    self.hide_wait(s);
                }
                // Fails at the user's lock call, not here.
                vigil_detector::check::fail_at(site, &report.to_string());
            }
        };
        self.wait.record(waited);
        self.contended.fetch_add(1, Ordering::Relaxed);
        if self.starvation.is_starving() {
            match &shown {
                Some(s) => self.starvation.acquired(waited, threshold, left == 0, s.cause()),
                None => {
                    // A quiet wait has no names yet; the event needs them.
                    let (me, lock) = (current_worker().map(|w| w.to_ref()), self.meta.to_ref());
                    self.starvation.acquired(waited, threshold, left == 0, me.as_ref().map(|m| (m, &lock)))
                }
            };
        }
        if let Some(s) = shown {
            self.hide_wait(s);
        }
        if op != Op::Read {
            self.held_since.store(now_stamp(), Ordering::Relaxed);
            self.held_exact.store(true, Ordering::Relaxed);
        }
        got
    }

    /// The wait is no longer brief: show the worker blocked, list it among
    /// the lock's waiters and add its wait-for edge (which finds a cycle
    /// it closes).
    #[cold]
    #[inline(never)]
    fn show_wait(
        self: &Arc<Self>,
        op: Op,
        site: &'static Location<'static>,
        start: Instant,
    ) -> (ShownWait, Option<FoundCycle>) {
        let worker = current_worker();
        let me = worker.as_ref().map(|w| w.to_ref());
        let block = on_block_since(op, site, vec![self.clone() as Arc<dyn Resource>], start);
        if let Some(m) = &me {
            self.waiting.lock().unwrap_or_else(|e| e.into_inner()).push(WaitingEntry {
                worker: m.clone(),
                site,
                since: start,
            });
        }
        let cycle =
            worker.as_ref().and_then(|w| begin_wait(w, self.clone() as Arc<dyn LockResource>, site, start));
        (
            ShownWait { worker, me, lock: self.meta.to_ref(), start, next_recheck: RECHECK, _block: block },
            cycle,
        )
    }

    /// Undoes [`show_wait`](Self::show_wait) once the lock is acquired.
    fn hide_wait(&self, shown: ShownWait) {
        if let Some(w) = &shown.worker {
            vigil_detector::lock::end_wait(w.id());
        }
        if let Some(m) = &shown.me {
            let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = waiting.iter().position(|e| e.worker.id == m.id && e.since == shown.start) {
                waiting.swap_remove(i);
            }
        }
        drop(shown); // the worker runs again
    }

    /// The lock was released: wake parked waiters, if any.
    #[inline(always)]
    pub(crate) fn released(&self) {
        if self.waiters.load(Ordering::SeqCst) != 0 {
            self.wake();
        }
    }

    #[cold]
    #[inline(never)]
    fn wake(&self) {
        if self.wake_pending.swap(true, Ordering::SeqCst) {
            return; // a wake-up is on its way and nobody has retried yet
        }
        let _g = self.park.lock().unwrap_or_else(|e| e.into_inner());
        self.park_cv.notify_all();
    }
}

/// The report of a wait-for cycle this wait found, if its finder must fail
/// (panic) rather than wait on; see [`FoundCycle`].
fn failing(cycle: Option<FoundCycle>) -> Option<DeadlockReport> {
    cycle.filter(|c| c.fail).map(|c| c.report)
}

/// Pauses (touching no shared memory) and retries; then yields, giving a
/// descheduled holder the chance to run, and retries. A yield is a system
/// call (0.3–0.7 µs in a VM); the pause lets most short holds end first.
fn try_acquire_after_pause<G>(try_acquire: &mut impl FnMut() -> Option<G>) -> Option<G> {
    for _ in 0..PAUSE_SPINS {
        std::hint::spin_loop();
    }
    if let Some(g) = try_acquire() {
        return Some(g);
    }
    std::thread::yield_now();
    try_acquire()
}

impl LockResource for LockState {
    fn holder(&self) -> Option<Holder> {
        let owner = self.owner.load(Ordering::Relaxed);
        (owner != 0).then(|| Holder {
            worker: WorkerId(owner),
            site: self.owner_site(),
            held: stamp_age(self.held_since.load(Ordering::Relaxed)),
        })
    }

    /// The exclusive holder, or else the readers on owned stripes (readers
    /// on the shared stripe cannot be named).
    fn holders(&self) -> Vec<Holder> {
        if let Some(h) = self.holder() {
            return vec![h];
        }
        self.stripes[..held::SHARED_INDEX.min(self.stripes.len())]
            .iter()
            .filter(|s| {
                let readers = s.reads.load(Ordering::Relaxed) & READERS_MASK;
                // A stripe left one reader short by an ended thread wraps
                // to the top of the mask: no reader.
                readers != 0 && readers < READERS_MASK / 2
            })
            .filter_map(|s| {
                let worker = s.reader.load(Ordering::Relaxed);
                let site = s.reader_site.load(Ordering::Relaxed);
                // SAFETY: `reader_site` only ever holds null or a pointer
                // made from a `&'static Location<'static>` (see
                // `reading`), valid and immutable for the program.
                let site = unsafe { site.as_ref() };
                (worker != 0).then_some(Holder { worker: WorkerId(worker), site, held: None })
            })
            .collect()
    }
}
