//! The worker lifecycle hooks `vigil::thread` calls: `on_spawn` in the parent,
//! [`SpawnTicket::on_start`] in the child, [`WorkerScope::on_finish`] as it ends,
//! and [`on_join`] in whoever joins it.

use crate::clock::VectorClock;
use crate::events::{EventKind, Message};
use crate::registry::registry;
use crate::sync::Arc;
use crate::worker::{current_worker, set_current, Worker};
use std::panic::Location;

/// What a parent hands to the thread it spawns.
///
/// # Examples
///
/// ```
/// let ticket = vigil_detector::on_spawn(Some("never-started".into()), std::panic::Location::caller());
/// let id = ticket.worker().unwrap().id();
/// let live = || vigil_detector::check::snapshot().workers.iter().any(|w| w.id == id);
/// assert!(live());
/// drop(ticket); // the thread could not be spawned: the worker never existed
/// assert!(!live());
/// ```
#[derive(Debug)]
pub struct SpawnTicket {
    worker: Option<Arc<Worker>>,
    clock: Option<VectorClock>,
}

/// Registers a worker about to be spawned by the calling thread at `site`.
///
/// Captures the spawn backtrace unresolved (resolved only if a report needs it)
/// and the parent's clock for the spawn → child-start edge. Returns an inert
/// ticket when tracking is off.
///
/// # Examples
///
/// ```
/// let ticket = vigil_detector::on_spawn(Some("worker".into()), std::panic::Location::caller());
/// let id = ticket.worker().map(|w| w.id());
/// std::thread::spawn(move || {
///     let scope = ticket.on_start();
///     scope.on_finish(None);
/// })
/// .join()
/// .unwrap();
/// # let _ = id;
/// ```
#[inline]
pub fn on_spawn(name: Option<String>, site: &'static Location<'static>) -> SpawnTicket {
    if !crate::enabled() {
        return SpawnTicket { worker: None, clock: None };
    }
    spawn_slow(name, site)
}

#[cold]
#[inline(never)]
fn spawn_slow(name: Option<String>, site: &'static Location<'static>) -> SpawnTicket {
    let reg = registry();
    let parent = current_worker();
    let bt = crate::trace::Trace::capture();
    let w = Arc::new(Worker::new(reg.next_worker_id(), name, parent.as_deref(), Some(site), Some(bt), false));
    reg.insert(w.clone());
    reg.events.push(EventKind::Spawn, Some(w.to_ref()), None, None, Message::Spawned(site));
    SpawnTicket { worker: Some(w), clock: crate::hb::fork() }
}

impl SpawnTicket {
    /// The worker this ticket registered (`None` when tracking is off).
    ///
    /// # Examples
    ///
    /// ```
    /// let ticket = vigil_detector::on_spawn(Some("indexer".into()), std::panic::Location::caller());
    /// let worker = ticket.worker().unwrap();
    /// assert_eq!(worker.name(), Some("indexer"));
    /// assert!(worker.descends_from(vigil_detector::current_worker_id().unwrap())); // its spawner
    /// ```
    pub fn worker(&self) -> Option<&Arc<Worker>> {
        self.worker.as_ref()
    }

    /// Called first thing in the spawned thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let ticket = vigil_detector::on_spawn(None, std::panic::Location::caller());
    /// let id = ticket.worker().map(|w| w.id());
    /// let seen = std::thread::spawn(move || {
    ///     let scope = ticket.on_start();
    ///     let me = vigil_detector::current_worker_id(); // the thread runs as the ticket's worker
    ///     scope.on_finish(None);
    ///     me
    /// })
    /// .join()
    /// .unwrap();
    /// assert_eq!(seen, id);
    /// ```
    pub fn on_start(mut self) -> WorkerScope {
        let worker = self.worker.take();
        if let Some(w) = &worker {
            set_current(w.clone());
            if let Some(c) = &self.clock {
                crate::hb::acquire_clock(c);
            }
        }
        WorkerScope { worker }
    }
}

impl Drop for SpawnTicket {
    /// A ticket dropped unstarted means the thread could not be spawned:
    /// the worker never existed.
    fn drop(&mut self) {
        if let Some(w) = self.worker.take() {
            registry().workers.remove(&w.id);
        }
    }
}

/// Held by a running worker; [`on_finish`](WorkerScope::on_finish) marks it done.
///
/// # Examples
///
/// ```
/// use vigil_detector::WorkerState;
///
/// let ticket = vigil_detector::on_spawn(None, std::panic::Location::caller());
/// let id = ticket.worker().unwrap().id();
/// std::thread::spawn(move || {
///     let scope = ticket.on_start();
///     let result = std::panic::catch_unwind(|| 6 * 7); // the worker's closure
///     scope.on_finish(result.err().map(|p| vigil_detector::panic_message(&*p)));
/// })
/// .join()
/// .unwrap();
/// let finished = vigil_detector::check::snapshot().finished;
/// assert!(finished.iter().any(|w| w.id == id && w.state == WorkerState::Finished));
/// ```
#[derive(Debug)]
pub struct WorkerScope {
    worker: Option<Arc<Worker>>,
}

impl WorkerScope {
    /// The worker's closure returned (`panic == None`) or unwound with `panic`.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::WorkerState;
    ///
    /// let ticket = vigil_detector::on_spawn(None, std::panic::Location::caller());
    /// let id = ticket.worker().unwrap().id();
    /// std::thread::spawn(move || ticket.on_start().on_finish(Some("boom".into()))).join().unwrap();
    /// let w = vigil_detector::check::snapshot().finished.into_iter().find(|w| w.id == id).unwrap();
    /// assert_eq!(w.state, WorkerState::Panicked);
    /// assert_eq!(w.panic.as_deref(), Some("boom"));
    /// ```
    pub fn on_finish(self, panic: Option<String>) {
        if let Some(w) = &self.worker {
            if let Some(c) = crate::hb::finish() {
                *w.final_clock.lock() = Some(c);
            }
            #[cfg(feature = "detect")]
            if let Some(msg) = &panic {
                tracing::warn!(target: "vigil", worker = %w.to_ref(), "vigil: {} panicked: {msg}", w.to_ref());
            }
            registry().finish(w, panic);
        }
    }
}

/// The calling thread joined `worker`: it learns everything the worker did.
///
/// # Examples
///
/// ```
/// use vigil_detector::hb::current_clock;
///
/// let ticket = vigil_detector::on_spawn(None, std::panic::Location::caller());
/// let worker = ticket.worker().unwrap().clone();
/// let theirs = std::thread::spawn(move || {
///     let scope = ticket.on_start();
///     let theirs = current_clock(); // everything the worker did
///     scope.on_finish(None);
///     theirs
/// })
/// .join()
/// .unwrap();
/// let before = current_clock();
/// vigil_detector::on_join(&worker); // after the real join returns
/// if vigil_detector::race_enabled() {
///     assert!(!theirs.le(&before)); // std's join is no edge vigil sees...
///     assert!(theirs.le(&current_clock())); // ...`on_join` is
/// }
/// ```
pub fn on_join(worker: &Worker) {
    if let Some(c) = worker.final_clock.lock().as_ref() {
        crate::hb::acquire_clock(c);
    }
}

/// The message of a panic payload, as `std` prints it.
///
/// # Examples
///
/// ```
/// let payload: Box<dyn std::any::Any + Send> = Box::new("boom");
/// assert_eq!(vigil_detector::panic_message(&*payload), "boom");
/// ```
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_string()
    }
}
