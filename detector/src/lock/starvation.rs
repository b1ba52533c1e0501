//! Go 1.9's starvation mode, as a state that locks report.
//!
//! | from | event | to |
//! |---|---|---|
//! | normal | a waiter has waited longer than the threshold and still cannot lock | starving |
//! | starving | the waiter that acquires the lock waited less than the threshold | normal |
//! | starving | the waiter that acquires the lock was the last waiter | normal |
//!
//! vigil does not change how its locks hand themselves over (that is std's
//! business); it records the mode and every transition, so that a lock that
//! would have starved a Go program shows up in stats and on the dashboard.

use crate::events::EventKind;
use crate::resource::ResourceRef;
use crate::sync::{AtomicU64, Ordering};
use crate::worker::WorkerRef;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// A transition made by [`Starvation`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use vigil_detector::lock::{Starvation, Transition};
///
/// let (s, threshold) = (Starvation::new(), Duration::from_millis(1));
/// assert_eq!(s.still_waiting(Duration::from_millis(3), threshold, None), Some(Transition::Entered));
/// assert_eq!(s.acquired(Duration::from_micros(100), threshold, false, None), Some(Transition::Exited));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Normal → starving.
    Entered,
    /// Starving → normal.
    Exited,
}

/// A lock's starvation mode and its transition counts.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use vigil_detector::lock::{Starvation, Transition};
///
/// let s = Starvation::new();
/// let ms = Duration::from_millis;
/// assert_eq!(s.still_waiting(ms(5), ms(1), None), Some(Transition::Entered));
/// assert!(s.is_starving());
/// // The waiter that acquires waited long, but it was the last one: back to normal.
/// assert_eq!(s.acquired(ms(6), ms(1), true, None), Some(Transition::Exited));
/// assert_eq!((s.entered(), s.exited()), (1, 1));
/// ```
#[derive(Debug, Default)]
pub struct Starvation {
    starving: AtomicBool,
    entered: AtomicU64,
    exited: AtomicU64,
}

/// Who caused a transition, for its event: the waiter and the lock.
pub(crate) type Cause<'a> = Option<(&'a WorkerRef, &'a ResourceRef)>;

impl Starvation {
    /// Normal mode, no transitions yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::lock::Starvation;
    ///
    /// static MODE: Starvation = Starvation::new(); // `const`: a lock's static
    /// assert!(!MODE.is_starving());
    /// assert_eq!((MODE.entered(), MODE.exited()), (0, 0));
    /// ```
    pub const fn new() -> Starvation {
        Starvation { starving: AtomicBool::new(false), entered: AtomicU64::new(0), exited: AtomicU64::new(0) }
    }

    /// Whether the lock is in starvation mode now.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil_detector::lock::Starvation;
    ///
    /// let (s, threshold) = (Starvation::new(), Duration::from_millis(1));
    /// assert!(!s.is_starving());
    /// s.still_waiting(Duration::from_millis(2), threshold, None);
    /// assert!(s.is_starving());
    /// s.acquired(Duration::from_millis(2), threshold, true, None); // the last waiter
    /// assert!(!s.is_starving());
    /// ```
    #[inline]
    pub fn is_starving(&self) -> bool {
        self.starving.load(Ordering::Relaxed)
    }

    /// Normal → starving transitions so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil_detector::lock::Starvation;
    ///
    /// let (s, threshold) = (Starvation::new(), Duration::from_millis(1));
    /// s.still_waiting(Duration::from_millis(2), threshold, None);
    /// s.still_waiting(Duration::from_millis(3), threshold, None); // a second waiter times out
    /// assert_eq!(s.entered(), 1); // one transition, however many waiters
    /// ```
    pub fn entered(&self) -> u64 {
        self.entered.load(Ordering::Relaxed)
    }

    /// Starving → normal transitions so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil_detector::lock::Starvation;
    ///
    /// let (s, threshold) = (Starvation::new(), Duration::from_millis(1));
    /// for _ in 0..2 {
    ///     s.still_waiting(Duration::from_millis(2), threshold, None);
    ///     s.acquired(Duration::from_millis(2), threshold, true, None);
    /// }
    /// assert_eq!((s.entered(), s.exited()), (2, 2));
    /// ```
    pub fn exited(&self) -> u64 {
        self.exited.load(Ordering::Relaxed)
    }

    /// A waiter that has waited `waited` still cannot lock: past `threshold`
    /// the lock starts starving. The transition is emitted as an event naming
    /// `cause`'s waiter and lock.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil_detector::lock::{Starvation, Transition};
    /// use vigil_detector::{EventKind, ResourceKind, ResourceMeta};
    ///
    /// let me = vigil_detector::current_worker().unwrap().to_ref();
    /// let lock = ResourceMeta::new(ResourceKind::Mutex, Some("queue".into()), std::panic::Location::caller()).to_ref();
    /// let (s, threshold) = (Starvation::new(), Duration::from_millis(1));
    /// assert_eq!(s.still_waiting(threshold, threshold, Some((&me, &lock))), None); // not past it
    /// assert_eq!(s.still_waiting(threshold * 2, threshold, Some((&me, &lock))), Some(Transition::Entered));
    /// let events = vigil_detector::events_since(0, 100).events;
    /// assert!(events.iter().any(|e| e.kind == EventKind::Starvation && e.resource.as_ref() == Some(&lock)));
    /// ```
    pub fn still_waiting(
        &self,
        waited: Duration,
        threshold: Duration,
        cause: Cause<'_>,
    ) -> Option<Transition> {
        if waited <= threshold || self.is_starving() {
            return None;
        }
        if self.starving.swap(true, Ordering::AcqRel) {
            return None;
        }
        self.entered.fetch_add(1, Ordering::Relaxed);
        if let Some((w, r)) = cause {
            crate::emit(
                EventKind::Starvation,
                Some(w.clone()),
                Some(r.clone()),
                None,
                format!(
                    "{r} is starving: {w} has waited {} ms (threshold {} ms)",
                    waited.as_millis(),
                    threshold.as_millis()
                ),
            );
        }
        Some(Transition::Entered)
    }

    /// A waiter acquired the lock after waiting `waited`; `last` when no
    /// other waiter remains. A starving lock returns to normal when the
    /// waiter waited less than `threshold` or was the last one.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use vigil_detector::lock::{Starvation, Transition};
    ///
    /// let (s, threshold) = (Starvation::new(), Duration::from_millis(1));
    /// s.still_waiting(Duration::from_millis(5), threshold, None);
    /// // A long waiter with others behind it: still starving.
    /// assert_eq!(s.acquired(Duration::from_millis(5), threshold, false, None), None);
    /// // A waiter that waited less than the threshold: back to normal.
    /// assert_eq!(s.acquired(Duration::from_micros(100), threshold, false, None), Some(Transition::Exited));
    /// ```
    pub fn acquired(
        &self,
        waited: Duration,
        threshold: Duration,
        last: bool,
        cause: Cause<'_>,
    ) -> Option<Transition> {
        if !self.is_starving() || !(waited < threshold || last) {
            return None;
        }
        if !self.starving.swap(false, Ordering::AcqRel) {
            return None;
        }
        self.exited.fetch_add(1, Ordering::Relaxed);
        if let Some((w, r)) = cause {
            let why = if last { "it was the last waiter" } else { "it waited less than the threshold" };
            crate::emit(
                EventKind::StarvationEnd,
                Some(w.clone()),
                Some(r.clone()),
                None,
                format!("{r} is back to normal: {w} acquired it after {} ms and {why}", waited.as_millis()),
            );
        }
        Some(Transition::Exited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_millis(1);

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn short_waits_never_starve() {
        let s = Starvation::new();
        assert_eq!(s.still_waiting(ms(0), T, None), None);
        assert_eq!(s.still_waiting(T, T, None), None);
        assert!(!s.is_starving());
    }

    #[test]
    fn enters_once_however_many_waiters_time_out() {
        let s = Starvation::new();
        assert_eq!(s.still_waiting(ms(2), T, None), Some(Transition::Entered));
        assert_eq!(s.still_waiting(ms(3), T, None), None);
        assert_eq!(s.entered(), 1);
    }

    #[test]
    fn long_waiter_with_others_behind_keeps_starving() {
        let s = Starvation::new();
        s.still_waiting(ms(2), T, None);
        assert_eq!(s.acquired(ms(5), T, false, None), None);
        assert!(s.is_starving());
    }

    #[test]
    fn short_waiter_ends_starvation_even_with_others_behind() {
        let s = Starvation::new();
        s.still_waiting(ms(2), T, None);
        assert_eq!(s.acquired(Duration::from_micros(100), T, false, None), Some(Transition::Exited));
        assert!(!s.is_starving());
        assert_eq!(s.exited(), 1);
    }

    #[test]
    fn last_waiter_ends_starvation() {
        let s = Starvation::new();
        s.still_waiting(ms(2), T, None);
        assert_eq!(s.acquired(ms(9), T, true, None), Some(Transition::Exited));
    }

    #[test]
    fn acquiring_in_normal_mode_changes_nothing() {
        let s = Starvation::new();
        assert_eq!(s.acquired(ms(9), T, true, None), None);
        assert_eq!((s.entered(), s.exited()), (0, 0));
    }
}
