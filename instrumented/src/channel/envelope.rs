//! The envelope a message travels in: the value plus, when the race checker
//! is on, the sender's clock, so that the receive that gets this value (and
//! only that one) happens-after the send. With the `detect` feature off the
//! envelope is the bare value.

#[cfg(feature = "detect")]
use std::sync::Arc;
#[cfg(feature = "detect")]
use vigil_detector::{hb, VectorClock};

/// A message and the clock of the thread that sent it.
#[cfg_attr(not(feature = "detect"), repr(transparent))]
pub(crate) struct Env<T> {
    pub(crate) value: T,
    #[cfg(feature = "detect")]
    clock: Option<Arc<VectorClock>>,
}

impl<T> Env<T> {
    /// Wraps `value` at a send: carries the sender's clock when the race
    /// checker is on (and does nothing more than a move otherwise).
    #[inline]
    pub(crate) fn wrap(value: T) -> Env<T> {
        #[cfg(feature = "detect")]
        {
            let clock = if vigil_detector::race_enabled() { hb::release_shared() } else { None };
            Env { value, clock }
        }
        #[cfg(not(feature = "detect"))]
        Env { value }
    }

    /// Unwraps at the receive that got this message: the receiver learns
    /// everything the sender did before the send.
    #[inline]
    pub(crate) fn open(self) -> T {
        #[cfg(feature = "detect")]
        if let Some(clock) = &self.clock {
            hb::acquire_clock(clock);
        }
        self.value
    }

    /// The value back, without any happens-before edge (a send that failed).
    #[inline]
    pub(crate) fn into_value(self) -> T {
        self.value
    }
}
