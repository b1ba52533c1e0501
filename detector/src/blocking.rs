//! Blocking visibility: `on_block` before a worker parks, and the returned
//! guard's drop (`on_unblock`) after it wakes.

use crate::events::{EventKind, Message};
use crate::registry::registry;
use crate::resource::Resource;
use crate::sync::Arc;
use crate::worker::{current_worker, Blocked, Op, Worker, WorkerState};
use std::panic::Location;
use std::time::{Duration, Instant};

/// Held while a worker waits; dropping it marks the worker running again.
///
/// # Examples
///
/// ```
/// use vigil_detector::Op;
///
/// let guard = vigil_detector::on_block(Op::Sleep, std::panic::Location::caller(), Vec::new());
/// std::thread::sleep(std::time::Duration::from_millis(1));
/// assert!(guard.waited() >= std::time::Duration::from_millis(1));
/// ```
#[must_use = "the worker counts as blocked until the guard is dropped"]
#[derive(Debug)]
pub struct BlockGuard {
    worker: Option<Arc<Worker>>,
    since: Instant,
    op: Op,
}

/// Marks the calling worker blocked in `op` on `resources` at `site` until the
/// returned guard drops. Callers reach this only on a slow path (after a
/// `try_` attempt failed), so it may read the clock and take locks.
///
/// # Examples
///
/// ```
/// use vigil_detector::{Op, WorkerState};
///
/// let me = vigil_detector::current_worker().unwrap();
/// let guard = vigil_detector::on_block(Op::Park, std::panic::Location::caller(), Vec::new());
/// assert_eq!(me.state(), WorkerState::Blocked);
/// assert_eq!(me.blocked().map(|b| b.op), Some(Op::Park));
/// drop(guard); // woke up
/// assert_eq!(me.state(), WorkerState::Running);
/// ```
#[cold]
#[inline(never)]
pub fn on_block(op: Op, site: &'static Location<'static>, resources: Vec<Arc<dyn Resource>>) -> BlockGuard {
    on_block_since(op, site, resources, Instant::now())
}

/// [`on_block`] for a wait that started at `since`, before it was worth
/// showing (a lock waiter becomes visible only once its wait is no longer
/// brief, but its blocked time counts from the start).
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// use vigil_detector::Op;
///
/// let start = Instant::now();
/// std::thread::sleep(Duration::from_millis(1)); // the quiet part of the wait
/// let guard = vigil_detector::on_block_since(Op::Lock, std::panic::Location::caller(), Vec::new(), start);
/// assert_eq!(guard.since(), start);
/// assert!(guard.waited() >= Duration::from_millis(1));
/// ```
#[cold]
#[inline(never)]
pub fn on_block_since(
    op: Op,
    site: &'static Location<'static>,
    resources: Vec<Arc<dyn Resource>>,
    since: Instant,
) -> BlockGuard {
    if !crate::enabled() {
        return BlockGuard { worker: None, since, op };
    }
    let Some(worker) = current_worker() else {
        return BlockGuard { worker: None, since, op };
    };
    let first = resources.first().map(|r| r.meta().to_ref());
    {
        let mut st = worker.state.lock();
        st.state = WorkerState::Blocked;
        st.blocked = Some(Blocked { op, resources, site, since });
    }
    registry().events.push(EventKind::Block, Some(worker.to_ref()), first, Some(op), Message::Blocked(site));
    BlockGuard { worker: Some(worker), since, op }
}

impl BlockGuard {
    /// When the wait started.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Instant;
    /// use vigil_detector::Op;
    ///
    /// let before = Instant::now();
    /// let guard = vigil_detector::on_block(Op::Recv, std::panic::Location::caller(), Vec::new());
    /// assert!(before <= guard.since() && guard.since() <= Instant::now());
    /// ```
    pub fn since(&self) -> Instant {
        self.since
    }

    /// How long the worker has waited so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use vigil_detector::Op;
    ///
    /// let start = Instant::now() - Duration::from_millis(5); // the wait began 5 ms ago
    /// let guard = vigil_detector::on_block_since(Op::Lock, std::panic::Location::caller(), Vec::new(), start);
    /// assert!(guard.waited() >= Duration::from_millis(5));
    /// ```
    pub fn waited(&self) -> Duration {
        self.since.elapsed()
    }

    /// Ends the wait now (same as dropping the guard); returns how long it was.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use vigil_detector::{Op, WorkerState};
    ///
    /// let me = vigil_detector::current_worker().unwrap();
    /// let start = Instant::now() - Duration::from_millis(5);
    /// let guard = vigil_detector::on_block_since(Op::Barrier, std::panic::Location::caller(), Vec::new(), start);
    /// assert_eq!(me.state(), WorkerState::Blocked);
    /// let waited = guard.on_unblock();
    /// assert!(waited >= Duration::from_millis(5));
    /// assert_eq!(me.state(), WorkerState::Running);
    /// ```
    pub fn on_unblock(self) -> Duration {
        self.since.elapsed()
    }
}

impl Drop for BlockGuard {
    fn drop(&mut self) {
        let Some(worker) = self.worker.take() else { return };
        let first = {
            let mut st = worker.state.lock();
            let first = st.blocked.take().and_then(|b| b.resources.first().map(|r| r.meta().to_ref()));
            if st.state == WorkerState::Blocked {
                st.state = WorkerState::Running;
            }
            first
        };
        let waited = self.since.elapsed();
        registry().events.push(
            EventKind::Unblock,
            Some(worker.to_ref()),
            first,
            Some(self.op),
            Message::Unblocked(waited),
        );
    }
}
