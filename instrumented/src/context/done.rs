//! The channel behind `Context::done()`: a `vigil::channel` rendezvous
//! channel of the `context_done` flavour (a worker waiting on it is shown
//! blocked in `context_done`), whose only sender the context keeps until it
//! is cancelled.

use crate::channel::{context_done_channel, Receiver, Sender};
use std::panic::Location;
use std::sync::OnceLock;

/// What `Context::done()` returns: a `vigil::channel::Receiver<()>`.
///
/// # Examples
///
/// ```
/// use vigil::context::{Context, DoneReceiver};
///
/// let (ctx, cancel) = Context::background().with_cancel();
/// let done: DoneReceiver = ctx.done();
/// assert!(done.try_recv().is_err()); // still running
/// cancel.cancel();
/// assert!(done.recv().is_err()); // closed: the context ended
/// ```
pub type DoneReceiver = Receiver<()>;

pub(crate) type DoneSender = Sender<()>;

pub(crate) fn done_channel(name: String, site: &'static Location<'static>) -> (DoneSender, DoneReceiver) {
    context_done_channel(Some(name), site)
}

/// The background context's receiver: its sender is kept forever, so it
/// never disconnects.
pub(crate) fn never() -> DoneReceiver {
    static BACKGROUND: OnceLock<(DoneSender, DoneReceiver)> = OnceLock::new();
    BACKGROUND
        .get_or_init(|| context_done_channel(Some("background.done".into()), Location::caller()))
        .1
        .clone()
}
