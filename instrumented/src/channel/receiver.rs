//! `Receiver`: crossbeam's, plus blocking visibility, counters and the
//! happens-before edges of a receive.

use super::envelope::Env;
use super::iter::{IntoIter, Iter, TryIter};
use super::meta::{ChannelMeta, Tracked};
use crossbeam_channel as cb;
use crossbeam_channel::{RecvError, RecvTimeoutError, TryRecvError};
use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The crossbeam channel under a receiver: a vigil channel whose messages
/// travel in envelopes, or one of crossbeam's timer channels (`after`,
/// `tick`, `never`) whose messages are bare.
pub(crate) enum RecvInner<T> {
    Chan(cb::Receiver<Env<T>>),
    Plain(cb::Receiver<T>),
}

/// The receiving side of a channel — mirrors `crossbeam_channel::Receiver`.
///
/// # Examples
///
/// ```
/// use vigil::channel::unbounded;
///
/// let (s, r) = unbounded();
/// vigil::thread::spawn(move || {
///     s.send(1).unwrap();
///     s.send(2).unwrap();
/// });
/// assert_eq!(r.iter().collect::<Vec<_>>(), [1, 2]);
/// ```
///
/// # Differences from crossbeam-channel
///
/// A receive that must wait shows its worker blocked in `recv` on this
/// channel (with the call site) until it completes; iterating counts as
/// receiving. With the race checker on, a receive happens-after the send of
/// the message it gets, and a receive that sees the channel disconnected
/// happens-after the last sender's drop.
#[cfg_attr(not(feature = "detect"), repr(transparent))]
pub struct Receiver<T> {
    pub(crate) inner: RecvInner<T>,
    pub(crate) meta: Tracked,
}

/// What a receive got from the crossbeam channel, before unwrapping.
enum Got<T> {
    Msg(T),
    Empty,
    Timeout,
    Disconnected,
}

impl<T> Receiver<T> {
    pub(crate) fn from_parts(inner: RecvInner<T>, meta: Option<Arc<ChannelMeta>>) -> Receiver<T> {
        Receiver { inner, meta: Tracked::new(meta) }
    }

    #[inline]
    fn try_raw(&self) -> Got<T> {
        match &self.inner {
            RecvInner::Chan(c) => match c.try_recv() {
                Ok(env) => Got::Msg(env.open()),
                Err(TryRecvError::Empty) => Got::Empty,
                Err(TryRecvError::Disconnected) => Got::Disconnected,
            },
            RecvInner::Plain(c) => match c.try_recv() {
                Ok(v) => Got::Msg(v),
                Err(TryRecvError::Empty) => Got::Empty,
                Err(TryRecvError::Disconnected) => Got::Disconnected,
            },
        }
    }

    fn blocking_raw(&self, deadline: Option<Instant>) -> Got<T> {
        match &self.inner {
            RecvInner::Chan(c) => match deadline {
                None => c.recv().map_or(Got::Disconnected, |env| Got::Msg(env.open())),
                Some(d) => match c.recv_deadline(d) {
                    Ok(env) => Got::Msg(env.open()),
                    Err(RecvTimeoutError::Timeout) => Got::Timeout,
                    Err(RecvTimeoutError::Disconnected) => Got::Disconnected,
                },
            },
            RecvInner::Plain(c) => match deadline {
                None => c.recv().map_or(Got::Disconnected, Got::Msg),
                Some(d) => match c.recv_deadline(d) {
                    Ok(v) => Got::Msg(v),
                    Err(RecvTimeoutError::Timeout) => Got::Timeout,
                    Err(RecvTimeoutError::Disconnected) => Got::Disconnected,
                },
            },
        }
    }

    /// Before taking a message: on a bounded channel, publish what this
    /// receiver did so far to the send that the taken slot will let complete.
    #[inline]
    pub(crate) fn before_recv(&self) {
        if let Some(meta) = self.meta.get() {
            if meta.is_bounded() {
                meta.recv_point.release();
            }
        }
    }

    #[inline]
    pub(crate) fn received(&self) {
        if let Some(meta) = self.meta.get() {
            meta.on_received();
        }
    }

    #[inline]
    pub(crate) fn observed_disconnect(&self) {
        if let Some(meta) = self.meta.get() {
            meta.close_point.acquire();
        }
    }

    /// The receive itself: try first; block (visibly) only if that fails.
    #[inline]
    pub(crate) fn recv_at(
        &self,
        deadline: Option<Instant>,
        site: &'static Location<'static>,
    ) -> Result<T, RecvTimeoutError> {
        self.before_recv();
        let got = match self.try_raw() {
            Got::Empty => self.recv_slow(deadline, site),
            got => got,
        };
        match got {
            Got::Msg(v) => {
                self.received();
                Ok(v)
            }
            Got::Disconnected => {
                self.observed_disconnect();
                Err(RecvTimeoutError::Disconnected)
            }
            Got::Empty | Got::Timeout => Err(RecvTimeoutError::Timeout),
        }
    }

    #[cold]
    #[inline(never)]
    fn recv_slow(&self, deadline: Option<Instant>, site: &'static Location<'static>) -> Got<T> {
        if self.meta.get().is_some_and(|m| m.worth_retrying()) {
            if let Ok(got) = super::retry_briefly((), |()| match self.try_raw() {
                Got::Empty => Err(()),
                got => Ok(got),
            }) {
                return got;
            }
        }
        let _blocked = self.meta.get().map(|m| m.block(m.recv_op(), site));
        self.blocking_raw(deadline)
    }

    /// Attempts to receive a message without blocking.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if no message is ready, [`TryRecvError::Disconnected`]
    /// if the channel is empty and every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::channel::{unbounded, TryRecvError};
    ///
    /// let (s, r) = unbounded();
    /// assert_eq!(r.try_recv(), Err(TryRecvError::Empty));
    /// s.send(5).unwrap();
    /// drop(s);
    /// assert_eq!(r.try_recv(), Ok(5));
    /// assert_eq!(r.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    #[inline]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.before_recv();
        match self.try_raw() {
            Got::Msg(v) => {
                self.received();
                Ok(v)
            }
            Got::Disconnected => {
                self.observed_disconnect();
                Err(TryRecvError::Disconnected)
            }
            Got::Empty | Got::Timeout => Err(TryRecvError::Empty),
        }
    }

    /// Blocks until a message arrives (or the channel is empty and disconnected).
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the channel is empty and every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::channel::{unbounded, RecvError};
    ///
    /// let (s, r) = unbounded();
    /// vigil::thread::spawn(move || s.send(7).unwrap()).join().unwrap();
    /// assert_eq!(r.recv(), Ok(7));
    /// assert_eq!(r.recv(), Err(RecvError));
    /// ```
    #[track_caller]
    #[inline]
    pub fn recv(&self) -> Result<T, RecvError> {
        self.recv_at(None, Location::caller()).map_err(|_| RecvError)
    }

    /// Waits up to `timeout` for a message.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] or [`RecvTimeoutError::Disconnected`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil::channel::{unbounded, RecvTimeoutError};
    ///
    /// let (_s, r) = unbounded::<i32>();
    /// assert_eq!(r.recv_timeout(Duration::from_millis(5)), Err(RecvTimeoutError::Timeout));
    /// ```
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.recv_at(Instant::now().checked_add(timeout), Location::caller())
    }

    /// Waits until `deadline` for a message.
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] or [`RecvTimeoutError::Disconnected`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use vigil::channel::{unbounded, RecvTimeoutError};
    ///
    /// let (s, r) = unbounded::<i32>();
    /// drop(s);
    /// let deadline = Instant::now() + Duration::from_millis(5);
    /// assert_eq!(r.recv_deadline(deadline), Err(RecvTimeoutError::Disconnected));
    /// ```
    #[track_caller]
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.recv_at(Some(deadline), Location::caller())
    }

    /// Whether the channel is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_s, r) = vigil::channel::unbounded::<i32>();
    /// assert!(r.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        match &self.inner {
            RecvInner::Chan(c) => c.is_empty(),
            RecvInner::Plain(c) => c.is_empty(),
        }
    }

    /// Whether the channel is full.
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, r) = vigil::channel::bounded(1);
    /// s.send(1).unwrap();
    /// assert!(r.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        match &self.inner {
            RecvInner::Chan(c) => c.is_full(),
            RecvInner::Plain(c) => c.is_full(),
        }
    }

    /// The number of messages in the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, r) = vigil::channel::unbounded();
    /// s.send(1).unwrap();
    /// assert_eq!(r.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        match &self.inner {
            RecvInner::Chan(c) => c.len(),
            RecvInner::Plain(c) => c.len(),
        }
    }

    /// The channel's capacity (`None` if unbounded).
    ///
    /// # Examples
    ///
    /// ```
    /// let (_s, r) = vigil::channel::unbounded::<i32>();
    /// assert_eq!(r.capacity(), None);
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        match &self.inner {
            RecvInner::Chan(c) => c.capacity(),
            RecvInner::Plain(c) => c.capacity(),
        }
    }

    /// A blocking iterator over messages; it ends when the channel is
    /// empty and disconnected.
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, r) = vigil::channel::unbounded();
    /// s.send(1).unwrap();
    /// drop(s);
    /// assert_eq!(r.iter().collect::<Vec<_>>(), [1]);
    /// ```
    #[track_caller]
    pub fn iter(&self) -> Iter<'_, T> {
        Iter::new(self, Location::caller())
    }

    /// A non-blocking iterator over the messages ready now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, r) = vigil::channel::unbounded();
    /// s.send(1).unwrap();
    /// s.send(2).unwrap();
    /// assert_eq!(r.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter::new(self)
    }

    /// Whether both receivers belong to the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_s, r) = vigil::channel::unbounded::<()>();
    /// assert!(r.same_channel(&r.clone()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        match (&self.inner, &other.inner) {
            (RecvInner::Chan(a), RecvInner::Chan(b)) => a.same_channel(b),
            (RecvInner::Plain(a), RecvInner::Plain(b)) => a.same_channel(b),
            _ => false,
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Receiver<T> {
        if let Some(meta) = self.meta.get() {
            meta.add_receiver();
        }
        let inner = match &self.inner {
            RecvInner::Chan(c) => RecvInner::Chan(c.clone()),
            RecvInner::Plain(c) => RecvInner::Plain(c.clone()),
        };
        Receiver { inner, meta: self.meta.clone() }
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
        f.pad("Receiver { .. }")
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

impl<T> std::panic::UnwindSafe for Receiver<T> {}
impl<T> std::panic::RefUnwindSafe for Receiver<T> {}
