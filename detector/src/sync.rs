//! The only primitives the detector itself uses.
//!
//! The detector never observes itself: it uses raw std primitives, all taken
//! from here, so that a future `cfg(loom)` switch can model-check its
//! lock-free parts (crossbeam-utils' `primitive` module pattern).
//!
//! Poisoning is ignored on purpose: a panic while the detector holds one of its
//! locks must not turn every later operation of the host program into a panic.

pub(crate) use std::sync::atomic::{fence as atomic_fence, AtomicBool, AtomicU64, AtomicU8, Ordering};
pub(crate) use std::sync::{Arc, Condvar, OnceLock, Weak};

/// A std mutex whose `lock` never reports poisoning.
#[derive(Debug, Default)]
pub(crate) struct Mutex<T>(std::sync::Mutex<T>);

impl<T> Mutex<T> {
    pub(crate) const fn new(value: T) -> Self {
        Mutex(std::sync::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits on `cv` with this mutex's guard, ignoring poisoning.
    pub(crate) fn wait_timeout<'a>(
        &self,
        cv: &Condvar,
        guard: std::sync::MutexGuard<'a, T>,
        dur: std::time::Duration,
    ) -> std::sync::MutexGuard<'a, T> {
        match cv.wait_timeout(guard, dur) {
            Ok((g, _)) => g,
            Err(e) => e.into_inner().0,
        }
    }
}
