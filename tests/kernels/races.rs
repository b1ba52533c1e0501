//! Data races through `RaceCell` and annotated raw memory, including Go's
//! "ice cream maker": a two-word value written by two threads without
//! synchronisation, so a reader can see one maker's name with the other's greeting.

use super::harness::{Expect, Kernel};
use vigil::race::RaceCell;
use vigil::report::RaceKind;
use vigil::sync::{Arc, Mutex, OnceLock};
use vigil::thread;

const SRC: &str = include_str!("races.rs");

fn k(
    name: &'static str,
    kind: Option<RaceKind>,
    sites: [&'static str; 2],
    buggy: fn(),
    fixed: fn(),
) -> Kernel {
    Kernel {
        name,
        category: "data race",
        source: SRC,
        file: "races.rs",
        expect: Expect::Race { kind, sites },
        buggy,
        fixed,
    }
}

pub fn kernels() -> Vec<Kernel> {
    vec![
        k("unsynchronized_counter", None, ["worker-inc", "main-inc"], counter_bug, counter_fixed),
        k("ice_cream_maker", Some(RaceKind::WriteWrite), ["ben", "jerry"], maker_bug, maker_fixed),
        k("raw_pointer_shared_without_join", None, ["raw-write", "raw-read"], raw_bug, raw_fixed),
        k("lazy_init_checked_twice", None, ["lazy-check", "lazy-set"], lazy_bug, lazy_fixed),
    ]
}

fn counter(locked: bool) {
    let hits = Arc::new(RaceCell::new(0u64));
    let lock = Arc::new(Mutex::named("hits-lock", ()));
    let (h2, l2) = (hits.clone(), lock.clone());
    let t = thread::spawn(move || {
        let _g = locked.then(|| l2.lock().unwrap());
        h2.set(h2.get() + 1); // SITE:worker-inc
    });
    {
        let _g = locked.then(|| lock.lock().unwrap());
        hits.set(hits.get() + 1); // SITE:main-inc
    }
    t.join().unwrap();
}

fn counter_bug() {
    counter(false)
}

fn counter_fixed() {
    counter(true)
}

/// An interface value: (type word, data word).
#[derive(Clone, Copy, PartialEq, Debug)]
struct Maker {
    kind: u8,
    name: &'static str,
}

const BEN: Maker = Maker { kind: 0, name: "Ben" };
const JERRY: Maker = Maker { kind: 1, name: "Jerry" };

fn maker(locked: bool) {
    let maker = Arc::new(RaceCell::new(BEN));
    let lock = Arc::new(Mutex::named("maker-lock", ()));
    let (m1, l1) = (maker.clone(), lock.clone());
    let ben = thread::spawn(move || {
        for _ in 0..3 {
            let _g = locked.then(|| l1.lock().unwrap());
            m1.set(BEN); // SITE:ben
        }
    });
    let (m2, l2) = (maker.clone(), lock.clone());
    let jerry = thread::spawn(move || {
        for _ in 0..3 {
            let _g = locked.then(|| l2.lock().unwrap());
            m2.set(JERRY); // SITE:jerry
        }
    });
    ben.join().unwrap();
    jerry.join().unwrap();
    let last = maker.get();
    assert!(last == BEN || last == JERRY);
}

fn maker_bug() {
    maker(false)
}

fn maker_fixed() {
    maker(true)
}

struct SharedPtr(*const std::sync::atomic::AtomicU64);
// SAFETY: the pointee is leaked (lives forever) and accessed only atomically;
// the kernel's bug is the missing happens-before, which vigil's annotations report.
unsafe impl Send for SharedPtr {}

fn raw(joined: bool) {
    let slot: &'static std::sync::atomic::AtomicU64 =
        Box::leak(Box::new(std::sync::atomic::AtomicU64::new(0)));
    let p = SharedPtr(slot as *const _);
    let t = thread::spawn(move || {
        let p = p;
        vigil::race::write(p.0); // SITE:raw-write
                                 // SAFETY: the pointee is a leaked AtomicU64, valid forever.
        unsafe { (*p.0).store(7, std::sync::atomic::Ordering::Relaxed) };
    });
    let t = if joined {
        t.join().unwrap();
        None
    } else {
        Some(t)
    };
    vigil::race::read(slot as *const std::sync::atomic::AtomicU64); // SITE:raw-read
    let _ = slot.load(std::sync::atomic::Ordering::Relaxed);
    if let Some(t) = t {
        t.join().unwrap();
    }
}

fn raw_bug() {
    raw(false)
}

fn raw_fixed() {
    raw(true)
}

fn lazy_bug() {
    let cell = Arc::new(RaceCell::new(None::<u32>));
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let c = cell.clone();
            thread::spawn(move || {
                let empty = c.get().is_none(); // SITE:lazy-check
                if empty {
                    c.set(Some(i)); // SITE:lazy-set
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

fn lazy_fixed() {
    let once = Arc::new(OnceLock::new());
    let cell = Arc::new(RaceCell::new(0u32));
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let (o, c) = (once.clone(), cell.clone());
            thread::spawn(move || {
                o.get_or_init(|| {
                    c.set(i);
                });
                let _ = c.get();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}
