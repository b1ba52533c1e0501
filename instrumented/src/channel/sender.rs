//! `Sender`: crossbeam's, plus blocking visibility, counters and the
//! happens-before edges of a send.

use super::envelope::Env;
use super::meta::{ChannelMeta, Tracked};
use crossbeam_channel as cb;
use crossbeam_channel::{SendError, SendTimeoutError, TrySendError};
use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vigil_detector::Op;

/// The sending side of a channel — mirrors `crossbeam_channel::Sender`.
///
/// # Examples
///
/// ```
/// use vigil::channel::unbounded;
///
/// let (s, r) = unbounded();
/// let s2 = s.clone();
/// vigil::thread::spawn(move || s2.send(1).unwrap());
/// s.send(2).unwrap();
/// let mut got = [r.recv().unwrap(), r.recv().unwrap()];
/// got.sort();
/// assert_eq!(got, [1, 2]);
/// ```
///
/// # Differences from crossbeam-channel
///
/// A send that must wait shows its worker blocked in `send` on this channel
/// (with the call site) until it completes; the channel counts messages and
/// live ends for reports. With the race checker on, a send happens-before the
/// receive that gets its message, and on a bounded channel of capacity C the
/// k-th receive happens-before the (k+C)-th send completes.
#[cfg_attr(not(feature = "detect"), repr(transparent))]
pub struct Sender<T> {
    pub(crate) inner: cb::Sender<Env<T>>,
    pub(crate) meta: Tracked,
}

impl<T> Sender<T> {
    pub(crate) fn from_parts(inner: cb::Sender<Env<T>>, meta: Option<Arc<ChannelMeta>>) -> Sender<T> {
        Sender { inner, meta: Tracked::new(meta) }
    }

    /// Attempts to send a message without blocking.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if the channel is full (or, for a rendezvous
    /// channel, no receiver is waiting), [`TrySendError::Disconnected`] if
    /// every receiver is gone; the message is handed back in both.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::channel::{bounded, TrySendError};
    ///
    /// let (s, r) = bounded(1);
    /// assert_eq!(s.try_send(1), Ok(()));
    /// assert_eq!(s.try_send(2), Err(TrySendError::Full(2)));
    /// drop(r);
    /// assert_eq!(s.try_send(3), Err(TrySendError::Disconnected(3)));
    /// ```
    #[inline]
    pub fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        self.before_send();
        match self.inner.try_send(Env::wrap(msg)) {
            Ok(()) => {
                self.sent();
                Ok(())
            }
            Err(TrySendError::Full(env)) => Err(TrySendError::Full(env.into_value())),
            Err(TrySendError::Disconnected(env)) => {
                self.observed_disconnect();
                Err(TrySendError::Disconnected(env.into_value()))
            }
        }
    }

    /// Blocks until the message is sent (or the channel is disconnected).
    ///
    /// # Errors
    ///
    /// [`SendError`] with the message if every receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::channel::{bounded, SendError};
    ///
    /// let (s, r) = bounded(0);
    /// let h = vigil::thread::spawn(move || r.recv().unwrap());
    /// s.send("hi").unwrap(); // a rendezvous: waits for the receiver
    /// assert_eq!(h.join().unwrap(), "hi");
    /// assert_eq!(s.send("again"), Err(SendError("again")));
    /// ```
    #[track_caller]
    #[inline]
    pub fn send(&self, msg: T) -> Result<(), SendError<T>> {
        let Some(meta) = self.meta.get() else {
            return self.inner.send(Env::wrap(msg)).map_err(|e| SendError(e.0.into_value()));
        };
        meta.before_send();
        match self.inner.try_send(Env::wrap(msg)) {
            Ok(()) => {
                self.sent();
                Ok(())
            }
            Err(TrySendError::Full(env)) => {
                self.send_slow(meta, env, None, Location::caller()).map_err(|e| match e {
                    SendTimeoutError::Timeout(v) | SendTimeoutError::Disconnected(v) => SendError(v),
                })
            }
            Err(TrySendError::Disconnected(env)) => {
                self.observed_disconnect();
                Err(SendError(env.into_value()))
            }
        }
    }

    /// Waits up to `timeout` for the message to be sent.
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] or [`SendTimeoutError::Disconnected`], with the message.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil::channel::{bounded, SendTimeoutError};
    ///
    /// let (s, _r) = bounded(0);
    /// assert_eq!(s.send_timeout(1, Duration::from_millis(5)), Err(SendTimeoutError::Timeout(1)));
    /// ```
    #[track_caller]
    pub fn send_timeout(&self, msg: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.send_deadline_at(msg, Some(deadline), Location::caller()),
            None => self.send_deadline_at(msg, None, Location::caller()),
        }
    }

    /// Waits until `deadline` for the message to be sent.
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] or [`SendTimeoutError::Disconnected`], with the message.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use vigil::channel::bounded;
    ///
    /// let (s, r) = bounded(1);
    /// assert!(s.send_deadline(1, Instant::now() + Duration::from_millis(5)).is_ok());
    /// assert_eq!(r.recv(), Ok(1));
    /// ```
    #[track_caller]
    pub fn send_deadline(&self, msg: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        self.send_deadline_at(msg, Some(deadline), Location::caller())
    }

    fn send_deadline_at(
        &self,
        msg: T,
        deadline: Option<Instant>,
        site: &'static Location<'static>,
    ) -> Result<(), SendTimeoutError<T>> {
        self.before_send();
        match self.inner.try_send(Env::wrap(msg)) {
            Ok(()) => {
                self.sent();
                Ok(())
            }
            Err(TrySendError::Full(env)) => match self.meta.get() {
                Some(meta) => self.send_slow(meta, env, deadline, site),
                None => self.finish_blocking_send(env, deadline),
            },
            Err(TrySendError::Disconnected(env)) => {
                self.observed_disconnect();
                Err(SendTimeoutError::Disconnected(env.into_value()))
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn send_slow(
        &self,
        meta: &Arc<ChannelMeta>,
        env: Env<T>,
        deadline: Option<Instant>,
        site: &'static Location<'static>,
    ) -> Result<(), SendTimeoutError<T>> {
        let env = if !meta.worth_retrying() {
            env
        } else {
            match super::retry_briefly(env, |env| match self.inner.try_send(env) {
                Ok(()) => Ok(Ok(())),
                Err(TrySendError::Full(env)) => Err(env),
                Err(TrySendError::Disconnected(env)) => Ok(Err(env)),
            }) {
                Ok(Ok(())) => {
                    self.sent();
                    return Ok(());
                }
                Ok(Err(env)) => {
                    self.observed_disconnect();
                    return Err(SendTimeoutError::Disconnected(env.into_value()));
                }
                Err(env) => env,
            }
        };
        let _blocked = meta.block(Op::Send, site);
        self.finish_blocking_send(env, deadline)
    }

    fn finish_blocking_send(
        &self,
        env: Env<T>,
        deadline: Option<Instant>,
    ) -> Result<(), SendTimeoutError<T>> {
        let res = match deadline {
            Some(d) => self.inner.send_deadline(env, d),
            None => self.inner.send(env).map_err(|e| SendTimeoutError::Disconnected(e.0)),
        };
        match res {
            Ok(()) => {
                self.sent();
                Ok(())
            }
            Err(SendTimeoutError::Timeout(env)) => Err(SendTimeoutError::Timeout(env.into_value())),
            Err(SendTimeoutError::Disconnected(env)) => {
                self.observed_disconnect();
                Err(SendTimeoutError::Disconnected(env.into_value()))
            }
        }
    }

    /// A send is about to try to put its message (see
    /// [`ChannelMeta::send_follows_a_receive`]).
    #[inline]
    fn before_send(&self) {
        if let Some(meta) = self.meta.get() {
            meta.before_send();
        }
    }

    /// A send completed: count it; if a receive may have made room for it,
    /// learn what the receives did.
    #[inline]
    pub(crate) fn sent(&self) {
        if let Some(meta) = self.meta.get() {
            meta.on_sent();
            if meta.send_follows_a_receive() {
                meta.recv_point.acquire();
            }
        }
    }

    #[inline]
    pub(crate) fn observed_disconnect(&self) {
        if let Some(meta) = self.meta.get() {
            meta.close_point.acquire();
        }
    }

    /// Whether the channel is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, _r) = vigil::channel::unbounded::<i32>();
    /// assert!(s.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Whether the channel is full (a rendezvous channel always is).
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, _r) = vigil::channel::bounded(1);
    /// s.send(0).unwrap();
    /// assert!(s.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.inner.is_full()
    }

    /// The number of messages in the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, _r) = vigil::channel::unbounded();
    /// s.send(0).unwrap();
    /// assert_eq!(s.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// The channel's capacity (`None` if unbounded).
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, _r) = vigil::channel::bounded::<i32>(5);
    /// assert_eq!(s.capacity(), Some(5));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.inner.capacity()
    }

    /// Whether both senders belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, _r) = vigil::channel::unbounded::<()>();
    /// assert!(s.same_channel(&s.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        self.inner.same_channel(&other.inner)
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
        f.pad("Sender { .. }")
    }
}

impl<T> std::panic::UnwindSafe for Sender<T> {}
impl<T> std::panic::RefUnwindSafe for Sender<T> {}
