//! Double locking: a thread locks what it already holds (the Rust study's most
//! common blocking bug, often through a guard temporary that lives too long).

use super::harness::{Expect, Kernel};
use std::collections::HashMap;
use vigil::report::DeadlockKind;
use vigil::sync::{Mutex, RwLock};

const SRC: &str = include_str!("double_lock.rs");

fn k(name: &'static str, buggy: fn(), fixed: fn()) -> Kernel {
    Kernel {
        name,
        category: "double locking",
        source: SRC,
        file: "double_lock.rs",
        expect: Expect::Deadlock(DeadlockKind::DoubleLock),
        buggy,
        fixed,
    }
}

pub fn kernels() -> Vec<Kernel> {
    vec![
        k("relock_to_write_back", relock_bug, relock_fixed),
        k("match_scrutinee_temporary", match_bug, match_fixed),
        k("rwlock_write_in_helper", helper_bug, helper_fixed),
        k("lock_in_callback", callback_bug, callback_fixed),
    ]
}

fn relock_bug() {
    let cache = Mutex::named("cache", vec![1, 2, 3]);
    let guard = cache.lock().unwrap();
    let n = guard.len();
    cache.lock().unwrap().push(n); // the first guard is still alive
    drop(guard);
}

fn relock_fixed() {
    let cache = Mutex::named("cache", vec![1, 2, 3]);
    let n = cache.lock().unwrap().len();
    cache.lock().unwrap().push(n);
}

fn match_bug() {
    let sessions = Mutex::named("sessions", HashMap::<u32, u32>::new());
    // The scrutinee's guard lives until the end of the match.
    match sessions.lock().unwrap().get(&1) {
        Some(_) => {}
        None => {
            sessions.lock().unwrap().insert(1, 1);
        }
    };
}

fn match_fixed() {
    let sessions = Mutex::named("sessions", HashMap::<u32, u32>::new());
    let present = sessions.lock().unwrap().contains_key(&1);
    if !present {
        sessions.lock().unwrap().insert(1, 1);
    }
}

struct Lru {
    entries: RwLock<Vec<String>>,
}

impl Lru {
    fn touch(&self) {
        self.entries.write().unwrap().rotate_left(1);
    }

    fn insert_bug(&self, s: String) {
        let mut g = self.entries.write().unwrap();
        g.push(s);
        self.touch(); // write-locks again while `g` is held
    }

    fn insert_fixed(&self, s: String) {
        {
            let mut g = self.entries.write().unwrap();
            g.push(s);
        }
        self.touch();
    }
}

fn helper_bug() {
    let lru = Lru { entries: RwLock::named("lru", vec!["a".into()]) };
    lru.insert_bug("b".into());
}

fn helper_fixed() {
    let lru = Lru { entries: RwLock::named("lru", vec!["a".into()]) };
    lru.insert_fixed("b".into());
}

fn with_each(m: &Mutex<Vec<u32>>, f: impl Fn(u32)) {
    for v in m.lock().unwrap().iter() {
        f(*v);
    }
}

fn callback_bug() {
    let m = Mutex::named("listeners", vec![1, 2]);
    with_each(&m, |v| {
        if v == 2 {
            m.lock().unwrap().retain(|x| *x != v); // the callback re-enters the lock
        }
    });
}

fn callback_fixed() {
    let m = Mutex::named("listeners", vec![1, 2]);
    let snapshot = m.lock().unwrap().clone();
    for v in snapshot {
        if v == 2 {
            m.lock().unwrap().retain(|x| *x != v);
        }
    }
}
