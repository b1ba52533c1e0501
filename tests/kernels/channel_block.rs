//! Channel-only blocking: the forgotten sender, the receiver that waits
//! forever, and an unbuffered handshake where both sides send first.

use super::harness::{Expect, Kernel};
use std::time::Duration;
use vigil::report::{Op, ResourceKind};
use vigil::thread;

const SRC: &str = include_str!("channel_block.rs");

fn k(name: &'static str, op: Op, chan: Option<&'static str>, buggy: fn(), fixed: fn()) -> Kernel {
    Kernel {
        name,
        category: "channel blocking",
        source: SRC,
        file: "channel_block.rs",
        expect: Expect::Leak { op, kind: Some(ResourceKind::Channel), name: chan },
        buggy,
        fixed,
    }
}

pub fn kernels() -> Vec<Kernel> {
    vec![
        k("forgotten_sender_after_timeout", Op::Send, Some("results"), forgotten_bug, forgotten_fixed),
        k("receiver_waits_for_idle_sender", Op::Recv, Some("jobs"), idle_bug, idle_fixed),
        k("handshake_both_send_first", Op::Send, Some("ping"), handshake_bug, handshake_fixed),
        k("mpsc_reply_nobody_reads", Op::Send, Some("replies"), reply_bug, reply_fixed),
    ]
}

/// The caller asks for a result, gives up after a timeout, and walks away
/// still holding the receiver (e.g. in a struct): the worker's send never completes.
fn forgotten(cap: usize) {
    let (tx, rx) = vigil::channel::bounded_named::<u32>("results", cap);
    let (go_tx, go_rx) = vigil::channel::bounded::<()>(1);
    thread::spawn(move || {
        let _ = go_rx.recv(); // the slow search
        let _ = tx.send(42);
    });
    assert!(rx.recv_timeout(Duration::from_millis(5)).is_err()); // caller gives up
    go_tx.send(()).unwrap();
    std::mem::forget(rx); // kept alive elsewhere, never read again
}

fn forgotten_bug() {
    forgotten(0)
}

fn forgotten_fixed() {
    forgotten(1) // Go's fix: a buffer of one lets the late result drop in
}

fn idle(close: bool) {
    let (tx, rx) = vigil::channel::unbounded_named::<u32>("jobs");
    let consumer = thread::spawn(move || for _job in rx.iter() {});
    tx.send(1).unwrap();
    if close {
        drop(tx);
        consumer.join().unwrap();
    } else {
        std::mem::forget(tx); // the producer keeps its sender but sends no more
    }
}

fn idle_bug() {
    idle(false)
}

fn idle_fixed() {
    idle(true)
}

fn handshake(fixed: bool) {
    let (ping_tx, ping_rx) = vigil::channel::bounded_named::<u32>("ping", 0);
    let (pong_tx, pong_rx) = vigil::channel::bounded_named::<u32>("pong", 0);
    let a = thread::spawn(move || {
        let _ = ping_tx.send(1);
        let _ = pong_rx.recv();
    });
    let b = thread::spawn(move || {
        if fixed {
            let _ = ping_rx.recv();
            let _ = pong_tx.send(2);
        } else {
            let _ = pong_tx.send(2);
            let _ = ping_rx.recv();
        }
    });
    if fixed {
        a.join().unwrap();
        b.join().unwrap();
    }
}

fn handshake_bug() {
    handshake(false)
}

fn handshake_fixed() {
    handshake(true)
}

fn reply(cap: usize) {
    let (tx, rx) = vigil::sync::mpsc::sync_channel_named::<String>("replies", cap);
    let (go_tx, go_rx) = vigil::sync::mpsc::channel::<()>();
    thread::spawn(move || {
        let _ = go_rx.recv();
        let _ = tx.send("pong".to_string());
    });
    assert!(rx.recv_timeout(Duration::from_millis(5)).is_err());
    go_tx.send(()).unwrap();
    std::mem::forget(rx);
}

fn reply_bug() {
    reply(0)
}

fn reply_fixed() {
    reply(1)
}
