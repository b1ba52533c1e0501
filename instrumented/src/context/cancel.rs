//! The cancellation state a cancellable context shares with its
//! `CancelHandle`, its descendants and its deadline timer.
//!
//! | field | meaning |
//! |---|---|
//! | `err` (atomic) | 0 = live, 1 = canceled, 2 = deadline exceeded; set once |
//! | `children` | descendants' states, cancelled with this one |
//! | `callbacks` | wakers of primitives waiting with this context (semaphore, errgroup) |
//! | `done_tx` | the sender half of `done()`'s channel; dropped on cancel, which disconnects every receiver |

use super::done::{done_channel, DoneReceiver, DoneSender};
use super::ContextError;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Instant;
use vigil_detector::hb::SyncClock;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

type Callback = Box<dyn FnOnce() + Send>;

pub(crate) struct CancelState {
    id: u64,
    err: AtomicU8,
    inner: Mutex<CancelInner>,
    hb: SyncClock,
    parent: Option<Weak<CancelState>>,
    kind: &'static str,
    site: &'static Location<'static>,
}

#[derive(Default)]
struct CancelInner {
    cancelled_at: Option<Instant>,
    children: Vec<(u64, Weak<CancelState>)>,
    pruned_at: usize,
    callbacks: Vec<(u64, Callback)>,
    next_callback: u64,
    done_tx: Option<DoneSender>,
    done_rx: Option<DoneReceiver>,
}

impl CancelState {
    /// A new state, linked under `parent` (cancelled at once if the parent is done).
    pub(crate) fn new(
        parent: Option<&Arc<CancelState>>,
        kind: &'static str,
        site: &'static Location<'static>,
    ) -> Arc<CancelState> {
        let state = Arc::new(CancelState {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            err: AtomicU8::new(0),
            inner: Mutex::new(CancelInner::default()),
            hb: SyncClock::new(),
            parent: parent.map(Arc::downgrade),
            kind,
            site,
        });
        if let Some(p) = parent {
            let inherited = {
                let mut pi = p.lock();
                match p.err() {
                    Some(e) => Some(e),
                    None => {
                        if pi.children.len() >= 32 && pi.children.len() >= 2 * pi.pruned_at {
                            pi.children.retain(|(_, w)| w.strong_count() > 0);
                            pi.pruned_at = pi.children.len();
                        }
                        pi.children.push((state.id, Arc::downgrade(&state)));
                        None
                    }
                }
            };
            if let Some(e) = inherited {
                p.hb.acquire();
                state.cancel(e);
            }
        }
        state
    }

    fn lock(&self) -> MutexGuard<'_, CancelInner> {
        // Nothing panics while this lock is held (callbacks run after it is released).
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The error, once cancelled (no happens-before edge: see `observe`).
    #[inline]
    pub(crate) fn err(&self) -> Option<ContextError> {
        ContextError::from_code(self.err.load(Ordering::Acquire))
    }

    /// The error, with the cancel → observer happens-before edge.
    #[inline]
    pub(crate) fn observe(&self) -> Option<ContextError> {
        let e = self.err();
        if e.is_some() {
            self.hb.acquire();
        }
        e
    }

    pub(crate) fn cancelled_at(&self) -> Option<Instant> {
        match self.inner.try_lock() {
            Ok(i) => i.cancelled_at,
            Err(_) => None,
        }
    }

    /// Cancels this state and every descendant; idempotent.
    pub(crate) fn cancel(&self, err: ContextError) {
        if self.err().is_some() {
            return;
        }
        self.hb.release();
        let (children, callbacks, tx) = {
            let mut i = self.lock();
            if self.err.compare_exchange(0, err.to_code(), Ordering::AcqRel, Ordering::Acquire).is_err() {
                return;
            }
            i.cancelled_at = Some(Instant::now());
            (std::mem::take(&mut i.children), std::mem::take(&mut i.callbacks), i.done_tx.take())
        };
        // Dropping the sender disconnects `done()`: every receiver wakes.
        drop(tx);
        for (_, cb) in callbacks {
            cb();
        }
        for (_, child) in children {
            if let Some(c) = child.upgrade() {
                c.cancel(err);
            }
        }
        if let Some(p) = self.parent.as_ref().and_then(Weak::upgrade) {
            p.lock().children.retain(|(id, _)| *id != self.id);
        }
    }

    /// The receiver that disconnects when this state is cancelled.
    pub(crate) fn done(&self) -> DoneReceiver {
        let mut i = self.lock();
        if let Some(rx) = &i.done_rx {
            return rx.clone();
        }
        let name = format!("done of {} context at {}:{}", self.kind, self.site.file(), self.site.line());
        let (tx, rx) = done_channel(name, self.site);
        if self.err().is_none() {
            i.done_tx = Some(tx);
        } else {
            drop(tx);
        }
        i.done_rx = Some(rx.clone());
        rx
    }

    /// Runs `f` once when this state is cancelled (at once if it already is),
    /// unless the returned key is passed to `remove_callback` first.
    pub(crate) fn add_callback(&self, f: Callback) -> Option<u64> {
        let mut i = self.lock();
        if self.err().is_some() {
            drop(i);
            f();
            return None;
        }
        let key = i.next_callback;
        i.next_callback += 1;
        i.callbacks.push((key, f));
        Some(key)
    }

    pub(crate) fn remove_callback(&self, key: u64) {
        self.lock().callbacks.retain(|(k, _)| *k != key);
    }
}

/// Cancels its context — Go's `CancelFunc`. Calling [`cancel`](Self::cancel)
/// more than once is harmless; dropping the handle cancels too, so a context
/// lives exactly as long as its handle is kept.
///
/// # Examples
///
/// ```
/// use vigil::context::Context;
///
/// let (ctx, cancel) = Context::background().with_cancel();
/// assert!(!ctx.is_done());
/// cancel.cancel();
/// cancel.cancel(); // idempotent
/// assert!(ctx.is_done());
///
/// let (ctx2, cancel2) = Context::background().with_cancel();
/// drop(cancel2); // dropping cancels, like `defer cancel()`
/// assert!(ctx2.is_done());
/// ```
#[must_use = "dropping a CancelHandle cancels its context at once; bind it (`let (ctx, _cancel) = …`)"]
pub struct CancelHandle {
    state: Arc<CancelState>,
}

impl CancelHandle {
    pub(crate) fn new(state: Arc<CancelState>) -> CancelHandle {
        CancelHandle { state }
    }

    /// Cancels the context and every context derived from it (never its parent).
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::context::{Context, ContextError};
    ///
    /// let (parent, _p) = Context::background().with_cancel();
    /// let (child, cancel) = parent.with_cancel();
    /// cancel.cancel();
    /// assert_eq!(child.err(), Some(ContextError::Canceled));
    /// assert_eq!(parent.err(), None); // never the parent
    /// ```
    pub fn cancel(&self) {
        self.state.cancel(ContextError::Canceled);
    }
}

impl Drop for CancelHandle {
    fn drop(&mut self) {
        self.state.cancel(ContextError::Canceled);
    }
}

impl std::fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelHandle").field("cancelled", &self.state.err().is_some()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn cancel_is_idempotent_and_runs_callbacks_once() {
        let s = CancelState::new(None, "cancel", Location::caller());
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        s.add_callback(Box::new(move || {
            h.fetch_add(1, Ordering::SeqCst);
        }));
        s.cancel(ContextError::Canceled);
        s.cancel(ContextError::DeadlineExceeded);
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        assert_eq!(s.err(), Some(ContextError::Canceled)); // the first cause stays
    }

    #[test]
    fn removed_callback_never_runs_and_late_one_runs_at_once() {
        let s = CancelState::new(None, "cancel", Location::caller());
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let key = s.add_callback(Box::new(move || {
            h.fetch_add(1, Ordering::SeqCst);
        }));
        s.remove_callback(key.unwrap());
        s.cancel(ContextError::Canceled);
        assert_eq!(hits.load(Ordering::SeqCst), 0);
        let h = hits.clone();
        assert!(s
            .add_callback(Box::new(move || {
                h.fetch_add(1, Ordering::SeqCst);
            }))
            .is_none());
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn cancelled_child_leaves_its_parent() {
        let p = CancelState::new(None, "cancel", Location::caller());
        let c = CancelState::new(Some(&p), "cancel", Location::caller());
        assert_eq!(p.lock().children.len(), 1);
        c.cancel(ContextError::Canceled);
        assert!(p.lock().children.is_empty());
        assert_eq!(p.err(), None);
    }
}
