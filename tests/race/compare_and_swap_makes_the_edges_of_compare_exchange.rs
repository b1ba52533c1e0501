//! std's deprecated-but-stable `compare_and_swap` on vigil's atomics: the
//! same values as std's, and the same happens-before edges as the
//! `compare_exchange` it stands for (success ordering as given, failure
//! ordering the strongest it allows).
#![allow(deprecated)]

use std::sync::Arc;
use std::time::Duration;
use vigil::race::RaceCell;
use vigil::report::RaceKind;
use vigil::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering};

fn spin_until(mut cond: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(30), "condition never held");
        std::thread::yield_now();
    }
}

/// The producer writes `data`, then moves `flag` 0 → 1 with a CAS of
/// ordering `publish`; the consumer spins on a CAS 1 → 2 of ordering
/// `observe` and reads `data`. `cas` picks `compare_and_swap` or
/// `compare_exchange` for both sides. Returns the kinds of the races found.
///
/// Each run is on a thread of its own (a std thread, so a lineage of its
/// own): a race is reported once per pair of sites and lineage, and every
/// run has the same sites.
fn handoff(cas: bool, publish: Ordering, observe: Ordering) -> Vec<RaceKind> {
    std::thread::spawn(move || handoff_here(cas, publish, observe)).join().expect("handoff")
}

fn handoff_here(cas: bool, publish: Ordering, observe: Ordering) -> Vec<RaceKind> {
    let g = vigil::check::guard().grace(Duration::from_millis(200));
    let data = Arc::new(RaceCell::new(0u64));
    let flag = Arc::new(AtomicUsize::new(0));
    let (d, f) = (data.clone(), flag.clone());
    let producer = vigil::thread::Builder::new()
        .name(format!("cas-producer-{cas}-{publish:?}-{observe:?}"))
        .spawn(move || {
            d.set(42);
            if cas {
                assert_eq!(f.compare_and_swap(0, 1, publish), 0);
            } else {
                assert_eq!(f.compare_exchange(0, 1, publish, Ordering::Relaxed), Ok(0));
            }
        })
        .unwrap();
    spin_until(|| {
        if cas {
            flag.compare_and_swap(1, 2, observe) == 1
        } else {
            let failure = if observe == Ordering::AcqRel { Ordering::Acquire } else { observe };
            let failure = if failure == Ordering::Release { Ordering::Relaxed } else { failure };
            flag.compare_exchange(1, 2, observe, failure).is_ok()
        }
    });
    assert_eq!(data.get(), 42);
    producer.join().unwrap();
    g.check().races.iter().map(|r| r.kind).collect()
}

#[test]
fn compare_and_swap_returns_what_std_returns() {
    let ours = AtomicU32::new(5);
    let std_ = std::sync::atomic::AtomicU32::new(5);
    for (current, new) in [(5, 7), (5, 9), (7, 1)] {
        assert_eq!(
            ours.compare_and_swap(current, new, Ordering::SeqCst),
            std_.compare_and_swap(current, new, Ordering::SeqCst)
        );
        assert_eq!(ours.load(Ordering::Relaxed), std_.load(Ordering::Relaxed));
    }
    let flag = AtomicBool::new(false);
    assert!(!flag.compare_and_swap(false, true, Ordering::AcqRel));
    assert!(flag.compare_and_swap(false, true, Ordering::AcqRel), "already true: unchanged");
    let mut x = 3u8;
    let p = AtomicPtr::new(std::ptr::null_mut());
    assert!(p.compare_and_swap(std::ptr::null_mut(), &mut x, Ordering::Release).is_null());
    assert_eq!(p.compare_and_swap(std::ptr::null_mut(), &mut x, Ordering::Acquire), &mut x as *mut u8);
}

#[test]
fn release_then_acquire_compare_and_swap_publishes_silently_like_compare_exchange() {
    for (publish, observe) in [
        (Ordering::Release, Ordering::Acquire),
        (Ordering::AcqRel, Ordering::AcqRel),
        (Ordering::SeqCst, Ordering::SeqCst),
    ] {
        let with_cas = handoff(true, publish, observe);
        assert!(with_cas.is_empty(), "{publish:?}/{observe:?}: {with_cas:?}");
        assert_eq!(with_cas, handoff(false, publish, observe), "{publish:?}/{observe:?}");
    }
}

#[test]
fn relaxed_compare_and_swap_is_a_race_like_compare_exchange() {
    for (publish, observe) in [
        (Ordering::Relaxed, Ordering::Acquire),
        (Ordering::Release, Ordering::Relaxed),
        (Ordering::Relaxed, Ordering::Relaxed),
    ] {
        let with_cas = handoff(true, publish, observe);
        assert_eq!(with_cas, vec![RaceKind::WriteRead], "{publish:?}/{observe:?}");
        assert_eq!(with_cas, handoff(false, publish, observe), "{publish:?}/{observe:?}");
    }
}
