//! Cancelling a context cancels everything derived from it (through value
//! contexts too) and never its parent or siblings; dropping the handle
//! cancels; the tree is in the snapshot with parent, kind and cause.
use vigil::context::{Context, ContextError};
use vigil::report::{ResourceKind, ResourceStats};

#[test]
fn cancel_flows_down_not_up() {
    let (root, cancel_root) = Context::background().with_cancel();
    let (mid, cancel_mid) = root.with_cancel();
    let valued = mid.with_value("k", 1u8);
    let (leaf, _cancel_leaf) = valued.with_cancel();
    let (sibling, _cancel_sibling) = root.with_cancel();

    cancel_mid.cancel();
    assert_eq!(mid.err(), Some(ContextError::Canceled));
    assert!(valued.is_done() && leaf.is_done());
    assert!(leaf.done().recv().is_err());
    assert!(!root.is_done() && !sibling.is_done());

    cancel_root.cancel();
    assert!(sibling.is_done());
}

#[test]
fn dropping_the_handle_cancels() {
    let (ctx, cancel) = Context::background().with_cancel();
    let (child, _c) = ctx.with_cancel();
    drop(cancel);
    assert_eq!(child.err(), Some(ContextError::Canceled));
}

#[test]
fn deriving_from_a_done_context_is_done_at_once() {
    let (ctx, cancel) = Context::background().with_cancel();
    cancel.cancel();
    let (child, _c) = ctx.with_cancel();
    assert!(child.is_done());
    assert!(child.done().try_recv().is_err_and(|e| e.is_disconnected()));
}

#[test]
fn the_context_tree_is_in_the_snapshot() {
    let parent_line = line!() + 1;
    let (parent, cancel) = Context::background().with_cancel();
    let child_line = line!() + 1;
    let (child, _c) = parent.with_timeout(std::time::Duration::from_secs(60));
    cancel.cancel();
    let snap = vigil::check::snapshot();
    let ctxs: Vec<_> = snap.resources.iter().filter(|r| r.kind == ResourceKind::Context).collect();
    let stats = |line: u32| {
        ctxs.iter()
            .find(|r| r.site.contains(&format!("{}:{line}:", file!())))
            .map(|r| (r.id, r.stats.clone()))
            .unwrap_or_else(|| panic!("no context from line {line}: {ctxs:#?}"))
    };
    let (parent_id, p) = stats(parent_line);
    let (_, c) = stats(child_line);
    match (p, c) {
        (ResourceStats::Context(p), ResourceStats::Context(c)) => {
            assert_eq!(p.context_kind, "cancel");
            assert_eq!(p.cause.as_deref(), Some("context canceled"));
            assert!(p.cancelled_ms_ago.is_some());
            assert_eq!(c.parent, Some(parent_id));
            assert_eq!(c.context_kind, "timeout");
            assert!(c.deadline_in_ms.is_some_and(|ms| ms > 0));
            assert_eq!(c.cause.as_deref(), Some("context canceled"));
        }
        other => panic!("{other:?}"),
    }
    drop(child);
}
