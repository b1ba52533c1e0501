//! FastTrack shadow state for one tracked location.
//!
//! | field | holds | becomes |
//! |---|---|---|
//! | `write` | the last write: epoch `(slot, count)`, site, worker | replaced by every write |
//! | `reads` | the last read as one epoch while reads are ordered | a read vector (one entry per slot) when two reads are concurrent; cleared by the next write, which must be ordered after all of them |
//!
//! An access is ordered after a recorded one when the caller's clock at the
//! recorded slot has reached the recorded count. Same-epoch accesses (the
//! thread touched the location already since its last release) compare one
//! integer and return; a read in the epoch of the thread's own last write
//! is subsumed by that write.

use super::report::Race;
use crate::hb::{unpack, with_thread_clock, ThreadClock};
use crate::sync::Arc;
use crate::worker::Worker;
use crate::RaceKind;
use std::fmt;
use std::panic::Location;

/// One recorded access.
#[derive(Clone)]
pub(crate) struct Rec {
    pub(crate) epoch: u64,
    pub(crate) site: &'static Location<'static>,
    pub(crate) worker: Option<Arc<Worker>>,
}

impl Rec {
    fn new(tc: &mut ThreadClock, epoch: u64, site: &'static Location<'static>) -> Rec {
        Rec { epoch, site, worker: tc.worker() }
    }

    /// Whether the caller (clock `tc`) is ordered after this access.
    #[inline]
    fn before(&self, tc: &ThreadClock) -> bool {
        let (slot, count) = unpack(self.epoch);
        count <= tc.clock.get(slot)
    }

    fn slot(&self) -> usize {
        unpack(self.epoch).0
    }
}

#[derive(Clone, Default)]
enum Reads {
    #[default]
    None,
    One(Rec),
    Many(Vec<Rec>),
}

/// The shadow state of one tracked location (a `RaceCell`'s value, an
/// annotated address): who wrote it last, who read it since, where.
///
/// The owner keeps it next to the location, under the same lock that
/// protects the location itself, and calls [`read`](Shadow::read) or
/// [`write`](Shadow::write) at every access; a returned [`Race`] is then
/// reported with [`Race::report`] (after releasing that lock).
///
/// # Examples
///
/// ```
/// use vigil_detector::race::Shadow;
///
/// let mut shadow = Shadow::new();
/// let site = std::panic::Location::caller();
/// assert!(shadow.write(site).is_none());
/// assert!(shadow.read(site).is_none()); // same thread: ordered
/// ```
#[derive(Clone, Default)]
pub struct Shadow {
    write: Option<Rec>,
    reads: Reads,
}

impl fmt::Debug for Shadow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reads = match &self.reads {
            Reads::None => 0,
            Reads::One(_) => 1,
            Reads::Many(v) => v.len(),
        };
        f.debug_struct("Shadow")
            .field("write", &self.write.as_ref().map(|w| unpack(w.epoch)))
            .field("reads", &reads)
            .finish()
    }
}

impl Shadow {
    /// No access recorded yet.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(vigil_detector::race::Shadow::new().is_empty());
    /// ```
    pub const fn new() -> Shadow {
        Shadow { write: None, reads: Reads::None }
    }

    /// Records a read by the calling thread at `site`; returns the race it
    /// makes with an unordered earlier write, if any. Does nothing (and
    /// returns `None`) when the race checker is off.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut shadow = vigil_detector::race::Shadow::new();
    /// assert!(shadow.read(std::panic::Location::caller()).is_none());
    /// ```
    #[inline]
    pub fn read(&mut self, site: &'static Location<'static>) -> Option<Race> {
        with_thread_clock(|tc| {
            let e = tc.epoch();
            match &mut self.reads {
                Reads::One(r) if r.epoch == e => {
                    r.site = site;
                    return None;
                }
                // A read in the epoch of the thread's own last write adds
                // nothing: whatever conflicts with it conflicts with that
                // write, which is then reported instead.
                Reads::None if self.write.as_ref().is_some_and(|w| w.epoch == e) => return None,
                _ => {}
            }
            self.read_slow(tc, e, site)
        })
        .flatten()
    }

    /// Records a write by the calling thread at `site`; returns the race it
    /// makes with an unordered earlier write or read, if any. Does nothing
    /// (and returns `None`) when the race checker is off.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut shadow = vigil_detector::race::Shadow::new();
    /// assert!(shadow.write(std::panic::Location::caller()).is_none());
    /// ```
    #[inline]
    pub fn write(&mut self, site: &'static Location<'static>) -> Option<Race> {
        with_thread_clock(|tc| {
            let e = tc.epoch();
            if let (Some(w), Reads::None) = (&mut self.write, &self.reads) {
                if w.epoch == e {
                    w.site = site;
                    return None;
                }
            }
            self.write_slow(tc, e, site)
        })
        .flatten()
    }

    /// Whether an access by the calling thread at `site` (a write if
    /// `write`) races with an access recorded here, without recording it:
    /// for an access of an overlapping range whose own shadow is elsewhere
    /// (annotated raw memory). Returns `None` when the race checker is off.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut shadow = vigil_detector::race::Shadow::new();
    /// let _ = shadow.write(std::panic::Location::caller());
    /// // The same thread: ordered.
    /// assert!(shadow.check(true, std::panic::Location::caller()).is_none());
    /// ```
    pub fn check(&self, write: bool, site: &'static Location<'static>) -> Option<Race> {
        with_thread_clock(|tc| {
            let op = if write { "write" } else { "read" };
            if let Some(w) = self.write.as_ref().filter(|w| !w.before(tc)) {
                let kind = if write { RaceKind::WriteWrite } else { RaceKind::WriteRead };
                return Some(Race::new(kind, w.clone(), "write", tc, site, op));
            }
            if !write {
                return None;
            }
            let unordered = match &self.reads {
                Reads::None => None,
                Reads::One(r) => (!r.before(tc)).then_some(r),
                Reads::Many(v) => v.iter().find(|r| !r.before(tc)),
            };
            unordered.map(|r| Race::new(RaceKind::ReadWrite, r.clone(), "read", tc, site, op))
        })
        .flatten()
    }

    /// Whether nothing is recorded (e.g. after the checker was off throughout).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut shadow = vigil_detector::race::Shadow::new();
    /// let _ = shadow.read(std::panic::Location::caller());
    /// assert_eq!(shadow.is_empty(), !vigil_detector::race_enabled());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.write.is_none() && matches!(self.reads, Reads::None)
    }

    #[inline(never)]
    fn read_slow(&mut self, tc: &mut ThreadClock, e: u64, site: &'static Location<'static>) -> Option<Race> {
        let me = unpack(e).0;
        let race = match &self.write {
            Some(w) if !w.before(tc) => {
                Some(Race::new(RaceKind::WriteRead, w.clone(), "write", tc, site, "read"))
            }
            _ => None,
        };
        match &mut self.reads {
            Reads::Many(v) => {
                if let Some(r) = v.iter_mut().find(|r| r.slot() == me) {
                    if r.epoch == e {
                        r.site = site;
                        return race;
                    }
                }
                // Reads ordered before this one need no entry of their own:
                // a write ordered after this read is ordered after them too.
                v.retain(|r| !r.before(tc));
                let rec = Rec::new(tc, e, site);
                if v.is_empty() {
                    self.reads = Reads::One(rec);
                } else {
                    v.push(rec);
                }
            }
            Reads::One(r) if !r.before(tc) => {
                let prev = r.clone();
                self.reads = Reads::Many(vec![prev, Rec::new(tc, e, site)]);
            }
            _ => self.reads = Reads::One(Rec::new(tc, e, site)),
        }
        race
    }

    #[inline(never)]
    fn write_slow(&mut self, tc: &mut ThreadClock, e: u64, site: &'static Location<'static>) -> Option<Race> {
        let mut race = match &self.write {
            Some(w) if !w.before(tc) => {
                Some(Race::new(RaceKind::WriteWrite, w.clone(), "write", tc, site, "write"))
            }
            _ => None,
        };
        if race.is_none() {
            let unordered = match &self.reads {
                Reads::None => None,
                Reads::One(r) => (!r.before(tc)).then_some(r),
                Reads::Many(v) => v.iter().find(|r| !r.before(tc)),
            };
            if let Some(r) = unordered {
                race = Some(Race::new(RaceKind::ReadWrite, r.clone(), "read", tc, site, "write"));
            }
        }
        self.write = Some(Rec::new(tc, e, site));
        self.reads = Reads::None;
        race
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::Mutex;

    /// Runs `f` on a new thread that starts from the caller's clock, and
    /// returns that thread's final clock (a spawn and a join, by hand).
    fn forked(f: impl FnOnce() + Send + 'static) -> crate::VectorClock {
        let start = crate::hb::fork();
        std::thread::spawn(move || {
            if let Some(c) = &start {
                crate::hb::acquire_clock(c);
            }
            f();
            crate::hb::finish().unwrap_or_default()
        })
        .join()
        .unwrap()
    }

    #[test]
    fn concurrent_reads_become_a_vector_and_an_ordered_write_clears_it() {
        if !crate::race_enabled() {
            return;
        }
        let shadow = std::sync::Arc::new(Mutex::new(Shadow::new()));
        assert!(shadow.lock().write(Location::caller()).is_none());
        let (a, b) = (shadow.clone(), shadow.clone());
        let ca = forked(move || assert!(a.lock().read(Location::caller()).is_none()));
        let cb = forked(move || assert!(b.lock().read(Location::caller()).is_none()));
        assert!(matches!(shadow.lock().reads, Reads::Many(ref v) if v.len() == 2));
        crate::hb::acquire_clock(&ca);
        crate::hb::acquire_clock(&cb);
        assert!(shadow.lock().write(Location::caller()).is_none());
        assert!(matches!(shadow.lock().reads, Reads::None));
    }

    #[test]
    fn a_write_unordered_with_one_of_two_reads_is_read_write() {
        if !crate::race_enabled() {
            return;
        }
        let shadow = std::sync::Arc::new(Mutex::new(Shadow::new()));
        let (a, b) = (shadow.clone(), shadow.clone());
        let ca = forked(move || assert!(a.lock().read(Location::caller()).is_none()));
        let _not_joined = forked(move || assert!(b.lock().read(Location::caller()).is_none()));
        crate::hb::acquire_clock(&ca);
        let race = shadow.lock().write(Location::caller());
        assert_eq!(race.map(|r| r.kind()), Some(RaceKind::ReadWrite));
    }
}
