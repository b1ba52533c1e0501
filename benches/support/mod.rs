//! Side-by-side ratio printing shared by the benchmarks.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// Times `f` over `iters` iterations, `rounds` times, and returns the median per-iteration time.
pub fn median_per_iter(rounds: usize, iters: u64, mut f: impl FnMut(u64)) -> Duration {
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            f(iters);
            start.elapsed() / iters as u32
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

/// Prints `label: vigil X vs baseline Y = ratio R (budget B)`, interleaving the
/// two measurements so machine load affects both alike.
pub fn print_ratio(
    label: &str,
    budget: &str,
    iters: u64,
    mut baseline: impl FnMut(u64),
    mut vigil: impl FnMut(u64),
) -> f64 {
    let mut base = Vec::new();
    let mut ours = Vec::new();
    for _ in 0..7 {
        base.push(median_per_iter(1, iters, &mut baseline));
        ours.push(median_per_iter(1, iters, &mut vigil));
    }
    base.sort();
    ours.sort();
    let (b, v) = (base[3], ours[3]);
    let ratio = v.as_secs_f64() / b.as_secs_f64().max(1e-12);
    println!("RATIO {label}: vigil {v:?} vs baseline {b:?} per op = {ratio:.2}x (budget {budget})");
    ratio
}
