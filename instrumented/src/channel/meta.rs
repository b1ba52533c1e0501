//! A channel's identity and live state as the detector sees it: counters
//! (atomics, touched on the fast path), the waiters list (slow path only),
//! the disconnect time, and the happens-before points channels carry.
//!
//! One `ChannelMeta` is shared (in an `Arc`) by every end of one channel, of
//! either family (`vigil::channel` and `vigil::sync::mpsc`).

use std::panic::Location;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;
use vigil_detector::hb::SyncClock;
use vigil_detector::{
    on_block, BlockGuard, ChannelStats, Op, Resource, ResourceKind, ResourceMeta, ResourceStats, Waiter,
    WorkerRef,
};

/// A channel end's link to its metadata: `None` when tracking was off at
/// creation; with the `detect` feature off a zero-sized nothing, so the ends
/// are crossbeam's / std's own plus nothing.
#[cfg(feature = "detect")]
#[derive(Clone, Debug)]
pub(crate) struct Tracked(Option<Arc<ChannelMeta>>);

/// A channel end's link to its metadata (none: the `detect` feature is off).
#[cfg(not(feature = "detect"))]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tracked;

impl Tracked {
    #[inline]
    pub(crate) fn new(meta: Option<Arc<ChannelMeta>>) -> Tracked {
        #[cfg(feature = "detect")]
        {
            Tracked(meta)
        }
        #[cfg(not(feature = "detect"))]
        {
            drop(meta);
            Tracked
        }
    }

    /// The metadata, if this channel is tracked.
    #[inline(always)]
    pub(crate) fn get(&self) -> Option<&Arc<ChannelMeta>> {
        #[cfg(feature = "detect")]
        {
            self.0.as_ref()
        }
        #[cfg(not(feature = "detect"))]
        {
            None
        }
    }
}

/// The shape of a channel, for reports: `bounded(0)`, `unbounded`, `after`…
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `bounded(cap)` / `sync_channel(cap)`; `cap == 0` is a rendezvous.
    Bounded(usize),
    /// `unbounded()` / `channel()`.
    Unbounded,
    /// `after(d)` / `at(t)`: one message at a deadline.
    After,
    /// `tick(d)`: a message every period.
    Tick,
    /// `never()`: nothing, ever.
    Never,
    /// A `Context::done()` channel: disconnected when the context ends.
    ContextDone,
}

impl Flavor {
    fn name(self) -> &'static str {
        match self {
            Flavor::Bounded(0) => "rendezvous",
            Flavor::Bounded(_) => "bounded",
            Flavor::Unbounded => "unbounded",
            Flavor::After => "after",
            Flavor::Tick => "tick",
            Flavor::Never => "never",
            Flavor::ContextDone => "context_done",
        }
    }

    fn capacity(self) -> Option<usize> {
        match self {
            Flavor::Bounded(c) => Some(c),
            Flavor::After => Some(1),
            Flavor::Tick => Some(1),
            Flavor::Never | Flavor::ContextDone => Some(0),
            Flavor::Unbounded => None,
        }
    }
}

/// A worker waiting on this channel (kept only while it waits).
struct WaiterEntry {
    token: u64,
    worker: WorkerRef,
    site: &'static Location<'static>,
    since: Instant,
    sending: bool,
}

/// Pads a counter to its own cache line, so that the producer's and the
/// consumer's counters do not bounce one line between two cores.
#[repr(align(128))]
#[derive(Default)]
struct Padded<T>(T);

/// What the detector knows of one channel. Every end holds an `Arc` of it.
pub(crate) struct ChannelMeta {
    meta: ResourceMeta,
    flavor: Flavor,
    /// The op a worker waiting to receive is shown in (`recv`, or
    /// `context_done` for a context's done channel).
    recv_op: Op,
    sent: Padded<AtomicU64>,
    received: Padded<AtomicU64>,
    /// Sends to a bounded channel that have begun, counted only up to
    /// capacity + 1 (see [`send_follows_a_receive`](Self::send_follows_a_receive)).
    sends_begun: AtomicU64,
    senders: AtomicUsize,
    receivers: AtomicUsize,
    waiters: Mutex<Vec<WaiterEntry>>,
    next_token: AtomicU64,
    disconnected_at: OnceLock<Instant>,
    /// Receivers release here before they take a message; a send to a bounded
    /// channel acquires it when it completes (k-th receive → (k+C)-th send).
    pub(crate) recv_point: SyncClock,
    /// The last sender (or receiver) releases here as it disconnects; the
    /// operation that observes the disconnect acquires it.
    pub(crate) close_point: SyncClock,
}

impl ChannelMeta {
    /// Metadata for a new channel with one sender and one receiver, registered
    /// with the detector; `None` when tracking is off.
    #[inline]
    pub(crate) fn new(
        flavor: Flavor,
        name: Option<String>,
        site: &'static Location<'static>,
        senders: usize,
    ) -> Option<Arc<ChannelMeta>> {
        if !vigil_detector::enabled() {
            return None;
        }
        Some(Self::register(flavor, name, site, senders))
    }

    #[cold]
    #[inline(never)]
    fn register(
        flavor: Flavor,
        name: Option<String>,
        site: &'static Location<'static>,
        senders: usize,
    ) -> Arc<ChannelMeta> {
        let meta = Arc::new(ChannelMeta {
            meta: ResourceMeta::new(ResourceKind::Channel, name, site),
            flavor,
            recv_op: if flavor == Flavor::ContextDone { Op::ContextDone } else { Op::Recv },
            sent: Padded::default(),
            received: Padded::default(),
            sends_begun: AtomicU64::new(0),
            senders: AtomicUsize::new(senders),
            receivers: AtomicUsize::new(1),
            waiters: Mutex::new(Vec::new()),
            next_token: AtomicU64::new(1),
            disconnected_at: OnceLock::new(),
            recv_point: SyncClock::new(),
            close_point: SyncClock::new(),
        });
        vigil_detector::register_resource(meta.clone());
        meta
    }

    /// Whether a completed send must acquire the receivers' point (the
    /// channel has a finite capacity, so receives make room for sends).
    #[inline]
    pub(crate) fn is_bounded(&self) -> bool {
        matches!(self.flavor, Flavor::Bounded(_))
    }

    /// Before a send first tries to put its message: counts it while the
    /// channel's first `capacity` sends may still be under way (one relaxed
    /// load per send after that).
    #[inline]
    pub(crate) fn before_send(&self) {
        if let Flavor::Bounded(cap) = self.flavor {
            if self.sends_begun.load(Ordering::Relaxed) <= cap as u64 {
                self.sends_begun.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// After a send completed: whether it may have waited for a receive to
    /// make room, and so must learn what the receives did (Go's rule: the
    /// k-th receive happens before the (k+C)-th send completes).
    ///
    /// A send is the (s+1)-th into the buffer for some s. Every send that
    /// took a slot before it counted itself in `sends_begun` before taking
    /// its slot (a `Select` counts its send operations before each
    /// selection, since crossbeam takes the slot during the selection); the
    /// channel orders those slot claims before this one (its senders take
    /// slots with a SeqCst compare-exchange), so this load, made after this
    /// send's own claim, sees them all and `s < sends_begun`. While `sends_begun <= C`, then, `s < C`: the send
    /// is among the first C, no receive made room for it, and it learns
    /// nothing from receives (Go's `RaceChanSem` and `RaceChanAsyncRev`).
    /// After that every completed send learns every receive begun before it
    /// (one clock per channel): wider than Go's per-slot edge, never
    /// narrower.
    #[inline]
    pub(crate) fn send_follows_a_receive(&self) -> bool {
        match self.flavor {
            Flavor::Bounded(cap) => self.sends_begun.load(Ordering::Relaxed) > cap as u64,
            _ => false,
        }
    }

    #[inline]
    pub(crate) fn on_sent(&self) {
        self.sent.0.fetch_add(1, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn on_received(&self) {
        self.received.0.fetch_add(1, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn add_sender(&self) {
        self.senders.fetch_add(1, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn add_receiver(&self) {
        self.receivers.fetch_add(1, Ordering::Relaxed);
    }

    /// A sender is dropped; the last one disconnects the channel and publishes
    /// its clock to the receives that will observe the disconnect.
    #[inline]
    pub(crate) fn drop_sender(&self) {
        if self.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.disconnect();
        }
    }

    /// A receiver is dropped; the last one disconnects the channel.
    #[inline]
    pub(crate) fn drop_receiver(&self) {
        if self.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.disconnect();
        }
    }

    #[cold]
    fn disconnect(&self) {
        self.close_point.release();
        let _ = self.disconnected_at.set(Instant::now());
    }

    /// Whether an operation that would block should retry briefly first
    /// (see `backoff.rs`): only on a buffered channel.
    #[inline]
    pub(crate) fn worth_retrying(&self) -> bool {
        matches!(self.flavor, Flavor::Unbounded | Flavor::Bounded(1..))
    }

    /// The op a blocked receiver is shown in.
    pub(crate) fn recv_op(&self) -> Op {
        self.recv_op
    }

    /// Marks the calling worker blocked in `op` on this channel (and shows it
    /// in this channel's waiters) until the returned guard drops.
    #[cold]
    #[inline(never)]
    pub(crate) fn block(self: &Arc<Self>, op: Op, site: &'static Location<'static>) -> Blocked {
        let sending = op == Op::Send;
        let guard = on_block(op, site, vec![self.clone() as Arc<dyn Resource>]);
        let token = self.add_waiter(site, sending);
        Blocked { guard: Some(guard), waits: vec![(self.clone(), token)] }
    }

    /// Marks the calling worker blocked in `select` on every channel of
    /// `ops` (`true` = a send operation).
    #[cold]
    #[inline(never)]
    pub(crate) fn block_select(
        ops: &[(Arc<ChannelMeta>, bool)],
        site: &'static Location<'static>,
    ) -> Blocked {
        let mut resources: Vec<Arc<dyn Resource>> = Vec::with_capacity(ops.len());
        for (m, _) in ops {
            if !resources.iter().any(|r| r.meta().id() == m.meta.id()) {
                resources.push(m.clone() as Arc<dyn Resource>);
            }
        }
        let guard = on_block(Op::Select, site, resources);
        let waits = ops.iter().map(|(m, sending)| (m.clone(), m.add_waiter(site, *sending))).collect();
        Blocked { guard: Some(guard), waits }
    }

    fn add_waiter(&self, site: &'static Location<'static>, sending: bool) -> u64 {
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        let Some(worker) = vigil_detector::current_worker() else { return 0 };
        let entry = WaiterEntry { token, worker: worker.to_ref(), site, since: Instant::now(), sending };
        lock(&self.waiters).push(entry);
        token
    }

    fn remove_waiter(&self, token: u64) {
        if token != 0 {
            lock(&self.waiters).retain(|w| w.token != token);
        }
    }

    fn len(&self) -> usize {
        let sent = self.sent.0.load(Ordering::Relaxed);
        let received = self.received.0.load(Ordering::Relaxed);
        sent.saturating_sub(received) as usize
    }

    fn waiting(&self) -> (usize, usize) {
        let w = lock(&self.waiters);
        let sending = w.iter().filter(|w| w.sending).count();
        (sending, w.len() - sending)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

impl Resource for ChannelMeta {
    fn meta(&self) -> &ResourceMeta {
        &self.meta
    }

    /// e.g. `bounded(0), 0/0 queued, 1 receiver alive, 0 receiving, 1 sender alive, 1 sending`.
    fn summary(&self) -> String {
        let len = self.len();
        let shape = match self.flavor {
            Flavor::Bounded(cap) => format!("bounded({cap}), {}/{cap} queued", len.min(cap)),
            Flavor::Unbounded => format!("unbounded, {len} queued"),
            other => other.name().to_string(),
        };
        let (sending, receiving) = self.waiting();
        let receivers = self.receivers.load(Ordering::Relaxed);
        let senders = self.senders.load(Ordering::Relaxed);
        let mut s =
            format!("{shape}, {} alive, {receiving} receiving", plural(receivers, "receiver", "receivers"),);
        if matches!(self.flavor, Flavor::Bounded(_) | Flavor::Unbounded) {
            s.push_str(&format!(", {} alive, {sending} sending", plural(senders, "sender", "senders")));
        }
        if self.disconnected_at.get().is_some() {
            s.push_str(", disconnected");
        }
        s
    }

    fn stats(&self) -> ResourceStats {
        let now = Instant::now();
        let (mut blocked_senders, mut blocked_receivers) = (Vec::new(), Vec::new());
        for w in lock(&self.waiters).iter() {
            let waiter = Waiter {
                worker: w.worker.clone(),
                site: w.site.to_string(),
                since_ms: now.saturating_duration_since(w.since).as_millis() as u64,
            };
            if w.sending {
                blocked_senders.push(waiter);
            } else {
                blocked_receivers.push(waiter);
            }
        }
        ResourceStats::Channel(Box::new(ChannelStats {
            flavor: self.flavor.name(),
            capacity: self.flavor.capacity(),
            len: self.len(),
            senders: self.senders.load(Ordering::Relaxed),
            receivers: self.receivers.load(Ordering::Relaxed),
            sent: self.sent.0.load(Ordering::Relaxed),
            received: self.received.0.load(Ordering::Relaxed),
            blocked_senders,
            blocked_receivers,
            disconnected_ms_ago: self
                .disconnected_at
                .get()
                .map(|t| now.saturating_duration_since(*t).as_millis() as u64),
        }))
    }
}

impl Drop for ChannelMeta {
    fn drop(&mut self) {
        vigil_detector::unregister_resource(self.meta.id());
    }
}

impl std::fmt::Debug for ChannelMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelMeta")
            .field("name", &self.meta.name())
            .field("flavor", &self.flavor)
            .finish_non_exhaustive()
    }
}

/// Held while a worker waits on one or more channels; dropping it marks the
/// worker running again and removes it from the channels' waiters.
pub(crate) struct Blocked {
    guard: Option<BlockGuard>,
    waits: Vec<(Arc<ChannelMeta>, u64)>,
}

impl Drop for Blocked {
    fn drop(&mut self) {
        for (m, token) in &self.waits {
            m.remove_waiter(*token);
        }
        drop(self.guard.take());
    }
}

#[cfg(all(test, feature = "detect"))]
mod tests {
    use super::*;

    fn meta(flavor: Flavor) -> Option<Arc<ChannelMeta>> {
        ChannelMeta::new(flavor, Some("results".into()), Location::caller(), 1)
    }

    #[test]
    fn summary_reads_like_the_leak_report_example() {
        let Some(m) = meta(Flavor::Bounded(0)) else { return }; // VIGIL=off
        assert_eq!(
            m.summary(),
            "bounded(0), 0/0 queued, 1 receiver alive, 0 receiving, 1 sender alive, 0 sending"
        );
        m.add_sender();
        m.add_receiver();
        assert!(m.summary().contains("2 receivers alive") && m.summary().contains("2 senders alive"));
    }

    #[test]
    fn summary_counts_queued_messages_and_shows_the_disconnect() {
        let Some(m) = meta(Flavor::Unbounded) else { return };
        m.on_sent();
        m.on_sent();
        m.on_received();
        assert!(m.summary().starts_with("unbounded, 1 queued"), "{}", m.summary());
        m.drop_sender();
        assert!(m.summary().ends_with(", disconnected"), "{}", m.summary());
        let Some(b) = meta(Flavor::Bounded(4)) else { return };
        b.on_sent();
        assert!(b.summary().starts_with("bounded(4), 1/4 queued"), "{}", b.summary());
    }

    #[test]
    fn timer_channels_show_their_flavor_only() {
        let Some(m) = ChannelMeta::new(Flavor::After, None, Location::caller(), 0) else { return };
        assert_eq!(m.summary(), "after, 1 receiver alive, 0 receiving");
        assert!(m.meta().name().contains("meta.rs"), "unnamed channels are named by their site");
    }

    #[test]
    fn only_buffered_channels_retry_before_blocking() {
        let flavors =
            [Flavor::Bounded(0), Flavor::Bounded(1), Flavor::Unbounded, Flavor::Never, Flavor::ContextDone];
        let retry: Vec<bool> = flavors.iter().filter_map(|f| meta(*f)).map(|m| m.worth_retrying()).collect();
        if !retry.is_empty() {
            assert_eq!(retry, [false, true, true, false, false]);
        }
    }
}
