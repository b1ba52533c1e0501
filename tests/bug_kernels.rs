//! The scoreboard: runs every bug kernel and its fixed twin, prints a table
//! (category, kernels, detected, correctly explained, false alarms on twins)
//! and fails if any kernel is missed, mis-explained, or its twin is not silent.

#[path = "kernels/mod.rs"]
mod kernels;

use kernels::harness::{judge, run, Verdict};
use std::collections::BTreeMap;

#[test]
fn every_kernel_is_detected_and_explained_and_every_twin_is_silent() {
    let all = kernels::all();
    assert!(all.len() >= 40, "the corpus has {} kernels", all.len());

    // Kernels run in parallel (guards are per lineage, so they cannot see each
    // other); each kernel runs its twin, then its bug.
    let mut verdicts: Vec<Verdict> = Vec::new();
    for batch in all.chunks(10) {
        let handles: Vec<_> = batch
            .iter()
            .map(|k| {
                let (name, buggy, fixed, watch) = (k.name, k.buggy, k.fixed, k.watched_lock());
                std::thread::spawn(move || {
                    let twin = run(format!("{name}-fixed"), fixed, watch);
                    let bug = run(name.to_string(), buggy, watch);
                    (bug, twin)
                })
            })
            .collect();
        for (k, h) in batch.iter().zip(handles) {
            let (bug, twin) = h.join().expect("kernel runner");
            verdicts.push(judge(k, &bug, &twin));
        }
    }

    let mut rows: BTreeMap<&str, (usize, usize, usize, usize)> = BTreeMap::new();
    for v in &verdicts {
        let row = rows.entry(v.category).or_default();
        row.0 += 1;
        row.1 += v.detected as usize;
        row.2 += v.explained as usize;
        row.3 += v.false_alarm as usize;
    }
    let mut table = String::from(
        "| category | kernels | detected | correctly explained | false alarms on twins |\n|---|---|---|---|---|\n",
    );
    let mut total = (0, 0, 0, 0);
    for (cat, (n, d, e, f)) in &rows {
        table.push_str(&format!("| {cat} | {n} | {d} | {e} | {f} |\n"));
        total = (total.0 + n, total.1 + d, total.2 + e, total.3 + f);
    }
    table.push_str(&format!("| **total** | {} | {} | {} | {} |\n", total.0, total.1, total.2, total.3));
    println!("\n{table}");
    let _ = std::fs::create_dir_all("target");
    let _ = std::fs::write("target/kernel-scoreboard.md", &table);

    let failures: Vec<String> = verdicts
        .iter()
        .filter(|v| !v.explained || v.false_alarm)
        .map(|v| {
            format!(
                "{} ({}): expected {}; detected={} explained={} false_alarm={}\n{}",
                v.name, v.category, v.expected, v.detected, v.explained, v.false_alarm, v.detail
            )
        })
        .collect();
    assert!(failures.is_empty(), "{} kernel(s) regressed:\n\n{}", failures.len(), failures.join("\n\n"));
}
