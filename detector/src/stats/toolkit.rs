//! Statistics of the Go toolkit: contexts, pools, wait groups, semaphores.

use crate::resource::ResourceId;
use serde::Serialize;

/// A context's place in the tree and its state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CounterStats {
    /// The counter (wait group count, permits available, arrivals).
    pub count: i64,
    /// The limit, if any (semaphore size, barrier parties).
    pub capacity: Option<i64>,
    /// Workers waiting now.
    pub waiters: usize,
}
