//! Happens-before edges from Go's toolkit, each with a twin: `WaitGroup::done`
//! → `wait` returning, `Semaphore` release → acquire, context cancel → the
//! observer of `done()`, `WorkerPool` submission → execution, `ErrGroup`
//! task end → `wait`, `SingleFlight` execution → every sharer's return.

use crate::common;

use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::time::Duration;
use vigil::race::RaceCell;

fn guard() -> vigil::check::Guard {
    vigil::check::guard().grace(Duration::from_millis(300))
}

fn races_of(g: vigil::check::Guard) -> usize {
    let report = g.check();
    if !report.races.is_empty() {
        eprintln!("{report}");
    }
    report.races.len()
}

// === WaitGroup ===

fn waitgroup(write_after_done: bool) -> usize {
    let g = guard();
    let wg = Arc::new(vigil::sync::WaitGroup::new());
    let cell = Arc::new(RaceCell::new(0u32));
    let (tx, rx) = std_mpsc::channel::<()>();
    wg.add(1);
    let (w, c) = (wg.clone(), cell.clone());
    let t = vigil::thread::spawn(move || {
        if write_after_done {
            w.done();
            c.set(1);
            tx.send(()).unwrap();
        } else {
            c.set(1);
            w.done();
        }
    });
    wg.wait();
    if write_after_done {
        rx.recv().unwrap();
    }
    let _ = cell.get();
    t.join().unwrap();
    races_of(g)
}

#[test]
fn waitgroup_done_happens_before_wait_returns() {
    assert_eq!(waitgroup(false), 0);
}

#[test]
fn waitgroup_write_after_done_races_with_the_waiter() {
    assert_eq!(waitgroup(true), 1);
}

// === Semaphore ===

fn semaphore(write_after_release: bool) -> usize {
    let g = guard();
    let sem = Arc::new(vigil::sync::Semaphore::new(1));
    let cell = Arc::new(RaceCell::new(0u32));
    let (tx, rx) = std_mpsc::channel::<()>();
    let permit = sem.acquire(1);
    let (s, c) = (sem.clone(), cell.clone());
    let t = vigil::thread::spawn(move || {
        let _p = s.acquire(1);
        if write_after_release {
            rx.recv().unwrap();
        }
        let _ = c.get();
    });
    if write_after_release {
        drop(permit);
        cell.set(1);
        tx.send(()).unwrap();
    } else {
        cell.set(1);
        drop(permit);
    }
    t.join().unwrap();
    races_of(g)
}

#[test]
fn semaphore_release_happens_before_the_acquire() {
    assert_eq!(semaphore(false), 0);
}

#[test]
fn semaphore_write_after_release_races_with_the_acquirer() {
    assert_eq!(semaphore(true), 1);
}

// === Context cancel ===

fn cancel(write_after_cancel: bool) -> usize {
    let g = guard();
    let (ctx, handle) = vigil::context::Context::background().with_cancel();
    let cell = Arc::new(RaceCell::new(0u32));
    let (tx, rx) = std_mpsc::channel::<()>();
    let c = cell.clone();
    let t = vigil::thread::spawn(move || {
        if write_after_cancel {
            handle.cancel();
            c.set(1);
            tx.send(()).unwrap();
        } else {
            c.set(1);
            handle.cancel();
        }
    });
    let _ = ctx.done().recv(); // disconnected when cancelled
    assert!(ctx.is_done());
    if write_after_cancel {
        rx.recv().unwrap();
    }
    let _ = cell.get();
    t.join().unwrap();
    races_of(g)
}

#[test]
fn context_cancel_happens_before_done_is_observed() {
    assert_eq!(cancel(false), 0);
}

#[test]
fn context_write_after_cancel_races_with_the_observer() {
    assert_eq!(cancel(true), 1);
}

// === WorkerPool ===

fn worker_pool(write_after_submit: bool) -> usize {
    let g = guard();
    let pool = vigil::pool::WorkerPool::named("race-pool", 1);
    let cell = Arc::new(RaceCell::new(0u32));
    let (tx, rx) = std_mpsc::channel::<()>();
    let c = cell.clone();
    if write_after_submit {
        pool.execute(move || {
            let _ = c.get();
            tx.send(()).unwrap();
        });
        rx.recv().unwrap();
        cell.set(1);
    } else {
        cell.set(1);
        pool.execute(move || {
            let _ = c.get();
            tx.send(()).unwrap();
        });
        rx.recv().unwrap();
    }
    pool.shutdown();
    races_of(g)
}

#[test]
fn worker_pool_submission_happens_before_execution() {
    assert_eq!(worker_pool(false), 0);
}

#[test]
fn worker_pool_job_unordered_with_a_later_write_races() {
    assert_eq!(worker_pool(true), 1);
}

// === ErrGroup ===

fn err_group(read_before_wait: bool) -> usize {
    let g = guard();
    let group = vigil::pool::ErrGroup::<String>::new();
    let cell = Arc::new(RaceCell::new(0u32));
    let (tx, rx) = std_mpsc::channel::<()>();
    let c = cell.clone();
    group.spawn(move || {
        c.set(1);
        tx.send(()).unwrap();
        Ok(())
    });
    if read_before_wait {
        rx.recv().unwrap();
        let _ = cell.get();
        group.wait().unwrap();
    } else {
        group.wait().unwrap();
        let _ = cell.get();
    }
    races_of(g)
}

#[test]
fn err_group_task_end_happens_before_wait_returns() {
    assert_eq!(err_group(false), 0);
}

#[test]
fn err_group_read_before_wait_races_with_the_task() {
    assert_eq!(err_group(true), 1);
}

// === SingleFlight ===

#[test]
fn single_flight_execution_happens_before_every_sharer_returns() {
    let g = guard();
    let flight = Arc::new(vigil::sync::SingleFlight::<&'static str, u32>::new());
    let cell = Arc::new(RaceCell::new(0u32));
    let (started_tx, started_rx) = std_mpsc::channel::<()>();
    let (go_tx, go_rx) = std_mpsc::channel::<()>();
    let (f, c) = (flight.clone(), cell.clone());
    let leader = vigil::thread::spawn(move || {
        f.work("key", move || {
            c.set(7);
            started_tx.send(()).unwrap();
            go_rx.recv().unwrap();
            7
        })
    });
    started_rx.recv().unwrap();
    let (f, c) = (flight.clone(), cell.clone());
    let sharer = vigil::thread::Builder::new()
        .name("sharer".into())
        .spawn(move || {
            let v = f.work("key", || unreachable!("the key is in flight"));
            (v, c.get())
        })
        .unwrap();
    common::wait_blocked("sharer");
    go_tx.send(()).unwrap();
    assert_eq!(sharer.join().unwrap(), (7, 7));
    assert_eq!(leader.join().unwrap(), 7);
    assert_eq!(races_of(g), 0);
}
