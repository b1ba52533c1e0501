//! `Semaphore`: a weighted, FIFO semaphore like golang.org/x/sync/semaphore.
//!
//! Waiters queue in arrival order. A release serves the queue from its front
//! and stops at the first waiter it cannot satisfy, so a large request is
//! never starved by smaller ones that arrived after it.

use crate::context::{Context, ContextError};
use std::collections::VecDeque;
use std::panic::Location;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use vigil_detector::hb::SyncClock;
use vigil_detector::{on_block, Op, Resource, ResourceKind, ResourceMeta, ResourceStats};

/// A weighted semaphore with FIFO waiters — Go's `golang.org/x/sync/semaphore.Weighted`.
///
/// # Examples
///
/// ```
/// use vigil::sync::Semaphore;
///
/// let sem = Semaphore::new(3);
/// let big = sem.acquire(2);
/// assert!(sem.try_acquire(2).is_none()); // only one permit left
/// let small = sem.try_acquire(1).expect("one permit left");
/// drop((big, small));
/// assert_eq!(sem.available_permits(), 3);
/// ```
///
/// # What vigil records
///
/// A blocked `acquire` shows the worker as blocked in `semaphore` on this
/// semaphore; every release happens-before the acquires it serves; the
/// snapshot shows permits available, the size and the waiters.
pub struct Semaphore {
    inner: Arc<Inner>,
}

struct Inner {
    size: usize,
    state: Mutex<State>,
    cv: Condvar,
    hb: SyncClock,
    meta: Option<Arc<SemaphoreMeta>>,
}

struct State {
    /// Permits held.
    cur: usize,
    waiters: VecDeque<Waiter>,
    next_id: u64,
}

struct Waiter {
    id: u64,
    n: usize,
    granted: bool,
}

struct SemaphoreMeta {
    meta: ResourceMeta,
    size: usize,
    available: AtomicUsize,
    waiters: AtomicUsize,
}

impl Resource for SemaphoreMeta {
    fn meta(&self) -> &ResourceMeta {
        &self.meta
    }

    fn summary(&self) -> String {
        format!(
            "{}/{} permits available, {} waiting",
            self.available.load(Ordering::Relaxed),
            self.size,
            self.waiters.load(Ordering::Relaxed)
        )
    }

    fn stats(&self) -> ResourceStats {
        ResourceStats::Counter(vigil_detector::CounterStats {
            count: self.available.load(Ordering::Relaxed) as i64,
            capacity: Some(self.size as i64),
            waiters: self.waiters.load(Ordering::Relaxed),
        })
    }
}

impl Drop for SemaphoreMeta {
    fn drop(&mut self) {
        vigil_detector::unregister_resource(self.meta.id());
    }
}

/// Permits held from a [`Semaphore`]; released when dropped.
///
/// # Examples
///
/// ```
/// let sem = vigil::sync::Semaphore::new(1);
/// {
///     let permit = sem.acquire(1);
///     assert_eq!(permit.permits(), 1);
///     assert_eq!(sem.available_permits(), 0);
/// }
/// assert_eq!(sem.available_permits(), 1);
/// ```
#[must_use = "if unused the permits are released at once"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    n: usize,
}

impl std::fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SemaphorePermit").field("permits", &self.n).finish()
    }
}

impl SemaphorePermit<'_> {
    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = vigil::sync::Semaphore::new(5);
    /// let permit = sem.acquire(3);
    /// assert_eq!(permit.permits(), 3);
    /// ```
    pub fn permits(&self) -> usize {
        self.n
    }

    /// Keeps the permits acquired without releasing them (they are lost
    /// unless [`Semaphore::release`] returns them).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = vigil::sync::Semaphore::new(2);
    /// sem.acquire(1).forget();
    /// assert_eq!(sem.available_permits(), 1);
    /// sem.release(1);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn forget(mut self) {
        self.n = 0;
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if self.n > 0 {
            self.sem.release(self.n);
        }
    }
}

impl std::fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Semaphore");
        d.field("size", &self.inner.size);
        match self.inner.state.try_lock() {
            Ok(st) => d.field("available", &(self.inner.size - st.cur)).field("waiters", &st.waiters.len()),
            Err(_) => d.field("available", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl Semaphore {
    /// A semaphore with `permits` permits in total.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = vigil::sync::Semaphore::new(4);
    /// assert_eq!(sem.available_permits(), 4);
    /// ```
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        Semaphore::build(None, permits, Location::caller())
    }

    /// A semaphore with a name for reports and the dashboard.
    ///
    /// # Examples
    ///
    /// ```
    /// let db_slots = vigil::sync::Semaphore::named("db-connections", 8);
    /// let _p = db_slots.acquire(1);
    /// ```
    #[track_caller]
    pub fn named(name: impl Into<String>, permits: usize) -> Semaphore {
        Semaphore::build(Some(name.into()), permits, Location::caller())
    }

    fn build(name: Option<String>, size: usize, site: &'static Location<'static>) -> Semaphore {
        let meta = vigil_detector::enabled().then(|| {
            let m = Arc::new(SemaphoreMeta {
                meta: ResourceMeta::new(ResourceKind::Semaphore, name, site),
                size,
                available: AtomicUsize::new(size),
                waiters: AtomicUsize::new(0),
            });
            vigil_detector::register_resource(m.clone());
            m
        });
        Semaphore {
            inner: Arc::new(Inner {
                size,
                state: Mutex::new(State { cur: 0, waiters: VecDeque::new(), next_id: 0 }),
                cv: Condvar::new(),
                hb: SyncClock::new(),
                meta,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.lock()
    }

    /// Permits available now.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = vigil::sync::Semaphore::new(5);
    /// let permit = sem.acquire(3);
    /// assert_eq!(sem.available_permits(), 2);
    /// drop(permit);
    /// assert_eq!(sem.available_permits(), 5);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.inner.size - self.lock().cur
    }

    /// Acquires `n` permits, blocking until they are available. Waiters are
    /// served in arrival order.
    ///
    /// # Panics
    ///
    /// If `n` is larger than the semaphore's size (it could never succeed).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let sem = Arc::new(vigil::sync::Semaphore::new(1));
    /// let held = sem.acquire(1);
    /// let s = sem.clone();
    /// let h = vigil::thread::spawn(move || {
    ///     let _p = s.acquire(1); // waits for the release below
    /// });
    /// drop(held);
    /// h.join().unwrap();
    /// ```
    #[track_caller]
    pub fn acquire(&self, n: usize) -> SemaphorePermit<'_> {
        assert!(
            n <= self.inner.size,
            "vigil: Semaphore::acquire({n}) on a semaphore of size {} can never succeed",
            self.inner.size
        );
        match self.acquire_inner(n, None, Location::caller()) {
            Ok(p) => p,
            // Without a context the wait only ends with the permits.
            Err(_) => unreachable!("acquire without a context cannot be cancelled"),
        }
    }

    /// Acquires `n` permits without blocking, if they are available and
    /// nobody is queued before.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = vigil::sync::Semaphore::new(1);
    /// let p = sem.try_acquire(1);
    /// assert!(p.is_some());
    /// assert!(sem.try_acquire(1).is_none());
    /// ```
    pub fn try_acquire(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        let mut st = self.lock();
        if self.inner.size - st.cur >= n && st.waiters.is_empty() {
            st.cur += n;
            self.inner.publish(&st);
            drop(st);
            self.inner.hb.acquire();
            Some(SemaphorePermit { sem: self, n })
        } else {
            None
        }
    }

    /// Acquires `n` permits, or gives up when `ctx` is done first.
    ///
    /// # Errors
    ///
    /// The context's error if it is done before the permits are acquired (at
    /// once if it already is); the semaphore is then left unchanged. A request
    /// larger than the semaphore waits for the context, like Go's.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil::context::{Context, ContextError};
    /// use vigil::sync::Semaphore;
    ///
    /// let sem = Semaphore::new(1);
    /// let _held = sem.acquire(1);
    /// let (ctx, _cancel) = Context::background().with_timeout(Duration::from_millis(20));
    /// assert_eq!(sem.acquire_ctx(&ctx, 1).unwrap_err(), ContextError::DeadlineExceeded);
    /// ```
    #[track_caller]
    pub fn acquire_ctx(&self, ctx: &Context, n: usize) -> Result<SemaphorePermit<'_>, ContextError> {
        if let Some(err) = ctx.err() {
            return Err(err);
        }
        self.acquire_inner(n, Some(ctx), Location::caller())
    }

    /// Returns `n` permits that were [forgotten](SemaphorePermit::forget).
    ///
    /// # Panics
    ///
    /// If this releases more permits than are held.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = vigil::sync::Semaphore::new(1);
    /// sem.acquire(1).forget();
    /// sem.release(1);
    /// assert!(sem.try_acquire(1).is_some());
    /// ```
    pub fn release(&self, n: usize) {
        self.inner.hb.release();
        let mut st = self.lock();
        assert!(n <= st.cur, "vigil: Semaphore::release({n}) releases more than held ({})", st.cur);
        st.cur -= n;
        self.inner.serve(&mut st);
        self.inner.publish(&st);
    }

    fn acquire_inner(
        &self,
        n: usize,
        ctx: Option<&Context>,
        site: &'static Location<'static>,
    ) -> Result<SemaphorePermit<'_>, ContextError> {
        {
            let mut st = self.lock();
            if self.inner.size - st.cur >= n && st.waiters.is_empty() {
                st.cur += n;
                self.inner.publish(&st);
                drop(st);
                self.inner.hb.acquire();
                return Ok(SemaphorePermit { sem: self, n });
            }
        }
        self.acquire_slow(n, ctx, site)
    }

    #[cold]
    #[inline(never)]
    fn acquire_slow(
        &self,
        n: usize,
        ctx: Option<&Context>,
        site: &'static Location<'static>,
    ) -> Result<SemaphorePermit<'_>, ContextError> {
        let inner = &self.inner;
        let _blocked = inner.meta.as_ref().map(|m| {
            let mut on: Vec<Arc<dyn Resource>> = vec![m.clone()];
            on.extend(ctx.and_then(Context::resource));
            on_block(Op::Semaphore, site, on)
        });
        // A context's cancellation wakes this waiter through the condvar.
        let _waker = ctx.map(|c| {
            let weak = Arc::downgrade(inner);
            c.on_done(move || {
                if let Some(i) = weak.upgrade() {
                    let _st = i.lock();
                    i.cv.notify_all();
                }
            })
        });
        let mut st = self.lock();
        let id = st.next_id;
        st.next_id += 1;
        st.waiters.push_back(Waiter { id, n, granted: false });
        // The queue may be servable right away (e.g. released in between).
        inner.serve(&mut st);
        inner.publish(&st);
        loop {
            let pos = st.waiters.iter().position(|w| w.id == id);
            let granted = pos.is_some_and(|p| st.waiters[p].granted);
            if granted {
                if let Some(p) = pos {
                    st.waiters.remove(p);
                }
                inner.publish(&st);
                drop(st);
                inner.hb.acquire();
                return Ok(SemaphorePermit { sem: self, n });
            }
            if let Some(err) = ctx.and_then(Context::err) {
                if let Some(p) = pos {
                    st.waiters.remove(p);
                }
                // It may have been the front waiter holding up smaller ones.
                inner.serve(&mut st);
                inner.publish(&st);
                return Err(err);
            }
            st = inner.cv.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Critical sections never panic while the state is inconsistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Grants permits from the front of the queue, stopping at the first
    /// waiter that cannot be served (FIFO: no overtaking).
    fn serve(&self, st: &mut State) {
        let mut woke = false;
        let mut cur = st.cur;
        for w in st.waiters.iter_mut() {
            if w.granted {
                continue;
            }
            if self.size - cur < w.n {
                break;
            }
            cur += w.n;
            w.granted = true;
            woke = true;
        }
        st.cur = cur;
        if woke {
            self.cv.notify_all();
        }
    }

    fn publish(&self, st: &State) {
        if let Some(m) = &self.meta {
            m.available.store(self.size - st.cur, Ordering::Relaxed);
            m.waiters.store(st.waiters.iter().filter(|w| !w.granted).count(), Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn try_acquire_respects_queue_and_size() {
        let sem = Semaphore::new(2);
        let a = sem.try_acquire(2).unwrap();
        assert!(sem.try_acquire(1).is_none());
        drop(a);
        assert!(sem.try_acquire(2).is_some());
    }
}
