//! `GET /api/events`: the detector's event ring as server-sent events.
//!
//! One pump thread reads the ring (never blocking a producer: the ring drops
//! its oldest events when nobody reads in time) and offers each event, once
//! serialized, to every client's bounded buffer with `try_send`. A client
//! whose buffer is full has fallen behind: it is removed at once, and its
//! stream, after the events already buffered, says how many it missed
//! (`event: lagged`) and ends. The pump never waits for a client; a client
//! that stops reading altogether is cut off by the write-stall timeout of
//! [`crate::listener`].
//!
//! | SSE event | `id` | data |
//! |---|---|---|
//! | `message` (default) | the event's `seq` | the detector's `Event` as JSON |
//! | `hello` | – | `{"last_event_seq", "dropped_events", "buffer"}` on connect |
//! | `missed` | – | `{"missed", "reason"}`: events lost before they could be sent |
//! | `lagged` | – | `{"missed", "last_seq"}`: this client fell behind and is disconnected |

use crate::error::{bad_query, ApiError};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_core::Stream;
use serde::Deserialize;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;

/// One message for clients: serialized once, shared by all.
#[derive(Debug)]
pub(crate) struct Frame {
    /// The detector event's sequence number (`None` for notices).
    seq: Option<u64>,
    /// SSE event name (`None`: the default `message`).
    name: Option<&'static str>,
    data: String,
}

impl Frame {
    fn event(e: &vigil_detector::Event) -> Frame {
        Frame { seq: Some(e.seq), name: None, data: serde_json::to_string(e).unwrap_or_else(|_| "{}".into()) }
    }

    fn notice(name: &'static str, data: serde_json::Value) -> Frame {
        Frame { seq: None, name: Some(name), data: data.to_string() }
    }

    fn to_sse(&self) -> SseEvent {
        let mut ev = SseEvent::default().data(self.data.as_str());
        if let Some(seq) = self.seq {
            ev = ev.id(seq.to_string());
        }
        if let Some(name) = self.name {
            ev = ev.event(name);
        }
        ev
    }
}

#[derive(Debug, Default)]
struct ClientShared {
    lagged: AtomicBool,
}

struct Client {
    tx: mpsc::Sender<Arc<Frame>>,
    shared: Arc<ClientShared>,
}

/// The fan-out from the detector's ring to the SSE clients.
pub(crate) struct Hub {
    clients: Mutex<Vec<Client>>,
    buffer: usize,
    stop: AtomicBool,
    streams: AtomicUsize,
    lagged: AtomicU64,
    start_seq: u64,
}

impl Hub {
    pub(crate) fn new(buffer: usize) -> Hub {
        Hub {
            clients: Mutex::new(Vec::new()),
            buffer,
            stop: AtomicBool::new(false),
            streams: AtomicUsize::new(0),
            lagged: AtomicU64::new(0),
            start_seq: vigil_detector::last_event_seq(),
        }
    }

    fn clients(&self) -> MutexGuard<'_, Vec<Client>> {
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn streams(&self) -> usize {
        self.streams.load(Ordering::Relaxed)
    }

    pub(crate) fn lagged(&self) -> u64 {
        self.lagged.load(Ordering::Relaxed)
    }

    /// Ends every stream and stops the pump.
    pub(crate) fn shutdown(&self) {
        self.stop.store(true, Ordering::Release);
        self.clients().clear();
    }

    /// The pump thread's loop: runs until [`Hub::shutdown`].
    pub(crate) fn pump(&self) {
        let mut after = self.start_seq;
        while !self.stop.load(Ordering::Acquire) {
            vigil_detector::wait_for_events(after, Duration::from_millis(100));
            if self.stop.load(Ordering::Acquire) {
                break;
            }
            if self.clients().is_empty() {
                after = vigil_detector::last_event_seq();
                continue;
            }
            let batch = vigil_detector::events_since(after, 512);
            after = after.max(batch.next_seq);
            let mut frames = Vec::with_capacity(batch.events.len() + 1);
            if batch.missed > 0 {
                frames.push(Arc::new(Frame::notice(
                    "missed",
                    serde_json::json!({
                        "missed": batch.missed,
                        "reason": "the detector's event ring overflowed before the dashboard read it",
                    }),
                )));
            }
            frames.extend(batch.events.iter().map(|e| Arc::new(Frame::event(e))));
            if frames.is_empty() {
                continue;
            }
            let mut clients = self.clients();
            clients.retain(|c| self.deliver(c, &frames));
        }
        self.clients().clear();
    }

    /// Offers `frames` to one client; `false` drops the client.
    fn deliver(&self, c: &Client, frames: &[Arc<Frame>]) -> bool {
        for f in frames {
            match c.tx.try_send(f.clone()) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    c.shared.lagged.store(true, Ordering::Release);
                    self.lagged.fetch_add(1, Ordering::Relaxed);
                    return false;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => return false,
            }
        }
        true
    }

    /// A new client's stream: events after `after` (the backlog still in the
    /// ring) or, without it, from now on.
    fn subscribe(self: &Arc<Self>, after: Option<u64>) -> EventStream {
        let (tx, rx) = mpsc::channel(self.buffer);
        let shared = Arc::new(ClientShared::default());
        self.streams.fetch_add(1, Ordering::Relaxed);
        let mut stream = EventStream {
            backlog: VecDeque::new(),
            rx,
            shared: shared.clone(),
            last_seq: 0,
            finished: false,
            hub: self.clone(),
        };
        if self.stop.load(Ordering::Acquire) {
            stream.finished = true;
            return stream;
        }
        // Register first, then read the backlog: the stream skips what it
        // gets twice (by seq), and nothing falls between the two.
        self.clients().push(Client { tx, shared });
        let now = vigil_detector::last_event_seq();
        stream.backlog.push_back(Arc::new(Frame::notice(
            "hello",
            serde_json::json!({
                "last_event_seq": now,
                "dropped_events": vigil_detector::dropped_events(),
                "buffer": self.buffer,
            }),
        )));
        match after {
            Some(after) => {
                let batch = vigil_detector::events_since(after, self.buffer);
                if batch.missed > 0 {
                    stream.backlog.push_back(Arc::new(Frame::notice(
                        "missed",
                        serde_json::json!({
                            "missed": batch.missed,
                            "reason": "older events were dropped from the detector's ring",
                        }),
                    )));
                }
                stream.backlog.extend(batch.events.iter().map(|e| Arc::new(Frame::event(e))));
                stream.last_seq = after;
            }
            None => stream.last_seq = now,
        }
        stream
    }
}

/// One client's events: its backlog, then what the pump hands it.
struct EventStream {
    backlog: VecDeque<Arc<Frame>>,
    rx: mpsc::Receiver<Arc<Frame>>,
    shared: Arc<ClientShared>,
    /// The newest `seq` sent to this client.
    last_seq: u64,
    finished: bool,
    hub: Arc<Hub>,
}

impl EventStream {
    /// Whether to send `f` (drops events this client already has).
    fn admit(&mut self, f: &Frame) -> bool {
        match f.seq {
            Some(seq) if seq <= self.last_seq => false,
            Some(seq) => {
                self.last_seq = seq;
                true
            }
            None => true,
        }
    }
}

impl Stream for EventStream {
    type Item = Result<SseEvent, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.finished {
            return Poll::Ready(None);
        }
        while let Some(f) = this.backlog.pop_front() {
            if this.admit(&f) {
                return Poll::Ready(Some(Ok(f.to_sse())));
            }
        }
        loop {
            match this.rx.poll_recv(cx) {
                Poll::Ready(Some(f)) => {
                    if this.admit(&f) {
                        return Poll::Ready(Some(Ok(f.to_sse())));
                    }
                }
                Poll::Ready(None) => {
                    this.finished = true;
                    if !this.shared.lagged.load(Ordering::Acquire) {
                        return Poll::Ready(None);
                    }
                    let missed = vigil_detector::last_event_seq().saturating_sub(this.last_seq);
                    let notice = Frame::notice(
                        "lagged",
                        serde_json::json!({
                            "missed": missed,
                            "last_seq": this.last_seq,
                            "message": "this client fell behind and is disconnected; reload /api/snapshot and reconnect",
                        }),
                    );
                    return Poll::Ready(Some(Ok(notice.to_sse())));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.hub.streams.fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventParams {
    /// Replay events after this sequence number (still in the ring) first.
    after: Option<u64>,
    #[allow(dead_code)]
    token: Option<String>,
}

pub(crate) async fn sse(
    State(state): State<crate::server::AppState>,
    headers: HeaderMap,
    params: Result<Query<EventParams>, QueryRejection>,
) -> Response {
    let params = match params {
        Ok(Query(p)) => p,
        Err(e) => return bad_query(e).into_response(),
    };
    let last_event_id =
        match headers.get("last-event-id").map(|v| v.to_str().map(|s| s.trim().parse::<u64>())) {
            None => None,
            Some(Ok(Ok(id))) => Some(id),
            Some(_) => {
                return ApiError::bad_request("Last-Event-ID must be an event sequence number")
                    .into_response()
            }
        };
    let stream = state.hub.subscribe(last_event_id.or(params.after));
    let mut res =
        Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response();
    // When a stream ends (the client fell behind, or shutdown) the
    // connection closes with it instead of idling in keep-alive.
    res.headers_mut().insert(axum::http::header::CONNECTION, axum::http::HeaderValue::from_static("close"));
    res.headers_mut().insert("x-accel-buffering", axum::http::HeaderValue::from_static("no"));
    res
}
