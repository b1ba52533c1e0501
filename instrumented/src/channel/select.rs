//! `Select`: crossbeam's dynamic selection over vigil channel ends. While it
//! must wait, the worker is blocked in `select` on every channel involved.

use super::envelope::Env;
use super::meta::{ChannelMeta, Tracked};
use super::receiver::{Receiver, RecvInner};
use super::sender::Sender;
use crossbeam_channel as cb;
use crossbeam_channel::{
    ReadyTimeoutError, RecvError, SelectTimeoutError, SendError, TryReadyError, TrySelectError,
};
use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Selects over a set of send and receive operations — mirrors
/// `crossbeam_channel::Select`.
///
/// # Examples
///
/// ```
/// use vigil::channel::{unbounded, Select};
///
/// let (s1, r1) = unbounded::<i32>();
/// let (_s2, r2) = unbounded::<i32>();
/// s1.send(10).unwrap();
///
/// let mut sel = Select::new();
/// let i1 = sel.recv(&r1);
/// let i2 = sel.recv(&r2);
/// let oper = sel.select();
/// match oper.index() {
///     i if i == i1 => assert_eq!(oper.recv(&r1), Ok(10)),
///     i if i == i2 => panic!("r2 is empty"),
///     _ => unreachable!(),
/// }
/// ```
///
/// # Differences from crossbeam-channel
///
/// A selection that must wait shows its worker blocked in `select` on every
/// channel registered (each one lists the worker among its blocked senders or
/// receivers), at the call site of `select`/`select_timeout`/`ready`….
pub struct Select<'a> {
    inner: cb::Select<'a>,
    /// Per operation index: the channel and whether it is a send (`None`
    /// once removed, or for an untracked channel).
    ops: Vec<Option<(Arc<ChannelMeta>, bool)>>,
}

impl<'a> Select<'a> {
    /// An empty selection.
    ///
    /// # Examples
    ///
    /// ```
    /// let sel = vigil::channel::Select::new();
    /// # drop(sel);
    /// ```
    pub fn new() -> Select<'a> {
        Select { inner: cb::Select::new(), ops: Vec::new() }
    }

    /// An empty selection that prefers earlier operations when several are ready.
    ///
    /// # Examples
    ///
    /// ```
    /// let sel = vigil::channel::Select::new_biased();
    /// # drop(sel);
    /// ```
    pub fn new_biased() -> Select<'a> {
        Select { inner: cb::Select::new_biased(), ops: Vec::new() }
    }

    fn record(&mut self, index: usize, meta: &Tracked, sending: bool) {
        if self.ops.len() <= index {
            self.ops.resize_with(index + 1, || None);
        }
        self.ops[index] = meta.get().map(|m| (m.clone(), sending));
    }

    /// Adds a send operation; returns its index.
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, r) = vigil::channel::bounded(1);
    /// let mut sel = vigil::channel::Select::new();
    /// let i = sel.send(&s);
    /// let oper = sel.select();
    /// assert_eq!(oper.index(), i);
    /// oper.send(&s, 5).unwrap();
    /// assert_eq!(r.recv(), Ok(5));
    /// ```
    pub fn send<T>(&mut self, s: &'a Sender<T>) -> usize {
        let i = self.inner.send(&s.inner);
        self.record(i, &s.meta, true);
        i
    }

    /// Adds a receive operation; returns its index.
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, r) = vigil::channel::unbounded();
    /// s.send(1).unwrap();
    /// let mut sel = vigil::channel::Select::new();
    /// let i = sel.recv(&r);
    /// let oper = sel.select();
    /// assert_eq!(oper.index(), i);
    /// assert_eq!(oper.recv(&r), Ok(1));
    /// ```
    pub fn recv<T>(&mut self, r: &'a Receiver<T>) -> usize {
        let i = match &r.inner {
            RecvInner::Chan(c) => self.inner.recv(c),
            RecvInner::Plain(c) => self.inner.recv(c),
        };
        self.record(i, &r.meta, false);
        i
    }

    /// Removes the operation with index `index`.
    ///
    /// # Panics
    ///
    /// As crossbeam: if the index is invalid or already removed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_s, r) = vigil::channel::unbounded::<i32>();
    /// let mut sel = vigil::channel::Select::new();
    /// let i = sel.recv(&r);
    /// sel.remove(i);
    /// assert!(sel.try_select().is_err());
    /// ```
    pub fn remove(&mut self, index: usize) {
        self.inner.remove(index);
        if let Some(slot) = self.ops.get_mut(index) {
            *slot = None;
        }
    }

    /// Before a selection: publishes the receivers' clocks before any of
    /// their operations may complete (see `Receiver::before_recv`), and
    /// counts every send operation as begun (see
    /// `ChannelMeta::send_follows_a_receive`) — here, not when the chosen
    /// send completes, because crossbeam claims a send's slot during the
    /// selection itself. Arms not chosen are counted too, which only makes
    /// later sends learn more.
    #[inline]
    fn before(&self) {
        if vigil_detector::race_enabled() {
            for (m, sending) in self.ops.iter().flatten() {
                if *sending {
                    m.before_send();
                } else if m.is_bounded() {
                    m.recv_point.release();
                }
            }
        }
    }

    /// Whether a brief retry may pay off (some operation is on a buffered channel).
    fn worth_retrying(&self) -> bool {
        self.ops.iter().flatten().any(|(m, _)| m.worth_retrying())
    }

    fn tracked(&self) -> Vec<(Arc<ChannelMeta>, bool)> {
        self.ops.iter().flatten().cloned().collect()
    }

    #[cold]
    #[inline(never)]
    fn block(&self, site: &'static Location<'static>) -> Option<super::meta::Blocked> {
        let ops = self.tracked();
        (!ops.is_empty()).then(|| ChannelMeta::block_select(&ops, site))
    }

    /// Selects an operation that is ready now, if any.
    ///
    /// # Errors
    ///
    /// [`TrySelectError`] if none is ready.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_s, r) = vigil::channel::unbounded::<i32>();
    /// let mut sel = vigil::channel::Select::new();
    /// sel.recv(&r);
    /// assert!(sel.try_select().is_err());
    /// ```
    pub fn try_select(&mut self) -> Result<SelectedOperation<'a>, TrySelectError> {
        self.before();
        self.inner.try_select().map(SelectedOperation::new)
    }

    /// Blocks until an operation is ready and selects it.
    ///
    /// # Panics
    ///
    /// As crossbeam: if no operation has been added.
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, r) = vigil::channel::bounded(0);
    /// vigil::thread::spawn(move || s.send(3).unwrap());
    /// let mut sel = vigil::channel::Select::new();
    /// sel.recv(&r);
    /// assert_eq!(sel.select().recv(&r), Ok(3));
    /// ```
    #[track_caller]
    pub fn select(&mut self) -> SelectedOperation<'a> {
        self.before();
        if let Ok(oper) = self.inner.try_select() {
            return SelectedOperation::new(oper);
        }
        self.select_slow(Location::caller())
    }

    #[cold]
    #[inline(never)]
    fn select_slow(&mut self, site: &'static Location<'static>) -> SelectedOperation<'a> {
        if self.worth_retrying() {
            if let Ok(oper) = super::retry_briefly((), |()| self.inner.try_select().map_err(|_| ())) {
                return SelectedOperation::new(oper);
            }
        }
        let _blocked = self.block(site);
        SelectedOperation::new(self.inner.select())
    }

    /// Waits up to `timeout` for an operation to be ready and selects it.
    ///
    /// # Errors
    ///
    /// [`SelectTimeoutError`] if none became ready in time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (_s, r) = vigil::channel::unbounded::<i32>();
    /// let mut sel = vigil::channel::Select::new();
    /// sel.recv(&r);
    /// assert!(sel.select_timeout(Duration::from_millis(5)).is_err());
    /// ```
    #[track_caller]
    pub fn select_timeout(&mut self, timeout: Duration) -> Result<SelectedOperation<'a>, SelectTimeoutError> {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.select_deadline_at(deadline, Location::caller()),
            None => Ok(self.select()),
        }
    }

    /// Waits until `deadline` for an operation to be ready and selects it.
    ///
    /// # Errors
    ///
    /// [`SelectTimeoutError`] if none became ready in time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (_s, r) = vigil::channel::unbounded::<i32>();
    /// let mut sel = vigil::channel::Select::new();
    /// sel.recv(&r);
    /// assert!(sel.select_deadline(Instant::now() + Duration::from_millis(5)).is_err());
    /// ```
    #[track_caller]
    pub fn select_deadline(
        &mut self,
        deadline: Instant,
    ) -> Result<SelectedOperation<'a>, SelectTimeoutError> {
        self.select_deadline_at(deadline, Location::caller())
    }

    fn select_deadline_at(
        &mut self,
        deadline: Instant,
        site: &'static Location<'static>,
    ) -> Result<SelectedOperation<'a>, SelectTimeoutError> {
        self.before();
        if let Ok(oper) = self.inner.try_select() {
            return Ok(SelectedOperation::new(oper));
        }
        self.select_deadline_slow(deadline, site)
    }

    #[cold]
    #[inline(never)]
    fn select_deadline_slow(
        &mut self,
        deadline: Instant,
        site: &'static Location<'static>,
    ) -> Result<SelectedOperation<'a>, SelectTimeoutError> {
        if self.worth_retrying() {
            if let Ok(oper) = super::retry_briefly((), |()| self.inner.try_select().map_err(|_| ())) {
                return Ok(SelectedOperation::new(oper));
            }
        }
        let _blocked = self.block(site);
        self.inner.select_deadline(deadline).map(SelectedOperation::new)
    }

    /// The index of an operation that is ready now, if any (the operation
    /// itself is not performed).
    ///
    /// # Errors
    ///
    /// [`TryReadyError`] if none is ready.
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, r) = vigil::channel::unbounded();
    /// s.send(1).unwrap();
    /// let mut sel = vigil::channel::Select::new();
    /// let i = sel.recv(&r);
    /// assert_eq!(sel.try_ready(), Ok(i));
    /// ```
    pub fn try_ready(&mut self) -> Result<usize, TryReadyError> {
        self.inner.try_ready()
    }

    /// Blocks until an operation is ready and returns its index.
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, r) = vigil::channel::unbounded();
    /// vigil::thread::spawn(move || s.send(1).unwrap());
    /// let mut sel = vigil::channel::Select::new();
    /// let i = sel.recv(&r);
    /// assert_eq!(sel.ready(), i);
    /// ```
    #[track_caller]
    pub fn ready(&mut self) -> usize {
        if let Ok(i) = self.inner.try_ready() {
            return i;
        }
        self.ready_slow(Location::caller())
    }

    #[cold]
    #[inline(never)]
    fn ready_slow(&mut self, site: &'static Location<'static>) -> usize {
        let _blocked = self.block(site);
        self.inner.ready()
    }

    /// Waits up to `timeout` for an operation to be ready; returns its index.
    ///
    /// # Errors
    ///
    /// [`ReadyTimeoutError`] if none became ready in time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (_s, r) = vigil::channel::unbounded::<i32>();
    /// let mut sel = vigil::channel::Select::new();
    /// sel.recv(&r);
    /// assert!(sel.ready_timeout(Duration::from_millis(5)).is_err());
    /// ```
    #[track_caller]
    pub fn ready_timeout(&mut self, timeout: Duration) -> Result<usize, ReadyTimeoutError> {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.ready_deadline_at(deadline, Location::caller()),
            None => Ok(self.ready()),
        }
    }

    /// Waits until `deadline` for an operation to be ready; returns its index.
    ///
    /// # Errors
    ///
    /// [`ReadyTimeoutError`] if none became ready in time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (_s, r) = vigil::channel::unbounded::<i32>();
    /// let mut sel = vigil::channel::Select::new();
    /// sel.recv(&r);
    /// assert!(sel.ready_deadline(Instant::now() + Duration::from_millis(5)).is_err());
    /// ```
    #[track_caller]
    pub fn ready_deadline(&mut self, deadline: Instant) -> Result<usize, ReadyTimeoutError> {
        self.ready_deadline_at(deadline, Location::caller())
    }

    fn ready_deadline_at(
        &mut self,
        deadline: Instant,
        site: &'static Location<'static>,
    ) -> Result<usize, ReadyTimeoutError> {
        if let Ok(i) = self.inner.try_ready() {
            return Ok(i);
        }
        let _blocked = self.block(site);
        self.inner.ready_deadline(deadline)
    }
}

impl Default for Select<'_> {
    fn default() -> Self {
        Select::new()
    }
}

impl Clone for Select<'_> {
    fn clone(&self) -> Self {
        Select { inner: self.inner.clone(), ops: self.ops.clone() }
    }
}

impl fmt::Debug for Select<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("Select { .. }")
    }
}

/// A selected operation that must be completed with `send` or `recv` —
/// mirrors `crossbeam_channel::SelectedOperation`.
///
/// # Examples
///
/// ```
/// let (s, r) = vigil::channel::unbounded();
/// s.send(1).unwrap();
/// let mut sel = vigil::channel::Select::new();
/// sel.recv(&r);
/// let oper: vigil::channel::SelectedOperation<'_> = sel.select();
/// assert_eq!(oper.recv(&r), Ok(1));
/// ```
///
/// # Panics
///
/// As crossbeam: dropping it without completing it, or completing it with
/// the wrong channel end, panics.
#[must_use = "a selected operation must be completed with `send` or `recv`"]
pub struct SelectedOperation<'a> {
    inner: cb::SelectedOperation<'a>,
}

impl<'a> SelectedOperation<'a> {
    fn new(inner: cb::SelectedOperation<'a>) -> Self {
        SelectedOperation { inner }
    }

    /// The index of the selected operation.
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, r) = vigil::channel::unbounded();
    /// s.send(()).unwrap();
    /// let mut sel = vigil::channel::Select::new();
    /// let i = sel.recv(&r);
    /// let oper = sel.select();
    /// assert_eq!(oper.index(), i);
    /// oper.recv(&r).unwrap();
    /// ```
    pub fn index(&self) -> usize {
        self.inner.index()
    }

    /// Completes the selected send operation.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the message if the channel is disconnected.
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, r) = vigil::channel::bounded(1);
    /// let mut sel = vigil::channel::Select::new();
    /// sel.send(&s);
    /// sel.select().send(&s, 'x').unwrap();
    /// assert_eq!(r.recv(), Ok('x'));
    /// ```
    pub fn send<T>(self, s: &Sender<T>, msg: T) -> Result<(), SendError<T>> {
        match self.inner.send(&s.inner, Env::wrap(msg)) {
            Ok(()) => {
                s.sent();
                Ok(())
            }
            Err(SendError(env)) => {
                s.observed_disconnect();
                Err(SendError(env.into_value()))
            }
        }
    }

    /// Completes the selected receive operation.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the channel is empty and disconnected.
    ///
    /// # Examples
    ///
    /// ```
    /// let (s, r) = vigil::channel::unbounded::<i32>();
    /// drop(s);
    /// let mut sel = vigil::channel::Select::new();
    /// sel.recv(&r);
    /// assert!(sel.select().recv(&r).is_err());
    /// ```
    pub fn recv<T>(self, r: &Receiver<T>) -> Result<T, RecvError> {
        let res = match &r.inner {
            RecvInner::Chan(c) => self.inner.recv(c).map(Env::open),
            RecvInner::Plain(c) => self.inner.recv(c),
        };
        match res {
            Ok(v) => {
                r.received();
                Ok(v)
            }
            Err(RecvError) => {
                r.observed_disconnect();
                Err(RecvError)
            }
        }
    }
}

impl fmt::Debug for SelectedOperation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("SelectedOperation { .. }")
    }
}
