//! The future wrapper every vigil task runs in: its `poll` runs the user's
//! future as the task (`vigil_detector::task::TaskCore::poll` swaps the
//! polling thread's per-thread records for the task's), and its drop before
//! completion (abort, a dropped `JoinSet`, a runtime shutting down) ends the
//! task `cancelled`.
//!
//! Cost per poll: two clock reads, the swap of three thread-locals (the
//! vector clock only with the race checker on), and a `will_wake` compare
//! to reuse the counting waker. With tracking off at run time (`VIGIL=off`)
//! the wrapper holds no task record and forwards the poll.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context, Poll};
use vigil_detector::task::TaskCore;

/// A task's future, run as the task.
pub(crate) struct Instrumented<F> {
    core: Option<TaskCore>,
    /// Structurally pinned: never moved out, dropped in place in `Drop`.
    fut: ManuallyDrop<F>,
}

impl<F> Instrumented<F> {
    pub(crate) fn new(core: Option<TaskCore>, fut: F) -> Instrumented<F> {
        Instrumented { core, fut: ManuallyDrop::new(fut) }
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `fut` is pinned structurally (this type never moves it out
        // of `self` and drops it in place); `core` is never pinned, so
        // taking `&mut` to it is fine.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: `this` is pinned, and `fut` with it (see above).
        let fut = unsafe { Pin::new_unchecked(&mut *this.fut) };
        match &mut this.core {
            Some(core) => core.poll(cx, |cx| fut.poll(cx)),
            None => fut.poll(cx),
        }
    }
}

impl<F> Drop for Instrumented<F> {
    fn drop(&mut self) {
        let fut = &mut self.fut;
        // SAFETY: `fut` is dropped exactly once, here, in place (pinning's
        // drop guarantee), and never used afterwards.
        let mut drop_future = || unsafe { ManuallyDrop::drop(fut) };
        match &mut self.core {
            Some(core) => core.cancel(drop_future),
            None => drop_future(),
        }
    }
}
