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
use std::borrow::Cow;
use std::fmt::Write;
use vigil_detector::{
    ChannelStats, CounterStats, Counts, DeadlockKind, HistogramSummary, LiveIndex, LockStats, Op, PoolStats,
    ResourceKind, ResourceStats, Snapshot, WorkerState,
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

/// What the exposition needs of a worker.
struct WorkerFacts {
    external: bool,
    state: WorkerState,
    op: Option<Op>,
}

/// What the exposition needs of a resource; `labels` is rendered once.
struct ResFacts<'a> {
    kind: ResourceKind,
    labels: String,
    stats: Cow<'a, ResourceStats>,
}

fn labels_of(id: u64, kind: ResourceKind, name: &str, stats: &ResourceStats) -> String {
    let key = match stats {
        ResourceStats::Lock(_) => "lock",
        ResourceStats::Channel(_) => "channel",
        ResourceStats::Pool(_) => "pool",
        _ => "name",
    };
    let second = match stats {
        ResourceStats::Channel(c) => format!("flavor=\"{}\"", escape(c.flavor)),
        _ => format!("kind=\"{}\"", kind.as_str()),
    };
    format!("id=\"{id}\",{key}=\"{}\",{second}", escape(name))
}

struct Out {
    text: String,
}

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP {name} {help}");
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
    }

    /// A sample whose labels are already rendered (`a="x",b="y"`, or empty).
    fn raw(&mut self, name: &str, labels: &str, value: impl std::fmt::Display) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            self.text.push_str(labels);
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {value}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        let rendered: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
        self.raw(name, &rendered.join(","), value);
    }

    /// One gauge or counter family over the resources `pick` selects.
    fn each<'a, T: 'a>(
        &mut self,
        name: &str,
        kind: &str,
        help: &str,
        items: &[(&'a ResFacts<'a>, &'a T)],
        value: impl Fn(&T) -> u64,
    ) {
        if items.is_empty() {
            return;
        }
        self.family(name, kind, help);
        for (r, s) in items {
            self.raw(name, &r.labels, value(s));
        }
    }

    fn histogram(&mut self, name: &str, labels: &str, h: &HistogramSummary) {
        let sep = if labels.is_empty() { "" } else { "," };
        for &b in BOUNDS_US {
            let cum = h.buckets.iter().take_while(|(ub, _)| *ub <= b).last().map(|(_, c)| *c).unwrap_or(0);
            let _ = writeln!(self.text, "{name}_bucket{{{labels}{sep}le=\"{}\"}} {cum}", seconds(b));
        }
        let _ = writeln!(self.text, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}", h.count);
        self.raw(&format!("{name}_sum"), labels, seconds(h.sum_us));
        self.raw(&format!("{name}_count"), labels, h.count);
    }
}

fn seconds(us: u64) -> String {
    format!("{}", us as f64 / 1_000_000.0)
}

/// Renders a snapshot (plus the detector's deadlock findings) as Prometheus
/// text exposition format.
///
/// # Examples
///
/// ```
/// let text = vigil_dashboard::render_metrics(&vigil_detector::check::snapshot());
/// assert!(text.contains("# TYPE vigil_workers gauge"));
/// ```
pub fn render(snap: &Snapshot) -> String {
    let workers: Vec<WorkerFacts> = snap
        .workers
        .iter()
        .map(|w| WorkerFacts {
            external: w.external,
            state: w.state,
            op: w.blocked_on.as_ref().map(|b| b.op),
        })
        .collect();
    let resources: Vec<ResFacts<'_>> = snap
        .resources
        .iter()
        .map(|r| ResFacts {
            kind: r.kind,
            labels: labels_of(r.id.0, r.kind, &r.name, &r.stats),
            stats: Cow::Borrowed(&r.stats),
        })
        .collect();
    render_facts(snap.uptime_ms, &snap.counts, &workers, &resources)
}

/// The same, from the cheap live index (what `GET /metrics` serves).
pub(crate) fn render_index(index: &LiveIndex) -> String {
    let workers: Vec<WorkerFacts> = index
        .workers()
        .iter()
        .map(|w| WorkerFacts { external: w.external(), state: w.state, op: w.op })
        .collect();
    let resources: Vec<ResFacts<'_>> = index
        .resources()
        .iter()
        .map(|r| {
            let m = r.meta();
            let stats = r.stats();
            ResFacts {
                kind: m.kind(),
                labels: labels_of(m.id().0, m.kind(), m.name(), &stats),
                stats: Cow::Owned(stats),
            }
        })
        .collect();
    render_facts(index.uptime_ms(), &index.counts(), &workers, &resources)
}

fn render_facts(
    uptime_ms: u64,
    counts: &Counts,
    workers: &[WorkerFacts],
    resources: &[ResFacts<'_>],
) -> String {
    let mut o = Out { text: String::with_capacity(4096 + resources.len() * 512) };

    o.family("vigil_uptime_seconds", "gauge", "Seconds since vigil started.");
    o.raw("vigil_uptime_seconds", "", uptime_ms as f64 / 1000.0);

    let tracked: Vec<&WorkerFacts> = workers.iter().filter(|w| !w.external).collect();
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
    o.raw("vigil_external_threads", "", workers.len() - tracked.len());

    o.family("vigil_blocked_workers", "gauge", "Blocked workers by blocking operation.");
    for op in OPS {
        let n = tracked.iter().filter(|w| w.op.is_some_and(|o| o.as_str() == *op)).count();
        o.sample("vigil_blocked_workers", &[("op", op)], n);
    }

    o.family("vigil_resources", "gauge", "Live resources by kind.");
    for kind in KINDS {
        let n = resources.iter().filter(|r| r.kind.as_str() == *kind).count();
        o.sample("vigil_resources", &[("kind", kind)], n);
    }

    let mut locks = Vec::new();
    let mut channels = Vec::new();
    let mut pools = Vec::new();
    let mut counters = Vec::new();
    let (mut ctx_active, mut ctx_cancelled) = (0u64, 0u64);
    for r in resources {
        match r.stats.as_ref() {
            ResourceStats::Lock(l) => locks.push((r, &**l)),
            ResourceStats::Channel(c) => channels.push((r, &**c)),
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
    o.each("vigil_lock_waiters", "gauge", "Workers waiting for the lock now.", &locks, |l: &LockStats| {
        l.waiters as u64
    });
    o.each(
        "vigil_lock_starving",
        "gauge",
        "1 while the lock is in starvation mode (Go 1.9 rules).",
        &locks,
        |l: &LockStats| u64::from(l.starving),
    );
    o.each(
        "vigil_lock_readers",
        "gauge",
        "Readers holding the lock now (RwLock).",
        &locks,
        |l: &LockStats| l.readers as u64,
    );
    o.each(
        "vigil_lock_acquisitions_total",
        "counter",
        "Successful acquisitions.",
        &locks,
        |l: &LockStats| l.acquisitions,
    );
    o.each(
        "vigil_lock_contended_total",
        "counter",
        "Acquisitions that had to wait.",
        &locks,
        |l: &LockStats| l.contended,
    );
    if !locks.is_empty() {
        let name = "vigil_lock_starvation_transitions_total";
        o.family(name, "counter", "Starvation-mode transitions: entered (normal to starving) and exited.");
        for (r, l) in &locks {
            let _ = writeln!(o.text, "{name}{{{},direction=\"entered\"}} {}", r.labels, l.starvation_entered);
            let _ = writeln!(o.text, "{name}{{{},direction=\"exited\"}} {}", r.labels, l.starvation_exited);
        }
        o.family("vigil_lock_wait_seconds", "histogram", "Time spent waiting to acquire the lock.");
        for (r, l) in &locks {
            o.histogram("vigil_lock_wait_seconds", &r.labels, &l.wait);
        }
        o.family("vigil_lock_hold_seconds", "histogram", "Time the lock was held.");
        for (r, l) in &locks {
            o.histogram("vigil_lock_hold_seconds", &r.labels, &l.hold);
        }
    }

    // === channels ===
    o.each(
        "vigil_channel_queue_length",
        "gauge",
        "Messages queued in the channel now.",
        &channels,
        |c: &ChannelStats| c.len as u64,
    );
    let bounded: Vec<_> = channels.iter().filter(|(_, c)| c.capacity.is_some()).cloned().collect();
    o.each(
        "vigil_channel_capacity",
        "gauge",
        "Capacity of a bounded channel.",
        &bounded,
        |c: &ChannelStats| c.capacity.unwrap_or(0) as u64,
    );
    o.each("vigil_channel_senders", "gauge", "Live senders.", &channels, |c: &ChannelStats| c.senders as u64);
    o.each("vigil_channel_receivers", "gauge", "Live receivers.", &channels, |c: &ChannelStats| {
        c.receivers as u64
    });
    o.each(
        "vigil_channel_blocked_senders",
        "gauge",
        "Workers blocked sending now.",
        &channels,
        |c: &ChannelStats| c.blocked_senders.len() as u64,
    );
    o.each(
        "vigil_channel_blocked_receivers",
        "gauge",
        "Workers blocked receiving now.",
        &channels,
        |c: &ChannelStats| c.blocked_receivers.len() as u64,
    );
    o.each("vigil_channel_sent_total", "counter", "Messages sent.", &channels, |c: &ChannelStats| c.sent);
    o.each("vigil_channel_received_total", "counter", "Messages received.", &channels, |c: &ChannelStats| {
        c.received
    });

    // === pools, counters, contexts ===
    o.each(
        "vigil_pool_size",
        "gauge",
        "Worker threads (worker pools) or retained objects (object pools).",
        &pools,
        |p: &PoolStats| p.size as u64,
    );
    o.each("vigil_pool_busy", "gauge", "Workers running a job now.", &pools, |p: &PoolStats| p.busy as u64);
    o.each("vigil_pool_queued", "gauge", "Jobs queued, not started.", &pools, |p: &PoolStats| {
        p.queued as u64
    });
    o.each("vigil_pool_completed_total", "counter", "Jobs completed.", &pools, |p: &PoolStats| p.completed);
    o.each(
        "vigil_pool_hits_total",
        "counter",
        "Object pool gets served from the pool.",
        &pools,
        |p: &PoolStats| p.hits,
    );
    o.each(
        "vigil_pool_misses_total",
        "counter",
        "Object pool gets that created a new object.",
        &pools,
        |p: &PoolStats| p.misses,
    );
    if !counters.is_empty() {
        o.family(
            "vigil_counter_value",
            "gauge",
            "WaitGroup count, semaphore permits available, barrier arrivals.",
        );
        for (r, c) in &counters {
            o.raw("vigil_counter_value", &r.labels, c.count);
        }
    }
    o.each(
        "vigil_counter_waiters",
        "gauge",
        "Workers waiting on the WaitGroup, semaphore or barrier.",
        &counters,
        |c: &CounterStats| c.waiters as u64,
    );
    o.family("vigil_contexts", "gauge", "Live contexts, active or cancelled.");
    o.sample("vigil_contexts", &[("state", "active")], ctx_active);
    o.sample("vigil_contexts", &[("state", "cancelled")], ctx_cancelled);

    // === findings and events ===
    let deadlocks = vigil_detector::check::deadlocks();
    o.family("vigil_races_total", "counter", "Data races found.");
    o.raw("vigil_races_total", "", counts.races);
    o.family("vigil_deadlocks_total", "counter", "Deadlocks (and lock-order inversions) found, by kind.");
    for kind in DEADLOCK_KINDS {
        let n = deadlocks.iter().filter(|d| d.kind == *kind).count();
        o.sample("vigil_deadlocks_total", &[("kind", kind.as_str())], n);
    }
    o.family("vigil_events_total", "counter", "Events recorded in the detector's ring.");
    o.raw("vigil_events_total", "", counts.last_event_seq);
    o.family(
        "vigil_events_dropped_total",
        "counter",
        "Events dropped from the ring before anyone read them.",
    );
    o.raw("vigil_events_dropped_total", "", counts.dropped_events);
    o.text
}

pub(crate) async fn metrics() -> Response {
    match tokio::task::spawn_blocking(|| render_index(&vigil_detector::live_index())).await {
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
        o.histogram("x", "lock=\"l\"", &h.summary());
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
