//! Channel send+recv throughput, vigil beside the same uninstrumented
//! channel in one run (budget: vigil's throughput ≥ 0.5× — a time ratio of
//! at most 2.0×), for unbounded, bounded(64) and rendezvous channels, with
//! one producer and one consumer (1P/1C) and two producers (2P/1C), for both
//! families: `vigil::channel` vs crossbeam-channel and `vigil::sync::mpsc`
//! vs `std::sync::mpsc`. Tracking is on with the defaults (race checker on);
//! run with `VIGIL_RACE=off` or `VIGIL=off` for the other tiers.
#![allow(missing_docs)]
use criterion::{criterion_group, Criterion};
use std::hint::black_box;

mod support;

/// Runs `n` messages through a channel made by `make` with `producers`
/// producer threads and this thread as the consumer.
macro_rules! run {
    ($n:expr, $producers:expr, $make:expr) => {{
        let n: u64 = $n;
        let producers: u64 = $producers;
        let (s, r) = $make;
        let per = n / producers;
        let handles: Vec<_> = (0..producers)
            .map(|_| {
                let s = s.clone();
                std::thread::spawn(move || {
                    for i in 0..per {
                        s.send(i).unwrap();
                    }
                })
            })
            .collect();
        drop(s);
        let mut sum = 0u64;
        for _ in 0..per * producers {
            sum = sum.wrapping_add(r.recv().unwrap());
        }
        for h in handles {
            h.join().unwrap();
        }
        black_box(sum);
    }};
}

const MESSAGES: u64 = 20_000;

fn ratios() {
    for producers in [1u64, 2] {
        let shape = format!("{producers}P/1C");
        support::print_ratio(
            &format!("channel unbounded {shape}"),
            "<= 2.0x (throughput >= 0.5x)",
            MESSAGES,
            |n| run!(n, producers, crossbeam_channel::unbounded::<u64>()),
            |n| run!(n, producers, vigil::channel::unbounded::<u64>()),
        );
        support::print_ratio(
            &format!("channel bounded(64) {shape}"),
            "<= 2.0x (throughput >= 0.5x)",
            MESSAGES,
            |n| run!(n, producers, crossbeam_channel::bounded::<u64>(64)),
            |n| run!(n, producers, vigil::channel::bounded::<u64>(64)),
        );
        support::print_ratio(
            &format!("channel rendezvous {shape}"),
            "<= 2.0x (throughput >= 0.5x)",
            MESSAGES / 4,
            |n| run!(n, producers, crossbeam_channel::bounded::<u64>(0)),
            |n| run!(n, producers, vigil::channel::bounded::<u64>(0)),
        );
        support::print_ratio(
            &format!("mpsc channel {shape}"),
            "<= 2.0x (throughput >= 0.5x)",
            MESSAGES,
            |n| run!(n, producers, std::sync::mpsc::channel::<u64>()),
            |n| run!(n, producers, vigil::sync::mpsc::channel::<u64>()),
        );
        support::print_ratio(
            &format!("mpsc sync_channel(64) {shape}"),
            "<= 2.0x (throughput >= 0.5x)",
            MESSAGES,
            |n| run!(n, producers, std::sync::mpsc::sync_channel::<u64>(64)),
            |n| run!(n, producers, vigil::sync::mpsc::sync_channel::<u64>(64)),
        );
        support::print_ratio(
            &format!("mpsc sync_channel(0) {shape}"),
            "<= 2.0x (throughput >= 0.5x)",
            MESSAGES / 4,
            |n| run!(n, producers, std::sync::mpsc::sync_channel::<u64>(0)),
            |n| run!(n, producers, vigil::sync::mpsc::sync_channel::<u64>(0)),
        );
    }
}

fn single_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("channel_send_recv_same_thread");
    g.sample_size(20).measurement_time(std::time::Duration::from_secs(1));
    let (s, r) = crossbeam_channel::bounded::<u64>(64);
    g.bench_function("crossbeam", |b| {
        b.iter(|| {
            s.send(black_box(1)).unwrap();
            r.recv().unwrap()
        })
    });
    let (s, r) = vigil::channel::bounded::<u64>(64);
    g.bench_function("vigil", |b| {
        b.iter(|| {
            s.send(black_box(1)).unwrap();
            r.recv().unwrap()
        })
    });
    g.finish();
    ratios();
}

criterion_group!(benches, single_thread);

fn main() {
    benches();
    criterion::Criterion::default().configure_from_args().final_summary();
}
