//! `send_ctx` / `recv_ctx`: channel operations that give up when a context
//! is done — Go's
//! `select { case ch <- v: … case <-ctx.Done(): return ctx.Err() }`.
//!
//! | channel family | how the wait ends early |
//! |---|---|
//! | `vigil::channel` | `Select` over the operation and `ctx.done()` (one tracked `select`) |
//! | `crossbeam_channel` | crossbeam's `Select` over the operation and a channel the context disconnects |
//! | `vigil::sync::mpsc`, `std::sync::mpsc` | std's channels cannot be selected on: short timed waits that re-check the context (≤ 20 ms late) |
//!
//! The inherent methods on `vigil::channel` and `vigil::sync::mpsc` ends
//! need no import; the [`SendCtx`] and [`RecvCtx`] traits give the same
//! methods to crossbeam's and std's own channel ends.

use super::{Context, ContextError};
use crate::channel::Select;
use std::fmt;
use std::panic::Location;
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

// === errors ===

/// Why [`send_ctx`](SendCtx::send_ctx) failed; the message comes back.
///
/// # Examples
///
/// ```
/// use vigil::context::{Context, ContextError, SendCtxError};
///
/// let (s, _r) = vigil::channel::bounded::<u8>(0);
/// let (ctx, cancel) = Context::background().with_cancel();
/// cancel.cancel();
/// let err = s.send_ctx(&ctx, 7).unwrap_err();
/// assert_eq!(err.to_string(), "context canceled");
/// assert!(matches!(err, SendCtxError::Context(ContextError::Canceled, 7)));
/// assert_eq!(err.into_inner(), 7);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SendCtxError<T> {
    /// Every receiver is gone.
    Disconnected(T),
    /// The context ended first.
    Context(ContextError, T),
}

impl<T> SendCtxError<T> {
    /// The message that was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::context::{Context, SendCtx};
    ///
    /// let (s, r) = vigil::channel::bounded::<u8>(0);
    /// drop(r);
    /// let err = s.send_ctx(&Context::background(), 7).unwrap_err();
    /// assert_eq!(err.into_inner(), 7); // the message comes back
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendCtxError::Disconnected(t) | SendCtxError::Context(_, t) => t,
        }
    }

    /// The context's error, if that is why.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::context::{Context, ContextError, SendCtx};
    ///
    /// let (s, r) = vigil::channel::bounded::<u8>(0);
    /// let (ctx, cancel) = Context::background().with_cancel();
    /// cancel.cancel();
    /// assert_eq!(s.send_ctx(&ctx, 1).unwrap_err().context_error(), Some(ContextError::Canceled));
    /// drop(r);
    /// let live = Context::background();
    /// assert_eq!(s.send_ctx(&live, 2).unwrap_err().context_error(), None); // disconnected
    /// ```
    pub fn context_error(&self) -> Option<ContextError> {
        match self {
            SendCtxError::Context(e, _) => Some(*e),
            SendCtxError::Disconnected(_) => None,
        }
    }
}

impl<T> fmt::Debug for SendCtxError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendCtxError::Disconnected(_) => f.write_str("Disconnected(..)"),
            SendCtxError::Context(e, _) => write!(f, "Context({e:?}, ..)"),
        }
    }
}

impl<T> fmt::Display for SendCtxError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendCtxError::Disconnected(_) => f.write_str("sending on a disconnected channel"),
            SendCtxError::Context(e, _) => e.fmt(f),
        }
    }
}

impl<T> std::error::Error for SendCtxError<T> {}

/// Why [`recv_ctx`](RecvCtx::recv_ctx) failed.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use vigil::context::{Context, ContextError, RecvCtxError};
///
/// let (_s, r) = vigil::channel::unbounded::<u8>();
/// let (ctx, _c) = Context::background().with_timeout(Duration::from_millis(10));
/// assert_eq!(r.recv_ctx(&ctx), Err(RecvCtxError::Context(ContextError::DeadlineExceeded)));
/// assert_eq!(RecvCtxError::Disconnected.to_string(), "receiving on an empty and disconnected channel");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecvCtxError {
    /// The channel is empty and every sender is gone.
    Disconnected,
    /// The context ended first.
    Context(ContextError),
}

impl fmt::Display for RecvCtxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvCtxError::Disconnected => f.write_str("receiving on an empty and disconnected channel"),
            RecvCtxError::Context(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RecvCtxError {}

impl From<ContextError> for RecvCtxError {
    fn from(e: ContextError) -> Self {
        RecvCtxError::Context(e)
    }
}

// === the traits ===

/// `send_ctx` for any channel sender: import it to use the method on
/// crossbeam's and std's own senders (vigil's have it inherently).
///
/// # Examples
///
/// ```
/// use vigil::context::{Context, SendCtx};
///
/// let (s, r) = crossbeam_channel::bounded(1);
/// s.send_ctx(&Context::background(), 5).unwrap();
/// assert_eq!(r.recv(), Ok(5));
/// ```
pub trait SendCtx<T> {
    /// Sends `msg`, waiting at most until `ctx` is done.
    ///
    /// # Errors
    ///
    /// [`SendCtxError::Context`] if the context ended first (checked before
    /// sending too), [`SendCtxError::Disconnected`] if every receiver is gone.
    fn send_ctx(&self, ctx: &Context, msg: T) -> Result<(), SendCtxError<T>>;
}

/// `recv_ctx` for any channel receiver: import it to use the method on
/// crossbeam's and std's own receivers (vigil's have it inherently).
///
/// # Examples
///
/// ```
/// use vigil::context::{Context, RecvCtx};
///
/// let (s, r) = std::sync::mpsc::channel();
/// s.send(1).unwrap();
/// assert_eq!(r.recv_ctx(&Context::background()), Ok(1));
/// ```
pub trait RecvCtx<T> {
    /// Receives a message, waiting at most until `ctx` is done.
    ///
    /// # Errors
    ///
    /// [`RecvCtxError::Context`] if the context ended first (checked before
    /// receiving too), [`RecvCtxError::Disconnected`] if the channel is empty
    /// and every sender is gone.
    fn recv_ctx(&self, ctx: &Context) -> Result<T, RecvCtxError>;
}

// === vigil::channel ===

impl<T> crate::channel::Sender<T> {
    /// Sends `msg`, or gives up when `ctx` is done first — Go's
    /// `select { case ch <- v: case <-ctx.Done(): }`.
    ///
    /// # Errors
    ///
    /// [`SendCtxError::Context`] if the context ended first (checked before
    /// sending too), [`SendCtxError::Disconnected`] if every receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil::context::{Context, ContextError, SendCtxError};
    ///
    /// let (s, _r) = vigil::channel::bounded(0); // nobody will ever receive
    /// let (ctx, _c) = Context::background().with_timeout(Duration::from_millis(10));
    /// assert!(matches!(s.send_ctx(&ctx, 1), Err(SendCtxError::Context(ContextError::DeadlineExceeded, 1))));
    /// ```
    #[track_caller]
    pub fn send_ctx(&self, ctx: &Context, msg: T) -> Result<(), SendCtxError<T>> {
        if let Some(e) = ctx.err() {
            return Err(SendCtxError::Context(e, msg));
        }
        let msg = match self.try_send(msg) {
            Ok(()) => return Ok(()),
            Err(crossbeam_channel::TrySendError::Disconnected(m)) => {
                return Err(SendCtxError::Disconnected(m))
            }
            Err(crossbeam_channel::TrySendError::Full(m)) => m,
        };
        let done = ctx.done();
        let mut sel = Select::new();
        let send = sel.send(self);
        sel.recv(&done);
        let oper = sel.select();
        if oper.index() == send {
            oper.send(self, msg).map_err(|e| SendCtxError::Disconnected(e.into_inner()))
        } else {
            let _ = oper.recv(&done);
            Err(SendCtxError::Context(ctx.err().unwrap_or(ContextError::Canceled), msg))
        }
    }
}

impl<T> crate::channel::Receiver<T> {
    /// Receives a message, or gives up when `ctx` is done first — Go's
    /// `select { case v := <-ch: case <-ctx.Done(): }`.
    ///
    /// # Errors
    ///
    /// [`RecvCtxError::Context`] if the context ended first (checked before
    /// receiving too), [`RecvCtxError::Disconnected`] if the channel is empty
    /// and every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::context::{Context, ContextError, RecvCtxError};
    ///
    /// let (s, r) = vigil::channel::unbounded();
    /// let (ctx, cancel) = Context::background().with_cancel();
    /// s.send("job").unwrap();
    /// assert_eq!(r.recv_ctx(&ctx), Ok("job"));
    /// cancel.cancel();
    /// assert_eq!(r.recv_ctx(&ctx), Err(RecvCtxError::Context(ContextError::Canceled)));
    /// ```
    #[track_caller]
    pub fn recv_ctx(&self, ctx: &Context) -> Result<T, RecvCtxError> {
        if let Some(e) = ctx.err() {
            return Err(RecvCtxError::Context(e));
        }
        match self.try_recv() {
            Ok(v) => return Ok(v),
            Err(crossbeam_channel::TryRecvError::Disconnected) => return Err(RecvCtxError::Disconnected),
            Err(crossbeam_channel::TryRecvError::Empty) => {}
        }
        let done = ctx.done();
        let mut sel = Select::new();
        let recv = sel.recv(self);
        sel.recv(&done);
        let oper = sel.select();
        if oper.index() == recv {
            oper.recv(self).map_err(|_| RecvCtxError::Disconnected)
        } else {
            let _ = oper.recv(&done);
            Err(RecvCtxError::Context(ctx.err().unwrap_or(ContextError::Canceled)))
        }
    }
}

impl<T> SendCtx<T> for crate::channel::Sender<T> {
    #[track_caller]
    fn send_ctx(&self, ctx: &Context, msg: T) -> Result<(), SendCtxError<T>> {
        crate::channel::Sender::send_ctx(self, ctx, msg)
    }
}

impl<T> RecvCtx<T> for crate::channel::Receiver<T> {
    #[track_caller]
    fn recv_ctx(&self, ctx: &Context) -> Result<T, RecvCtxError> {
        crate::channel::Receiver::recv_ctx(self, ctx)
    }
}

// === crossbeam_channel ===

/// A crossbeam receiver that disconnects when `ctx` is done (kept alive by the guard).
fn crossbeam_done(ctx: &Context) -> (crossbeam_channel::Receiver<()>, super::tree::OnDone) {
    let (tx, rx) = crossbeam_channel::bounded::<()>(0);
    let guard = ctx.on_done(move || drop(tx));
    (rx, guard)
}

impl<T> SendCtx<T> for crossbeam_channel::Sender<T> {
    fn send_ctx(&self, ctx: &Context, msg: T) -> Result<(), SendCtxError<T>> {
        if let Some(e) = ctx.err() {
            return Err(SendCtxError::Context(e, msg));
        }
        let msg = match self.try_send(msg) {
            Ok(()) => return Ok(()),
            Err(crossbeam_channel::TrySendError::Disconnected(m)) => {
                return Err(SendCtxError::Disconnected(m))
            }
            Err(crossbeam_channel::TrySendError::Full(m)) => m,
        };
        let (done, _guard) = crossbeam_done(ctx);
        let mut sel = crossbeam_channel::Select::new();
        let send = sel.send(self);
        sel.recv(&done);
        let oper = sel.select();
        if oper.index() == send {
            oper.send(self, msg).map_err(|e| SendCtxError::Disconnected(e.into_inner()))
        } else {
            let _ = oper.recv(&done);
            Err(SendCtxError::Context(ctx.err().unwrap_or(ContextError::Canceled), msg))
        }
    }
}

impl<T> RecvCtx<T> for crossbeam_channel::Receiver<T> {
    fn recv_ctx(&self, ctx: &Context) -> Result<T, RecvCtxError> {
        if let Some(e) = ctx.err() {
            return Err(RecvCtxError::Context(e));
        }
        match self.try_recv() {
            Ok(v) => return Ok(v),
            Err(crossbeam_channel::TryRecvError::Disconnected) => return Err(RecvCtxError::Disconnected),
            Err(crossbeam_channel::TryRecvError::Empty) => {}
        }
        let (done, _guard) = crossbeam_done(ctx);
        let mut sel = crossbeam_channel::Select::new();
        let recv = sel.recv(self);
        sel.recv(&done);
        let oper = sel.select();
        if oper.index() == recv {
            oper.recv(self).map_err(|_| RecvCtxError::Disconnected)
        } else {
            let _ = oper.recv(&done);
            Err(RecvCtxError::Context(ctx.err().unwrap_or(ContextError::Canceled)))
        }
    }
}

// === std-style mpsc (std's and vigil's): timed waits ===

/// The longest a std-style wait sleeps before re-checking its context.
const SLICE: Duration = Duration::from_millis(20);

/// How long to wait next: up to the deadline, never more than a slice.
fn next_slice(ctx: &Context, waited: u32) -> Duration {
    let grow = Duration::from_millis(1u64 << waited.min(5)).min(SLICE);
    match ctx.deadline() {
        Some(d) => d.saturating_duration_since(Instant::now()).clamp(Duration::from_micros(100), grow),
        None => grow,
    }
}

fn recv_polling<T>(
    ctx: &Context,
    mut recv_timeout: impl FnMut(Duration) -> Result<T, std_mpsc::RecvTimeoutError>,
) -> Result<T, RecvCtxError> {
    let mut round = 0;
    loop {
        if let Some(e) = ctx.err() {
            return Err(RecvCtxError::Context(e));
        }
        match recv_timeout(next_slice(ctx, round)) {
            Ok(v) => return Ok(v),
            Err(std_mpsc::RecvTimeoutError::Disconnected) => return Err(RecvCtxError::Disconnected),
            Err(std_mpsc::RecvTimeoutError::Timeout) => round += 1,
        }
    }
}

fn send_polling<T>(
    ctx: &Context,
    mut msg: T,
    site: &'static Location<'static>,
    mut try_send: impl FnMut(T) -> Result<(), std_mpsc::TrySendError<T>>,
) -> Result<(), SendCtxError<T>> {
    let mut round = 0;
    let mut blocked = None;
    let me = std::thread::current();
    let _wake = ctx.on_done(move || me.unpark());
    loop {
        if let Some(e) = ctx.err() {
            return Err(SendCtxError::Context(e, msg));
        }
        msg = match try_send(msg) {
            Ok(()) => return Ok(()),
            Err(std_mpsc::TrySendError::Disconnected(m)) => return Err(SendCtxError::Disconnected(m)),
            Err(std_mpsc::TrySendError::Full(m)) => m,
        };
        if blocked.is_none() && vigil_detector::enabled() {
            blocked = Some(vigil_detector::on_block(
                vigil_detector::Op::Send,
                site,
                ctx.resource().into_iter().collect(),
            ));
        }
        std::thread::park_timeout(next_slice(ctx, round));
        round += 1;
    }
}

impl<T> crate::sync::mpsc::Receiver<T> {
    /// Receives a message, or gives up when `ctx` is done first.
    ///
    /// std's channels cannot be selected on, so the wait re-checks the
    /// context at least every 20 ms.
    ///
    /// # Errors
    ///
    /// [`RecvCtxError::Context`] if the context ended first,
    /// [`RecvCtxError::Disconnected`] if every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil::context::{Context, ContextError, RecvCtxError};
    ///
    /// let (_s, r) = vigil::sync::mpsc::channel::<u8>();
    /// let (ctx, _c) = Context::background().with_timeout(Duration::from_millis(10));
    /// assert_eq!(r.recv_ctx(&ctx), Err(RecvCtxError::Context(ContextError::DeadlineExceeded)));
    /// ```
    #[track_caller]
    pub fn recv_ctx(&self, ctx: &Context) -> Result<T, RecvCtxError> {
        recv_polling(ctx, |d| self.recv_timeout(d))
    }
}

impl<T> crate::sync::mpsc::SyncSender<T> {
    /// Sends `msg`, or gives up when `ctx` is done first.
    ///
    /// std's channels cannot be selected on, so the wait re-checks the
    /// context at least every 20 ms (and at once when it is cancelled).
    ///
    /// # Errors
    ///
    /// [`SendCtxError::Context`] if the context ended first,
    /// [`SendCtxError::Disconnected`] if the receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil::context::{Context, SendCtxError};
    ///
    /// let (s, _r) = vigil::sync::mpsc::sync_channel::<u8>(0);
    /// let (ctx, _c) = Context::background().with_timeout(Duration::from_millis(10));
    /// assert!(matches!(s.send_ctx(&ctx, 1), Err(SendCtxError::Context(..))));
    /// ```
    #[track_caller]
    pub fn send_ctx(&self, ctx: &Context, msg: T) -> Result<(), SendCtxError<T>> {
        send_polling(ctx, msg, Location::caller(), |m| self.try_send(m))
    }
}

impl<T> SendCtx<T> for crate::sync::mpsc::SyncSender<T> {
    #[track_caller]
    fn send_ctx(&self, ctx: &Context, msg: T) -> Result<(), SendCtxError<T>> {
        crate::sync::mpsc::SyncSender::send_ctx(self, ctx, msg)
    }
}

impl<T> SendCtx<T> for crate::sync::mpsc::Sender<T> {
    /// An unbounded send never waits: only an already-done context stops it.
    fn send_ctx(&self, ctx: &Context, msg: T) -> Result<(), SendCtxError<T>> {
        if let Some(e) = ctx.err() {
            return Err(SendCtxError::Context(e, msg));
        }
        self.send(msg).map_err(|e| SendCtxError::Disconnected(e.0))
    }
}

impl<T> RecvCtx<T> for crate::sync::mpsc::Receiver<T> {
    #[track_caller]
    fn recv_ctx(&self, ctx: &Context) -> Result<T, RecvCtxError> {
        crate::sync::mpsc::Receiver::recv_ctx(self, ctx)
    }
}

impl<T> SendCtx<T> for std_mpsc::SyncSender<T> {
    #[track_caller]
    fn send_ctx(&self, ctx: &Context, msg: T) -> Result<(), SendCtxError<T>> {
        send_polling(ctx, msg, Location::caller(), |m| self.try_send(m))
    }
}

impl<T> SendCtx<T> for std_mpsc::Sender<T> {
    fn send_ctx(&self, ctx: &Context, msg: T) -> Result<(), SendCtxError<T>> {
        if let Some(e) = ctx.err() {
            return Err(SendCtxError::Context(e, msg));
        }
        self.send(msg).map_err(|e| SendCtxError::Disconnected(e.0))
    }
}

impl<T> RecvCtx<T> for std_mpsc::Receiver<T> {
    fn recv_ctx(&self, ctx: &Context) -> Result<T, RecvCtxError> {
        recv_polling(ctx, |d| self.recv_timeout(d))
    }
}
