//! A brief retry before a channel operation counts as blocked.
//!
//! crossbeam spins (then yields) a little before it parks, so an operation
//! that finds a bounded channel full or a channel empty usually completes
//! within a microsecond when the other side is active. Marking the worker
//! blocked costs far more than that (the worker's state, an event, the
//! channel's waiters), so the cold path retries on crossbeam's schedule
//! first and only an operation still not ready becomes visible.
//!
//! Only buffered channels retry: on a rendezvous channel two sides that both
//! only *try* never meet, and a timer fires when it fires.

/// Spin steps (1, 2, 4 … 32 spins; crossbeam's `Backoff` goes to 64, then
/// yields — too long to wait before even starting to block on a loaded machine).
const SPIN_STEPS: u32 = 6;

/// Calls `attempt` with `state` on a backoff schedule until it returns
/// `Ok` (done, one way or the other) or the schedule ends; `Err` hands the
/// state back for the next try.
#[inline]
pub(crate) fn retry_briefly<S, R>(mut state: S, mut attempt: impl FnMut(S) -> Result<R, S>) -> Result<R, S> {
    for step in 0..SPIN_STEPS {
        for _ in 0..1u32 << step {
            std::hint::spin_loop();
        }
        match attempt(state) {
            Ok(done) => return Ok(done),
            Err(back) => state = back,
        }
    }
    Err(state)
}
