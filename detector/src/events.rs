//! The bounded ring of recent events that feeds the dashboard.
//!
//! Pushing never blocks on a reader: when the ring is full the oldest event
//! is dropped and counted. Readers ask for everything after a sequence
//! number and are told how many they missed.

use crate::resource::ResourceRef;
use crate::sync::{AtomicU64, Condvar, Mutex, Ordering};
use crate::worker::{Op, WorkerRef};
use serde::Serialize;
use std::collections::VecDeque;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What happened. Serialized in `snake_case`.
///
/// # Examples
///
/// ```
/// use vigil_detector::EventKind;
///
/// assert_eq!(serde_json::to_value(EventKind::StarvationEnd).unwrap(), "starvation_end");
/// let after = vigil_detector::last_event_seq();
/// vigil_detector::emit(EventKind::Cancel, None, None, None, "request timed out".to_string());
/// let batch = vigil_detector::events_since(after, 10);
/// assert!(batch.events.iter().any(|e| e.kind == EventKind::Cancel));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A worker was spawned.
    Spawn,
    /// A worker finished.
    Finish,
    /// A worker panicked.
    Panic,
    /// A worker started to wait.
    Block,
    /// A worker stopped waiting.
    Unblock,
    /// A lock entered starvation mode.
    Starvation,
    /// A lock returned to normal mode.
    StarvationEnd,
    /// A data race was found.
    Race,
    /// A deadlock (or a potential one) was found.
    Deadlock,
    /// A leak check found leaked workers.
    Leak,
    /// A context was cancelled or its deadline passed.
    Cancel,
    /// Anything else.
    Other,
}

/// One event of the ring.
///
/// # Examples
///
/// ```
/// use vigil_detector::{EventKind, Op};
///
/// let after = vigil_detector::last_event_seq();
/// let me = vigil_detector::current_worker().unwrap().to_ref();
/// vigil_detector::emit(EventKind::Other, Some(me.clone()), None, Some(Op::Sleep), "napping".to_string());
/// let batch = vigil_detector::events_since(after, 10);
/// let event = batch.events.iter().find(|e| e.message == "napping").unwrap();
/// assert!(event.seq > after);
/// assert_eq!(event.worker.as_ref(), Some(&me));
/// assert_eq!(event.op, Some(Op::Sleep));
/// let json = serde_json::to_value(event).unwrap();
/// assert_eq!(json["kind"], "other");
/// assert_eq!(json["op"], "sleep");
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Sequence number, from 1, without gaps.
    pub seq: u64,
    /// Wall-clock time, milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// What happened.
    pub kind: EventKind,
    /// The worker concerned, if any.
    pub worker: Option<WorkerRef>,
    /// The resource concerned, if any.
    pub resource: Option<ResourceRef>,
    /// The operation concerned, if any.
    pub op: Option<Op>,
    /// A one-line human description.
    pub message: String,
}

/// Events after a sequence number, with the count of those already dropped.
///
/// # Examples
///
/// ```
/// use vigil_detector::EventKind;
///
/// let first = vigil_detector::events_since(0, usize::MAX);
/// vigil_detector::emit(EventKind::Other, None, None, None, "tick".to_string());
/// // Ask from `next_seq` to get only what is new.
/// let next = vigil_detector::events_since(first.next_seq, 100);
/// assert_eq!(next.missed, 0);
/// assert_eq!(next.events.len(), 1);
/// assert_eq!(next.events[0].message, "tick");
/// assert_eq!(next.next_seq, next.events[0].seq);
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct EventsSince {
    /// The events, oldest first.
    pub events: Vec<Event>,
    /// Events after the requested number that were dropped before being read.
    pub missed: u64,
    /// The sequence number to ask from next time.
    pub next_seq: u64,
}

pub(crate) const RING_CAPACITY: usize = 8192;

pub(crate) struct EventRing {
    ring: Mutex<VecDeque<Event>>,
    next_seq: AtomicU64,
    dropped: AtomicU64,
    arrived: Condvar,
    /// Readers waiting in `wait_after`: pushes skip the wake-up (a syscall) when zero.
    waiting: AtomicU64,
}

pub(crate) fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl EventRing {
    pub(crate) fn new() -> EventRing {
        EventRing {
            ring: Mutex::new(VecDeque::with_capacity(256)),
            next_seq: AtomicU64::new(1),
            dropped: AtomicU64::new(0),
            arrived: Condvar::new(),
            waiting: AtomicU64::new(0),
        }
    }

    pub(crate) fn push(
        &self,
        kind: EventKind,
        worker: Option<WorkerRef>,
        resource: Option<ResourceRef>,
        op: Option<Op>,
        message: String,
    ) {
        let time_ms = unix_ms(SystemTime::now());
        {
            let mut ring = self.ring.lock();
            let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
            if ring.len() == RING_CAPACITY {
                ring.pop_front();
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            ring.push_back(Event { seq, time_ms, kind, worker, resource, op, message });
        }
        // A reader registers (under the ring lock) before it waits, so a push
        // that sees zero here happened before that reader checked the ring.
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.arrived.notify_all();
        }
    }

    pub(crate) fn since(&self, after: u64, max: usize) -> EventsSince {
        let ring = self.ring.lock();
        let oldest = ring.front().map(|e| e.seq).unwrap_or_else(|| self.next_seq.load(Ordering::Relaxed));
        let missed = oldest.saturating_sub(after + 1);
        let events: Vec<Event> = ring.iter().filter(|e| e.seq > after).take(max).cloned().collect();
        let next_seq = events.last().map(|e| e.seq).unwrap_or(after.max(oldest.saturating_sub(1)));
        EventsSince { events, missed, next_seq }
    }

    pub(crate) fn wait_after(&self, after: u64, timeout: Duration) {
        let ring = self.ring.lock();
        if ring.back().is_some_and(|e| e.seq > after) {
            return;
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
        drop(self.ring.wait_timeout(&self.arrived, ring, timeout));
        self.waiting.fetch_sub(1, Ordering::SeqCst);
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    pub(crate) fn last_seq(&self) -> u64 {
        self.next_seq.load(Ordering::Relaxed) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_drops_oldest_and_counts() {
        let ring = EventRing::new();
        for i in 0..(RING_CAPACITY + 10) {
            ring.push(EventKind::Other, None, None, None, i.to_string());
        }
        assert_eq!(ring.dropped(), 10);
        let got = ring.since(0, usize::MAX);
        assert_eq!(got.missed, 10);
        assert_eq!(got.events.len(), RING_CAPACITY);
        assert_eq!(got.events[0].seq, 11);
        let tail = ring.since(got.next_seq - 1, 10);
        assert_eq!(tail.missed, 0);
        assert_eq!(tail.events.len(), 1);
    }
}
