//! Starvation: a waiter waits past the threshold (Go's 1 ms) while the
//! holder keeps the lock across slow work, or keeps re-acquiring it.

use super::harness::{Expect, Kernel};
use std::time::Duration;
use vigil::sync::{Arc, Mutex, RwLock};
use vigil::thread;

const SRC: &str = include_str!("starvation.rs");

fn k(name: &'static str, lock: &'static str, buggy: fn(), fixed: fn()) -> Kernel {
    Kernel {
        name,
        category: "starvation",
        source: SRC,
        file: "starvation.rs",
        expect: Expect::Starvation { lock },
        buggy,
        fixed,
    }
}

pub fn kernels() -> Vec<Kernel> {
    vec![
        k("slow_work_under_lock", "hot-cache", slow_bug, slow_fixed),
        k("readers_hold_writer_off", "feed", readers_bug, readers_fixed),
        k("barging_reacquire_loop", "ledger", barging_bug, barging_fixed),
    ]
}

fn slow_work() -> u64 {
    std::thread::sleep(Duration::from_millis(20)); // e.g. a disk read
    7
}

fn slow(under_lock: bool) {
    let cache = Arc::new(Mutex::named("hot-cache", 0u64));
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let c = cache.clone();
    let filler = thread::spawn(move || {
        if under_lock {
            let mut g = c.lock().unwrap();
            tx.send(()).unwrap();
            *g = slow_work();
        } else {
            let v = slow_work();
            *c.lock().unwrap() = v;
            tx.send(()).unwrap();
        }
    });
    rx.recv().unwrap();
    let _v = *cache.lock().unwrap();
    filler.join().unwrap();
}

fn slow_bug() {
    slow(true)
}

fn slow_fixed() {
    slow(false)
}

fn readers(overlap: bool) {
    let feed = Arc::new(RwLock::named("feed", vec![1u8]));
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let f = feed.clone();
    let reader = thread::spawn(move || {
        if overlap {
            let g = f.read().unwrap();
            tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(20)); // renders the feed under the read lock
            drop(g);
        } else {
            let copy = f.read().unwrap().clone();
            tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(20)); // renders a copy
            drop(copy);
        }
    });
    rx.recv().unwrap();
    if overlap {
        feed.write().unwrap().push(2);
    }
    reader.join().unwrap();
    if !overlap {
        feed.write().unwrap().push(2);
    }
}

fn readers_bug() {
    readers(true)
}

fn readers_fixed() {
    readers(false)
}

fn barging(hold_across_work: bool) {
    let ledger = Arc::new(Mutex::named("ledger", 0u64));
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let l = ledger.clone();
    let batcher = thread::spawn(move || {
        let mut first = true;
        for _ in 0..5 {
            if hold_across_work {
                let mut g = l.lock().unwrap();
                if first {
                    tx.send(()).unwrap();
                    first = false;
                }
                std::thread::sleep(Duration::from_millis(5));
                *g += 1;
            } else {
                std::thread::sleep(Duration::from_millis(5));
                *l.lock().unwrap() += 1;
            }
        }
        if first {
            tx.send(()).unwrap();
        }
    });
    rx.recv().unwrap();
    if hold_across_work {
        *ledger.lock().unwrap() += 100;
        batcher.join().unwrap();
    } else {
        batcher.join().unwrap();
        *ledger.lock().unwrap() += 100;
    }
}

fn barging_bug() {
    barging(true)
}

fn barging_fixed() {
    barging(false)
}
