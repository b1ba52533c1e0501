//! Order violations through relaxed atomics: data published with a Relaxed
//! flag, double-checked initialisation with Relaxed loads, and a Relaxed
//! "done" counter used as a completion signal.

use super::harness::{Expect, Kernel};
use vigil::race::RaceCell;
use vigil::report::RaceKind;
use vigil::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use vigil::sync::{Arc, Mutex};
use vigil::thread;

const SRC: &str = include_str!("relaxed.rs");

fn k(name: &'static str, sites: [&'static str; 2], buggy: fn(), fixed: fn()) -> Kernel {
    Kernel {
        name,
        category: "relaxed-atomic order violation",
        source: SRC,
        file: "relaxed.rs",
        expect: Expect::Race { kind: Some(RaceKind::WriteRead), sites },
        buggy,
        fixed,
    }
}

pub fn kernels() -> Vec<Kernel> {
    vec![
        k("relaxed_flag_publication", ["pub-write", "pub-read"], publish_bug, publish_fixed),
        k("double_checked_init_relaxed", ["dcl-init", "dcl-fast-read"], dcl_bug, dcl_fixed),
        k("relaxed_done_counter", ["result-write", "result-read"], done_bug, done_fixed),
    ]
}

fn spin_until(cond: impl Fn() -> bool) {
    while !cond() {
        std::hint::spin_loop();
        std::thread::yield_now();
    }
}

fn publish(store: Ordering, load: Ordering) {
    let data = Arc::new(RaceCell::new(0u64));
    let ready = Arc::new(AtomicBool::new(false));
    let (d, r) = (data.clone(), ready.clone());
    let producer = thread::spawn(move || {
        d.set(42); // SITE:pub-write
        r.store(true, store);
    });
    spin_until(|| ready.load(load));
    assert_eq!(data.get(), 42); // SITE:pub-read
    producer.join().unwrap();
}

fn publish_bug() {
    publish(Ordering::Relaxed, Ordering::Relaxed)
}

fn publish_fixed() {
    publish(Ordering::Release, Ordering::Acquire)
}

struct Lazy {
    ready: AtomicBool,
    lock: Mutex<()>,
    value: RaceCell<u64>,
}

impl Lazy {
    fn get(&self, load: Ordering, store: Ordering) -> u64 {
        if self.ready.load(load) {
            return self.value.get(); // SITE:dcl-fast-read
        }
        let _g = self.lock.lock().unwrap();
        if !self.ready.load(Ordering::Relaxed) {
            self.value.set(42); // SITE:dcl-init
            self.ready.store(true, store);
        }
        self.value.get()
    }
}

fn dcl(load: Ordering, store: Ordering) {
    let lazy = Arc::new(Lazy {
        ready: AtomicBool::new(false),
        lock: Mutex::named("dcl-lock", ()),
        value: RaceCell::new(0),
    });
    // A plain std channel orders the threads in real time without a
    // happens-before edge vigil can see: only the atomics can provide one.
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let l1 = lazy.clone();
    let first = thread::spawn(move || {
        l1.get(load, store);
        tx.send(()).unwrap();
    });
    let l2 = lazy.clone();
    let second = thread::spawn(move || {
        rx.recv().unwrap();
        assert_eq!(l2.get(load, store), 42);
    });
    first.join().unwrap();
    second.join().unwrap();
}

fn dcl_bug() {
    dcl(Ordering::Relaxed, Ordering::Relaxed)
}

fn dcl_fixed() {
    dcl(Ordering::Acquire, Ordering::Release)
}

fn done(rmw: Ordering, load: Ordering) {
    let results: Arc<Vec<RaceCell<u64>>> = Arc::new((0..2).map(|_| RaceCell::new(0)).collect());
    let finished = Arc::new(AtomicUsize::new(0));
    for i in 0..2 {
        let (r, f) = (results.clone(), finished.clone());
        thread::spawn(move || {
            r[i].set(i as u64 + 1); // SITE:result-write
            f.fetch_add(1, rmw);
        });
    }
    spin_until(|| finished.load(load) == 2);
    let total: u64 = results.iter().map(|c| c.get()).sum(); // SITE:result-read
    assert_eq!(total, 3);
}

fn done_bug() {
    done(Ordering::Relaxed, Ordering::Relaxed)
}

fn done_fixed() {
    done(Ordering::Release, Ordering::Acquire)
}
