//! Timer channels: `after`, `at`, `tick`, `never` — crossbeam's own, made
//! visible (a worker waiting on one is blocked in `recv` on it).

use super::meta::{ChannelMeta, Flavor};
use super::receiver::{Receiver, RecvInner};
use crossbeam_channel as cb;
use std::panic::Location;
use std::time::{Duration, Instant};

/// A channel that delivers one message (the time it fired) after `duration`
/// — mirrors `crossbeam_channel::after`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let (_s, r) = vigil::channel::unbounded::<i32>();
/// let timeout = vigil::channel::after(Duration::from_millis(10));
/// vigil::select! {
///     recv(r) -> _ => panic!("nothing was sent"),
///     recv(timeout) -> _ => println!("timed out"),
/// }
/// ```
#[track_caller]
pub fn after(duration: Duration) -> Receiver<Instant> {
    timer(cb::after(duration), Flavor::After, Location::caller())
}

/// A channel that delivers one message at `when` — mirrors `crossbeam_channel::at`.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// let r = vigil::channel::at(Instant::now() + Duration::from_millis(1));
/// assert!(r.recv().is_ok());
/// ```
#[track_caller]
pub fn at(when: Instant) -> Receiver<Instant> {
    timer(cb::at(when), Flavor::After, Location::caller())
}

/// A channel that delivers a message every `duration` — mirrors
/// `crossbeam_channel::tick`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let ticker = vigil::channel::tick(Duration::from_millis(1));
/// for _ in 0..3 {
///     ticker.recv().unwrap();
/// }
/// ```
#[track_caller]
pub fn tick(duration: Duration) -> Receiver<Instant> {
    timer(cb::tick(duration), Flavor::Tick, Location::caller())
}

/// A channel that never delivers anything — mirrors `crossbeam_channel::never`.
/// Useful to switch off a `select!` branch.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let r = vigil::channel::never::<i32>();
/// assert!(r.recv_timeout(Duration::from_millis(1)).is_err());
/// ```
#[track_caller]
pub fn never<T>() -> Receiver<T> {
    timer(cb::never(), Flavor::Never, Location::caller())
}

fn timer<T>(inner: cb::Receiver<T>, flavor: Flavor, site: &'static Location<'static>) -> Receiver<T> {
    Receiver::from_parts(RecvInner::Plain(inner), ChannelMeta::new(flavor, None, site, 0))
}
