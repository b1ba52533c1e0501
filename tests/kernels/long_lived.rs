//! Long-lived workers nobody stops: a ticker loop, a worker pool never shut
//! down, a background flusher without a stop signal.

use super::harness::{Expect, Kernel};
use std::time::Duration;
use vigil::report::{Op, ResourceKind};
use vigil::sync::atomic::{AtomicBool, Ordering};
use vigil::sync::Arc;
use vigil::thread;

const SRC: &str = include_str!("long_lived.rs");

fn k(name: &'static str, expect: Expect, buggy: fn(), fixed: fn()) -> Kernel {
    Kernel {
        name,
        category: "long-lived worker leak",
        source: SRC,
        file: "long_lived.rs",
        expect,
        buggy,
        fixed,
    }
}

pub fn kernels() -> Vec<Kernel> {
    vec![
        k(
            "ticker_never_stopped",
            Expect::Leak { op: Op::Recv, kind: Some(ResourceKind::Channel), name: None },
            ticker_bug,
            ticker_fixed,
        ),
        k(
            "worker_pool_never_shut_down",
            Expect::Leak { op: Op::Recv, kind: None, name: None },
            pool_bug,
            pool_fixed,
        ),
        k(
            "flusher_without_stop_signal",
            Expect::Leak { op: Op::Sleep, kind: None, name: None },
            flusher_bug,
            flusher_fixed,
        ),
    ]
}

fn ticker(stoppable: bool) {
    let ticks = vigil::channel::tick(Duration::from_millis(200));
    let (quit_tx, quit_rx) = vigil::channel::bounded::<()>(0);
    let worker = thread::spawn(move || {
        if stoppable {
            loop {
                vigil::select! {
                    recv(ticks) -> _ => {},
                    recv(quit_rx) -> _ => return,
                }
            }
        } else {
            while ticks.recv().is_ok() {}
        }
    });
    if stoppable {
        drop(quit_tx);
        worker.join().unwrap();
    } else {
        std::mem::forget(quit_tx);
    }
}

fn ticker_bug() {
    ticker(false)
}

fn ticker_fixed() {
    ticker(true)
}

fn pool(shutdown: bool) {
    let pool = vigil::pool::WorkerPool::named("indexer", 2);
    let (tx, rx) = vigil::channel::bounded::<u32>(2);
    for i in 0..2 {
        let tx = tx.clone();
        pool.execute(move || {
            let _ = tx.send(i);
        });
    }
    let _ = rx.recv();
    let _ = rx.recv();
    if shutdown {
        pool.shutdown();
    } else {
        std::mem::forget(pool); // kept in a global, never shut down
    }
}

fn pool_bug() {
    pool(false)
}

fn pool_fixed() {
    pool(true)
}

fn flusher(stoppable: bool) {
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let h = thread::spawn(move || {
        while !s.load(Ordering::Acquire) {
            thread::sleep(Duration::from_millis(200));
        }
    });
    if stoppable {
        stop.store(true, Ordering::Release);
        h.join().unwrap();
    }
}

fn flusher_bug() {
    flusher(false)
}

fn flusher_fixed() {
    flusher(true)
}
