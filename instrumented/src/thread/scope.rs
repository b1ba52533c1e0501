//! Scoped threads: std's `scope`, with every scoped thread tracked.

use super::builder::Builder;
use std::panic::Location;
use std::sync::Arc;
use vigil_detector::{on_block, on_join, Op, Worker};

/// A scope to spawn scoped threads in — mirrors `std::thread::Scope`.
///
/// # Examples
///
/// ```
/// let mut a = vec![1, 2, 3];
/// let mut x = 0;
/// vigil::thread::scope(|s| {
///     s.spawn(|| println!("hello from a scoped thread: {a:?}"));
///     s.spawn(|| x += a[0] + a[2]);
/// });
/// a.push(4);
/// assert_eq!(x, a.len());
/// ```
///
/// # Differences from the standard library
///
/// Every scoped thread is a tracked worker.
#[repr(transparent)]
pub struct Scope<'scope, 'env: 'scope> {
    inner: std::thread::Scope<'scope, 'env>,
}

impl std::fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

/// Creates a scope for spawning scoped threads — mirrors `std::thread::scope`.
///
/// # Panics
///
/// As std: if any un-joined scoped thread panicked, after all have been joined.
///
/// # Examples
///
/// ```
/// let total = vigil::thread::scope(|s| {
///     let h = s.spawn(|| 40);
///     h.join().unwrap() + 2
/// });
/// assert_eq!(total, 42);
/// ```
#[track_caller]
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    let end = ScopeEnd { key: std::cell::Cell::new(0) };
    std::thread::scope(|s| {
        end.key.set(s as *const std::thread::Scope<'_, '_> as usize);
        f(Scope::wrap(s))
    })
}

// === the implicit joins at the end of a scope (race checker) ===

/// Scoped workers not yet joined, by the address of their live scope: when
/// the scope returns, std has joined them all, so their ends happen-before it.
static UNJOINED: std::sync::Mutex<Vec<(usize, Arc<Worker>)>> = std::sync::Mutex::new(Vec::new());

/// Records a scoped worker for the implicit join at the end of its scope.
pub(crate) fn on_scoped_spawn(scope: &std::thread::Scope<'_, '_>, worker: Option<&Arc<Worker>>) {
    if let (Some(w), true) = (worker, vigil_detector::race_enabled()) {
        let key = scope as *const std::thread::Scope<'_, '_> as usize;
        UNJOINED.lock().unwrap_or_else(|e| e.into_inner()).push((key, w.clone()));
    }
}

struct ScopeEnd {
    key: std::cell::Cell<usize>,
}

impl Drop for ScopeEnd {
    fn drop(&mut self) {
        let key = self.key.get();
        if key == 0 || !vigil_detector::race_enabled() {
            return;
        }
        let ended: Vec<Arc<Worker>> = {
            let mut all = UNJOINED.lock().unwrap_or_else(|e| e.into_inner());
            let mut mine = Vec::new();
            all.retain(|(k, w)| {
                if *k == key {
                    mine.push(w.clone());
                    false
                } else {
                    true
                }
            });
            mine
        };
        for w in &ended {
            on_join(w);
        }
    }
}

impl<'scope, 'env> Scope<'scope, 'env> {
    fn wrap<'a>(s: &'a std::thread::Scope<'scope, 'env>) -> &'a Scope<'scope, 'env> {
        // SAFETY: `Scope` is `#[repr(transparent)]` over `std::thread::Scope`
        // with the same lifetimes, so the pointer cast keeps layout, validity
        // and the borrow's lifetime.
        unsafe { &*(s as *const std::thread::Scope<'scope, 'env> as *const Scope<'scope, 'env>) }
    }

    pub(crate) fn std(&'scope self) -> &'scope std::thread::Scope<'scope, 'env> {
        &self.inner
    }

    /// Spawns a scoped thread — mirrors `std::thread::Scope::spawn`.
    ///
    /// # Panics
    ///
    /// If the OS fails to create a thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let data = vec![1, 2, 3];
    /// let sum = vigil::thread::scope(|s| {
    ///     let h = s.spawn(|| data.iter().sum::<i32>()); // borrows `data`
    ///     h.join().unwrap()
    /// });
    /// assert_eq!(sum, 6);
    /// ```
    #[track_caller]
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        Builder::new().spawn_scoped(self, f).expect("failed to spawn thread")
    }
}

/// An owned permission to join on a scoped thread — mirrors
/// `std::thread::ScopedJoinHandle`.
///
/// # Examples
///
/// ```
/// vigil::thread::scope(|s| {
///     let h: vigil::thread::ScopedJoinHandle<'_, u8> = s.spawn(|| 7);
///     assert_eq!(h.join().unwrap(), 7);
/// });
/// ```
pub struct ScopedJoinHandle<'scope, T> {
    inner: std::thread::ScopedJoinHandle<'scope, T>,
    worker: Option<Arc<Worker>>,
}

impl<T> std::fmt::Debug for ScopedJoinHandle<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopedJoinHandle").field("thread", self.inner.thread()).finish_non_exhaustive()
    }
}

impl<'scope, T> ScopedJoinHandle<'scope, T> {
    pub(crate) fn new(inner: std::thread::ScopedJoinHandle<'scope, T>, worker: Option<Arc<Worker>>) -> Self {
        ScopedJoinHandle { inner, worker }
    }

    /// Waits for the thread to finish.
    ///
    /// # Errors
    ///
    /// As std: `Err` with the panic payload if the thread panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// vigil::thread::scope(|s| {
    ///     assert_eq!(s.spawn(|| "done").join().unwrap(), "done");
    ///     assert!(s.spawn(|| panic!("boom")).join().is_err());
    /// });
    /// ```
    #[track_caller]
    pub fn join(self) -> std::thread::Result<T> {
        let result = if self.inner.is_finished() {
            self.inner.join()
        } else {
            let target: Vec<Arc<dyn vigil_detector::Resource>> =
                self.worker.as_ref().map(|w| w.join_target()).into_iter().collect();
            let _blocked = on_block(Op::Join, Location::caller(), target);
            self.inner.join()
        };
        if let Some(w) = &self.worker {
            on_join(w);
        }
        result
    }

    /// The thread's handle.
    ///
    /// # Examples
    ///
    /// ```
    /// vigil::thread::scope(|s| {
    ///     let h = vigil::thread::Builder::new().name("scoped".into()).spawn_scoped(s, || {}).unwrap();
    ///     assert_eq!(h.thread().name(), Some("scoped"));
    /// });
    /// ```
    pub fn thread(&self) -> &std::thread::Thread {
        self.inner.thread()
    }

    /// Whether the thread has finished running its closure.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = vigil::channel::bounded::<()>(0);
    /// vigil::thread::scope(|s| {
    ///     let h = s.spawn(move || rx.recv());
    ///     assert!(!h.is_finished()); // blocked in recv until the send below
    ///     tx.send(()).unwrap();
    ///     h.join().unwrap().unwrap();
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }
}
