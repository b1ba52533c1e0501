//! Channel statistics.

use crate::worker::WorkerRef;
use serde::Serialize;

/// A worker waiting on a resource: who, where, for how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiter {
    /// The waiting worker.
    pub worker: WorkerRef,
    /// Where it waits (`file:line:col`).
    pub site: String,
    /// How long it has waited.
    pub since_ms: u64,
}

/// A channel's live statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChannelStats {
    /// `bounded`, `unbounded`, `rendezvous`, `after`, `tick`, `never`.
    pub flavor: &'static str,
    /// Capacity (`None` when unbounded).
    pub capacity: Option<usize>,
    /// Messages queued now.
    pub len: usize,
    /// Live senders.
    pub senders: usize,
    /// Live receivers.
    pub receivers: usize,
    /// Messages sent so far.
    pub sent: u64,
    /// Messages received so far.
    pub received: u64,
    /// Workers blocked sending.
    pub blocked_senders: Vec<Waiter>,
    /// Workers blocked receiving.
    pub blocked_receivers: Vec<Waiter>,
    /// How long ago the channel was disconnected, if it was.
    pub disconnected_ms_ago: Option<u64>,
}
