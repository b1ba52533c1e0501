//! The deadlock checks a lock makes on acquisition: the same thread
//! locking again (`double_lock`), reading again while a writer waits
//! (`recursive_read`), and taking it while holding another (the
//! lock-order check). Wait-for cycles are found by the waits themselves
//! (see `wait.rs`).

use super::LockState;
use std::panic::Location;
use vigil_detector::current_worker;
use vigil_detector::lock::{HeldLock, HeldMode};

impl LockState {
    /// Taken while holding another lock: the lock-order check (out of line,
    /// so the fast paths do not build its argument).
    #[cold]
    #[inline(never)]
    pub(super) fn nested(&self, mode: HeldMode, site: &'static Location<'static>) {
        vigil_detector::lock::nested_acquire(HeldLock { id: self.meta.id(), mode, site });
    }

    /// The calling thread already holds this lock: reports a double lock and
    /// panics with the report (unless `VIGIL_DOUBLE_LOCK_PANIC=0`, in which
    /// case it returns and the caller waits forever, as std would).
    #[cold]
    #[inline(never)]
    pub(crate) fn double_lock(&self, first: HeldLock, site: &'static Location<'static>, op: &str) {
        let Some(worker) = current_worker() else { return };
        let report = vigil_detector::lock::report_double_lock(&worker, self.meta.to_ref(), first, site, op);
        if vigil_detector::config().double_lock_panics {
            // Fails at the second lock call (the user's line), not here.
            vigil_detector::check::fail_at(site, &report.to_string());
        }
    }

    /// The calling thread read-locks again while holding a read lock and
    /// writers wait: reports a recursive read (Go's RWR).
    #[cold]
    #[inline(never)]
    pub(crate) fn recursive_read(&self, first: HeldLock, site: &'static Location<'static>) {
        let Some(worker) = current_worker() else { return };
        vigil_detector::lock::report_recursive_read(
            &worker,
            self.meta.to_ref(),
            first,
            site,
            self.writers_waiting(),
        );
    }
}
