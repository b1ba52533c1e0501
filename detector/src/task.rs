//! Tasks as workers: what `vigil::tokio` calls to make a tokio task a
//! tracked worker of kind `task`.
//!
//! A task is registered when it is spawned ([`on_task_spawn`], in the
//! spawner: parent and lineage are the spawner's, thread or task), and each
//! of its polls runs inside [`TaskCore::poll`], which makes the task the
//! calling thread's *current worker* for the poll's duration: every
//! per-thread record the detector keeps is swapped for the task's own and
//! swapped back after, so a lock, channel or `RaceCell` used inside the poll
//! is attributed to the task, not to the runtime thread that polled it.
//!
//! | per-thread record | file | swapped |
//! |---|---|---|
//! | current worker (`CURRENT`) | `worker.rs` | always |
//! | held-lock stack and its worker-id cache (`HELD`) | `lock/held.rs` | always (a few stores when both are empty) |
//! | vector clock and its tag cache (`CLOCK`, `TAG_CACHE`) | `hb/thread_clock.rs` | when the race checker is on |
//!
//! Not swapped, because they describe the OS thread, not the worker:
//! `held::thread_index` (a per-thread counter index: the polling thread is
//! still the only one writing it), lock-order's per-thread dedup set, and
//! `RaceCell`'s re-entrancy token.
//!
//! A task gets its own vector-clock slot through the same path a spawned
//! thread does: the spawner's clock is forked at spawn, learnt at the first
//! poll (spawn → first poll), and the task's final clock is published at its
//! end for the `JoinHandle` await that returns it ([`on_join`](crate::on_join)).
//!
//! Per task it counts what tokio-console shows: polls, busy time, idle time,
//! wakes, and the time from a wake to the poll it causes (the waker handed
//! to the future is wrapped to count its wakes).
//!
//! # Examples
//!
//! ```
//! use std::task::{Context, Poll, Waker};
//!
//! let mut task = vigil_detector::task::on_task_spawn(Some("fetch".into()), std::panic::Location::caller()).unwrap();
//! let mut cx = Context::from_waker(Waker::noop());
//! let inside = task.poll(&mut cx, |_| Poll::Ready(vigil_detector::current_worker_id()));
//! assert_eq!(inside, Poll::Ready(Some(task.worker().id())));
//! ```

use crate::clock::VectorClock;
use crate::events::{EventKind, Message};
use crate::hb::ThreadClock;
use crate::lock::held::{self, SavedStack};
use crate::registry::registry;
use crate::sync::{Arc, AtomicBool, AtomicU64, Ordering};
use crate::worker::{swap_current, Worker, WorkerId, WorkerKind, WorkerState};
#[cfg(feature = "serde")]
use serde::Serialize;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe, Location};
use std::sync::OnceLock;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

/// Nanoseconds since the first task was spawned (the counters' time base).
#[inline]
fn now_ns() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

// === counters ===

/// A task's live counters, kept in its worker record. Written by the thread
/// polling the task (one at a time: tokio never polls a task twice at once),
/// except `wakes` and `woken_at`, which any waker writes.
#[derive(Debug, Default)]
pub(crate) struct TaskCounters {
    in_poll: AtomicBool,
    polls: AtomicU64,
    busy_ns: AtomicU64,
    idle_ns: AtomicU64,
    /// End of the last poll (`now_ns`), 0 before the first.
    idle_since: AtomicU64,
    wakes: AtomicU64,
    /// When the first wake since the last poll came (`now_ns + 1`), 0: none.
    woken_at: AtomicU64,
    woken_polls: AtomicU64,
    wake_to_poll_ns: AtomicU64,
    wake_to_poll_max_ns: AtomicU64,
    /// The worker id of the thread polling the task now (or last), 0: unknown.
    polled_by: AtomicU64,
}

impl TaskCounters {
    #[inline]
    pub(crate) fn in_poll(&self) -> bool {
        self.in_poll.load(Ordering::Relaxed)
    }

    /// Single-writer add: only the polling thread writes these.
    #[inline]
    fn add(a: &AtomicU64, v: u64) {
        a.store(a.load(Ordering::Relaxed).wrapping_add(v), Ordering::Relaxed);
    }

    #[inline]
    fn poll_start(&self, by: u64) -> u64 {
        let t0 = now_ns();
        let polls = self.polls.load(Ordering::Relaxed);
        self.polls.store(polls + 1, Ordering::Relaxed);
        if polls > 0 {
            Self::add(&self.idle_ns, t0.saturating_sub(self.idle_since.load(Ordering::Relaxed)));
        }
        let woken = self.woken_at.swap(0, Ordering::Relaxed);
        if woken != 0 {
            let lat = t0.saturating_sub(woken - 1);
            Self::add(&self.woken_polls, 1);
            Self::add(&self.wake_to_poll_ns, lat);
            if lat > self.wake_to_poll_max_ns.load(Ordering::Relaxed) {
                self.wake_to_poll_max_ns.store(lat, Ordering::Relaxed);
            }
        }
        self.polled_by.store(by, Ordering::Relaxed);
        self.in_poll.store(true, Ordering::Relaxed);
        t0
    }

    #[inline]
    fn poll_end(&self, t0: u64) {
        let t1 = now_ns();
        Self::add(&self.busy_ns, t1.saturating_sub(t0));
        self.idle_since.store(t1, Ordering::Relaxed);
        self.in_poll.store(false, Ordering::Relaxed);
    }

    fn woken(&self) {
        self.wakes.fetch_add(1, Ordering::Relaxed);
        if self.woken_at.load(Ordering::Relaxed) == 0 {
            let _ = self.woken_at.compare_exchange(0, now_ns() + 1, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    pub(crate) fn stats(&self, alive: bool) -> TaskStats {
        let us = |ns: u64| ns / 1_000;
        let polls = self.polls.load(Ordering::Relaxed);
        let mut idle = self.idle_ns.load(Ordering::Relaxed);
        if alive && polls > 0 && !self.in_poll() {
            idle += now_ns().saturating_sub(self.idle_since.load(Ordering::Relaxed));
        }
        let woken_polls = self.woken_polls.load(Ordering::Relaxed);
        let by = self.polled_by.load(Ordering::Relaxed);
        TaskStats {
            polls,
            busy_us: us(self.busy_ns.load(Ordering::Relaxed)),
            idle_us: us(idle),
            wakes: self.wakes.load(Ordering::Relaxed),
            wake_to_poll_avg_us: us(self
                .wake_to_poll_ns
                .load(Ordering::Relaxed)
                .checked_div(woken_polls)
                .unwrap_or(0)),
            wake_to_poll_max_us: us(self.wake_to_poll_max_ns.load(Ordering::Relaxed)),
            polled_by: (by != 0).then_some(WorkerId(by)),
        }
    }
}

/// A task's counters as snapshots show them (`"task"` in a worker of kind `task`).
///
/// # Examples
///
/// ```
/// let ticket = vigil_detector::task::on_task_spawn(Some("fetch".into()), std::panic::Location::caller());
/// let task = ticket.unwrap();
/// let stats = task.worker().task_stats().unwrap();
/// assert_eq!(stats.polls, 0); // spawned, never polled
/// let json = serde_json::to_value(&stats).unwrap();
/// assert_eq!(json["wakes"], 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct TaskStats {
    /// Times the task was polled.
    pub polls: u64,
    /// Time spent inside polls, in microseconds.
    pub busy_us: u64,
    /// Time between polls (waiting for a wake or to be scheduled), in microseconds.
    pub idle_us: u64,
    /// Times its waker was woken.
    pub wakes: u64,
    /// Mean time from a wake to the poll it caused, in microseconds.
    pub wake_to_poll_avg_us: u64,
    /// Longest time from a wake to the poll it caused, in microseconds.
    pub wake_to_poll_max_us: u64,
    /// The thread polling it now (while `running`) or last.
    pub polled_by: Option<WorkerId>,
}

impl Worker {
    /// A task's counters (`None` for a thread).
    ///
    /// # Examples
    ///
    /// ```
    /// let me = vigil_detector::current_worker().unwrap();
    /// assert!(me.task_stats().is_none()); // a thread
    /// ```
    pub fn task_stats(&self) -> Option<TaskStats> {
        let alive = self.state.lock().state.is_alive();
        self.task.as_ref().map(|t| t.stats(alive))
    }
}

// === the waker ===

/// The waker a task's future sees: counts the wake, then wakes the task.
struct CountingWaker {
    inner: Waker,
    worker: Arc<Worker>,
}

impl CountingWaker {
    fn record(&self) {
        if let Some(t) = &self.worker.task {
            t.woken();
        }
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.record();
        self.inner.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.record();
        self.inner.wake_by_ref();
    }
}

// === the task record ===

/// What the instrumented future keeps of its task: the worker, and the
/// task's per-thread records between polls.
///
/// # Examples
///
/// ```
/// use std::task::{Context, Poll, Waker};
/// use vigil_detector::{WorkerKind, WorkerState};
///
/// let me = vigil_detector::current_worker_id();
/// let mut task = vigil_detector::task::on_task_spawn(Some("fetch".into()), std::panic::Location::caller()).unwrap();
/// let worker = task.worker().clone();
/// assert_eq!(worker.kind(), WorkerKind::Task);
/// let mut cx = Context::from_waker(Waker::noop());
/// let seen = task.poll(&mut cx, |_| Poll::Ready(vigil_detector::current_worker_id()));
/// assert_eq!(seen, Poll::Ready(Some(worker.id()))); // inside the poll the task is current
/// assert_eq!(vigil_detector::current_worker_id(), me); // and after it the thread again
/// assert_eq!(worker.state(), WorkerState::Finished);
/// ```
pub struct TaskCore {
    worker: Arc<Worker>,
    clock: Option<ThreadClock>,
    held: SavedStack,
    /// The spawner's clock, learnt at the first poll.
    start: Option<VectorClock>,
    /// The waker last handed in, and ours wrapping it.
    waker: Option<(Waker, Waker)>,
    ended: bool,
}

impl std::fmt::Debug for TaskCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskCore").field("worker", &self.worker).field("ended", &self.ended).finish()
    }
}

/// Registers a task about to be spawned by the calling worker (thread or
/// task) at `site`; `None` when tracking is off.
///
/// # Examples
///
/// ```
/// let task = vigil_detector::task::on_task_spawn(None, std::panic::Location::caller()).unwrap();
/// assert!(task.worker().descends_from(vigil_detector::current_worker_id().unwrap()));
/// ```
#[inline]
pub fn on_task_spawn(name: Option<String>, site: &'static Location<'static>) -> Option<TaskCore> {
    if !crate::enabled() {
        return None;
    }
    Some(task_spawn_slow(name, site))
}

#[cold]
#[inline(never)]
fn task_spawn_slow(name: Option<String>, site: &'static Location<'static>) -> TaskCore {
    let reg = registry();
    let parent = crate::worker::current_worker();
    let bt = crate::trace::Trace::capture();
    let mut w = Worker::new(reg.next_worker_id(), name, parent.as_deref(), Some(site), Some(bt), false);
    w.kind = WorkerKind::Task;
    w.task = Some(Box::default());
    let w = Arc::new(w);
    reg.insert(w.clone());
    reg.events.push(EventKind::Spawn, Some(w.to_ref()), None, None, Message::Spawned(site));
    TaskCore {
        held: SavedStack::for_worker(w.id.0),
        worker: w,
        clock: None,
        start: crate::hb::fork(),
        waker: None,
        ended: false,
    }
}

/// The calling thread running as a task: every per-thread record swapped
/// for the task's, swapped back on drop (also when the poll unwinds).
struct Entered<'a> {
    core: &'a mut TaskCore,
    prev: Option<Arc<Worker>>,
    clock_swapped: bool,
}

impl TaskCore {
    /// The task's worker record.
    ///
    /// # Examples
    ///
    /// ```
    /// let task = vigil_detector::task::on_task_spawn(Some("fetch".into()), std::panic::Location::caller()).unwrap();
    /// assert_eq!(task.worker().name(), Some("fetch"));
    /// ```
    pub fn worker(&self) -> &Arc<Worker> {
        &self.worker
    }

    #[inline]
    fn enter(&mut self) -> Entered<'_> {
        let prev = swap_current(Some(self.worker.clone()));
        held::swap(&mut self.held);
        let clock_swapped = crate::race_enabled() && crate::hb::swap_clock(&mut self.clock);
        if clock_swapped {
            if let Some(start) = self.start.take() {
                // The first poll: spawn → first poll (what a thread's `on_start` does).
                crate::hb::acquire_clock(&start);
            }
        }
        Entered { core: self, prev, clock_swapped }
    }

    /// Polls the task's future (`f`) as the task: inside, the task is the
    /// current worker; its counters are updated; its end (ready or panic)
    /// finishes the worker. A panic is recorded and resumed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// use vigil_detector::WorkerState;
    ///
    /// let mut task = vigil_detector::task::on_task_spawn(None, std::panic::Location::caller()).unwrap();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert_eq!(task.poll(&mut cx, |_| Poll::<()>::Pending), Poll::Pending);
    /// assert_eq!(task.worker().state(), WorkerState::Idle);
    /// assert_eq!(task.worker().task_stats().unwrap().polls, 1);
    /// ```
    #[inline]
    pub fn poll<R>(&mut self, cx: &mut Context<'_>, f: impl FnOnce(&mut Context<'_>) -> Poll<R>) -> Poll<R> {
        if self.ended {
            return f(cx);
        }
        // Registers the runtime thread once, so `polled_by` names it.
        let by = crate::worker::current_worker_id().map_or(0, |w| w.0);
        let waker = self.waker_for(cx.waker());
        let counters = self.worker.task.as_deref();
        let t0 = counters.map_or(0, |c| c.poll_start(by));
        let result = {
            let mut entered = self.enter();
            let mut ours = Context::from_waker(&waker);
            let result = catch_unwind(AssertUnwindSafe(|| f(&mut ours)));
            match &result {
                Ok(Poll::Pending) => {}
                Ok(Poll::Ready(_)) => entered.end(),
                Err(_) => entered.end(),
            }
            result
        };
        if let Some(c) = self.worker.task.as_deref() {
            c.poll_end(t0);
        }
        match result {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => {
                self.finish(WorkerState::Finished, None);
                Poll::Ready(v)
            }
            Err(payload) => {
                self.finish(WorkerState::Panicked, Some(crate::panic_message(&*payload)));
                resume_unwind(payload)
            }
        }
    }

    /// Runs `f` to completion as the task (the body of `spawn_blocking`).
    ///
    /// # Examples
    ///
    /// ```
    /// let task = vigil_detector::task::on_task_spawn(None, std::panic::Location::caller()).unwrap();
    /// let id = task.worker().id();
    /// assert_eq!(task.run(vigil_detector::current_worker_id), Some(id));
    /// ```
    pub fn run<R>(mut self, f: impl FnOnce() -> R) -> R {
        let by = crate::worker::current_worker_id().map_or(0, |w| w.0);
        let t0 = self.worker.task.as_deref().map_or(0, |c| c.poll_start(by));
        let result = {
            let mut entered = self.enter();
            let result = catch_unwind(AssertUnwindSafe(f));
            entered.end();
            result
        };
        if let Some(c) = self.worker.task.as_deref() {
            c.poll_end(t0);
        }
        match result {
            Ok(v) => {
                self.finish(WorkerState::Finished, None);
                v
            }
            Err(payload) => {
                self.finish(WorkerState::Panicked, Some(crate::panic_message(&*payload)));
                resume_unwind(payload)
            }
        }
    }

    /// The task is dropped before it completed: `drop_future` drops its
    /// future (as the task, so what its destructors do is the task's), and
    /// the worker ends `cancelled`. Does nothing if the task already ended.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::WorkerState;
    ///
    /// let mut task = vigil_detector::task::on_task_spawn(None, std::panic::Location::caller()).unwrap();
    /// let worker = task.worker().clone();
    /// task.cancel(|| {});
    /// assert_eq!(worker.state(), WorkerState::Cancelled);
    /// ```
    pub fn cancel(&mut self, drop_future: impl FnOnce()) {
        if self.ended {
            drop_future();
            return;
        }
        {
            let mut entered = self.enter();
            let _ = catch_unwind(AssertUnwindSafe(drop_future));
            entered.end();
        }
        self.finish(WorkerState::Cancelled, None);
    }

    #[inline]
    fn waker_for(&mut self, given: &Waker) -> Waker {
        if let Some((inner, ours)) = &self.waker {
            if inner.will_wake(given) {
                return ours.clone();
            }
        }
        let ours = Waker::from(Arc::new(CountingWaker { inner: given.clone(), worker: self.worker.clone() }));
        self.waker = Some((given.clone(), ours.clone()));
        ours
    }

    #[cold]
    fn finish(&mut self, state: WorkerState, panic: Option<String>) {
        self.ended = true;
        self.waker = None;
        if let Some(tc) = self.clock.take() {
            crate::hb::retire(tc);
        }
        #[cfg(feature = "detect")]
        if let Some(msg) = &panic {
            tracing::warn!(target: "vigil", worker = %self.worker.to_ref(), "vigil: {} panicked: {msg}", self.worker.to_ref());
        }
        registry().finish_as(&self.worker, state, panic);
    }
}

impl Entered<'_> {
    /// The task's last moment as current worker: its final clock is
    /// published for whoever awaits its `JoinHandle`.
    fn end(&mut self) {
        if self.clock_swapped {
            if let Some(c) = crate::hb::finish() {
                *self.core.worker.final_clock.lock() = Some(c);
            }
        }
    }
}

impl Drop for Entered<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.clock_swapped {
            crate::hb::swap_clock(&mut self.core.clock);
        }
        held::swap(&mut self.core.held);
        swap_current(self.prev.take());
    }
}

impl Drop for TaskCore {
    fn drop(&mut self) {
        // Dropped without `cancel` (a caller that had no future to drop).
        if !self.ended {
            self.finish(WorkerState::Cancelled, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::{Context, Poll};

    fn spawn(name: &str) -> TaskCore {
        on_task_spawn(Some(name.into()), Location::caller()).expect("tracking is on in tests")
    }

    #[test]
    fn held_locks_follow_the_task_not_the_thread() {
        use crate::lock::{HeldLock, HeldMode};
        use crate::resource::ResourceId;
        let mut t = spawn("holder");
        let mut cx = Context::from_waker(Waker::noop());
        let lock = HeldLock { id: ResourceId::next(), mode: HeldMode::Exclusive, site: Location::caller() };
        let _ = t.poll(&mut cx, |_| {
            held::push(lock);
            Poll::<()>::Pending
        });
        assert_eq!(held::find(lock.id), None, "the thread does not hold the task's lock");
        let _ = t.poll(&mut cx, |_| {
            assert_eq!(held::find(lock.id), Some(lock), "the task still holds it");
            held::pop(lock.id, lock.mode);
            Poll::Ready(())
        });
    }

    #[test]
    fn wakes_are_counted_and_idle_between_polls() {
        let mut t = spawn("waker");
        let mut cx = Context::from_waker(Waker::noop());
        let mut kept = None;
        let _ = t.poll(&mut cx, |cx| {
            kept = Some(cx.waker().clone());
            Poll::<()>::Pending
        });
        assert_eq!(t.worker().state(), WorkerState::Idle);
        kept.as_ref().map(Waker::wake_by_ref);
        let s = t.worker().task_stats().unwrap();
        assert_eq!((s.polls, s.wakes), (1, 1));
        let _ = t.poll(&mut cx, |_| Poll::Ready(()));
        let s = t.worker().task_stats().unwrap();
        assert_eq!(s.polls, 2);
        assert_eq!(t.worker().state(), WorkerState::Finished);
    }

    #[test]
    fn a_panicking_poll_ends_the_task_panicked_and_restores_the_thread() {
        let me = crate::current_worker_id();
        let mut t = spawn("boom");
        let w = t.worker().clone();
        let mut cx = Context::from_waker(Waker::noop());
        let r = catch_unwind(AssertUnwindSafe(|| t.poll(&mut cx, |_| -> Poll<()> { panic!("boom") })));
        assert!(r.is_err());
        assert_eq!(crate::current_worker_id(), me);
        assert_eq!(w.state(), WorkerState::Panicked);
    }
}
