//! The slot allocator: which index of the vector clocks a running thread
//! owns, and where a new thread's count starts (see the module docs of
//! `hb`).

use crate::clock::VectorClock;
use crate::sync::Mutex;

/// Slot allocation; see the module docs.
struct Slots {
    /// Highest count each slot's owners reached.
    high_water: Vec<u32>,
    /// Slots whose owner has ended.
    free: Vec<usize>,
    /// The join of the final clocks of every thread that has ended: what a
    /// thread vigil did not spawn starts from (module docs).
    ended: VectorClock,
}

static SLOTS: Mutex<Slots> =
    Mutex::new(Slots { high_water: Vec::new(), free: Vec::new(), ended: VectorClock::new() });

/// A slot for a thread starting with `knows` (its spawner's clock), or with
/// no known parent (`None`: a thread vigil did not spawn), the count it
/// starts at and the clock it starts from (its own slot not yet set).
pub(super) fn alloc_slot(knows: Option<&VectorClock>) -> (usize, u32, VectorClock) {
    let mut s = SLOTS.lock();
    let Slots { high_water, free, ended } = &mut *s;
    let start = match knows {
        Some(k) => k.clone(),
        None => ended.clone(),
    };
    // Most recently freed first: in spawn/join churn that is a slot the
    // spawner has just joined. An outside thread knows every ended thread,
    // so any free slot passes.
    if let Some(pos) = free.iter().rposition(|&slot| start.get(slot) >= high_water[slot]) {
        let slot = free.swap_remove(pos);
        return (slot, high_water[slot].saturating_add(1), start);
    }
    high_water.push(0);
    (high_water.len() - 1, 1, start)
}

pub(super) fn free_slot(slot: usize, final_clock: &VectorClock) {
    let reached = final_clock.get(slot);
    let mut s = SLOTS.lock();
    if s.high_water[slot] < reached {
        s.high_water[slot] = reached;
    }
    s.ended.join(final_clock);
    s.free.push(slot);
}

/// Number of thread slots ever allocated: the width clocks can reach,
/// bounded by the most threads alive at once (see the module docs).
///
/// # Examples
///
/// ```
/// let _width = vigil_detector::hb::slot_count();
/// ```
pub fn slot_count() -> usize {
    SLOTS.lock().high_water.len()
}

/// Number of thread slots in use now (threads alive with a clock).
///
/// # Examples
///
/// ```
/// assert!(vigil_detector::hb::live_slots() <= vigil_detector::hb::slot_count());
/// ```
pub fn live_slots() -> usize {
    let s = SLOTS.lock();
    s.high_water.len() - s.free.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::VectorClock;

    fn ended_at(slot: usize, count: u32) -> VectorClock {
        let mut c = VectorClock::new();
        c.set(slot, count);
        c
    }

    #[test]
    fn reused_slot_requires_knowing_its_past() {
        let mut knows = VectorClock::new();
        let (a, start, _) = alloc_slot(Some(&knows));
        assert_eq!(start, 1);
        free_slot(a, &ended_at(a, 7));
        // Not knowing slot `a` up to 7: a fresh slot.
        let (b, _, _) = alloc_slot(Some(&knows));
        assert_ne!(a, b);
        knows.set(a, 7);
        let (c, start, clock) = alloc_slot(Some(&knows));
        assert_eq!((c, start), (a, 8));
        assert_eq!(clock, knows);
        free_slot(b, &ended_at(b, 1));
        free_slot(c, &ended_at(c, 8));
    }

    #[test]
    fn an_outside_thread_starts_knowing_every_ended_thread() {
        let (a, _, _) = alloc_slot(Some(&VectorClock::new()));
        free_slot(a, &ended_at(a, 5));
        let (slot, start, clock) = alloc_slot(None);
        // Whatever slot it gets (other tests free slots too), it knows `a`'s
        // end, and starts above every earlier owner of its own slot.
        assert!(clock.get(a) >= 5, "{clock:?}");
        assert!(start > clock.get(slot), "starts at {start}, knows {clock:?}");
        free_slot(slot, &ended_at(slot, start));
    }
}
