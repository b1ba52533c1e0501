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

/// Threads vigil did not spawn (a test harness's, `std::thread`) reuse the
/// slots of ended threads too: a long run of them, each using a tracked
/// channel and cell, keeps clocks narrow instead of adding a slot each.
#[test]
fn outside_thread_churn_reuses_slots() {
    let cell = Arc::new(RaceCell::new(0u64));
    let (tx, rx) = vigil::channel::unbounded::<u64>();
    let before = vigil_detector_slots();
    for i in 0..300u64 {
        let (c, tx) = (cell.clone(), tx.clone());
        std::thread::spawn(move || {
            c.with_mut(|v| *v += 1);
            tx.send(i).unwrap();
        })
        .join()
        .unwrap();
    }
    assert_eq!(rx.try_iter().count(), 300);
    let grown = vigil_detector_slots() - before;
    assert!(grown <= 32, "clock width grew by {grown} slots for 300 sequential outside threads");
}

/// An outside thread starts knowing what every ended thread did (as if the
/// harness joined it first), so writes by one finished outside thread and
/// the next are not a race; two outside threads alive at once, with no
/// edge between them, still are.
#[test]
fn outside_threads_race_only_while_both_run() {
    /// Races whose both sides are `bump` calls on the line `line`.
    fn races_at(line: u32) -> usize {
        let at = format!("{}:{line}:", file!());
        vigil::check::races()
            .iter()
            .filter(|r| r.current.site.contains(&at) && r.previous.site.contains(&at))
            .count()
    }

    let seq = Arc::new(RaceCell::new(0u64));
    let seq_line = line!() + 4;
    for _ in 0..2 {
        let c = seq.clone();
        std::thread::spawn(move || {
            c.with_mut(|v| *v += 1);
        })
        .join()
        .unwrap();
    }
    assert_eq!(races_at(seq_line), 0, "sequential outside threads were reported as racing");

    let both = Arc::new(RaceCell::new(0u64));
    let barrier = Arc::new(std::sync::Barrier::new(2)); // std's: no edge
    let both_line = line!() + 6;
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (c, b) = (both.clone(), barrier.clone());
            std::thread::spawn(move || {
                b.wait(); // both alive before either writes
                c.with_mut(|v| *v += 1);
                b.wait(); // neither ends before both wrote
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(races_at(both_line), 1, "concurrent outside threads: {:?}", vigil::check::races());
}
