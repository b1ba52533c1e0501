//! `spawn` and `Builder`: std's, plus the worker's registration.

use super::{JoinHandle, Scope, ScopedJoinHandle};
use std::io;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe, Location};
use vigil_detector::{on_spawn, panic_message, SpawnTicket};

/// Spawns a new thread, returning a [`JoinHandle`] for it — `std::thread::spawn`,
/// tracked as a worker.
///
/// # Panics
///
/// Panics if the OS fails to create a thread; use [`Builder::spawn`] to
/// recover from such errors.
///
/// # Examples
///
/// ```
/// let handle = vigil::thread::spawn(|| 6 * 7);
/// assert_eq!(handle.join().unwrap(), 42);
/// ```
///
/// # Differences from the standard library
///
/// The thread is registered as a worker with its spawn site and an
/// unresolved spawn backtrace; its state is tracked until it returns or panics.
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f).expect("failed to spawn thread")
}

/// Thread factory, to configure the properties of a new thread — mirrors
/// `std::thread::Builder`.
///
/// # Examples
///
/// ```
/// use vigil::thread::Builder;
///
/// let handle = Builder::new().name("fetcher".into()).stack_size(64 * 1024).spawn(|| {
///     assert_eq!(vigil::thread::current().name(), Some("fetcher"));
/// }).unwrap();
/// handle.join().unwrap();
/// ```
///
/// # Differences from the standard library
///
/// The name also names the worker in vigil's reports and dashboard.
#[derive(Debug)]
#[must_use = "must eventually spawn the thread"]
pub struct Builder {
    inner: std::thread::Builder,
    name: Option<String>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

/// Runs `f` as the tracked worker `ticket` registered, marking how it ended.
pub(crate) fn run_worker<T>(ticket: SpawnTicket, f: impl FnOnce() -> T) -> T {
    let scope = ticket.on_start();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => {
            scope.on_finish(None);
            v
        }
        Err(payload) => {
            scope.on_finish(Some(panic_message(&*payload)));
            resume_unwind(payload)
        }
    }
}

impl Builder {
    /// A builder with std's defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// let h = vigil::thread::Builder::new().spawn(|| 1).unwrap();
    /// assert_eq!(h.join().unwrap(), 1);
    /// ```
    pub fn new() -> Builder {
        Builder { inner: std::thread::Builder::new(), name: None }
    }

    /// Names the thread (and the worker).
    ///
    /// # Examples
    ///
    /// ```
    /// let h = vigil::thread::Builder::new()
    ///     .name("fetcher".into())
    ///     .spawn(|| vigil::thread::current().name().map(str::to_owned))
    ///     .unwrap();
    /// assert_eq!(h.join().unwrap().as_deref(), Some("fetcher"));
    /// ```
    pub fn name(mut self, name: String) -> Builder {
        self.inner = self.inner.name(name.clone());
        self.name = Some(name);
        self
    }

    /// Sets the stack size, in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// let h = vigil::thread::Builder::new().stack_size(256 * 1024).spawn(|| 2 + 2).unwrap();
    /// assert_eq!(h.join().unwrap(), 4);
    /// ```
    pub fn stack_size(mut self, size: usize) -> Builder {
        self.inner = self.inner.stack_size(size);
        self
    }

    /// Spawns the thread.
    ///
    /// # Errors
    ///
    /// As std: the OS error if the thread could not be created.
    ///
    /// # Examples
    ///
    /// ```
    /// let h = vigil::thread::Builder::new().name("adder".into()).spawn(|| 20 + 22).unwrap();
    /// assert_eq!(h.join().unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let ticket = on_spawn(self.name, Location::caller());
        let worker = ticket.worker().cloned();
        // On failure std drops the closure, and with it the unstarted ticket,
        // which unregisters the worker.
        let inner = self.inner.spawn(move || run_worker(ticket, f))?;
        Ok(JoinHandle::new(inner, worker))
    }

    /// Spawns a scoped thread — mirrors `std::thread::Builder::spawn_scoped`.
    ///
    /// # Errors
    ///
    /// As std: the OS error if the thread could not be created.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut n = 0;
    /// vigil::thread::scope(|s| {
    ///     vigil::thread::Builder::new().name("adder".into()).spawn_scoped(s, || n += 1).unwrap();
    /// });
    /// assert_eq!(n, 1);
    /// ```
    #[track_caller]
    pub fn spawn_scoped<'scope, 'env, F, T>(
        self,
        scope: &'scope Scope<'scope, 'env>,
        f: F,
    ) -> io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let ticket = on_spawn(self.name, Location::caller());
        let worker = ticket.worker().cloned();
        let inner = self.inner.spawn_scoped(scope.std(), move || run_worker(ticket, f))?;
        super::scope::on_scoped_spawn(scope.std(), worker.as_ref());
        Ok(ScopedJoinHandle::new(inner, worker))
    }
}
