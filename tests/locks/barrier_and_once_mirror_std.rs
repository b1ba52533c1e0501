//! `Barrier`, `Once`, `OnceLock` and `LazyLock` behave as std's: one leader
//! per generation, one initialiser however many callers, poisoning; and a
//! thread waiting at a barrier is shown blocked in `barrier`.
use crate::common;

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

/// A caller that waits for another thread's initialiser is shown blocked
/// (op `other`, at its own call site) until the initialiser returns.
#[cfg(feature = "detect")]
#[test]
fn callers_waiting_for_an_initialiser_show_blocked() {
    use vigil::sync::mpsc::channel;

    fn assert_blocked_at(name: &str, line: u32) {
        common::wait_blocked(name);
        let snap = vigil::check::snapshot();
        let b = common::worker_named(&snap, name).unwrap().blocked_on.expect("blocked");
        assert_eq!(b.op, vigil::report::Op::Other);
        assert!(b.site.contains(&format!("{}:{line}:", file!())), "{b:?}");
    }

    let once = Arc::new(Once::new());
    let cell: Arc<OnceLock<u32>> = Arc::new(OnceLock::new());
    let (started_tx, started_rx) = channel::<()>();
    let (finish_tx, finish_rx) = channel::<()>();
    let (o, c) = (once.clone(), cell.clone());
    let initialiser = vigil::thread::spawn(move || {
        o.call_once(|| {
            c.get_or_init(|| {
                started_tx.send(()).unwrap();
                finish_rx.recv().unwrap();
                7
            });
        });
    });
    started_rx.recv().unwrap(); // both initialisers are running now

    let (o, c) = (once.clone(), cell.clone());
    let once_call = move || o.call_once(|| unreachable!());
    let once_line = line!() - 1;
    let cell_call = move || *c.get_or_init(|| unreachable!());
    let cell_line = line!() - 1;
    let once_waiter = vigil::thread::Builder::new().name("once-waiter".into()).spawn(once_call).unwrap();
    let cell_waiter = vigil::thread::Builder::new().name("cell-waiter".into()).spawn(cell_call).unwrap();
    assert_blocked_at("once-waiter", once_line);
    assert_blocked_at("cell-waiter", cell_line);

    finish_tx.send(()).unwrap();
    initialiser.join().unwrap();
    once_waiter.join().unwrap();
    assert_eq!(cell_waiter.join().unwrap(), 7);

    // Completed: a new caller returns without running its initialiser.
    once.call_once(|| unreachable!());
    assert_eq!(*cell.get_or_init(|| unreachable!()), 7);
}

/// `OnceLock::wait` (std's needs Rust 1.86) blocks until another thread
/// initialises the cell, shown blocked at its call site meanwhile, and
/// returns the value; on an initialised cell it returns at once.
#[cfg(feature = "detect")]
#[test]
fn once_lock_wait_blocks_until_another_thread_sets_the_value() {
    let cell: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let c = cell.clone();
    let wait_call = move || c.wait().clone();
    let wait_line = line!() - 1;
    let waiter = vigil::thread::Builder::new().name("cell-wait".into()).spawn(wait_call).unwrap();
    common::wait_blocked("cell-wait");
    let snap = vigil::check::snapshot();
    let b = common::worker_named(&snap, "cell-wait").unwrap().blocked_on.expect("blocked");
    assert_eq!(b.op, vigil::report::Op::Other);
    assert!(b.site.contains(&format!("{}:{wait_line}:", file!())), "{b:?}");

    cell.set("ready".to_string()).unwrap();
    assert_eq!(waiter.join().unwrap(), "ready");
    assert_eq!(cell.wait(), "ready");
}
