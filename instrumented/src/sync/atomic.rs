//! `vigil::sync::atomic`: mirrors `std::sync::atomic`, with happens-before
//! tracking for the race checker.
//!
//! Every operation is the real atomic instruction with the caller's
//! ordering. Alongside, each atomic carries a vector clock:
//!
//! | operation | `Relaxed` | `Acquire` | `Release` | `AcqRel` / `SeqCst` |
//! |---|---|---|---|---|
//! | load | no edge (kept for a later `fence(Acquire)`) | acquires | — | acquires |
//! | store | no edge (carries a preceding `fence(Release)`) | — | releases, starting a new release sequence | releases |
//! | read-modify-write | no edge; continues a release sequence | acquires | releases, continuing the sequence | both |
//!
//! A failed `compare_exchange` is a load with the failure ordering.
//! [`fence`] follows the C++20 fence rules. With the race checker off
//! (`VIGIL_RACE=off`) only the real operation runs.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use vigil::sync::atomic::{AtomicBool, Ordering};
//!
//! let ready = Arc::new(AtomicBool::new(false));
//! let r = ready.clone();
//! let t = vigil::thread::spawn(move || r.store(true, Ordering::Release));
//! t.join().unwrap();
//! assert!(ready.load(Ordering::Acquire));
//! ```

use std::fmt;
use vigil_detector::hb::{AtomicAccess, SyncClock};

pub use std::sync::atomic::{compiler_fence, Ordering};

/// An atomic fence — mirrors `std::sync::atomic::fence`.
///
/// For the race checker (C++20 rules): after `fence(Release)`, the calling
/// thread's relaxed stores and read-modify-writes carry its clock at the
/// fence, so a thread that acquires one of those values (by an acquire load,
/// or a relaxed load followed by `fence(Acquire)`) happens-after everything
/// before the fence. `fence(Acquire)` makes the calling thread learn the
/// clocks of the values its earlier relaxed loads read. `AcqRel` and
/// `SeqCst` are both.
///
/// # Panics
///
/// As std: if `order` is `Relaxed`.
///
/// # Examples
///
/// ```
/// use vigil::sync::atomic::{fence, AtomicBool, Ordering};
///
/// let ready = AtomicBool::new(false);
/// fence(Ordering::Release);
/// ready.store(true, Ordering::Relaxed);
/// if ready.load(Ordering::Relaxed) {
///     fence(Ordering::Acquire);
/// }
/// ```
#[inline]
pub fn fence(order: Ordering) {
    std::sync::atomic::fence(order);
    if vigil_detector::race_enabled() {
        vigil_detector::hb::fence(order);
    }
}

#[inline]
fn load_kind<T>(order: Ordering) -> impl FnOnce(&T) -> AtomicAccess {
    move |_| AtomicAccess::Load(order)
}

#[inline]
fn store_kind<T>(order: Ordering) -> impl FnOnce(&T) -> AtomicAccess {
    move |_| AtomicAccess::Store(order)
}

#[inline]
fn rmw_kind<T>(order: Ordering) -> impl FnOnce(&T) -> AtomicAccess {
    move |_| AtomicAccess::Rmw(order)
}

#[inline]
fn cas_kind<T>(success: Ordering, failure: Ordering) -> impl FnOnce(&Result<T, T>) -> AtomicAccess {
    move |r| match r {
        Ok(_) => AtomicAccess::Rmw(success),
        Err(_) => AtomicAccess::Load(failure),
    }
}

/// The failure ordering std's `compare_and_swap` uses for `order`.
#[inline]
fn strongest_failure_ordering(order: Ordering) -> Ordering {
    match order {
        Ordering::Release | Ordering::Relaxed => Ordering::Relaxed,
        Ordering::Acquire | Ordering::AcqRel => Ordering::Acquire,
        _ => Ordering::SeqCst,
    }
}

#[inline]
fn relaxed(order: Ordering) -> bool {
    order == Ordering::Relaxed
}

/// Methods every atomic shares, for a value type `$v` (`$t` for the docs).
macro_rules! atomic_common {
    ($name:ident, $v:ty, $a:literal, $b:literal) => {
        impl $name {
            /// Consumes the atomic and returns the contained value.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let a = vigil::sync::atomic::", stringify!($name), "::new(", $a, ");")]
            #[doc = concat!("assert_eq!(a.into_inner(), ", $a, ");")]
            /// ```
            #[inline]
            pub fn into_inner(self) -> $v {
                self.inner.into_inner()
            }

            /// A mutable reference to the value: safe because `&mut self`
            /// guarantees no other thread touches the atomic (no edge).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let mut a = vigil::sync::atomic::", stringify!($name), "::new(", $a, ");")]
            #[doc = concat!("*a.get_mut() = ", $b, ";")]
            #[doc = concat!("assert_eq!(a.load(vigil::sync::atomic::Ordering::Relaxed), ", $b, ");")]
            /// ```
            #[inline]
            pub fn get_mut(&mut self) -> &mut $v {
                self.inner.get_mut()
            }

            /// A raw pointer to the value — mirrors std's `as_ptr`. Accesses
            /// through it are not tracked.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let a = vigil::sync::atomic::", stringify!($name), "::new(", $a, ");")]
            /// assert!(!a.as_ptr().is_null());
            /// ```
            #[inline]
            pub const fn as_ptr(&self) -> *mut $v {
                self.inner.as_ptr()
            }

            /// Loads the value. `Acquire` and `SeqCst` acquire the clock of
            /// the release sequence the value belongs to.
            ///
            /// # Panics
            ///
            /// As std: if `order` is `Release` or `AcqRel`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use vigil::sync::atomic::{", stringify!($name), ", Ordering};")]
            #[doc = concat!("let a = ", stringify!($name), "::new(", $a, ");")]
            #[doc = concat!("assert_eq!(a.load(Ordering::Acquire), ", $a, ");")]
            /// ```
            #[inline]
            pub fn load(&self, order: Ordering) -> $v {
                self.clock.atomic(relaxed(order), || self.inner.load(order), load_kind(order))
            }

            /// Stores a value. `Release` and `SeqCst` start a new release
            /// sequence carrying the caller's clock.
            ///
            /// # Panics
            ///
            /// As std: if `order` is `Acquire` or `AcqRel`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use vigil::sync::atomic::{", stringify!($name), ", Ordering};")]
            #[doc = concat!("let a = ", stringify!($name), "::new(", $a, ");")]
            #[doc = concat!("a.store(", $b, ", Ordering::Release);")]
            #[doc = concat!("assert_eq!(a.load(Ordering::Relaxed), ", $b, ");")]
            /// ```
            #[inline]
            pub fn store(&self, val: $v, order: Ordering) {
                // Never skipped: a relaxed store ends a release sequence (see `SyncClock::atomic`).
                self.clock.atomic(false, || self.inner.store(val, order), store_kind(order))
            }

            /// Stores a value, returning the previous one (a read-modify-write).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use vigil::sync::atomic::{", stringify!($name), ", Ordering};")]
            #[doc = concat!("let a = ", stringify!($name), "::new(", $a, ");")]
            #[doc = concat!("assert_eq!(a.swap(", $b, ", Ordering::AcqRel), ", $a, ");")]
            /// ```
            #[inline]
            pub fn swap(&self, val: $v, order: Ordering) -> $v {
                self.clock.atomic(relaxed(order), || self.inner.swap(val, order), rmw_kind(order))
            }

            /// Stores `new` if the value is `current` — mirrors std. Success is
            /// a read-modify-write with `success`; failure a load with `failure`.
            ///
            /// # Errors
            ///
            /// As std: `Err(actual)` when the value was not `current`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use vigil::sync::atomic::{", stringify!($name), ", Ordering};")]
            #[doc = concat!("let a = ", stringify!($name), "::new(", $a, ");")]
            #[doc = concat!("assert_eq!(a.compare_exchange(", $a, ", ", $b, ", Ordering::AcqRel, Ordering::Acquire), Ok(", $a, "));")]
            #[doc = concat!("assert_eq!(a.compare_exchange(", $a, ", ", $b, ", Ordering::AcqRel, Ordering::Acquire), Err(", $b, "));")]
            /// ```
            #[inline]
            pub fn compare_exchange(
                &self,
                current: $v,
                new: $v,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$v, $v> {
                self.clock.atomic(
                    relaxed(success) && relaxed(failure),
                    || self.inner.compare_exchange(current, new, success, failure),
                    cas_kind(success, failure),
                )
            }

            /// Stores `new` if the value is `current`, returning the previous
            /// value — mirrors std's deprecated `compare_and_swap`: a
            /// [`compare_exchange`](Self::compare_exchange) with `order` on
            /// success and the strongest failure ordering `order` allows,
            /// so it makes the same happens-before edges.
            ///
            /// # Examples
            ///
            /// ```
            /// # #![allow(deprecated)]
            #[doc = concat!("use vigil::sync::atomic::{", stringify!($name), ", Ordering};")]
            #[doc = concat!("let a = ", stringify!($name), "::new(", $a, ");")]
            #[doc = concat!("assert_eq!(a.compare_and_swap(", $a, ", ", $b, ", Ordering::AcqRel), ", $a, ");")]
            #[doc = concat!("assert_eq!(a.compare_and_swap(", $a, ", ", $b, ", Ordering::AcqRel), ", $b, ");")]
            /// ```
            #[inline]
            #[deprecated(since = "0.1.0", note = "Use `compare_exchange` or `compare_exchange_weak` instead")]
            pub fn compare_and_swap(&self, current: $v, new: $v, order: Ordering) -> $v {
                match self.compare_exchange(current, new, order, strongest_failure_ordering(order)) {
                    Ok(x) | Err(x) => x,
                }
            }

            /// Like [`compare_exchange`](Self::compare_exchange), but may fail
            /// spuriously — mirrors std.
            ///
            /// # Errors
            ///
            /// As std: `Err(actual)` when the value was not `current` (or spuriously).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use vigil::sync::atomic::{", stringify!($name), ", Ordering};")]
            #[doc = concat!("let a = ", stringify!($name), "::new(", $a, ");")]
            #[doc = concat!("while a.compare_exchange_weak(", $a, ", ", $b, ", Ordering::AcqRel, Ordering::Relaxed).is_err() {}")]
            #[doc = concat!("assert_eq!(a.load(Ordering::Relaxed), ", $b, ");")]
            /// ```
            #[inline]
            pub fn compare_exchange_weak(
                &self,
                current: $v,
                new: $v,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$v, $v> {
                self.clock.atomic(
                    relaxed(success) && relaxed(failure),
                    || self.inner.compare_exchange_weak(current, new, success, failure),
                    cas_kind(success, failure),
                )
            }

            /// Fetches the value and applies `f` until it succeeds — mirrors
            /// std (loads with `fetch_order`, compare-exchanges with `set_order`).
            ///
            /// # Errors
            ///
            /// As std: `Err(previous)` when `f` returned `None`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use vigil::sync::atomic::{", stringify!($name), ", Ordering};")]
            #[doc = concat!("let a = ", stringify!($name), "::new(", $a, ");")]
            #[doc = concat!("assert_eq!(a.fetch_update(Ordering::AcqRel, Ordering::Acquire, |_| Some(", $b, ")), Ok(", $a, "));")]
            #[doc = concat!("assert_eq!(a.fetch_update(Ordering::AcqRel, Ordering::Acquire, |_| None), Err(", $b, "));")]
            /// ```
            #[inline]
            pub fn fetch_update<F>(&self, set_order: Ordering, fetch_order: Ordering, mut f: F) -> Result<$v, $v>
            where
                F: FnMut($v) -> Option<$v>,
            {
                let mut prev = self.load(fetch_order);
                while let Some(next) = f(prev) {
                    match self.compare_exchange_weak(prev, next, set_order, fetch_order) {
                        Ok(x) => return Ok(x),
                        Err(next_prev) => prev = next_prev,
                    }
                }
                Err(prev)
            }
        }

        impl From<$v> for $name {
            /// A new atomic holding `v`.
            #[inline]
            fn from(v: $v) -> Self {
                Self::new(v)
            }
        }

        impl fmt::Debug for $name {
            /// The value (a relaxed load, like std's), never blocking.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.inner.load(Ordering::Relaxed), f)
            }
        }
    };
}

/// Generates one read-modify-write method that forwards to std's.
macro_rules! atomic_rmw {
    ($name:ident, $v:ty, $method:ident, $a:literal, $b:literal, $doc:literal) => {
        #[doc = $doc]
        ///
        /// A read-modify-write: it continues the atomic's release sequence,
        /// releases with `Release`/`AcqRel`/`SeqCst`, acquires with
        /// `Acquire`/`AcqRel`/`SeqCst`.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("use vigil::sync::atomic::{", stringify!($name), ", Ordering};")]
        #[doc = concat!("let a = ", stringify!($name), "::new(", $a, ");")]
        #[doc = concat!("assert_eq!(a.", stringify!($method), "(", $b, ", Ordering::AcqRel), ", $a, ");")]
        /// ```
        #[inline]
        pub fn $method(&self, val: $v, order: Ordering) -> $v {
            self.clock.atomic(relaxed(order), || self.inner.$method(val, order), rmw_kind(order))
        }
    };
}

macro_rules! atomic_int {
    ($name:ident, $v:ty) => {
        #[doc = concat!("An integer that can be shared between threads — mirrors `std::sync::atomic::", stringify!($name), "`.")]
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("use vigil::sync::atomic::{", stringify!($name), ", Ordering};")]
        /// use std::sync::Arc;
        ///
        #[doc = concat!("let hits = Arc::new(", stringify!($name), "::new(0));")]
        /// let h = hits.clone();
        /// vigil::thread::spawn(move || h.fetch_add(1, Ordering::Relaxed)).join().unwrap();
        /// assert_eq!(hits.load(Ordering::Relaxed), 1);
        /// ```
        ///
        /// # Differences from the standard library
        ///
        /// The same operations with the same orderings; alongside, the atomic
        /// carries a vector clock so that release/acquire operations order
        /// other threads' accesses for the race checker (see the module
        /// docs). It is larger than std's (the clock and its lock).
        #[derive(Default)]
        pub struct $name {
            inner: std::sync::atomic::$name,
            clock: SyncClock,
        }

        impl $name {
            /// A new atomic holding `v`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("static COUNT: vigil::sync::atomic::", stringify!($name), " = vigil::sync::atomic::", stringify!($name), "::new(0);")]
            /// assert_eq!(COUNT.load(vigil::sync::atomic::Ordering::Relaxed), 0);
            /// ```
            #[inline]
            pub const fn new(v: $v) -> Self {
                $name { inner: std::sync::atomic::$name::new(v), clock: SyncClock::new() }
            }

            atomic_rmw!($name, $v, fetch_add, "5", "2", "Adds to the value (wrapping), returning the previous value — mirrors std.");
            atomic_rmw!($name, $v, fetch_sub, "5", "2", "Subtracts from the value (wrapping), returning the previous value — mirrors std.");
            atomic_rmw!($name, $v, fetch_and, "5", "2", "Bitwise \"and\" with the value, returning the previous value — mirrors std.");
            atomic_rmw!($name, $v, fetch_nand, "5", "2", "Bitwise \"nand\" with the value, returning the previous value — mirrors std.");
            atomic_rmw!($name, $v, fetch_or, "5", "2", "Bitwise \"or\" with the value, returning the previous value — mirrors std.");
            atomic_rmw!($name, $v, fetch_xor, "5", "2", "Bitwise \"xor\" with the value, returning the previous value — mirrors std.");
            atomic_rmw!($name, $v, fetch_max, "5", "2", "Maximum with the value, returning the previous value — mirrors std.");
            atomic_rmw!($name, $v, fetch_min, "5", "2", "Minimum with the value, returning the previous value — mirrors std.");
        }

        atomic_common!($name, $v, "5", "2");
    };
}

atomic_int!(AtomicUsize, usize);
atomic_int!(AtomicIsize, isize);
atomic_int!(AtomicU32, u32);
atomic_int!(AtomicI32, i32);
atomic_int!(AtomicU64, u64);
atomic_int!(AtomicI64, i64);

/// A boolean that can be shared between threads — mirrors
/// `std::sync::atomic::AtomicBool`.
///
/// # Examples
///
/// Publishing data with a release store and an acquire load (no race):
///
/// ```
/// use std::sync::Arc;
/// use vigil::race::RaceCell;
/// use vigil::sync::atomic::{AtomicBool, Ordering};
///
/// let data = Arc::new(RaceCell::new(0));
/// let ready = Arc::new(AtomicBool::new(false));
/// let (d, r) = (data.clone(), ready.clone());
/// let producer = vigil::thread::spawn(move || {
///     d.set(42);
///     r.store(true, Ordering::Release);
/// });
/// while !ready.load(Ordering::Acquire) {
///     std::hint::spin_loop();
/// }
/// assert_eq!(data.get(), 42);
/// producer.join().unwrap();
/// ```
///
/// # Differences from the standard library
///
/// The same operations with the same orderings; alongside, the atomic
/// carries a vector clock so that release/acquire operations order other
/// threads' accesses for the race checker (see the module docs). It is
/// larger than std's (the clock and its lock).
#[derive(Default)]
pub struct AtomicBool {
    inner: std::sync::atomic::AtomicBool,
    clock: SyncClock,
}

impl AtomicBool {
    /// A new atomic holding `v`.
    ///
    /// # Examples
    ///
    /// ```
    /// static READY: vigil::sync::atomic::AtomicBool = vigil::sync::atomic::AtomicBool::new(false);
    /// assert!(!READY.load(vigil::sync::atomic::Ordering::Relaxed));
    /// ```
    #[inline]
    pub const fn new(v: bool) -> Self {
        AtomicBool { inner: std::sync::atomic::AtomicBool::new(v), clock: SyncClock::new() }
    }

    atomic_rmw!(
        AtomicBool,
        bool,
        fetch_and,
        "true",
        "false",
        "Logical \"and\" with the value, returning the previous value — mirrors std."
    );
    atomic_rmw!(
        AtomicBool,
        bool,
        fetch_nand,
        "true",
        "false",
        "Logical \"nand\" with the value, returning the previous value — mirrors std."
    );
    atomic_rmw!(
        AtomicBool,
        bool,
        fetch_or,
        "true",
        "false",
        "Logical \"or\" with the value, returning the previous value — mirrors std."
    );
    atomic_rmw!(
        AtomicBool,
        bool,
        fetch_xor,
        "true",
        "false",
        "Logical \"xor\" with the value, returning the previous value — mirrors std."
    );
}

atomic_common!(AtomicBool, bool, "true", "false");

/// A raw pointer that can be shared between threads — mirrors
/// `std::sync::atomic::AtomicPtr`.
///
/// # Examples
///
/// ```
/// use vigil::sync::atomic::{AtomicPtr, Ordering};
///
/// let mut value = 5;
/// let ptr = AtomicPtr::new(&mut value as *mut i32);
/// assert_eq!(ptr.load(Ordering::Acquire), &mut value as *mut i32);
/// ```
///
/// # Differences from the standard library
///
/// The same operations with the same orderings; alongside, the atomic
/// carries a vector clock so that release/acquire operations order other
/// threads' accesses for the race checker (see the module docs). It is
/// larger than std's (the clock and its lock).
pub struct AtomicPtr<T> {
    inner: std::sync::atomic::AtomicPtr<T>,
    clock: SyncClock,
}

impl<T> Default for AtomicPtr<T> {
    /// A null pointer.
    fn default() -> Self {
        AtomicPtr::new(std::ptr::null_mut())
    }
}

impl<T> From<*mut T> for AtomicPtr<T> {
    /// A new atomic holding `p`.
    #[inline]
    fn from(p: *mut T) -> Self {
        AtomicPtr::new(p)
    }
}

impl<T> fmt::Debug for AtomicPtr<T> {
    /// The pointer (a relaxed load, like std's), never blocking.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner.load(Ordering::Relaxed), f)
    }
}

impl<T> AtomicPtr<T> {
    /// A new atomic holding `p`.
    ///
    /// # Examples
    ///
    /// ```
    /// let p = vigil::sync::atomic::AtomicPtr::<u8>::new(std::ptr::null_mut());
    /// assert!(p.load(vigil::sync::atomic::Ordering::Relaxed).is_null());
    /// ```
    #[inline]
    pub const fn new(p: *mut T) -> AtomicPtr<T> {
        AtomicPtr { inner: std::sync::atomic::AtomicPtr::new(p), clock: SyncClock::new() }
    }

    /// Consumes the atomic and returns the pointer.
    ///
    /// # Examples
    ///
    /// ```
    /// let p = vigil::sync::atomic::AtomicPtr::<u8>::new(std::ptr::null_mut());
    /// assert!(p.into_inner().is_null());
    /// ```
    #[inline]
    pub fn into_inner(self) -> *mut T {
        self.inner.into_inner()
    }

    /// A mutable reference to the pointer (no edge: `&mut self` is exclusive).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut x = 1u8;
    /// let mut p = vigil::sync::atomic::AtomicPtr::<u8>::default();
    /// *p.get_mut() = &mut x;
    /// assert!(!p.into_inner().is_null());
    /// ```
    #[inline]
    pub fn get_mut(&mut self) -> &mut *mut T {
        self.inner.get_mut()
    }

    /// A raw pointer to the atomic's storage — mirrors std's `as_ptr`;
    /// accesses through it are not tracked.
    ///
    /// # Examples
    ///
    /// ```
    /// let p = vigil::sync::atomic::AtomicPtr::<u8>::default();
    /// assert!(!p.as_ptr().is_null());
    /// ```
    #[inline]
    pub const fn as_ptr(&self) -> *mut *mut T {
        self.inner.as_ptr()
    }

    /// Loads the pointer; `Acquire`/`SeqCst` acquire.
    ///
    /// # Panics
    ///
    /// As std: if `order` is `Release` or `AcqRel`.
    ///
    /// # Examples
    ///
    /// ```
    /// let p = vigil::sync::atomic::AtomicPtr::<u8>::default();
    /// assert!(p.load(vigil::sync::atomic::Ordering::Acquire).is_null());
    /// ```
    #[inline]
    pub fn load(&self, order: Ordering) -> *mut T {
        self.clock.atomic(relaxed(order), || self.inner.load(order), load_kind(order))
    }

    /// Stores a pointer; `Release`/`SeqCst` start a new release sequence.
    ///
    /// # Panics
    ///
    /// As std: if `order` is `Acquire` or `AcqRel`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut x = 1u8;
    /// let p = vigil::sync::atomic::AtomicPtr::<u8>::default();
    /// p.store(&mut x, vigil::sync::atomic::Ordering::Release);
    /// ```
    #[inline]
    pub fn store(&self, ptr: *mut T, order: Ordering) {
        // Never skipped: a relaxed store ends a release sequence (see `SyncClock::atomic`).
        self.clock.atomic(false, || self.inner.store(ptr, order), store_kind(order))
    }

    /// Stores a pointer, returning the previous one (a read-modify-write).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut x = 1u8;
    /// let p = vigil::sync::atomic::AtomicPtr::<u8>::default();
    /// assert!(p.swap(&mut x, vigil::sync::atomic::Ordering::AcqRel).is_null());
    /// ```
    #[inline]
    pub fn swap(&self, ptr: *mut T, order: Ordering) -> *mut T {
        self.clock.atomic(relaxed(order), || self.inner.swap(ptr, order), rmw_kind(order))
    }

    /// Stores `new` if the pointer is `current` — mirrors std.
    ///
    /// # Errors
    ///
    /// As std: `Err(actual)` when the pointer was not `current`.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::sync::atomic::{AtomicPtr, Ordering};
    /// let mut x = 1u8;
    /// let p = AtomicPtr::<u8>::default();
    /// assert!(p.compare_exchange(std::ptr::null_mut(), &mut x, Ordering::AcqRel, Ordering::Acquire).is_ok());
    /// ```
    #[inline]
    pub fn compare_exchange(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        self.clock.atomic(
            relaxed(success) && relaxed(failure),
            || self.inner.compare_exchange(current, new, success, failure),
            cas_kind(success, failure),
        )
    }

    /// Stores `new` if the pointer is `current`, returning the previous
    /// pointer — mirrors std's deprecated `compare_and_swap` (see
    /// [`AtomicUsize::compare_and_swap`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// use vigil::sync::atomic::{AtomicPtr, Ordering};
    /// let mut x = 1u8;
    /// let p = AtomicPtr::<u8>::default();
    /// assert!(p.compare_and_swap(std::ptr::null_mut(), &mut x, Ordering::AcqRel).is_null());
    /// assert_eq!(p.load(Ordering::Acquire), &mut x as *mut u8);
    /// ```
    #[inline]
    #[deprecated(since = "0.1.0", note = "Use `compare_exchange` or `compare_exchange_weak` instead")]
    pub fn compare_and_swap(&self, current: *mut T, new: *mut T, order: Ordering) -> *mut T {
        match self.compare_exchange(current, new, order, strongest_failure_ordering(order)) {
            Ok(x) | Err(x) => x,
        }
    }

    /// Like [`compare_exchange`](Self::compare_exchange), but may fail
    /// spuriously — mirrors std.
    ///
    /// # Errors
    ///
    /// As std: `Err(actual)` when the pointer was not `current` (or spuriously).
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::sync::atomic::{AtomicPtr, Ordering};
    /// let mut x = 1u8;
    /// let p = AtomicPtr::<u8>::default();
    /// while p.compare_exchange_weak(std::ptr::null_mut(), &mut x, Ordering::AcqRel, Ordering::Relaxed).is_err() {}
    /// ```
    #[inline]
    pub fn compare_exchange_weak(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        self.clock.atomic(
            relaxed(success) && relaxed(failure),
            || self.inner.compare_exchange_weak(current, new, success, failure),
            cas_kind(success, failure),
        )
    }

    /// Fetches the pointer and applies `f` until it succeeds — mirrors std.
    ///
    /// # Errors
    ///
    /// As std: `Err(previous)` when `f` returned `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::sync::atomic::{AtomicPtr, Ordering};
    /// let p = AtomicPtr::<u8>::default();
    /// assert!(p.fetch_update(Ordering::AcqRel, Ordering::Acquire, |_| None).is_err());
    /// ```
    #[inline]
    pub fn fetch_update<F>(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        mut f: F,
    ) -> Result<*mut T, *mut T>
    where
        F: FnMut(*mut T) -> Option<*mut T>,
    {
        let mut prev = self.load(fetch_order);
        while let Some(next) = f(prev) {
            match self.compare_exchange_weak(prev, next, set_order, fetch_order) {
                Ok(x) => return Ok(x),
                Err(next_prev) => prev = next_prev,
            }
        }
        Err(prev)
    }
}
