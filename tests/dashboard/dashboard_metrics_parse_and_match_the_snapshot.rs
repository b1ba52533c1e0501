//! `/metrics` is valid Prometheus text exposition format (checked line by
//! line against the grammar here, and parsed by the `prometheus-parse`
//! crate), and its numbers are the snapshot's: workers by state, blocked ops,
//! resources, lock waiters / starvation / wait histograms, channel queue
//! lengths and blocked senders, races, dropped events.
#![cfg(feature = "dashboard")]

use crate::common;
use crate::support;

use std::collections::{HashMap, HashSet};
use std::time::Duration;
use support::fake;
use vigil::report::{ChannelStats, LockStats, PoolStats, ResourceKind, ResourceStats, Waiter};

/// One parsed sample: name, labels (unescaped), value.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: HashMap<String, String>,
    value: f64,
}

fn valid_name(n: &str) -> bool {
    let mut cs = n.chars();
    cs.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// A strict reader of the text format (version 0.0.4): every line is a
/// HELP, a TYPE (once per family, before its samples) or a sample; label
/// values use only the three escapes; a family's samples are contiguous;
/// histogram buckets are cumulative and end with `+Inf` equal to `_count`.
fn strict_parse(text: &str) -> Vec<Sample> {
    let mut types: HashMap<String, String> = HashMap::new();
    let mut finished_families: HashSet<String> = HashSet::new();
    let mut current: Option<String> = None;
    let mut samples = Vec::new();
    assert!(text.ends_with('\n'), "the exposition must end with a newline");
    for (i, line) in text.lines().enumerate() {
        let at = || format!("line {}: {line:?}", i + 1);
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _) = rest.split_once(' ').unwrap_or((rest, ""));
            assert!(valid_name(name), "{}", at());
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, ty) = rest.split_once(' ').unwrap_or_else(|| panic!("{}", at()));
            assert!(valid_name(name), "{}", at());
            assert!(["counter", "gauge", "histogram", "summary", "untyped"].contains(&ty), "{}", at());
            assert!(types.insert(name.to_string(), ty.to_string()).is_none(), "TYPE twice: {}", at());
            if let Some(prev) = current.replace(name.to_string()) {
                finished_families.insert(prev);
            }
            continue;
        }
        assert!(!line.starts_with('#') && !line.is_empty(), "unexpected {}", at());
        // name{labels} value
        let name_end = line.find(['{', ' ']).unwrap_or_else(|| panic!("{}", at()));
        let name = &line[..name_end];
        assert!(valid_name(name), "{}", at());
        let mut labels = HashMap::new();
        let mut rest = &line[name_end..];
        if let Some(r) = rest.strip_prefix('{') {
            let mut chars = r.char_indices().peekable();
            let end: usize;
            loop {
                // label name
                let start = chars.peek().map(|(i, _)| *i).unwrap_or_else(|| panic!("{}", at()));
                if r[start..].starts_with('}') {
                    end = start + 1;
                    break;
                }
                let eq = r[start..].find('=').unwrap_or_else(|| panic!("{}", at())) + start;
                let lname = &r[start..eq];
                assert!(valid_name(lname) && !lname.contains(':'), "label name {}", at());
                while chars.peek().is_some_and(|(i, _)| *i <= eq) {
                    chars.next();
                }
                assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "{}", at());
                let mut value = String::new();
                loop {
                    match chars.next().unwrap_or_else(|| panic!("unterminated {}", at())) {
                        (_, '\\') => match chars.next().map(|(_, c)| c) {
                            Some('\\') => value.push('\\'),
                            Some('"') => value.push('"'),
                            Some('n') => value.push('\n'),
                            other => panic!("bad escape {other:?} in {}", at()),
                        },
                        (_, '"') => break,
                        (_, '\n') => panic!("raw newline in {}", at()),
                        (_, c) => value.push(c),
                    }
                }
                assert!(labels.insert(lname.to_string(), value).is_none(), "label twice {}", at());
                match chars.next() {
                    Some((_, ',')) => continue,
                    Some((i, '}')) => {
                        end = i + 1;
                        break;
                    }
                    other => panic!("{other:?} after a label in {}", at()),
                }
            }
            rest = &r[end..];
        }
        let value = rest.strip_prefix(' ').unwrap_or_else(|| panic!("{}", at()));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v.parse().unwrap_or_else(|_| panic!("value {}", at())),
        };
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|f| types.get(*f).is_some_and(|t| t == "histogram")))
            .unwrap_or(name);
        assert!(types.contains_key(family), "sample before its TYPE: {}", at());
        assert_eq!(current.as_deref(), Some(family), "family not contiguous: {}", at());
        assert!(!finished_families.contains(family), "{}", at());
        samples.push(Sample { name: name.to_string(), labels, value });
    }
    // Histograms: cumulative buckets ending in +Inf == _count.
    for (family, ty) in &types {
        if ty != "histogram" {
            continue;
        }
        let mut series: HashMap<String, Vec<(f64, f64)>> = HashMap::new();
        for s in samples.iter().filter(|s| s.name == format!("{family}_bucket")) {
            let mut key: Vec<_> = s.labels.iter().filter(|(k, _)| *k != "le").collect();
            key.sort();
            let le = s.labels["le"].parse::<f64>().unwrap_or(f64::INFINITY);
            series.entry(format!("{key:?}")).or_default().push((le, s.value));
        }
        for (key, buckets) in series {
            assert!(
                buckets.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
                "{family}{key}: {buckets:?}"
            );
            let (le, last) = *buckets.last().unwrap();
            assert!(le.is_infinite(), "{family}{key} must end with +Inf");
            let count = samples
                .iter()
                .find(|s| {
                    s.name == format!("{family}_count") && {
                        let mut k: Vec<_> = s.labels.iter().collect();
                        k.sort();
                        format!("{k:?}") == key
                    }
                })
                .map(|s| s.value);
            assert_eq!(count, Some(last), "{family}{key}: +Inf bucket != _count");
        }
    }
    samples
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let found: Vec<&Sample> = samples
        .iter()
        .filter(|s| {
            s.name == name && labels.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .collect();
    assert_eq!(found.len(), 1, "{name}{labels:?}: {found:?}");
    found[0].value
}

#[test]
fn metrics_parse_and_match_the_snapshot() {
    let dash = vigil::dashboard::Builder::new().no_token().serve("127.0.0.1:0").expect("serve");
    let parked = common::stuck("metrics-parked");
    common::wait_blocked("metrics-parked");

    let wait = vigil_detector::Histogram::new();
    for us in [3, 40, 900, 5_000, 70_000, 2_000_000] {
        wait.record(Duration::from_micros(us));
    }
    let me = vigil_detector::current_worker().unwrap();
    let waiter = Waiter { worker: me.to_ref(), site: "here.rs:1:1".into(), since_ms: 3 };
    let lock = fake(
        ResourceKind::Mutex,
        "metrics-lock",
        ResourceStats::Lock(Box::new(LockStats {
            acquisitions: 50,
            contended: 20,
            waiters: 2,
            starving: true,
            starvation_entered: 3,
            starvation_exited: 2,
            wait: wait.summary(),
            hold: wait.summary(),
            ..LockStats::default()
        })),
    );
    let weird_name = "we\"ird\\lock\nname";
    let weird = fake(ResourceKind::RwLock, weird_name, ResourceStats::Lock(Box::default()));
    let chan = fake(
        ResourceKind::Channel,
        "metrics-chan",
        ResourceStats::Channel(Box::new(ChannelStats {
            flavor: "bounded",
            capacity: Some(4),
            len: 3,
            senders: 2,
            receivers: 1,
            sent: 10,
            received: 7,
            blocked_senders: vec![waiter.clone(), waiter.clone()],
            ..ChannelStats::default()
        })),
    );
    let pool = fake(
        ResourceKind::WorkerPool,
        "metrics-pool",
        ResourceStats::Pool(PoolStats { size: 4, busy: 1, queued: 6, completed: 11, ..PoolStats::default() }),
    );
    // A real instrumented channel, as the channels work reports it.
    let (tx, rx) = vigil::channel::bounded_named::<u8>("metrics-real-chan", 2);
    tx.send(1).unwrap();

    // The numbers must match a snapshot taken around the scrape; retry
    // until nothing changed in between (this binary runs only this test).
    let (text, snap) = (0..50)
        .find_map(|_| {
            let before = vigil::check::snapshot();
            let text = support::get(dash.addr(), "/metrics").body;
            let after = vigil::check::snapshot();
            let same = before.counts.running == after.counts.running
                && before.counts.blocked == after.counts.blocked
                && before.counts.resources == after.counts.resources
                && before.counts.dropped_events == after.counts.dropped_events;
            same.then_some((text, after))
        })
        .expect("a quiet moment to compare");

    let samples = strict_parse(&text);

    // The third-party parser reads it too, with the same sample values.
    let scrape =
        prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("prometheus-parse");
    assert!(scrape.samples.len() > 20);
    let parsed_blocked = scrape
        .samples
        .iter()
        .find(|s| s.metric == "vigil_workers" && s.labels.get("state") == Some("blocked"))
        .expect("vigil_workers{state=blocked}");
    assert!(
        matches!(parsed_blocked.value, prometheus_parse::Value::Gauge(v) if v == snap.counts.blocked as f64)
    );
    let parsed_hist = scrape
        .samples
        .iter()
        .find(|s| s.metric == "vigil_lock_wait_seconds" && s.labels.get("lock") == Some("metrics-lock"))
        .expect("the wait histogram");
    match &parsed_hist.value {
        prometheus_parse::Value::Histogram(b) => {
            assert_eq!(b.last().map(|c| c.count), Some(6.0));
            assert!(b.last().is_some_and(|c| c.less_than.is_infinite()));
        }
        other => panic!("not a histogram: {other:?}"),
    }

    // Workers and blocked ops.
    assert_eq!(value(&samples, "vigil_workers", &[("state", "running")]), snap.counts.running as f64);
    assert_eq!(value(&samples, "vigil_workers", &[("state", "blocked")]), snap.counts.blocked as f64);
    let parked_now = snap
        .workers
        .iter()
        .filter(|w| !w.external && w.blocked_on.as_ref().is_some_and(|b| b.op.as_str() == "park"))
        .count();
    assert!(parked_now >= 1);
    assert_eq!(value(&samples, "vigil_blocked_workers", &[("op", "park")]), parked_now as f64);
    let by_kind: f64 = samples.iter().filter(|s| s.name == "vigil_resources").map(|s| s.value).sum();
    assert_eq!(by_kind, snap.counts.resources as f64);

    // Locks.
    let l = [("lock", "metrics-lock")];
    assert_eq!(value(&samples, "vigil_lock_waiters", &l), 2.0);
    assert_eq!(value(&samples, "vigil_lock_starving", &l), 1.0);
    assert_eq!(
        value(&samples, "vigil_lock_starvation_transitions_total", &[l[0], ("direction", "entered")]),
        3.0
    );
    assert_eq!(
        value(&samples, "vigil_lock_starvation_transitions_total", &[l[0], ("direction", "exited")]),
        2.0
    );
    assert_eq!(value(&samples, "vigil_lock_contended_total", &l), 20.0);
    let s = wait.summary();
    assert_eq!(value(&samples, "vigil_lock_wait_seconds_count", &l), s.count as f64);
    assert!((value(&samples, "vigil_lock_wait_seconds_sum", &l) - s.sum_us as f64 / 1e6).abs() < 1e-9);
    assert_eq!(value(&samples, "vigil_lock_wait_seconds_bucket", &[l[0], ("le", "0.000008")]), 1.0);
    assert_eq!(value(&samples, "vigil_lock_hold_seconds_count", &l), s.count as f64);
    // Escaping: the hostile name round-trips.
    assert_eq!(value(&samples, "vigil_lock_waiters", &[("lock", weird_name)]), 0.0);
    assert!(text.contains("lock=\"we\\\"ird\\\\lock\\nname\""));

    // Channels.
    let c = [("channel", "metrics-chan")];
    assert_eq!(value(&samples, "vigil_channel_queue_length", &c), 3.0);
    assert_eq!(value(&samples, "vigil_channel_capacity", &c), 4.0);
    assert_eq!(value(&samples, "vigil_channel_blocked_senders", &c), 2.0);
    assert_eq!(value(&samples, "vigil_channel_blocked_receivers", &c), 0.0);
    assert_eq!(value(&samples, "vigil_channel_sent_total", &c), 10.0);
    let real = snap.resources.iter().find(|r| &*r.name == "metrics-real-chan").expect("the real channel");
    if let ResourceStats::Channel(cs) = &real.stats {
        let rc = [("channel", "metrics-real-chan")];
        assert_eq!(value(&samples, "vigil_channel_queue_length", &rc), cs.len as f64);
        assert_eq!(cs.len, 1);
    }

    // Pools, findings, events.
    assert_eq!(value(&samples, "vigil_pool_queued", &[("pool", "metrics-pool")]), 6.0);
    assert_eq!(value(&samples, "vigil_races_total", &[]), snap.counts.races as f64);
    let deadlocks: f64 = samples.iter().filter(|s| s.name == "vigil_deadlocks_total").map(|s| s.value).sum();
    assert_eq!(deadlocks, snap.counts.deadlocks as f64);
    assert_eq!(value(&samples, "vigil_events_dropped_total", &[]), snap.counts.dropped_events as f64);

    drop((lock, weird, chan, pool, tx, rx));
    parked.release();
    dash.shutdown();
}
