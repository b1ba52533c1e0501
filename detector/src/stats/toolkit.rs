//! Statistics of the Go toolkit: contexts, pools, wait groups, semaphores.

use crate::resource::ResourceId;
#[cfg(feature = "serde")]
use serde::Serialize;

/// A context's place in the tree and its state.
///
/// # Examples
///
/// ```
/// use vigil_detector::{ContextStats, ResourceId};
///
/// let stats = ContextStats {
///     parent: Some(ResourceId(1)),
///     context_kind: "timeout",
///     deadline_in_ms: Some(-20), // 20 ms past
///     cancelled_ms_ago: Some(20),
///     cause: Some("context deadline exceeded".into()),
/// };
/// let json = serde_json::to_value(&stats).unwrap();
/// assert_eq!(json["parent"], 1);
/// assert_eq!(json["deadline_in_ms"], -20);
/// assert_eq!(json["cause"], "context deadline exceeded");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct ContextStats {
    /// The parent context (`None` for a background root).
    pub parent: Option<ResourceId>,
    /// `background`, `cancel`, `timeout`, `deadline` or `value`.
    pub context_kind: &'static str,
    /// Milliseconds until the deadline (negative once past), if any.
    pub deadline_in_ms: Option<i64>,
    /// How long ago it was cancelled, if it was.
    pub cancelled_ms_ago: Option<u64>,
    /// Why: `context canceled` or `context deadline exceeded`.
    pub cause: Option<String>,
}

/// An object pool's or worker pool's statistics.
///
/// # Examples
///
/// ```
/// use vigil_detector::PoolStats;
///
/// let stats = PoolStats { size: 4, busy: 4, queued: 7, completed: 120, ..Default::default() };
/// let json = serde_json::to_value(&stats).unwrap();
/// assert_eq!(json["busy"], 4);
/// assert_eq!(json["queued"], 7);
/// assert_eq!(json["panicked"], 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct PoolStats {
    /// Worker threads (worker pools) or retained objects (object pools).
    pub size: usize,
    /// Workers running a job now.
    pub busy: usize,
    /// Jobs queued, not started.
    pub queued: usize,
    /// Jobs completed.
    pub completed: u64,
    /// Object pool gets served from the pool.
    pub hits: u64,
    /// Object pool gets that created a new object.
    pub misses: u64,
    /// Worker pool jobs that panicked (the worker survives them).
    pub panicked: u64,
}

/// A counter-like primitive's state (`WaitGroup`, `Semaphore`, `Barrier`).
///
/// # Examples
///
/// ```
/// use vigil_detector::CounterStats;
///
/// // A semaphore of 3 permits, all taken, with 2 workers waiting.
/// let stats = CounterStats { count: 0, capacity: Some(3), waiters: 2 };
/// let json = serde_json::to_value(&stats).unwrap();
/// assert_eq!(json, serde_json::json!({"count": 0, "capacity": 3, "waiters": 2}));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct CounterStats {
    /// The counter (wait group count, permits available, arrivals).
    pub count: i64,
    /// The limit, if any (semaphore size, barrier parties).
    pub capacity: Option<i64>,
    /// Workers waiting now.
    pub waiters: usize,
}
