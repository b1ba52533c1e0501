//! Thread slots are reused once a thread has ended and its clock was folded
//! into whoever joined it: spawning and joining many threads while a tracked
//! cell is shared keeps clocks as wide as the threads alive at once.

use std::sync::Arc;
use vigil::race::RaceCell;

#[test]
fn spawn_join_churn_reuses_slots_and_stays_race_free() {
    let g = vigil::check::guard();
    let cell = Arc::new(RaceCell::new(0u64));
    cell.set(0);
    let before = vigil_detector_slots();
    for _ in 0..50 {
        let batch: Vec<_> = (0..8)
            .map(|_| {
                let c = cell.clone();
                vigil::thread::spawn(move || c.with(|v| *v))
            })
            .collect();
        for h in batch {
            h.join().unwrap();
        }
        cell.with_mut(|v| *v += 1); // ordered after every reader by the joins
    }
    assert_eq!(cell.get(), 50);
    let grown = vigil_detector_slots() - before;
    // 400 threads ran, at most 8 (+ other tests' threads) at once.
    assert!(grown <= 64, "clock width grew by {grown} slots for 400 short threads");
    let report = g.check();
    assert!(report.races.is_empty(), "{report}");
}

fn vigil_detector_slots() -> usize {
    vigil_detector::hb::slot_count()
}
