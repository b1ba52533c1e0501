//! `LazyLock`: a value initialised on first access, built on vigil's
//! [`OnceLock`] so that the initialisation happens
//! before every access.

use crate::sync::OnceLock;
use std::fmt;
use std::ops::Deref;

/// A value initialised on first access — mirrors `std::sync::LazyLock`.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use vigil::sync::LazyLock;
///
/// static TABLE: LazyLock<HashMap<u32, &str>> = LazyLock::new(|| HashMap::from([(1, "one")]));
///
/// assert_eq!(TABLE.get(&1), Some(&"one"));
/// ```
///
/// # Differences from the standard library
///
/// For the race checker, the initialisation happens before every access.
/// A panicking initialiser poisons the `LazyLock` as in std: later accesses
/// panic.
pub struct LazyLock<T, F = fn() -> T> {
    cell: OnceLock<T>,
    init: std::sync::Mutex<Option<F>>,
}

impl<T, F: FnOnce() -> T> LazyLock<T, F> {
    /// A lazy value that `f` will produce on first access; `const`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lazy = vigil::sync::LazyLock::new(|| 40 + 2);
    /// assert_eq!(*lazy, 42);
    /// ```
    pub const fn new(f: F) -> LazyLock<T, F> {
        LazyLock { cell: OnceLock::new(), init: std::sync::Mutex::new(Some(f)) }
    }

    /// Forces the evaluation and returns a reference to the value.
    ///
    /// # Panics
    ///
    /// If the initialiser panicked, on this or an earlier access.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil::sync::LazyLock;
    ///
    /// let lazy = LazyLock::new(|| "ready");
    /// assert_eq!(*LazyLock::force(&lazy), "ready");
    /// ```
    #[inline]
    #[track_caller]
    pub fn force(this: &LazyLock<T, F>) -> &T {
        this.cell.get_or_init(|| {
            let f = this.init.lock().unwrap_or_else(|e| e.into_inner()).take();
            match f {
                Some(f) => f(),
                None => panic!("LazyLock instance has previously been poisoned"),
            }
        })
    }
}

impl<T, F: FnOnce() -> T> Deref for LazyLock<T, F> {
    type Target = T;

    #[inline]
    #[track_caller]
    fn deref(&self) -> &T {
        LazyLock::force(self)
    }
}

impl<T: Default> Default for LazyLock<T> {
    fn default() -> LazyLock<T> {
        LazyLock::new(T::default)
    }
}

impl<T: fmt::Debug, F> fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_tuple("LazyLock");
        match self.cell.get() {
            Some(v) => d.field(v),
            None => d.field(&format_args!("<uninit>")),
        };
        d.finish()
    }
}
