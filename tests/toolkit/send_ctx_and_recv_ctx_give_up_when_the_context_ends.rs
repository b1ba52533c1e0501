//! `send_ctx`/`recv_ctx` on both channel families (and, through the
//! `SendCtx`/`RecvCtx` traits, on crossbeam's and std's own channels) return
//! the context's error when it ends first, and deliver normally otherwise.
use crate::common;

use std::time::Duration;
use vigil::context::{Context, ContextError, RecvCtx, RecvCtxError, SendCtx, SendCtxError};

#[test]
fn vigil_channel_send_gives_up_on_cancel() {
    let (s, _r) = vigil::channel::bounded::<u8>(0);
    let (ctx, cancel) = Context::background().with_cancel();
    let h =
        vigil::thread::Builder::new().name("ctx-sender".into()).spawn(move || s.send_ctx(&ctx, 9)).unwrap();
    common::wait_blocked("ctx-sender");
    cancel.cancel();
    assert!(matches!(h.join().unwrap(), Err(SendCtxError::Context(ContextError::Canceled, 9))));
}

#[test]
fn vigil_channel_recv_delivers_before_the_deadline() {
    let (s, r) = vigil::channel::bounded::<u8>(0);
    let (ctx, _c) = Context::background().with_timeout(Duration::from_secs(30));
    let h = vigil::thread::spawn(move || r.recv_ctx(&ctx));
    s.send(3).unwrap();
    assert_eq!(h.join().unwrap(), Ok(3));
}

#[test]
fn mpsc_ends_give_up_on_timeout_and_deliver_otherwise() {
    let (s, r) = vigil::sync::mpsc::sync_channel::<u8>(0);
    let (ctx, _c) = Context::background().with_timeout(Duration::from_millis(30));
    assert!(matches!(s.send_ctx(&ctx, 1), Err(SendCtxError::Context(ContextError::DeadlineExceeded, 1))));
    assert_eq!(r.recv_ctx(&ctx), Err(RecvCtxError::Context(ContextError::DeadlineExceeded)));

    let (ctx, _c) = Context::background().with_timeout(Duration::from_secs(30));
    let c = ctx.clone();
    let h = vigil::thread::spawn(move || s.send_ctx(&c, 4));
    assert_eq!(r.recv_ctx(&ctx), Ok(4));
    assert!(h.join().unwrap().is_ok());
    assert_eq!(r.recv_ctx(&ctx), Err(RecvCtxError::Disconnected));
}

#[test]
fn crossbeam_and_std_ends_through_the_traits() {
    let (s, r) = crossbeam_channel::bounded::<u8>(0);
    let (ctx, cancel) = Context::background().with_cancel();
    let c = ctx.clone();
    let h = vigil::thread::spawn(move || r.recv_ctx(&c));
    std::thread::sleep(Duration::from_millis(10));
    cancel.cancel();
    assert_eq!(h.join().unwrap(), Err(RecvCtxError::Context(ContextError::Canceled)));
    assert!(matches!(s.send_ctx(&ctx, 1), Err(SendCtxError::Context(..))));

    let (s, r) = std::sync::mpsc::sync_channel::<u8>(1);
    let bg = Context::background();
    s.send_ctx(&bg, 2).unwrap();
    assert_eq!(r.recv_ctx(&bg), Ok(2));
}
