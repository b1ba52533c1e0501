//! golang.org/x/sync/semaphore's fairness: a waiting large `acquire` is
//! served before smaller ones that arrived after it, even when enough
//! permits for the small one are free. Without a large waiter, small
//! requests go straight through.
use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;
use vigil::report::{Op, ResourceKind};
use vigil::sync::Semaphore;

#[test]
fn large_waiter_is_not_overtaken_by_later_small_ones() {
    let sem = Arc::new(Semaphore::named("fair", 2));
    let order = Arc::new(Mutex::new(Vec::new()));
    let first = sem.acquire(1);
    let second = sem.acquire(1);

    let (s, o) = (sem.clone(), order.clone());
    let large = vigil::thread::Builder::new()
        .name("large".into())
        .spawn(move || {
            let _p = s.acquire(2);
            o.lock().unwrap().push("large");
        })
        .unwrap();
    common::wait_blocked("large");
    let (s, o) = (sem.clone(), order.clone());
    let small = vigil::thread::Builder::new()
        .name("small".into())
        .spawn(move || {
            let _p = s.acquire(1);
            o.lock().unwrap().push("small");
        })
        .unwrap();
    common::wait_blocked("small");

    let snap = vigil::check::snapshot();
    let on = common::worker_named(&snap, "small").unwrap().blocked_on.unwrap();
    assert_eq!(on.op, Op::Semaphore);
    assert_eq!(on.resource.as_ref().map(|r| r.kind), Some(ResourceKind::Semaphore));

    // One permit free: enough for "small", but "large" is first in line.
    drop(first);
    assert_eq!(sem.available_permits(), 1);
    assert!(sem.try_acquire(1).is_none(), "try_acquire must not jump the queue");
    std::thread::sleep(Duration::from_millis(50));
    assert!(order.lock().unwrap().is_empty(), "small overtook the large waiter");
    let snap = vigil::check::snapshot();
    assert_eq!(common::worker_named(&snap, "small").unwrap().state, vigil::report::WorkerState::Blocked);

    drop(second);
    large.join().unwrap();
    small.join().unwrap();
    assert_eq!(*order.lock().unwrap(), vec!["large", "small"]);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn small_requests_pass_when_nobody_waits() {
    let sem = Semaphore::new(3);
    let a = sem.acquire(1);
    let b = sem.try_acquire(2).expect("free permits and no queue");
    assert_eq!(sem.available_permits(), 0);
    drop((a, b));
    assert_eq!(sem.available_permits(), 3);
}
