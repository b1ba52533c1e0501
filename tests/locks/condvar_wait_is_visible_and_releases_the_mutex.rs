//! A worker waiting on a `Condvar` is shown blocked in `condvar_wait`, its
//! mutex is released in the books while it waits, and it is woken by
//! `notify_one`/`notify_all`; timeouts behave as std's.
#![cfg(feature = "detect")]
use crate::common;

use std::time::Duration;
use vigil::report::Op;
use vigil::sync::{Arc, Condvar, Mutex};

#[test]
fn waiter_is_blocked_in_condvar_wait_and_mutex_is_free() {
    let pair = Arc::new((Mutex::named("cv-mutex", false), Condvar::new()));
    let p = pair.clone();
    let h = vigil::thread::Builder::new()
        .name("cv-waiter".into())
        .spawn(move || {
            let (m, cv) = &*p;
            let g = cv.wait_while(m.lock().unwrap(), |ready| !*ready).unwrap();
            assert!(*g);
        })
        .unwrap();
    common::wait_blocked("cv-waiter");
    let snap = vigil::check::snapshot();
    let b = common::worker_named(&snap, "cv-waiter").unwrap().blocked_on.unwrap();
    assert_eq!(b.op, Op::CondvarWait);
    assert!(b.resources.iter().any(|r| r.name == "cv-mutex"), "{b:?}");
    // The waiter released the mutex: nobody owns it, and we can take it.
    assert!(pair.0.stats().owner.is_none());
    *pair.0.lock().unwrap() = true;
    pair.1.notify_one();
    h.join().unwrap();
}

#[test]
fn notify_all_wakes_every_waiter() {
    let pair = Arc::new((Mutex::new(0u32), Condvar::new()));
    let handles: Vec<_> = (0..3)
        .map(|i| {
            let p = pair.clone();
            vigil::thread::Builder::new()
                .name(format!("all-{i}"))
                .spawn(move || {
                    let (m, cv) = &*p;
                    let mut g = m.lock().unwrap();
                    while *g == 0 {
                        g = cv.wait(g).unwrap();
                    }
                    *g += 1;
                })
                .unwrap()
        })
        .collect();
    for i in 0..3 {
        common::wait_blocked(&format!("all-{i}"));
    }
    *pair.0.lock().unwrap() = 1;
    pair.1.notify_all();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(*pair.0.lock().unwrap(), 4);
}

#[test]
fn timeouts_match_std() {
    let m = Mutex::new(0);
    let cv = Condvar::new();
    let (g, r) = cv.wait_timeout(m.lock().unwrap(), Duration::from_millis(5)).unwrap();
    assert!(r.timed_out());
    let (g, r) = cv.wait_timeout_while(g, Duration::from_millis(5), |n| *n == 0).unwrap();
    assert!(r.timed_out());
    let (g, r) = cv.wait_timeout_while(g, Duration::from_secs(5), |n| *n != 0).unwrap();
    assert!(!r.timed_out());
    drop(g);
    assert_eq!(m.stats().owner, None);
}

#[test]
fn condvar_wait_on_a_poisoned_mutex_returns_err_like_std() {
    let pair = Arc::new((Mutex::new(()), Condvar::new()));
    let p = pair.clone();
    let g = pair.0.lock().unwrap();
    let h = vigil::thread::spawn(move || {
        let _g = p.0.lock().unwrap();
        p.1.notify_all();
        panic!("poison while the waiter sleeps");
    });
    let r = pair.1.wait_timeout(g, Duration::from_secs(20));
    let _ = h.join();
    assert!(r.is_err(), "the mutex was poisoned while waiting");
}
