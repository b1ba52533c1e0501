//! Happens-before edges from locks, each with a twin: unlock → the next
//! lock; `RwLock` write-unlock → later read and write locks, read-unlock →
//! the next write lock (concurrent readers stay unordered with each other);
//! `Condvar` through its mutex.

use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::time::Duration;
use vigil::race::RaceCell;
use vigil::report::RaceKind;
use vigil::sync::{Condvar, Mutex, RwLock};

fn guard() -> vigil::check::Guard {
    vigil::check::guard().grace(Duration::from_millis(300))
}

fn races(g: vigil::check::Guard) -> Vec<vigil::report::RaceReport> {
    g.check().races
}

// === Mutex ===

fn mutex_counter(outside_the_lock: bool) -> Vec<vigil::report::RaceReport> {
    let g = guard();
    let lock = Arc::new(Mutex::new(()));
    let count = Arc::new(RaceCell::new(0u32));
    let workers: Vec<_> = (0..2)
        .map(|i| {
            let (lock, count) = (lock.clone(), count.clone());
            vigil::thread::spawn(move || {
                for _ in 0..50 {
                    if outside_the_lock && i == 1 {
                        // The bug: this worker forgot the lock.
                        count.set(count.get() + 1);
                    } else {
                        let _held = lock.lock().unwrap();
                        count.set(count.get() + 1);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let _ = count.get();
    races(g)
}

#[test]
fn unlock_happens_before_the_next_lock() {
    let r = mutex_counter(false);
    assert!(r.is_empty(), "{r:?}");
}

#[test]
fn an_access_outside_the_lock_is_reported() {
    let r = mutex_counter(true);
    assert!(!r.is_empty());
    assert!(r.len() <= 4, "{r:?}");
    assert!(r.iter().all(|r| r.current.thread.id != r.previous.thread.id));
}

#[test]
fn a_write_after_unlock_races_with_the_next_holder() {
    let g = guard();
    let lock = Arc::new(Mutex::new(0u32));
    let cell = Arc::new(RaceCell::new(0u32));
    let (tx, rx) = std_mpsc::channel::<()>();
    let (l, c) = (lock.clone(), cell.clone());
    let t = vigil::thread::spawn(move || {
        *l.lock().unwrap() += 1;
        c.set(1); // after the unlock: not covered by the next lock
        tx.send(()).unwrap();
    });
    rx.recv().unwrap();
    let _held = lock.lock().unwrap();
    let _ = cell.get();
    drop(_held);
    t.join().unwrap();
    let r = races(g);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].kind, RaceKind::WriteRead);
}

// === RwLock ===

#[test]
fn write_unlock_happens_before_later_read_locks() {
    let g = guard();
    let lock = Arc::new(RwLock::new(()));
    let cell = Arc::new(RaceCell::new(0u32));
    {
        let _w = lock.write().unwrap();
        cell.set(5);
    }
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (lock, cell) = (lock.clone(), cell.clone());
            vigil::thread::spawn(move || {
                let _r = lock.read().unwrap();
                cell.get()
            })
        })
        .collect();
    for r in readers {
        assert_eq!(r.join().unwrap(), 5);
    }
    let r = races(g);
    assert!(r.is_empty(), "{r:?}");
}

fn reader_then_writer(read_after_unlock: bool) -> Vec<vigil::report::RaceReport> {
    let g = guard();
    let lock = Arc::new(RwLock::new(()));
    let cell = Arc::new(RaceCell::new(0u32));
    let (tx, rx) = std_mpsc::channel::<()>();
    let (go_tx, go_rx) = std_mpsc::channel::<()>();
    let (l, c) = (lock.clone(), cell.clone());
    let reader = vigil::thread::spawn(move || {
        if read_after_unlock {
            drop(l.read().unwrap());
            tx.send(()).unwrap();
            go_rx.recv().unwrap();
            let _ = c.get();
        } else {
            let _r = l.read().unwrap();
            let _ = c.get();
            drop(_r);
            tx.send(()).unwrap();
        }
    });
    rx.recv().unwrap();
    {
        let _w = lock.write().unwrap();
        cell.set(1);
    }
    go_tx.send(()).ok();
    reader.join().unwrap();
    races(g)
}

#[test]
fn read_unlock_happens_before_the_next_write_lock() {
    let r = reader_then_writer(false);
    assert!(r.is_empty(), "{r:?}");
}

#[test]
fn a_read_after_read_unlock_races_with_the_writer() {
    let r = reader_then_writer(true);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].kind, RaceKind::WriteRead);
}

#[test]
fn writes_under_concurrent_read_locks_race() {
    let g = guard();
    let lock = Arc::new(RwLock::new(()));
    let cell = Arc::new(RaceCell::new(0u32));
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let workers: Vec<_> = (0..2)
        .map(|i| {
            let (lock, cell, barrier) = (lock.clone(), cell.clone(), barrier.clone());
            vigil::thread::spawn(move || {
                let _r = lock.read().unwrap();
                barrier.wait(); // both readers hold the lock now
                if i == 0 {
                    cell.set(1); // the bug: a write under a read lock
                }
                barrier.wait();
                if i == 1 {
                    let _ = cell.get();
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let r = races(g);
    assert_eq!(r.len(), 1, "{r:?}");
}

// === Condvar ===

fn condvar_handoff(write_after_notify: bool) -> Vec<vigil::report::RaceReport> {
    let g = guard();
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let cell = Arc::new(RaceCell::new(0u32));
    let (tx, rx) = std_mpsc::channel::<()>();
    let (p, c) = (pair.clone(), cell.clone());
    let producer = vigil::thread::spawn(move || {
        let (lock, cv) = &*p;
        if !write_after_notify {
            c.set(1);
        }
        *lock.lock().unwrap() = true;
        cv.notify_one();
        if write_after_notify {
            c.set(1);
            tx.send(()).unwrap();
        }
    });
    {
        let (lock, cv) = &*pair;
        let mut ready = lock.lock().unwrap();
        while !*ready {
            ready = cv.wait(ready).unwrap();
        }
    }
    if write_after_notify {
        rx.recv().unwrap();
    }
    let _ = cell.get();
    producer.join().unwrap();
    races(g)
}

#[test]
fn condvar_wakeup_is_ordered_through_its_mutex() {
    let r = condvar_handoff(false);
    assert!(r.is_empty(), "{r:?}");
}

#[test]
fn a_write_after_the_notify_races_with_the_waiter() {
    assert_eq!(condvar_handoff(true).len(), 1);
}
