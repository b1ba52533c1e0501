//! Condition variables: the lost wakeup, notify_one where all waiters needed
//! waking, and a condvar waiting on state a channel message should have set.

use super::harness::{Expect, Kernel};
use super::until;
use vigil::report::{Op, ResourceKind};
use vigil::sync::{Arc, Condvar, Mutex};
use vigil::thread;

const SRC: &str = include_str!("condvar.rs");

fn k(name: &'static str, buggy: fn(), fixed: fn()) -> Kernel {
    Kernel {
        name,
        category: "condvar",
        source: SRC,
        file: "condvar.rs",
        expect: Expect::Leak { op: Op::CondvarWait, kind: Some(ResourceKind::Condvar), name: None },
        buggy,
        fixed,
    }
}

pub fn kernels() -> Vec<Kernel> {
    vec![
        k("lost_wakeup_without_predicate", lost_bug, lost_fixed),
        k("notify_one_for_two_waiters", notify_bug, notify_fixed),
        k("condvar_waits_for_a_message_never_sent", message_bug, message_fixed),
    ]
}

type Signal = Arc<(Mutex<bool>, Condvar)>;

fn signal() -> Signal {
    Arc::new((Mutex::named("ready", false), Condvar::new()))
}

fn lost(fixed: bool) {
    let s = signal();
    {
        *s.0.lock().unwrap() = true;
        s.1.notify_all(); // nobody waits yet: the wakeup is lost
    }
    let s2 = s.clone();
    let waiter = thread::spawn(move || {
        let mut ready = s2.0.lock().unwrap();
        if fixed {
            while !*ready {
                ready = s2.1.wait(ready).unwrap();
            }
        } else {
            ready = s2.1.wait(ready).unwrap(); // waits without checking the state first
        }
        drop(ready);
    });
    if fixed {
        waiter.join().unwrap();
    }
}

fn lost_bug() {
    lost(false)
}

fn lost_fixed() {
    lost(true)
}

fn notify(all: bool) {
    let s: Arc<(Mutex<(bool, usize)>, Condvar)> =
        Arc::new((Mutex::named("gate", (false, 0)), Condvar::new()));
    let waiters: Vec<_> = (0..2)
        .map(|_| {
            let s = s.clone();
            thread::spawn(move || {
                let mut st = s.0.lock().unwrap();
                st.1 += 1;
                while !st.0 {
                    st = s.1.wait(st).unwrap();
                }
                st.1 -= 1;
                if st.1 == 1 && !all {
                    // The first one out forgets to pass the wakeup on.
                }
                drop(st);
            })
        })
        .collect();
    until(|| s.0.lock().unwrap().1 == 2);
    {
        let mut st = s.0.lock().unwrap();
        st.0 = true;
        st.1 = st.1.max(2);
    }
    if all {
        s.1.notify_all();
        for w in waiters {
            w.join().unwrap();
        }
    } else {
        s.1.notify_one(); // only one of the two waiters wakes
    }
}

fn notify_bug() {
    notify(false)
}

fn notify_fixed() {
    notify(true)
}

fn message(sent: bool) {
    let s = signal();
    let (tx, rx) = vigil::channel::bounded_named::<()>("start", 1);
    let s2 = s.clone();
    thread::spawn(move || {
        if rx.recv().is_ok() {
            *s2.0.lock().unwrap() = true;
            s2.1.notify_all();
        }
    });
    let s3 = s.clone();
    let waiter = thread::spawn(move || {
        let mut ready = s3.0.lock().unwrap();
        while !*ready {
            ready = s3.1.wait(ready).unwrap();
        }
    });
    if sent {
        tx.send(()).unwrap();
        waiter.join().unwrap();
    } else {
        std::mem::forget(tx); // the start message is never sent
    }
}

fn message_bug() {
    message(false)
}

fn message_fixed() {
    message(true)
}
