//! Happens-before bookkeeping that every primitive shares: per-thread clocks,
//! the spawn and join edges, [`SyncClock`] (the release/acquire point that
//! mutexes, channels, barriers and the rest carry), the clock side of
//! instrumented atomics and [`fence`].
//!
//! Every function here is a no-op when the race checker is off
//! (`VIGIL_RACE=off` or `VIGIL=off`), so primitives may call them
//! unconditionally.
//!
//! # Slots
//!
//! Each thread owns a *slot* of the vector clocks while it runs. When it
//! ends, its slot goes back to a free list with the highest count it reached
//! (its *high water*). A new thread takes a free slot only if it already
//! knows every event of the slot's previous owners (its starting clock has
//! at least the high water at that slot) — true for a thread spawned by the
//! thread that joined the previous owner, the common churn pattern — and
//! starts counting above the high water. So an old owner's epoch is never
//! confused with a new owner's, no race with an old owner is missed, and
//! clocks stay as wide as the number of threads alive at once.
//!
//! A thread vigil did not spawn (a `std::thread`, a test harness's thread
//! per test) has no spawn edge to start from. It starts knowing everything
//! every *ended* thread did, as if each had been joined before it started
//! (what a harness does between two tests), so it may take any free slot.
//! Without that, every such thread would widen every clock for good and a
//! long test suite would slow down test by test; the price is that a race
//! between an ended thread and a later outside thread, with no vigil-visible
//! edge between them, is not reported.
//!
//! # Lazy ticks
//!
//! A thread's own count advances only when needed: after it *published* its
//! clock (a release, a fork, a release fence) and before its next access or
//! change of clock. Between two such points a thread's clock is one value,
//! so the pair `(slot, count)` names a whole vector clock. [`SyncClock`]
//! keeps that pair as a *tag* of its content, which makes the common cases
//! cheap: a lock taken again by the thread that released it, or an acquire
//! of something already known, compares two integers without locking.
//!
//! | tag | content |
//! |---|---|
//! | `0` | the zero clock |
//! | `1` | a join of several threads' clocks |
//! | `(slot + 1) << 32 \| count` | exactly the clock of `slot`'s thread at `count` |
//!
//! # Examples
//!
//! ```
//! use vigil_detector::hb::{current_clock, SyncClock};
//!
//! let point = SyncClock::new(); // what a lock carries
//! let theirs = std::thread::scope(|s| {
//!     s.spawn(|| {
//!         point.release(); // their unlock
//!         current_clock()
//!     })
//!     .join()
//!     .unwrap()
//! });
//! point.acquire(); // our lock, after theirs
//! if vigil_detector::race_enabled() {
//!     assert!(theirs.le(&current_clock())); // all they did happens-before what we do next
//! }
//! ```
//!
//! | file | what it holds |
//! |---|---|
//! | `slots.rs` | the slot allocator |
//! | `thread_clock.rs` | the calling thread's clock, its spawn and join edges, lazy ticks |
//! | `sync_clock.rs` | [`SyncClock`], the release/acquire point |
//! | `atomic.rs` | the clock side of instrumented atomics, and [`fence`] |

mod atomic;
mod slots;
mod sync_clock;
mod thread_clock;

pub use atomic::{fence, AtomicAccess};
pub use slots::{live_slots, slot_count};
pub use sync_clock::SyncClock;
pub use thread_clock::{acquire_clock, current_clock, release_clock, release_shared, tick};
pub(crate) use thread_clock::{finish, fork, retire, swap as swap_clock, with_thread_clock, ThreadClock};

// === epochs and tags: a thread's clock at one count, in one word ===

/// An epoch, `(slot, count)` in one word (the race checker's shadow cells
/// keep these).
#[inline]
pub(crate) fn pack(slot: usize, count: u32) -> u64 {
    ((slot as u64) << 32) | count as u64
}

/// The `(slot, count)` of an epoch made by [`pack`].
#[inline]
pub(crate) fn unpack(epoch: u64) -> (usize, u32) {
    ((epoch >> 32) as usize, epoch as u32)
}

/// The tag of a [`SyncClock`] that carries the zero clock (module docs).
const TAG_ZERO: u64 = 0;
/// The tag of a [`SyncClock`] that carries a join of several threads' clocks.
const TAG_MIXED: u64 = 1;

/// The tag naming exactly the clock of `slot`'s thread at `count`.
#[inline]
fn tag_of(slot: usize, count: u32) -> u64 {
    ((slot as u64 + 1) << 32) | count as u64
}

#[inline]
fn tag_slot(tag: u64) -> usize {
    ((tag >> 32) - 1) as usize
}

#[inline]
fn tag_count(tag: u64) -> u32 {
    tag as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip() {
        let t = tag_of(3, 9);
        assert_eq!((tag_slot(t), tag_count(t)), (3, 9));
        assert!(t > TAG_MIXED);
        assert_eq!(unpack(pack(5, 6)), (5, 6));
    }
}
