//! Workers: every thread spawned through `vigil::thread`, plus the outside
//! threads (a test's own thread, `main`) that create guards or touch vigil
//! primitives.
//!
//! A worker's state is a small mutex-protected cell that only its own thread
//! writes (on the blocking slow path) and readers take briefly for snapshots.

use crate::clock::VectorClock;
use crate::resource::Resource;
use crate::sync::{Arc, Mutex};
#[cfg(feature = "serde")]
use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::Location;
use std::time::{Instant, SystemTime};

/// A worker's process-unique id. Ids grow monotonically, so a worker with a
/// larger id was registered later.
///
/// # Examples
///
/// ```
/// use std::panic::Location;
/// use vigil_detector::WorkerId;
///
/// let first = vigil_detector::on_spawn(None, Location::caller());
/// let second = vigil_detector::on_spawn(None, Location::caller());
/// assert!(first.worker().unwrap().id() < second.worker().unwrap().id());
/// assert_eq!(WorkerId(7).to_string(), "7");
/// assert_eq!(serde_json::to_value(WorkerId(7)).unwrap(), 7);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct WorkerId(pub u64);

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The operation a blocked worker is in. Serialized as the contract's `op` strings.
///
/// # Examples
///
/// ```
/// use vigil_detector::Op;
///
/// assert_eq!(Op::PoolGet.to_string(), "pool_get");
/// assert_eq!(serde_json::to_value(Op::ContextDone).unwrap(), "context_done");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Op {
    /// Sending on a channel.
    Send,
    /// Receiving from a channel.
    Recv,
    /// In `select!` / `Select` over several channel operations.
    Select,
    /// Locking a `Mutex`.
    Lock,
    /// Read-locking an `RwLock`.
    Read,
    /// Write-locking an `RwLock`.
    Write,
    /// Waiting on a `Condvar`.
    CondvarWait,
    /// In `WaitGroup::wait`.
    WaitgroupWait,
    /// Joining a thread.
    Join,
    /// Waiting at a `Barrier`.
    Barrier,
    /// Acquiring a `Semaphore`.
    Semaphore,
    /// Waiting for a `Context` to be done.
    ContextDone,
    /// Waiting for a pooled object or a pool slot.
    PoolGet,
    /// In `thread::park`.
    Park,
    /// In `thread::sleep`.
    Sleep,
    /// Anything else.
    Other,
}

impl Op {
    /// The op's contract name (`"send"`, `"condvar_wait"`, …).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(vigil_detector::Op::CondvarWait.as_str(), "condvar_wait");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Send => "send",
            Op::Recv => "recv",
            Op::Select => "select",
            Op::Lock => "lock",
            Op::Read => "read",
            Op::Write => "write",
            Op::CondvarWait => "condvar_wait",
            Op::WaitgroupWait => "waitgroup_wait",
            Op::Join => "join",
            Op::Barrier => "barrier",
            Op::Semaphore => "semaphore",
            Op::ContextDone => "context_done",
            Op::PoolGet => "pool_get",
            Op::Park => "park",
            Op::Sleep => "sleep",
            Op::Other => "other",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A worker's coarse state. Serialized as `running`, `blocked`, `idle`,
/// `finished`, `panicked`, `cancelled`.
///
/// # Examples
///
/// ```
/// use vigil_detector::WorkerState;
///
/// let me = vigil_detector::current_worker().unwrap();
/// assert_eq!(me.state(), WorkerState::Running);
/// assert_eq!(serde_json::to_value(WorkerState::Panicked).unwrap(), "panicked");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum WorkerState {
    /// Alive and not in a tracked blocking operation.
    Running,
    /// Alive and inside a tracked blocking operation.
    Blocked,
    /// A task that returned `Pending` and waits for a wake (tasks only).
    Idle,
    /// Returned normally.
    Finished,
    /// Unwound with a panic.
    Panicked,
    /// A task dropped before it completed: aborted, or dropped with its
    /// `JoinSet` or runtime (tasks only).
    Cancelled,
}

impl WorkerState {
    /// The state's contract name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(vigil_detector::WorkerState::Blocked.as_str(), "blocked");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerState::Running => "running",
            WorkerState::Blocked => "blocked",
            WorkerState::Idle => "idle",
            WorkerState::Finished => "finished",
            WorkerState::Panicked => "panicked",
            WorkerState::Cancelled => "cancelled",
        }
    }

    /// Still alive: `running`, `blocked` or `idle`.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::WorkerState;
    ///
    /// assert!(WorkerState::Idle.is_alive());
    /// assert!(!WorkerState::Cancelled.is_alive());
    /// ```
    pub fn is_alive(self) -> bool {
        matches!(self, WorkerState::Running | WorkerState::Blocked | WorkerState::Idle)
    }
}

/// What a worker is: an OS thread or a tokio task. Serialized as `thread`, `task`.
///
/// # Examples
///
/// ```
/// use vigil_detector::WorkerKind;
///
/// let me = vigil_detector::current_worker().unwrap();
/// assert_eq!(me.kind(), WorkerKind::Thread);
/// assert_eq!(serde_json::to_value(WorkerKind::Task).unwrap(), "task");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum WorkerKind {
    /// An OS thread (spawned through vigil, or an outside thread).
    #[default]
    Thread,
    /// A tokio task spawned through `vigil::tokio`.
    Task,
}

impl WorkerKind {
    /// The kind's contract name (`"thread"`, `"task"`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(vigil_detector::WorkerKind::Task.as_str(), "task");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerKind::Thread => "thread",
            WorkerKind::Task => "task",
        }
    }
}

impl fmt::Display for WorkerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a blocked worker waits for.
///
/// # Examples
///
/// ```
/// use vigil_detector::Op;
///
/// let site = std::panic::Location::caller();
/// let waiting = vigil_detector::on_block(Op::Sleep, site, Vec::new());
/// let blocked = vigil_detector::current_worker().unwrap().blocked().unwrap();
/// assert_eq!(blocked.op, Op::Sleep);
/// assert!(blocked.resources.is_empty()); // a sleep waits on nothing
/// assert_eq!(blocked.site, site);
/// assert_eq!(blocked.since, waiting.since());
/// ```
#[derive(Clone)]
pub struct Blocked {
    /// The operation.
    pub op: Op,
    /// The resources it waits on (several for `select!`; none for `sleep`).
    pub resources: Vec<Arc<dyn Resource>>,
    /// Where the blocking call was made.
    pub site: &'static Location<'static>,
    /// When it started to wait.
    pub since: Instant,
}

impl fmt::Debug for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blocked")
            .field("op", &self.op)
            .field("resources", &self.resources.iter().map(|r| r.meta().to_ref()).collect::<Vec<_>>())
            .field("site", &self.site)
            .finish()
    }
}

#[derive(Debug)]
pub(crate) struct StateCell {
    pub(crate) state: WorkerState,
    pub(crate) blocked: Option<Blocked>,
    pub(crate) ended: Option<Instant>,
    pub(crate) panic: Option<String>,
}

/// A serializable reference to a worker: `{"id", "name"}`.
///
/// # Examples
///
/// ```
/// use vigil_detector::{WorkerId, WorkerRef};
///
/// let named = WorkerRef { id: WorkerId(3), name: Some("fetcher".into()) };
/// assert_eq!(named.to_string(), "worker 3 \"fetcher\"");
/// assert_eq!(WorkerRef { id: WorkerId(4), name: None }.to_string(), "worker 4");
/// let json = serde_json::to_value(&named).unwrap();
/// assert_eq!(json, serde_json::json!({"id": 3, "name": "fetcher"}));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct WorkerRef {
    /// The worker's id.
    pub id: WorkerId,
    /// Its name (the thread's name; `None` for an unnamed thread).
    pub name: Option<String>,
}

impl fmt::Display for WorkerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "worker {} \"{}\"", self.id, n),
            None => write!(f, "worker {}", self.id),
        }
    }
}

/// The registry's record of one worker.
///
/// # Examples
///
/// ```
/// use vigil_detector::WorkerState;
///
/// let me = vigil_detector::current_worker().unwrap();
/// let ticket = vigil_detector::on_spawn(Some("fetcher".into()), std::panic::Location::caller());
/// let w = ticket.worker().unwrap();
/// assert_eq!(w.name(), Some("fetcher"));
/// assert_eq!(w.state(), WorkerState::Running);
/// assert!(w.descends_from(me.id()));
/// ```
pub struct Worker {
    pub(crate) id: WorkerId,
    pub(crate) name: Option<String>,
    pub(crate) parent: Option<WorkerRef>,
    /// Ancestors, root first, not including this worker.
    pub(crate) lineage: Arc<[WorkerId]>,
    pub(crate) spawned_at: Option<&'static Location<'static>>,
    pub(crate) backtrace: crate::trace::Trace,
    /// Not spawned through vigil (a test thread, `main`).
    pub(crate) external: bool,
    /// Thread or task.
    pub(crate) kind: WorkerKind,
    /// A task's poll counters (`None` for a thread).
    pub(crate) task: Option<Box<crate::task::TaskCounters>>,
    pub(crate) started: Instant,
    pub(crate) started_wall: SystemTime,
    pub(crate) state: Mutex<StateCell>,
    /// The thread's vector clock at its end, for the `join` edge.
    pub(crate) final_clock: Mutex<Option<VectorClock>>,
    /// The worker seen as a resource: what a `join` waits on.
    pub(crate) as_resource: crate::resource::ResourceMeta,
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker").field("id", &self.id).field("name", &self.name).finish()
    }
}

impl Worker {
    pub(crate) fn new(
        id: WorkerId,
        name: Option<String>,
        parent: Option<&Worker>,
        spawned_at: Option<&'static Location<'static>>,
        backtrace: Option<crate::trace::Trace>,
        external: bool,
    ) -> Worker {
        let lineage: Arc<[WorkerId]> = match parent {
            Some(p) => p.lineage.iter().copied().chain(std::iter::once(p.id)).collect(),
            None => Arc::from(Vec::new()),
        };
        let name_for_resource = name.clone().unwrap_or_else(|| format!("worker {id}"));
        Worker {
            id,
            name,
            parent: parent.map(Worker::to_ref),
            lineage,
            spawned_at,
            backtrace: backtrace.unwrap_or_else(crate::trace::Trace::none),
            external,
            kind: WorkerKind::Thread,
            task: None,
            started: Instant::now(),
            started_wall: SystemTime::now(),
            state: Mutex::new(StateCell {
                state: WorkerState::Running,
                blocked: None,
                ended: None,
                panic: None,
            }),
            final_clock: Mutex::new(None),
            as_resource: crate::resource::ResourceMeta::new(
                crate::resource::ResourceKind::Thread,
                Some(name_for_resource),
                spawned_at.unwrap_or(Location::caller()),
            ),
        }
    }

    /// This worker as the resource a `join` waits on.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::ResourceKind;
    ///
    /// let ticket = vigil_detector::on_spawn(Some("fetcher".into()), std::panic::Location::caller());
    /// let target = ticket.worker().unwrap().join_target();
    /// assert_eq!(target.meta().kind(), ResourceKind::Thread);
    /// assert_eq!(target.meta().name(), "fetcher");
    /// assert_eq!(target.summary(), "running"); // the worker's state
    /// ```
    pub fn join_target(self: &Arc<Self>) -> Arc<dyn Resource> {
        self.clone()
    }

    /// The worker's id.
    ///
    /// # Examples
    ///
    /// ```
    /// let me = vigil_detector::current_worker().unwrap();
    /// assert_eq!(Some(me.id()), vigil_detector::current_worker_id());
    /// assert_eq!(me.to_ref().id, me.id());
    /// ```
    pub fn id(&self) -> WorkerId {
        self.id
    }

    /// Whether the worker is a thread or a task.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::WorkerKind;
    ///
    /// let ticket = vigil_detector::on_spawn(None, std::panic::Location::caller());
    /// assert_eq!(ticket.worker().unwrap().kind(), WorkerKind::Thread);
    /// ```
    pub fn kind(&self) -> WorkerKind {
        self.kind
    }

    /// The worker's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::panic::Location;
    ///
    /// let named = vigil_detector::on_spawn(Some("fetcher".into()), Location::caller());
    /// let unnamed = vigil_detector::on_spawn(None, Location::caller());
    /// assert_eq!(named.worker().unwrap().name(), Some("fetcher"));
    /// assert_eq!(unnamed.worker().unwrap().name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// `{"id", "name"}` of this worker.
    ///
    /// # Examples
    ///
    /// ```
    /// let ticket = vigil_detector::on_spawn(Some("fetcher".into()), std::panic::Location::caller());
    /// let w = ticket.worker().unwrap();
    /// let r = w.to_ref();
    /// assert_eq!(r.id, w.id());
    /// assert_eq!(r.to_string(), format!("worker {} \"fetcher\"", w.id()));
    /// ```
    pub fn to_ref(&self) -> WorkerRef {
        WorkerRef { id: self.id, name: self.name.clone() }
    }

    /// The worker's current coarse state.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::WorkerState;
    ///
    /// let ticket = vigil_detector::on_spawn(Some("job".into()), std::panic::Location::caller());
    /// let job = ticket.worker().unwrap().clone();
    /// assert_eq!(job.state(), WorkerState::Running);
    /// std::thread::spawn(move || ticket.on_start().on_finish(Some("boom".into()))).join().unwrap();
    /// assert_eq!(job.state(), WorkerState::Panicked);
    /// ```
    pub fn state(&self) -> WorkerState {
        let st = self.state.lock().state;
        self.refine(st)
    }

    /// A running task between polls is `idle`.
    #[inline]
    pub(crate) fn refine(&self, st: WorkerState) -> WorkerState {
        match (&self.task, st) {
            (Some(t), WorkerState::Running) if !t.in_poll() => WorkerState::Idle,
            _ => st,
        }
    }

    /// What the worker is blocked on, if it is blocked.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::Op;
    ///
    /// let me = vigil_detector::current_worker().unwrap();
    /// assert!(me.blocked().is_none());
    /// let waiting = vigil_detector::on_block(Op::Park, std::panic::Location::caller(), Vec::new());
    /// assert_eq!(me.blocked().map(|b| b.op), Some(Op::Park));
    /// drop(waiting);
    /// assert!(me.blocked().is_none());
    /// ```
    pub fn blocked(&self) -> Option<Blocked> {
        self.state.lock().blocked.clone()
    }

    /// Whether `ancestor` spawned this worker, directly or transitively.
    ///
    /// # Examples
    ///
    /// ```
    /// let me = vigil_detector::current_worker().unwrap();
    /// let ticket = vigil_detector::on_spawn(None, std::panic::Location::caller());
    /// let child = ticket.worker().unwrap();
    /// assert!(child.descends_from(me.id()));
    /// assert!(!me.descends_from(child.id()));
    /// assert!(!child.descends_from(child.id())); // see `in_lineage_of`
    /// ```
    pub fn descends_from(&self, ancestor: WorkerId) -> bool {
        self.lineage.contains(&ancestor)
    }

    /// Whether this worker is `root` or descends from it.
    ///
    /// # Examples
    ///
    /// ```
    /// let me = vigil_detector::current_worker().unwrap();
    /// let ticket = vigil_detector::on_spawn(None, std::panic::Location::caller());
    /// let child = ticket.worker().unwrap();
    /// assert!(child.in_lineage_of(child.id()));
    /// assert!(child.in_lineage_of(me.id()));
    /// assert!(!me.in_lineage_of(child.id()));
    /// ```
    pub fn in_lineage_of(&self, root: WorkerId) -> bool {
        self.id == root || self.descends_from(root)
    }
}

// === the current thread's worker ===

struct CurrentSlot {
    worker: RefCell<Option<Arc<Worker>>>,
    id: Cell<u64>,
}

impl Drop for CurrentSlot {
    fn drop(&mut self) {
        // An outside thread (never spawned through vigil) leaves the registry
        // when it exits; vigil's own workers are finished by their scope.
        if let Some(w) = self.worker.get_mut().take() {
            if w.external {
                crate::registry::registry().remove_external(&w);
            }
        }
    }
}

thread_local! {
    static CURRENT: CurrentSlot = const {
        CurrentSlot { worker: RefCell::new(None), id: Cell::new(0) }
    };
}

/// The calling thread's worker, registering an outside thread on first use.
/// `None` when tracking is off or while the thread's locals are being destroyed.
///
/// # Examples
///
/// ```
/// let me = vigil_detector::current_worker().unwrap();
/// assert_eq!(vigil_detector::current_worker_id(), Some(me.id()));
/// ```
pub fn current_worker() -> Option<Arc<Worker>> {
    if !crate::enabled() {
        return None;
    }
    CURRENT
        .try_with(|slot| {
            if let Some(w) = slot.worker.borrow().as_ref() {
                return w.clone();
            }
            let w = crate::registry::registry().register_external();
            slot.id.set(w.id.0);
            *slot.worker.borrow_mut() = Some(w.clone());
            w
        })
        .ok()
}

/// The calling thread's worker id, cheap after the first call on a thread.
///
/// # Examples
///
/// ```
/// assert!(vigil_detector::current_worker_id().is_some());
/// ```
#[inline]
pub fn current_worker_id() -> Option<WorkerId> {
    if !crate::enabled() {
        return None;
    }
    let fast = CURRENT.try_with(|slot| slot.id.get()).ok()?;
    if fast != 0 {
        Some(WorkerId(fast))
    } else {
        current_worker().map(|w| w.id)
    }
}

/// Puts `worker` in the calling thread's slot and returns what was there
/// (a task entering or leaving a poll). `None` if the thread's locals are gone.
pub(crate) fn swap_current(worker: Option<Arc<Worker>>) -> Option<Arc<Worker>> {
    CURRENT
        .try_with(|slot| {
            slot.id.set(worker.as_ref().map_or(0, |w| w.id.0));
            slot.worker.replace(worker)
        })
        .ok()
        .flatten()
}

/// Installs `worker` as the calling thread's worker (at a spawned thread's start).
pub(crate) fn set_current(worker: Arc<Worker>) {
    let _ = CURRENT.try_with(|slot| {
        slot.id.set(worker.id.0);
        *slot.worker.borrow_mut() = Some(worker);
    });
}

impl Resource for Worker {
    fn meta(&self) -> &crate::resource::ResourceMeta {
        &self.as_resource
    }

    fn summary(&self) -> String {
        self.state().as_str().to_string()
    }
}
