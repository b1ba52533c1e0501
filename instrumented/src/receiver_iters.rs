//! The three iterators over a receiver (`Iter`, `TryIter`, `IntoIter`),
//! written once for both channel families: each family's `iter.rs` invokes
//! [`receiver_iterators!`] with its own `Receiver`, the type it mirrors and
//! the constructor its doc examples use. A blocking iterator waits visibly,
//! at the site where it was made.

/// Defines `Iter`, `TryIter` and `IntoIter` over `super::receiver::Receiver`,
/// which must have `recv_at(Option<Instant>, site)` and `try_recv()`.
macro_rules! receiver_iterators {
    (mirrors: $mirrors:literal, make: $make:literal) => {
        use super::receiver::Receiver;
        use std::fmt;
        use std::iter::FusedIterator;
        use std::panic::Location;

        #[doc = concat!("A blocking iterator over messages — mirrors `", $mirrors, "::Iter`.")]
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let (s, r) = ", $make, ";")]
        /// vigil::thread::spawn(move || (1..=3).for_each(|i| s.send(i).unwrap()));
        /// assert_eq!(r.iter().sum::<i32>(), 6);
        /// ```
        pub struct Iter<'a, T> {
            rx: &'a Receiver<T>,
            site: &'static Location<'static>,
        }

        impl<'a, T> Iter<'a, T> {
            pub(crate) fn new(rx: &'a Receiver<T>, site: &'static Location<'static>) -> Self {
                Iter { rx, site }
            }
        }

        impl<T> Iterator for Iter<'_, T> {
            type Item = T;

            fn next(&mut self) -> Option<T> {
                self.rx.recv_at(None, self.site).ok()
            }
        }

        impl<T> FusedIterator for Iter<'_, T> {}

        impl<T> fmt::Debug for Iter<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad("Iter { .. }")
            }
        }

        #[doc = concat!("A non-blocking iterator over the messages ready now — mirrors `", $mirrors, "::TryIter`.")]
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let (s, r) = ", $make, ";")]
        /// s.send(1).unwrap();
        /// assert_eq!(r.try_iter().count(), 1);
        /// ```
        pub struct TryIter<'a, T> {
            rx: &'a Receiver<T>,
        }

        impl<'a, T> TryIter<'a, T> {
            pub(crate) fn new(rx: &'a Receiver<T>) -> Self {
                TryIter { rx }
            }
        }

        impl<T> Iterator for TryIter<'_, T> {
            type Item = T;

            fn next(&mut self) -> Option<T> {
                self.rx.try_recv().ok()
            }
        }

        impl<T> fmt::Debug for TryIter<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad("TryIter { .. }")
            }
        }

        #[doc = concat!("An owning blocking iterator over messages — mirrors `", $mirrors, "::IntoIter`.")]
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let (s, r) = ", $make, ";")]
        /// s.send(1).unwrap();
        /// drop(s);
        /// assert_eq!(r.into_iter().collect::<Vec<_>>(), [1]);
        /// ```
        pub struct IntoIter<T> {
            rx: Receiver<T>,
            site: &'static Location<'static>,
        }

        impl<T> IntoIter<T> {
            pub(crate) fn new(rx: Receiver<T>, site: &'static Location<'static>) -> Self {
                IntoIter { rx, site }
            }
        }

        impl<T> Iterator for IntoIter<T> {
            type Item = T;

            fn next(&mut self) -> Option<T> {
                self.rx.recv_at(None, self.site).ok()
            }
        }

        impl<T> FusedIterator for IntoIter<T> {}

        impl<T> fmt::Debug for IntoIter<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad("IntoIter { .. }")
            }
        }
    };
}

pub(crate) use receiver_iterators;
