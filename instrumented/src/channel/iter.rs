//! Iterators over a `Receiver`: `Iter` (blocking), `TryIter`, `IntoIter`.
//! A blocking iterator waits visibly, at the site where it was made.

use super::receiver::Receiver;
use std::fmt;
use std::iter::FusedIterator;
use std::panic::Location;

/// A blocking iterator over messages — mirrors `crossbeam_channel::Iter`.
///
/// # Examples
///
/// ```
/// let (s, r) = vigil::channel::unbounded();
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

/// A non-blocking iterator over the messages ready now — mirrors
/// `crossbeam_channel::TryIter`.
///
/// # Examples
///
/// ```
/// let (s, r) = vigil::channel::unbounded();
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

/// An owning blocking iterator over messages — mirrors `crossbeam_channel::IntoIter`.
///
/// # Examples
///
/// ```
/// let (s, r) = vigil::channel::unbounded();
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
