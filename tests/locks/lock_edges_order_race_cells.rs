//! Happens-before edges from the locks, each with a twin that drops the
//! edge and must race: unlock → next lock, write-unlock → read lock,
//! read-unlock → write lock, `Once`/`OnceLock`/`LazyLock` init → every
//! return, `Barrier` arrivals → departures, `Condvar` via its mutex.
//! Real-time order comes from std channels, which carry no edge.
#![cfg(feature = "detect")]

use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::time::Duration;
use vigil::race::RaceCell;
use vigil::sync::{Barrier, Condvar, LazyLock, Mutex, Once, OnceLock, RwLock};

fn races_of(g: vigil::check::Guard) -> usize {
    let report = g.check();
    if !report.races.is_empty() {
        eprintln!("{report}");
    }
    report.races.len()
}

fn guard() -> vigil::check::Guard {
    vigil::check::guard().grace(Duration::from_millis(300))
}

/// `first` runs on a worker, then (after a std channel, no edge) `second` here.
fn ordered(first: impl FnOnce() + Send + 'static, second: impl FnOnce()) {
    let (tx, rx) = std_mpsc::channel::<()>();
    let t = vigil::thread::spawn(move || {
        first();
        tx.send(()).unwrap();
    });
    rx.recv().unwrap();
    second();
    t.join().unwrap();
}

fn mutex(lock_reader: bool) -> usize {
    let g = guard();
    let (m, cell) = (Arc::new(Mutex::new(())), Arc::new(RaceCell::new(0)));
    let (m2, c2) = (m.clone(), cell.clone());
    ordered(
        move || {
            let _g = m2.lock().unwrap();
            c2.set(1);
        },
        || {
            let _g = lock_reader.then(|| m.lock().unwrap());
            assert_eq!(cell.get(), 1);
        },
    );
    races_of(g)
}

#[test]
fn unlock_happens_before_the_next_lock() {
    assert_eq!(mutex(true), 0);
}

#[test]
fn reading_without_the_lock_races() {
    assert_eq!(mutex(false), 1);
}

fn rwlock(writer_first: bool, second_locks: bool) -> usize {
    let g = guard();
    let (l, cell) = (Arc::new(RwLock::new(())), Arc::new(RaceCell::new(0)));
    let (l2, c2) = (l.clone(), cell.clone());
    ordered(
        move || {
            if writer_first {
                let _w = l2.write().unwrap();
                c2.set(1);
            } else {
                let _r = l2.read().unwrap();
                let _ = c2.get();
            }
        },
        || {
            if writer_first {
                let _r = second_locks.then(|| l.read().unwrap());
                let _ = cell.get();
            } else {
                let _w = second_locks.then(|| l.write().unwrap());
                cell.set(2);
            }
        },
    );
    races_of(g)
}

#[test]
fn write_unlock_happens_before_a_later_read_lock() {
    assert_eq!(rwlock(true, true), 0);
    assert_eq!(rwlock(true, false), 1);
}

#[test]
fn read_unlock_happens_before_a_later_write_lock() {
    assert_eq!(rwlock(false, true), 0);
    assert_eq!(rwlock(false, false), 1);
}

fn once(second_calls: bool) -> usize {
    let g = guard();
    let (o, cell) = (Arc::new(Once::new()), Arc::new(RaceCell::new(0)));
    let (o2, c2) = (o.clone(), cell.clone());
    ordered(
        move || o2.call_once(|| c2.set(1)),
        || {
            if second_calls {
                o.call_once(|| unreachable!());
            }
            assert_eq!(cell.get(), 1);
        },
    );
    races_of(g)
}

#[test]
fn once_body_happens_before_every_return() {
    assert_eq!(once(true), 0);
    assert_eq!(once(false), 1);
}

#[test]
fn once_lock_and_lazy_lock_init_happens_before_their_readers() {
    let g = guard();
    let cell = Arc::new(RaceCell::new(0));
    let ol = Arc::new(OnceLock::new());
    let (ol2, c2) = (ol.clone(), cell.clone());
    ordered(
        move || {
            ol2.get_or_init(|| {
                c2.set(1);
                5
            });
        },
        || {
            assert_eq!(ol.get(), Some(&5));
            assert_eq!(cell.get(), 1);
        },
    );
    assert_eq!(races_of(g), 0);

    let g = guard();
    let cell = Arc::new(RaceCell::new(0));
    let c1 = cell.clone();
    let lazy = Arc::new(LazyLock::new(move || {
        c1.set(1);
        6
    }));
    let l2 = lazy.clone();
    ordered(
        move || assert_eq!(*LazyLock::force(&l2), 6),
        || {
            assert_eq!(*LazyLock::force(&lazy), 6);
            assert_eq!(cell.get(), 1);
        },
    );
    assert_eq!(races_of(g), 0);
}

fn barrier(write_before: bool) -> usize {
    let g = guard();
    let b = Arc::new(Barrier::new(2));
    let cell = Arc::new(RaceCell::new(0));
    let (b2, c2) = (b.clone(), cell.clone());
    let (tx, rx) = std_mpsc::channel::<()>();
    let t = vigil::thread::spawn(move || {
        if write_before {
            c2.set(1);
            b2.wait();
        } else {
            b2.wait();
            c2.set(1);
            tx.send(()).unwrap();
        }
    });
    b.wait();
    if !write_before {
        rx.recv().unwrap();
    }
    let _ = cell.get();
    t.join().unwrap();
    races_of(g)
}

#[test]
fn barrier_arrivals_happen_before_departures() {
    assert_eq!(barrier(true), 0);
    assert_eq!(barrier(false), 1);
}

#[test]
fn condvar_orders_through_its_mutex() {
    let g = guard();
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let cell = Arc::new(RaceCell::new(0));
    let (p2, c2) = (pair.clone(), cell.clone());
    let t = vigil::thread::spawn(move || {
        c2.set(1);
        *p2.0.lock().unwrap() = true;
        p2.1.notify_one();
    });
    let ready = pair.1.wait_while(pair.0.lock().unwrap(), |r| !*r).unwrap();
    assert!(*ready);
    assert_eq!(cell.get(), 1);
    drop(ready);
    t.join().unwrap();
    assert_eq!(races_of(g), 0);
}
