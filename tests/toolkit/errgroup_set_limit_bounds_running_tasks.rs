//! `ErrGroup::set_limit(n)`: never more than n tasks run at once (checked
//! with a counter, not timing); a `spawn` past the limit blocks, tracked as
//! `pool_get` on the group.
use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use vigil::pool::ErrGroup;
use vigil::report::{Op, ResourceKind};

#[test]
fn at_most_limit_tasks_run_at_once() {
    let group = ErrGroup::<()>::new();
    group.set_limit(2);
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    for _ in 0..20 {
        let (r, p) = (running.clone(), peak.clone());
        group.spawn(move || {
            let now = r.fetch_add(1, Ordering::SeqCst) + 1;
            p.fetch_max(now, Ordering::SeqCst);
            std::thread::yield_now();
            r.fetch_sub(1, Ordering::SeqCst);
            Ok(())
        });
    }
    group.wait().unwrap();
    assert!(peak.load(Ordering::SeqCst) <= 2, "peak {}", peak.load(Ordering::SeqCst));
}

#[test]
fn spawn_past_the_limit_blocks_in_pool_get() {
    let group = Arc::new(ErrGroup::<()>::new());
    group.set_limit(1);
    let (tx, rx) = crossbeam_channel::bounded::<()>(0);
    group.spawn(move || {
        let _ = rx.recv();
        Ok(())
    });
    let g = group.clone();
    let spawner =
        vigil::thread::Builder::new().name("eager-spawner".into()).spawn(move || g.spawn(|| Ok(()))).unwrap();
    common::wait_blocked("eager-spawner");
    let snap = vigil::check::snapshot();
    let on = common::worker_named(&snap, "eager-spawner").unwrap().blocked_on.unwrap();
    assert_eq!(on.op, Op::PoolGet);
    assert_eq!(on.resource.map(|r| r.kind), Some(ResourceKind::ErrGroup));
    drop(tx);
    spawner.join().unwrap();
    group.wait().unwrap();
}

#[test]
fn without_a_limit_spawn_never_blocks() {
    let group = ErrGroup::<()>::new();
    let (tx, rx) = crossbeam_channel::bounded::<()>(0);
    for _ in 0..4 {
        let rx = rx.clone();
        group.spawn(move || {
            let _ = rx.recv();
            Ok(())
        });
    }
    drop(tx);
    group.wait().unwrap();
}
