//! The race checker's costs, each side by side with the plain program:
//! `RaceCell` same-epoch access (budget ≤ 30 ns), a mixed workload of
//! locks, channels, atomics and tracked cells across threads (budget ≤ 5× the plain
//! program), and thread churn with a shared tracked cell (memory bounded by
//! live threads: RSS printed at 10k threads and at the end).
//!
//! `VIGIL_CHURN_THREADS` sets the churn's thread count (default 100000; the
//! budget's figure is 1000000).
#![allow(missing_docs)]
use criterion::{criterion_group, Criterion};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

mod support;

fn race_cell(c: &mut Criterion) {
    let mut g = c.benchmark_group("race_cell_same_epoch");
    let std_cell = std::sync::Mutex::new(0u64);
    let cell = vigil::race::RaceCell::new(0u64);
    g.bench_function("std_mutex_get", |b| b.iter(|| *std_cell.lock().unwrap()));
    g.bench_function("race_cell_get", |b| b.iter(|| cell.get()));
    g.bench_function("race_cell_set", |b| b.iter(|| cell.set(black_box(1))));
    g.finish();

    support::print_ratio(
        "RaceCell same-epoch get+set vs std Mutex",
        "<= 30 ns per access",
        200_000,
        |n| {
            for i in 0..n {
                let v = *std_cell.lock().unwrap();
                *std_cell.lock().unwrap() = black_box(v + i);
            }
        },
        |n| {
            for i in 0..n {
                let v = cell.get();
                cell.set(black_box(v + i));
            }
        },
    );
    let per_pair = support::median_per_iter(9, 500_000, |n| {
        for i in 0..n {
            let v = cell.get();
            cell.set(black_box(v + i));
        }
    });
    let ns = per_pair / 2.0;
    println!("RACECELL same-epoch access: {ns:.1} ns/access (budget <= 30 ns)");
}

/// One round of the mixed workload, generic over the primitives.
macro_rules! mixed_round {
    ($n:expr, $channel:expr, $atomic:ty, $mutex:ident, $cell:ident, $get:expr, $set:expr, $spawn:path) => {{
        let n: u64 = $n;
        let (tx, rx) = $channel;
        let counter = Arc::new(<$atomic>::new(0));
        let shared = Arc::new($mutex::new(0u64));
        let total = Arc::new($cell::new(0u64));
        let mut producers = Vec::new();
        for _ in 0..2 {
            let (tx, counter, shared) = (tx.clone(), counter.clone(), shared.clone());
            producers.push($spawn(move || {
                let mine = $cell::new(0u64);
                for i in 0..n {
                    counter.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
                    if i % 2 == 0 {
                        *shared.lock().unwrap() += 1;
                    }
                    let v = $get(&mine);
                    $set(&mine, v + i);
                    if i % 4 == 0 {
                        tx.send(i).unwrap();
                    }
                }
            }));
        }
        drop(tx);
        let t = total.clone();
        let consumer = $spawn(move || {
            while let Ok(v) = rx.recv() {
                let old = $get(&*t);
                $set(&*t, old + v);
            }
        });
        for p in producers {
            p.join().unwrap();
        }
        consumer.join().unwrap();
        black_box($get(&*total));
    }};
}

fn std_get(m: &std::sync::Mutex<u64>) -> u64 {
    *m.lock().unwrap()
}
fn std_set(m: &std::sync::Mutex<u64>, v: u64) {
    *m.lock().unwrap() = v;
}
fn vigil_get(c: &vigil::race::RaceCell<u64>) -> u64 {
    c.get()
}
fn vigil_set(c: &vigil::race::RaceCell<u64>, v: u64) {
    c.set(v)
}

fn mixed(_c: &mut Criterion) {
    use std::sync::Mutex as StdMutex;
    use vigil::race::RaceCell;
    use vigil::sync::Mutex as VigilMutex;
    support::print_ratio(
        "mixed workload (locks, channels, atomics, tracked cells; 3 threads), checker on vs plain",
        "<= 5x",
        20_000,
        |n| {
            mixed_round!(
                n,
                crossbeam_channel::bounded::<u64>(64),
                std::sync::atomic::AtomicU64,
                StdMutex,
                StdMutex,
                std_get,
                std_set,
                std::thread::spawn
            )
        },
        |n| {
            mixed_round!(
                n,
                vigil::channel::bounded::<u64>(64),
                vigil::sync::atomic::AtomicU64,
                VigilMutex,
                RaceCell,
                vigil_get,
                vigil_set,
                vigil::thread::spawn
            )
        },
    );
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()))
        .map_or(0, |pages| pages * 4)
}

fn churn(_c: &mut Criterion) {
    let total: u64 =
        std::env::var("VIGIL_CHURN_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let batch = 64u64;
    let cell = Arc::new(vigil::race::RaceCell::new(0u64));
    let start = Instant::now();
    let mut rss_10k = None;
    let mut spawned = 0u64;
    while spawned < total {
        let handles: Vec<_> = (0..batch)
            .map(|_| {
                let c = cell.clone();
                vigil::thread::spawn(move || c.with(|v| *v))
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        cell.with_mut(|v| *v += 1);
        spawned += batch;
        if rss_10k.is_none() && spawned >= 10_000 {
            rss_10k = Some(rss_kib());
        }
    }
    let rss_end = rss_kib();
    println!(
        "CHURN {spawned} threads spawned+joined in batches of {batch} with a shared RaceCell in {:?}: \
         RSS {} KiB at 10k, {rss_end} KiB at {spawned}; clock slots {} (live {})",
        start.elapsed(),
        rss_10k.unwrap_or(0),
        vigil_detector::hb::slot_count(),
        vigil_detector::hb::live_slots(),
    );
}

criterion_group!(benches, race_cell, mixed, churn);

fn main() {
    benches();
    criterion::Criterion::default().configure_from_args().final_summary();
}
