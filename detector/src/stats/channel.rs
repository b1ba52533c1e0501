//! Channel statistics.

use crate::worker::WorkerRef;
#[cfg(feature = "serde")]
use serde::Serialize;

/// A worker waiting on a resource: who, where, for how long.
///
/// # Examples
///
/// ```
/// use vigil_detector::{Waiter, WorkerId, WorkerRef};
///
/// let w = Waiter {
///     worker: WorkerRef { id: WorkerId(5), name: Some("consumer".into()) },
///     site: "src/main.rs:20:14".into(),
///     since_ms: 250,
/// };
/// let json = serde_json::to_value(&w).unwrap();
/// assert_eq!(json["worker"], serde_json::json!({"id": 5, "name": "consumer"}));
/// assert_eq!(json["since_ms"], 250);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Waiter {
    /// The waiting worker.
    pub worker: WorkerRef,
    /// Where it waits (`file:line:col`).
    pub site: String,
    /// How long it has waited.
    pub since_ms: u64,
}

/// A channel's live statistics.
///
/// # Examples
///
/// ```
/// use vigil_detector::ChannelStats;
///
/// let stats = ChannelStats {
///     flavor: "bounded",
///     capacity: Some(4),
///     len: 4,
///     sent: 9,
///     received: 5,
///     ..Default::default()
/// };
/// assert_eq!(stats.sent - stats.received, stats.len as u64);
/// let json = serde_json::to_value(&stats).unwrap();
/// assert_eq!(json["flavor"], "bounded");
/// assert_eq!(json["capacity"], 4);
/// assert!(json["blocked_senders"].as_array().unwrap().is_empty());
/// assert!(json["disconnected_ms_ago"].is_null()); // still connected
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
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
