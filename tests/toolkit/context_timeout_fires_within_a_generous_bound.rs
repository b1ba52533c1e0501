//! A timeout context's `done()` disconnects on time (one shared timer
//! thread, no thread per context), so a blocked `select!` wakes; a context
//! with a far deadline stays live.
use std::time::{Duration, Instant};
use vigil::context::{Context, ContextError};

#[test]
fn timeout_disconnects_done_within_bound() {
    let start = Instant::now();
    let (ctx, _cancel) = Context::background().with_timeout(Duration::from_millis(50));
    let done = ctx.done();
    let got = done.recv_timeout(Duration::from_secs(10));
    assert!(got.is_err());
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(50), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
}

#[test]
fn many_timeouts_share_one_timer_and_all_fire() {
    let ctxs: Vec<_> =
        (0..200).map(|i| Context::background().with_timeout(Duration::from_millis(10 + i % 20))).collect();
    for (ctx, _c) in &ctxs {
        assert!(ctx.done().recv_timeout(Duration::from_secs(10)).is_err());
        assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    }
}

#[test]
fn far_deadline_stays_live() {
    let (ctx, cancel) = Context::background().with_timeout(Duration::from_secs(3600));
    assert!(ctx.done().recv_timeout(Duration::from_millis(30)).is_err_and(|e| e.is_timeout()));
    assert_eq!(ctx.err(), None);
    cancel.cancel();
    assert_eq!(ctx.err(), Some(ContextError::Canceled));
}

#[test]
fn child_deadline_is_never_later_than_parents() {
    let (parent, _p) = Context::background().with_timeout(Duration::from_millis(40));
    let (child, _c) = parent.with_timeout(Duration::from_secs(3600));
    assert_eq!(child.deadline(), parent.deadline());
    assert!(child.done().recv_timeout(Duration::from_secs(10)).is_err());
    assert_eq!(child.err(), Some(ContextError::DeadlineExceeded));
}
