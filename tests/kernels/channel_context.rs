//! Channels and contexts: a worker that does not watch `ctx.done()`, a
//! cancellation that is not propagated, a result sent after the requester's
//! context ended.

use super::harness::{Expect, Kernel};
use std::time::Duration;
use vigil::context::Context;
use vigil::report::{Op, ResourceKind};
use vigil::thread;

const SRC: &str = include_str!("channel_context.rs");

fn k(name: &'static str, expect: Expect, buggy: fn(), fixed: fn()) -> Kernel {
    Kernel {
        name,
        category: "channel + context",
        source: SRC,
        file: "channel_context.rs",
        expect,
        buggy,
        fixed,
    }
}

pub fn kernels() -> Vec<Kernel> {
    vec![
        k(
            "worker_ignores_cancellation",
            Expect::Leak { op: Op::Recv, kind: Some(ResourceKind::Channel), name: Some("tasks") },
            ignores_bug,
            ignores_fixed,
        ),
        k(
            "cancel_not_propagated",
            Expect::Leak { op: Op::ContextDone, kind: None, name: None },
            propagate_bug,
            propagate_fixed,
        ),
        k(
            "result_sent_after_deadline",
            Expect::Leak { op: Op::Send, kind: Some(ResourceKind::Channel), name: Some("answer") },
            deadline_bug,
            deadline_fixed,
        ),
    ]
}

fn ignores(watch: bool) {
    let (ctx, cancel) = Context::background().with_cancel();
    let (tx, rx) = vigil::channel::unbounded_named::<u32>("tasks");
    let worker = thread::spawn(move || {
        if watch {
            loop {
                vigil::select! {
                    recv(rx) -> task => if task.is_err() { return },
                    recv(ctx.done()) -> _ => return,
                }
            }
        } else {
            for _task in rx.iter() {}
        }
    });
    tx.send(1).unwrap();
    cancel.cancel(); // the request is over
    std::mem::forget(tx); // the sender lives on in a long-lived dispatcher
    if watch {
        worker.join().unwrap();
    }
}

fn ignores_bug() {
    ignores(false)
}

fn ignores_fixed() {
    ignores(true)
}

fn propagate(propagated: bool) {
    let (parent, cancel) = Context::background().with_cancel();
    let (child, child_cancel) =
        if propagated { parent.with_cancel() } else { Context::background().with_cancel() };
    let worker = thread::spawn(move || {
        let _ = child.done().recv(); // waits for cancellation
    });
    cancel.cancel();
    std::mem::forget(child_cancel); // nobody cancels the orphan root
    if propagated {
        worker.join().unwrap();
    }
}

fn propagate_bug() {
    propagate(false)
}

fn propagate_fixed() {
    propagate(true)
}

fn deadline(use_ctx: bool) {
    let (ctx, _cancel) = Context::background().with_timeout(Duration::from_millis(5));
    let (tx, rx) = vigil::channel::bounded_named::<u32>("answer", 0);
    let c2 = ctx.clone();
    let worker = thread::spawn(move || {
        let _ = c2.done().recv(); // the computation outlives the deadline
        if use_ctx {
            let _ = tx.send_ctx(&c2, 42);
        } else {
            let _ = tx.send(42);
        }
    });
    let _ = ctx.done().recv(); // the requester stops waiting at its deadline
    std::mem::forget(rx);
    if use_ctx {
        worker.join().unwrap();
    }
}

fn deadline_bug() {
    deadline(false)
}

fn deadline_fixed() {
    deadline(true)
}
