//! The bounded ring of recent events that feeds the dashboard.
//!
//! Pushing never blocks on a reader: when the ring is full the oldest event
//! is dropped and counted. Readers ask for everything after a sequence
//! number and are told how many they missed.

use crate::resource::ResourceRef;
use crate::sync::{AtomicU64, Condvar, Mutex, Ordering};
use crate::worker::{Op, WorkerRef};
#[cfg(feature = "serde")]
use serde::Serialize;
use std::collections::VecDeque;
use std::panic::Location;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
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
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(Serialize))]
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
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct EventsSince {
    /// The events, oldest first.
    pub events: Vec<Event>,
    /// Events after the requested number that were dropped before being read.
    pub missed: u64,
    /// The sequence number to ask from next time.
    pub next_seq: u64,
}

pub(crate) const RING_CAPACITY: usize = 8192;

/// What an event says, kept in parts until a reader asks for it: most
/// events of a busy program are overwritten unread, and formatting every
/// spawn, finish, block and unblock as it happened cost a spawn+join about
/// 5,000 instructions under callgrind. The worker, resource and op it
/// speaks of are the event's own fields.
#[derive(Debug, Clone)]
pub(crate) enum Message {
    /// Already text.
    Text(String),
    /// `{worker} spawned at {site}`.
    Spawned(&'static Location<'static>),
    /// `{worker} finished`.
    Finished,
    /// `{worker} blocked in {op} [on {resource}] at {site}`.
    Blocked(&'static Location<'static>),
    /// `{worker} unblocked from {op} after {µs} us`.
    Unblocked(Duration),
}

impl From<String> for Message {
    fn from(text: String) -> Message {
        Message::Text(text)
    }
}

/// An event as the ring keeps it (its message not yet text).
#[derive(Clone)]
struct Entry {
    seq: u64,
    time_ms: u64,
    kind: EventKind,
    worker: Option<WorkerRef>,
    resource: Option<ResourceRef>,
    op: Option<Op>,
    message: Message,
}

impl Entry {
    fn into_event(self) -> Event {
        let Entry { seq, time_ms, kind, worker, resource, op, message } = self;
        let who = || worker.as_ref().map_or_else(|| "a worker".to_string(), |w| w.to_string());
        let op_name = || op.map_or("wait", Op::as_str);
        let message = match message {
            Message::Text(text) => text,
            Message::Spawned(site) => format!("{} spawned at {}", who(), crate::site::short(site)),
            Message::Finished => format!("{} finished", who()),
            Message::Blocked(site) => {
                let on = resource.as_ref().map(|r| format!(" on {r}")).unwrap_or_default();
                format!("{} blocked in {}{on} at {}", who(), op_name(), crate::site::short(site))
            }
            Message::Unblocked(waited) => {
                format!("{} unblocked from {} after {} us", who(), op_name(), waited.as_micros())
            }
        };
        Event { seq, time_ms, kind, worker, resource, op, message }
    }
}

pub(crate) struct EventRing {
    ring: Mutex<VecDeque<Entry>>,
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
        message: impl Into<Message>,
    ) {
        let message = message.into();
        let time_ms = unix_ms(SystemTime::now());
        {
            let mut ring = self.ring.lock();
            let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
            if ring.len() == RING_CAPACITY {
                ring.pop_front();
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            ring.push_back(Entry { seq, time_ms, kind, worker, resource, op, message });
        }
        // A reader registers (under the ring lock) before it waits, so a push
        // that sees zero here happened before that reader checked the ring.
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.arrived.notify_all();
        }
    }

    pub(crate) fn since(&self, after: u64, max: usize) -> EventsSince {
        let (entries, oldest) = {
            let ring = self.ring.lock();
            let oldest = ring.front().map(|e| e.seq).unwrap_or_else(|| self.next_seq.load(Ordering::Relaxed));
            let entries: Vec<Entry> = ring.iter().filter(|e| e.seq > after).take(max).cloned().collect();
            (entries, oldest)
        };
        // Formatted outside the ring's lock: pushes never wait for a reader.
        let events: Vec<Event> = entries.into_iter().map(Entry::into_event).collect();
        let missed = oldest.saturating_sub(after + 1);
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

    #[test]
    fn messages_kept_in_parts_read_as_text() {
        use crate::resource::{ResourceId, ResourceKind};
        use crate::worker::WorkerId;
        let ring = EventRing::new();
        let w = || Some(WorkerRef { id: WorkerId(7), name: Some("fetcher".into()) });
        let chan = ResourceRef { id: ResourceId(3), kind: ResourceKind::Channel, name: "jobs".into() };
        let site = Location::caller();
        let at = crate::site::short(site);
        ring.push(EventKind::Spawn, w(), None, None, Message::Spawned(site));
        ring.push(EventKind::Block, w(), Some(chan), Some(Op::Recv), Message::Blocked(site));
        ring.push(EventKind::Block, w(), None, Some(Op::Sleep), Message::Blocked(site));
        ring.push(
            EventKind::Unblock,
            w(),
            None,
            Some(Op::Recv),
            Message::Unblocked(Duration::from_micros(250)),
        );
        ring.push(EventKind::Finish, w(), None, None, Message::Finished);
        ring.push(EventKind::Other, None, None, None, "as given".to_string());
        let messages: Vec<String> = ring.since(0, 10).events.into_iter().map(|e| e.message).collect();
        assert_eq!(
            messages,
            [
                format!("worker 7 \"fetcher\" spawned at {at}"),
                format!("worker 7 \"fetcher\" blocked in recv on channel `jobs` at {at}"),
                format!("worker 7 \"fetcher\" blocked in sleep at {at}"),
                "worker 7 \"fetcher\" unblocked from recv after 250 us".to_string(),
                "worker 7 \"fetcher\" finished".to_string(),
                "as given".to_string(),
            ]
        );
    }
}
