//! Lock statistics.

use crate::stats::{HistogramSummary, Waiter};
use crate::worker::WorkerRef;
#[cfg(feature = "serde")]
use serde::Serialize;

/// A lock's live statistics, as returned by `Mutex::stats()` and shown in snapshots.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use vigil_detector::{Histogram, LockStats};
///
/// let wait = Histogram::new();
/// wait.record(Duration::from_micros(300));
/// let stats = LockStats { acquisitions: 10, contended: 1, wait: wait.summary(), ..Default::default() };
/// let json = serde_json::to_value(&stats).unwrap();
/// assert_eq!(json["contended"], 1);
/// assert_eq!(json["wait"]["count"], 1);
/// assert_eq!(json["wait"]["max_us"], 300);
/// assert!(json["owner"].is_null()); // not held
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct LockStats {
    /// Successful acquisitions.
    pub acquisitions: u64,
    /// Acquisitions that had to wait.
    pub contended: u64,
    /// Workers waiting now.
    pub waiters: usize,
    /// Who waits, where, since when.
    pub waiting: Vec<Waiter>,
    /// The exclusive holder now, if any.
    pub owner: Option<WorkerRef>,
    /// Where the holder acquired it.
    pub owner_site: Option<String>,
    /// How long the holder has held it.
    pub held_ms: Option<u64>,
    /// Readers holding it now (`RwLock`).
    pub readers: usize,
    /// In starvation mode now (Go 1.9 rules).
    pub starving: bool,
    /// Normal → starving transitions so far.
    pub starvation_entered: u64,
    /// Starving → normal transitions so far.
    pub starvation_exited: u64,
    /// Wait-time histogram.
    pub wait: HistogramSummary,
    /// Hold-time histogram.
    pub hold: HistogramSummary,
    /// Poisoned by a panicking holder.
    pub poisoned: bool,
}
