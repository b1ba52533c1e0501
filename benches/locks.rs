//! `vigil::sync::{Mutex, RwLock}` beside std's, in one run:
//! uncontended lock+unlock (budget ≤ 2×) and 2-thread contended throughput
//! (budget ≥ 0.8× std's, i.e. time per op ≤ 1.25×), for `Mutex` and for
//! `RwLock` reads.
#![allow(missing_docs)]
use criterion::{criterion_group, Criterion};
use std::hint::black_box;
use std::time::Duration;

mod support;

/// About 30 ns of work outside the lock.
#[inline(never)]
fn outside_work() {
    let mut x = 0u64;
    for i in 0..24 {
        x = black_box(x.wrapping_mul(31).wrapping_add(i));
    }
    black_box(x);
}

fn contended<L: Send + Sync + 'static>(lock: std::sync::Arc<L>, n: u64, op: fn(&L)) {
    let l2 = lock.clone();
    let t = std::thread::spawn(move || {
        for _ in 0..n / 2 {
            op(&l2);
            outside_work();
        }
    });
    for _ in 0..n / 2 {
        op(&lock);
        outside_work();
    }
    t.join().unwrap();
}

fn locks(c: &mut Criterion) {
    let mut g = c.benchmark_group("mutex_uncontended");
    g.warm_up_time(Duration::from_millis(200)).measurement_time(Duration::from_millis(600)).sample_size(10);
    let sm = std::sync::Mutex::new(0u64);
    let vm = vigil::sync::Mutex::new(0u64);
    g.bench_function("std", |b| b.iter(|| *sm.lock().unwrap() += 1));
    g.bench_function("vigil", |b| b.iter(|| *vm.lock().unwrap() += 1));
    g.finish();

    support::print_ratio(
        "mutex uncontended lock+unlock",
        "<= 2x",
        200_000,
        |n| {
            for _ in 0..n {
                *black_box(&sm).lock().unwrap() += 1;
            }
        },
        |n| {
            for _ in 0..n {
                *black_box(&vm).lock().unwrap() += 1;
            }
        },
    );

    let sm = std::sync::Arc::new(std::sync::Mutex::new(0u64));
    let vm = std::sync::Arc::new(vigil::sync::Mutex::new(0u64));
    support::print_ratio(
        "mutex contended 2 threads (time per op; throughput >= 0.8x)",
        "<= 1.25x",
        200_000,
        |n| contended(sm.clone(), n, |m| *m.lock().unwrap() += 1),
        |n| contended(vm.clone(), n, |m| *m.lock().unwrap() += 1),
    );

    let sr = std::sync::RwLock::new(1u64);
    let vr = vigil::sync::RwLock::new(1u64);
    support::print_ratio(
        "rwlock uncontended read+unlock",
        "<= 2x",
        200_000,
        |n| {
            for _ in 0..n {
                black_box(*black_box(&sr).read().unwrap());
            }
        },
        |n| {
            for _ in 0..n {
                black_box(*black_box(&vr).read().unwrap());
            }
        },
    );

    let sr = std::sync::Arc::new(std::sync::RwLock::new(1u64));
    let vr = std::sync::Arc::new(vigil::sync::RwLock::new(1u64));
    support::print_ratio(
        "rwlock contended reads 2 threads (time per op; throughput >= 0.8x)",
        "<= 1.25x",
        200_000,
        |n| {
            contended(sr.clone(), n, |l| {
                black_box(*l.read().unwrap());
            })
        },
        |n| {
            contended(vr.clone(), n, |l| {
                black_box(*l.read().unwrap());
            })
        },
    );
}

criterion_group!(benches, locks);

fn main() {
    benches();
    criterion::Criterion::default().configure_from_args().final_summary();
}
