//! `spawn`, `spawn_blocking`, `spawn_local`: tokio's, with the task
//! registered as a worker first (in the spawner, so its parent and lineage
//! are the spawner's).

use super::instrumented::Instrumented;
use super::JoinHandle;
use std::future::Future;
use std::panic::Location;

/// Spawns a task on the current runtime; mirrors `tokio::spawn`. The task
/// is a tracked worker of kind `task`, spawned at the caller's site.
///
/// # Panics
///
/// Outside a tokio runtime, as `tokio::spawn` does.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "tokio")]
/// # {
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let h = vigil::tokio::task::spawn(async { "done" });
///     assert_eq!(h.await.unwrap(), "done");
/// });
/// # }
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_named(None, Location::caller(), future)
}

pub(crate) fn spawn_named<F>(
    name: Option<&str>,
    site: &'static Location<'static>,
    future: F,
) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let core = vigil_detector::task::on_task_spawn(name.map(str::to_owned), site);
    let worker = core.as_ref().map(|c| c.worker().clone());
    JoinHandle::new(tokio::spawn(Instrumented::new(core, future)), worker)
}

/// Runs `f` on tokio's blocking pool; mirrors `tokio::task::spawn_blocking`.
/// It is a tracked worker of kind `task` while it runs.
///
/// # Panics
///
/// Outside a tokio runtime, as tokio's does.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "tokio")]
/// # {
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let h = vigil::tokio::task::spawn_blocking(|| 6 * 7);
///     assert_eq!(h.await.unwrap(), 42);
/// });
/// # }
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    spawn_blocking_named(None, Location::caller(), f)
}

pub(crate) fn spawn_blocking_named<F, R>(
    name: Option<&str>,
    site: &'static Location<'static>,
    f: F,
) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let core = vigil_detector::task::on_task_spawn(name.map(str::to_owned), site);
    let worker = core.as_ref().map(|c| c.worker().clone());
    let inner = tokio::task::spawn_blocking(move || match core {
        Some(core) => core.run(f),
        None => f(),
    });
    JoinHandle::new(inner, worker)
}

/// Spawns a `!Send` task on the current `LocalSet`; mirrors
/// `tokio::task::spawn_local`. The task is a tracked worker of kind `task`.
///
/// # Panics
///
/// Outside a `LocalSet`, as tokio's does.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "tokio")]
/// # {
/// use std::rc::Rc;
///
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let local = tokio::task::LocalSet::new();
/// local.block_on(&rt, async {
///     let shared = Rc::new(5); // not Send
///     let h = vigil::tokio::task::spawn_local(async move { *shared + 1 });
///     assert_eq!(h.await.unwrap(), 6);
/// });
/// # }
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_local_named(None, Location::caller(), future)
}

pub(crate) fn spawn_local_named<F>(
    name: Option<&str>,
    site: &'static Location<'static>,
    future: F,
) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let core = vigil_detector::task::on_task_spawn(name.map(str::to_owned), site);
    let worker = core.as_ref().map(|c| c.worker().clone());
    JoinHandle::new(tokio::task::spawn_local(Instrumented::new(core, future)), worker)
}
