//! Go's "ice cream maker" (Dmitry Vyukov's benign-looking interface race,
//! from "Ice cream makers and data races"), ported: an interface value is
//! two words (type, data); two goroutines keep assigning `ben` and `jerry`
//! to one variable without synchronisation, and a reader can see Ben's type
//! with Jerry's data. Here the two words are written one after the other
//! into a `RaceCell`, exactly as the Go compiler emits the assignment.

use std::sync::Arc;
use std::time::Duration;
use vigil::race::RaceCell;
use vigil::report::RaceKind;
use vigil::sync::atomic::{AtomicBool, Ordering};

/// An "interface value": (type word, data word).
type Iface = [usize; 2];

const BEN: Iface = [1, 10];
const JERRY: Iface = [2, 20];

/// `maker = value`, compiled as two one-word stores.
#[track_caller]
fn assign(maker: &RaceCell<Iface>, value: Iface) {
    maker.with_mut(|m| m[0] = value[0]);
    maker.with_mut(|m| m[1] = value[1]);
}

fn run(lock: Option<Arc<AtomicBool>>) -> vigil::report::Report {
    let g = vigil::check::guard().grace(Duration::from_millis(200));
    let maker = Arc::new(RaceCell::new(BEN));
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let makers: Vec<_> = [("ben", JERRY), ("jerry", BEN)]
        .into_iter()
        .map(|(name, value)| {
            let (maker, lock, barrier) = (maker.clone(), lock.clone(), barrier.clone());
            vigil::thread::Builder::new()
                .name(name.into())
                .spawn(move || {
                    barrier.wait(); // std's barrier: no happens-before edge
                    for _ in 0..100 {
                        if let Some(l) = &lock {
                            while l.swap(true, Ordering::Acquire) {
                                std::hint::spin_loop();
                            }
                        }
                        assign(&maker, value);
                        if let Some(l) = &lock {
                            l.store(false, Ordering::Release);
                        }
                    }
                })
                .unwrap()
        })
        .collect();
    for m in makers {
        m.join().unwrap();
    }
    let v = maker.get();
    assert!(v == BEN || v == JERRY);
    g.check()
}

#[test]
fn unsynchronised_two_word_assignments_race() {
    let report = run(None);
    assert!(!report.races.is_empty(), "the torn write went unnoticed");
    for r in &report.races {
        assert_eq!(r.kind, RaceKind::WriteWrite, "{r}");
        let names = [r.current.thread.name.as_deref(), r.previous.thread.name.as_deref()];
        assert!(names.contains(&Some("ben")) && names.contains(&Some("jerry")), "{r}");
        assert!(r.current.site.contains(file!()) && r.previous.site.contains(file!()), "{r}");
    }
}

#[test]
fn assignments_under_a_spinlock_are_silent() {
    let report = run(Some(Arc::new(AtomicBool::new(false))));
    assert!(report.races.is_empty(), "{report}");
}
