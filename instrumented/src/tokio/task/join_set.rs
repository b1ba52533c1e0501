//! `JoinSet`: tokio's, with every task spawned through vigil (a tracked
//! worker), and the task end → `join_next` edge for the race checker. A
//! dropped set aborts its tasks, as tokio's does: they end `cancelled`,
//! which is not a leak.

use super::instrumented::Instrumented;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::task::{AbortHandle, Id, JoinError};
use vigil_detector::Worker;

type Tagged<T> = (T, Option<Arc<Worker>>);

/// A collection of tasks spawned on a runtime; mirrors `tokio::task::JoinSet`.
///
/// # Differences from tokio
///
/// Every task is a tracked worker of kind `task`. A result returned by
/// `join_next` (or its siblings) is a happens-before edge from everything
/// the task did. Tasks left in a dropped set are aborted (as in tokio) and
/// end `cancelled`: not leaks.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "tokio")]
/// # {
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let mut set = vigil::tokio::task::JoinSet::new();
///     for i in 0..3 {
///         set.spawn(async move { i * 2 });
///     }
///     let mut sum = 0;
///     while let Some(r) = set.join_next().await {
///         sum += r.unwrap();
///     }
///     assert_eq!(sum, 6);
/// });
/// # }
/// ```
pub struct JoinSet<T> {
    inner: tokio::task::JoinSet<Tagged<T>>,
}

fn joined<T>(r: Result<Tagged<T>, JoinError>) -> Result<T, JoinError> {
    r.map(|(v, w)| {
        if let Some(w) = w {
            vigil_detector::on_join(&w);
        }
        v
    })
}

fn joined_with_id<T>(r: Result<(Id, Tagged<T>), JoinError>) -> Result<(Id, T), JoinError> {
    r.map(|(id, (v, w))| {
        if let Some(w) = w {
            vigil_detector::on_join(&w);
        }
        (id, v)
    })
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// assert!(vigil::tokio::task::JoinSet::<()>::new().is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet { inner: tokio::task::JoinSet::new() }
    }

    /// Number of tasks in the set (finished ones not yet joined included).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// # {
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = vigil::tokio::task::JoinSet::new();
    ///     set.spawn(async {});
    ///     assert_eq!(set.len(), 1);
    /// });
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the set has no tasks.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// assert!(vigil::tokio::task::JoinSet::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

impl<T: 'static> JoinSet<T> {
    /// Aborts every task in the set (they stay in it until joined).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// # {
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = vigil::tokio::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.abort_all();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// # }
    /// ```
    pub fn abort_all(&mut self) {
        self.inner.abort_all();
    }

    /// Removes every task from the set without aborting them (they run on,
    /// detached: still alive at a leak check, they are leaks).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// # {
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = vigil::tokio::task::JoinSet::new();
    ///     set.spawn(async {});
    ///     set.detach_all();
    ///     assert!(set.is_empty());
    /// });
    /// # }
    /// ```
    pub fn detach_all(&mut self) {
        self.inner.detach_all();
    }
    /// Spawns `task` on the current runtime into the set.
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
    ///     let mut set = vigil::tokio::task::JoinSet::new();
    ///     let handle = set.spawn(async { 5 });
    ///     assert!(!handle.is_finished() || set.len() == 1);
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 5);
    /// });
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        let core = vigil_detector::task::on_task_spawn(None, Location::caller());
        let worker = core.as_ref().map(|c| c.worker().clone());
        let task = Instrumented::new(core, task);
        self.inner.spawn(async move { (task.await, worker) })
    }

    /// Spawns a `!Send` task on the current `LocalSet` into the set.
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
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// tokio::task::LocalSet::new().block_on(&rt, async {
    ///     let mut set = vigil::tokio::task::JoinSet::new();
    ///     let local = std::rc::Rc::new(4);
    ///     set.spawn_local(async move { *local });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 4);
    /// });
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        let core = vigil_detector::task::on_task_spawn(None, Location::caller());
        let worker = core.as_ref().map(|c| c.worker().clone());
        let task = Instrumented::new(core, task);
        self.inner.spawn_local(async move { (task.await, worker) })
    }

    /// Runs `f` on the blocking pool as a task of the set.
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
    ///     let mut set = vigil::tokio::task::JoinSet::new();
    ///     set.spawn_blocking(|| 9);
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 9);
    /// });
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        let core = vigil_detector::task::on_task_spawn(None, Location::caller());
        let worker = core.as_ref().map(|c| c.worker().clone());
        self.inner.spawn_blocking(move || {
            let v = match core {
                Some(core) => core.run(f),
                None => f(),
            };
            (v, worker)
        })
    }

    /// Waits for one of the tasks to end and returns its output; `None`
    /// when the set is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// # {
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = vigil::tokio::task::JoinSet::new();
    ///     set.spawn(async { "a" });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), "a");
    ///     assert!(set.join_next().await.is_none());
    /// });
    /// # }
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.inner.join_next().await.map(joined)
    }

    /// As [`join_next`](Self::join_next), with tokio's task id.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// # {
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = vigil::tokio::task::JoinSet::new();
    ///     let id = set.spawn(async { 1 }).id();
    ///     assert_eq!(set.join_next_with_id().await.unwrap().unwrap(), (id, 1));
    /// });
    /// # }
    /// ```
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        self.inner.join_next_with_id().await.map(joined_with_id)
    }

    /// A finished task's output if one is ready now, without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// # {
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = vigil::tokio::task::JoinSet::<u8>::new();
    ///     assert!(set.try_join_next().is_none());
    /// });
    /// # }
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.inner.try_join_next().map(joined)
    }

    /// As [`try_join_next`](Self::try_join_next), with tokio's task id.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// # {
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = vigil::tokio::task::JoinSet::<u8>::new();
    ///     assert!(set.try_join_next_with_id().is_none());
    /// });
    /// # }
    /// ```
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        self.inner.try_join_next_with_id().map(joined_with_id)
    }

    /// Polls for the next task to end (the poll form of `join_next`).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// # {
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = vigil::tokio::task::JoinSet::new();
    ///     set.spawn(async { 3 });
    ///     let r = std::future::poll_fn(|cx| set.poll_join_next(cx)).await;
    ///     assert_eq!(r.unwrap().unwrap(), 3);
    /// });
    /// # }
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.inner.poll_join_next(cx).map(|o| o.map(joined))
    }

    /// Aborts every task and waits for all of them to end.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// # {
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = vigil::tokio::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.shutdown().await;
    ///     assert!(set.is_empty());
    /// });
    /// # }
    /// ```
    pub async fn shutdown(&mut self) {
        self.inner.shutdown().await;
    }

    /// Waits for every task and returns their outputs in completion order.
    ///
    /// # Panics
    ///
    /// If a task panicked (its panic is resumed) or was cancelled, as tokio's does.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// # {
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = vigil::tokio::task::JoinSet::new();
    ///     set.spawn(async { 1 });
    ///     set.spawn(async { 2 });
    ///     let mut all = set.join_all().await;
    ///     all.sort();
    ///     assert_eq!(all, [1, 2]);
    /// });
    /// # }
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len());
        while let Some(r) = self.join_next().await {
            match r {
                Ok(v) => out.push(v),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => panic!("{e}"),
            }
        }
        out
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}
