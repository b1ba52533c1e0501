//! WaitGroup misuse: `add` racing with `wait`, too few `done`s, and a
//! negative counter (Go's fatal "sync: negative WaitGroup counter").

use super::harness::{Expect, Kernel};
use vigil::report::{DeadlockKind, Op};
use vigil::sync::{Arc, WaitGroup};
use vigil::thread;

const SRC: &str = include_str!("waitgroup.rs");

fn k(name: &'static str, expect: Expect, buggy: fn(), fixed: fn()) -> Kernel {
    Kernel { name, category: "WaitGroup misuse", source: SRC, file: "waitgroup.rs", expect, buggy, fixed }
}

pub fn kernels() -> Vec<Kernel> {
    vec![
        k(
            "add_inside_the_goroutine",
            Expect::Deadlock(DeadlockKind::WaitgroupMisuse),
            add_inside_bug,
            add_inside_fixed,
        ),
        k(
            "done_called_too_few_times",
            Expect::Leak { op: Op::WaitgroupWait, kind: None, name: None },
            too_few_bug,
            too_few_fixed,
        ),
        k("done_called_twice", Expect::Panic { contains: "negative" }, negative_bug, negative_fixed),
    ]
}

fn add_inside(fixed: bool) {
    let wg = Arc::new(WaitGroup::new());
    let (tx, rx) = vigil::channel::bounded::<()>(0);
    if fixed {
        wg.add(1);
    }
    let w = wg.clone();
    let worker = thread::spawn(move || {
        let _ = rx.recv(); // starts after the caller already waited
        if !fixed {
            w.add(1); // Go: "WaitGroup is reused before previous Wait has returned" / Add racing Wait
        }
        w.done();
    });
    if fixed {
        let _ = tx.send(());
        wg.wait();
    } else {
        wg.wait(); // counter is 0: returns at once, before the worker's add
        let _ = tx.send(());
    }
    worker.join().unwrap();
}

fn add_inside_bug() {
    add_inside(false)
}

fn add_inside_fixed() {
    add_inside(true)
}

fn too_few(all: bool) {
    let wg = Arc::new(WaitGroup::new());
    wg.add(2);
    for i in 0..2 {
        let w = wg.clone();
        thread::spawn(move || {
            if all || i == 0 {
                w.done(); // the second worker returns early on an error path without done()
            }
        });
    }
    wg.wait();
}

fn too_few_bug() {
    too_few(false)
}

fn too_few_fixed() {
    too_few(true)
}

fn negative(twice: bool) {
    let wg = WaitGroup::new();
    wg.add(1);
    wg.done();
    if twice {
        wg.done(); // one done too many
    }
    wg.wait();
}

fn negative_bug() {
    negative(true)
}

fn negative_fixed() {
    negative(false)
}
