//! Making channels: `bounded`, `unbounded` and their `_named` forms.

use super::meta::{ChannelMeta, Flavor};
use super::receiver::{Receiver, RecvInner};
use super::sender::Sender;
use crossbeam_channel as cb;
use std::panic::Location;

/// A channel of unbounded capacity — mirrors `crossbeam_channel::unbounded`.
///
/// # Examples
///
/// ```
/// let (s, r) = vigil::channel::unbounded();
/// s.send("hello").unwrap();
/// assert_eq!(r.recv(), Ok("hello"));
/// ```
///
/// # Differences from crossbeam-channel
///
/// The channel is a tracked resource named after this call's site; use
/// [`unbounded_named`] to give it a name for reports.
#[track_caller]
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    make(Flavor::Unbounded, None, Location::caller())
}

/// A channel of capacity `cap` — mirrors `crossbeam_channel::bounded`.
/// `bounded(0)` is a rendezvous channel (Go's unbuffered channel): a send
/// waits for a receive and the other way round.
///
/// # Examples
///
/// ```
/// use vigil::channel::{bounded, TrySendError};
///
/// let (s, r) = bounded(1);
/// s.send(1).unwrap();
/// assert_eq!(s.try_send(2), Err(TrySendError::Full(2)));
/// assert_eq!(r.recv(), Ok(1));
/// ```
///
/// # Differences from crossbeam-channel
///
/// The channel is a tracked resource named after this call's site; use
/// [`bounded_named`] to give it a name for reports.
#[track_caller]
pub fn bounded<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    make(Flavor::Bounded(cap), None, Location::caller())
}

/// [`unbounded`], with a name that reports use instead of the creation site.
///
/// # Examples
///
/// ```
/// let (s, r) = vigil::channel::unbounded_named("events");
/// s.send(1).unwrap();
/// assert_eq!(r.recv(), Ok(1));
/// ```
#[track_caller]
pub fn unbounded_named<T>(name: impl Into<String>) -> (Sender<T>, Receiver<T>) {
    make(Flavor::Unbounded, Some(name.into()), Location::caller())
}

/// [`bounded`], with a name that reports use instead of the creation site.
///
/// # Examples
///
/// ```
/// let (s, r) = vigil::channel::bounded_named("results", 1);
/// s.send(1).unwrap();
/// assert_eq!(r.recv(), Ok(1));
/// ```
#[track_caller]
pub fn bounded_named<T>(name: impl Into<String>, cap: usize) -> (Sender<T>, Receiver<T>) {
    make(Flavor::Bounded(cap), Some(name.into()), Location::caller())
}

/// A `()` channel for a `Context`'s `done()`: nothing is ever sent on it; it
/// is disconnected (the `Sender` dropped) when the context ends. A worker
/// waiting on its receiver is shown blocked in `context_done`.
pub(crate) fn context_done_channel(
    name: Option<String>,
    site: &'static Location<'static>,
) -> (Sender<()>, Receiver<()>) {
    make(Flavor::ContextDone, name, site)
}

pub(crate) fn make<T>(
    flavor: Flavor,
    name: Option<String>,
    site: &'static Location<'static>,
) -> (Sender<T>, Receiver<T>) {
    let (s, r) = match flavor {
        Flavor::Bounded(cap) => cb::bounded(cap),
        Flavor::ContextDone => cb::bounded(0),
        _ => cb::unbounded(),
    };
    let meta = ChannelMeta::new(flavor, name, site, 1);
    (Sender::from_parts(s, meta.clone()), Receiver::from_parts(RecvInner::Chan(r), meta))
}
