//! `JoinHandle`: std's, plus the join's blocking state and happens-before edge.

use std::panic::Location;
use std::sync::Arc;
use vigil_detector::{on_block, on_join, Op, Worker};

/// An owned permission to join on a thread — mirrors `std::thread::JoinHandle`.
///
/// # Examples
///
/// ```
/// let h = vigil::thread::spawn(|| "done");
/// assert_eq!(h.thread().id(), h.thread().id());
/// assert_eq!(h.join().unwrap(), "done");
/// ```
///
/// # Differences from the standard library
///
/// A `join` that must wait is shown as the joiner blocked in `join`; when
/// it returns, the joiner happens-after everything the thread did.
pub struct JoinHandle<T> {
    inner: std::thread::JoinHandle<T>,
    worker: Option<Arc<Worker>>,
}

impl<T> std::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinHandle").field("thread", self.inner.thread()).finish_non_exhaustive()
    }
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(inner: std::thread::JoinHandle<T>, worker: Option<Arc<Worker>>) -> Self {
        JoinHandle { inner, worker }
    }

    /// Waits for the thread to finish, returning its result or its panic payload.
    ///
    /// # Errors
    ///
    /// As std: `Err` with the panic payload if the thread panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// let h = vigil::thread::spawn(|| 6 * 7);
    /// assert_eq!(h.join().unwrap(), 42);
    ///
    /// let h = vigil::thread::spawn(|| panic!("boom"));
    /// assert!(h.join().is_err());
    /// ```
    #[track_caller]
    pub fn join(self) -> std::thread::Result<T> {
        let site = Location::caller();
        let result = if self.inner.is_finished() {
            self.inner.join()
        } else {
            join_slow(self.inner, site, self.worker.as_ref())
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
    /// let h = vigil::thread::Builder::new().name("worker".into()).spawn(|| {}).unwrap();
    /// assert_eq!(h.thread().name(), Some("worker"));
    /// h.join().unwrap();
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
    /// let h = vigil::thread::spawn(move || rx.recv());
    /// assert!(!h.is_finished()); // blocked in recv until the send below
    /// tx.send(()).unwrap();
    /// h.join().unwrap().unwrap();
    /// ```
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }
}

#[cold]
#[inline(never)]
pub(crate) fn join_slow<T>(
    inner: std::thread::JoinHandle<T>,
    site: &'static Location<'static>,
    worker: Option<&Arc<Worker>>,
) -> std::thread::Result<T> {
    let target: Vec<Arc<dyn vigil_detector::Resource>> =
        worker.map(|w| w.join_target()).into_iter().collect();
    let _blocked = on_block(Op::Join, site, target);
    inner.join()
}
