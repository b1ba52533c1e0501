//! The one timer thread that fires every context deadline in the process.
//!
//! It is a plain std thread, not a tracked worker: it belongs to vigil, not
//! to the program under test, so it must never be reported as a leak. It is
//! started at the first deadline and then sleeps until the earliest one.

use super::cancel::CancelState;
use super::ContextError;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError, Weak};
use std::time::Instant;

struct Entry {
    at: Instant,
    seq: u64,
    state: Weak<CancelState>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    // Reversed: `BinaryHeap` is a max-heap and the earliest deadline must be on top.
    fn cmp(&self, other: &Self) -> Ordering {
        other.at.cmp(&self.at).then_with(|| other.seq.cmp(&self.seq))
    }
}

#[derive(Default)]
struct Queue {
    heap: BinaryHeap<Entry>,
    seq: u64,
    pruned_at: usize,
    started: bool,
}

struct Timer {
    queue: Mutex<Queue>,
    cv: Condvar,
}

fn timer() -> &'static Timer {
    static TIMER: OnceLock<Timer> = OnceLock::new();
    TIMER.get_or_init(|| Timer { queue: Mutex::new(Queue::default()), cv: Condvar::new() })
}

/// Cancels `state` with `DeadlineExceeded` at `at`.
pub(crate) fn schedule(at: Instant, state: &Arc<CancelState>) {
    if at <= Instant::now() {
        state.cancel(ContextError::DeadlineExceeded);
        return;
    }
    let t = timer();
    let mut q = t.queue.lock().unwrap_or_else(PoisonError::into_inner);
    // Cancelled or dropped contexts stay in the heap until their deadline;
    // prune them when the heap has doubled since the last pruning.
    if q.heap.len() >= 64 && q.heap.len() >= 2 * q.pruned_at {
        let kept: Vec<Entry> = std::mem::take(&mut q.heap)
            .into_iter()
            .filter(|e| e.state.upgrade().is_some_and(|s| s.err().is_none()))
            .collect();
        q.heap = kept.into();
        q.pruned_at = q.heap.len();
    }
    q.seq += 1;
    let seq = q.seq;
    q.heap.push(Entry { at, seq, state: Arc::downgrade(state) });
    if !q.started {
        let spawned = std::thread::Builder::new().name("vigil-context-timer".into()).spawn(run);
        // Without the thread, deadlines are still seen by `err()`/`is_done()`
        // (they compare the clock), only `done()` would not disconnect.
        q.started = spawned.is_ok();
    }
    drop(q);
    t.cv.notify_one();
}

fn run() {
    let t = timer();
    let mut q = t.queue.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        let now = Instant::now();
        let mut due = Vec::new();
        while q.heap.peek().is_some_and(|e| e.at <= now) {
            if let Some(e) = q.heap.pop() {
                due.push(e.state);
            }
        }
        if !due.is_empty() {
            drop(q);
            for s in due {
                if let Some(s) = s.upgrade() {
                    s.cancel(ContextError::DeadlineExceeded);
                }
            }
            q = t.queue.lock().unwrap_or_else(PoisonError::into_inner);
            continue;
        }
        q = match q.heap.peek().map(|e| e.at) {
            Some(at) => {
                t.cv.wait_timeout(q, at.saturating_duration_since(now))
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => t.cv.wait(q).unwrap_or_else(PoisonError::into_inner),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn earliest_deadline_is_on_top() {
        let now = Instant::now();
        let mut heap = BinaryHeap::new();
        for (i, ms) in [30u64, 10, 20].into_iter().enumerate() {
            heap.push(Entry { at: now + Duration::from_millis(ms), seq: i as u64, state: Weak::new() });
        }
        let order: Vec<u64> = std::iter::from_fn(|| heap.pop().map(|e| e.seq)).collect();
        assert_eq!(order, vec![1, 2, 0]);
    }

    #[test]
    fn past_deadline_cancels_at_once() {
        let s = CancelState::new(None, "deadline", std::panic::Location::caller());
        schedule(Instant::now(), &s);
        assert_eq!(s.err(), Some(ContextError::DeadlineExceeded));
    }
}
