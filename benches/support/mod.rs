//! Side-by-side ratio printing shared by the benchmarks.
#![allow(dead_code)]

use std::time::Instant;

/// Times `f` over `iters` iterations, `rounds` times, and returns the median
/// per-iteration time in nanoseconds (a float: a `Duration` per iteration
/// would round a 5.9 ns operation down to 5 ns and skew every ratio).
pub fn median_per_iter(rounds: usize, iters: u64, mut f: impl FnMut(u64)) -> f64 {
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            f(iters);
            start.elapsed().as_secs_f64() * 1e9 / iters as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Prints `label: vigil X vs baseline Y = ratio R (budget B; middle half of
/// the pairs Q1-Q3)`. The two are measured in 15 interleaved pairs, so a
/// stretch of machine load slows both sides of a pair alike instead of
/// skewing the result (a VM's timing noise is larger than some overheads
/// measured here). R is the median of the pairs' ratios; Q1-Q3, the range
/// of their middle half, shows how much the pairs disagree.
pub fn print_ratio(
    label: &str,
    budget: &str,
    iters: u64,
    mut baseline: impl FnMut(u64),
    mut vigil: impl FnMut(u64),
) -> f64 {
    const PAIRS: usize = 15;
    let mut base = Vec::new();
    let mut ours = Vec::new();
    let mut ratios = Vec::new();
    for _ in 0..PAIRS {
        let b = median_per_iter(1, iters, &mut baseline);
        let v = median_per_iter(1, iters, &mut vigil);
        base.push(b);
        ours.push(v);
        ratios.push(v / b.max(1e-12));
    }
    for xs in [&mut base, &mut ours, &mut ratios] {
        xs.sort_by(f64::total_cmp);
    }
    let (b, v, ratio) = (base[PAIRS / 2], ours[PAIRS / 2], ratios[PAIRS / 2]);
    let (q1, q3) = (ratios[PAIRS / 4], ratios[3 * PAIRS / 4]);
    println!(
        "RATIO {label}: vigil {v:.1} ns vs baseline {b:.1} ns per op = {ratio:.2}x (budget {budget}; \
         middle half of the pairs {q1:.2}x-{q3:.2}x)"
    );
    ratio
}
