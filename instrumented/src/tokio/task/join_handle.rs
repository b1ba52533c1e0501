//! `JoinHandle`: tokio's, plus the task end → await edge for the race
//! checker (the awaiting worker learns everything the task did).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use tokio::task::{AbortHandle, Id, JoinError};
use vigil_detector::Worker;

/// An owned permission to join a task (await its output); mirrors
/// `tokio::task::JoinHandle`.
///
/// # Differences from tokio
///
/// The await that returns the task's output is a happens-before edge from
/// everything the task did (for the race checker), like `std`'s
/// `JoinHandle::join` in `vigil::thread`. Dropping the handle detaches the
/// task, as in tokio; a detached task still alive at a leak check is a leak.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "tokio")]
/// # {
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let h: vigil::tokio::task::JoinHandle<u32> = vigil::tokio::spawn(async { 7 });
///     assert_eq!(h.await.unwrap(), 7);
/// });
/// # }
/// ```
pub struct JoinHandle<T> {
    inner: tokio::task::JoinHandle<T>,
    worker: Option<Arc<Worker>>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(inner: tokio::task::JoinHandle<T>, worker: Option<Arc<Worker>>) -> JoinHandle<T> {
        JoinHandle { inner, worker }
    }

    /// Aborts the task; its worker ends `cancelled` (not a leak).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// # {
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let h = vigil::tokio::spawn(std::future::pending::<()>());
    ///     h.abort();
    ///     assert!(h.await.unwrap_err().is_cancelled());
    /// });
    /// # }
    /// ```
    pub fn abort(&self) {
        self.inner.abort();
    }

    /// Whether the task has ended.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// # {
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let h = vigil::tokio::spawn(async {});
    ///     while !h.is_finished() {
    ///         tokio::task::yield_now().await;
    ///     }
    ///     h.await.unwrap();
    /// });
    /// # }
    /// ```
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    /// A handle that can abort the task without owning it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// # {
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let h = vigil::tokio::spawn(std::future::pending::<()>());
    ///     h.abort_handle().abort();
    ///     assert!(h.await.unwrap_err().is_cancelled());
    /// });
    /// # }
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        self.inner.abort_handle()
    }

    /// tokio's id of the task.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// # {
    /// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let h = vigil::tokio::spawn(async {});
    ///     assert_eq!(h.id(), h.abort_handle().id());
    ///     h.await.unwrap();
    /// });
    /// # }
    /// ```
    pub fn id(&self) -> Id {
        self.inner.id()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let out = ready!(Pin::new(&mut self.inner).poll(cx));
        if out.is_ok() {
            if let Some(w) = &self.worker {
                vigil_detector::on_join(w);
            }
        }
        Poll::Ready(out)
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.inner.id())
            .field("worker", &self.worker.as_ref().map(|w| w.id()))
            .finish()
    }
}
