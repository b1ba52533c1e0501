//! `InitWatch`: whether a one-time initialiser (`Once`, `OnceLock`,
//! `LazyLock`) is running now, so that the callers who wait for it inside
//! std show as blocked (op `other`, at their call site) instead of running;
//! and the wake-up for callers of `OnceLock::wait`, which vigil provides
//! itself (std's needs Rust 1.86).

use std::panic::Location;
use std::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use vigil_detector::Op;

/// Set while an initialiser runs; wakes waiters once the value is out.
#[derive(Debug, Default)]
pub(crate) struct InitWatch {
    running: AtomicBool,
    /// Callers parked in [`wait_for`](InitWatch::wait_for).
    sleepers: AtomicUsize,
    park: Mutex<()>,
    published: Condvar,
}

/// Clears [`InitWatch::running`] when the initialiser returns or unwinds.
struct Running<'a>(&'a InitWatch);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::Release);
    }
}

impl InitWatch {
    pub(crate) const fn new() -> InitWatch {
        InitWatch {
            running: AtomicBool::new(false),
            sleepers: AtomicUsize::new(0),
            park: Mutex::new(()),
            published: Condvar::new(),
        }
    }

    /// Runs the initialiser `f` (called from inside std's one-time closure).
    #[inline]
    pub(crate) fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        self.running.store(true, Ordering::Release);
        let _running = Running(self);
        f()
    }

    /// Runs `enter` (std's `call_once` / `get_or_init`), showing the caller
    /// blocked at `site` if another thread's initialiser is running, since
    /// `enter` then waits for it.
    #[inline]
    pub(crate) fn enter<R>(&self, site: &'static Location<'static>, enter: impl FnOnce() -> R) -> R {
        if !self.running.load(Ordering::Acquire) || !vigil_detector::enabled() {
            return enter();
        }
        self.enter_blocked(site, enter)
    }

    /// The value is visible now (std has stored it): wakes the callers of
    /// [`wait_for`](InitWatch::wait_for). Cheap when there are none.
    #[inline]
    pub(crate) fn published(&self) {
        // Pairs with the fence in `wait_for`: either the waiter sees the
        // value, or this sees the waiter.
        fence(Ordering::SeqCst);
        if self.sleepers.load(Ordering::Relaxed) != 0 {
            let _park = self.park.lock().unwrap_or_else(|e| e.into_inner());
            self.published.notify_all();
        }
    }

    /// Blocks until `ready` returns a value (checked again after every
    /// [`published`](InitWatch::published)), shown blocked at `site`.
    #[cold]
    #[inline(never)]
    pub(crate) fn wait_for<R>(
        &self,
        site: &'static Location<'static>,
        mut ready: impl FnMut() -> Option<R>,
    ) -> R {
        let _blocked =
            vigil_detector::enabled().then(|| vigil_detector::on_block(Op::Other, site, Vec::new()));
        self.sleepers.fetch_add(1, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        let mut park = self.park.lock().unwrap_or_else(|e| e.into_inner());
        let r = loop {
            if let Some(r) = ready() {
                break r;
            }
            park = self.published.wait(park).unwrap_or_else(|e| e.into_inner());
        };
        drop(park);
        self.sleepers.fetch_sub(1, Ordering::Relaxed);
        r
    }

    #[cold]
    #[inline(never)]
    fn enter_blocked<R>(&self, site: &'static Location<'static>, enter: impl FnOnce() -> R) -> R {
        let _blocked = vigil_detector::on_block(Op::Other, site, Vec::new());
        enter()
    }
}
