//! `Semaphore::acquire_ctx` returns the context's error when it ends first
//! and leaves the semaphore unchanged; a cancelled large waiter at the
//! front no longer holds up the small ones behind it.
use crate::common;

use std::sync::Arc;
use std::time::Duration;
use vigil::context::{Context, ContextError};
use vigil::sync::Semaphore;

#[test]
fn timeout_ends_the_wait() {
    let sem = Semaphore::new(1);
    let _held = sem.acquire(1);
    let (ctx, _c) = Context::background().with_timeout(Duration::from_millis(30));
    assert_eq!(sem.acquire_ctx(&ctx, 1).unwrap_err(), ContextError::DeadlineExceeded);
    assert_eq!(sem.available_permits(), 0);
}

#[test]
fn cancelled_front_waiter_unblocks_the_queue() {
    let sem = Arc::new(Semaphore::new(2));
    let held = sem.acquire(1);
    let (ctx, cancel) = Context::background().with_cancel();
    let s = sem.clone();
    let large = vigil::thread::Builder::new()
        .name("sem-large-ctx".into())
        .spawn(move || s.acquire_ctx(&ctx, 2).map(|p| p.permits()))
        .unwrap();
    common::wait_blocked("sem-large-ctx");
    let s = sem.clone();
    let small =
        vigil::thread::Builder::new().name("sem-small".into()).spawn(move || s.acquire(1).permits()).unwrap();
    common::wait_blocked("sem-small");
    cancel.cancel();
    assert_eq!(large.join().unwrap(), Err(ContextError::Canceled));
    assert_eq!(small.join().unwrap(), 1);
    drop(held);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn live_context_acquires_normally() {
    let sem = Semaphore::new(1);
    let ctx = Context::background();
    let p = sem.acquire_ctx(&ctx, 1).unwrap();
    assert_eq!(p.permits(), 1);
}
