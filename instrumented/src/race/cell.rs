//! `RaceCell`: a shared value whose every access is checked for data races.

use std::cell::UnsafeCell;
use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicUsize, Ordering};
use vigil_detector::race::Shadow;
use vigil_detector::{ResourceId, ResourceKind, ResourceRef};

struct Inner<T> {
    shadow: Shadow,
    value: T,
}

/// A value shared between threads whose every access is recorded and
/// checked by the happens-before race checker: two accesses from different
/// threads, at least one a write, not ordered by a vigil primitive (spawn,
/// join, a lock, a channel, a release/acquire atomic, …) are reported as a
/// data race with both sides — Go's `WARNING: DATA RACE`.
///
/// `RaceCell<T>` is `Send + Sync` for `T: Send` so that racy programs
/// compile; it never causes undefined behaviour itself: its storage is
/// protected by an internal lock, and it only *reports* what would be a race
/// on a plain (`UnsafeCell`) field.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use vigil::race::RaceCell;
///
/// let cell = Arc::new(RaceCell::new(0u64));
/// let c = cell.clone();
/// vigil::thread::spawn(move || c.set(1)).join().unwrap(); // join orders the write
/// assert_eq!(cell.get(), 1);
/// ```
///
/// # Panics
///
/// Accessing a cell from inside its own [`with`](RaceCell::with) or
/// [`with_mut`](RaceCell::with_mut) closure panics (it would alias the
/// value); other cells may be used freely there.
pub struct RaceCell<T> {
    /// The internal lock: 0 when free, else the holder's per-thread token
    /// (so that re-entry is refused instead of deadlocking).
    lock: AtomicUsize,
    data: UnsafeCell<Inner<T>>,
    id: ResourceId,
    site: &'static Location<'static>,
}

// SAFETY: every access to `data` goes through `lock` (`Locked`), which gives
// one thread at a time exclusive access; values only move between threads
// by being written and read under it, so `T: Send` suffices, as for `Mutex`.
unsafe impl<T: Send> Sync for RaceCell<T> {}

thread_local! {
    static TOKEN: u8 = const { 0 };
}

#[inline]
fn token() -> usize {
    TOKEN.with(|t| t as *const u8 as usize)
}

/// The locked cell: exclusive access to its data until dropped.
struct Locked<'a, T> {
    cell: &'a RaceCell<T>,
}

impl<T> Locked<'_, T> {
    #[inline]
    fn inner(&mut self) -> &mut Inner<T> {
        // SAFETY: `Locked` exists only while this thread holds `lock`, so no
        // other reference to `data` exists; the borrow is tied to `&mut self`.
        unsafe { &mut *self.cell.data.get() }
    }
}

impl<T> Drop for Locked<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.cell.lock.store(0, Ordering::Release);
    }
}

impl<T> RaceCell<T> {
    /// A new cell holding `value`; reports name it by this call's site.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = vigil::race::RaceCell::new(String::from("hi"));
    /// assert_eq!(cell.with(|s| s.len()), 2);
    /// ```
    #[track_caller]
    pub fn new(value: T) -> RaceCell<T> {
        RaceCell {
            lock: AtomicUsize::new(0),
            data: UnsafeCell::new(Inner { shadow: Shadow::new(), value }),
            id: ResourceId::next(),
            site: Location::caller(),
        }
    }

    #[inline]
    fn lock(&self) -> Locked<'_, T> {
        let me = token();
        if self.lock.compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed).is_err() {
            self.lock_slow(me);
        }
        Locked { cell: self }
    }

    #[cold]
    #[inline(never)]
    fn lock_slow(&self, me: usize) {
        let mut spins = 0u32;
        loop {
            let holder = self.lock.load(Ordering::Relaxed);
            if holder == me {
                panic!(
                    "RaceCell created at {}:{} accessed from inside its own with/with_mut closure",
                    self.site.file(),
                    self.site.line()
                );
            }
            if holder == 0
                && self.lock.compare_exchange_weak(0, me, Ordering::Acquire, Ordering::Relaxed).is_ok()
            {
                return;
            }
            spins += 1;
            if spins < 64 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }

    fn resource(&self) -> ResourceRef {
        let name = format!("RaceCell at {}:{}:{}", self.site.file(), self.site.line(), self.site.column());
        ResourceRef { id: self.id, kind: ResourceKind::Memory, name }
    }

    /// Locks, records the access, and reports a race (outside the lock).
    #[inline]
    fn access(&self, write: bool, site: &'static Location<'static>) -> Locked<'_, T> {
        let mut locked = self.lock();
        let shadow = &mut locked.inner().shadow;
        let race = if write { shadow.write(site) } else { shadow.read(site) };
        match race {
            None => locked,
            Some(race) => {
                drop(locked);
                race.report(self.resource());
                self.lock()
            }
        }
    }

    /// Reads the value through a shared reference (a *read* for the checker).
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = vigil::race::RaceCell::new(vec![1, 2, 3]);
    /// assert_eq!(cell.with(|v| v.iter().sum::<i32>()), 6);
    /// ```
    #[track_caller]
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let mut locked = self.access(false, Location::caller());
        f(&locked.inner().value)
    }

    /// Changes the value through a unique reference (a *write* for the checker).
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = vigil::race::RaceCell::new(vec![1, 2]);
    /// cell.with_mut(|v| v.push(3));
    /// assert_eq!(cell.with(|v| v.len()), 3);
    /// ```
    #[track_caller]
    #[inline]
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut locked = self.access(true, Location::caller());
        f(&mut locked.inner().value)
    }

    /// Replaces the value (a *write*); the old value is dropped outside the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = vigil::race::RaceCell::new(1);
    /// cell.set(2);
    /// assert_eq!(cell.get(), 2);
    /// ```
    #[track_caller]
    #[inline]
    pub fn set(&self, value: T) {
        let old = {
            let mut locked = self.access(true, Location::caller());
            std::mem::replace(&mut locked.inner().value, value)
        };
        drop(old);
    }

    /// The value, consuming the cell (no access is recorded: owning the cell
    /// means no other thread can touch it).
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = vigil::race::RaceCell::new(5);
    /// assert_eq!(cell.into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner().value
    }

    /// A unique reference to the value (no access is recorded: `&mut self`
    /// means no other thread can touch it).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = vigil::race::RaceCell::new(5);
    /// *cell.get_mut() += 1;
    /// assert_eq!(cell.get(), 6);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.data.get_mut().value
    }
}

impl<T: Copy> RaceCell<T> {
    /// A copy of the value (a *read*).
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = vigil::race::RaceCell::new(3u8);
    /// assert_eq!(cell.get(), 3);
    /// ```
    #[track_caller]
    #[inline]
    pub fn get(&self) -> T {
        self.access(false, Location::caller()).inner().value
    }
}

impl<T: Default> Default for RaceCell<T> {
    #[track_caller]
    fn default() -> Self {
        RaceCell::new(T::default())
    }
}

impl<T> From<T> for RaceCell<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        RaceCell::new(value)
    }
}

impl<T: fmt::Debug> fmt::Debug for RaceCell<T> {
    /// Never blocks and records no access: a locked cell shows `<locked>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RaceCell");
        if self.lock.compare_exchange(0, token(), Ordering::Acquire, Ordering::Relaxed).is_ok() {
            let mut locked = Locked { cell: self };
            d.field("value", &locked.inner().value);
        } else {
            d.field("value", &format_args!("<locked>"));
        }
        d.finish()
    }
}
