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

/// Go's classic: `wg.Add(1)` inside the goroutine instead of before `go`.
/// The interleaving is staged with std channels, which give vigil no
/// happens-before edge: only the WaitGroup's own ordering counts.
fn add_inside(fixed: bool) {
    let wg = Arc::new(WaitGroup::named("batch"));
    let (added_tx, added_rx) = std::sync::mpsc::channel::<()>();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    if fixed {
        wg.add(1);
    }
    let w = wg.clone();
    let worker = thread::spawn(move || {
        if !fixed {
            w.add(1); // races with the caller's wait
        }
        let _ = added_tx.send(());
        let _ = go_rx.recv();
        w.done();
    });
    added_rx.recv().unwrap();
    // Release the worker once the caller is waiting.
    std::thread::spawn(move || {
        super::until(|| {
            vigil::check::snapshot().workers.iter().any(|w| {
                w.blocked_on.as_ref().is_some_and(|b| {
                    b.op == Op::WaitgroupWait && b.resources.iter().any(|r| r.name == "batch")
                })
            })
        });
        let _ = go_tx.send(());
    });
    wg.wait();
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
