//! errgroup: the first error wins, cancels the group's context, and every
//! sibling watching the context stops; `wait` joins every task, so nothing
//! leaks. Without an error the context stays live until `wait` returns.
use std::time::Duration;
use vigil::context::{Context, ContextError};
use vigil::pool::ErrGroup;

#[test]
fn first_error_cancels_the_context_and_watching_siblings_stop() {
    let guard = vigil::check::LeakGuard::new().grace(Duration::from_millis(200));
    let (group, ctx) = ErrGroup::<String>::with_context(&Context::background());
    for _ in 0..3 {
        let c = ctx.clone();
        group.spawn(move || {
            // Would run forever without the cancellation.
            let _ = c.done().recv();
            Err(format!("sibling stopped: {}", c.err().map(|e| e.to_string()).unwrap_or_default()))
        });
    }
    group.spawn(|| Err("first failure".to_string()));
    assert_eq!(group.wait(), Err("first failure".to_string()));
    assert_eq!(ctx.err(), Some(ContextError::Canceled));
    assert!(guard.check().is_empty());
}

#[test]
fn without_errors_wait_is_ok_and_then_cancels() {
    let (group, ctx) = ErrGroup::<()>::with_context(&Context::background());
    let c = ctx.clone();
    group.spawn(move || {
        assert!(!c.is_done());
        Ok(())
    });
    assert_eq!(group.wait(), Ok(()));
    assert!(ctx.is_done(), "Go's errgroup cancels its context when Wait returns");
}

#[test]
fn a_task_panic_is_reraised_by_wait() {
    let group = ErrGroup::<()>::new();
    group.spawn(|| panic!("task blew up"));
    group.spawn(|| Ok(()));
    let payload =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| group.wait())).expect_err("re-raised");
    let msg = payload.downcast_ref::<&str>().map(|s| s.to_string()).unwrap_or_default();
    assert_eq!(msg, "task blew up");
}
