//! `ErrGroup<E>`: Go's `golang.org/x/sync/errgroup` — tracked tasks, the
//! first error wins and cancels the group's context, an optional limit on
//! tasks running at once.

use crate::context::Context;
use crate::thread::{Builder, JoinHandle};
use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe, Location};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use vigil_detector::{on_block, CounterStats, Op, Resource, ResourceKind, ResourceMeta, ResourceStats};

/// A group of tasks working on subtasks of one job — Go's `errgroup.Group`.
///
/// Each [`spawn`](ErrGroup::spawn) runs its task on a tracked worker thread.
/// [`wait`](ErrGroup::wait) joins every task and returns the first error; a
/// group made by [`with_context`](ErrGroup::with_context) cancels its
/// context at the first error (and when `wait` returns), so siblings that
/// watch it stop early. A task's panic is re-raised by `wait`.
///
/// # Examples
///
/// ```
/// use vigil::pool::ErrGroup;
///
/// let group = ErrGroup::<String>::new();
/// for i in 0..4 {
///     group.spawn(move || if i == 2 { Err(format!("task {i} failed")) } else { Ok(()) });
/// }
/// assert_eq!(group.wait(), Err("task 2 failed".to_string()));
/// ```
///
/// # What vigil records
///
/// Tasks are workers named after the group; a `spawn` waiting for a slot
/// under [`set_limit`](ErrGroup::set_limit) is blocked in `pool_get` on the
/// group; `wait` joins every task, so each task's end happens-before it returns.
pub struct ErrGroup<E> {
    shared: Arc<Shared<E>>,
    name: String,
}

struct Shared<E> {
    state: Mutex<State<E>>,
    cv: Condvar,
    active: Arc<AtomicUsize>,
    meta: Option<Arc<ErrGroupMeta>>,
}

struct State<E> {
    handles: Vec<JoinHandle<()>>,
    err: Option<E>,
    panic: Option<Box<dyn Any + Send>>,
    active: usize,
    limit: Option<usize>,
    /// Cancels the group's context at the first error.
    cancel: Option<Arc<dyn Fn() + Send + Sync>>,
}

struct ErrGroupMeta {
    meta: ResourceMeta,
    active: Arc<AtomicUsize>,
    limit: AtomicUsize,
    waiters: AtomicUsize,
}

impl Resource for ErrGroupMeta {
    fn meta(&self) -> &ResourceMeta {
        &self.meta
    }

    fn summary(&self) -> String {
        let limit = self.limit.load(Ordering::Relaxed);
        let limit = if limit == usize::MAX { "no limit".to_string() } else { format!("limit {limit}") };
        format!(
            "{} tasks running ({limit}), {} spawns waiting",
            self.active.load(Ordering::Relaxed),
            self.waiters.load(Ordering::Relaxed)
        )
    }

    fn stats(&self) -> ResourceStats {
        let limit = self.limit.load(Ordering::Relaxed);
        ResourceStats::Counter(CounterStats {
            count: self.active.load(Ordering::Relaxed) as i64,
            capacity: (limit != usize::MAX).then_some(limit as i64),
            waiters: self.waiters.load(Ordering::Relaxed),
        })
    }
}

impl Drop for ErrGroupMeta {
    fn drop(&mut self) {
        vigil_detector::unregister_resource(self.meta.id());
    }
}

impl<E> std::fmt::Debug for ErrGroup<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErrGroup")
            .field("name", &self.name)
            .field("active", &self.shared.active.load(Ordering::Relaxed))
            .finish()
    }
}

impl<E: Send + 'static> Default for ErrGroup<E> {
    #[track_caller]
    fn default() -> Self {
        ErrGroup::new()
    }
}

impl<E: Send + 'static> ErrGroup<E> {
    /// A group without a context and without a limit.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = vigil::pool::ErrGroup::<()>::new();
    /// group.spawn(|| Ok(()));
    /// assert_eq!(group.wait(), Ok(()));
    /// ```
    #[track_caller]
    pub fn new() -> ErrGroup<E> {
        ErrGroup::build(None, Location::caller())
    }

    /// A group whose returned context (derived from `ctx`) is cancelled at
    /// the first error, or when [`wait`](ErrGroup::wait) returns — Go's
    /// `errgroup.WithContext`.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::context::Context;
    /// use vigil::pool::ErrGroup;
    ///
    /// let (group, ctx) = ErrGroup::<&str>::with_context(&Context::background());
    /// let watcher = ctx.clone();
    /// group.spawn(move || {
    ///     let _ = watcher.done().recv(); // stops when a sibling fails
    ///     Ok(())
    /// });
    /// group.spawn(|| Err("boom"));
    /// assert_eq!(group.wait(), Err("boom"));
    /// assert!(ctx.is_done());
    /// ```
    #[track_caller]
    pub fn with_context(ctx: &Context) -> (ErrGroup<E>, Context) {
        let (child, handle) = ctx.with_cancel();
        let group = ErrGroup::build(None, Location::caller());
        group.shared.lock().cancel = Some(Arc::new(move || handle.cancel()));
        (group, child)
    }

    fn build(name: Option<String>, site: &'static Location<'static>) -> ErrGroup<E> {
        let active = Arc::new(AtomicUsize::new(0));
        let meta = vigil_detector::enabled().then(|| {
            let m = Arc::new(ErrGroupMeta {
                meta: ResourceMeta::new(ResourceKind::ErrGroup, name.clone(), site),
                active: active.clone(),
                limit: AtomicUsize::new(usize::MAX),
                waiters: AtomicUsize::new(0),
            });
            vigil_detector::register_resource(m.clone());
            m
        });
        let name = name
            .or_else(|| meta.as_ref().map(|m| m.meta.name().to_string()))
            .unwrap_or_else(|| "errgroup".into());
        ErrGroup {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    handles: Vec::new(),
                    err: None,
                    panic: None,
                    active: 0,
                    limit: None,
                    cancel: None,
                }),
                cv: Condvar::new(),
                active,
                meta,
            }),
            name,
        }
    }

    /// Names the group's tasks (`"{name}"`) and the group in reports.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = vigil::pool::ErrGroup::<()>::new().named("fetch");
    /// group.spawn(|| { assert_eq!(vigil::thread::current().name(), Some("fetch")); Ok(()) });
    /// group.wait().unwrap();
    /// ```
    pub fn named(mut self, name: impl Into<String>) -> ErrGroup<E> {
        self.name = name.into();
        self
    }

    /// Limits the tasks running at once to `n`: a `spawn` past the limit
    /// waits for a running task to end. `0` means no limit.
    ///
    /// # Panics
    ///
    /// If tasks are running (as Go's, the limit may only change between rounds).
    ///
    /// # Examples
    ///
    /// ```
    /// let group = vigil::pool::ErrGroup::<()>::new();
    /// group.set_limit(2);
    /// for _ in 0..5 {
    ///     group.spawn(|| Ok(()));
    /// }
    /// group.wait().unwrap();
    /// ```
    pub fn set_limit(&self, n: usize) {
        let mut st = self.shared.lock();
        assert!(st.active == 0, "vigil: ErrGroup::set_limit while {} tasks are still running", st.active);
        st.limit = (n > 0).then_some(n);
        if let Some(m) = &self.shared.meta {
            m.limit.store(if n == 0 { usize::MAX } else { n }, Ordering::Relaxed);
        }
    }

    /// Runs `task` on a new tracked worker, first waiting for a slot if the
    /// group has a limit. Its error (the group's first) is returned by `wait`.
    ///
    /// # Panics
    ///
    /// If the OS cannot create a thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = vigil::pool::ErrGroup::<std::io::Error>::new();
    /// group.spawn(|| Ok(()));
    /// group.wait().unwrap();
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, task: F)
    where
        F: FnOnce() -> Result<(), E> + Send + 'static,
    {
        let site = Location::caller();
        let mut st = self.shared.lock();
        if st.limit.is_some_and(|l| st.active >= l) {
            st = self.wait_for_slot(st, site);
        }
        st.active += 1;
        self.shared.active.store(st.active, Ordering::Relaxed);
        let shared = self.shared.clone();
        let spawned = Builder::new().name(self.name.clone()).spawn(move || run_task(&shared, task));
        match spawned {
            Ok(h) => {
                st.handles.push(h);
            }
            Err(e) => {
                st.active -= 1;
                self.shared.active.store(st.active, Ordering::Relaxed);
                drop(st);
                panic!("vigil: ErrGroup could not spawn a task: {e}");
            }
        }
    }

    /// Like [`spawn`](ErrGroup::spawn), but returns `false` instead of
    /// waiting when the group is at its limit — Go's `TryGo`.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = vigil::pool::ErrGroup::<()>::new();
    /// group.set_limit(1);
    /// let (tx, rx) = std::sync::mpsc::channel::<()>();
    /// assert!(group.try_spawn(move || { let _ = rx.recv(); Ok(()) }));
    /// assert!(!group.try_spawn(|| Ok(())));
    /// drop(tx);
    /// group.wait().unwrap();
    /// ```
    #[track_caller]
    pub fn try_spawn<F>(&self, task: F) -> bool
    where
        F: FnOnce() -> Result<(), E> + Send + 'static,
    {
        {
            let st = self.shared.lock();
            if st.limit.is_some_and(|l| st.active >= l) {
                return false;
            }
        }
        // Only this thread adds tasks between the check and the spawn unless
        // the group is shared; then `spawn` may wait briefly, which is harmless.
        self.spawn(task);
        true
    }

    #[cold]
    #[inline(never)]
    fn wait_for_slot<'a>(
        &'a self,
        mut st: MutexGuard<'a, State<E>>,
        site: &'static Location<'static>,
    ) -> MutexGuard<'a, State<E>> {
        let _blocked = self
            .shared
            .meta
            .as_ref()
            .map(|m| on_block(Op::PoolGet, site, vec![m.clone() as Arc<dyn Resource>]));
        if let Some(m) = &self.shared.meta {
            m.waiters.fetch_add(1, Ordering::Relaxed);
        }
        while st.limit.is_some_and(|l| st.active >= l) {
            st = self.shared.cv.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
        if let Some(m) = &self.shared.meta {
            m.waiters.fetch_sub(1, Ordering::Relaxed);
        }
        st
    }

    /// Joins every task (including ones spawned while waiting), then returns
    /// the first error. Cancels the group's context, if it has one.
    ///
    /// # Errors
    ///
    /// The first error a task returned.
    ///
    /// # Panics
    ///
    /// Re-raises the first task panic, after every task has been joined.
    ///
    /// # Examples
    ///
    /// ```
    /// let group = vigil::pool::ErrGroup::<u8>::new();
    /// group.spawn(|| Err(1));
    /// assert_eq!(group.wait(), Err(1));
    /// ```
    #[track_caller]
    pub fn wait(&self) -> Result<(), E> {
        loop {
            let handles = std::mem::take(&mut self.shared.lock().handles);
            if handles.is_empty() {
                break;
            }
            for h in handles {
                // The task's panic is kept in the shared state by `run_task`.
                let _ = h.join();
            }
        }
        let (err, panic, cancel) = {
            let mut st = self.shared.lock();
            (st.err.take(), st.panic.take(), st.cancel.clone())
        };
        if let Some(c) = cancel {
            c();
        }
        if let Some(p) = panic {
            resume_unwind(p);
        }
        match err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl<E> Shared<E> {
    fn lock(&self) -> MutexGuard<'_, State<E>> {
        // Tasks run outside the lock; nothing panics under it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn run_task<E, F: FnOnce() -> Result<(), E>>(shared: &Shared<E>, task: F) {
    let outcome = catch_unwind(AssertUnwindSafe(task));
    let cancel = {
        let mut st = shared.lock();
        st.active -= 1;
        shared.active.store(st.active, Ordering::Relaxed);
        let first = st.err.is_none() && st.panic.is_none();
        let cancel = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(e)) => {
                if st.err.is_none() {
                    st.err = Some(e);
                }
                first.then(|| st.cancel.clone()).flatten()
            }
            Err(p) => {
                if st.panic.is_none() {
                    st.panic = Some(p);
                }
                first.then(|| st.cancel.clone()).flatten()
            }
        };
        shared.cv.notify_all();
        cancel
    };
    if let Some(c) = cancel {
        c();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_error_is_kept() {
        let g = ErrGroup::<u32>::new();
        g.set_limit(1); // runs one at a time, in order
        g.spawn(|| Err(1));
        g.spawn(|| Err(2));
        assert_eq!(g.wait(), Err(1));
        assert_eq!(g.wait(), Ok(())); // taken
    }

    #[test]
    #[should_panic(expected = "set_limit while")]
    fn limit_cannot_change_while_tasks_run() {
        let g = ErrGroup::<()>::new();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        g.spawn(move || {
            let _ = rx.recv();
            Ok(())
        });
        let _keep = tx;
        g.set_limit(1);
    }
}
