//! `check::snapshot()` and the dashboard's `/api/snapshot` with 10,000 live
//! workers and 100,000 resources (budget < 100 ms each for the first two; /metrics is printed for information).
//!
//! The workers are real vigil threads parked in `park` (blocked, as in a
//! leak-heavy program); the resources are registered stand-ins reporting
//! lock, channel, pool and context statistics, so every kind's stats are
//! taken and serialized.
#![allow(missing_docs)]
use criterion::{criterion_group, Criterion};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigil::report::{ChannelStats, ContextStats, LockStats, PoolStats, ResourceKind, ResourceStats};
use vigil_detector::{Resource, ResourceMeta};

mod support;

const WORKERS: usize = 10_000;
const RESOURCES: usize = 100_000;

struct Stand {
    meta: ResourceMeta,
    stats: ResourceStats,
}

impl Resource for Stand {
    fn meta(&self) -> &ResourceMeta {
        &self.meta
    }
    fn summary(&self) -> String {
        format!("{} stand-in", self.meta.kind())
    }
    fn stats(&self) -> ResourceStats {
        self.stats.clone()
    }
}

fn resources() -> Vec<Arc<Stand>> {
    let h = vigil_detector::Histogram::new();
    for us in [5, 50, 500, 5000] {
        h.record(Duration::from_micros(us));
    }
    (0..RESOURCES)
        .map(|i| {
            let (kind, stats) = match i % 4 {
                0 => (
                    ResourceKind::Mutex,
                    ResourceStats::Lock(Box::new(LockStats {
                        acquisitions: 9,
                        wait: h.summary(),
                        hold: h.summary(),
                        ..LockStats::default()
                    })),
                ),
                1 => (
                    ResourceKind::Channel,
                    ResourceStats::Channel(Box::new(ChannelStats {
                        flavor: "bounded",
                        capacity: Some(8),
                        len: 3,
                        ..ChannelStats::default()
                    })),
                ),
                2 => (ResourceKind::Pool, ResourceStats::Pool(PoolStats { size: 4, ..PoolStats::default() })),
                _ => (
                    ResourceKind::Context,
                    ResourceStats::Context(ContextStats {
                        context_kind: "cancel",
                        ..ContextStats::default()
                    }),
                ),
            };
            let r = Arc::new(Stand {
                meta: ResourceMeta::new(kind, Some(format!("resource-{i}")), std::panic::Location::caller()),
                stats,
            });
            vigil_detector::register_resource(r.clone());
            r
        })
        .collect()
}

fn http_get(addr: std::net::SocketAddr, path: &str) -> usize {
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut body = Vec::new();
    s.read_to_end(&mut body).unwrap();
    assert!(body.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&body[..body.len().min(200)]));
    body.len()
}

fn time_ms(label: &str, budget: &str, rounds: usize, mut f: impl FnMut()) {
    let mut t: Vec<Duration> = (0..rounds)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    let median = t[t.len() / 2];
    println!("TIME {label}: median {:.1} ms over {rounds} runs ({budget})", median.as_secs_f64() * 1000.0);
}

fn snapshot(c: &mut Criterion) {
    let release = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..WORKERS)
        .map(|i| {
            let release = release.clone();
            vigil::thread::Builder::new()
                .name(format!("bench-worker-{i}"))
                .stack_size(64 * 1024)
                .spawn(move || {
                    while !release.load(Ordering::Acquire) {
                        vigil::thread::park();
                    }
                })
                .expect("spawn")
        })
        .collect();
    let held = resources();
    while vigil::check::snapshot().counts.blocked < WORKERS {
        std::thread::sleep(Duration::from_millis(50));
    }
    let dash = vigil::dashboard::serve("127.0.0.1:0").expect("serve");
    let addr = dash.addr();

    let mut g = c.benchmark_group("snapshot_10k_workers_100k_resources");
    g.sample_size(10).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_millis(500));
    g.bench_function("check::snapshot", |b| b.iter(vigil::check::snapshot));
    g.bench_function("GET /api/snapshot", |b| b.iter(|| http_get(addr, "/api/snapshot")));
    g.finish();

    time_ms("check::snapshot() with 10k workers, 100k resources", "budget < 100 ms", 9, || {
        std::hint::black_box(vigil::check::snapshot());
    });
    time_ms(
        "GET /api/snapshot (default page) with 10k workers, 100k resources",
        "budget < 100 ms",
        9,
        || {
            std::hint::black_box(http_get(addr, "/api/snapshot"));
        },
    );
    time_ms(
        "GET /api/snapshot?state=blocked&limit=100 with 10k workers, 100k resources",
        "budget < 100 ms",
        9,
        || {
            std::hint::black_box(http_get(addr, "/api/snapshot?state=blocked&limit=100&resources_limit=100"));
        },
    );
    time_ms("GET /metrics with 10k workers, 100k resources", "no budget: ~1M series", 5, || {
        std::hint::black_box(http_get(addr, "/metrics"));
    });

    drop(dash);
    release.store(true, Ordering::Release);
    for w in workers {
        w.thread().unpark();
        w.join().unwrap();
    }
    drop(held);
}

criterion_group!(benches, snapshot);

fn main() {
    benches();
    criterion::Criterion::default().configure_from_args().final_summary();
}
