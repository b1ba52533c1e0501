//! Vector clocks: a small value type whose `PartialOrd` is happens-before.
//!
//! Slot `i` counts the events of the thread that owns slot `i`. Slots are
//! reused after a thread ends (see `hb`), so a clock is as wide as the number
//! of threads alive at once, not of all threads ever spawned.

use std::cmp::Ordering as CmpOrdering;

/// A vector clock. `a <= b` means every event `a` knows of, `b` knows of too
/// (`a` happens-before-or-equals `b`); `partial_cmp == None` means concurrent.
///
/// # Examples
///
/// ```
/// use vigil_detector::VectorClock;
///
/// let mut a = VectorClock::new();
/// a.tick(0);
/// let mut b = VectorClock::new();
/// b.tick(1);
/// assert_eq!(a.partial_cmp(&b), None); // concurrent
/// b.join(&a);
/// assert!(a < b); // a happens-before b
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VectorClock {
    slots: Vec<u32>,
}

impl VectorClock {
    /// The zero clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::VectorClock;
    ///
    /// static START: VectorClock = VectorClock::new(); // `const`: fits in a static
    /// assert!(START.is_zero());
    /// assert_eq!(START.width(), 0);
    /// ```
    pub const fn new() -> VectorClock {
        VectorClock { slots: Vec::new() }
    }

    /// The count at `slot` (0 when the clock is narrower).
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::VectorClock;
    ///
    /// let mut c = VectorClock::new();
    /// c.set(2, 7);
    /// assert_eq!(c.get(2), 7);
    /// assert_eq!(c.get(0), 0);
    /// assert_eq!(c.get(99), 0); // beyond the clock's width
    /// ```
    #[inline]
    pub fn get(&self, slot: usize) -> u32 {
        self.slots.get(slot).copied().unwrap_or(0)
    }

    /// Sets the count at `slot`.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::VectorClock;
    ///
    /// let mut c = VectorClock::new();
    /// c.set(3, 5); // widens the clock as needed
    /// assert_eq!((c.width(), c.get(3)), (4, 5));
    /// c.set(3, 2); // may also lower a count
    /// assert_eq!(c.get(3), 2);
    /// ```
    pub fn set(&mut self, slot: usize, value: u32) {
        if self.slots.len() <= slot {
            self.slots.resize(slot + 1, 0);
        }
        self.slots[slot] = value;
    }

    /// Advances `slot` by one and returns the new count.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::VectorClock;
    ///
    /// let mut c = VectorClock::new();
    /// assert_eq!(c.tick(1), 1);
    /// assert_eq!(c.tick(1), 2);
    /// assert_eq!((c.get(0), c.get(1)), (0, 2));
    /// ```
    #[inline]
    pub fn tick(&mut self, slot: usize) -> u32 {
        let v = self.get(slot).saturating_add(1);
        self.set(slot, v);
        v
    }

    /// Point-wise maximum: afterwards `self` knows everything `other` knew.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::VectorClock;
    ///
    /// let mut a = VectorClock::new();
    /// a.set(0, 3);
    /// let mut b = VectorClock::new();
    /// b.set(1, 5);
    /// a.join(&b);
    /// assert_eq!((a.get(0), a.get(1)), (3, 5));
    /// assert!(b <= a);
    /// ```
    #[inline]
    pub fn join(&mut self, other: &VectorClock) {
        if self.slots.len() < other.slots.len() {
            self.slots.resize(other.slots.len(), 0);
        }
        for (mine, theirs) in self.slots.iter_mut().zip(&other.slots) {
            if *theirs > *mine {
                *mine = *theirs;
            }
        }
    }

    /// Number of slots this clock carries.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::VectorClock;
    ///
    /// let mut c = VectorClock::new();
    /// assert_eq!(c.width(), 0);
    /// c.tick(4);
    /// assert_eq!(c.width(), 5); // slots 0..=4
    /// ```
    pub fn width(&self) -> usize {
        self.slots.len()
    }

    /// Whether `self <= other` (every event `self` knows of, `other` knows
    /// of too). Cheaper than `partial_cmp`: it stops at the first slot that
    /// disagrees.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::VectorClock;
    ///
    /// let mut a = VectorClock::new();
    /// a.tick(1);
    /// let mut b = a.clone();
    /// b.tick(0);
    /// assert!(a.le(&b) && !b.le(&a));
    /// ```
    #[inline]
    #[allow(clippy::should_implement_trait)]
    pub fn le(&self, other: &VectorClock) -> bool {
        self.slots.iter().enumerate().all(|(i, v)| *v <= other.get(i))
    }

    /// Makes `self` a copy of `other`, reusing `self`'s allocation.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::VectorClock;
    ///
    /// let mut a = VectorClock::new();
    /// a.set(0, 9);
    /// let mut b = VectorClock::new();
    /// b.tick(3);
    /// b.copy_from(&a); // replaces, not joins: slot 3 is forgotten
    /// assert_eq!(b, a);
    /// assert_eq!(b.get(3), 0);
    /// ```
    #[inline]
    pub fn copy_from(&mut self, other: &VectorClock) {
        self.slots.clear();
        self.slots.extend_from_slice(&other.slots);
    }

    /// Forgets everything (the zero clock), keeping the allocation.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::VectorClock;
    ///
    /// let mut c = VectorClock::new();
    /// c.tick(2);
    /// c.clear();
    /// assert!(c.is_zero());
    /// assert_eq!(c, VectorClock::new());
    /// ```
    #[inline]
    pub fn clear(&mut self) {
        self.slots.clear();
    }

    /// Whether this is the zero clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::VectorClock;
    ///
    /// let mut c = VectorClock::new();
    /// assert!(c.is_zero());
    /// c.set(1, 0); // wider, but every count is still 0
    /// assert!(c.is_zero());
    /// c.tick(1);
    /// assert!(!c.is_zero());
    /// ```
    #[inline]
    pub fn is_zero(&self) -> bool {
        self.slots.iter().all(|v| *v == 0)
    }
}

impl PartialOrd for VectorClock {
    fn partial_cmp(&self, other: &VectorClock) -> Option<CmpOrdering> {
        let n = self.slots.len().max(other.slots.len());
        let (mut less, mut greater) = (false, false);
        for i in 0..n {
            match self.get(i).cmp(&other.get(i)) {
                CmpOrdering::Less => less = true,
                CmpOrdering::Greater => greater = true,
                CmpOrdering::Equal => {}
            }
        }
        match (less, greater) {
            (false, false) => Some(CmpOrdering::Equal),
            (true, false) => Some(CmpOrdering::Less),
            (false, true) => Some(CmpOrdering::Greater),
            (true, true) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_is_pointwise_max_and_orders() {
        let mut a = VectorClock::new();
        a.set(0, 3);
        a.set(2, 1);
        let mut b = VectorClock::new();
        b.set(1, 5);
        assert_eq!(a.partial_cmp(&b), None);
        let mut c = a.clone();
        c.join(&b);
        assert_eq!((c.get(0), c.get(1), c.get(2)), (3, 5, 1));
        assert!(a < c && b < c);
        assert_eq!(c.partial_cmp(&c.clone()), Some(CmpOrdering::Equal));
    }
}
