//! The receiving half of a std channel.

use super::iter::{IntoIter, Iter, TryIter};
use crate::channel::meta::{ChannelMeta, Tracked};
use crate::channel::Env;
use std::fmt;
use std::panic::Location;
use std::sync::mpsc as std_mpsc;
use std::sync::mpsc::{RecvError, RecvTimeoutError, TryRecvError};
use std::sync::Arc;
use std::time::Duration;

/// The receiving half of a channel — mirrors `std::sync::mpsc::Receiver`.
///
/// # Examples
///
/// ```
/// use vigil::sync::mpsc::channel;
///
/// let (tx, rx) = channel();
/// vigil::thread::spawn(move || {
///     for i in 0..3 {
///         tx.send(i).unwrap();
///     }
/// });
/// assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 1, 2]);
/// ```
///
/// # Differences from the standard library
///
/// A receive that must wait (`recv`, `recv_timeout`, iteration) shows its
/// worker blocked in `recv` on this channel, with the call site. With the
/// race checker on, a receive happens-after the send of its message, and a
/// receive that sees the disconnect happens-after the last sender's drop.
#[cfg_attr(not(feature = "detect"), repr(transparent))]
pub struct Receiver<T> {
    inner: std_mpsc::Receiver<Env<T>>,
    meta: Tracked,
}

/// What a receive got, before unwrapping.
enum Got<T> {
    Msg(T),
    Empty,
    Timeout,
    Disconnected,
}

impl<T> Receiver<T> {
    pub(crate) fn from_parts(
        inner: std_mpsc::Receiver<Env<T>>,
        meta: Option<Arc<ChannelMeta>>,
    ) -> Receiver<T> {
        Receiver { inner, meta: Tracked::new(meta) }
    }

    #[inline]
    fn try_raw(&self) -> Got<T> {
        if let Some(meta) = self.meta.get() {
            if meta.is_bounded() {
                meta.recv_point.release();
            }
        }
        match self.inner.try_recv() {
            Ok(env) => Got::Msg(env.open()),
            Err(TryRecvError::Empty) => Got::Empty,
            Err(TryRecvError::Disconnected) => Got::Disconnected,
        }
    }

    #[cold]
    #[inline(never)]
    fn recv_slow(&self, timeout: Option<Duration>, site: &'static Location<'static>) -> Got<T> {
        if self.meta.get().is_some_and(|m| m.worth_retrying()) {
            if let Ok(got) = crate::channel::retry_briefly((), |()| match self.try_raw() {
                Got::Empty => Err(()),
                got => Ok(got),
            }) {
                return got;
            }
        }
        let _blocked = self.meta.get().map(|m| m.block(m.recv_op(), site));
        match timeout {
            None => self.inner.recv().map_or(Got::Disconnected, |env| Got::Msg(env.open())),
            Some(t) => match self.inner.recv_timeout(t) {
                Ok(env) => Got::Msg(env.open()),
                Err(RecvTimeoutError::Timeout) => Got::Timeout,
                Err(RecvTimeoutError::Disconnected) => Got::Disconnected,
            },
        }
    }

    #[inline]
    pub(crate) fn recv_at(
        &self,
        timeout: Option<Duration>,
        site: &'static Location<'static>,
    ) -> Result<T, RecvTimeoutError> {
        let got = match self.try_raw() {
            Got::Empty => self.recv_slow(timeout, site),
            got => got,
        };
        self.finish(got)
    }

    #[inline]
    fn finish(&self, got: Got<T>) -> Result<T, RecvTimeoutError> {
        match got {
            Got::Msg(v) => {
                if let Some(meta) = self.meta.get() {
                    meta.on_received();
                }
                Ok(v)
            }
            Got::Disconnected => {
                if let Some(meta) = self.meta.get() {
                    meta.close_point.acquire();
                }
                Err(RecvTimeoutError::Disconnected)
            }
            Got::Empty | Got::Timeout => Err(RecvTimeoutError::Timeout),
        }
    }

    /// Receives a value if one is ready now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if none is ready, [`TryRecvError::Disconnected`]
    /// if the channel is empty and every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::sync::mpsc::{channel, TryRecvError};
    ///
    /// let (tx, rx) = channel::<i32>();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    #[inline]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let got = self.try_raw();
        let empty = matches!(got, Got::Empty);
        match self.finish(got) {
            Ok(v) => Ok(v),
            Err(_) if empty => Err(TryRecvError::Empty),
            Err(_) => Err(TryRecvError::Disconnected),
        }
    }

    /// Waits for a value.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the channel is empty and every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::sync::mpsc::{channel, RecvError};
    ///
    /// let (tx, rx) = channel();
    /// vigil::thread::spawn(move || tx.send(1).unwrap()).join().unwrap();
    /// assert_eq!(rx.recv(), Ok(1));
    /// assert_eq!(rx.recv(), Err(RecvError));
    /// ```
    #[track_caller]
    #[inline]
    pub fn recv(&self) -> Result<T, RecvError> {
        self.recv_at(None, Location::caller()).map_err(|_| RecvError)
    }

    /// Waits up to `timeout` for a value.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] or [`RecvTimeoutError::Disconnected`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil::sync::mpsc::{channel, RecvTimeoutError};
    ///
    /// let (_tx, rx) = channel::<i32>();
    /// assert_eq!(rx.recv_timeout(Duration::from_millis(5)), Err(RecvTimeoutError::Timeout));
    /// ```
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.recv_at(Some(timeout), Location::caller())
    }

    /// A blocking iterator over values; it ends when every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = vigil::sync::mpsc::channel();
    /// tx.send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.iter().collect::<Vec<_>>(), [1]);
    /// ```
    #[track_caller]
    pub fn iter(&self) -> Iter<'_, T> {
        Iter::new(self, Location::caller())
    }

    /// A non-blocking iterator over the values ready now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = vigil::sync::mpsc::channel();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter::new(self)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(meta) = self.meta.get() {
            meta.drop_receiver();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    #[track_caller]
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    #[track_caller]
    fn into_iter(self) -> IntoIter<T> {
        IntoIter::new(self, Location::caller())
    }
}
