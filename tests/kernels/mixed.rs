//! Mixed: a lock held across a blocking operation that needs the lock's
//! other users to make progress.

use super::harness::{Expect, Kernel};
use vigil::report::{Op, ResourceKind};
use vigil::sync::{Arc, Mutex, WaitGroup};
use vigil::thread;

const SRC: &str = include_str!("mixed.rs");

fn k(name: &'static str, expect: Expect, buggy: fn(), fixed: fn()) -> Kernel {
    Kernel { name, category: "mixed", source: SRC, file: "mixed.rs", expect, buggy, fixed }
}

pub fn kernels() -> Vec<Kernel> {
    vec![
        k(
            "lock_held_while_sending_on_full_channel",
            Expect::Leak { op: Op::Send, kind: Some(ResourceKind::Channel), name: Some("events") },
            send_bug,
            send_fixed,
        ),
        k(
            "lock_held_while_joining",
            Expect::Leak { op: Op::Lock, kind: Some(ResourceKind::Mutex), name: Some("registry") },
            join_bug,
            join_fixed,
        ),
        k(
            "lock_held_while_waiting_for_group",
            Expect::Leak { op: Op::Lock, kind: Some(ResourceKind::Mutex), name: Some("totals") },
            group_bug,
            group_fixed,
        ),
    ]
}

fn send(fixed: bool) {
    let state = Arc::new(Mutex::named("state", 0u32));
    let (tx, rx) = vigil::channel::bounded_named::<u32>("events", 1);
    let st = state.clone();
    let consumer = thread::spawn(move || {
        for ev in rx.iter() {
            *st.lock().unwrap() += ev; // needs the lock to handle each event
        }
    });
    if fixed {
        for ev in 1..=3 {
            *state.lock().unwrap() += 1;
            tx.send(ev).unwrap(); // sent after the lock is released
        }
        drop(tx);
        consumer.join().unwrap();
    } else {
        let mut g = state.lock().unwrap();
        for ev in 1..=3 {
            *g += 1;
            // The consumer can take one event, then waits for `g`; the queue
            // holds one more; the third send blocks with the lock held.
            tx.send(ev).unwrap();
        }
        drop(g);
    }
}

fn send_bug() {
    send(false)
}

fn send_fixed() {
    send(true)
}

fn join(fixed: bool) {
    let registry = Arc::new(Mutex::named("registry", Vec::<u32>::new()));
    let r = registry.clone();
    let g = registry.lock().unwrap();
    let worker = thread::spawn(move || r.lock().unwrap().push(1));
    if fixed {
        drop(g);
        worker.join().unwrap();
    } else {
        let _ = worker.join(); // waits for a worker that waits for `g`
        drop(g);
    }
}

fn join_bug() {
    join(false)
}

fn join_fixed() {
    join(true)
}

fn group(fixed: bool) {
    let totals = Arc::new(Mutex::named("totals", 0u64));
    let wg = Arc::new(WaitGroup::new());
    let g = totals.lock().unwrap();
    for i in 0..2 {
        wg.add(1);
        let (t, w) = (totals.clone(), wg.clone());
        thread::spawn(move || {
            *t.lock().unwrap() += i;
            w.done();
        });
    }
    if fixed {
        drop(g);
        wg.wait();
    } else {
        wg.wait(); // the workers need `totals`
        drop(g);
    }
}

fn group_bug() {
    group(false)
}

fn group_fixed() {
    group(true)
}
