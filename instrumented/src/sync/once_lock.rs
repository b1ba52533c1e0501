//! `OnceLock`: std's write-once cell, with the happens-before edge
//! "initialisation → every read that sees the value".

use crate::sync::init_watch::InitWatch;
use std::fmt;
use std::panic::Location;
use vigil_detector::hb::SyncClock;

/// A thread-safe cell written at most once — mirrors `std::sync::OnceLock`.
///
/// # Examples
///
/// ```
/// use vigil::sync::OnceLock;
///
/// static CONFIG: OnceLock<String> = OnceLock::new();
///
/// let v = CONFIG.get_or_init(|| "loaded".to_string());
/// assert_eq!(v, "loaded");
/// assert_eq!(CONFIG.set("again".into()), Err("again".into()));
/// ```
///
/// # Differences from the standard library
///
/// For the race checker, the initialisation happens before every access
/// that observes the value (`get`, `get_or_init`, `set`'s failure).
pub struct OnceLock<T> {
    inner: std::sync::OnceLock<T>,
    hb: SyncClock,
    watch: InitWatch,
}

impl<T> OnceLock<T> {
    /// An empty cell; `const`, so it can initialise a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell: vigil::sync::OnceLock<u8> = vigil::sync::OnceLock::new();
    /// assert!(cell.get().is_none());
    /// ```
    pub const fn new() -> OnceLock<T> {
        OnceLock { inner: std::sync::OnceLock::new(), hb: SyncClock::new(), watch: InitWatch::new() }
    }

    #[inline]
    fn seen<'a>(&self, v: Option<&'a T>) -> Option<&'a T> {
        if v.is_some() && vigil_detector::race_enabled() {
            self.hb.acquire();
        }
        v
    }

    /// The value, if initialised.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = vigil::sync::OnceLock::new();
    /// cell.set(1).unwrap();
    /// assert_eq!(cell.get(), Some(&1));
    /// ```
    #[inline]
    pub fn get(&self) -> Option<&T> {
        self.seen(self.inner.get())
    }

    /// Blocks until the cell is initialised (by another thread's
    /// `get_or_init` or `set`), then returns the value — mirrors
    /// `std::sync::OnceLock::wait`, which needs Rust 1.86; vigil's works on
    /// its MSRV. A waiting caller is shown blocked (op `other`) at its site.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::sync::{Arc, OnceLock};
    ///
    /// let cell = Arc::new(OnceLock::new());
    /// let c = cell.clone();
    /// let waiter = vigil::thread::spawn(move || *c.wait());
    /// cell.set(5).unwrap();
    /// assert_eq!(waiter.join().unwrap(), 5);
    /// ```
    #[inline]
    #[track_caller]
    pub fn wait(&self) -> &T {
        match self.get() {
            Some(v) => v,
            None => self.watch.wait_for(Location::caller(), || self.get()),
        }
    }

    /// A mutable reference to the value, if initialised.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = vigil::sync::OnceLock::from(1);
    /// *cell.get_mut().unwrap() += 1;
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.inner.get_mut()
    }

    /// Initialises the cell with `value`.
    ///
    /// # Errors
    ///
    /// As std: `Err(value)` if the cell was already initialised.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = vigil::sync::OnceLock::new();
    /// assert_eq!(cell.set(1), Ok(()));
    /// assert_eq!(cell.set(2), Err(2));
    /// ```
    #[track_caller]
    pub fn set(&self, value: T) -> Result<(), T> {
        let mut slot = Some(value);
        self.get_or_init(|| match slot.take() {
            Some(v) => v,
            // The closure runs at most once, and `slot` is full until then.
            None => unreachable!("OnceLock::set initialiser ran twice"),
        });
        match slot {
            None => Ok(()),
            Some(v) => Err(v),
        }
    }

    /// The value, initialising it with `f` first if needed; concurrent
    /// callers wait for the one initialiser.
    ///
    /// # Panics
    ///
    /// As std: if `f` panics, the panic propagates and the cell stays empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = vigil::sync::OnceLock::new();
    /// assert_eq!(*cell.get_or_init(|| 92), 92);
    /// assert_eq!(*cell.get_or_init(|| unreachable!()), 92);
    /// ```
    #[inline]
    #[track_caller]
    pub fn get_or_init<F: FnOnce() -> T>(&self, f: F) -> &T {
        if let Some(v) = self.get() {
            return v;
        }
        let v = self.watch.enter(Location::caller(), || {
            self.inner.get_or_init(|| {
                let v = self.watch.run(f);
                // Released before the value is published, so whoever sees it
                // can acquire everything the initialiser did.
                self.hb.release();
                v
            })
        });
        self.watch.published();
        if vigil_detector::race_enabled() {
            self.hb.acquire();
        }
        v
    }

    /// The value, leaving the cell, if it was initialised.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = vigil::sync::OnceLock::from("x");
    /// assert_eq!(cell.into_inner(), Some("x"));
    /// ```
    pub fn into_inner(self) -> Option<T> {
        self.inner.into_inner()
    }

    /// Takes the value out, leaving the cell empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = vigil::sync::OnceLock::from(5);
    /// assert_eq!(cell.take(), Some(5));
    /// assert!(cell.get().is_none());
    /// ```
    pub fn take(&mut self) -> Option<T> {
        self.inner.take()
    }
}

impl<T> Default for OnceLock<T> {
    fn default() -> OnceLock<T> {
        OnceLock::new()
    }
}

impl<T> From<T> for OnceLock<T> {
    fn from(value: T) -> OnceLock<T> {
        let cell = OnceLock::new();
        let _ = cell.set(value);
        cell
    }
}

impl<T: Clone> Clone for OnceLock<T> {
    fn clone(&self) -> OnceLock<T> {
        match self.get() {
            Some(v) => OnceLock::from(v.clone()),
            None => OnceLock::new(),
        }
    }
}

impl<T: PartialEq> PartialEq for OnceLock<T> {
    fn eq(&self, other: &OnceLock<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceLock<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_tuple("OnceLock");
        match self.inner.get() {
            Some(v) => d.field(v),
            None => d.field(&format_args!("<uninit>")),
        };
        d.finish()
    }
}
