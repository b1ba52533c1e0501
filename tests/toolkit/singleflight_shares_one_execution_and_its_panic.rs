//! Concurrent `SingleFlight::work` calls with one key share one execution;
//! if it panics, every waiting caller panics too. Different keys run apart.
use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use vigil::sync::SingleFlight;

#[test]
fn waiters_share_the_leaders_result() {
    let group = Arc::new(SingleFlight::<&'static str, u32>::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    let (g, r) = (group.clone(), runs.clone());
    let leader = vigil::thread::Builder::new()
        .name("sf-leader".into())
        .spawn(move || {
            g.work("k", || {
                r.fetch_add(1, Ordering::SeqCst);
                started_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                7
            })
        })
        .unwrap();
    started_rx.recv().unwrap();
    let followers: Vec<_> = (0..3)
        .map(|i| {
            let (g, r) = (group.clone(), runs.clone());
            vigil::thread::Builder::new()
                .name(format!("sf-follower-{i}"))
                .spawn(move || {
                    g.work("k", || {
                        r.fetch_add(1, Ordering::SeqCst);
                        0
                    })
                })
                .unwrap()
        })
        .collect();
    for i in 0..3 {
        common::wait_blocked(&format!("sf-follower-{i}"));
    }
    release_tx.send(()).unwrap();
    assert_eq!(leader.join().unwrap(), 7);
    for f in followers {
        assert_eq!(f.join().unwrap(), 7);
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[test]
fn a_panic_in_the_work_reaches_every_waiter() {
    let group = Arc::new(SingleFlight::<u8, u8>::new());
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    let g = group.clone();
    let leader = vigil::thread::Builder::new()
        .name("sf-panicking-leader".into())
        .spawn(move || {
            g.work(1, || {
                started_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                panic!("backend exploded")
            })
        })
        .unwrap();
    started_rx.recv().unwrap();
    let g = group.clone();
    let follower = vigil::thread::Builder::new()
        .name("sf-panicking-follower".into())
        .spawn(move || g.work(1, || 0))
        .unwrap();
    common::wait_blocked("sf-panicking-follower");
    release_tx.send(()).unwrap();
    assert!(leader.join().is_err());
    let payload = follower.join().expect_err("the follower must panic too");
    let msg = payload.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("backend exploded"), "{msg}");
    // The key is free again afterwards.
    assert_eq!(group.work(1, || 5), 5);
}

#[test]
fn different_keys_run_separately() {
    let group = Arc::new(SingleFlight::<u8, u8>::new());
    let barrier = Arc::new(Barrier::new(2));
    let hs: Vec<_> = (0..2u8)
        .map(|k| {
            let (g, b) = (group.clone(), barrier.clone());
            vigil::thread::spawn(move || {
                g.work(k, || {
                    b.wait(); // both run at once, or this never returns
                    k
                })
            })
        })
        .collect();
    let got: Vec<u8> = hs.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(got, vec![0, 1]);
}
