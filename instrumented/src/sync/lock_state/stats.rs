//! What a lock shows: `stats()` (counts, waiters, owner, histograms,
//! starvation, poisoning) and the one-line summary of snapshots and reports.

use super::{stamp_age, LockState};
use std::panic::Location;
use std::sync::atomic::Ordering;
use std::time::Instant;
use vigil_detector::lock::LockResource;
use vigil_detector::{LockStats, Resource, ResourceMeta, ResourceStats, Waiter, WorkerId};

impl LockState {
    /// Mirrors the lock's poison flag for snapshots: set when an
    /// acquisition finds the lock poisoned (a release does not pay for
    /// checking `thread::panicking`), cleared by `clear_poison`.
    pub(crate) fn set_poisoned(&self, poisoned: bool) {
        self.poisoned.store(poisoned, Ordering::Relaxed);
    }

    // === reads for the extras ===

    pub(crate) fn waiters(&self) -> usize {
        self.waiters.load(Ordering::Relaxed)
    }

    pub(crate) fn is_starving(&self) -> bool {
        self.starvation.is_starving()
    }

    pub(super) fn owner_site(&self) -> Option<&'static Location<'static>> {
        let p = self.owner_site.load(Ordering::Relaxed);
        // SAFETY: `owner_site` only ever holds null or a pointer made from a
        // `&'static Location<'static>` (see `acquired_exclusive`), which is
        // valid and immutable for the whole program.
        unsafe { p.as_ref() }
    }

    pub(crate) fn lock_stats(&self) -> LockStats {
        let owner = self.owner.load(Ordering::Relaxed);
        let now = Instant::now();
        let waiting = self
            .waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|w| Waiter {
                worker: w.worker.clone(),
                site: w.site.to_string(),
                since_ms: now.saturating_duration_since(w.since).as_millis() as u64,
            })
            .collect();
        let (readers, reads) = self.reads();
        LockStats {
            acquisitions: self.acquisitions.load(Ordering::Relaxed) + reads,
            contended: self.contended.load(Ordering::Relaxed),
            waiters: self.waiters(),
            waiting,
            owner: (owner != 0).then(|| vigil_detector::lock::worker_ref(WorkerId(owner))),
            owner_site: if owner != 0 { self.owner_site().map(|s| s.to_string()) } else { None },
            held_ms: if owner != 0 {
                stamp_age(self.held_since.load(Ordering::Relaxed)).map(|d| d.as_millis() as u64)
            } else {
                None
            },
            readers,
            starving: self.is_starving(),
            starvation_entered: self.starvation.entered(),
            starvation_exited: self.starvation.exited(),
            wait: self.wait.summary(),
            hold: self.hold.summary(),
            poisoned: self.poisoned.load(Ordering::Relaxed),
        }
    }
}

impl Resource for LockState {
    fn meta(&self) -> &ResourceMeta {
        &self.meta
    }

    fn summary(&self) -> String {
        use std::fmt::Write as _;
        // One string written in place (a snapshot makes one per lock).
        let mut s = String::with_capacity(64);
        match self.holder() {
            Some(h) => {
                let _ = write!(s, "locked by {}", vigil_detector::lock::worker_ref(h.worker));
                if let Some(site) = h.site {
                    let _ = write!(s, " at {site}");
                }
                if let Some(d) = h.held {
                    let _ = write!(s, " for {} ms", d.as_millis());
                }
            }
            None => match self.readers() {
                0 => s.push_str("unlocked"),
                n => {
                    let _ = write!(s, "read-locked by {n} reader(s)");
                }
            },
        }
        let _ = write!(s, ", {} waiting", self.waiters());
        if self.is_starving() {
            s.push_str(", starving");
        }
        s
    }

    fn stats(&self) -> ResourceStats {
        ResourceStats::Lock(Box::new(self.lock_stats()))
    }
}
