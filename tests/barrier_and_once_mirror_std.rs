//! `Barrier`, `Once`, `OnceLock` and `LazyLock` behave as std's: one leader
//! per generation, one initialiser however many callers, poisoning; and a
//! thread waiting at a barrier is shown blocked in `barrier`.
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use vigil::sync::{Arc, Barrier, LazyLock, Once, OnceLock};

#[test]
fn barrier_releases_all_with_one_leader_and_shows_waiters() {
    let b = Arc::new(Barrier::new(3));
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let b = b.clone();
            vigil::thread::Builder::new()
                .name(format!("party-{i}"))
                .spawn(move || b.wait().is_leader())
                .unwrap()
        })
        .collect();
    #[cfg(feature = "detect")]
    for i in 0..2 {
        common::wait_blocked(&format!("party-{i}"));
        let snap = vigil::check::snapshot();
        let w = common::worker_named(&snap, &format!("party-{i}")).unwrap();
        assert_eq!(w.blocked_on.unwrap().op, vigil::report::Op::Barrier);
    }
    let mut leaders = usize::from(b.wait().is_leader());
    for h in handles {
        leaders += usize::from(h.join().unwrap());
    }
    assert_eq!(leaders, 1);
}

#[test]
fn once_runs_one_initialiser_for_many_callers() {
    static ONCE: Once = Once::new();
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            vigil::thread::spawn(|| {
                ONCE.call_once(|| {
                    RUNS.fetch_add(1, Ordering::SeqCst);
                });
                assert!(ONCE.is_completed());
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(RUNS.load(Ordering::SeqCst), 1);
}

#[test]
fn poisoned_once_panics_and_call_once_force_sees_it() {
    let once = Once::new();
    let r = std::panic::catch_unwind(|| once.call_once(|| panic!("init fails")));
    assert!(r.is_err());
    let again = std::panic::catch_unwind(|| once.call_once(|| {}));
    assert!(again.is_err(), "a poisoned Once panics, like std's");
    let mut saw_poison = false;
    once.call_once_force(|state| saw_poison = state.is_poisoned());
    assert!(saw_poison && once.is_completed());
}

#[test]
fn once_lock_set_get_and_concurrent_init() {
    let cell: Arc<OnceLock<usize>> = Arc::new(OnceLock::new());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let c = cell.clone();
            vigil::thread::spawn(move || *c.get_or_init(|| i))
        })
        .collect();
    let seen: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(seen.iter().all(|v| *v == seen[0]));
    assert_eq!(cell.set(99), Err(99));
    let mut owned = Arc::into_inner(cell).unwrap();
    assert_eq!(owned.take(), Some(seen[0]));
    assert_eq!(owned.get(), None);
    assert_eq!(format!("{owned:?}"), format!("{:?}", std::sync::OnceLock::<usize>::new()));
}

#[test]
fn lazy_lock_initialises_once_and_poisons_like_std() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    static LAZY: LazyLock<usize> = LazyLock::new(|| CALLS.fetch_add(1, Ordering::SeqCst) + 41);
    assert_eq!(*LAZY, 41);
    assert_eq!(*LAZY, 41);
    assert_eq!(CALLS.load(Ordering::SeqCst), 1);

    let bad: LazyLock<u8> = LazyLock::new(|| panic!("boom"));
    assert!(std::panic::catch_unwind(|| *bad).is_err());
    assert!(std::panic::catch_unwind(|| *bad).is_err(), "later accesses panic too");
}
