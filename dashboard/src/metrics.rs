//! `GET /metrics`: the snapshot in Prometheus text exposition format (0.0.4).
//!
//! | family | type | labels |
//! |---|---|---|
//! | `vigil_uptime_seconds` | gauge | |
//! | `vigil_workers` | gauge | `state` (`running`, `blocked`; tracked workers) |
//! | `vigil_external_threads` | gauge | |
//! | `vigil_blocked_workers` | gauge | `op` (every op, zeros included) |
//! | `vigil_resources` | gauge | `kind` (every kind, zeros included) |
//! | `vigil_lock_waiters`, `vigil_lock_starving`, `vigil_lock_readers` | gauge | `id`, `lock`, `kind` |
//! | `vigil_lock_acquisitions_total`, `vigil_lock_contended_total` | counter | `id`, `lock`, `kind` |
//! | `vigil_lock_starvation_transitions_total` | counter | `id`, `lock`, `kind`, `direction` (`entered`, `exited`) |
//! | `vigil_lock_wait_seconds`, `vigil_lock_hold_seconds` | histogram | `id`, `lock`, `kind` |
//! | `vigil_channel_queue_length`, `vigil_channel_capacity`, `vigil_channel_senders`, `vigil_channel_receivers`, `vigil_channel_blocked_senders`, `vigil_channel_blocked_receivers` | gauge | `id`, `channel`, `flavor` |
//! | `vigil_channel_sent_total`, `vigil_channel_received_total` | counter | `id`, `channel`, `flavor` |
//! | `vigil_pool_size`, `vigil_pool_busy`, `vigil_pool_queued` | gauge | `id`, `pool`, `kind` |
//! | `vigil_pool_completed_total`, `vigil_pool_hits_total`, `vigil_pool_misses_total` | counter | `id`, `pool`, `kind` |
//! | `vigil_counter_value`, `vigil_counter_waiters` | gauge | `id`, `name`, `kind` |
//! | `vigil_contexts` | gauge | `state` (`active`, `cancelled`) |
//! | `vigil_races_total` | counter | |
//! | `vigil_deadlocks_total` | counter | `kind` (every kind, zeros included) |
//! | `vigil_events_total`, `vigil_events_dropped_total` | counter | |
//!
//! Histogram buckets are the detector's power-of-two microsecond buckets,
//! every second one (2 µs, 8 µs, … 33.5 s), so the label set is fixed.

use crate::snapshot_api::KINDS;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::fmt::Write;
use vigil_detector::{
    ChannelStats, CounterStats, DeadlockKind, HistogramSummary, LockStats, PoolStats, ResourceSnapshot,
    ResourceStats, Snapshot, WorkerState,
};

const OPS: &[&str] = &[
    "send",
    "recv",
    "select",
    "lock",
    "read",
    "write",
    "condvar_wait",
    "waitgroup_wait",
    "join",
    "barrier",
    "semaphore",
    "context_done",
    "pool_get",
    "park",
    "sleep",
    "other",
];

const DEADLOCK_KINDS: &[DeadlockKind] = &[
    DeadlockKind::Cycle,
    DeadlockKind::DoubleLock,
    DeadlockKind::RecursiveRead,
    DeadlockKind::LockOrder,
    DeadlockKind::WaitgroupMisuse,
];

/// Bucket bounds in µs: every second power of two from 2 µs to ~33.5 s.
const BOUNDS_US: &[u64] =
    &[2, 8, 32, 128, 512, 2_048, 8_192, 32_768, 131_072, 524_288, 2_097_152, 8_388_608, 33_554_432];

/// Escapes a label value: backslash, double quote and newline.
fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

struct Out {
    text: String,
}

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP {name} {help}");
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{k}=\"{}\"", escape(v));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {value}");
    }

    /// One gauge or counter family over `items`.
    fn each<T>(
        &mut self,
        name: &str,
        kind: &str,
        help: &str,
        items: &[T],
        labels: impl Fn(&T) -> Vec<(&'static str, String)>,
        value: impl Fn(&T) -> u64,
    ) {
        if items.is_empty() {
            return;
        }
        self.family(name, kind, help);
        for it in items {
            let l = labels(it);
            let l: Vec<(&str, &str)> = l.iter().map(|(k, v)| (*k, v.as_str())).collect();
            self.sample(name, &l, value(it));
        }
    }

    fn histogram(&mut self, name: &str, labels: &[(&str, &str)], h: &HistogramSummary) {
        let bucket = format!("{name}_bucket");
        for &b in BOUNDS_US {
            let cum = h.buckets.iter().take_while(|(ub, _)| *ub <= b).last().map(|(_, c)| *c).unwrap_or(0);
            let le = seconds(b);
            let mut l = labels.to_vec();
            l.push(("le", &le));
            self.sample(&bucket, &l, cum);
        }
        let mut l = labels.to_vec();
        l.push(("le", "+Inf"));
        self.sample(&bucket, &l, h.count);
        self.sample(&format!("{name}_sum"), labels, seconds(h.sum_us));
        self.sample(&format!("{name}_count"), labels, h.count);
    }
}

fn seconds(us: u64) -> String {
    format!("{}", us as f64 / 1_000_000.0)
}

fn lock_labels((r, _): &(&ResourceSnapshot, &LockStats)) -> Vec<(&'static str, String)> {
    vec![("id", r.id.to_string()), ("lock", r.name.clone()), ("kind", r.kind.as_str().to_string())]
}

fn channel_labels((r, c): &(&ResourceSnapshot, &ChannelStats)) -> Vec<(&'static str, String)> {
    vec![("id", r.id.to_string()), ("channel", r.name.clone()), ("flavor", c.flavor.to_string())]
}

fn pool_labels((r, _): &(&ResourceSnapshot, &PoolStats)) -> Vec<(&'static str, String)> {
    vec![("id", r.id.to_string()), ("pool", r.name.clone()), ("kind", r.kind.as_str().to_string())]
}

fn counter_labels((r, _): &(&ResourceSnapshot, &CounterStats)) -> Vec<(&'static str, String)> {
    vec![("id", r.id.to_string()), ("name", r.name.clone()), ("kind", r.kind.as_str().to_string())]
}

/// Renders a snapshot (plus the detector's race and deadlock counts) as
/// Prometheus text exposition format.
///
/// # Examples
///
/// ```
/// let text = vigil_dashboard::render_metrics(&vigil_detector::check::snapshot());
/// assert!(text.contains("# TYPE vigil_workers gauge"));
/// ```
pub fn render(snap: &Snapshot) -> String {
    let mut o = Out { text: String::with_capacity(4096 + snap.resources.len() * 256) };

    o.family("vigil_uptime_seconds", "gauge", "Seconds since vigil started.");
    o.sample("vigil_uptime_seconds", &[], snap.uptime_ms as f64 / 1000.0);

    let tracked: Vec<_> = snap.workers.iter().filter(|w| !w.external).collect();
    o.family("vigil_workers", "gauge", "Live workers spawned through vigil, by state.");
    for state in [WorkerState::Running, WorkerState::Blocked] {
        let n = tracked.iter().filter(|w| w.state == state).count();
        o.sample("vigil_workers", &[("state", state.as_str())], n);
    }
    o.family(
        "vigil_external_threads",
        "gauge",
        "Threads not spawned through vigil that touched it (main, test threads).",
    );
    o.sample("vigil_external_threads", &[], snap.workers.len() - tracked.len());

    o.family("vigil_blocked_workers", "gauge", "Blocked workers by blocking operation.");
    for op in OPS {
        let n =
            tracked.iter().filter(|w| w.blocked_on.as_ref().is_some_and(|b| b.op.as_str() == *op)).count();
        o.sample("vigil_blocked_workers", &[("op", op)], n);
    }

    o.family("vigil_resources", "gauge", "Live resources by kind.");
    for kind in KINDS {
        let n = snap.resources.iter().filter(|r| r.kind.as_str() == *kind).count();
        o.sample("vigil_resources", &[("kind", kind)], n);
    }

    let mut locks = Vec::new();
    let mut channels = Vec::new();
    let mut pools = Vec::new();
    let mut counters = Vec::new();
    let (mut ctx_active, mut ctx_cancelled) = (0u64, 0u64);
    for r in &snap.resources {
        match &r.stats {
            ResourceStats::Lock(l) => locks.push((r, l)),
            ResourceStats::Channel(c) => channels.push((r, c)),
            ResourceStats::Pool(p) => pools.push((r, p)),
            ResourceStats::Counter(c) => counters.push((r, c)),
            ResourceStats::Context(c) => {
                if c.cancelled_ms_ago.is_some() {
                    ctx_cancelled += 1
                } else {
                    ctx_active += 1
                }
            }
            ResourceStats::None => {}
        }
    }

    // === locks ===
    o.each(
        "vigil_lock_waiters",
        "gauge",
        "Workers waiting for the lock now.",
        &locks,
        lock_labels,
        |(_, l)| l.waiters as u64,
    );
    o.each(
        "vigil_lock_starving",
        "gauge",
        "1 while the lock is in starvation mode (Go 1.9 rules).",
        &locks,
        lock_labels,
        |(_, l)| u64::from(l.starving),
    );
    o.each(
        "vigil_lock_readers",
        "gauge",
        "Readers holding the lock now (RwLock).",
        &locks,
        lock_labels,
        |(_, l)| l.readers as u64,
    );
    o.each(
        "vigil_lock_acquisitions_total",
        "counter",
        "Successful acquisitions.",
        &locks,
        lock_labels,
        |(_, l)| l.acquisitions,
    );
    o.each(
        "vigil_lock_contended_total",
        "counter",
        "Acquisitions that had to wait.",
        &locks,
        lock_labels,
        |(_, l)| l.contended,
    );
    if !locks.is_empty() {
        let name = "vigil_lock_starvation_transitions_total";
        o.family(name, "counter", "Starvation-mode transitions: entered (normal to starving) and exited.");
        for it in &locks {
            let l = lock_labels(it);
            for (dir, n) in [("entered", it.1.starvation_entered), ("exited", it.1.starvation_exited)] {
                let mut ls: Vec<(&str, &str)> = l.iter().map(|(k, v)| (*k, v.as_str())).collect();
                ls.push(("direction", dir));
                o.sample(name, &ls, n);
            }
        }
        for (name, help, pick) in [
            (
                "vigil_lock_wait_seconds",
                "Time spent waiting to acquire the lock.",
                (|l: &LockStats| &l.wait) as fn(&LockStats) -> &HistogramSummary,
            ),
            ("vigil_lock_hold_seconds", "Time the lock was held.", |l: &LockStats| &l.hold),
        ] {
            o.family(name, "histogram", help);
            for it in &locks {
                let l = lock_labels(it);
                let ls: Vec<(&str, &str)> = l.iter().map(|(k, v)| (*k, v.as_str())).collect();
                o.histogram(name, &ls, pick(it.1));
            }
        }
    }

    // === channels ===
    o.each(
        "vigil_channel_queue_length",
        "gauge",
        "Messages queued in the channel now.",
        &channels,
        channel_labels,
        |(_, c)| c.len as u64,
    );
    let bounded: Vec<_> = channels.iter().filter(|(_, c)| c.capacity.is_some()).cloned().collect();
    o.each(
        "vigil_channel_capacity",
        "gauge",
        "Capacity of a bounded channel.",
        &bounded,
        channel_labels,
        |(_, c)| c.capacity.unwrap_or(0) as u64,
    );
    o.each("vigil_channel_senders", "gauge", "Live senders.", &channels, channel_labels, |(_, c)| {
        c.senders as u64
    });
    o.each("vigil_channel_receivers", "gauge", "Live receivers.", &channels, channel_labels, |(_, c)| {
        c.receivers as u64
    });
    o.each(
        "vigil_channel_blocked_senders",
        "gauge",
        "Workers blocked sending now.",
        &channels,
        channel_labels,
        |(_, c)| c.blocked_senders.len() as u64,
    );
    o.each(
        "vigil_channel_blocked_receivers",
        "gauge",
        "Workers blocked receiving now.",
        &channels,
        channel_labels,
        |(_, c)| c.blocked_receivers.len() as u64,
    );
    o.each("vigil_channel_sent_total", "counter", "Messages sent.", &channels, channel_labels, |(_, c)| {
        c.sent
    });
    o.each(
        "vigil_channel_received_total",
        "counter",
        "Messages received.",
        &channels,
        channel_labels,
        |(_, c)| c.received,
    );

    // === pools, counters, contexts ===
    o.each(
        "vigil_pool_size",
        "gauge",
        "Worker threads (worker pools) or retained objects (object pools).",
        &pools,
        pool_labels,
        |(_, p)| p.size as u64,
    );
    o.each("vigil_pool_busy", "gauge", "Workers running a job now.", &pools, pool_labels, |(_, p)| {
        p.busy as u64
    });
    o.each("vigil_pool_queued", "gauge", "Jobs queued, not started.", &pools, pool_labels, |(_, p)| {
        p.queued as u64
    });
    o.each("vigil_pool_completed_total", "counter", "Jobs completed.", &pools, pool_labels, |(_, p)| {
        p.completed
    });
    o.each(
        "vigil_pool_hits_total",
        "counter",
        "Object pool gets served from the pool.",
        &pools,
        pool_labels,
        |(_, p)| p.hits,
    );
    o.each(
        "vigil_pool_misses_total",
        "counter",
        "Object pool gets that created a new object.",
        &pools,
        pool_labels,
        |(_, p)| p.misses,
    );
    o.family(
        "vigil_counter_value",
        "gauge",
        "WaitGroup count, semaphore permits available, barrier arrivals.",
    );
    for it in &counters {
        let l = counter_labels(it);
        let ls: Vec<(&str, &str)> = l.iter().map(|(k, v)| (*k, v.as_str())).collect();
        o.sample("vigil_counter_value", &ls, it.1.count);
    }
    o.each(
        "vigil_counter_waiters",
        "gauge",
        "Workers waiting on the WaitGroup, semaphore or barrier.",
        &counters,
        counter_labels,
        |(_, c)| c.waiters as u64,
    );
    o.family("vigil_contexts", "gauge", "Live contexts, active or cancelled.");
    o.sample("vigil_contexts", &[("state", "active")], ctx_active);
    o.sample("vigil_contexts", &[("state", "cancelled")], ctx_cancelled);

    // === findings and events ===
    let deadlocks = vigil_detector::check::deadlocks();
    o.family("vigil_races_total", "counter", "Data races found.");
    o.sample("vigil_races_total", &[], snap.counts.races);
    o.family("vigil_deadlocks_total", "counter", "Deadlocks (and lock-order inversions) found, by kind.");
    for kind in DEADLOCK_KINDS {
        let n = deadlocks.iter().filter(|d| d.kind == *kind).count();
        o.sample("vigil_deadlocks_total", &[("kind", kind.as_str())], n);
    }
    o.family("vigil_events_total", "counter", "Events recorded in the detector's ring.");
    o.sample("vigil_events_total", &[], snap.counts.last_event_seq);
    o.family(
        "vigil_events_dropped_total",
        "counter",
        "Events dropped from the ring before anyone read them.",
    );
    o.sample("vigil_events_dropped_total", &[], snap.counts.dropped_events);
    o.text
}

pub(crate) async fn metrics() -> Response {
    match tokio::task::spawn_blocking(|| render(&vigil_detector::check::snapshot())).await {
        Ok(text) => {
            ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
        }
        Err(e) => crate::error::ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("metrics failed: {e}"),
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_label_values() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_end_at_count() {
        let h = vigil_detector::Histogram::new();
        for us in [1, 5, 100, 3000, 3_000_000] {
            h.record(std::time::Duration::from_micros(us));
        }
        let mut o = Out { text: String::new() };
        o.histogram("x", &[("lock", "l")], &h.summary());
        let counts: Vec<u64> = o
            .text
            .lines()
            .filter(|l| l.starts_with("x_bucket"))
            .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
            .collect();
        assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{}", o.text);
        assert_eq!(*counts.last().unwrap(), 5);
        assert!(o.text.contains("x_count{lock=\"l\"} 5"));
    }
}
