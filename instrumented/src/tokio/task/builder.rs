//! `Builder`: names a task. tokio's own `task::Builder` exists only under
//! `--cfg tokio_unstable`; this one works on stable tokio, wrapping
//! `tokio::spawn` (so tokio itself never sees the name; vigil's reports,
//! snapshots and dashboard do).

use super::JoinHandle;
use std::future::Future;
use std::io;
#[cfg(feature = "detect")]
use std::panic::Location;

/// Configures a task before it is spawned; mirrors tokio's
/// `tokio::task::Builder` (same signatures) without needing `tokio_unstable`.
///
/// # Differences from tokio
///
/// Spawning never fails here (tokio's returns an error only for
/// `tokio_unstable` hooks); the `io::Result` is kept so that code written
/// against tokio's builder compiles unchanged. The name is vigil's: reports
/// show `task 12 "fetch"`. With feature `detect` off the name is dropped.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "tokio")]
/// # {
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let h = vigil::tokio::task::Builder::new().name("fetch").spawn(async { 1 }).unwrap();
///     assert_eq!(h.await.unwrap(), 1);
/// });
/// # }
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct Builder<'a> {
    #[cfg_attr(not(feature = "detect"), allow(dead_code))]
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// A builder with no name set.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// let _b = vigil::tokio::task::Builder::new();
    /// ```
    pub fn new() -> Builder<'a> {
        Builder { name: None }
    }

    /// Names the task.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")]
    /// let _b = vigil::tokio::task::Builder::new().name("fetch");
    /// ```
    pub fn name(self, name: &'a str) -> Builder<'a> {
        Builder { name: Some(name) }
    }

    /// Spawns the task on the current runtime (as `tokio::spawn`).
    ///
    /// # Errors
    ///
    /// Never, today (see the type's docs).
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
    ///     let h = vigil::tokio::task::Builder::new().name("fetch").spawn(async { "ok" }).unwrap();
    ///     assert_eq!(h.await.unwrap(), "ok");
    /// });
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn<Fut>(self, future: Fut) -> io::Result<JoinHandle<Fut::Output>>
    where
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        #[cfg(feature = "detect")]
        return Ok(super::spawn::spawn_named(self.name, Location::caller(), future));
        #[cfg(not(feature = "detect"))]
        return Ok(tokio::spawn(future));
    }

    /// Spawns a `!Send` task on the current `LocalSet` (as `tokio::task::spawn_local`).
    ///
    /// # Errors
    ///
    /// Never, today (see the type's docs).
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
    ///     let h = vigil::tokio::task::Builder::new().name("local").spawn_local(async { 2 }).unwrap();
    ///     assert_eq!(h.await.unwrap(), 2);
    /// });
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_local<Fut>(self, future: Fut) -> io::Result<JoinHandle<Fut::Output>>
    where
        Fut: Future + 'static,
        Fut::Output: 'static,
    {
        #[cfg(feature = "detect")]
        return Ok(super::spawn::spawn_local_named(self.name, Location::caller(), future));
        #[cfg(not(feature = "detect"))]
        return Ok(tokio::task::spawn_local(future));
    }

    /// Runs `f` on the blocking pool (as `tokio::task::spawn_blocking`).
    ///
    /// # Errors
    ///
    /// Never, today (see the type's docs).
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
    ///     let h = vigil::tokio::task::Builder::new().name("hash").spawn_blocking(|| 3).unwrap();
    ///     assert_eq!(h.await.unwrap(), 3);
    /// });
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_blocking<Function, Output>(self, function: Function) -> io::Result<JoinHandle<Output>>
    where
        Function: FnOnce() -> Output + Send + 'static,
        Output: Send + 'static,
    {
        #[cfg(feature = "detect")]
        return Ok(super::spawn::spawn_blocking_named(self.name, Location::caller(), function));
        #[cfg(not(feature = "detect"))]
        return Ok(tokio::task::spawn_blocking(function));
    }
}
