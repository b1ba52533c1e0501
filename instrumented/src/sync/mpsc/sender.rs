//! Making std channels, and their sending ends: `Sender` (asynchronous,
//! never blocks) and `SyncSender` (bounded, blocks when full).

use super::receiver::Receiver;
use crate::channel::meta::{ChannelMeta, Flavor, Tracked};
use crate::channel::Env;
use std::fmt;
use std::panic::Location;
use std::sync::mpsc as std_mpsc;
use std::sync::mpsc::{SendError, TrySendError};
use std::sync::Arc;
use vigil_detector::Op;

/// A new asynchronous (unbounded) channel — mirrors `std::sync::mpsc::channel`.
///
/// # Examples
///
/// ```
/// use vigil::sync::mpsc::channel;
///
/// let (tx, rx) = channel();
/// vigil::thread::spawn(move || tx.send(10).unwrap());
/// assert_eq!(rx.recv().unwrap(), 10);
/// ```
///
/// # Differences from the standard library
///
/// The channel is a tracked resource named after this call's site (see
/// [`channel_named`]); a worker blocked receiving is shown blocked in `recv`.
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    make_async(None, Location::caller())
}

/// [`channel`], with a name that reports use instead of the creation site.
///
/// # Examples
///
/// ```
/// let (tx, rx) = vigil::sync::mpsc::channel_named("jobs");
/// tx.send(1).unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// ```
#[track_caller]
pub fn channel_named<T>(name: impl Into<String>) -> (Sender<T>, Receiver<T>) {
    make_async(Some(name.into()), Location::caller())
}

/// A new synchronous channel of capacity `bound` — mirrors
/// `std::sync::mpsc::sync_channel`. `sync_channel(0)` is a rendezvous.
///
/// # Examples
///
/// ```
/// use vigil::sync::mpsc::sync_channel;
///
/// let (tx, rx) = sync_channel(1);
/// tx.send(1).unwrap(); // does not block: there is room for one
/// vigil::thread::spawn(move || tx.send(2).unwrap()); // waits for the receive below
/// assert_eq!(rx.recv(), Ok(1));
/// assert_eq!(rx.recv(), Ok(2));
/// ```
///
/// # Differences from the standard library
///
/// The channel is a tracked resource named after this call's site (see
/// [`sync_channel_named`]); a worker blocked sending or receiving is shown
/// blocked in `send` / `recv` on it.
#[track_caller]
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    make_sync(bound, None, Location::caller())
}

/// [`sync_channel`], with a name that reports use instead of the creation site.
///
/// # Examples
///
/// ```
/// let (tx, rx) = vigil::sync::mpsc::sync_channel_named("results", 1);
/// tx.send(1).unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// ```
#[track_caller]
pub fn sync_channel_named<T>(name: impl Into<String>, bound: usize) -> (SyncSender<T>, Receiver<T>) {
    make_sync(bound, Some(name.into()), Location::caller())
}

fn make_async<T>(name: Option<String>, site: &'static Location<'static>) -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = std_mpsc::channel();
    let meta = ChannelMeta::new(Flavor::Unbounded, name, site, 1);
    (Sender { inner: tx, meta: Tracked::new(meta.clone()) }, Receiver::from_parts(rx, meta))
}

fn make_sync<T>(
    bound: usize,
    name: Option<String>,
    site: &'static Location<'static>,
) -> (SyncSender<T>, Receiver<T>) {
    let (tx, rx) = std_mpsc::sync_channel(bound);
    let meta = ChannelMeta::new(Flavor::Bounded(bound), name, site, 1);
    (SyncSender { inner: tx, meta: Tracked::new(meta.clone()) }, Receiver::from_parts(rx, meta))
}

/// The sending half of an asynchronous channel — mirrors `std::sync::mpsc::Sender`.
///
/// # Examples
///
/// ```
/// let (tx, rx) = vigil::sync::mpsc::channel();
/// let tx2 = tx.clone();
/// tx.send(1).unwrap();
/// tx2.send(2).unwrap();
/// assert_eq!(rx.iter().take(2).sum::<i32>(), 3);
/// ```
///
/// # Differences from the standard library
///
/// Sends are counted; with the race checker on, a send happens-before the
/// receive that gets its message, and dropping the last sender
/// happens-before the receive that sees the disconnect.
#[cfg_attr(not(feature = "detect"), repr(transparent))]
pub struct Sender<T> {
    inner: std_mpsc::Sender<Env<T>>,
    meta: Tracked,
}

impl<T> Sender<T> {
    /// Sends a value; never blocks.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::sync::mpsc::{channel, SendError};
    ///
    /// let (tx, rx) = channel();
    /// drop(rx);
    /// assert_eq!(tx.send(1), Err(SendError(1)));
    /// ```
    #[inline]
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        match self.inner.send(Env::wrap(t)) {
            Ok(()) => {
                if let Some(meta) = self.meta.get() {
                    meta.on_sent();
                }
                Ok(())
            }
            Err(SendError(env)) => {
                if let Some(meta) = self.meta.get() {
                    meta.close_point.acquire();
                }
                Err(SendError(env.into_value()))
            }
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        if let Some(meta) = self.meta.get() {
            meta.add_sender();
        }
        Sender { inner: self.inner.clone(), meta: self.meta.clone() }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(meta) = self.meta.get() {
            meta.drop_sender();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

/// The sending half of a synchronous channel — mirrors `std::sync::mpsc::SyncSender`.
///
/// # Examples
///
/// ```
/// let (tx, rx) = vigil::sync::mpsc::sync_channel(0);
/// vigil::thread::spawn(move || tx.send("ping").unwrap());
/// assert_eq!(rx.recv(), Ok("ping"));
/// ```
///
/// # Differences from the standard library
///
/// A send that must wait shows its worker blocked in `send` on this channel
/// until it completes. With the race checker on, a send happens-before the
/// receive that gets its message, and for capacity C the k-th receive
/// happens-before the (k+C)-th send completes.
#[cfg_attr(not(feature = "detect"), repr(transparent))]
pub struct SyncSender<T> {
    inner: std_mpsc::SyncSender<Env<T>>,
    meta: Tracked,
}

impl<T> SyncSender<T> {
    /// Sends a value, waiting for room (or, for a rendezvous, for a receiver).
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = vigil::sync::mpsc::sync_channel(1);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.recv(), Ok(1));
    /// ```
    #[track_caller]
    #[inline]
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        let Some(meta) = self.meta.get() else {
            return self.inner.send(Env::wrap(t)).map_err(|e| SendError(e.0.into_value()));
        };
        meta.before_send();
        match self.inner.try_send(Env::wrap(t)) {
            Ok(()) => {
                self.sent(meta);
                Ok(())
            }
            Err(TrySendError::Full(env)) => self.send_slow(meta, env, Location::caller()),
            Err(TrySendError::Disconnected(env)) => {
                meta.close_point.acquire();
                Err(SendError(env.into_value()))
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn send_slow(
        &self,
        meta: &Arc<ChannelMeta>,
        env: Env<T>,
        site: &'static Location<'static>,
    ) -> Result<(), SendError<T>> {
        let env = if !meta.worth_retrying() {
            env
        } else {
            match crate::channel::retry_briefly(env, |env| match self.inner.try_send(env) {
                Ok(()) => Ok(Ok(())),
                Err(TrySendError::Full(env)) => Err(env),
                Err(TrySendError::Disconnected(env)) => Ok(Err(env)),
            }) {
                Ok(Ok(())) => {
                    self.sent(meta);
                    return Ok(());
                }
                Ok(Err(env)) => {
                    meta.close_point.acquire();
                    return Err(SendError(env.into_value()));
                }
                Err(env) => env,
            }
        };
        let _blocked = meta.block(Op::Send, site);
        match self.inner.send(env) {
            Ok(()) => {
                self.sent(meta);
                Ok(())
            }
            Err(SendError(env)) => {
                meta.close_point.acquire();
                Err(SendError(env.into_value()))
            }
        }
    }

    /// A send completed: count it; if a receive may have made room for it,
    /// learn what the receives did (see [`ChannelMeta::send_follows_a_receive`]).
    #[inline]
    fn sent(&self, meta: &ChannelMeta) {
        meta.on_sent();
        if meta.send_follows_a_receive() {
            meta.recv_point.acquire();
        }
    }

    /// Sends a value if there is room now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Disconnected`], with the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::sync::mpsc::{sync_channel, TrySendError};
    ///
    /// let (tx, rx) = sync_channel(1);
    /// assert_eq!(tx.try_send(1), Ok(()));
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Disconnected(3)));
    /// ```
    #[inline]
    pub fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        if let Some(meta) = self.meta.get() {
            meta.before_send();
        }
        match self.inner.try_send(Env::wrap(t)) {
            Ok(()) => {
                if let Some(meta) = self.meta.get() {
                    self.sent(meta);
                }
                Ok(())
            }
            Err(TrySendError::Full(env)) => Err(TrySendError::Full(env.into_value())),
            Err(TrySendError::Disconnected(env)) => {
                if let Some(meta) = self.meta.get() {
                    meta.close_point.acquire();
                }
                Err(TrySendError::Disconnected(env.into_value()))
            }
        }
    }
}

impl<T> Clone for SyncSender<T> {
    fn clone(&self) -> SyncSender<T> {
        if let Some(meta) = self.meta.get() {
            meta.add_sender();
        }
        SyncSender { inner: self.inner.clone(), meta: self.meta.clone() }
    }
}

impl<T> Drop for SyncSender<T> {
    fn drop(&mut self) {
        if let Some(meta) = self.meta.get() {
            meta.drop_sender();
        }
    }
}

impl<T> fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncSender").finish_non_exhaustive()
    }
}
