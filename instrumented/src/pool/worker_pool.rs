//! `WorkerPool`: a fixed set of named, tracked worker threads running jobs
//! from one FIFO queue.

use crate::thread::{Builder, JoinHandle};
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use vigil_detector::hb::SyncClock;
use vigil_detector::{on_block, Op, PoolStats, Resource, ResourceKind, ResourceMeta, ResourceStats};

type Job = Box<dyn FnOnce() + Send>;

/// A fixed number of named worker threads running queued jobs.
///
/// Workers are tracked workers named `"{pool}-{i}"`, so a pool that is never
/// shut down shows in a leak report as idle workers carrying the pool's name,
/// blocked in `recv` on the pool. [`shutdown`](WorkerPool::shutdown) runs
/// every queued job and joins the workers; dropping the pool without it
/// still stops them (after the job each is running; queued jobs are dropped).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use vigil::pool::WorkerPool;
///
/// let pool = WorkerPool::named("resizer", 2);
/// let done = Arc::new(AtomicUsize::new(0));
/// for _ in 0..10 {
///     let done = done.clone();
///     pool.execute(move || {
///         done.fetch_add(1, Ordering::SeqCst);
///     });
/// }
/// pool.shutdown(); // runs all ten, then joins both workers
/// assert_eq!(done.load(Ordering::SeqCst), 10);
/// ```
///
/// # What vigil records
///
/// The snapshot shows workers, busy workers, queued and completed jobs; each
/// `execute` happens-before the start of its job.
pub struct WorkerPool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

struct Shared {
    name: String,
    queue: Mutex<Queue>,
    cv: Condvar,
    counters: Arc<Counters>,
    meta: Option<Arc<WorkerPoolMeta>>,
}

struct Queue {
    jobs: VecDeque<(Job, Option<SyncClock>)>,
    /// Workers waiting on the condvar (execute only signals when one is).
    waiting: usize,
    /// `shutdown`: finish the queue, then exit.
    draining: bool,
    /// Dropped: exit after the current job.
    stopped: bool,
}

#[derive(Default)]
struct Counters {
    size: AtomicUsize,
    busy: AtomicUsize,
    queued: AtomicUsize,
    completed: AtomicU64,
    panicked: AtomicU64,
}

impl Counters {
    fn stats(&self) -> PoolStats {
        PoolStats {
            size: self.size.load(Ordering::Relaxed),
            busy: self.busy.load(Ordering::Relaxed),
            queued: self.queued.load(Ordering::Relaxed),
            completed: self.completed.load(Ordering::Relaxed),
            panicked: self.panicked.load(Ordering::Relaxed),
            ..PoolStats::default()
        }
    }
}

struct WorkerPoolMeta {
    meta: ResourceMeta,
    counters: Arc<Counters>,
}

impl Resource for WorkerPoolMeta {
    fn meta(&self) -> &ResourceMeta {
        &self.meta
    }

    fn summary(&self) -> String {
        let s = self.counters.stats();
        format!("{} workers, {} busy, {} queued, {} completed", s.size, s.busy, s.queued, s.completed)
    }

    fn stats(&self) -> ResourceStats {
        ResourceStats::Pool(self.counters.stats())
    }
}

impl Drop for WorkerPoolMeta {
    fn drop(&mut self) {
        vigil_detector::unregister_resource(self.meta.id());
    }
}

impl std::fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerPool").field("name", &self.shared.name).field("stats", &self.stats()).finish()
    }
}

impl WorkerPool {
    /// A pool of `n` workers, named after its creation site.
    ///
    /// # Panics
    ///
    /// If `n` is zero, or the OS cannot create a thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = vigil::pool::WorkerPool::new(4);
    /// pool.execute(|| println!("hello from a worker"));
    /// pool.shutdown();
    /// ```
    #[track_caller]
    pub fn new(n: usize) -> WorkerPool {
        WorkerPool::build(None, n, Location::caller())
    }

    /// A pool of `n` workers named `"{name}-0"`, `"{name}-1"`, …
    ///
    /// # Panics
    ///
    /// If `n` is zero, or the OS cannot create a thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = vigil::pool::WorkerPool::named("encoder", 2);
    /// pool.execute(|| assert!(vigil::thread::current().name().unwrap().starts_with("encoder-")));
    /// pool.shutdown();
    /// ```
    #[track_caller]
    pub fn named(name: impl Into<String>, n: usize) -> WorkerPool {
        WorkerPool::build(Some(name.into()), n, Location::caller())
    }

    #[track_caller]
    fn build(name: Option<String>, n: usize, site: &'static Location<'static>) -> WorkerPool {
        assert!(n > 0, "vigil: a WorkerPool needs at least one worker");
        let counters = Arc::new(Counters::default());
        let meta = vigil_detector::enabled().then(|| {
            let m = Arc::new(WorkerPoolMeta {
                meta: ResourceMeta::new(ResourceKind::WorkerPool, name.clone(), site),
                counters: counters.clone(),
            });
            vigil_detector::register_resource(m.clone());
            m
        });
        let name = name
            .or_else(|| meta.as_ref().map(|m| m.meta.name().to_string()))
            .unwrap_or_else(|| "worker-pool".into());
        let shared = Arc::new(Shared {
            name,
            queue: Mutex::new(Queue { jobs: VecDeque::new(), waiting: 0, draining: false, stopped: false }),
            cv: Condvar::new(),
            counters,
            meta,
        });
        let mut workers = Vec::with_capacity(n);
        for i in 0..n {
            let s = shared.clone();
            let spawned = spawn_worker(format!("{}-{i}", shared.name), move || worker_loop(&s, site));
            match spawned {
                Ok(h) => workers.push(h),
                Err(e) => {
                    // Stop the ones already started before reporting.
                    drop(WorkerPool { shared, workers });
                    panic!("vigil: WorkerPool could not spawn a worker: {e}");
                }
            }
            shared.counters.size.fetch_add(1, Ordering::Relaxed);
        }
        WorkerPool { shared, workers }
    }

    /// Queues `job` to run on a worker.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = vigil::pool::WorkerPool::new(1);
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// pool.execute(move || tx.send(6 * 7).unwrap());
    /// assert_eq!(rx.recv().unwrap(), 42);
    /// pool.shutdown();
    /// ```
    pub fn execute<F: FnOnce() + Send + 'static>(&self, job: F) {
        let clock = vigil_detector::race_enabled().then(|| {
            let c = SyncClock::new();
            c.release();
            c
        });
        let mut q = self.shared.lock();
        q.jobs.push_back((Box::new(job), clock));
        self.shared.counters.queued.fetch_add(1, Ordering::Relaxed);
        // Busy workers look at the queue before they wait again.
        let wake = q.waiting > 0;
        drop(q);
        if wake {
            self.shared.cv.notify_one();
        }
    }

    /// Runs every queued job, then stops and joins the workers.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = vigil::pool::WorkerPool::new(2);
    /// pool.execute(|| {});
    /// pool.shutdown();
    /// ```
    #[track_caller]
    pub fn shutdown(mut self) {
        self.shared.lock().draining = true;
        self.shared.cv.notify_all();
        let me = std::thread::current().id();
        for h in std::mem::take(&mut self.workers) {
            // A job that shuts down its own pool cannot join itself.
            if h.thread().id() != me {
                let _ = h.join();
            }
        }
    }

    /// Workers, busy workers, queued and completed jobs.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = vigil::pool::WorkerPool::new(3);
    /// assert_eq!(pool.stats().size, 3);
    /// pool.shutdown();
    /// ```
    pub fn stats(&self) -> PoolStats {
        self.shared.counters.stats()
    }

    /// The pool's name (its creation site when not named).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = vigil::pool::WorkerPool::named("resizer", 2);
    /// assert_eq!(pool.name(), "resizer");
    /// pool.shutdown();
    /// ```
    pub fn name(&self) -> &str {
        &self.shared.name
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        if self.workers.is_empty() {
            return;
        }
        let dropped = {
            let mut q = self.shared.lock();
            q.stopped = true;
            std::mem::take(&mut q.jobs)
        };
        self.shared.counters.queued.store(0, Ordering::Relaxed);
        self.shared.cv.notify_all();
        // Dropped outside the lock: a job's captures may run arbitrary drops.
        drop(dropped);
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // Jobs run outside the lock; nothing panics under it.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[track_caller]
fn spawn_worker(name: String, f: impl FnOnce() + Send + 'static) -> std::io::Result<JoinHandle<()>> {
    Builder::new().name(name).spawn(f)
}

fn worker_loop(s: &Shared, site: &'static Location<'static>) {
    loop {
        let (job, clock) = {
            let mut q = s.lock();
            loop {
                if q.stopped {
                    return;
                }
                if let Some(j) = q.jobs.pop_front() {
                    s.counters.queued.fetch_sub(1, Ordering::Relaxed);
                    break j;
                }
                if q.draining {
                    return;
                }
                let _idle =
                    s.meta.as_ref().map(|m| on_block(Op::Recv, site, vec![m.clone() as Arc<dyn Resource>]));
                q.waiting += 1;
                q = s.cv.wait(q).unwrap_or_else(PoisonError::into_inner);
                q.waiting -= 1;
            }
        };
        if let Some(c) = clock {
            c.acquire();
        }
        s.counters.busy.fetch_add(1, Ordering::Relaxed);
        // A panicking job is reported by the panic hook; the worker lives on.
        if catch_unwind(AssertUnwindSafe(job)).is_err() {
            s.counters.panicked.fetch_add(1, Ordering::Relaxed);
        }
        s.counters.busy.fetch_sub(1, Ordering::Relaxed);
        s.counters.completed.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_job_does_not_kill_its_worker() {
        let pool = WorkerPool::named("unit-panics", 1);
        pool.execute(|| panic!("job failed"));
        let (tx, rx) = std::sync::mpsc::channel();
        pool.execute(move || tx.send(()).unwrap());
        rx.recv().unwrap();
        assert_eq!(pool.stats().panicked, 1);
        pool.shutdown();
    }

    #[test]
    #[should_panic(expected = "at least one worker")]
    fn zero_workers_is_refused() {
        let _ = WorkerPool::new(0);
    }
}
