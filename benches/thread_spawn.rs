//! `vigil::thread::spawn` + `join` beside `std::thread::spawn` + `join` (budget ≤ 1.3×).
#![allow(missing_docs)]
use criterion::{criterion_group, Criterion};

mod support;

fn spawn_join(c: &mut Criterion) {
    let mut g = c.benchmark_group("spawn_join");
    g.bench_function("std", |b| b.iter(|| std::thread::spawn(|| 1u64).join().unwrap()));
    g.bench_function("vigil", |b| b.iter(|| vigil::thread::spawn(|| 1u64).join().unwrap()));
    g.finish();
    support::print_ratio(
        "thread spawn+join",
        "<= 1.3x",
        200,
        |n| {
            for _ in 0..n {
                std::thread::spawn(|| 1u64).join().unwrap();
            }
        },
        |n| {
            for _ in 0..n {
                vigil::thread::spawn(|| 1u64).join().unwrap();
            }
        },
    );
}

criterion_group!(benches, spawn_join);

fn main() {
    benches();
    criterion::Criterion::default().configure_from_args().final_summary();
}
