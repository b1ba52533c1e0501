//! Lock analysis: the per-thread stack of held locks, Go 1.9 starvation
//! states, the wait-for graph (cycles), the lock-order graph (inversions),
//! and the double-lock / recursive-read findings.
//!
//! `vigil-instrumented`'s locks drive these hooks:
//!
//! | hook | when | cost |
//! |---|---|---|
//! | [`held::push`] / [`held::pop`] | every acquisition / release | a thread-local array |
//! | [`nested_acquire`] | a lock acquired while another is held | cold; thread-local dedupe first |
//! | [`begin_wait`] / [`end_wait`] | a lock waiter starts / stops blocking (a cycle it closes: [`FoundCycle`]) | cold |
//! | [`recheck_wait`] | a blocked lock waiter, every 100 ms | cold |
//! | [`Starvation`] | a waiter times out past the threshold / acquires after waiting | cold |
//! | [`report_double_lock`], [`report_recursive_read`] | a thread re-locks what it holds | cold |
//!
//! # Examples
//!
//! ```
//! use vigil_detector::lock::{held, HeldLock, HeldMode};
//! use vigil_detector::ResourceId;
//!
//! let lock = |mode| HeldLock { id: ResourceId::next(), mode, site: std::panic::Location::caller() };
//! let (a, b) = (lock(HeldMode::Exclusive), lock(HeldMode::Shared));
//! held::push(a);
//! // B taken while A is held: the lock's hook then calls `nested_acquire`,
//! // which adds the edge A → B to the lock-order graph.
//! assert!(held::push(b).nested);
//! held::pop(b.id, b.mode);
//! held::pop(a.id, a.mode);
//! ```

mod double_lock;
pub mod held;
mod lock_order;
mod recursive_read;
mod starvation;
mod wait_for;

pub use double_lock::report_double_lock;
pub use held::{HeldLock, HeldMode, Pushed};
pub use lock_order::{forget_lock, nested_acquire};
pub use recursive_read::report_recursive_read;
pub use starvation::{Starvation, Transition};
pub use wait_for::{begin_wait, end_wait, recheck_wait, FoundCycle, Holder, LockResource};

use crate::resource::{ResourceId, ResourceRef};

/// The live resource with this id, as a reference for reports.
pub(crate) fn resource_ref(id: ResourceId) -> Option<ResourceRef> {
    let reg = crate::registry::registry();
    let weak = reg.resources.get(&id)?.value().clone();
    weak.upgrade().map(|r| r.meta().to_ref())
}

/// `{"id", "name"}` of the worker with this id (live or recently finished);
/// the name is `None` when the worker is no longer known.
///
/// # Examples
///
/// ```
/// let me = vigil_detector::current_worker_id().unwrap();
/// assert_eq!(vigil_detector::lock::worker_ref(me).id, me);
/// ```
pub fn worker_ref(id: crate::WorkerId) -> crate::WorkerRef {
    let reg = crate::registry::registry();
    if let Some(w) = reg.workers.get(&id) {
        return w.value().to_ref();
    }
    if let Some(w) = reg.recent.lock().iter().find(|w| w.id() == id) {
        return w.to_ref();
    }
    crate::WorkerRef { id, name: None }
}
