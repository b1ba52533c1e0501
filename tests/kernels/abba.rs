//! AB-BA: two locks taken in opposite orders by two threads (and the lucky
//! run that got away with it, which is still reported as a lock-order inversion).

use super::harness::{Expect, Kernel};
use vigil::report::DeadlockKind;
use vigil::sync::{Arc, Barrier, Mutex};
use vigil::thread;

const SRC: &str = include_str!("abba.rs");

fn k(name: &'static str, expect: DeadlockKind, buggy: fn(), fixed: fn()) -> Kernel {
    Kernel {
        name,
        category: "AB-BA deadlock",
        source: SRC,
        file: "abba.rs",
        expect: Expect::Deadlock(expect),
        buggy,
        fixed,
    }
}

pub fn kernels() -> Vec<Kernel> {
    vec![
        k("two_threads_opposite_order", DeadlockKind::Cycle, opposite_bug, opposite_fixed),
        k("bank_transfer_both_ways", DeadlockKind::Cycle, transfer_bug, transfer_fixed),
        k("three_lock_ring", DeadlockKind::Cycle, ring_bug, ring_fixed),
        k("lucky_run_inverted_order", DeadlockKind::LockOrder, lucky_bug, lucky_fixed),
    ]
}

fn opposite_bug() {
    let a = Arc::new(Mutex::named("config", 0));
    let b = Arc::new(Mutex::named("stats", 0));
    let barrier = Arc::new(Barrier::new(2));
    let (a2, b2, bar2) = (a.clone(), b.clone(), barrier.clone());
    let t1 = thread::spawn(move || {
        let _ga = a2.lock().unwrap();
        bar2.wait();
        let _gb = b2.lock().unwrap();
    });
    let t2 = thread::spawn(move || {
        let _gb = b.lock().unwrap();
        barrier.wait();
        let _ga = a.lock().unwrap();
    });
    let _ = t1.join();
    let _ = t2.join();
}

fn opposite_fixed() {
    let a = Arc::new(Mutex::named("config", 0));
    let b = Arc::new(Mutex::named("stats", 0));
    let (a2, b2) = (a.clone(), b.clone());
    let t1 = thread::spawn(move || {
        let _ga = a2.lock().unwrap();
        let _gb = b2.lock().unwrap();
    });
    let t2 = thread::spawn(move || {
        let _ga = a.lock().unwrap();
        let _gb = b.lock().unwrap();
    });
    let _ = t1.join();
    let _ = t2.join();
}

struct Account {
    balance: Mutex<i64>,
}

fn transfer(from: &Account, to: &Account, amount: i64, between: &dyn Fn()) {
    let mut f = from.balance.lock().unwrap();
    between();
    let mut t = to.balance.lock().unwrap();
    *f -= amount;
    *t += amount;
}

fn accounts() -> (Arc<Account>, Arc<Account>) {
    (
        Arc::new(Account { balance: Mutex::named("alice", 100) }),
        Arc::new(Account { balance: Mutex::named("bob", 100) }),
    )
}

fn transfer_bug() {
    let (alice, bob) = accounts();
    let barrier = Arc::new(Barrier::new(2));
    let (al, bo, bar) = (alice.clone(), bob.clone(), barrier.clone());
    let t = thread::spawn(move || {
        transfer(&al, &bo, 10, &|| {
            bar.wait();
        })
    });
    transfer(&bob, &alice, 5, &|| {
        barrier.wait();
    });
    let _ = t.join();
}

fn transfer_fixed() {
    // Lock in a global order (by name) whatever the direction.
    fn ordered(from: &Account, to: &Account, amount: i64, from_first: bool) {
        let (first, second) = if from_first { (from, to) } else { (to, from) };
        let mut g1 = first.balance.lock().unwrap();
        let mut g2 = second.balance.lock().unwrap();
        let (f, t) = if from_first { (&mut *g1, &mut *g2) } else { (&mut *g2, &mut *g1) };
        *f -= amount;
        *t += amount;
    }
    let (alice, bob) = accounts();
    let (al, bo) = (alice.clone(), bob.clone());
    let t = thread::spawn(move || ordered(&al, &bo, 10, true));
    ordered(&bob, &alice, 5, false);
    let _ = t.join();
}

fn ring(bug: bool) {
    let locks: Vec<Arc<Mutex<u8>>> =
        ["ring-0", "ring-1", "ring-2"].iter().map(|n| Arc::new(Mutex::named(*n, 0))).collect();
    let barrier = Arc::new(Barrier::new(3));
    let handles: Vec<_> = (0..3)
        .map(|i| {
            let (first, second) = if bug || i < 2 { (i, (i + 1) % 3) } else { (0, 2) };
            let (l1, l2, bar) = (locks[first].clone(), locks[second].clone(), barrier.clone());
            thread::spawn(move || {
                if bug {
                    let _g1 = l1.lock().unwrap();
                    bar.wait();
                    let _g2 = l2.lock().unwrap();
                } else {
                    let _g1 = l1.lock().unwrap();
                    let _g2 = l2.lock().unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
}

fn ring_bug() {
    ring(true)
}

fn ring_fixed() {
    ring(false)
}

fn lucky(invert: bool) {
    let a = Arc::new(Mutex::named("index", 0));
    let b = Arc::new(Mutex::named("journal", 0));
    let (a2, b2) = (a.clone(), b.clone());
    thread::spawn(move || {
        let _ga = a2.lock().unwrap();
        let _gb = b2.lock().unwrap();
    })
    .join()
    .unwrap();
    // Runs after the first thread finished: no deadlock this time.
    thread::spawn(move || {
        if invert {
            let _gb = b.lock().unwrap();
            let _ga = a.lock().unwrap();
        } else {
            let _ga = a.lock().unwrap();
            let _gb = b.lock().unwrap();
        }
    })
    .join()
    .unwrap();
}

fn lucky_bug() {
    lucky(true)
}

fn lucky_fixed() {
    lucky(false)
}
