//! `Context`: an immutable node in a tree of contexts. Cancellable nodes own
//! a `CancelState`; value nodes share their nearest cancellable ancestor's.

use super::cancel::{CancelHandle, CancelState};
use super::done::{never, DoneReceiver};
use super::{timer, ContextError};
use std::any::Any;
use std::panic::Location;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use vigil_detector::{ContextStats, Resource, ResourceId, ResourceKind, ResourceMeta, ResourceStats};

/// Carries a cancellation signal, a deadline and request-scoped values
/// across API boundaries and threads — Go's `context.Context`.
///
/// Contexts form a tree rooted at [`Context::background`]. Cancelling a
/// context cancels every context derived from it, never its parent; a
/// child's deadline is never later than its parent's. Pass a context to
/// everything that may block and select on [`done`](Context::done) so the
/// work stops when nobody wants its result any more.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use vigil::context::{Context, ContextError};
///
/// let (ctx, cancel) = Context::background().with_timeout(Duration::from_secs(5));
/// let worker_ctx = ctx.clone();
/// let worker = vigil::thread::spawn(move || {
///     // Go's `<-ctx.Done()`: wait until cancelled (or the deadline passes).
///     let _ = worker_ctx.done().recv();
///     worker_ctx.err()
/// });
/// cancel.cancel();
/// assert_eq!(worker.join().unwrap(), Some(ContextError::Canceled));
/// ```
///
/// # What vigil records
///
/// Every live context is a resource in `vigil::check::snapshot()`
/// with its parent, kind, deadline, when it was cancelled and why. A cancel
/// happens-before every observation of it (`err`, `is_done`, a `done()` receive).
#[derive(Clone)]
pub struct Context {
    node: Arc<Node>,
}

struct Node {
    parent: Option<Context>,
    kind: &'static str,
    /// The effective deadline (own or inherited).
    deadline: Option<Instant>,
    /// The nearest cancellable state (own or inherited); `None` under background.
    cancel: Option<Arc<CancelState>>,
    value: Option<(String, Box<dyn Any + Send + Sync>)>,
    meta: Option<Arc<ContextMeta>>,
}

struct ContextMeta {
    meta: ResourceMeta,
    parent: Option<ResourceId>,
    kind: &'static str,
    deadline: Option<Instant>,
    cancel: Option<Arc<CancelState>>,
}

impl Resource for ContextMeta {
    fn meta(&self) -> &ResourceMeta {
        &self.meta
    }

    fn summary(&self) -> String {
        let mut s = format!("{} context", self.kind);
        if let Some(d) = self.deadline {
            let now = Instant::now();
            if d > now {
                s.push_str(&format!(", deadline in {} ms", (d - now).as_millis()));
            } else {
                s.push_str(&format!(", deadline passed {} ms ago", (now - d).as_millis()));
            }
        }
        match self.cancel.as_ref().and_then(|c| c.err()) {
            Some(e) => s.push_str(&format!(", done: {e}")),
            None => s.push_str(", live"),
        }
        s
    }

    fn stats(&self) -> ResourceStats {
        let now = Instant::now();
        let cause = self.cancel.as_ref().and_then(|c| c.err());
        ResourceStats::Context(ContextStats {
            parent: self.parent,
            context_kind: self.kind,
            deadline_in_ms: self.deadline.map(|d| {
                if d >= now {
                    (d - now).as_millis() as i64
                } else {
                    -((now - d).as_millis() as i64)
                }
            }),
            cancelled_ms_ago: self
                .cancel
                .as_ref()
                .and_then(|c| c.cancelled_at())
                .filter(|_| cause.is_some())
                .map(|at| now.saturating_duration_since(at).as_millis() as u64),
            cause: cause.map(|e| e.to_string()),
        })
    }
}

impl Drop for ContextMeta {
    fn drop(&mut self) {
        vigil_detector::unregister_resource(self.meta.id());
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Context");
        d.field("kind", &self.node.kind);
        if let Some(dl) = self.node.deadline {
            d.field("deadline", &dl);
        }
        if let Some((k, _)) = &self.node.value {
            d.field("key", k);
        }
        d.field("err", &self.err_quiet()).finish()
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::background()
    }
}

impl Context {
    /// The root of every context tree: never cancelled, no deadline, no
    /// values — Go's `context.Background()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let ctx = vigil::context::Context::background();
    /// assert!(!ctx.is_done());
    /// assert_eq!(ctx.deadline(), None);
    /// ```
    pub fn background() -> Context {
        static BACKGROUND: OnceLock<Context> = OnceLock::new();
        BACKGROUND
            .get_or_init(|| Context::node(None, "background", None, None, None, Location::caller()))
            .clone()
    }

    fn node(
        parent: Option<Context>,
        kind: &'static str,
        deadline: Option<Instant>,
        cancel: Option<Arc<CancelState>>,
        value: Option<(String, Box<dyn Any + Send + Sync>)>,
        site: &'static Location<'static>,
    ) -> Context {
        let meta = vigil_detector::enabled().then(|| {
            let name = match &value {
                Some((k, _)) => Some(format!("{kind} context {k:?} at {}:{}", site.file(), site.line())),
                None if parent.is_none() => Some("background".to_string()),
                None => Some(format!("{kind} context at {}:{}", site.file(), site.line())),
            };
            let m = Arc::new(ContextMeta {
                meta: ResourceMeta::new(ResourceKind::Context, name, site),
                parent: parent.as_ref().and_then(|p| p.node.meta.as_ref()).map(|m| m.meta.id()),
                kind,
                deadline,
                cancel: cancel.clone(),
            });
            vigil_detector::register_resource(m.clone());
            m
        });
        Context { node: Arc::new(Node { parent, kind, deadline, cancel, value, meta }) }
    }

    fn derive_cancellable(
        &self,
        kind: &'static str,
        deadline: Option<Instant>,
        site: &'static Location<'static>,
    ) -> (Context, CancelHandle) {
        let deadline = match (deadline, self.node.deadline) {
            (Some(d), Some(p)) => Some(d.min(p)),
            (d, p) => d.or(p),
        };
        let state = CancelState::new(self.node.cancel.as_ref(), kind, site);
        // An inherited deadline is the ancestor's timer's to fire.
        let own_deadline = if kind == "cancel" { None } else { deadline };
        let ctx = Context::node(Some(self.clone()), kind, deadline, Some(state.clone()), None, site);
        if let Some(d) = own_deadline {
            timer::schedule(d, &state);
        }
        (ctx, CancelHandle::new(state))
    }

    /// A child that is cancelled by the returned handle (or when this
    /// context is) — Go's `context.WithCancel`.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::context::Context;
    ///
    /// let (parent, cancel_parent) = Context::background().with_cancel();
    /// let (child, cancel_child) = parent.with_cancel();
    /// cancel_child.cancel();
    /// assert!(child.is_done() && !parent.is_done()); // never the parent
    /// let (child2, _c2) = parent.with_cancel();
    /// cancel_parent.cancel();
    /// assert!(child2.is_done()); // always the descendants
    /// ```
    #[track_caller]
    pub fn with_cancel(&self) -> (Context, CancelHandle) {
        self.derive_cancellable("cancel", None, Location::caller())
    }

    /// A child that is done `timeout` from now (or earlier, with its parent) —
    /// Go's `context.WithTimeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil::context::{Context, ContextError};
    ///
    /// let (ctx, _cancel) = Context::background().with_timeout(Duration::from_millis(10));
    /// let _ = ctx.done().recv(); // disconnects when the deadline passes
    /// assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    /// ```
    #[track_caller]
    pub fn with_timeout(&self, timeout: Duration) -> (Context, CancelHandle) {
        let at = Instant::now().checked_add(timeout);
        self.derive_cancellable("timeout", at, Location::caller())
    }

    /// A child that is done at `deadline` (or earlier, with its parent);
    /// its deadline is never later than its parent's — Go's `context.WithDeadline`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use vigil::context::Context;
    ///
    /// let soon = Instant::now() + Duration::from_secs(1);
    /// let (parent, _p) = Context::background().with_deadline(soon);
    /// let (child, _c) = parent.with_deadline(soon + Duration::from_secs(60));
    /// assert_eq!(child.deadline(), Some(soon)); // clamped to the parent's
    /// ```
    #[track_caller]
    pub fn with_deadline(&self, deadline: Instant) -> (Context, CancelHandle) {
        self.derive_cancellable("deadline", Some(deadline), Location::caller())
    }

    /// A child carrying `value` under `key`, visible to it and its
    /// descendants (never to this context) — Go's `context.WithValue`.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::context::Context;
    ///
    /// let root = Context::background();
    /// let ctx = root.with_value("request-id", 42u64);
    /// assert_eq!(ctx.value::<u64>("request-id"), Some(&42));
    /// assert_eq!(root.value::<u64>("request-id"), None);
    /// ```
    #[track_caller]
    pub fn with_value<T: Any + Send + Sync>(&self, key: impl Into<String>, value: T) -> Context {
        Context::node(
            Some(self.clone()),
            "value",
            self.node.deadline,
            self.node.cancel.clone(),
            Some((key.into(), Box::new(value))),
            Location::caller(),
        )
    }

    /// The value stored under `key` by this context or its nearest ancestor
    /// that has one; `None` if there is none or it is not a `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::context::Context;
    ///
    /// let ctx = Context::background().with_value("user", String::from("ada"));
    /// let child = ctx.with_cancel().0;
    /// assert_eq!(child.value::<String>("user").map(String::as_str), Some("ada"));
    /// assert_eq!(child.value::<u32>("user"), None); // wrong type
    /// ```
    pub fn value<T: Any>(&self, key: &str) -> Option<&T> {
        let mut node: &Node = &self.node;
        loop {
            if let Some((k, v)) = &node.value {
                if k == key {
                    return v.downcast_ref::<T>();
                }
            }
            node = &node.parent.as_ref()?.node;
        }
    }

    /// A receiver that is disconnected when this context is done, for
    /// `select!` — Go's `ctx.Done()`. The background context's never is.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::context::Context;
    ///
    /// let (ctx, cancel) = Context::background().with_cancel();
    /// let done = ctx.done();
    /// assert!(done.try_recv().is_err());
    /// drop(cancel);
    /// assert!(done.recv().is_err()); // disconnected: done
    /// ```
    pub fn done(&self) -> DoneReceiver {
        match &self.node.cancel {
            Some(c) => c.done(),
            None => never(),
        }
    }

    /// Whether this context is done (cancelled or past its deadline).
    ///
    /// # Examples
    ///
    /// ```
    /// let (ctx, cancel) = vigil::context::Context::background().with_cancel();
    /// assert!(!ctx.is_done());
    /// cancel.cancel();
    /// assert!(ctx.is_done());
    /// ```
    #[inline]
    pub fn is_done(&self) -> bool {
        self.err().is_some()
    }

    /// Why this context is done, or `None` while it is not — Go's `ctx.Err()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::context::{Context, ContextError};
    ///
    /// let (ctx, cancel) = Context::background().with_cancel();
    /// assert_eq!(ctx.err(), None);
    /// cancel.cancel();
    /// assert_eq!(ctx.err(), Some(ContextError::Canceled));
    /// ```
    pub fn err(&self) -> Option<ContextError> {
        if let Some(e) = self.node.cancel.as_ref().and_then(|c| c.observe()) {
            return Some(e);
        }
        // The timer may not have fired yet; the deadline is a fact already.
        match self.node.deadline {
            Some(d) if Instant::now() >= d => Some(ContextError::DeadlineExceeded),
            _ => None,
        }
    }

    fn err_quiet(&self) -> Option<ContextError> {
        self.node.cancel.as_ref().and_then(|c| c.err())
    }

    /// The deadline, if this context or an ancestor has one — Go's `ctx.Deadline()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil::context::Context;
    ///
    /// assert_eq!(Context::background().deadline(), None);
    /// let (ctx, _c) = Context::background().with_timeout(Duration::from_secs(1));
    /// assert!(ctx.deadline().is_some());
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.node.deadline
    }

    /// Runs `f` once when this context is cancelled (at once if it already
    /// is) unless the returned guard is dropped first. Used by the toolkit's
    /// blocking primitives to wake their waiters.
    pub(crate) fn on_done(&self, f: impl FnOnce() + Send + 'static) -> OnDone {
        match &self.node.cancel {
            Some(c) => OnDone { key: c.add_callback(Box::new(f)).map(|k| (c.clone(), k)) },
            None => OnDone { key: None },
        }
    }

    /// This context's resource, for blocking records.
    pub(crate) fn resource(&self) -> Option<Arc<dyn Resource>> {
        self.node.meta.clone().map(|m| m as Arc<dyn Resource>)
    }
}

/// Unregisters an `on_done` callback when dropped.
pub(crate) struct OnDone {
    key: Option<(Arc<CancelState>, u64)>,
}

impl Drop for OnDone {
    fn drop(&mut self) {
        if let Some((c, k)) = self.key.take() {
            c.remove_callback(k);
        }
    }
}
