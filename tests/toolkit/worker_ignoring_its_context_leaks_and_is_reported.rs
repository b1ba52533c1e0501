//! Go's lore: pass a context to every worker and stop when it is done.
//! A worker that ignores its context keeps waiting after the cancel and is
//! reported as a leak; the same worker selecting on `ctx.done()` stops when
//! cancelled and is silent; one waiting on `done()` alone shows as
//! blocked in `context_done`.
use crate::common;

use std::time::Duration;
use vigil::channel::{bounded_named, Receiver};
use vigil::context::{Context, ContextError};
use vigil::report::{Op, WorkerState};

fn ignoring_worker(jobs: Receiver<u32>, _ctx: Context) {
    // Never looks at the context: waits for work forever.
    while let Ok(_job) = jobs.recv() {}
}

fn selecting_worker(jobs: Receiver<u32>, ctx: Context) -> Option<ContextError> {
    loop {
        vigil::select! {
            recv(jobs) -> job => if job.is_err() { return None },
            recv(ctx.done()) -> _ => return ctx.err(),
        }
    }
}

#[test]
fn worker_ignoring_the_context_leaks() {
    let guard = vigil::check::LeakGuard::new().grace(Duration::from_millis(200));
    let (tx, rx) = bounded_named::<u32>("jobs-ignored", 0);
    let (ctx, cancel) = Context::background().with_cancel();
    let h = vigil::thread::Builder::new()
        .name("ignores-ctx".into())
        .spawn(move || ignoring_worker(rx, ctx))
        .unwrap();
    common::wait_blocked("ignores-ctx");
    cancel.cancel();
    let report = guard.check();
    assert_eq!(report.len(), 1, "{report}");
    let leak = &report.leaks[0];
    assert_eq!(leak.worker.name.as_deref(), Some("ignores-ctx"));
    assert_eq!(leak.state, WorkerState::Blocked);
    let on = leak.blocked_on.as_ref().unwrap();
    assert_eq!(on.op, Op::Recv);
    assert_eq!(on.resource.as_ref().map(|r| r.name.as_str()), Some("jobs-ignored"));
    assert!(leak.spawned_at.contains(file!()), "{}", leak.spawned_at);
    drop(tx); // release it so the binary exits cleanly
    h.join().unwrap();
}

#[test]
fn worker_selecting_on_done_stops_and_is_silent() {
    let guard = vigil::check::LeakGuard::new().grace(Duration::from_millis(200));
    let (tx, rx) = bounded_named::<u32>("jobs-selected", 0);
    let (ctx, cancel) = Context::background().with_cancel();
    let h = vigil::thread::Builder::new()
        .name("minds-ctx".into())
        .spawn(move || selecting_worker(rx, ctx))
        .unwrap();
    tx.send(1).unwrap();
    common::wait_blocked("minds-ctx");
    let snap = vigil::check::snapshot();
    let on = common::worker_named(&snap, "minds-ctx").unwrap().blocked_on.unwrap();
    assert_eq!(on.op, Op::Select);
    assert_eq!(on.resources.len(), 2, "{on:?}");
    cancel.cancel();
    assert_eq!(h.join().unwrap(), Some(ContextError::Canceled));
    let report = guard.check();
    assert!(report.is_empty(), "{report}");
    drop(tx);
}

#[test]
fn waiting_on_done_alone_shows_context_done() {
    let (ctx, cancel) = Context::background().with_cancel();
    let c = ctx.clone();
    let h = vigil::thread::Builder::new()
        .name("awaits-done".into())
        .spawn(move || {
            let _ = c.done().recv();
            c.err()
        })
        .unwrap();
    common::wait_blocked("awaits-done");
    let snap = vigil::check::snapshot();
    let on = common::worker_named(&snap, "awaits-done").unwrap().blocked_on.unwrap();
    assert_eq!(on.op, Op::ContextDone);
    drop(cancel);
    assert_eq!(h.join().unwrap(), Some(ContextError::Canceled));
}
