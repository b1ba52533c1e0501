//! RWR: a reader takes the read lock again while a writer waits; with a
//! writer-preferring lock (Go's, std's) the second read waits for the writer,
//! which waits for the first read.

use super::harness::{Expect, Kernel};
use super::until;
use vigil::report::DeadlockKind;
use vigil::sync::{Arc, RwLock};
use vigil::thread;

const SRC: &str = include_str!("rwr.rs");

fn k(name: &'static str, buggy: fn(), fixed: fn()) -> Kernel {
    Kernel {
        name,
        category: "RWR deadlock",
        source: SRC,
        file: "rwr.rs",
        expect: Expect::Deadlock(DeadlockKind::RecursiveRead),
        buggy,
        fixed,
    }
}

pub fn kernels() -> Vec<Kernel> {
    vec![
        k("reread_while_writer_waits", reread_bug, reread_fixed),
        k("nested_getter_reads_again", nested_bug, nested_fixed),
        k("validator_rereads_config", validate_bug, validate_fixed),
    ]
}

/// Starts a writer on `lock` and waits until it is queued behind the readers.
fn queued_writer(lock: &Arc<RwLock<i32>>) -> thread::JoinHandle<()> {
    let l = lock.clone();
    let h = thread::spawn(move || *l.write().unwrap() += 1);
    until(|| lock.waiters() >= 1);
    h
}

fn reread_bug() {
    let lock = Arc::new(RwLock::named("routes", 1));
    let first = lock.read().unwrap();
    let writer = queued_writer(&lock);
    let second = lock.read().unwrap();
    drop((first, second));
    let _ = writer.join();
}

/// Starts a writer on `lock` (nothing holds it, so it need not queue).
fn writer(lock: &Arc<RwLock<i32>>) -> thread::JoinHandle<()> {
    let l = lock.clone();
    thread::spawn(move || *l.write().unwrap() += 1)
}

fn reread_fixed() {
    let lock = Arc::new(RwLock::named("routes", 1));
    let v = *lock.read().unwrap(); // copy out, release, then read again later
    let writer = writer(&lock);
    let w = *lock.read().unwrap();
    assert!(v <= w);
    let _ = writer.join();
}

struct Inventory {
    items: Arc<RwLock<i32>>,
}

impl Inventory {
    fn bonus(&self) -> i32 {
        *self.items.read().unwrap() / 10
    }

    fn total_bug(&self, before_bonus: impl FnOnce()) -> i32 {
        let g = self.items.read().unwrap();
        before_bonus();
        *g + self.bonus() // bonus() read-locks again under `g`
    }

    fn total_fixed(&self, before_bonus: impl FnOnce()) -> i32 {
        let v = *self.items.read().unwrap();
        before_bonus();
        v + self.bonus()
    }
}

fn nested_bug() {
    let inv = Inventory { items: Arc::new(RwLock::named("inventory", 100)) };
    let mut writer = None;
    inv.total_bug(|| writer = Some(queued_writer(&inv.items)));
    if let Some(w) = writer {
        let _ = w.join();
    }
}

fn nested_fixed() {
    let inv = Inventory { items: Arc::new(RwLock::named("inventory", 100)) };
    let mut writer: Option<thread::JoinHandle<()>> = None;
    inv.total_fixed(|| writer = Some(self::writer(&inv.items)));
    if let Some(w) = writer {
        let _ = w.join();
    }
}

fn validate(cfg: &RwLock<i32>) -> bool {
    *cfg.read().unwrap() > 0
}

fn validate_bug() {
    let cfg = Arc::new(RwLock::named("config", 3));
    let g = cfg.read().unwrap();
    let writer = queued_writer(&cfg);
    let ok = validate(&cfg) && *g > 0;
    drop(g);
    assert!(ok);
    let _ = writer.join();
}

fn validate_fixed() {
    let cfg = Arc::new(RwLock::named("config", 3));
    let v = *cfg.read().unwrap();
    let writer = writer(&cfg);
    let _ = writer.join();
    assert!(validate(&cfg) && v > 0);
}
