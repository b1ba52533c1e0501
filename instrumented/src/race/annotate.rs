//! Annotations for raw memory shared by `unsafe` code.

use std::panic::Location;

/// The bytes an annotation of `*const T` covers: the pointee's size (a
/// zero-sized pointee counts as one byte, so it still means something).
#[inline]
fn pointee_len<T>() -> usize {
    std::mem::size_of::<T>().max(1)
}

/// Tells the race checker that the calling thread reads the `T` at `addr`:
/// the `size_of::<T>()` bytes from `addr`. A write by another thread to
/// any of those bytes, not ordered with this read by any vigil primitive,
/// is reported as a data race with both sites.
///
/// Annotating a struct covers all its fields, and annotating one field
/// covers that field only: a struct and its field race, two disjoint
/// fields do not. Call [`forget`] when the memory is freed. Nothing is
/// dereferenced.
///
/// # Examples
///
/// ```
/// let value = 7u32;
/// vigil::race::read(&value as *const u32); // the 4 bytes of `value`
/// let _ = value;
/// vigil::race::forget(&value as *const u32, std::mem::size_of::<u32>());
/// ```
#[track_caller]
#[inline]
pub fn read<T>(addr: *const T) {
    if vigil_detector::race_enabled() {
        vigil_detector::race::read_addr(addr as usize, pointee_len::<T>(), Location::caller());
    }
}

/// Tells the race checker that the calling thread writes the `T` at
/// `addr`: the `size_of::<T>()` bytes from `addr`. Another thread's read or
/// write of any of those bytes, not ordered with this write by any vigil
/// primitive, is reported as a data race with both sites.
///
/// # Examples
///
/// ```
/// let mut value = 7u32;
/// vigil::race::write(&value as *const u32);
/// value += 1;
/// # assert_eq!(value, 8);
/// vigil::race::forget(&value as *const u32, std::mem::size_of::<u32>());
/// ```
#[track_caller]
#[inline]
pub fn write<T>(addr: *const T) {
    if vigil_detector::race_enabled() {
        vigil_detector::race::write_addr(addr as usize, pointee_len::<T>(), Location::caller());
    }
}

/// Forgets the accesses recorded for the `len` bytes at `addr`: call it when
/// annotated memory is freed, so that a new allocation at the same address
/// does not race with the old one's accesses.
///
/// # Examples
///
/// ```
/// let boxed = Box::new([0u8; 16]);
/// vigil::race::write(boxed.as_ptr());
/// vigil::race::forget(boxed.as_ptr(), boxed.len());
/// drop(boxed);
/// ```
#[inline]
pub fn forget<T: ?Sized>(addr: *const T, len: usize) {
    if vigil_detector::race_enabled() {
        vigil_detector::race::forget(addr as *const () as usize, len);
    }
}
